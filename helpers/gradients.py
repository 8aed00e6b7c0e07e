"""The gradient lab: how dL/dh_t shrinks or grows as it flows back in time.

Going back one step multiplies the gradient (a row vector) by a Jacobian:

    dL/dh_{t-1} = (dL/dh_t * f'(a_t)) Wh^T      so
    ||dL/dh_{t-1}|| <= gamma * sigma_max(Wh) * ||dL/dh_t||

with gamma the largest value of f' (``layers.GAMMA``: 1 for tanh and relu,
1/4 for sigmoid). Over T - t steps the bound is (gamma sigma_max)^(T - t).

``gradient_norms`` computes the true ||dL/dh_t|| for a random RNN in log space
(the gradient is renormalised after every step and the scale is kept as a
log10), so even 1e-500 or 1e+500 come out as numbers instead of 0 or inf.
``verdict`` turns the result into the one-line message the widget shows.
"""
from dataclasses import dataclass

import numpy as np

from helpers import rnn, validate
from helpers.layers import ACTIVATIONS, GAMMA, sigmoid

LOG10_MAX = float(np.log10(np.finfo(np.float64).max))  # ~308.25: above this a float64 is inf
LOG10_MIN = float(np.log10(np.finfo(np.float64).smallest_subnormal))  # ~-323.3: below this it is 0


def recurrent_matrix(H, scale, rng):
    """A random orthogonal (H, H) matrix times ``scale``: every singular value equals scale."""
    H = validate.integer("H", H, low=1)
    scale = validate.number("scale", scale, low=0, low_open=True)
    rng = validate.rng("rng", rng)
    Q, R = np.linalg.qr(rng.standard_normal((H, H)))
    return scale * Q * np.sign(np.diag(R))  # (H, H); the sign fix makes Q uniformly random


def log10_norm(v):
    """log10 of the Euclidean norm of ``v``, without squaring huge numbers (-inf for zero)."""
    m = float(np.max(np.abs(v))) if np.size(v) else 0.0
    if m == 0.0:
        return -np.inf
    return float(np.log10(m) + np.log10(np.linalg.norm(v / m)))


@dataclass
class GradientTrace:
    """What ``gradient_norms`` returns. All norms are log10 and relative to ||dL/dh_T|| = 1.

    t (T+1,): steps 0..T (h_0 is the initial state); log10_norm (T+1,): log10 ||dL/dh_t||
    (-inf where it is exactly zero); log10_bound (T+1,): (T - t) log10(gamma sigma_max);
    log10_clipped (T+1,) or None: the curve after clipping scales the gradient;
    log10_clip_factor: log10 of that scale (0 = no clipping happened);
    log10_param_norm: log10 of the global norm of (dWx, dWh, db).
    """
    t: np.ndarray
    log10_norm: np.ndarray
    log10_bound: np.ndarray
    log10_clipped: object
    log10_clip_factor: float
    log10_param_norm: float
    sigma_max: float
    gamma: float
    activation: str
    T: int
    clip: object


def gradient_norms(scale, activation, T, rng, H=32, D=4, clip=None):
    """||dL/dh_t|| for t = T, T-1, ..., 0 in a random RNN, computed exactly.

    The RNN: Wh = recurrent_matrix(H, scale) (sigma_max = scale), Wx entries
    N(0, 1/D), b = 0, h_0 = 0, inputs x_t ~ N(0, 1) for one sequence (N = 1).
    The loss is L = u . h_T for a random unit vector u, so dL/dh_T = u.
    clip: None, or a max_norm: the global norm of (dWx, dWh, db) is clipped to
    it, which scales every step's gradient by the same factor.
    Returns a GradientTrace.
    """
    validate.choice("activation", activation, ACTIVATIONS)
    scale = validate.number("scale", scale, low=0, low_open=True, high=10)
    T = validate.integer("T", T, low=1, high=1000)
    rng = validate.rng("rng", rng)
    if clip is not None:
        clip = validate.number("clip", clip, low=0, low_open=True)
    Wh = recurrent_matrix(H, scale, rng)
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    b = np.zeros(H)
    x = rng.standard_normal((1, T, D))
    u = rng.standard_normal((1, H))
    u /= np.linalg.norm(u)

    # Underflow to 0 is the expected outcome of vanishing, not an error.
    with np.errstate(under="ignore", over="raise", invalid="raise"):
        try:
            h, cache = rnn.forward(x, np.zeros((1, H)), Wx, Wh, b, activation=activation)
        except FloatingPointError:
            raise ValueError(f"exploded in the forward pass: h_t itself passed 1.8e+308 (inf in float64) "
                             f"for {activation}, scale={scale:g}, T={T}; lower the scale or T") from None
        a = cache[4]
        fprime = ACTIVATIONS[activation][1](a, h)[0]  # (T, H)
        h_prev = np.concatenate([np.zeros((1, H)), h[0, :-1]])  # (T, H)

        logn = np.full(T + 1, -np.inf)
        logn[T] = 0.0
        g = u[0]  # dL/dh_t divided by its norm
        unit_da = np.zeros((T, H))  # da_t divided by ||dL/dh_t||
        for t in range(T, 0, -1):  # h_t is h[t-1]; stepping from h_t back to h_{t-1}
            unit_da[t - 1] = g * fprime[t - 1]
            g = unit_da[t - 1] @ Wh.T  # (H,)
            n = log10_norm(g)
            if n == -np.inf:  # exactly zero (e.g. every relu unit off): stays zero further back
                break
            logn[t - 1] = logn[t] + n
            g = g / 10.0 ** n

        # Global norm of (dWx, dWh, db), each a sum over steps of 10^logn[t] * (unit terms).
        finite = np.isfinite(logn[1:])
        if finite.any():
            M = float(np.max(logn[1:][finite]))
            w = np.where(finite, 10.0 ** np.where(finite, logn[1:] - M, 0.0), 0.0)  # (T,) in [0, 1]
            da = w[:, None] * unit_da  # (T, H): da_t / 10^M
            parts = [x[0].T @ da, h_prev.T @ da, da.sum(axis=0)]  # dWx, dWh, db over 10^M
            logs = np.array([log10_norm(p) for p in parts])
            logs = logs[np.isfinite(logs)]
            top = logs.max() if logs.size else -np.inf
            log_param = M + top + 0.5 * np.log10(np.sum(10.0 ** (2 * (logs - top)))) if logs.size else -np.inf
        else:
            log_param = -np.inf

    sigma_max = float(np.linalg.norm(Wh, 2))
    gamma = GAMMA[activation]
    t = np.arange(T + 1)
    log_bound = (T - t) * np.log10(gamma * sigma_max)
    clip_log, clipped = 0.0, None
    if clip is not None:
        clip_log = float(min(0.0, np.log10(clip) - log_param)) if np.isfinite(log_param) else 0.0
        clipped = logn + clip_log
    return GradientTrace(t, logn, log_bound, clipped, clip_log, float(log_param),
                         sigma_max, gamma, activation, T, clip)


def _pow10(e):
    """'1e-12' style text for 10**e, for any size of e."""
    if abs(e) < 3:
        return f"{10.0 ** e:.3g}"
    k = int(np.floor(e))
    return f"{10.0 ** (e - k):.1f}e{k:+d}"


def verdict(tr):
    """One line that says what happened to the gradient on its way back to t = 0."""
    if not isinstance(tr, GradientTrace):
        raise TypeError(f"tr must be a GradientTrace from gradient_norms, got {type(tr).__name__}")
    logn = tr.log10_norm
    crit = f"gamma*sigma_max = {tr.gamma * tr.sigma_max:.2f}"
    if np.any(np.isneginf(logn)):
        k = int(np.max(np.nonzero(np.isneginf(logn))[0]))
        text = f"vanished: the gradient is exactly 0 at t = {k} and before (no {tr.activation} unit passed it on)"
    elif np.any(logn > LOG10_MAX):
        k = int(np.max(np.nonzero(logn > LOG10_MAX)[0]))
        text = (f"exploded: ||dL/dh_t|| passes 1.8e+308 at t = {k}, so in plain float64 it is inf there "
                f"(plotted in log space; t=0 is {_pow10(logn[0])} times its value at T)")
    elif np.any(logn < LOG10_MIN):
        k = int(np.max(np.nonzero(logn < LOG10_MIN)[0]))
        text = (f"vanished: ||dL/dh_t|| falls below 1e-323 at t = {k}, so in plain float64 it is 0 there "
                f"(plotted in log space; t=0 is {_pow10(logn[0])} of its value at T)")
    elif logn[0] < -2:
        text = f"vanishing: the gradient at t=0 is {_pow10(logn[0])} of its value at T={tr.T}"
    elif logn[0] > 2:
        text = f"exploding: the gradient at t=0 is {_pow10(logn[0])} times its value at T={tr.T}"
    else:
        text = f"neither: the gradient at t=0 is {10.0 ** logn[0]:.2g} times its value at T={tr.T}"
    text += f"; {crit}"
    if tr.clip is not None:
        if tr.log10_clip_factor < 0:
            text += (f"; clipping scaled every step by {_pow10(tr.log10_clip_factor)}: "
                     "the ratio t=0 : T is unchanged")
        else:
            text += f"; clipping did nothing (global norm {_pow10(tr.log10_param_norm)} <= {tr.clip:g})"
    return text


# --------------------------------------------------------------------------
# The cliff (Pascanu, Mikolov & Bengio 2013, section 3):
# one unit, x_t = w sigmoid(x_{t-1}) + b, x_0 = 0.5, loss (x_50 - 0.7)^2.
# --------------------------------------------------------------------------


def _cliff_states(w, b, T, x0):
    """[x_0, x_1, .., x_T] of the one-unit RNN, each of the shape of w (and b)."""
    xs = [np.full(w.shape, x0)]
    for _ in range(T):
        xs.append(w * sigmoid(xs[-1]) + b)
    return xs


def cliff_loss(w, b, T=50, x0=0.5, target=0.7):
    """Loss and gradient of the one-unit RNN; w and b broadcast (e.g. a grid).

    Returns (L, dL/dw, dL/db), each of the broadcast shape of w and b.
    """
    w = validate.array("w", w)
    b = validate.array("b", b)
    T = validate.integer("T", T, low=1)
    x0 = validate.number("x0", x0)
    target = validate.number("target", target)
    w, b = np.broadcast_arrays(w, b)
    xs = _cliff_states(w, b, T, x0)
    L = (xs[-1] - target) ** 2
    dx = 2.0 * (xs[-1] - target)  # dL/dx_T
    dw, db = np.zeros(w.shape), np.zeros(w.shape)
    with np.errstate(under="ignore"):
        for t in range(T, 0, -1):  # x_t = w s(x_{t-1}) + b
            s = sigmoid(xs[t - 1])
            dw += dx * s
            db += dx
            dx = dx * w * s * (1.0 - s)  # dL/dx_{t-1}
    return L, dw, db


def cliff_wall(w, b_low=-6.0, b_high=5.0, n=2001, T=50, x0=0.5, steep=50.0):
    """Where the wall of the cliff is: for each w, the b at which x_T jumps between its two states.

    x_T grows with b (for w > 0), gently except at the wall, where it jumps from
    the low state to the high one. On a grid of n values of b in [b_low, b_high]
    the wall is where x_T rises fastest, if it rises faster than ``steep`` per
    unit of b there (else NaN: no wall at that w, e.g. for w below about 4.1).
    Returns b_wall (len(w),).
    """
    w = validate.array("w", w, ndim=1)
    n = validate.integer("n", n, low=3)
    if not b_low < b_high:
        raise ValueError(f"b_low must be < b_high, got b_low={b_low}, b_high={b_high}")
    b = np.linspace(b_low, b_high, n)
    x_T = _cliff_states(*np.broadcast_arrays(w[:, None], b[None, :]), T, x0)[-1]  # (len(w), n)
    slope = np.diff(x_T, axis=1) / (b[1] - b[0])  # (len(w), n - 1)
    k = slope.argmax(axis=1)
    return np.where(slope.max(axis=1) > steep, (b[k] + b[k + 1]) / 2, np.nan)


def cliff_descent(w0, b0, lr, steps, clip=None, T=50):
    """Gradient descent on the cliff loss from (w0, b0).

    clip: None, or a max_norm for the gradient (w, b) vector (clipping by norm).
    Returns (path (steps+1, 2) of (w, b), losses (steps+1,), grad_norms (steps,)
    measured before clipping).
    """
    lr = validate.number("lr", lr, low=0, low_open=True)
    steps = validate.integer("steps", steps, low=1)
    if clip is not None:
        clip = validate.number("clip", clip, low=0, low_open=True)
    p = np.array([validate.number("w0", w0), validate.number("b0", b0)])
    path, losses, norms = [p.copy()], [], []
    for _ in range(steps):
        L, dw, db = cliff_loss(p[0], p[1], T=T)
        g = np.array([float(dw), float(db)])
        n = float(np.linalg.norm(g))
        if clip is not None and n > clip:
            g *= clip / n
        p = p - lr * g
        path.append(p.copy())
        losses.append(float(L))
        norms.append(n)
    losses.append(float(cliff_loss(p[0], p[1], T=T)[0]))
    return np.array(path), np.array(losses), np.array(norms)


# --------------------------------------------------------------------------
# Clipping in a real training run: the adding problem, a tanh RNN, plain SGD.
# --------------------------------------------------------------------------


def train_adding(clip, limit, rng, T=20, H=16, N=32, steps=300, lr=0.1, scale=1.5):
    """Train a tanh RNN on the adding problem (``data.adding_problem``) with SGD.

    clip: "none", "value" (optim.clip_by_value at ``limit``) or "norm"
    (optim.clip_by_global_norm at ``limit``). Wh starts as recurrent_matrix(H, scale),
    so with scale > 1 gradients can explode. The prediction is y = h_T Wy + by, the
    loss the mean squared error. The run stops early if it diverges (an error
    above 1e6 or a gradient entry above 1e100), before anything overflows.

    Returns a dict: "loss" (steps run,), "norm" (global gradient norm before
    clipping), "applied" (its global norm after clipping: the step is lr times
    it), "cosine" (cosine between the applied and the raw gradient: 1 means
    clipping kept the direction), "diverged_at" (step index or None).
    """
    from helpers import data, optim  # local: only this experiment needs them

    validate.choice("clip", clip, {"none", "value", "norm"})
    if clip != "none":
        limit = validate.number("limit", limit, low=0, low_open=True)
    rng = validate.rng("rng", rng)
    steps = validate.integer("steps", steps, low=1)
    p = {"Wx": rng.standard_normal((2, H)) * 0.5, "Wh": recurrent_matrix(H, scale, rng), "b": np.zeros(H),
         "Wy": rng.standard_normal((H, 1)) / np.sqrt(H), "by": np.zeros(1)}
    out = {"loss": [], "norm": [], "applied": [], "cosine": [], "diverged_at": None}
    for step in range(steps):
        x, targets = data.adding_problem(N, T, rng)  # x (N, T, 2), targets (N,)
        h, cache = rnn.forward(x, np.zeros((N, H)), p["Wx"], p["Wh"], p["b"])
        err = (h[:, -1] @ p["Wy"] + p["by"])[:, 0] - targets  # (N,)
        if not np.all(np.abs(err) < 1e6):
            out["diverged_at"] = step
            break
        dy = (2.0 * err / N)[:, None]  # (N, 1): d mean(err^2) / d prediction
        dh = np.zeros_like(h)
        dh[:, -1] = dy @ p["Wy"].T  # only the last step has a loss
        _, _, dWx, dWh, db = rnn.backward(dh, cache)
        g = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": h[:, -1].T @ dy, "by": dy.sum(axis=0)}
        if not all(np.all(np.abs(v) < 1e100) for v in g.values()):
            out["diverged_at"] = step
            break
        raw = np.concatenate([v.ravel() for v in g.values()])
        if clip == "value":
            norm = optim.clip_by_value(g, limit)
        elif clip == "norm":
            norm = optim.clip_by_global_norm(g, limit)
        else:
            norm = optim.global_norm(g)
        used = np.concatenate([v.ravel() for v in g.values()])
        out["loss"].append(float(np.mean(err ** 2)))
        out["norm"].append(norm)
        out["applied"].append(float(np.linalg.norm(used)))
        out["cosine"].append(float(raw @ used / (np.linalg.norm(raw) * np.linalg.norm(used))))
        optim.sgd(p, g, lr=lr)
    for k in ("loss", "norm", "applied", "cosine"):
        out[k] = np.array(out[k])
    return out
