"""The student edition (`make student`): no solutions, no promise of one, ready for nbgrader, and it runs.

The edition is generated into a temp folder. Static checks: every solution
cell is gone and none of its code leaked into another cell; no sentence
promises a solution; exercise, check, navigation and contents cells are all
still there, and apart from the promises and nbgrader's markers every cell
reads as in the full edition; the check cells carry nbgrader's metadata and
hidden test, the starters its solution markers. The teacher's guide is a
notebook of its own, left out of the edition. The course's reference
functions are not public, and a check refuses them. Execution: each student
notebook runs top to bottom in a fresh kernel (cwd notebooks/, as the full
edition); only the learner's exercise cells may raise (in this course the
starter code only defines functions, so in practice nothing raises).
tests/test_grade.py grades a sample class with the edition, with `make grade`
and with nbgrader.
"""
import importlib
import re
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import layers, progress
from helpers.exercises import core

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

PATHS = make_student.notebooks(NOTEBOOKS)
IDS = [p.name[:2] for p in PATHS]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    make_student.write_student(out, NOTEBOOKS)
    return out


def tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def all_text(cells):
    """Sources and text outputs of the cells, as one string."""
    parts = []
    for cell in cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            for mime in ("text/plain", "text/html", "text/markdown"):
                value = out.get("data", {}).get(mime, "")
                parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def leaks(full, mine):
    """Solution code lines (>= 12 chars, found nowhere else in the full notebook) present in `mine`."""
    solutions = tagged(full, "solution")
    elsewhere = all_text([c for c in full.cells if "solution" not in c.metadata.get("tags", [])])
    distinctive = {ln.strip() for c in solutions for ln in c.source.splitlines()
                   if len(ln.strip()) >= 12 and not ln.strip().startswith("#") and ln.strip() not in elsewhere}
    text = all_text(mine.cells)
    return sorted(ln for ln in distinctive if ln in text)


def test_leak_check_catches_a_leak():
    full = nbformat.v4.new_notebook()
    ex = nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError")
    ex.metadata["tags"] = ["exercise"]
    sol = nbformat.v4.new_code_cell("def f_solution(x):\n    return x @ Wx + h_prev @ Wh")
    sol.metadata["tags"] = ["solution"]
    full.cells = [ex, sol]
    clean = make_student.student_version(full)
    assert leaks(full, clean) == []
    leaky = make_student.student_version(full)
    leaky.cells[0].outputs = [nbformat.v4.new_output("stream", text="return x @ Wx + h_prev @ Wh\n")]
    assert leaks(full, leaky) == ["return x @ Wx + h_prev @ Wh"]


def test_there_are_notebooks():
    assert PATHS, f"no notebooks NN-*.ipynb in {NOTEBOOKS}"


def test_rejects_writing_over_the_notebooks():
    with pytest.raises(ValueError, match="out must differ"):
        make_student.write_student(NOTEBOOKS, NOTEBOOKS)


def test_writes_one_student_notebook_per_notebook(student):
    assert sorted(p.name for p in make_student.notebooks(student)) == [p.name for p in PATHS]
    assert (student / "README.md").exists()


def test_student_version_drops_solution_cells_only():
    nb = nbformat.v4.new_notebook()
    keep = [nbformat.v4.new_markdown_cell("# Do it"), nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError")]
    keep[1].metadata["tags"] = ["exercise"]
    sol = nbformat.v4.new_code_cell("def f_solution(x):\n    return 2 * x")
    sol.metadata["tags"] = ["solution"]
    nb.cells = keep[:1] + [sol] + keep[1:]
    out = make_student.student_version(nb)
    assert [c.source for c in out.cells] == [c.source for c in keep]
    assert len(nb.cells) == 3, "the input notebook must not be modified"


def as_the_learner_reads_it(cell):
    """A student-edition cell's source without nbgrader's markers (what the full edition should hold)."""
    return make_student.learner_source(cell.source) if cell.cell_type == "code" else cell.source


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_solution_leaks_and_the_rest_is_intact(path, student):
    full = nbformat.read(path, as_version=4)
    mine = nbformat.read(student / path.name, as_version=4)
    others = [c for c in full.cells if not set(make_student.DROPPED_TAGS) & set(c.metadata.get("tags", []))]
    assert not tagged(mine, "solution") and not tagged(mine, "full-edition"), f"{path.name}: a dropped cell is still there"
    expected = [make_student.without_promises(c.source) if c.cell_type == "markdown" else c.source for c in others]
    assert [as_the_learner_reads_it(c) for c in mine.cells] == expected, \
        f"{path.name}: cells other than solutions were changed, dropped or reordered"
    for tag in ("exercise", "check", "nav", "contents"):
        assert len(tagged(mine, tag)) == len(tagged(full, tag)), f"{path.name}: {tag} cells lost"
    leaked = leaks(full, mine)
    assert not leaked, f"{path.name}: solution code leaked into the student edition: {leaked[:3]}"


def run_problems(nb):
    """Execute nb (cwd notebooks/); return the errors raised outside exercise cells."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    problems = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {k} ({cell.source.splitlines()[0][:60]!r}): {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and re.search(r"Traceback|Warning", out.text):
                problems.append(f"cell {k}: stderr: {out.text.strip()[:200]}")
    return problems


def test_run_check_catches_a_cell_that_needs_a_solution():
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError\nf(1)"),
             nbformat.v4.new_code_cell("y = f_solution(2)"),
             nbformat.v4.new_code_cell("z = f_solution(3)")]
    cells[0].metadata["tags"] = ["exercise"]
    cells[1].metadata["tags"] = ["solution"]
    nb.cells = cells
    problems = run_problems(make_student.student_version(nb))
    assert len(problems) == 1 and "NameError" in problems[0] and "f_solution" in problems[0], problems


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_student_notebook_runs(path, student):
    problems = run_problems(nbformat.read(student / path.name, as_version=4))
    assert not problems, f"student edition of {path.name} does not run clean:\n" + "\n".join(problems)


# ----------------------------------------------------------------- promises of a solution


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_edition_promises_no_solution(path, student):
    mine = nbformat.read(student / path.name, as_version=4)
    text = "\n".join(c.source for c in mine.cells if c.cell_type == "markdown")
    assert not make_student.promises(text), make_student.promises(text)
    for word in ("hidden reference solution", "collapsed cells", "solution cell", "Teacher's guide"):
        assert word.lower() not in text.lower(), f"{path.name} still says {word!r}"


REWRITES = [  # the course's own phrasings, and what the student edition says instead
    ("Each exercise has a starter cell (replace the `raise` line), a check cell that tells you what is right or "
     "wrong, and a hidden reference solution below it (click to reveal it, after trying). The checks try your "
     "function on small random inputs.",
     "Each exercise has a starter cell (replace the `raise` line) and a check cell that tells you what is right "
     "or wrong. The checks try your function on small random inputs."),
    ("Each exercise has a starter cell, a check cell and a hidden reference solution (click to expand) for after "
     "you have tried. Try them without scrolling back to section 2.",
     "Each exercise has a starter cell and a check cell. Try them without scrolling back to section 2."),
    ("Each exercise has a check that runs your code on small cases and says what is right and what is wrong. "
     "The reference solutions are in the collapsed cells after each check; try first.",
     "Each exercise has a check that runs your code on small cases and says what is right and what is wrong."),
    ("Each check runs your function on small cases and says what is right and what is wrong; the reference "
     "solutions are in the collapsed cells after the checks.",
     "Each check runs your function on small cases and says what is right and what is wrong."),
    ("- **Exercises** come near the end; the reference solution is hidden under each one.",
     "- **Exercises** come near the end."),
    ("No promise here: Saxe et al., \"Exact solutions to the nonlinear dynamics of learning\".",
     "No promise here: Saxe et al., \"Exact solutions to the nonlinear dynamics of learning\"."),
]


@pytest.mark.parametrize("before,after", REWRITES)
def test_promises_are_rewritten(before, after):
    assert make_student.without_promises(before) == after
    assert not make_student.promises(after)


def test_a_promise_left_over_stops_make_student(monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Open the hidden reference solution when stuck.")]
    assert make_student.student_version(nb).cells[0].source == ""
    monkeypatch.setattr(make_student, "without_promises", lambda text: text)
    with pytest.raises(ValueError, match="still promise a solution.*hidden reference solution"):
        make_student.student_version(nb, "99-x.ipynb")


def test_full_edition_cells_are_dropped():
    nb = nbformat.v4.new_notebook()
    keep, only = nbformat.v4.new_markdown_cell("Both editions."), nbformat.v4.new_markdown_cell("Solutions below.")
    only.metadata["tags"] = ["full-edition"]
    nb.cells = [keep, only]
    assert [c.source for c in make_student.student_version(nb).cells] == ["Both editions."]


# ----------------------------------------------------------------- nbgrader metadata


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_exercises_carry_nbgrader_metadata(path, student):
    full = nbformat.read(path, as_version=4)
    mine = nbformat.read(student / path.name, as_version=4)
    exercises = progress.exercises(mine)
    assert len(exercises) == len(tagged(full, "check")) >= 3
    ids = []
    for ex in exercises:
        check = mine.cells[ex["check"]]
        meta = check.metadata["nbgrader"]
        assert meta == {"grade": True, "grade_id": ex["name"], "locked": True, "points": 1,
                        "schema_version": 3, "solution": False, "task": False}
        assert make_student.BEGIN_HIDDEN in check.source and make_student.END_HIDDEN in check.source
        assert check.source.splitlines()[-2].startswith(make_student.learner_source(check.source) + ".graded()")
        ids.append(meta["grade_id"])
        answer = mine.cells[ex["answer"]]
        if "YOUR CODE HERE" in answer.source:
            assert answer.metadata["nbgrader"] == {"grade": False, "grade_id": f"{ex['name']}-answer", "locked": False,
                                                   "schema_version": 3, "solution": True, "task": False}
            region = answer.source.split(make_student.BEGIN_SOLUTION)[1].split(make_student.END_SOLUTION)[0]
            assert "YOUR CODE HERE" in region and "raise NotImplementedError" in region
        else:  # answer = ... starters: nbgrader would replace the whole cell by its stub
            assert "nbgrader" not in answer.metadata
        ids += [answer.metadata.get("nbgrader", {}).get("grade_id")]
    ids = [i for i in ids if i]
    assert len(ids) == len(set(ids)), "grade ids must be unique in a notebook"
    others = [c for c in mine.cells if "nbgrader" in c.metadata and c not in
              [mine.cells[e["check"]] for e in exercises] + [mine.cells[e["answer"]] for e in exercises]]
    assert not others


def test_hidden_test_needs_a_check_call():
    assert make_student.hidden_test("nb03.check_rnn_step(rnn_step)").splitlines()[2].startswith(
        "nb03.check_rnn_step(rnn_step).graded()")
    assert make_student.hidden_test("r = 1\nr + 1").splitlines()[-2].startswith("(r + 1).graded()")
    for bad, message in [("x = nb03.check_rnn_step(f)", "must end with the check call"), ("nb03.check(", "not valid Python")]:
        with pytest.raises(ValueError, match=message):
            make_student.hidden_test(bad)


def test_solution_region_and_learner_source_round_trip():
    starter = "def f(x):\n    # shapes\n    # YOUR CODE HERE (one line)\n    raise NotImplementedError"
    region = make_student.solution_region(starter)
    assert region.splitlines()[2:6] == ["    ### BEGIN SOLUTION", "    # YOUR CODE HERE (one line)",
                                        "    raise NotImplementedError", "    ### END SOLUTION"]
    assert make_student.learner_source(region) == starter
    assert make_student.solution_region("answer = ...  # YOUR ANSWER HERE") is None
    assert make_student.learner_source(make_student.hidden_test("check(f)")) == "check(f)"


def test_graded_raises_only_under_nbgrader(monkeypatch, capsys):
    ok, wrong, todo = core.passed("fine"), core.failed("dW is transposed"), core.Result(False, "start", status="todo")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert ok.graded() is ok and wrong.graded() is wrong and todo.graded() is todo
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert ok.graded() is None and capsys.readouterr().out.strip() == "✅ fine"
    with pytest.raises(AssertionError, match="❌ Not yet: dW is transposed"):
        wrong.graded()
    with pytest.raises(AssertionError, match="Not attempted yet"):
        todo.graded()


# ----------------------------------------------------------------- the teacher's guide


def test_the_guide_is_a_teachers_notebook_outside_the_edition(student):
    guide = nbformat.read(make_student.GUIDE, as_version=4)
    text = "\n".join(c.source for c in guide.cells if c.cell_type == "markdown")
    assert text.startswith("# Teacher's guide") and "For teachers only" in text
    for part in ("lesson plan", "make grade", "nbgrader generate_assignment", "nbgrader autograde", "progress"):
        assert part in text, f"the guide does not mention {part!r}"
    plan = [c for c in guide.cells if c.cell_type == "code" and "PLAN = [" in c.source]
    assert len(plan) == 1 and plan[0].metadata["jupyter"]["source_hidden"] is True
    table = plan[0].outputs[0]["data"]["text/markdown"]
    assert "| lesson | in class |" in table and "15 lessons" in table
    assert not (student / make_student.GUIDE.name).exists()
    start = nbformat.read(NOTEBOOKS / "00-start-here.ipynb", as_version=4)
    assert not any("Teacher's guide" in c.source or "PLAN = [" in c.source for c in start.cells), \
        "notebook 00 still holds the teacher's guide"


# ----------------------------------------------------------------- the course's reference functions


def exercise_modules():
    return [importlib.import_module(f"helpers.exercises.{p.stem}")
            for p in sorted((ROOT / "helpers" / "exercises").glob("nb0*.py"))]


def test_no_public_reference_functions():
    """What a learner finds by tab completion or help(nb01) must not be a solution."""
    public = [f"{m.__name__}.{name}" for m in exercise_modules() for name in dir(m)
              if not name.startswith("_") and re.search(r"(_reference|_ref|_solution)$", name)]
    assert not public, f"public reference functions (rename them to _<name>): {public}"


def test_checks_refuse_the_courses_own_functions():
    from helpers.exercises import nb00, nb01, nb03

    cases = [
        (nb01.check_affine_backward, nb01._affine_backward_reference),
        (nb01.check_tanh_backward, nb01._tanh_backward_reference),
        (nb00.check_one_hot, nb00._one_hot_reference),
        (nb00.check_softmax, layers.softmax),
        (nb03.check_rnn_forward, nb03._forward_ref),
    ]
    for check, own in cases:
        result = check(own)
        assert not result.ok and "course's own functions" in result.message, (check.__name__, result)
        assert not check(__import__("functools").partial(own)).ok


def test_course_function_sees_through_wrappers_and_never_raises():
    import functools

    assert core.course_function(layers.softmax) == "helpers.layers.softmax"
    assert core.course_function(functools.partial(layers.softmax, axis=1)) == "helpers.layers.softmax"
    assert core.course_function(functools.wraps(layers.softmax)(lambda s: s)) == "helpers.layers.softmax"
    for mine in (lambda s: s, len, 3, None, object()):
        assert core.course_function(mine) is None

    class Hostile:
        def __getattribute__(self, name):
            raise RuntimeError("no")

    assert core.course_function(Hostile()) is None
