"""The LSTM lab (notebook 06): a gate playground, gradients through time, and
the adding problem, which an LSTM learns and a vanilla RNN does not.

1. ``gate_playground(f, i, o, T)``: one LSTM unit with its gates held at fixed
   values on a fixed candidate sequence g_t (a write of 0.9 at t = 0, then small
   distractors). With constant gates and no recurrent weights the equations
   reduce to c_t = f c_{t-1} + i g_t, h_t = o tanh(c_t), and for L = h_T the
   gradient along the cell path is dL/dc_k = f^(T-k) dL/dc_T.
   ``setup_playground(fig)`` and ``draw_playground(parts, f, i, o, T)`` draw
   it (the widget's setup and draw; the static figure under it calls them too).
2. ``gradient_through_time(kind, x, Wx, Wh, b, w, state)``: ||dL/dh_k|| (LSTM
   or RNN) or ||dL/dc_k|| (LSTM) for k = 0..T, with L = w . h_T;
   ``random_params`` makes the random networks notebook 06 compares.
3. The adding problem: ``init_params``, ``loss_and_grads`` (affine + MSE on the
   last step), ``train_adding`` (Adam with clipping) and the shipped run
   ``helpers/data/lstm_adding.npz``, rebuilt by ``python -m helpers.lstm_lab``.
"""
import os
from pathlib import Path

if __name__ == "__main__":
    # Run as a command: one BLAS thread. The matrices are small, and on a busy
    # 2-core machine extra BLAS threads mostly wait for each other (10x slower).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402 (after the thread setting, which must come first)
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from helpers import data, layers, lstm, optim, plots, rnn, validate, widgets  # noqa: E402

LOG_FLOOR = -690.0  # exp(-690) ~ 3e-300: smaller factors are shown as this (no underflow)
DATA_FILE = Path(__file__).resolve().parent / "data" / "lstm_adding.npz"


# --------------------------------------------------------------------------
# 1. The gate playground
# --------------------------------------------------------------------------


def _gate(name, value):
    value = validate.number(name, value, low=0, low_open=True)
    if value >= 1:
        raise ValueError(f"{name} must be below 1 (a sigmoid never reaches 1), got {value}")
    return value


def playground_candidates(T):
    """The fixed candidate values g_t for t = 0..T, shape (T + 1,).

    g_0 = 0.9 is the value the cell should remember (a candidate is a tanh,
    so it lies in (-1, 1)); after it come small distractors, 0.2 sin(2.3 t),
    that keep arriving through the input gate.
    """
    T = validate.integer("T", T, low=1, high=1000)
    t = np.arange(T + 1)
    g = 0.2 * np.sin(2.3 * t)
    g[0] = 0.9
    return g


def decay(f, steps):
    """f ** steps computed as exp(steps log f), floored at exp(LOG_FLOOR) instead of underflowing."""
    return np.exp(np.maximum(np.asarray(steps, dtype=float) * np.log(f), LOG_FLOOR))


def gate_playground(f, i, o, T):
    """One LSTM unit with constant gates f, i, o in (0, 1), run for t = 0..T.

    Returns a dict of arrays of shape (T + 1,): "t", "g" (candidates), "c" (cell
    state), "memory" (the part of c_t that is still the t = 0 write,
    i g_0 f^t), "h" and "dc" (dL/dc_k for L = h_T); and floats "keep" (= f^T,
    the share of the write, and of the gradient, that survives T steps) and
    "dc_T".
    """
    f, i, o = _gate("f", f), _gate("i", i), _gate("o", o)
    g = playground_candidates(T)
    c = np.empty_like(g)
    c_prev = 0.0
    for t in range(T + 1):
        c_prev = c[t] = f * c_prev + i * g[t]  # the conveyor belt: scale, then add
    h = o * np.tanh(c)
    t = np.arange(T + 1)
    dc_T = o * (1.0 - np.tanh(c[-1]) ** 2)  # dh_T/dc_T, the gradient entering the cell at T
    dc = dc_T * decay(f, T - t)  # each step back multiplies by f: dc_{k-1} = f dc_k
    return dict(t=t, g=g, c=c, memory=i * g[0] * decay(f, t), h=h, dc=dc,
                keep=float(decay(f, T)), dc_T=float(dc_T))


def _share(x):
    if x >= 1e-4:
        return f"{100 * x:.3g}%"
    if x <= np.exp(LOG_FLOOR):
        return "less than 1e-300 (vanished)"
    return f"{x:.1e} (vanished)"


def _input_gate_words(i, first, distract):
    """What a constant input gate i lets onto the belt, in words that follow its value."""
    amounts = f"the first write is {first:.2g}, the distractors move c by up to {distract:.2g}"
    if i < 0.1:
        return f"Input gate {i:.3g}, nearly shut, lets in little of anything: {amounts}"
    if i > 0.9:
        return f"Input gate {i:.3g}, nearly wide open, lets in almost all of every candidate: {amounts}"
    return f"Input gate {i:.3g} lets in {100 * i:.3g}% of every candidate: {amounts}"


def playground_verdict(f, i, o, T, result):
    """The one-line summary the widget shows under the plot; its wording follows f, i and o."""
    keep = result["keep"]
    ratio = "less than 1e-300" if keep <= np.exp(LOG_FLOOR) else f"{keep:.2g}"
    distract = float(np.max(np.abs(result["c"] - result["memory"])))  # the part of c_t the distractors wrote
    return (f"forget gate {f:.3g}: the cell keeps {_share(keep)} of its t=0 write after {T} steps, and "
            f"the gradient at t=0 is {ratio} of its value at t={T}. "
            f"{_input_gate_words(i, result['memory'][0], distract)} (held constant, i scales both alike). "
            f"Output gate {o:.3g} scales h and dL/dc_T.")


def _tick_label(v, _):  # 0.5, 0.02, 0.001, then 1e-4, 1e-12, ...
    return f"{v:g}" if 1e-3 <= v < 1e4 else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")


def setup_playground(fig):
    """Build the playground's two panels once; return the parts ``draw_playground`` changes."""
    palette = plots.PALETTE
    ax1, ax2 = fig.subplots(1, 2)
    c_line, = ax1.plot([], [], color=palette["blue"], lw=1.5, label="cell state $c_t$")
    memory_line, = ax1.plot([], [], "--", color=palette["orange"], lw=2, label="what is left of the t=0 write")
    ax1.set(xlabel="time step t", ylabel="value", title="The belt: scaled by f each step")
    ax1.legend(fontsize=9, loc="upper right")
    dc_line, = ax2.semilogy([], [], color=palette["green"], lw=2)
    ax2.yaxis.set_major_formatter(FuncFormatter(_tick_label))
    ax2.yaxis.set_minor_formatter(NullFormatter())
    for axis in (ax1.xaxis, ax1.yaxis, ax2.xaxis):  # few ticks: each costs redraw time (every move redraws all)
        axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    off_chart = ax2.text(0.03, 0.05, "smaller values are off the chart", transform=ax2.transAxes, fontsize=9)
    ax2.set(xlabel="time step k", ylabel="$|dL/dc_k|$ (log scale)", title="The gradient flowing back")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.9, wspace=0.4)
    return {"ax1": ax1, "ax2": ax2, "c": c_line, "memory": memory_line, "dc": dc_line, "off_chart": off_chart}


def draw_playground(parts, f, i, o, T):
    """Run ``gate_playground(f, i, o, T)``, update the panels; return the verdict."""
    res = gate_playground(f, i, o, T)
    ax1, ax2, dc = parts["ax1"], parts["ax2"], res["dc"]
    parts["c"].set_data(res["t"], res["c"])
    parts["memory"].set_data(res["t"], res["memory"])
    widgets.set_limits(ax1, xlim=(-0.04 * T, 1.04 * T))
    lo, hi = min(res["c"].min(), res["memory"].min()), max(res["c"].max(), res["memory"].max())
    pad = 0.05 * (hi - lo) + 1e-3
    widgets.set_limits(ax1, ylim=(lo - pad, hi + 0.3 * (hi - lo) + pad))  # headroom: the legend sits above
    parts["dc"].set_data(res["t"], dc)
    widgets.set_limits(ax2, xlim=(-0.04 * T, 1.04 * T))
    top = 2 * dc[-1]                                        # dc is largest at k = T
    bottom = max(min(dc.min(), top / 20) / 2, top * 1e-30)  # at least a decade, at most 30
    widgets.set_limits(ax2, ylim=(bottom, top))
    short = np.log10(top / bottom) < 3                      # a short range: label 1, 2 and 5 in each decade
    ax2.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if short else (1.0,), numticks=7))
    parts["off_chart"].set_visible(bool(dc.min() < bottom))
    return playground_verdict(f, i, o, T, res)


# --------------------------------------------------------------------------
# 2. The gradient through time in a random LSTM or RNN
# --------------------------------------------------------------------------


def random_params(kind, D, H, rng, scale=1.0, forget_bias=0.0):
    """Weights drawn N(0, scale^2 / fan_in); biases 0 except the LSTM forget block."""
    validate.choice("kind", kind, {"lstm", "rnn"})
    D, H = validate.integer("D", D, low=1), validate.integer("H", H, low=1)
    scale = validate.number("scale", scale, low=0, low_open=True)
    forget_bias = validate.number("forget_bias", forget_bias)
    rng = validate.rng("rng", rng)
    G = 4 if kind == "lstm" else 1
    Wx = scale * rng.standard_normal((D, G * H)) / np.sqrt(D)  # (D, GH)
    Wh = scale * rng.standard_normal((H, G * H)) / np.sqrt(H)  # (H, GH)
    b = np.zeros(G * H)
    if kind == "lstm":
        b[H:2 * H] = forget_bias  # gate order i, f, g, o
    return Wx, Wh, b


def gradient_through_time(kind, x, Wx, Wh, b, w, state="h"):
    """||dL/d state_k|| for k = 0..T, with L = h_T . w: how much gradient reaches each step's state.

    kind "lstm" or "rnn"; x (1, T, D); w (H,). state "h": the hidden state
    h_k, which both kinds have (the same quantity for both: compare these);
    state "c": the LSTM's cell state c_k. Both are total derivatives: for the
    LSTM's c_k, the gradient carried back along the cell path plus the one
    reaching c_k through h_k = o_k tanh(c_k) (for the initial state c_0 only
    the first); for h_k, everything that reaches h_k from later steps.
    Uses helpers.lstm / helpers.rnn step by step; returns an array (T + 1,).
    """
    validate.choice("kind", kind, {"lstm", "rnn"})
    validate.choice("state", state, {"h", "c"})
    if state == "c" and kind != "lstm":
        raise ValueError("state 'c' (the cell state) exists only for kind 'lstm'; a vanilla RNN has only h")
    x = validate.array("x", x, ndim=3, letters="(1, T, D)")
    if x.shape[0] != 1:
        raise ValueError(f"x must hold one sequence, shape (1, T, D), got {x.shape}")
    T, H = x.shape[1], np.shape(Wh)[0]
    w = validate.array("w", w, ndim=1, letters="(H,)")
    validate.shape("w", w, (H,), "(H,)")
    h, c = np.zeros((1, H)), np.zeros((1, H))
    caches = []
    for t in range(T):
        if kind == "lstm":
            h, c, cache = lstm.step_forward(x[:, t], h, c, Wx, Wh, b)
        else:
            h, cache = rnn.step_forward(x[:, t], h, Wx, Wh, b)
        caches.append(cache)
    norms = np.empty(T + 1)
    dh, dc = w[None, :].copy(), np.zeros((1, H))  # what arrives at step T's states: L = h_T . w
    for t in reversed(range(T)):
        cache = caches[t]
        if kind == "lstm":
            o, tc = cache[8], cache[9]
            total_dc = dc + dh * o * (1.0 - tc * tc)  # total dL/dc_{t+1}: the belt plus the path through h
            norms[t + 1] = np.linalg.norm(total_dc if state == "c" else dh)
            _, dh, dc, _, _, _ = lstm.step_backward(dh, dc, cache)
        else:
            norms[t + 1] = np.linalg.norm(dh)
            _, dh, _, _, _ = rnn.step_backward(dh, cache)
    norms[0] = np.linalg.norm(dc if state == "c" else dh)
    return norms


# --------------------------------------------------------------------------
# 3. The adding problem: a many-to-one regression on the last step
# --------------------------------------------------------------------------

# The shipped run (FULL_RUN in notebook 06 repeats it): T = 100, similar sizes
# (LSTM H = 16: 1,233 parameters; RNN H = 32: 1,153), the same number of steps.
ADDING = dict(T=100, N=32, steps=1000, eval_every=25, n_test=500, test_seed=100, max_norm=1.0,
              lstm=dict(H=16, lr=0.02, forget_bias=2.0, seed=0),
              rnn=dict(H=32, lr=0.001, forget_bias=0.0, seed=0))


def init_params(kind, H, rng, D=2, forget_bias=0.0):
    """Parameters dict for the model: recurrent layer (Wx, Wh, b) + readout (Wy (H, 1), by (1,)).

    The LSTM gets N(0, 1/fan_in) weights and the forget bias; the RNN an
    orthogonal Wh (an init known to help vanilla RNNs over long spans).
    """
    Wx, Wh, b = random_params(kind, D, H, rng, forget_bias=forget_bias)
    if kind == "rnn":
        Q, R = np.linalg.qr(rng.standard_normal((H, H)))
        Wh = Q * np.sign(np.diag(R))  # (H, H), every singular value 1
    return dict(Wx=Wx, Wh=Wh, b=b, Wy=rng.standard_normal((H, 1)) / np.sqrt(H), by=np.zeros(1))


def predict(kind, params, x):
    """The model's answer for every sequence: x (N, T, D) -> pred (N,) = h_T Wy + by."""
    validate.choice("kind", kind, {"lstm", "rnn"})
    x = validate.array("x", x, ndim=3, letters="(N, T, D)")
    layer = lstm if kind == "lstm" else rnn
    h, _ = layer.forward(x, np.zeros((x.shape[0], params["Wh"].shape[0])), params["Wx"], params["Wh"], params["b"])
    return (h[:, -1] @ params["Wy"] + params["by"])[:, 0]


def loss_and_grads(kind, params, x, targets):
    """MSE of the prediction read from the last hidden state, and its gradients.

    x (N, T, D), targets (N,). pred = h_T Wy + by; L = mean((pred - targets)^2).
    Returns (L, grads) with grads keyed like params.
    """
    validate.choice("kind", kind, {"lstm", "rnn"})
    x = validate.array("x", x, ndim=3, letters="(N, T, D)")
    targets = validate.array("targets", targets, ndim=1, letters="(N,)")
    validate.shape("targets", targets, (x.shape[0],), "(N,)")
    layer = lstm if kind == "lstm" else rnn
    N, H = x.shape[0], params["Wh"].shape[0]
    h, cache = layer.forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    out, acache = layers.affine_forward(h[:, -1], params["Wy"], params["by"])  # (N, 1)
    err = out[:, 0] - targets  # (N,)
    dout = (2.0 / N) * err[:, None]  # (N, 1)
    dhT, dWy, dby = layers.affine_backward(dout, acache)
    dh = np.zeros_like(h)
    dh[:, -1] = dhT  # only the last step has a loss
    _, _, dWx, dWh, db = layer.backward(dh, cache)[:5]
    return float(np.mean(err ** 2)), dict(Wx=dWx, Wh=dWh, b=db, Wy=dWy, by=dby)


def baseline_mse(targets_train, targets_test):
    """MSE on targets_test of the best constant guess, the mean of targets_train (no memory needed)."""
    targets_train = validate.array("targets_train", targets_train, ndim=1, letters="(N,)")
    targets_test = validate.array("targets_test", targets_test, ndim=1, letters="(N,)")
    return float(np.mean((targets_test - targets_train.mean()) ** 2))


def train_adding(kind, params, T, steps, lr, rng, x_test, targets_test, N=32, eval_every=25, max_norm=1.0):
    """Adam on fresh adding-problem batches; params change in place.

    Each step draws N sequences of length T, clips the gradient to global norm
    max_norm and takes one Adam step. Every eval_every steps (and at the end)
    the test MSE is recorded. Returns dict(step (K,), test_mse (K,)).
    """
    steps = validate.integer("steps", steps, low=1)
    eval_every = validate.integer("eval_every", eval_every, low=1)
    rng = validate.rng("rng", rng)
    state, record = None, ([], [])
    for s in range(1, steps + 1):
        x, targets = data.adding_problem(N, T, rng)
        _, grads = loss_and_grads(kind, params, x, targets)
        optim.clip_by_global_norm(grads, max_norm)
        state = optim.adam(params, grads, state, lr=lr)
        if s % eval_every == 0 or s == steps:
            record[0].append(s)
            record[1].append(float(np.mean((predict(kind, params, x_test) - targets_test) ** 2)))
    return dict(step=np.array(record[0]), test_mse=np.array(record[1]))


def adding_test_set(settings=ADDING):
    """The fixed test set of the shipped run: x (n_test, T, 2), targets (n_test,)."""
    return data.adding_problem(settings["n_test"], settings["T"], np.random.default_rng(settings["test_seed"]))


def adding_run(kind, steps=None, settings=ADDING):
    """Train one model as the shipped run does (same seeds): returns (params, curve).

    steps: fewer than settings["steps"] gives the first part of the same run.
    """
    validate.choice("kind", kind, {"lstm", "rnn"})
    s = settings[kind]
    rng = np.random.default_rng(s["seed"])
    params = init_params(kind, s["H"], rng, forget_bias=s["forget_bias"])
    x_test, targets_test = adding_test_set(settings)
    curve = train_adding(kind, params, settings["T"], settings["steps"] if steps is None else steps,
                         s["lr"], rng, x_test, targets_test, N=settings["N"],
                         eval_every=settings["eval_every"], max_norm=settings["max_norm"])
    return params, curve


def load_adding_run(path=DATA_FILE):
    """The shipped run: {"lstm": (params, curve), "rnn": (params, curve)}."""
    with np.load(path) as z:
        out = {}
        for kind in ("lstm", "rnn"):
            params = {k: z[f"{kind}_{k}"] for k in ("Wx", "Wh", "b", "Wy", "by")}
            out[kind] = (params, dict(step=z[f"{kind}_step"], test_mse=z[f"{kind}_test_mse"]))
    return out


def make_adding_run(path=DATA_FILE):
    """Train both models with ADDING and save them (what ``python -m helpers.lstm_lab`` runs)."""
    arrays = {}
    for kind in ("lstm", "rnn"):
        params, curve = adding_run(kind)
        arrays.update({f"{kind}_{k}": v for k, v in params.items()})
        arrays.update({f"{kind}_{k}": v for k, v in curve.items()})
        print(f"{kind}: final test MSE {curve['test_mse'][-1]:.4f}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    print(f"wrote {path}")


if __name__ == "__main__":
    make_adding_run()
