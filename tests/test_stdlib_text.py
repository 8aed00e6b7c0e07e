"""helpers.stdlib_text: real text read from this Python's standard library, and how it is cut into batches."""
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import data, stdlib_text

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------
# Reading: a small fake library pins the rules, the real one the sizes
# ----------------------------------------------------------------------------


@pytest.fixture()
def fake_lib(tmp_path):
    (tmp_path / "b.py").write_text('"""Module b."""\ndef f():\n    """Function   f,\n    two lines."""\n')
    (tmp_path / "a.py").write_text('"""Module a \u2014 \u2018quoted\u2019 \u00e9t\u00e9."""\n'
                                   'class C:\n    """Class C."""\n    async def g(self):\n        """Method g."""\n')
    (tmp_path / "latin.py").write_bytes(b'"""caf\xe9"""\n')  # not UTF-8 and no coding cookie: skipped
    (tmp_path / "broken.py").write_text('"""Broken."""\ndef (:\n')  # a syntax error: skipped
    (tmp_path / "test_x.py").write_text('"""A test file."""\n')
    for skipped in ("test", "idlelib", "site-packages", "lib2to3"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "m.py").write_text('"""Skipped."""\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('"""Package."""\n')
    (tmp_path / "pkg" / "tests").mkdir()
    (tmp_path / "pkg" / "tests" / "t.py").write_text('"""Skipped too."""\n')
    (tmp_path / "pkg" / "dup.py").write_text('"""Module b."""\nx = """not a docstring"""\n')
    return str(tmp_path)


def test_fake_library_order_skips_and_cleaning(fake_lib):
    assert stdlib_text.source_files(fake_lib) == ["a.py", "b.py", "broken.py", "latin.py", "pkg/__init__.py",
                                                  "pkg/dup.py"]
    docs = stdlib_text.docstrings(root=fake_lib)
    assert docs == ["Module a \u2014 \u2018quoted\u2019 \u00e9t\u00e9.", "Class C.", "Method g.", "Module b.",
                    "Function   f,\ntwo lines.", "Package.", "Module b."]
    # whitespace runs -> one space, curly quotes and dashes -> ASCII, accents dropped, repeats removed
    assert stdlib_text.documents(fake_lib) == ["Module a - 'quoted' ete.", "Class C.", "Method g.", "Module b.",
                                               "Function f, two lines.", "Package."]
    assert stdlib_text.corpus(root=fake_lib).endswith("two lines.\nPackage.\n")
    assert stdlib_text.clean("a \u2500 b\u00df\n\tc \U0001f600") == "a b c"  # nothing dropped leaves a double space


def test_limit_bytes_reads_only_what_fits(fake_lib):
    assert stdlib_text.docstrings(limit_bytes=len("Module a \u2014 \u2018quoted\u2019 \u00e9t\u00e9.".encode()) + 8,
                                  root=fake_lib) == ["Module a \u2014 \u2018quoted\u2019 \u00e9t\u00e9.", "Class C."]


@pytest.fixture(scope="module")
def text():
    return stdlib_text.corpus()


def test_this_python_has_over_a_megabyte_of_docstrings(capsys):
    docs = stdlib_text.docstrings()
    mb = sum(len(d.encode("utf-8", "surrogatepass")) for d in docs) / 1e6
    with capsys.disabled():
        print(f"\n    Python {sys.version.split()[0]}: {len(docs)} docstrings, {mb:.2f} MB")
    assert mb > 1.0 and len(docs) > 3000


def test_lazy_and_cached_reads_agree():
    whole = stdlib_text.docstrings()
    part = stdlib_text.docstrings(limit_bytes=50_000)
    assert 0 < len(part) < len(whole) and part == whole[:len(part)]
    assert sum(len(d.encode("utf-8", "surrogatepass")) for d in part) <= 50_000
    assert stdlib_text.docstrings() == whole and stdlib_text.docstrings() is not stdlib_text.docstrings()


def test_corpus_characters_documents_and_size(text):
    assert set(text) <= set(stdlib_text.CHARS) and text.endswith("\n")
    docs = text.split("\n")[:-1]
    assert all(d and d == d.strip() and "  " not in d for d in docs)
    assert len(set(docs)) == len(docs)
    small = stdlib_text.corpus(10_000)
    assert 9_000 < len(small) <= 10_000 and text.startswith(small)  # whole documents, from the start


def test_corpus_with_rng_is_reproducible_and_samples_the_whole_library(text):
    a = stdlib_text.corpus(20_000, np.random.default_rng(3))
    assert a == stdlib_text.corpus(20_000, np.random.default_rng(3)) != stdlib_text.corpus(20_000, np.random.default_rng(4))
    docs = text.split("\n")
    where = sorted(docs.index(d) for d in a.split("\n")[:-1])
    assert where[-1] > len(docs) / 2  # not only the first modules, as rng=None would give


def test_fresh_process_imports_none_of_the_modules_it_reads(text):
    """Reading the docstrings imports no module: 'this' would print the Zen, 'antigravity' open a browser."""
    code = ("import sys, hashlib\n"
            "watch = ['antigravity', 'this', 'tkinter', 'turtle', 'smtplib', 'mailbox', 'wave', 'xmlrpc.client']\n"
            "before = [m for m in watch if m in sys.modules]\n"
            "from helpers import stdlib_text\n"
            "text = stdlib_text.corpus()\n"
            "after = [m for m in watch if m in sys.modules]\n"
            "print(before, after, hashlib.sha256(text.encode()).hexdigest())\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "[]", hashlib.sha256(text.encode()).hexdigest()]  # and the same text


def test_char_vocab_round_trip(text):
    vocab = stdlib_text.char_vocab()
    assert len(vocab) == 96 and vocab.itos[0] == "\n"
    ids = vocab.encode(list(text[:5000]))
    assert "".join(vocab.decode(ids)) == text[:5000]


# ----------------------------------------------------------------------------
# Split by document
# ----------------------------------------------------------------------------


def test_split_by_document(text):
    train, valid = stdlib_text.train_valid_split(text, 0.1)
    docs, tr, va = text.split("\n")[:-1], train.split("\n")[:-1], valid.split("\n")[:-1]
    assert len(tr) + len(va) == len(docs) and sorted(tr + va) == sorted(docs)  # no document cut or lost
    assert set(tr).isdisjoint(va)
    assert abs(len(va) / len(docs) - 0.1) < 0.001
    kept = iter(docs)
    assert all(d in kept for d in va) and all(d in iter(docs) for d in tr[:5])  # order kept
    assert va[0] == docs[9] and va[1] == docs[19]  # every 10th document


def test_split_of_a_list_returns_lists():
    train, valid = stdlib_text.train_valid_split(["a", "b", "c", "d"], 0.5)
    assert train == ["a", "c"] and valid == ["b", "d"]


def test_sentences_are_token_lists(text):
    sents = stdlib_text.sentences(["Return the sum. It is an int! ok", "x"], min_words=1)
    assert sents == [["return", "the", "sum"], ["it", "is", "an", "int"], ["ok"], ["x"]]
    assert stdlib_text.sentences(["Return the sum. It is an int! ok"], min_words=2, max_words=3) == [["return", "the", "sum"]]


# ----------------------------------------------------------------------------
# Batches: sequential streams vs random windows
# ----------------------------------------------------------------------------


def test_sequential_batches_continue_each_stream():
    ids = np.arange(1000) * 7 % 97
    N, T = 4, 10
    batches = list(stdlib_text.sequential_batches(ids, N, T))
    steps = (len(ids) - 1) // N
    assert len(batches) == steps // T
    for k, (x, y) in enumerate(batches):
        assert x.shape == y.shape == (N, T)
        for n in range(N):
            start = n * steps + k * T  # stream n is the n-th piece of the text; batch k its k-th window
            np.testing.assert_array_equal(x[n], ids[start:start + T])
            np.testing.assert_array_equal(y[n], ids[start + 1:start + T + 1])
    for (x0, y0), (x1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x1[:, 0], y0[:, -1])  # batch k + 1 row n starts where batch k row n ended
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, data.lm_batches(ids, N, T)))


def _start(ids, row):
    starts = [s for s in range(len(ids) - len(row) + 1) if np.array_equal(ids[s:s + len(row)], row)]
    assert starts, "every window must be a piece of the text"
    return starts[0]


def test_random_windows_lie_in_the_text_and_are_reproducible():
    ids = np.arange(50)  # distinct ids: a window's content gives its start
    N, T = 8, 5
    a = list(stdlib_text.random_windows(ids, N, T, np.random.default_rng(0), batches=200))
    b = list(stdlib_text.random_windows(ids, N, T, np.random.default_rng(0), batches=200))
    c = list(stdlib_text.random_windows(ids, N, T, np.random.default_rng(1), batches=200))
    assert all(np.array_equal(p[0], q[0]) and np.array_equal(p[1], q[1]) for p, q in zip(a, b))
    assert any(not np.array_equal(p[0], q[0]) for p, q in zip(a, c))
    starts = set()
    for x, y in a:
        assert x.shape == y.shape == (N, T)
        for n in range(N):
            s = _start(ids, x[n])
            np.testing.assert_array_equal(y[n], ids[s + 1:s + T + 1])
            starts.add(s)
    assert starts == set(range(len(ids) - T))  # every start, the last one (its y ends on the last id) included
    assert len(list(stdlib_text.random_windows(ids, N, T, np.random.default_rng(0)))) == \
        len(list(stdlib_text.sequential_batches(ids, N, T)))


# ----------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: list(stdlib_text.sequential_batches(np.arange(10), 2, 5)), ValueError, "too few for N = 2"),
    (lambda: list(stdlib_text.sequential_batches(np.arange(12).reshape(3, 4), 1, 2)), ValueError, "1-D array"),
    (lambda: list(stdlib_text.sequential_batches(np.linspace(0, 1, 50), 1, 2)), ValueError, "integer ids"),
    (lambda: list(stdlib_text.sequential_batches(np.arange(50), 0, 2)), ValueError, "N must be >= 1"),
    (lambda: list(stdlib_text.random_windows(np.arange(50), 2, 0, np.random.default_rng(0))), ValueError, "T must be >= 1"),
    (lambda: list(stdlib_text.random_windows(np.arange(50), 2, 3, 0)), TypeError, "np.random.Generator"),
    (lambda: list(stdlib_text.random_windows(np.arange(50), 2, 3, np.random.default_rng(0), batches=0)),
     ValueError, "batches must be >= 1"),
    (lambda: stdlib_text.train_valid_split("a\nb\n", 0), ValueError, "frac must be > 0"),
    (lambda: stdlib_text.train_valid_split("a\nb\n", 1.0), ValueError, "frac must be < 1"),
    (lambda: stdlib_text.train_valid_split("a\n", 0.5), ValueError, "too few"),
    (lambda: stdlib_text.train_valid_split(42, 0.5), TypeError, "text must be a str"),
    (lambda: stdlib_text.corpus(0), ValueError, "n_chars must be >= 1"),
    (lambda: stdlib_text.corpus(3), ValueError, "shorter than the first document"),
    (lambda: stdlib_text.corpus(100, rng=5), TypeError, "rng must be a np.random.Generator"),
    (lambda: stdlib_text.docstrings(limit_bytes=-1), ValueError, "limit_bytes must be >= 1"),
    (lambda: stdlib_text.docstrings(root="/no/such/folder"), ValueError, "root must be a folder"),
    (lambda: stdlib_text.clean(b"bytes"), TypeError, "doc must be a str"),
    (lambda: stdlib_text.sentences(["a b"], max_words=0), ValueError, "max_words must be >= 2"),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()
