"""Checks for notebook 05, vanishing and exploding gradients.

Each check runs the learner's function on small cases chosen so that the
usual slips give different numbers (a non-symmetric, non-normal Wh, so that
Wh and Wh.T, singular values and eigenvalues all differ) and says which slip
it sees.
"""
import numpy as np

from helpers import optim
from helpers.exercises.core import call, compare, failed, passed, scalar
from helpers.layers import ACTIVATIONS, GAMMA


def _non_normal(H=4, seed=0):
    rng = np.random.default_rng(seed)
    return np.triu(rng.standard_normal((H, H))) * 0.8 + np.diag(np.full(H, 0.3))


def _number(v, name):
    return scalar(v, name, returned="the bound", nonfinite_hint="the bound should be a finite number here")


def check_jacobian_bound(jacobian_bound):
    """jacobian_bound(Wh, activation, steps) -> (gamma * sigma_max(Wh)) ** steps."""
    Wh = _non_normal()
    sigma = np.linalg.norm(Wh, 2)
    rho = np.max(np.abs(np.linalg.eigvals(Wh)))
    fro = np.linalg.norm(Wh)
    for activation, steps in [("tanh", 3), ("sigmoid", 3), ("relu", 5)]:
        g = GAMMA[activation]
        v, err = call(jacobian_bound, "jacobian_bound", Wh.copy(), activation, steps)
        if err is not None:
            return err
        v, err = _number(v, "jacobian_bound")
        if err is not None:
            return err
        want = (g * sigma) ** steps
        if np.isclose(v, want, rtol=1e-6):
            continue
        if np.isclose(v, (g * rho) ** steps, rtol=1e-6):
            return failed("you used the largest |eigenvalue| (spectral radius); the norm bound needs the "
                          "largest singular value, np.linalg.norm(Wh, 2) (they differ when Wh is not symmetric)")
        if np.isclose(v, (g * fro) ** steps, rtol=1e-6):
            return failed("np.linalg.norm(Wh) is the Frobenius norm; the largest singular value is "
                          "np.linalg.norm(Wh, 2)")
        if np.isclose(v, sigma ** steps, rtol=1e-6):
            return failed(f"gamma is missing: for {activation} f' is at most {g}, so each step is bounded "
                          f"by gamma * sigma_max (use layers.GAMMA[activation])")
        if np.isclose(v, g * sigma ** steps, rtol=1e-6) or np.isclose(v, g * sigma * steps, rtol=1e-6):
            return failed("raise the product gamma * sigma_max to the power `steps`: "
                          "every step multiplies by one more Jacobian")
        return failed(f"for activation={activation!r}, steps={steps} expected {want:.4g}, got {v:.4g}: "
                      "the bound is (gamma * sigma_max) ** steps")
    return passed("right: (gamma * sigma_max) ** steps, with sigma_max the largest singular value.")


def _reference_chain(dh_T, a, Wh, activation):
    f, fp = ACTIVATIONS[activation]
    h = f(a)
    T = a.shape[0]
    out = np.zeros((T + 1, dh_T.shape[0]))
    out[T] = dh_T
    for t in range(T, 0, -1):
        out[t - 1] = (out[t] * fp(a[t - 1], h[t - 1])) @ Wh.T
    return out


def check_backprop_hidden(backprop_hidden):
    """backprop_hidden(dh_T, a, Wh, activation) -> (T+1, H): dL/dh_t for t = 0..T.

    a (T, H) holds a_1..a_T (a[t-1] is a_t); dh_T (H,) is dL/dh_T.
    """
    rng = np.random.default_rng(3)
    T, H = 4, 4
    Wh = _non_normal(H, 1)
    a = rng.standard_normal((T, H))
    dh_T = rng.standard_normal(H)
    for activation in ("tanh", "sigmoid"):
        want = _reference_chain(dh_T, a, Wh, activation)
        out, err = call(backprop_hidden, "backprop_hidden", dh_T.copy(), a.copy(), Wh.copy(), activation)
        if err is not None:
            return err
        if isinstance(out, list):
            try:
                out = np.array(out, dtype=float)
            except (TypeError, ValueError):
                return failed("backprop_hidden returned a list that is not a (T+1, H) table of numbers")
        r = compare("the gradients", out, want)
        if r is None:
            continue
        if "right shape" not in r.message:
            return r
        out = np.asarray(out, dtype=float)
        if np.allclose(out, _reference_chain(dh_T, a, Wh.T, activation)):
            return failed("you multiplied by Wh; going back through h_t = f(h_{t-1} Wh + ...) with row "
                          "vectors multiplies by Wh.T")
        no_deriv = np.array(  # only the Wh.T products
            [dh_T @ np.linalg.matrix_power(Wh.T, T - t) for t in range(T + 1)])
        if np.allclose(out, no_deriv):
            return failed("f'(a_t) is missing: multiply by the activation's derivative at a_t before Wh.T")
        if np.allclose(out[::-1], want):
            return failed("the rows are in reverse order: row t must hold dL/dh_t, with row T = dh_T")
        if np.allclose(out[T], want[T]) and np.allclose(out[T - 1], want[T - 1]):
            return failed("the last steps are right, earlier ones are not: keep multiplying the running "
                          "gradient, and use a[t-1] (= a_t) when going from h_t to h_{t-1}")
        return failed(f"with activation={activation!r} the values are off: row T is dh_T, then "
                      "row t-1 = (row t * f'(a_t)) @ Wh.T, with a_t stored in a[t-1]")
    return passed("right: every step back multiplies by diag(f'(a_t)) Wh^T.")


def check_clip_by_global_norm(clip_by_global_norm):
    """clip_by_global_norm(grads, max_norm) -> (clipped dict, global norm before clipping)."""
    rng = np.random.default_rng(5)
    base = {"Wh": rng.standard_normal((3, 3)) * 4.0, "b": rng.standard_normal(3) * 0.1}
    for max_norm in (1.0, 100.0):  # one that clips, one that must leave the gradients alone
        grads = {k: v.copy() for k, v in base.items()}
        want = {k: v.copy() for k, v in base.items()}
        want_norm = optim.clip_by_global_norm(want, max_norm)
        out, err = call(clip_by_global_norm, "clip_by_global_norm", grads, max_norm)
        if err is not None:
            return err
        if not isinstance(out, tuple) or len(out) != 2 or not isinstance(out[0], dict):
            return failed("clip_by_global_norm must return (clipped_grads_dict, norm_before)")
        clipped, norm = out
        if set(clipped) != set(base):
            return failed(f"the clipped dict must have the keys {sorted(base)}, got {sorted(clipped)}")
        try:
            norm = float(norm)
        except (TypeError, ValueError):
            return failed(f"the norm must be a number, got {type(norm).__name__}")
        for k in base:
            r = compare(f"clipped[{k!r}]", clipped[k], want[k])
            if r is None:
                continue
            if "right shape" not in r.message:
                return r
            per = {j: v * min(1.0, max_norm / np.linalg.norm(v)) for j, v in base.items()}
            if all(np.allclose(np.asarray(clipped[j], dtype=float), per[j]) for j in base):
                return failed("you clipped each gradient by its own norm; the global norm is "
                              "sqrt(sum of squares over *all* gradients), and all are scaled by one factor")
            if all(np.allclose(np.asarray(clipped[j], dtype=float), np.clip(base[j], -max_norm, max_norm))
                   for j in base):
                return failed("that is clipping by value (each entry cut to [-max_norm, max_norm]); "
                              "scale every gradient by max_norm / global_norm instead")
            if max_norm == 100.0:
                return failed("the global norm is below max_norm here, so the gradients must come back "
                              "unchanged: only rescale when norm > max_norm")
            return failed(f"clipped[{k!r}] is off: multiply every gradient by max_norm / global_norm")
        if not np.isclose(norm, want_norm):
            if np.isclose(norm, min(want_norm, max_norm)):
                return failed("return the global norm *before* clipping (it is what you plot to see spikes)")
            return failed(f"the norm is {norm:.4g}, expected {want_norm:.4g}: "
                          "sqrt of the sum of squares of every entry of every gradient")
    return passed("right: one factor for all gradients, applied only when the global norm exceeds max_norm.")
