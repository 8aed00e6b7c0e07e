"""Self-study progress (helpers/progress.py): which exercises a learner has passed, from the saved notebooks.

Readers first (a check cell's stored line, a notebook's exercises), then the
table over a folder, bad input, notebook 00's progress cell, and a learner's
session end to end: a student-edition notebook run with right answers and
saved shows ✅ in the table, without any server.
"""
import json
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.display import Markdown

from helpers import progress

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def result(text, kind="execute_result"):
    if kind == "stream":
        return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")
    return nbformat.v4.new_output(kind, data={"text/plain": text}, **({"execution_count": 1} if kind == "execute_result" else {}))


def check_cell(*outputs, source="nb03.check_rnn_step(rnn_step)"):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["check"]
    cell.outputs = list(outputs)
    return cell


@pytest.mark.parametrize("outputs,status,message", [
    ([result("✅ rnn_step computes h_next")], "passed", "rnn_step computes h_next"),
    ([result("❌ Not yet: h_next ignores h_prev")], "failed", "h_next ignores h_prev"),
    ([result("✏️ Not attempted yet: `rnn_step` still raises NotImplementedError")], "todo",
     "`rnn_step` still raises NotImplementedError"),
    ([result("✅ fine", kind="stream")], "passed", "fine"),  # what .graded() prints under nbgrader
    ([result("✅ fine", kind="display_data")], "passed", "fine"),
    ([nbformat.v4.new_output("error", ename="NameError", evalue="name 'rnn_step' is not defined", traceback=[])],
     "error", "NameError: name 'rnn_step' is not defined"),
    ([], "not run", ""),
    ([result("42")], "not run", ""),
    ([result("❌ Not yet: first"), result("✅ then right")], "passed", "then right"),
])
def test_outcome_reads_the_stored_line(outputs, status, message):
    assert progress.outcome(check_cell(*outputs)) == (status, message)


def test_outcome_reads_list_sources_and_json_dicts():
    cell = json.loads(json.dumps(check_cell(result("✅ ok"))))
    cell["outputs"][0]["data"]["text/plain"] = ["✅ ", "ok"]
    assert progress.outcome(cell) == ("passed", "ok")


@pytest.mark.parametrize("bad", [None, "✅", 3, {"outputs": []}])
def test_outcome_rejects_what_is_not_a_cell(bad):
    with pytest.raises(TypeError, match="expected a notebook cell"):
        progress.outcome(bad)


def small_notebook(*check_outputs):
    """A notebook with one exercise per entry of check_outputs (a list of outputs each)."""
    nb = nbformat.v4.new_notebook()
    for k, outputs in enumerate(check_outputs, start=1):
        nb.cells.append(nbformat.v4.new_markdown_cell(f"### Exercise {k}: part {k}\n\nDo it."))
        ex = nbformat.v4.new_code_cell(f"def f{k}(x):\n    raise NotImplementedError")
        ex.metadata["tags"] = ["exercise"]
        nb.cells += [ex, check_cell(*outputs, source=f"nb99.check_f{k}(f{k})")]
    return nb


def test_exercises_names_titles_and_cells():
    nb = small_notebook([], [])
    nb.cells.append(check_cell(source="nb99.check_f1(f1_again)"))  # the same check twice: a unique name
    nb.cells.append(check_cell(source="print('no check call')"))
    exs = progress.exercises(nb)
    assert [e["name"] for e in exs] == ["f1", "f2", "f1-2", "check4"]
    assert [e["title"] for e in exs] == ["Exercise 1: part 1", "Exercise 2: part 2", "f1-2", "check4"]
    assert [(e["answer"], e["check"]) for e in exs] == [(1, 2), (4, 5), (None, 6), (None, 7)]


def test_exercises_of_the_course_are_named_after_their_checks():
    nb = nbformat.read(NOTEBOOKS / "03-recurrent-networks.ipynb", as_version=4)
    exs = progress.exercises(nb)
    assert [e["name"] for e in exs] == ["rnn_step", "rnn_forward", "output_shapes", "count_params", "text_batches"]
    assert exs[0]["title"].startswith("Exercise 1") and all(e["answer"] is not None for e in exs)


@pytest.mark.parametrize("bad", [None, [], {"cells": "x"}, {"cells": [3]}])
def test_exercises_rejects_what_is_not_a_notebook(bad):
    with pytest.raises(TypeError):
        progress.exercises(bad)


def write(folder, name, nb):
    path = folder / name
    path.write_text(nbformat.writes(nb) if not isinstance(nb, str) else nb, encoding="utf-8")
    return path


def test_summary_and_table_over_a_folder(tmp_path):
    write(tmp_path, "00-a.ipynb", small_notebook([result("✅ yes")], [result("❌ Not yet: no")]))
    write(tmp_path, "01-b.ipynb", small_notebook([], [result("✏️ Not attempted yet: go")]))
    write(tmp_path, "02-broken.ipynb", '{"cells": [')  # a notebook cut short
    write(tmp_path, "notes.ipynb", small_notebook([result("✅ yes")]))  # not a course notebook: ignored
    (tmp_path / "03-folder.ipynb").mkdir()  # a folder with a notebook's name: ignored
    rows = progress.summary(tmp_path)
    assert [(r["notebook"], r["exercise"], r["status"]) for r in rows] == [
        ("00-a.ipynb", "f1", "passed"), ("00-a.ipynb", "f2", "failed"),
        ("01-b.ipynb", "f1", "not run"), ("01-b.ipynb", "f2", "todo"),
        ("02-broken.ipynb", None, "error")]
    assert "not a notebook" in rows[-1]["message"]
    md = progress.table_markdown(tmp_path)
    assert md.startswith("**1 of 4 exercises passed**")
    assert "| 00-a | 1 of 2 | Exercise 1: part 1 | 2 |" in md
    assert "| 01-b | 0 of 2 |  | 1, 2 |" in md
    assert "| 02-broken | | ⚠️ could not read it" in md
    shown = progress.table(tmp_path)
    assert isinstance(shown, Markdown) and shown.data == md


def test_table_of_an_empty_folder_says_so(tmp_path):
    assert "No course notebooks" in progress.table_markdown(tmp_path)


def test_a_title_with_a_bar_does_not_break_the_table(tmp_path):
    nb = small_notebook([result("✅ yes")])
    nb.cells[0].source = "### Exercise 1: a | b"
    write(tmp_path, "00-a.ipynb", nb)
    assert "| 1 of 1 | Exercise 1: a \\| b |" in progress.table_markdown(tmp_path)


def test_bad_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        progress.summary(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        progress.table_markdown(tmp_path / "file.txt")


@pytest.mark.parametrize("content,message", [("", "not a notebook"), ("[1, 2]", "no list of cells"),
                                             ('{"cells": {}}', "no list of cells")])
def test_read_notebook_errors(tmp_path, content, message):
    with pytest.raises(ValueError, match=message):
        progress.read_notebook(write(tmp_path, "00-x.ipynb", content))
    with pytest.raises(FileNotFoundError):
        progress.read_notebook(tmp_path / "nope.ipynb")
    with pytest.raises(IsADirectoryError):
        progress.read_notebook(tmp_path)


def test_a_fresh_course_table_names_no_exercise(tmp_path):
    """Only passed exercises are named: notebook 00's stored table depends only on how many exercises there are."""
    write(tmp_path, "00-a.ipynb", small_notebook([result("❌ Not yet: no")], [result("✏️ Not attempted yet: go")], []))
    assert progress.table_markdown(tmp_path).splitlines()[-1] == "| 00-a | 0 of 3 |  | 1, 2, 3 |"


def test_notebook_00_shows_the_table_of_the_saved_notebooks():
    nb = nbformat.read(NOTEBOOKS / "00-start-here.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "progress.table()" in c.source]
    assert len(cells) == 1, "notebook 00 needs one cell showing progress.table()"
    shown = cells[0].outputs[0]["data"]["text/markdown"]
    assert shown == progress.table_markdown(NOTEBOOKS), "run `python tools/make_notebooks.py 00`"
    heading = [c for c in nb.cells if c.cell_type == "markdown" and "See your progress" in c.source]
    assert heading and "no server" in heading[0].source


def test_a_learner_session_end_to_end(tmp_path):
    """Run a student-edition notebook with right answers, save it: the table shows ✅ for each exercise."""
    from nbclient import NotebookClient

    sys.path.insert(0, str(ROOT / "tools"))
    sys.path.insert(0, str(ROOT / "tests"))
    import make_student
    from test_grade import right_answers

    nb = make_student.student_version(nbformat.read(NOTEBOOKS / "00-start-here.ipynb", as_version=4))
    answers = right_answers("00")
    for ex in progress.exercises(nb):
        nb.cells[ex["answer"]].source = answers[ex["name"]]
    nb.cells[progress.exercises(nb)[-1]["answer"]].source = "def softmax(s):\n    return s"  # one wrong
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    write(tmp_path, "00-start-here.ipynb", nb)  # what Ctrl+S does
    rows = progress.summary(tmp_path)
    assert [r["status"] for r in rows] == ["passed", "passed", "failed"]
    assert progress.table_markdown(tmp_path).startswith("**2 of 3 exercises passed**")
