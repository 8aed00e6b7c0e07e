"""Optimizers with explicit state, and gradient clipping.

Parameters and gradients are dicts of arrays with the same keys. Each update
changes the parameters in place and returns its state, which the caller passes
back on the next call (start with state=None)::

    state = None
    for step in range(steps):
        grads = ...
        state = optim.adam(params, grads, state, lr=1e-3)
"""
import numpy as np

from helpers import validate


def _check(params, grads):
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError("params and grads must be dicts of arrays with the same keys, "
                        f"got {type(params).__name__} and {type(grads).__name__}")
    if set(params) != set(grads):
        raise ValueError(f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(f"grads[{k!r}] must have shape {np.shape(params[k])}, got {np.shape(grads[k])}")
        if not np.all(np.isfinite(grads[k])):
            raise ValueError(f"grads[{k!r}] contains NaN or inf: the loss has diverged "
                             "(try a smaller learning rate or clip the gradients)")


def sgd(params, grads, state=None, lr=1e-2):
    """p -= lr * dp. Has no state; returns {} for a uniform interface."""
    _check(params, grads)
    lr = validate.number("lr", lr, low=0, low_open=True)
    for k in params:
        params[k] -= lr * grads[k]
    return {}


def momentum(params, grads, state=None, lr=1e-2, mu=0.9):
    """v = mu v - lr dp; p += v."""
    _check(params, grads)
    lr = validate.number("lr", lr, low=0, low_open=True)
    mu = validate.number("mu", mu, low=0, high=1)
    state = state or {"v": {k: np.zeros_like(p) for k, p in params.items()}}
    for k in params:
        v = state["v"][k]
        v *= mu
        v -= lr * grads[k]
        params[k] += v
    return state


def adagrad(params, grads, state=None, lr=1e-2, eps=1e-8):
    """cache += dp^2; p -= lr dp / (sqrt(cache) + eps)."""
    _check(params, grads)
    lr = validate.number("lr", lr, low=0, low_open=True)
    state = state or {"cache": {k: np.zeros_like(p) for k, p in params.items()}}
    for k in params:
        c = state["cache"][k]
        c += grads[k] * grads[k]
        params[k] -= lr * grads[k] / (np.sqrt(c) + eps)
    return state


def adam(params, grads, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba 2015) with bias correction."""
    _check(params, grads)
    lr = validate.number("lr", lr, low=0, low_open=True)
    beta1 = validate.number("beta1", beta1, low=0, high=1)
    beta2 = validate.number("beta2", beta2, low=0, high=1)
    state = state or {"t": 0, "m": {k: np.zeros_like(p) for k, p in params.items()},
                      "v": {k: np.zeros_like(p) for k, p in params.items()}}
    state["t"] += 1
    t = state["t"]
    for k in params:
        m, v, dp = state["m"][k], state["v"][k], grads[k]
        m *= beta1
        m += (1 - beta1) * dp
        v *= beta2
        v += (1 - beta2) * dp * dp
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        params[k] -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return state


def global_norm(grads):
    """sqrt of the sum of squares of every entry of every gradient (no overflow for huge entries)."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = sum(float(np.vdot(g, g)) for g in grads.values())  # the fast path
    if np.isfinite(total):
        return float(np.sqrt(total))
    # Squares overflowed (entries beyond 1e154) or a NaN/inf is present: rescale by the largest entry.
    arrays = [np.asarray(g, dtype=np.float64) for g in grads.values()]
    biggest = max((float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays), default=0.0)
    if not np.isfinite(biggest):
        return biggest  # inf or nan: the caller reports it
    return biggest * float(np.sqrt(sum(np.sum(np.square(a / biggest)) for a in arrays)))


def _finite_norm(grads):
    norm = global_norm(grads)
    if not np.isfinite(norm):
        raise ValueError("grads contain NaN or inf: the loss has diverged "
                         "(try a smaller learning rate, or clip the gradients earlier)")
    return norm


def clip_by_value(grads, limit):
    """Clip every entry to [-limit, limit] in place. Returns the global norm *before* clipping."""
    limit = validate.number("limit", limit, low=0, low_open=True)
    norm = _finite_norm(grads)
    for g in grads.values():
        np.clip(g, -limit, limit, out=g)
    return norm


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so their global norm is at most max_norm.

    Keeps the direction of the update, unlike clipping by value. In place;
    returns the global norm *before* clipping.
    """
    max_norm = validate.number("max_norm", max_norm, low=0, low_open=True)
    norm = _finite_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm
