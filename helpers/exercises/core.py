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
from itertools import permutations

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

    def graded(self):
        """This Result, for a grader: the line a student-edition check cell ends with.

        Under nbgrader (its autograde and validate set ``NBGRADER_EXECUTION``)
        a test cell earns its points when it does not raise: so there, unless
        the result is ✅, raise AssertionError with the one-line message (the
        cell scores 0 and the feedback shows the hint); when it is ✅, print
        the line and return None. Anywhere else (a learner's session,
        `make grade`) return the Result itself, which displays as usual.
        """
        import os

        if not os.environ.get("NBGRADER_EXECUTION"):
            return self
        if not self.ok:
            raise AssertionError(repr(self))
        print(repr(self))
        return None


def passed(message="Correct!"):
    return Result(True, message)


def failed(message):
    return Result(False, message)


def course_function(fn):
    """The dotted name of ``fn`` when it is one of the course's own functions (defined in
    ``helpers``, such as a check's reference answer or ``helpers.layers.softmax``), else None.

    Looks through functools.partial, bound methods and decorators; never raises.
    """
    try:
        for _ in range(8):
            module = getattr(fn, "__module__", None)
            if isinstance(module, str) and (module == "helpers" or module.startswith("helpers.")):
                return f"{module}.{getattr(fn, '__qualname__', getattr(fn, '__name__', type(fn).__name__))}"
            inner = (getattr(fn, "func", None) if not isinstance(fn, type) else None) \
                or getattr(fn, "__func__", None) or getattr(fn, "__wrapped__", None)
            if inner is None or inner is fn:
                return None
            fn = inner
    except Exception:  # noqa: BLE001 - an odd object is simply not the course's
        return None
    return None


def call(fn, name, *args, **kwargs):
    """Call the learner's ``fn``; return (value, None) or (None, Result explaining the error)."""
    if not callable(fn):
        return None, failed(f"expected a function `{name}`, got {type(fn).__name__}; "
                            "pass the function itself, without calling it (no parentheses)")
    own = course_function(fn)
    if own is not None:  # the course's reference or building block is not the learner's work
        return None, failed(f"`{name}` is one of the course's own functions (from `{own.rsplit('.', 1)[0]}`): "
                            f"a check grades code you write, so define `{name}` yourself and pass that")
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


def as_tuple(out, name, items):
    """(out, None) when ``out`` is a tuple or list of as many items as ``items`` names, else (None, a failed
    Result saying what came back).

    items: what the learner's ``name`` should return, comma-separated, e.g. "h_next, c_next".
    """
    if out is None:
        return None, failed(f"{name} returned None: did you forget to `return` {items}?")
    if not isinstance(out, (tuple, list)) or len(out) != len(items.split(", ")):
        return None, failed(f"{name} must return the tuple ({items}), got {type(out).__name__}"
                            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out, None


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


# --------------------------------------------------------------------------
# Small helpers for telling a typical slip from a right answer (never raise)
# --------------------------------------------------------------------------


def diagnose(got, slips, right=None, atol=1e-6):
    """A failed Result with the hint of the first (wrong_value, hint) in ``slips`` that ``got`` matches
    (see ``name_slip``), else None.
    """
    hint = name_slip(got, slips, right=right, atol=atol)
    return None if hint is None else failed(hint)


SHAPE_ERROR_WORDS = ("matmul", "not aligned", "broadcast")


def explain_error(err, hint, words=SHAPE_ERROR_WORDS):
    """``err`` (a failed Result from ``call``) with ``hint`` added when its message mentions one of ``words``."""
    if err is None or err.status == "todo" or not any(w in err.message for w in words):
        return err
    return failed(f"{err.message.rstrip()}. {hint[:1].upper()}{hint[1:]}")


def same(got, want, atol=1e-6, rtol=1e-6):
    """True when ``got`` is a finite number or array with the shape and values of ``want``, or a
    tuple/list of them (item by item); never raises.

    For telling a learner's answer apart from the reference and from the
    typical wrong variants a check computes, when the answer is several arrays.
    """
    try:
        if isinstance(want, (tuple, list)):
            return (isinstance(got, (tuple, list)) and len(got) == len(want)
                    and all(same(g, w, atol, rtol) for g, w in zip(got, want)))
        if isinstance(got, (tuple, list, dict, str)) and np.ndim(want) == 0:
            return False
        got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
        return (got.shape == want.shape and bool(np.all(np.isfinite(got)))
                and bool(np.allclose(got, want, atol=atol, rtol=rtol)))
    except Exception:  # noqa: BLE001 - any odd object is simply "not the same"
        return False


def name_slip(got, slips, right=None, atol=1e-6, rtol=1e-6):
    """The hint of the first (output of a slip, hint) in ``slips`` that ``got`` matches (see ``same``), or None.

    right: the right answer, if known; a slip that happens to give it on this input is skipped.
    Works for answers made of several arrays (tuples compared item by item).
    """
    for output, hint in slips:
        if same(got, output, atol, rtol) and not (right is not None and same(output, right, atol, rtol)):
            return hint
    return None


def gate_slips(run, slips, order, order_hint):
    """[(output of a slip, hint)] for ``diagnose`` or ``name_slip``, for a layer whose gates are blocks of columns.

    run(slip=name) for each name -> hint of the dict ``slips``; then run(order=other) for every other order of
    the gate blocks ``order`` (e.g. ("i", "f", "g", "o")), its hint ``order_hint`` with "{}" filled by that
    order ("i, g, f, o").
    """
    outputs = [(run(slip=slip), hint) for slip, hint in slips.items()]
    return outputs + [(run(order=other), order_hint.format(", ".join(other)))
                      for other in permutations(order) if other != tuple(order)]


def reordered(got, want, atol=1e-6, rtol=1e-6):
    """True when the tuple ``got`` holds the items of ``want`` (see ``same``), but not in their order."""
    if not isinstance(got, (tuple, list)) or len(got) != len(want) or same(got, want, atol, rtol):
        return False
    left = list(range(len(want)))
    for g in got:
        k = next((k for k in left if same(g, want[k], atol, rtol)), None)
        if k is None:
            return False
        left.remove(k)
    return True
