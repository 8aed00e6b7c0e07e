"""Argument checks that speak the learner's language.

Every public function in ``helpers`` calls these before doing any math, so a
wrong shape is reported as, for example::

    ValueError: h0 must have shape (N, H) = (3, 6) to match Wh, got (3, 7)
    ValueError: Wx must have shape (D, H) = (4, 6) to match x and Wh, got (6, 4): looks transposed

instead of a numpy broadcasting error three frames deep. When two arguments
disagree on a size, ``agree`` works out which one is wrong (the one whose
removal leaves all the others consistent) and names both.
"""
import functools
import itertools
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


def shape(name, a, expected, letters, match=None):
    """Raise unless ``a.shape == expected``; ``letters`` like "(N, H)".

    match: where the expected shape comes from, e.g. "h from forward"; the
    message then names both sides of the disagreement.
    """
    if a.shape != tuple(expected):
        raise ValueError(_shape_message(name, a.shape, tuple(expected), letters, [match] if match else []))


def _shape_message(name, got, expected, letters, sources):
    """E.g. "W must have shape (D, H) = (2, 3) to match x and b, got (3, 2): looks transposed"."""
    match = f" to match {' and '.join(sources)}" if sources else ""
    flipped = ": looks transposed" if sorted(got) == sorted(expected) and got != expected else ""
    return f"{name} must have shape {letters} = {expected}{match}, got {got}{flipped}"


@functools.lru_cache(maxsize=None)
def _parse(letters):
    """"(D, 4H)" -> ((1, "D"), (4, "H")): one (factor, letter) per axis."""
    out = []
    for part in letters.strip("()").split(","):
        part = part.strip()
        if part:
            digits = part.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            out.append((int(digits) if digits else 1, part[len(digits):]))
    return tuple(out)


def _sizes(specs):
    """The letter sizes that all of ``specs`` imply, or None if they disagree anywhere."""
    sizes = {}
    for _, a, letters in specs:
        for (factor, letter), n in zip(_parse(letters), a.shape):
            if n % factor or sizes.setdefault(letter, n // factor) != n // factor:
                return None
    return sizes


def agree(*specs):
    """Check that arrays agree on their shape letters; return {letter: size}.

    specs: (name, array, letters) with letters like "(N, T, D)" or "(D, 4H)",
    listed from the argument most likely to be wrong to the most trusted (the
    weights last). Each array's number of dimensions must already be right
    (``array(..., ndim=...)``).

    On a disagreement the blamed argument is one whose removal leaves all the
    others consistent (two, if one is not enough). The message gives the
    shape it should have, the arguments that shape comes from, and says
    "looks transposed" when its own sizes in another order fit. When several
    arguments could be blamed (a tie, as when x and h0 disagree on N), the
    earlier in ``specs`` is, unless only another one's sizes are fixed by the
    rest and fit in another order; a tied argument that looks transposed is
    mentioned too.
    """
    sizes = _sizes(specs)
    if sizes is not None:
        return sizes
    for k in range(1, len(specs)):
        found = []
        for wrong in itertools.combinations(range(len(specs)), k):
            rest = [s for i, s in enumerate(specs) if i not in wrong]
            sizes = _sizes(rest)
            if sizes is not None:
                found.append((specs[wrong[0]], rest, sizes))
        if found:
            spec, rest, sizes = next((f for f in found if _transposed(*f[::2], pinned=True)), found[0])
            message = _blame(spec, rest, sizes)
            other = next((f[0] for f in found if f[0] is not spec and _transposed(*f[::2])), None)
            if other:
                message += f"; or {other[0]} {other[1].shape} looks transposed"
            raise ValueError(message)
    raise ValueError(_blame(specs[0], [], {}))  # only one spec, disagreeing with itself


def _fill(axes, shape, sizes):
    """The letter sizes ``shape`` gives on top of ``sizes``, or None if it contradicts them."""
    own = dict(sizes)
    for (factor, letter), n in zip(axes, shape):
        if n % factor or own.setdefault(letter, n // factor) != n // factor:
            return None
    return own


def _transposed(spec, sizes, pinned=False):
    """The spec's own sizes in another order that fit ``sizes``, or None.

    pinned: only if ``sizes`` fixes every letter of the spec (x (N, T, D) with
    a free T fits in another order more often by chance).
    """
    _, a, letters = spec
    axes = _parse(letters)
    if pinned and not all(letter in sizes for _, letter in axes):
        return None
    return next((p for p in itertools.permutations(a.shape) if p != a.shape and _fill(axes, p, sizes)), None)


def _blame(spec, rest, sizes):
    """The message for ``spec``, given the sizes that the trusted ``rest`` agree on."""
    name, a, letters = spec
    axes = _parse(letters)
    expected = _transposed(spec, sizes)
    if expected is None:  # the trusted sizes, and for letters only it has, its own where they are whole
        own = dict(sizes)
        for (factor, letter), n in zip(axes, a.shape):
            if letter not in own and not n % factor:
                own[letter] = n // factor
        if not all(letter in own for _, letter in axes):
            return (f"{name} must have shape {letters}, got {a.shape}: a size that should be a multiple "
                    f"of {max(f for f, _ in axes)} is not")
        expected = tuple(factor * own[letter] for factor, letter in axes)
    wrong = [letter for (_, letter), n, e in zip(axes, a.shape, expected) if n != e]
    sources = []
    for letter in wrong:  # the most trusted argument that fixes each wrong size
        source = next((s[0] for s in reversed(rest) if letter in {l for _, l in _parse(s[2])}), None)
        if source and source not in sources:
            sources.append(source)
    return _shape_message(name, a.shape, expected, letters, sources)


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
    """float32 if every array is float32, else float64 (float32 in, float32 out).

    The forward passes compute in this dtype; the backward passes return their
    gradients in the forward's dtype, whatever dtype the upstream gradient has.
    """
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64
