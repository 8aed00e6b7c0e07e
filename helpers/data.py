"""Data for the course: vocabularies, one-hot codes, batches and toy tasks.

Every function that draws random numbers takes ``rng``, a
``np.random.Generator`` (make one with ``np.random.default_rng(seed)``).
"""
import numpy as np

from helpers import validate

UNK = "<unk>"


class Vocab:
    """A two-way map between tokens and integer ids.

    Vocab(tokens) numbers the distinct tokens in order of first appearance.
    With ``unk=True`` id 0 is "<unk>", and unseen tokens map to it.
    """

    def __init__(self, tokens, unk=False):
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of tokens, got a str "
                            "(use list(text) for characters or text.split() for words)")
        self.unk = bool(unk)
        self.itos = [UNK] if unk else []
        self.stoi = {UNK: 0} if unk else {}
        for tok in tokens:
            if tok not in self.stoi:
                self.stoi[tok] = len(self.itos)
                self.itos.append(tok)
        if not self.itos:
            raise ValueError("tokens must hold at least one token, got none")

    def __len__(self):
        return len(self.itos)

    def __contains__(self, tok):
        return tok in self.stoi

    def __repr__(self):
        head = ", ".join(repr(t) for t in self.itos[:5])
        return f"Vocab(V={len(self)}: {head}{', ...' if len(self) > 5 else ''})"

    def encode(self, tokens):
        """tokens -> int array of ids. Unseen tokens: id of <unk>, or KeyError naming them."""
        if self.unk:
            return np.array([self.stoi.get(t, 0) for t in tokens], dtype=np.int64)
        missing = [t for t in tokens if t not in self.stoi]
        if missing:
            raise KeyError(f"tokens not in the vocabulary: {missing[:5]!r} (build it with unk=True to map them to {UNK})")
        return np.array([self.stoi[t] for t in tokens], dtype=np.int64)

    def decode(self, ids):
        """ids -> list of tokens."""
        return [self.itos[int(i)] for i in ids]


def one_hot(ids, V):
    """ids: int array of any shape, values in [0, V) -> float array (*ids.shape, V)."""
    V = validate.integer("V", V, low=1)
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, V) = [0, {V}), got values from {ids.min()} to {ids.max()}")
    return np.eye(V)[ids]


def windows(seq, width):
    """All length-``width`` windows of a 1-D sequence and the item after each.

    Returns (inputs (M, width), targets (M,)) with M = len(seq) - width.
    """
    seq = np.asarray(seq)
    width = validate.integer("width", width, low=1)
    if seq.ndim != 1 or len(seq) <= width:
        raise ValueError(f"seq must be 1-D and longer than width = {width}, got shape {seq.shape}")
    idx = np.arange(width)[None, :] + np.arange(len(seq) - width)[:, None]
    return seq[idx], seq[width:]


def lm_batches(ids, N, T):
    """Cut a long id stream into N parallel rows and yield (inputs, targets) of shape (N, T).

    Targets are the inputs shifted by one. Consecutive batches continue each
    row, so a hidden state can be carried from one batch to the next
    (truncated BPTT).
    """
    ids = np.asarray(ids)
    N = validate.integer("N", N, low=1)
    T = validate.integer("T", T, low=1)
    steps = (len(ids) - 1) // N
    if steps < T:
        raise ValueError(f"ids has {len(ids)} tokens: too few for N = {N} rows of T = {T} steps")
    x = ids[:N * steps].reshape(N, steps)
    y = ids[1:N * steps + 1].reshape(N, steps)
    for s in range(0, steps - T + 1, T):
        yield x[:, s:s + T], y[:, s:s + T]


def adding_problem(n, T, rng):
    """The adding problem (Hochreiter & Schmidhuber 1997).

    Each sequence has T steps of two inputs: a random value in [0, 1) and a
    marker that is 1 at exactly two steps (one in each half) and 0 elsewhere.
    The target is the sum of the two marked values. Predicting 1 always gives
    the baseline mean squared error of about 1/6.
    Returns x (n, T, 2), y (n,).
    """
    n = validate.integer("n", n, low=1)
    T = validate.integer("T", T, low=2)
    rng = validate.rng("rng", rng)
    values = rng.random((n, T))
    marks = np.zeros((n, T))
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    x = np.stack([values, marks], axis=-1)
    return x, (values * marks).sum(axis=1)


def copy_task(n, T, K, rng, lag=None):
    """Remember K symbols for ``lag`` steps, then recall them.

    Input: K random symbols from {1..8} (one-hot, 10 channels), then ``lag``
    blanks (0), then a "go" marker (9) followed by K-1 blanks. Target: blank
    everywhere except the last K steps, which must repeat the symbols.
    T is the total length, K + lag + K. Returns x (n, T, 10) and y (n, T) ints.
    """
    n = validate.integer("n", n, low=1)
    K = validate.integer("K", K, low=1)
    T = validate.integer("T", T, low=2 * K + 1)
    rng = validate.rng("rng", rng)
    lag = T - 2 * K if lag is None else validate.integer("lag", lag, low=1)
    if 2 * K + lag != T:
        raise ValueError(f"T must equal 2K + lag = {2 * K + lag}, got {T}")
    sym = rng.integers(1, 9, size=(n, K))
    seq = np.zeros((n, T), dtype=np.int64)
    seq[:, :K] = sym
    seq[:, K + lag] = 9
    y = np.zeros((n, T), dtype=np.int64)
    y[:, T - K:] = sym
    return one_hot(seq, 10), y
