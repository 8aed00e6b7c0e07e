"""What the exercise tests (tests/test_exercises_nb0*.py) share.

The starter a learner finds, answers no check may choke on (the odd-return
tables each file extends with its own), the tests every check and every
mistake catalogue gets (``every_check``, ``catalogue``: classes a test file
collects in one line), and the runners of a notebook's exercise, check and
solution cells. Imported by name: pytest puts tests/ on sys.path, as it does
for tests/reference.py.
"""
import ast
import json

import nbformat
import numpy as np
import pytest

from helpers.exercises.core import Result
from helpers.layers import sigmoid


def todo(*args):
    """An exercise's starter as the learner finds it: not attempted yet."""
    raise NotImplementedError


class Hostile:
    """An answer on which every operation a check might try raises."""

    def _boom(self, *args, **kwargs):
        raise RuntimeError("hostile object")

    __array__ = __iter__ = __len__ = __float__ = __int__ = __index__ = __getitem__ = _boom
    __eq__ = __lt__ = __bool__ = __hash__ = _boom


class Unreadable:
    """An answer that cannot be read as an array or as a number."""

    def __array__(self, *a, **k):
        raise RuntimeError("no array here")

    def __float__(self):
        raise RuntimeError("no number here")


def raising(error, message):
    """A learner's function that fails inside with ``error(message)``, as a slip in its indexing would."""
    def attempt(*args):
        raise error(message)
    return attempt


# Odd returns every check of notebooks 00-03 must answer with ❌ and a message, never an exception
# (as (name, answer) pairs: each file adds its own).
COMMON_ODD_RETURNS = [
    ("None", lambda *a: None),
    ("exception inside", lambda *a: 1 / 0),
    ("NaN", lambda *a: np.nan),
    ("NaN array", lambda *a: np.full((2, 2), np.nan)),
    ("hostile object", lambda *a: Hostile()),
]

# The same for notebooks 04-09 (as a dict name -> answer: each file adds its own).
COMMON_ODD = {
    "None passed": None,
    "returns None": lambda *a: None,
    "returns list of 2": lambda *a: [1, 2],
    "returns NaN": lambda *a: np.nan,
    "returns unreadable": lambda *a: Unreadable(),
    "divides by zero": lambda *a: 1 / 0,
}

# COMMON_ODD and what else a learner's function of arrays may return or be, for notebooks 04-09:
# ``{**ARRAY_ODD, **odd_tuples(n), ...}`` with n the length of the tuples its checks expect.
ARRAY_ODD = {
    **COMMON_ODD,
    "not a function": 42,
    "a float, not a function": 3.0,
    "returns str": lambda *a: "text",
    "returns dict": lambda *a: {"h": 1},
    "returns inf": lambda *a: np.inf,
    "returns NaN array": lambda *a: np.full((3, 5), np.nan),
    "returns an array of 3": lambda *a: np.ones(3),
    "returns tuple of tiny arrays": lambda *a: (np.zeros(2), np.zeros(2)),
    "raises inside": raising(IndexError, "index 7 is out of bounds"),
}


def odd_tuples(n):
    """Odd returns of the length ``n`` a check expects (name -> answer), holding nothing it can use."""
    return {
        f"returns {n} Nones": lambda *a: (None,) * n,
        f"returns {n} strs": lambda *a: ("x",) * n,
        f"returns {n} NaNs": lambda *a: (np.nan,) * n,
        f"returns {n} NaN arrays": lambda *a: (np.full((3, 5), np.nan),) * n,
        f"returns {n} unreadables": lambda *a: (Unreadable(),) * n,
        f"returns generator of {n}": lambda *a: (i for i in range(n)),
    }


def every_check(checks, odd, own=sigmoid):
    """The tests every check in ``checks`` must pass whatever it is given, as a class for a test file
    to collect: ``TestEveryCheck = every_check(CHECKS, ODD)``.

    Each odd answer of the dict ``odd`` gets ❌ with a message; the starter (``todo``) gets "Not attempted";
    a value instead of a function is told to pass the function; ``own``, one of the course's functions,
    is refused as not the learner's work.
    """
    by_check = pytest.mark.parametrize("check", checks, ids=[c.__name__ for c in checks])

    class TestEveryCheck:
        @by_check
        @pytest.mark.parametrize("answer", list(odd.values()), ids=list(odd))
        def test_odd_returns_never_raise(self, check, answer):
            r = check(answer)
            assert isinstance(r, Result) and not r.ok and isinstance(r.message, str) and r.message, r

        @by_check
        def test_unattempted(self, check):
            r = check(todo)
            assert isinstance(r, Result) and not r.ok and r.status == "todo" and "Not attempted" in repr(r), r

        @by_check
        def test_a_value_instead_of_a_function(self, check):
            r = check(3)
            assert not r.ok and "without calling it" in r.message, r

        @by_check
        def test_the_course_own_functions_are_refused(self, check):
            r = check(own)
            assert not r.ok and "course's own" in r.message, r

    return TestEveryCheck


def catalogue(exercises):
    """The tests of a notebook's catalogues, as a class for a test file to collect:
    ``TestCatalogue = catalogue([(check, WRONG, RIGHT), ...])``, one row per exercise.

    WRONG: (name, answer, word) rows, each answer must get ❌ with ``word`` in its hint;
    RIGHT: (name, answer) rows, each answer (a right one written differently) must get ✅.
    """
    wrong = [(check, *row) for check, rows, _ in exercises for row in rows]
    right = [(check, *row) for check, _, rows in exercises for row in rows]

    class TestCatalogue:
        @pytest.mark.parametrize("check, name, wrong, word", wrong, ids=[f"{c.__name__}: {n}" for c, n, *_ in wrong])
        def test_mistakes_are_named(self, check, name, wrong, word):
            r = check(wrong)
            assert not r.ok and word in r.message, r.message

        @pytest.mark.parametrize("check, name, right", right, ids=[f"{c.__name__}: {n}" for c, n, _ in right])
        def test_right_variants_pass(self, check, name, right):
            r = check(right)
            assert r.ok, r.message

    return TestCatalogue


def assert_every_check_is_wrapped(module):
    """Every check_* of an exercise module is wrapped (has __wrapped__), so it answers ❌ instead of raising."""
    checks = [name for name in dir(module) if name.startswith("check_")]
    unwrapped = [name for name in checks if not hasattr(getattr(module, name), "__wrapped__")]
    assert checks and not unwrapped, f"{module.__name__}: no checks, or unwrapped: {unwrapped}"


def solution_results(path, namespace):
    """Run each solution cell of the notebook at ``path``; yield (cell source, value of its last line)."""
    for cell in nbformat.read(path, as_version=4).cells:
        if "solution" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            last = tree.body.pop()
            assert isinstance(last, ast.Expr), "a solution cell ends with its check"
            exec(compile(tree, str(path), "exec"), namespace)
            yield cell.source, eval(compile(ast.Expression(last.value), str(path), "eval"), namespace)


def notebook_cells(path, tag):
    """The sources of the cells tagged ``tag`` in the notebook at ``path``, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if tag in c.get("metadata", {}).get("tags", [])]


def exercises_with_checks(path):
    """[(exercise cell source, check cell source)] of the notebook at ``path``, in order."""
    return list(zip(notebook_cells(path, "exercise"), notebook_cells(path, "check")))


def run_cell(source, ns):
    """Run a cell as Jupyter does; return the value of its last line when that is an expression."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), ns)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns) if last else None


def assert_solution_passes(source, ns):
    """Run a solution cell in ``ns``: its last line, the check, must give ✅."""
    r = run_cell(source, ns)
    assert isinstance(r, Result) and r.ok, (source[:60], r)


def assert_starter_not_yet_right(exercise, check, ns):
    """Run an exercise's starter cell, then its check cell, in ``ns``: the check must say "not attempted"."""
    run_cell(exercise, ns)
    r = run_cell(check, ns)
    assert isinstance(r, Result) and not r.ok and r.status == "todo", (check, r)


def notebook_exercises(path, namespace):
    """The notebook's own exercise cells, as a class for a test file to collect:
    ``TestNotebookExercises = notebook_exercises(NOTEBOOK, namespace)``.

    Every solution cell passes its check, and every starter is not yet right, each run in a fresh
    ``namespace()`` (a function returning the names the notebook's Setup cell gives).
    """
    class TestNotebookExercises:
        @pytest.mark.parametrize("source", notebook_cells(path, "solution"))
        def test_notebook_solutions_pass_their_checks(self, source):
            assert_solution_passes(source, namespace())

        @pytest.mark.parametrize("exercise, check", exercises_with_checks(path))
        def test_notebook_starters_are_not_yet_right(self, exercise, check):
            assert_starter_not_yet_right(exercise, check, namespace())

    return TestNotebookExercises
