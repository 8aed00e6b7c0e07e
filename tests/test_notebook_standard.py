"""Every notebook follows the course skeleton (COURSE.md, tools/AUTHORING.md).

These read the committed .ipynb files; whether their outputs are what a fresh
run produces is nbval's job (the same `make test` run).
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXPECTED = [f"{k:02d}" for k in range(10)]  # 00 start here ... 09 from numpy to PyTorch


def load(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return cell.metadata.get("tags", [])


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_every_notebook_of_the_course_exists():
    assert [p.name[:2] for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_skeleton(path):
    nb = load(path)
    md = markdown(nb)
    assert re.search(r"^# \S", md, re.M), "no H1 title"
    for heading in ("Setup", "Summary", "Questions", "Further reading"):
        assert re.search(rf"^## .*{heading}", md, re.M), f"missing section '## {heading}'"
    for part in ("What you'll do", "What you'll learn", "What you need"):
        assert part in md, f"missing '{part}'"
    assert "nav" in tags(nb.cells[0]) and "nav" in tags(nb.cells[-1]), "navigation cells missing (make notebooks)"
    numbered = re.findall(r"^## \d+\. .*$", md, re.M)
    assert numbered, "no numbered sections"
    for h in numbered:
        assert re.search(r"\(~\s*\d+\s*min\)", h), f"section without a time estimate: {h!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_check_and_hidden_solution(path):
    nb = load(path)
    cells = nb.cells
    exercises = [c for c in cells if "exercise" in tags(c)]
    assert len(exercises) >= 3, f"{len(exercises)} exercise cells; the standard asks for at least 3"
    checks = [c for c in cells if "check" in tags(c)]
    solutions = [c for c in cells if "solution" in tags(c)]
    assert len(checks) >= len(exercises) and len(solutions) >= len(exercises)
    for c in solutions:
        assert c.metadata.get("jupyter", {}).get("source_hidden") is True, "solution cell is not collapsed"
        assert c.metadata.get("jupyter", {}).get("outputs_hidden") is True, \
            "solution cell shows its output (often the answer): run make notebooks, which hides it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_clean(path):
    nb = load(path)
    assert "widgets" not in nb.metadata, "saved widget state: run make notebooks (it strips it)"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("execution_count") is not None or not cell.source.strip(), "cell never executed"
        for out in cell.outputs:
            assert out.output_type != "error", f"stored error output in cell:\n{cell.source[:200]}"
            if out.output_type == "stream" and out.name == "stderr":
                assert not re.search(r"Warning|Traceback", out.text), f"a warning reached the learner:\n{out.text[:300]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_widget_timing_and_progress_cells_ignore_output(path):
    nb = load(path)
    allowed = re.compile(r"Experiment|widgets\.|interact|tqdm|perf_counter|timeit|time\.|torch", re.I)
    for cell in nb.cells:
        if "nbval-ignore-output" in tags(cell) or "nbval-skip" in tags(cell):
            assert allowed.search(cell.source), f"output ignored on a cell that is not a widget/timing/progress cell:\n{cell.source[:300]}"
        assert "nbval-skip" not in tags(cell), "nbval-skip hides a cell from validation entirely"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_each_notebook_from_01_has_an_experiment_with_a_question(path):
    nb = load(path)
    idx = [k for k, c in enumerate(nb.cells) if c.cell_type == "code" and "Experiment(" in c.source]
    assert idx, "no widgets.Experiment in this notebook"
    before = "\n".join(c.source for c in nb.cells[max(0, idx[0] - 3):idx[0]] if c.cell_type == "markdown")
    assert "?" in before, "no prediction question just before the first experiment"


def test_navigation_and_contents_are_current():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_notebooks.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


WIDGET_CELL_LINES = 20  # "about 15 lines", like an ipywidgets.interact call and its controls


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_widget_cells_are_thin(path):
    """A widget cell reads in seconds: controls and one tested drawing function from the topic's module.
    Figure plumbing (setup, set_data, limits, blitting parts) lives in helpers, where it is tested."""
    for cell in load(path).cells:
        if cell.cell_type != "code" or "Experiment(" not in cell.source:
            continue
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) <= WIDGET_CELL_LINES, (f"a widget cell of {len(lines)} lines (at most {WIDGET_CELL_LINES}): "
                                                 f"move its drawing into the topic's helpers module:\n{cell.source[:300]}")
        assert not re.search(r"^\s*def (setup|draw)\w*\(", cell.source, re.M), \
            "the widget cell defines its own setup/draw: they belong in the topic's helpers module, with a test"
