"""Checks for notebook 05, vanishing and exploding gradients.

Each check runs the learner's function on small cases chosen so that the
usual slips give different numbers (non-symmetric, non-normal Wh, so that
Wh and Wh.T, singular values and eigenvalues all differ; non-square shapes;
several seeds; dictionaries whose keys are not in sorted order) and names
the slip it sees. Checks never raise.
"""
import numpy as np

from helpers import optim
from helpers.exercises.core import (call, compare, explain_error, failed, name_slip, never_raise, passed,
                                    same, scalar)
from helpers.layers import ACTIVATIONS, GAMMA


def _non_normal(H=4, seed=0):
    rng = np.random.default_rng(seed)
    return np.triu(rng.standard_normal((H, H))) * 0.8 + np.diag(np.full(H, 0.3))


def _number(v, name):
    return scalar(v, name, returned="the bound", nonfinite_hint="the bound should be a finite number here")


# --------------------------------------------------------------------------
# Exercise 1: the Jacobian-product bound
# --------------------------------------------------------------------------

def _bound_slips(Wh, activation, steps):
    g = GAMMA[activation]
    sv = np.linalg.svd(Wh, compute_uv=False)
    sigma = sv[0]
    return [
        ((g * np.max(np.abs(np.linalg.eigvals(Wh)))) ** steps,
         "you used the largest |eigenvalue| (spectral radius); the norm bound needs the largest singular value, "
         "np.linalg.norm(Wh, 2) (they differ when Wh is not symmetric)"),
        ((g * np.linalg.norm(Wh)) ** steps,
         "np.linalg.norm(Wh) is the Frobenius norm; the largest singular value is np.linalg.norm(Wh, 2)"),
        ((g * sv[-1]) ** steps,
         "that is the *smallest* singular value; the bound needs the largest, np.linalg.norm(Wh, 2)"),
        ((g * np.linalg.norm(Wh, 1)) ** steps,
         "np.linalg.norm(Wh, 1) is the largest column sum; the largest singular value is np.linalg.norm(Wh, 2)"),
        ((g * np.linalg.norm(Wh, np.inf)) ** steps,
         "np.linalg.norm(Wh, np.inf) is the largest row sum; the largest singular value is np.linalg.norm(Wh, 2)"),
        ((g * np.max(np.abs(Wh))) ** steps,
         "that is the largest entry of Wh; the bound needs the largest singular value, np.linalg.norm(Wh, 2)"),
        (sigma ** steps,
         f"gamma is missing: for {activation} f' is at most {g}, so each step is bounded by gamma * sigma_max "
         "(use layers.GAMMA[activation])"),
        ((0.5 * sigma) ** steps,
         "for sigmoid, f' = s (1 - s) is at most 1/4 (at s = 1/2), not 1/2: use layers.GAMMA[activation]"),
        (g * sigma ** steps, "raise the *product* gamma * sigma_max to the power `steps`: every step multiplies "
                             "by one more Jacobian, and each brings its own gamma"),
        (g ** steps * sigma, "raise the *product* gamma * sigma_max to the power `steps`: every step multiplies "
                             "by one more Jacobian, and each brings its own sigma_max"),
        (g * sigma * steps, "the bound is a power, not a multiple: every step multiplies by one more Jacobian"),
        ((g * sigma) ** (steps + 1), f"off by one: that is the bound for {steps + 1} steps; "
                                     f"use the power `steps` ({steps})"),
        ((g * sigma) ** (steps - 1), f"off by one: that is the bound for {steps - 1} steps; "
                                     f"use the power `steps` ({steps})"),
    ]


BOUND_CASES = [(_non_normal(4, 0), "tanh", 3), (_non_normal(5, 2), "sigmoid", 4), (_non_normal(3, 1), "relu", 5)]


@never_raise
def check_jacobian_bound(jacobian_bound):
    """jacobian_bound(Wh, activation, steps) -> (gamma * sigma_max(Wh)) ** steps."""
    for Wh, activation, steps in BOUND_CASES:
        v, err = call(jacobian_bound, "jacobian_bound", Wh.copy(), activation, steps)
        if err is not None:
            return err
        v, err = _number(v, "jacobian_bound")
        if err is not None:
            return err
        want = (GAMMA[activation] * np.linalg.norm(Wh, 2)) ** steps
        if np.isclose(v, want, rtol=1e-6):
            continue
        hint = name_slip(v, _bound_slips(Wh, activation, steps), atol=0)
        if hint:
            return failed(hint)
        return failed(f"for activation={activation!r}, steps={steps} expected {want:.4g}, got {v:.4g}: "
                      "the bound is (gamma * sigma_max) ** steps")
    return passed("right: (gamma * sigma_max) ** steps, with sigma_max the largest singular value.")


# --------------------------------------------------------------------------
# Exercise 2: carry the gradient back
# --------------------------------------------------------------------------

def _chain(dh_T, a, Wh, activation, slip=None):
    """Rows dL/dh_t for t = 0..T, or the same with one typical slip."""
    f, fp = ACTIVATIONS[activation]
    T = a.shape[0]
    out = np.zeros((T + 1, dh_T.shape[0]))
    out[T] = dh_T
    W = Wh if slip == "Wh" else Wh.T
    for t in (range(1, T + 1) if slip == "forward loop" else range(T, 0, -1)):  # h_t back to h_{t-1}, via a[t-1]
        a_t = a[t - 2] if slip == "a_{t-1}" else a[t - 1]  # a[-1] when t = 1, as in a learner's loop
        d = {"no f'": 1.0, "f instead of f'": f(a_t), "fprime(a, a)": fp(a_t, a_t)}.get(slip, fp(a_t, f(a_t)))
        g = dh_T if slip == "not carried" else out[t]
        out[t - 1] = (g @ W) * d if slip == "f' after" else (g * d) @ W
    return out


CHAIN_SLIPS = {
    "Wh": "you multiplied by Wh; going back through a_t = h_{t-1} Wh + ... with row vectors multiplies by Wh.T",
    "no f'": "f'(a_t) is missing: every step back first multiplies by the activation's derivative at a_t",
    "f instead of f'": "you multiplied by f(a_t), the activation itself; the step back needs its derivative "
                       "f'(a_t), `fprime` in layers.ACTIVATIONS",
    "fprime(a, a)": "fprime takes (a, f(a)): its second argument is the activation's *output*; you passed a twice",
    "not carried": "every row is one step back from dh_T: each step back must start from the row you just "
                   "computed (the running gradient), so the products pile up",
    "f' after": "the order is wrong: you multiplied by Wh.T first and by f'(a_t) after; going from h_t back "
                "to h_{t-1}, the gradient passes f'(a_t) first (h_t = f(a_t)), then Wh.T",
    "a_{t-1}": "off by one in time: going from h_t to h_{t-1} uses a_t, which is stored in a[t-1]",
    "forward loop": "the loop runs forward in time: row t-1 needs row t already done, so go from t = T down to 1",
}


CHAIN_CASES = [(3, (5, 3), "tanh"), (4, (4, 6), "sigmoid"), (5, (3, 4), "tanh")]  # seed, (T, H), activation


@never_raise
def check_backprop_hidden(backprop_hidden):
    """backprop_hidden(dh_T, a, Wh, activation) -> (T+1, H): dL/dh_t for t = 0..T.

    a (T, H) holds a_1..a_T (a[t-1] is a_t); dh_T (H,) is dL/dh_T.
    """
    for seed, (T, H), activation in CHAIN_CASES:
        rng = np.random.default_rng(seed)
        Wh = _non_normal(H, seed)
        a = rng.standard_normal((T, H))
        dh_T = rng.standard_normal(H)
        want = _chain(dh_T, a, Wh, activation)
        out, err = call(backprop_hidden, "backprop_hidden", dh_T.copy(), a.copy(), Wh.copy(), activation)
        if err is not None:
            return explain_error(err, "remember that a holds a_1..a_T in its rows 0..T-1, so a_t is a[t-1]",
                                 words=("out of bounds",))
        if same(out, want):
            continue
        slips = [(_chain(dh_T, a, Wh, activation, slip), hint) for slip, hint in CHAIN_SLIPS.items()]
        slips += [(want[::-1], "the rows are in reverse order: row t must hold dL/dh_t, with row T = dh_T"),
                  (want[:-1], "row T is missing: return T+1 rows, t = 0..T, with row T = dh_T"),
                  (want[1:], "row 0 is missing: return T+1 rows, t = 0..T, down to dL/dh_0"),
                  (want.T, "the table is transposed: one row per time step t = 0..T, one column per hidden unit")]
        hint = name_slip(out, slips)
        if hint:
            return failed(hint)
        r = compare("the table", out, want)
        if "right shape" not in r.message:
            return r
        got = np.asarray(out, dtype=float)
        ok_rows = [t for t in range(T + 1) if np.allclose(got[t], want[t])]
        if T not in ok_rows:
            return failed("row T is off: it is dh_T itself, the gradient you start from")
        t = max(t for t in range(T + 1) if t not in ok_rows)
        rows = f"row {T} is" if t + 1 == T else f"rows {t + 1}..{T} are"
        return failed(f"with activation={activation!r} {rows} right and row {t} is the first one off: look at "
                      f"the step from h_{t + 1} back to h_{t} (which a, which derivative, which matrix)")
    return passed("right: every step back multiplies by diag(f'(a_t)) Wh^T.")


# --------------------------------------------------------------------------
# Exercise 3: clip by global norm
# --------------------------------------------------------------------------

def _grads(seed):
    """Gradients with keys not in sorted order, of different shapes and sizes."""
    rng = np.random.default_rng(seed)
    return {"Wx": rng.standard_normal((4, 3)) * 2.0, "b": rng.standard_normal(3) * 0.1,
            "Wh": rng.standard_normal((3, 3)) * 4.0, "Wy": rng.standard_normal((3, 5)) * 0.5}


def _clip_slips(grads, max_norm):
    norm = optim.global_norm(grads)
    scale = lambda c: {k: v * c for k, v in grads.items()}  # noqa: E731
    with_norm = lambda n: (scale(min(1.0, max_norm / n)), n)  # noqa: E731 - clipped by the norm n, n returned
    right = scale(min(1.0, max_norm / norm))
    norms = [np.linalg.norm(v) for v in grads.values()]
    squares = np.concatenate([v.ravel() for v in grads.values()]) ** 2
    slips = [
        (({k: v * min(1.0, max_norm / n) for (k, v), n in zip(grads.items(), norms)}, norm),
         "you clipped each gradient by its own norm; the global norm is the sqrt of the sum of "
         "squares over *all* gradients, and all are scaled by one factor"),
        (({k: np.clip(v, -max_norm, max_norm) for k, v in grads.items()}, norm),
         "that is clipping by value (each entry cut to [-max_norm, max_norm]); scale every gradient by "
         "one factor instead"),
        ((right, min(norm, max_norm)), "return the global norm *before* clipping (it is what you plot to see spikes)"),
        (with_norm(norm ** 2), "the norm is the sum of squares without its sqrt"),
        ((right, norm ** 2), "the norm you return is the sum of squares without its sqrt"),
        (with_norm(sum(norms)), "you added up the norms of the gradients; the global norm is the sqrt of the sum "
                                "of the squares of every entry of every gradient"),
        (with_norm(np.sqrt(squares.mean())), "you took the mean of the squares; the global norm uses their sum"),
        (with_norm(norms[-1]), "the norm only covers the last gradient in the dict: add the squares of *every* "
                               "gradient before taking the sqrt"),
    ]
    if norm > max_norm:
        slips.append(((scale(norm / max_norm), norm), "the factor is upside down: scale by max_norm / norm "
                                                      "(the result must be smaller than before)"))
    else:
        slips.append(((scale(max_norm / norm), norm), "the global norm is below max_norm here, so the gradients "
                                                      "must come back unchanged: only rescale when norm > max_norm"))
    return slips


CLIP_CASES = [(5, 1.0), (5, 100.0), (6, 3.0)]  # seed, max_norm: clips, leaves alone, clips


@never_raise
def check_clip_by_global_norm(clip_by_global_norm):
    """clip_by_global_norm(grads, max_norm) -> (clipped dict, global norm before clipping)."""
    for seed, max_norm in CLIP_CASES:
        base = _grads(seed)
        norm_want = optim.global_norm(base)
        want = {k: v * min(1.0, max_norm / norm_want) for k, v in base.items()}
        out, err = call(clip_by_global_norm, "clip_by_global_norm", {k: v.copy() for k, v in base.items()},
                        max_norm)
        if err is not None:
            return err
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return failed("clip_by_global_norm must return two things: (clipped_grads_dict, norm_before)")
        if isinstance(out[1], dict) and not isinstance(out[0], dict):
            return failed("the two results are swapped: return (clipped_grads_dict, norm_before)")
        clipped, norm = out
        if not isinstance(clipped, dict):
            return failed(f"the clipped gradients must be a dict like grads, got {type(clipped).__name__}")
        if set(clipped) != set(base):
            return failed(f"the clipped dict must have the keys of grads, {list(base)}, got {list(clipped)}")
        try:
            norm = float(np.asarray(norm, dtype=float))
        except (TypeError, ValueError):
            return failed(f"the norm (the second result) must be one number, got {type(norm).__name__}")
        got = [clipped[k] for k in base] + [norm]
        if same(got, list(want.values()) + [norm_want]):
            continue
        hint = name_slip(got, [([d[k] for k in base] + [n], h) for (d, n), h in _clip_slips(base, max_norm)])
        if hint:
            return failed(hint)
        for k in base:
            r = compare(f"clipped[{k!r}]", clipped[k], want[k])
            if r is not None:
                return r if "right shape" not in r.message else failed(
                    f"clipped[{k!r}] is off: every gradient is multiplied by one factor, max_norm / global "
                    "norm, and only when the global norm exceeds max_norm")
        return failed(f"the clipped gradients are right but the norm is {norm:.4g}, expected {norm_want:.4g}: "
                      "the sqrt of the sum of the squares of every entry of every gradient")
    return passed("right: one factor for all gradients, applied only when the global norm exceeds max_norm.")
