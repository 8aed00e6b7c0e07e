"""Argument checks that speak the learner's language.

Every public function in ``helpers`` calls these before doing any math, so a
wrong shape is reported as, for example::

    ValueError: h0 must have shape (N, H) = (3, 6), got (3, 7)

instead of a numpy broadcasting error three frames deep.
"""
import numbers

import numpy as np


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _all_finite(a):
    """True when a holds no NaN or inf. A finite sum proves it in one pass; only
    when the sum is not finite (a NaN, an inf, or an overflow) look entry by entry."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(a.sum()):
            return True
    return bool(np.isfinite(a).all())


def array(name, value, ndim=None, letters=None, finite=True):
    """Return ``value`` as a float ndarray, or raise naming ``name``.

    ndim: the number of dimensions required (None: any).
    letters: the shape letters, e.g. "(N, T, D)", shown in the message.
    finite: reject NaN and inf (in the course they can only mean a bug).
    Keeps float32 as float32; anything else numeric becomes float64.
    """
    a = value if isinstance(value, np.ndarray) and value.dtype in _FLOATS else _float_array(name, value)
    if ndim is not None and a.ndim != ndim:
        shape_txt = f" {letters}" if letters else ""
        raise ValueError(f"{name} must have {ndim} dimensions{shape_txt}, got shape {a.shape}")
    if finite and not _all_finite(a):
        raise ValueError(f"{name} contains NaN or inf; check how it was computed")
    return a


def _float_array(name, value):
    """Anything array-like and real -> a float64 array (float32 stays float32), or a TypeError."""
    if value is None:
        raise TypeError(f"{name} must be a numpy array, got None")
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}: {err}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise TypeError(f"{name} must be real, got dtype {a.dtype}")
    return a if a.dtype in _FLOATS else a.astype(np.float64)


def shape(name, a, expected, letters):
    """Raise unless ``a.shape == expected``; ``letters`` like "(N, H)"."""
    if a.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {letters} = {tuple(expected)}, got {a.shape}")


def step(x, h_prev, D, H):
    """Check one step's input x (N, D) and previous state h_prev (N, H); N comes from x."""
    x = array("x", x, ndim=2, letters="(N, D)")
    N = x.shape[0]
    shape("x", x, (N, D), "(N, D)")
    h_prev = array("h_prev", h_prev, ndim=2, letters="(N, H)")
    shape("h_prev", h_prev, (N, H), "(N, H)")
    return x, h_prev


def sequence(x, h0, D, H):
    """Check a sequence input x (N, T, D) with T >= 1 and its initial state h0 (N, H)."""
    x = array("x", x, ndim=3, letters="(N, T, D)")
    N, T = x.shape[:2]
    shape("x", x, (N, T, D), "(N, T, D)")
    if T < 1:
        raise ValueError(f"x must hold at least one time step (T >= 1), got shape {x.shape}")
    h0 = array("h0", h0, ndim=2, letters="(N, H)")
    shape("h0", h0, (N, H), "(N, H)")
    return x, h0


def integer(name, value, low=None, high=None):
    """Return ``value`` as an int within [low, high], or raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def number(name, value, low=None, high=None, low_open=False):
    """Return ``value`` as a finite float within its range, or raise naming it.

    low_open=True makes the lower bound strict (value > low).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def choice(name, value, options):
    """Raise unless ``value`` is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def rng(name, value):
    """Raise unless ``value`` is a ``np.random.Generator``."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a np.random.Generator "
                        f"(make one with np.random.default_rng(seed)), got {type(value).__name__}")
    return value


def result_dtype(*arrays):
    """float32 if every array is float32, else float64 (float32 in, float32 out)."""
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64
