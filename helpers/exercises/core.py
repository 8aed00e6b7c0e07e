"""The machinery shared by every exercise check.

A check returns a ``Result``. Displayed at the end of a cell it shows one
line: "✅ ..." when the attempt is right, "❌ Not yet: <hint>" otherwise, or
"✏️ Not attempted yet" while the starter code still raises
NotImplementedError. ``result.ok`` is True or False for code (and tests).

A Result has no truth value of its own (``if result:`` is always true, like
any object): test ``result.ok``, and test helpers' "no problem found" value
with ``is None``.
"""
import functools

import numpy as np


class Result:
    """The outcome of a check: ``ok`` (bool), ``status`` and ``message`` (str)."""

    def __init__(self, ok, message, status=None):
        self.ok = bool(ok)
        self.status = status or ("correct" if ok else "wrong")
        self.message = message

    def __repr__(self):
        if self.ok:
            return f"✅ {self.message}"
        if self.status == "todo":
            return f"✏️ Not attempted yet: {self.message}"
        return f"❌ Not yet: {self.message}"


def passed(message="Correct!"):
    return Result(True, message)


def failed(message):
    return Result(False, message)


def call(fn, name, *args, **kwargs):
    """Call the learner's ``fn``; return (value, None) or (None, Result explaining the error)."""
    if not callable(fn):
        return None, failed(f"expected a function `{name}`, got {type(fn).__name__}; "
                            "pass the function itself, without calling it (no parentheses)")
    try:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs), None
    except NotImplementedError:
        return None, Result(False, f"`{name}` still raises NotImplementedError: "
                                   "replace the `raise` line with your code, then run this check again",
                            status="todo")
    except Exception as err:  # the learner's code may fail in any way: report it, do not crash
        return None, failed(f"`{name}` raised {type(err).__name__}: {err}")


def compare(what, got, want, hint="", atol=1e-6, rtol=1e-6):
    """None when ``got`` matches the array ``want``; else a failed Result with a hint.

    what: how to name the value in the message, e.g. "h_next" or "dWh".
    hint: where to look when the values are wrong (shape and type problems get
    their own messages).
    """
    want = np.asarray(want)
    if got is None:
        return failed(f"{what} is None: did you forget to `return` it?")
    if isinstance(got, tuple) and want.ndim > 0:
        return failed(f"{what} is a tuple of {len(got)} items, expected one array of shape {want.shape}")
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return failed(f"{what} should be an array of numbers, got {type(got).__name__}")
    if got.shape != want.shape:
        extra = ""
        if got.shape == want.shape[::-1] and got.ndim == 2:
            extra = " (it looks transposed: check the order of a matrix product)"
        return failed(f"{what} has shape {got.shape}, expected {want.shape}{extra}")
    if not np.all(np.isfinite(got)):
        return failed(f"{what} contains NaN or inf: look for a division by zero or an exp of a large number")
    if not np.allclose(got, want, atol=atol, rtol=rtol):
        err = float(np.max(np.abs(got - want)))
        return failed(f"{what} has the right shape but wrong values (largest error {err:.3g}). {hint}".strip())
    return None


def scalar(value, name, returned="it", nonfinite_hint=""):
    """(float, None) for a learner's finite number, else (None, a failed Result saying what is wrong).

    returned: what the attempt should return, for the None message ("it", "the bound").
    nonfinite_hint: where to look when the number is NaN or inf.
    """
    if value is None:
        return None, failed(f"{name} returned None: did you forget to `return` {returned}?")
    try:
        value = float(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return None, failed(f"{name} must return one number, got {type(value).__name__}")
    if not np.isfinite(value):
        return None, failed(f"{name} returned {value}: {nonfinite_hint}")
    return value, None


def first_failure(*results):
    """The first failed Result among ``results`` (Nones are passes), or None."""
    for r in results:
        if r is not None:
            return r
    return None


def never_raise(check, advice=""):
    """Wrap a check so that whatever odd object the attempt returns, it reports instead of raising."""
    @functools.wraps(check)
    def wrapped(attempt):
        try:
            with np.errstate(all="ignore"):
                return check(attempt)
        except Exception as err:  # noqa: BLE001 - a check must never crash the learner's notebook
            return failed(f"could not read your answer ({type(err).__name__}: {err}){advice}")
    return wrapped
