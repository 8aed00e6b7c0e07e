"""What the exercise tests (tests/test_exercises_nb0*.py) share.

The starter a learner finds, answers no check may choke on (the odd-return
tables each file extends with its own), and the runners of a notebook's
exercise, check and solution cells. Imported by name: pytest puts tests/ on
sys.path, as it does for tests/reference.py.
"""
import ast
import json

import nbformat
import numpy as np

from helpers.exercises.core import Result


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

# The same for notebooks 04-07 (as a dict name -> answer: each file adds its own).
COMMON_ODD = {
    "None passed": None,
    "returns None": lambda *a: None,
    "returns list of 2": lambda *a: [1, 2],
    "returns NaN": lambda *a: np.nan,
    "returns unreadable": lambda *a: Unreadable(),
    "divides by zero": lambda *a: 1 / 0,
}


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
