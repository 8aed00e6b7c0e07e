"""Numerical gradients by central differences, and the relative error.

A backward pass is right when its gradient matches

    dL/dx[i]  ~  (L(x + h e_i) - L(x - h e_i)) / (2h)

for every entry i. For a function with an array output we contract with an
upstream gradient ``df`` (L = sum(f(x) * df)), which checks the backward pass
for exactly that ``df``, the same way the chain rule will use it.
"""
import numpy as np

from helpers import validate


def numerical_gradient(f, x, df, h=1e-5):
    """Central-difference estimate of d(sum(f(x) * df)) / dx.

    f: a function of the array x (it may read x, which is changed in place
       entry by entry and restored); df: upstream gradient, f(x)'s shape.
    x must be a float64 array (float32 is too coarse for differences).
    Returns an array of x's shape.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 numpy array (it is nudged in place), "
                        f"got {type(x).__name__} {getattr(x, 'dtype', '')}".rstrip())
    h = validate.number("h", h, low=0, low_open=True)
    df = validate.array("df", df)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        if pos.shape != df.shape:
            raise ValueError(f"df must have the shape of f(x) = {pos.shape}, got {df.shape}")
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def rel_error(a, b):
    """The size of the difference relative to the size of the values.

    ||a - b|| / (||a|| + ||b||) with Frobenius norms, the denominator floored at
    1e-8 so two zero arrays do not divide by zero. Below 1e-7 in float64 means
    the two gradients agree; 1e-2 or more means a bug. (An element-wise ratio
    would blow up on entries that are nearly zero, where rounding dominates.)
    """
    a = validate.array("a", a, finite=False)
    b = validate.array("b", b, finite=False)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))
