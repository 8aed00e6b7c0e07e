"""The lag lab (notebook 08): the GRU's gradient path, and RNN vs LSTM vs GRU on
the adding problem as the lag T grows.

1. ``gradient_through_time(kind, x, weights, w)``: ||dL/dh_k|| for k = 0..T, with
   L = w . h_T, in a vanilla RNN or a GRU (``random_gru`` makes a random GRU whose
   update gate sits near a chosen value). The LSTM's version is
   helpers.lstm_lab.gradient_through_time.
2. ``param_count(kind, D, H, out=1)``: how many numbers a one-layer model with a
   linear readout learns.
3. The lag experiment: the adding problem (helpers.data) at lags ``LAG["lags"]``,
   one model of each kind with about 1,200 parameters, trained with the same
   recipe as notebook 06 (Adam, clipping at global norm 1). ``lag_run`` trains
   one (kind, T); the shipped runs ``helpers/data/lag_runs.npz`` are rebuilt by
   ``python -m helpers.lag_lab`` (deterministic: fixed seeds, one BLAS thread).
"""
import os
import time
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is fastest (see lstm_lab)

import numpy as np  # noqa: E402

from helpers import data, gru, layers, lstm, lstm_lab, optim, rnn, validate  # noqa: E402

DATA_FILE = Path(__file__).resolve().parent / "data" / "lag_runs.npz"
KINDS = ("rnn", "lstm", "gru")
LAYERS = {"rnn": rnn, "lstm": lstm, "gru": gru}
WEIGHTS = {"rnn": ("Wx", "Wh", "b"), "lstm": ("Wx", "Wh", "b"), "gru": ("Wx", "Wh", "bx", "bh")}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


# --------------------------------------------------------------------------
# 1. The gradient through time
# --------------------------------------------------------------------------


def random_gru(D, H, rng, update_bias=0.0, scale=1.0):
    """A random GRU: weights N(0, scale^2 / fan_in), bx's z block = update_bias, other biases 0.

    Returns (Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)). A large update_bias holds z
    near sigmoid(update_bias): the state is mostly copied forward.
    """
    D, H = validate.integer("D", D, low=1), validate.integer("H", H, low=1)
    update_bias = validate.number("update_bias", update_bias)
    scale = validate.number("scale", scale, low=0, low_open=True)
    rng = validate.rng("rng", rng)
    Wx = scale * rng.standard_normal((D, 3 * H)) / np.sqrt(D)  # (D, 3H)
    Wh = scale * rng.standard_normal((H, 3 * H)) / np.sqrt(H)  # (H, 3H)
    bx, bh = np.zeros(3 * H), np.zeros(3 * H)
    bx[H:2 * H] = update_bias  # gate order r, z, n
    return Wx, Wh, bx, bh


def gradient_through_time(kind, x, weights, w):
    """||dL/dh_k|| for k = 0..T with L = h_T . w, in a vanilla RNN ("rnn") or a GRU ("gru").

    x (1, T, D); weights: (Wx, Wh, b) for an RNN, (Wx, Wh, bx, bh) for a GRU; w (H,).
    h_0 = 0. Runs helpers.rnn / helpers.gru step by step and returns (T + 1,): entry k
    is the norm of everything that reaches h_k from the loss (entry T is ||w||).
    """
    validate.choice("kind", kind, {"rnn", "gru"})
    x = validate.array("x", x, ndim=3, letters="(1, T, D)")
    if x.shape[0] != 1:
        raise ValueError(f"x must hold one sequence, shape (1, T, D), got {x.shape}")
    if not isinstance(weights, (tuple, list)) or len(weights) != len(WEIGHTS[kind]):
        raise ValueError(f"weights must be the tuple ({', '.join(WEIGHTS[kind])}) for kind {kind!r}, "
                         f"got {type(weights).__name__}" + (f" of length {len(weights)}"
                                                             if isinstance(weights, (tuple, list)) else ""))
    H = np.shape(weights[1])[0]
    w = validate.array("w", w, ndim=1, letters="(H,)")
    validate.shape("w", w, (H,), "(H,)")
    layer = LAYERS[kind]
    h, caches = np.zeros((1, H)), []
    for t in range(x.shape[1]):
        h, cache = layer.step_forward(x[:, t], h, *weights)
        caches.append(cache)
    norms = np.empty(x.shape[1] + 1)
    dh = w[None, :].copy()  # dL/dh_T
    norms[-1] = np.linalg.norm(dh)
    for t in reversed(range(x.shape[1])):
        dh = layer.step_backward(dh, caches[t])[1]  # dL/dh_t from dL/dh_{t+1}
        norms[t] = np.linalg.norm(dh)
    return norms


# --------------------------------------------------------------------------
# 2. Parameter counts
# --------------------------------------------------------------------------


def param_count(kind, D, H, out=0):
    """Numbers learned by one layer of ``kind`` (D inputs, H units), plus a linear readout to ``out`` if out > 0.

    RNN: H (D + H + 1); LSTM: 4H (D + H + 1) (one bias, torch has two that add up);
    GRU: 3H (D + H + 2) (two biases: the n blocks cannot merge); readout: H out + out.
    """
    validate.choice("kind", kind, set(KINDS))
    D, H = validate.integer("D", D, low=1), validate.integer("H", H, low=1)
    out = validate.integer("out", out, low=0)
    biases = 2 if kind == "gru" else 1
    return GATES[kind] * H * (D + H + biases) + H * out + out


# --------------------------------------------------------------------------
# 3. The lag experiment
# --------------------------------------------------------------------------

# One recipe for every lag; sizes chosen so the three models have about the same
# number of parameters (RNN 1,153, LSTM 1,233, GRU 1,207); the RNN and LSTM
# sizes, learning rates and biases are notebook 06's (helpers.lstm_lab.ADDING), the GRU's
# mirror the LSTM's; 2,000 steps (06: 1,000) give the long lags a fair chance. Seeds:
# [seed, T] for the model and its batches, test_seed + T for the test set.
LAG = dict(lags=(10, 25, 50, 100, 200, 400), N=32, steps=2000, eval_every=25, n_test=500, test_seed=100, max_norm=1.0,
           seed=0, rnn=dict(H=32, lr=0.001), lstm=dict(H=16, lr=0.02, bias=2.0), gru=dict(H=18, lr=0.02, bias=2.0))


def init_params(kind, H, rng, bias=0.0, D=2):
    """Layer weights + readout (Wy (H, 1), by (1,)), keyed as WEIGHTS[kind] + ("Wy", "by").

    RNN and LSTM as notebook 06 makes them (orthogonal Wh for the RNN; bias on the
    LSTM's forget block); the GRU's ``bias`` goes on its update block (z = 1 keeps h).
    """
    validate.choice("kind", kind, set(KINDS))
    if kind != "gru":
        return lstm_lab.init_params(kind, H, rng, D=D, forget_bias=bias)
    params = dict(zip(WEIGHTS["gru"], random_gru(D, H, rng, update_bias=bias)))
    return dict(params, Wy=rng.standard_normal((H, 1)) / np.sqrt(H), by=np.zeros(1))


def _run_layer(kind, params, x):
    validate.choice("kind", kind, set(KINDS))
    x = validate.array("x", x, ndim=3, letters="(N, T, D)")
    h0 = np.zeros((x.shape[0], params["Wh"].shape[0]))
    h, cache = LAYERS[kind].forward(x, h0, *(params[k] for k in WEIGHTS[kind]))
    return x, h, cache


def predict(kind, params, x):
    """x (N, T, D) -> the model's answer (N,) = h_T Wy + by."""
    _, h, _ = _run_layer(kind, params, x)
    return (h[:, -1] @ params["Wy"] + params["by"])[:, 0]


def loss_and_grads(kind, params, x, targets):
    """MSE of h_T Wy + by against targets (N,), and its gradients keyed like params."""
    x, h, cache = _run_layer(kind, params, x)
    targets = validate.array("targets", targets, ndim=1, letters="(N,)")
    validate.shape("targets", targets, (x.shape[0],), "(N,)")
    out, acache = layers.affine_forward(h[:, -1], params["Wy"], params["by"])  # (N, 1)
    err = out[:, 0] - targets  # (N,)
    dhT, dWy, dby = layers.affine_backward((2.0 / x.shape[0]) * err[:, None], acache)
    dh = np.zeros_like(h)
    dh[:, -1] = dhT  # only the last step has a loss
    dW = LAYERS[kind].backward(dh, cache)[2:2 + len(WEIGHTS[kind])]
    return float(np.mean(err ** 2)), dict(zip(WEIGHTS[kind], dW), Wy=dWy, by=dby)


def lag_test_set(T, settings=LAG):
    """The fixed test set at lag T: x (n_test, T, 2), targets (n_test,)."""
    return data.adding_problem(settings["n_test"], T, np.random.default_rng(settings["test_seed"] + T))


def lag_run(kind, T, steps=None, settings=LAG):
    """Train one model at lag T as the shipped run does (same seeds). Returns (params, curve).

    curve: dict(step (K,), test_mse (K,)), the test MSE every eval_every steps and at the
    end. steps fewer than settings["steps"] gives the first part of the same run.
    """
    validate.choice("kind", kind, set(KINDS))
    T = validate.integer("T", T, low=2)
    s, steps = settings[kind], validate.integer("steps", settings["steps"] if steps is None else steps, low=1)
    rng = np.random.default_rng([settings["seed"], T])
    params = init_params(kind, s["H"], rng, bias=s.get("bias", 0.0))
    x_test, targets_test = lag_test_set(T, settings)
    state, record = None, ([], [])
    for step in range(1, steps + 1):
        x, targets = data.adding_problem(settings["N"], T, rng)
        _, grads = loss_and_grads(kind, params, x, targets)
        optim.clip_by_global_norm(grads, settings["max_norm"])
        state = optim.adam(params, grads, state, lr=s["lr"])
        if step % settings["eval_every"] == 0 or step == steps:
            record[0].append(step)
            record[1].append(float(np.mean((predict(kind, params, x_test) - targets_test) ** 2)))
    return params, dict(step=np.array(record[0]), test_mse=np.array(record[1]))


def load_lag_runs(path=DATA_FILE):
    """The shipped runs: {(kind, T): (params, curve)}, plus "seconds" (the full run's wall time)."""
    with np.load(path, allow_pickle=False) as z:
        runs = {"seconds": float(z["seconds"])}
        for kind in KINDS:
            for T in z["lags"]:
                key = f"{kind}_{T}_"
                params = {k: z[key + k] for k in WEIGHTS[kind] + ("Wy", "by")}
                runs[kind, int(T)] = (params, dict(step=z[key + "step"], test_mse=z[key + "test_mse"]))
    return runs


def final_mse(runs, kind, T, last=4):
    """The mean test MSE of the last ``last`` evaluations of the run (kind, T): where it ended."""
    return float(np.mean(runs[kind, T][1]["test_mse"][-last:]))


def make_lag_runs(path=DATA_FILE, settings=LAG):
    """Train every (kind, T) and save them (what ``python -m helpers.lag_lab`` runs)."""
    arrays, start = {"lags": np.array(settings["lags"])}, time.perf_counter()
    for T in settings["lags"]:
        for kind in KINDS:
            params, curve = lag_run(kind, T, settings=settings)
            arrays.update({f"{kind}_{T}_{k}": v for k, v in {**params, **curve}.items()})
            print(f"T={T:4d} {kind:4s}: final test MSE {curve['test_mse'][-1]:.4f} "
                  f"({time.perf_counter() - start:.0f} s so far)", flush=True)
    arrays["seconds"] = np.array(time.perf_counter() - start)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} in {arrays['seconds']:.0f} s")


if __name__ == "__main__":
    make_lag_runs()
