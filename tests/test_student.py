"""The student edition (`make student`): no solutions, everything else intact, and it runs.

The edition is generated into a temp folder. Static checks: every solution
cell is gone and none of its code leaked into another cell; exercise, check,
navigation and contents cells are all still there. Execution: each student
notebook runs top to bottom in a fresh kernel (cwd notebooks/, as the full
edition); only the learner's exercise cells may raise (in this course the
starter code only defines functions, so in practice nothing raises).
"""
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
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


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_solution_leaks_and_the_rest_is_intact(path, student):
    full = nbformat.read(path, as_version=4)
    mine = nbformat.read(student / path.name, as_version=4)
    others = [c for c in full.cells if "solution" not in c.metadata.get("tags", [])]
    assert not tagged(mine, "solution"), f"{path.name}: a solution-tagged cell is still there"
    assert [c.source for c in mine.cells] == [c.source for c in others], \
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
