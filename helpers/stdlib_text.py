"""Real text on every machine: the docstrings of Python's own standard library.

No download and nothing copied into the repository: the text is read at run
time from the ``.py`` sources of the Python that runs the notebook (about
1.6 MB of docstrings on Python 3.11). No module is imported to get it: each
source file is parsed with ``ast`` and the docstrings of its module, classes
and functions are collected, file by file in sorted path order and in source
order within a file, so the same Python always gives the same text.

Skipped: test suites (folders ``test``/``tests``, files ``test_*.py``), the
IDLE editor, turtledemo, lib2to3 (its fixtures are Python 2), installed
packages (site-packages) and compiled extensions; files that cannot be read
or parsed (not UTF-8, syntax of another Python) are skipped silently.

The text differs between Python versions (3.11 and 3.12 document different
functions), so a number measured on it, or weights trained on it, belong to
one Python version.

Character set of ``corpus``: ``CHARS``, the 95 printable ASCII characters
(space to ``~``) plus ``"\\n"``, which ends every document (docstring). Each
docstring's whitespace runs (line breaks and indentation included) become one
space; curly quotes and dashes become their ASCII forms, accented letters
lose their accents (NFKD), and any other character is dropped.

Shapes: N parallel rows (batch), T time steps per window.
"""
import ast
import functools
import os
import re
import sysconfig
import unicodedata

import numpy as np

from helpers import data, validate
from helpers.text import tokenize

CHARS = "\n" + "".join(chr(c) for c in range(32, 127))  # 96 characters: "\n" ends a document
SKIP_DIRS = {"test", "tests", "idlelib", "turtledemo", "lib2to3", "site-packages", "__pycache__",
             "lib-dynload", "ensurepip", "pydoc_data"}
_ASCII_FORMS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"',
                              "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})
_KEEP = set(CHARS) - {"\n"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def stdlib_dir():
    """The folder of the running Python's standard library sources (sysconfig's "stdlib" path)."""
    return sysconfig.get_paths()["stdlib"]


def source_files(root=None):
    """The .py files whose docstrings make the text, as paths relative to ``root``, in sorted order."""
    root = stdlib_dir() if root is None else root
    if not os.path.isdir(root):
        raise ValueError(f"root must be a folder of Python sources, got {root!r} (not a folder)")
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(("config-", ".")))
        rel = os.path.relpath(folder, root)
        files += [os.path.normpath(os.path.join(rel, n)) for n in sorted(names)
                  if n.endswith(".py") and not n.startswith("test_") and n.isascii()]
    return files


def _file_docstrings(path):
    """Docstrings of one source file in source order, or [] if it cannot be read or parsed."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)  # decodes by the file's coding cookie, imports nothing
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return []
    found = []

    def visit(node):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=True)
            if doc and doc.strip():
                found.append(doc)
        for child in ast.iter_child_nodes(node):
            visit(child)

    try:
        visit(tree)
    except RecursionError:
        return []
    return found


def _iter_docstrings(root):
    for rel in source_files(root):
        yield from _file_docstrings(os.path.join(root, rel))


@functools.lru_cache(maxsize=4)
def _all_docstrings(root):
    return tuple(_iter_docstrings(root))


def docstrings(limit_bytes=None, root=None):
    """The standard library's docstrings, as written (indentation cleaned), in a fixed order.

    limit_bytes: stop before the docstring that would take the total (UTF-8
    bytes) past it; None reads everything (about 2 s the first time, then
    cached). root: another folder of sources (default: ``stdlib_dir()``).
    Returns a list of str.
    """
    root = os.path.abspath(stdlib_dir() if root is None else root)
    if limit_bytes is None:
        return list(_all_docstrings(root))
    limit_bytes = validate.integer("limit_bytes", limit_bytes, low=1)
    out, total = [], 0
    for doc in _iter_docstrings(root):  # lazily: a small limit parses only the first files
        total += len(doc.encode("utf-8", "surrogatepass"))
        if total > limit_bytes:
            break
        out.append(doc)
    return out


def clean(doc):
    """One docstring -> one line of ``CHARS``: whitespace runs become one space, other characters dropped."""
    if not isinstance(doc, str):
        raise TypeError(f"doc must be a str, got {type(doc).__name__}")
    doc = unicodedata.normalize("NFKD", doc.translate(_ASCII_FORMS))  # "\u00e9" -> "e" + an accent, dropped below
    doc = "".join(c if c in _KEEP or c.isspace() else "" for c in doc)
    return " ".join(doc.split())  # after dropping, so no double space is left where a character was


@functools.lru_cache(maxsize=4)
def _documents(root):
    seen, docs = set(), []
    for doc in docstrings(root=root):
        doc = clean(doc)
        if doc and doc not in seen:  # exact repeats ("Internal function.") would leak into validation
            seen.add(doc)
            docs.append(doc)
    return tuple(docs)


def documents(root=None):
    """The cleaned, de-duplicated docstrings (str without "\\n"), in ``docstrings``' order."""
    return list(_documents(os.path.abspath(stdlib_dir() if root is None else root)))


def fingerprint(root=None):
    """Which text this Python gives: "CPython 3.11.7: 1,234,567 characters, sha256 0123abcd".

    Numbers measured on the text, and weights trained on it, belong to one
    fingerprint; notebooks print it and record it (nbval compares the cells that
    depend on it only where the fingerprint is the same).
    """
    import hashlib
    import platform

    text = corpus(root=root)
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()[:8]
    return f"{platform.python_implementation()} {platform.python_version()}: {len(text):,} characters, sha256 {digest}"


def corpus(n_chars=None, rng=None, root=None):
    """The text for a character model: whole cleaned documents, each ending with "\\n".

    n_chars: at most this many characters (None: all, about 1.5 million);
        documents are never cut, so the text is a little shorter.
    rng: None takes the documents in the library's order (abc, argparse, ...:
        a small n_chars sees only the first modules); a np.random.Generator
        shuffles the documents first, so any size samples the whole library.
    """
    docs = documents(root)
    if rng is not None:
        rng = validate.rng("rng", rng)
        docs = [docs[i] for i in rng.permutation(len(docs))]
    if n_chars is None:
        return "".join(d + "\n" for d in docs)
    n_chars = validate.integer("n_chars", n_chars, low=1)
    out, total = [], 0
    for d in docs:
        if total + len(d) + 1 > n_chars:
            break
        out.append(d + "\n")
        total += len(d) + 1
    if not out:
        raise ValueError(f"n_chars = {n_chars} is shorter than the first document ({len(docs[0]) + 1} characters); "
                         "ask for more characters")
    return "".join(out)


def train_valid_split(text, frac=0.1):
    """Split by document, never inside one: (train, valid).

    text: a corpus string (one document per line, as ``corpus`` makes it) or
    a list of documents; the two parts have the same type. frac in (0, 1):
    the share of documents held out, spread evenly (every 1/frac-th document,
    so validation covers the whole library; neighbours come from the same
    module, so it is in-domain held-out text, not unseen modules).
    """
    frac = validate.number("frac", frac, low=0, high=1, low_open=True)
    if frac >= 1:
        raise ValueError(f"frac must be < 1 (some documents must stay for training), got {frac}")
    if isinstance(text, str):
        docs = text.split("\n")
        docs = docs[:-1] if docs and docs[-1] == "" else docs
    elif isinstance(text, (list, tuple)) and all(isinstance(d, str) for d in text):
        docs = list(text)
    else:
        raise TypeError(f"text must be a str (one document per line) or a list of str, got {type(text).__name__}")
    held = [int((i + 1) * frac) > int(i * frac) for i in range(len(docs))]
    train = [d for d, h in zip(docs, held) if not h]
    valid = [d for d, h in zip(docs, held) if h]
    if not train or not valid:
        raise ValueError(f"text has {len(docs)} documents: too few to hold out frac = {frac} of them "
                         f"and keep some for training (got {len(train)} train, {len(valid)} valid)")
    if isinstance(text, str):
        return "".join(d + "\n" for d in train), "".join(d + "\n" for d in valid)
    return train, valid


def char_vocab():
    """A ``helpers.data.Vocab`` of ``CHARS`` (V = 96, id 0 = "\\n"): the same ids on every machine."""
    return data.Vocab(list(CHARS))


def sentences(text, min_words=2, max_words=None):
    """Word sentences for the word-level models: a list of token lists (``helpers.text.tokenize``).

    text: a corpus string or a list of documents. Each document is cut after
    ".", "!" or "?" followed by space; sentences with fewer than
    ``min_words`` or (if given) more than ``max_words`` words are dropped.
    """
    min_words = validate.integer("min_words", min_words, low=1)
    max_words = None if max_words is None else validate.integer("max_words", max_words, low=min_words)
    if isinstance(text, str):
        text = text.split("\n")
    elif not isinstance(text, (list, tuple)):
        raise TypeError(f"text must be a str or a list of str, got {type(text).__name__}")
    out = []
    for doc in text:
        for s in _SENTENCE_END.split(doc):
            words = tokenize(s)
            if len(words) >= min_words and (max_words is None or len(words) <= max_words):
                out.append(words)
    return out


def _check_ids(ids, N, T):
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D array of integer ids, got {ids.dtype} with shape {ids.shape}")
    N = validate.integer("N", N, low=1)
    T = validate.integer("T", T, low=1)
    if (len(ids) - 1) // N < T:
        raise ValueError(f"ids has {len(ids)} tokens: too few for N = {N} rows of T = {T} steps "
                         f"(need at least N * T + 1 = {N * T + 1})")
    return ids, N, T


def sequential_batches(ids, N, T):
    """Cut the text into N parallel streams and walk along them: yields (x, y), each (N, T).

    Row n of every batch is the next T characters of stream n (stream n is
    the n-th of N equal pieces of the text); y is x shifted by one character.
    Batch k + 1 starts exactly where batch k ended, so the hidden state at
    the end of batch k is the right starting state for batch k + 1: carry it
    over (and stop the gradient there: truncated BPTT). The model then sees
    context longer than T. One pass over the text: (len(ids) - 1) // N // T
    batches. (The same cut as ``helpers.data.lm_batches``.)
    """
    ids, N, T = _check_ids(ids, N, T)
    yield from data.lm_batches(ids, N, T)


def random_windows(ids, N, T, rng, batches=None):
    """Independent windows at random places: yields (x, y), each (N, T).

    Each row is T characters starting at a uniformly random position (y is x
    shifted by one), unrelated to the row above it or to the previous batch.
    So there is no state to carry: start every batch from a zero hidden state,
    and the model never sees more than T characters of context while training.
    batches: how many to yield (None: as many as ``sequential_batches`` gives).
    """
    ids, N, T = _check_ids(ids, N, T)
    rng = validate.rng("rng", rng)
    batches = (len(ids) - 1) // N // T if batches is None else validate.integer("batches", batches, low=1)
    offsets = np.arange(T)
    for _ in range(batches):
        starts = rng.integers(0, len(ids) - T, size=N)  # the last start leaves room for y: start + T < len(ids)
        idx = starts[:, None] + offsets  # (N, T)
        yield ids[idx], ids[idx + 1]
