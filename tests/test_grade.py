"""Grading a class: `make grade` (tools/make_grade.py) and nbgrader, on the same sample class.

The sample class is built from the student edition of notebooks 00 and 03
(two notebooks keep the run short; every notebook is graded the same way):

- ada: every exercise right (the full edition's solutions, renamed);
- ben: partly right (exercise 1 right, exercise 2 returns None, the rest untouched);
- cat: broken (00: a syntax error in exercise 1, exercise 2 right but its check
  cell deleted, exercise 3 tries the network; 03: exercises 1 and 4 right, an
  indentation error in exercise 2);
- dan: empty (the edition as handed out);
- eve: 00 loops forever in exercise 2 (exercises 1 and 3 right; 03 right);
- fay: 00 right, 03 a truncated file that is not a notebook any more.

`make grade` (10 s per cell, 60 s per notebook) must give 7, 2, 3, 0, 6 and
3 points, never touch a submission, stop eve's loop and go on, and keep
cat's network call offline. nbgrader (a real install, in a temporary course
folder, offline, 10 s per cell, missing test cells added back) must give the
same points; over fay's unreadable file it reports her whole assignment as
failed (keeping the 00 score in its database), where `make grade` grades 00
and explains 03 in her feedback.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import make_grade  # noqa: E402
import make_student  # noqa: E402
from helpers import progress  # noqa: E402

SAMPLE = ["00", "03"]
TIMEOUT, CELL_TIMEOUT = 60, 10  # seconds per notebook and per cell; each sample notebook runs in 1-3 s
EXPECTED = {  # student -> {notebook number: points}
    "ada": {"00": 3, "03": 5},
    "ben": {"00": 1, "03": 1},
    "cat": {"00": 1, "03": 2},
    "dan": {"00": 0, "03": 0},
    "eve": {"00": 2, "03": 5},
    "fay": {"00": 3, "03": 0},
}


# ----------------------------------------------------------------- the sample class


def full_path(number):
    return next(NOTEBOOKS.glob(f"{number}-*.ipynb"))


def right_answers(number):
    """{exercise name: code} from the full edition's solution cells (``f_solution`` renamed ``f``, check call removed)."""
    full = nbformat.read(full_path(number), as_version=4)
    answers = {}
    for ex in progress.exercises(full):
        solution = next(c for c in full.cells[ex["check"] + 1:] if "solution" in c.metadata.get("tags", []))
        lines = [ln for ln in solution.source.splitlines() if not re.match(r"\s*nb\d\d\.check_", ln)]
        answers[ex["name"]] = re.sub(r"\b(\w+)_solution\b", r"\1", "\n".join(lines)).rstrip()
    return answers


def function_name(source):
    m = re.search(r"^def (\w+)\(", source, re.M)
    return m.group(1) if m else None


def wrong_answer(source):
    """A plausible wrong attempt for an exercise cell: a function returning None, or a wrong value."""
    name = function_name(source)
    return f"def {name}(*args, **kwargs):\n    return None" if name else "answer = (16, 8)"


def attempt(nb, number, student):
    """The notebook as ``student`` hands it in (a new notebook; ``nb`` is the edition they were given)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    exs = progress.exercises(nb)
    right = right_answers(number)

    def answer(k, source):
        nb.cells[exs[k]["answer"]].source = source

    if student == "ada" or (student in ("eve", "fay") and number == "03") or (student == "fay" and number == "00"):
        for k, ex in enumerate(exs):
            answer(k, right[ex["name"]])
    elif student == "ben":
        answer(0, right[exs[0]["name"]])
        answer(1, wrong_answer(nb.cells[exs[1]["answer"]].source))
    elif student == "cat" and number == "00":
        answer(0, "answer = (8, 16")                             # SyntaxError
        answer(1, right[exs[1]["name"]])
        answer(2, "def softmax(s):\n    import urllib.request\n"  # the network is not there while grading
                  "    return urllib.request.urlopen('http://example.com', timeout=5).read()")
        del nb.cells[exs[1]["check"]]                             # the check cell deleted
    elif student == "cat" and number == "03":
        answer(0, right[exs[0]["name"]])
        answer(1, "def rnn_forward(x, h0, Wx, Wh, b):\nreturn x")  # IndentationError
        answer(3, right[exs[3]["name"]])
    elif student == "eve" and number == "00":
        answer(0, right[exs[0]["name"]])
        answer(1, "def one_hot(ids, V):\n    while True:  # never returns\n        pass")
        answer(2, right[exs[2]["name"]])
    return nb


def write_class(folder, edition_of, layout="{student}/{name}"):
    """Write the sample class below ``folder``; edition_of(number) -> (file name, notebook handed out)."""
    for student in EXPECTED:
        for number in SAMPLE:
            name, nb = edition_of(number)
            path = Path(folder) / layout.format(student=student, name=name)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = nbformat.writes(attempt(nb, number, student))
            if student == "fay" and number == "03":
                text = text[: len(text) // 2]  # a file cut short: not JSON
            path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    make_student.write_student(out, NOTEBOOKS)
    return out


def student_edition(edition):
    def of(number):
        path = next(edition.glob(f"{number}-*.ipynb"))
        return path.name, nbformat.read(path, as_version=4)
    return of


def test_sample_answers_are_what_they_claim(edition):
    """The builder's right answers pass the checks when run in order (a quick, in-process check)."""
    for number in SAMPLE:
        answers = right_answers(number)
        assert len(answers) == len(progress.exercises(nbformat.read(full_path(number), as_version=4)))
        assert all("_solution" not in a and ".check_" not in a for a in answers.values()), answers


# ----------------------------------------------------------------- make grade on the sample class


@pytest.fixture(scope="module")
def graded(edition, tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    submissions, out = base / "submissions", base / "grade"
    write_class(submissions, student_edition(edition))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in submissions.rglob("*.ipynb")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_grade.py"), str(submissions), "--out", str(out),
                           "--timeout", str(TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT), "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(f"\nmake grade on the sample class: {seconds:.1f} s\n{proc.stdout}")
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"submissions": submissions, "out": out, "rows": rows, "before": before, "seconds": seconds,
            "stdout": proc.stdout}


def points(rows, student, number=None):
    return sum(int(r["points"]) for r in rows
               if r["student"] == student and (number is None or r["notebook"].startswith(number)))


def test_gradebook_columns_and_rows(graded, edition):
    rows = graded["rows"]
    assert list(rows[0]) == ["student", "notebook", "exercise", "points", "passed", "hint"]
    per_student = sum(len(progress.exercises(student_edition(edition)(n)[1])) for n in SAMPLE)
    assert len(rows) == len(EXPECTED) * per_student
    assert all(r["passed"] in ("yes", "no") and (r["passed"] == "yes") == (r["points"] == "1") for r in rows)
    assert all(r["hint"] == "" for r in rows if r["passed"] == "yes")
    assert all(r["hint"] for r in rows if r["passed"] == "no"), "every lost point needs a hint"


@pytest.mark.parametrize("student", list(EXPECTED))
def test_make_grade_gives_the_expected_points(graded, student):
    for number, want in EXPECTED[student].items():
        got = points(graded["rows"], student, number)
        assert got == want, f"{student} {number}: {got} points, expected {want}:\n" + "\n".join(
            f"  {r['exercise']}: {r['passed']} {r['hint']}" for r in graded["rows"]
            if r["student"] == student and r["notebook"].startswith(number))


def hints(rows, student, number):
    return {r["exercise"]: r["hint"] for r in rows if r["student"] == student and r["notebook"].startswith(number)}


def test_hints_say_what_went_wrong(graded):
    rows = graded["rows"]
    ben = hints(rows, "ben", "00")
    assert "None" in ben["one_hot"] and ben["softmax"].startswith("not attempted")
    cat = hints(rows, "cat", "00")
    assert "SyntaxError" in cat["shape_answer"] and "NameError" in cat["shape_answer"]
    assert cat["one_hot"] == "", "the deleted check cell is put back and passes"
    assert "network access blocked" in cat["softmax"], f"the grading kernel reached the network? {cat['softmax']}"
    assert "IndentationError" in hints(rows, "cat", "03")["rnn_forward"]
    assert all("could not read the notebook" in h for h in hints(rows, "fay", "03").values())
    eve = hints(rows, "eve", "00")
    assert "time limit per cell" in eve["one_hot"] and "endless loop" in eve["one_hot"] and eve["softmax"] == ""
    assert all(h.startswith("not attempted") for h in hints(rows, "dan", "03").values())


def test_submissions_are_never_modified(graded):
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in graded["submissions"].rglob("*.ipynb")}
    assert after == graded["before"]
    assert set(graded["submissions"].rglob("*")) == set(graded["before"]) | {
        graded["submissions"] / s for s in EXPECTED}, "grading left files in the submissions folder"


def test_the_loop_is_stopped_at_the_time_limit(graded):
    # eve's loop costs one cell's time limit; everything else runs in seconds, two at a time
    assert graded["seconds"] < CELL_TIMEOUT + 120, f"make grade took {graded['seconds']:.0f} s"


def test_one_feedback_page_per_student(graded):
    pages = sorted(p.stem for p in (graded["out"] / "feedback").glob("*.html"))
    assert pages == sorted(EXPECTED)
    cat = (graded["out"] / "feedback" / "cat.html").read_text(encoding="utf-8")
    assert "3 of 8 points" in cat and "was missing; it was put back" in cat
    fay = (graded["out"] / "feedback" / "fay.html").read_text(encoding="utf-8")
    assert "could not read the notebook" in fay
    ada = (graded["out"] / "feedback" / "ada.html").read_text(encoding="utf-8")
    assert "8 of 8 points" in ada and "Exercise 2: one-hot codes" in ada
    eve = (graded["out"] / "feedback" / "eve.html").read_text(encoding="utf-8")
    assert "time limit" in eve


def test_executed_copies_are_kept(graded):
    ada = graded["out"] / "executed" / "ada" / "00-start-here.ipynb"
    nb = nbformat.read(ada, as_version=4)
    lines = [progress.outcome(c) for c in nb.cells if "check" in c.get("metadata", {}).get("make_grade", {})]
    assert [s for s, _ in lines] == ["passed"] * 3


def test_every_exercise_of_the_course_grades(edition, tmp_path):
    """On every notebook (not only the sample's two): the full edition's solutions earn every point, the
    edition as handed out earns none."""
    subs = tmp_path / "submissions"
    of = student_edition(edition)
    numbers = [p.name[:2] for p in make_student.notebooks(NOTEBOOKS)]
    for number in numbers:
        name, nb = of(number)
        write_nb(subs / "ada" / name, attempt(nb, number, "ada"))
        write_nb(subs / "dan" / name, nb)
    start = time.perf_counter()
    rows = make_grade.grade_class(subs, tmp_path / "grade", timeout=120, cell_timeout=60, jobs=2, log=lambda *a: None)
    print(f"\nmake grade, 2 students x {len(numbers)} notebooks: {time.perf_counter() - start:.1f} s")
    wrong = [f"{r['notebook']} {r['exercise']}: {r['hint']}" for r in rows if r["student"] == "ada" and not r["passed"]]
    assert not wrong, "right answers that lost their point:\n" + "\n".join(wrong)
    assert not [r for r in rows if r["student"] == "dan" and r["passed"]]
    assert len(rows) == 2 * sum(len(progress.exercises(of(n)[1])) for n in numbers)


# ----------------------------------------------------------------- make grade: units and bad input


def tiny_edition():
    """A one-exercise course notebook, in memory: the edition make_grade grades against."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    head = nbformat.v4.new_markdown_cell("### Exercise 1: double it")
    ex = nbformat.v4.new_code_cell("def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError")
    ex.metadata["tags"] = ["exercise"]
    check = nbformat.v4.new_code_cell("from helpers.exercises import core\n"
                                      "def check_double(f):\n"
                                      "    v, err = core.call(f, 'double', 21)\n"
                                      "    return err or (core.passed('42') if v == 42 else core.failed(f'got {v}'))\n"
                                      "check_double(double)")
    check.metadata["tags"] = ["check"]
    nb.cells = [head, ex, check]
    student = make_student.student_version(nb)
    exs = progress.exercises(student)
    for e in exs:
        e["source"] = make_student.learner_source(student.cells[e["check"]].source)
        e["check_id"], e["answer_id"], e["points"] = student.cells[e["check"]].id, student.cells[e["answer"]].id, 1
    return {"name": "99-tiny.ipynb", "nb": student, "exercises": exs}


def write_nb(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def with_answer(edition, source):
    nb = nbformat.from_dict(json.loads(json.dumps(edition["nb"])))
    nb.cells[edition["exercises"][0]["answer"]].source = source
    return nb


def test_grade_notebook_right_wrong_and_tampered(tmp_path):
    ed = tiny_edition()
    right = with_answer(ed, "def double(x):\n    return 2 * x")
    r = make_grade.grade_notebook(write_nb(tmp_path / "a" / "99-tiny.ipynb", right), ed, timeout=60)
    assert [row["passed"] for row in r["rows"]] == [True] and r["notes"] == []
    wrong = with_answer(ed, "def double(x):\n    return x")
    r = make_grade.grade_notebook(write_nb(tmp_path / "b" / "99-tiny.ipynb", wrong), ed, timeout=60)
    assert r["rows"][0]["hint"] == "got 21"
    cheat = with_answer(ed, "def double(x):\n    return x")  # a check cell edited to pass anything
    cheat.cells[ed["exercises"][0]["check"]].source = "core.passed('42')"
    r = make_grade.grade_notebook(write_nb(tmp_path / "c" / "99-tiny.ipynb", cheat), ed, timeout=60)
    assert not r["rows"][0]["passed"], "an edited check cell must be put back as the edition has it"


def test_the_notebook_time_limit_stops_a_loop(tmp_path):
    ed = tiny_edition()
    loop = with_answer(ed, "while True:\n    pass")
    start = time.perf_counter()
    r = make_grade.grade_notebook(write_nb(tmp_path / "a" / "99-tiny.ipynb", loop), ed, timeout=6)
    assert time.perf_counter() - start < 30
    assert r["rows"][0]["status"] == "not run" and "ran out of its 6 s" in r["rows"][0]["hint"]
    assert any("stopped when the notebook's 6 s were up" in n for n in r["notes"])


def test_the_cell_time_limit_interrupts_and_goes_on(tmp_path):
    ed = tiny_edition()
    nb = with_answer(ed, "import time\ntime.sleep(60)\ndef double(x):\n    return 2 * x")
    nb.cells.append(nbformat.v4.new_code_cell("def double(x):\n    return 2 * x\ncheck_double(double)"))
    r = make_grade.grade_notebook(write_nb(tmp_path / "a" / "99-tiny.ipynb", nb), ed, timeout=60, cell_timeout=3)
    assert r["rows"][0]["hint"].startswith("your exercise cell was stopped after 3 s, the time limit per cell")
    assert r["executed"].cells[-1].outputs[-1]["data"]["text/plain"].startswith("✅"), "the notebook went on"


def test_an_exercise_cell_that_fails_earns_nothing(tmp_path):
    """Notebook 03 defines rnn_step in a lesson cell before its exercise: a broken exercise cell must not
    let that definition earn the point."""
    ed = tiny_edition()
    nb = with_answer(ed, "def double(x):\nreturn 2 * x")  # IndentationError: the cell defines nothing
    lesson = nbformat.v4.new_code_cell("def double(x):\n    return 2 * x")
    nb.cells.insert(0, lesson)
    r = make_grade.grade_notebook(write_nb(tmp_path / "a" / "99-tiny.ipynb", nb), ed, timeout=60)
    row = r["rows"][0]
    assert not row["passed"] and "IndentationError" in row["hint"] and "not yours" in row["hint"]


def test_grade_notebook_refuses_a_bad_timeout(tmp_path):
    with pytest.raises(make_grade.GradeError, match="timeout"):
        make_grade.grade_notebook(tmp_path / "x.ipynb", tiny_edition(), timeout=0)


@pytest.mark.parametrize("content", ["", "not json", '{"cells": "no"}', "\xff\xfe"])
def test_unreadable_notebooks_score_zero_with_a_reason(tmp_path, content):
    path = tmp_path / "99-tiny.ipynb"
    path.write_bytes(content.encode("latin-1"))
    r = make_grade.grade_notebook(path, tiny_edition(), timeout=10)
    assert not r["rows"][0]["passed"] and "could not read the notebook" in r["rows"][0]["hint"]
    assert r["executed"] is None


@pytest.mark.parametrize("setup,message", [
    (lambda d: d / "missing", "no folder"),
    (lambda d: (d / "file.txt").write_text("x") and d / "file.txt", "is a file"),
    (lambda d: d, "no student folders"),
    (lambda d: (d / "03-recurrent-networks.ipynb").write_text("{}") and d, "folder named after the student"),
])
def test_bad_submissions_folder_is_a_clear_error(tmp_path, setup, message):
    with pytest.raises(make_grade.GradeError, match=message):
        make_grade.grade_class(setup(tmp_path), tmp_path / "out", course={"99": tiny_edition()})


def test_out_must_be_outside_the_submissions(tmp_path):
    (tmp_path / "alice").mkdir()
    with pytest.raises(make_grade.GradeError, match="outside the submissions"):
        make_grade.grade_class(tmp_path, tmp_path / "grade", course={"99": tiny_edition()})


def test_unknown_notebook_and_bad_jobs_are_clear_errors(tmp_path):
    write_nb(tmp_path / "subs" / "alice" / "99-tiny.ipynb", tiny_edition()["nb"])
    with pytest.raises(make_grade.GradeError, match="no course notebook 42"):
        make_grade.grade_class(tmp_path / "subs", tmp_path / "out", notebooks=["42"], course={"99": tiny_edition()})
    with pytest.raises(make_grade.GradeError, match="jobs"):
        make_grade.grade_class(tmp_path / "subs", tmp_path / "out", jobs=0, course={"99": tiny_edition()})


def test_missing_notebooks_stray_files_and_copies(tmp_path):
    ed = tiny_edition()
    subs = tmp_path / "subs"
    write_nb(subs / "alice" / "99-tiny.ipynb", with_answer(ed, "def double(x):\n    return 2 * x"))
    old = write_nb(subs / "alice" / "old" / "99-tiny.ipynb", ed["nb"])
    os.utime(old, (1, 1))  # older: the newest copy is graded
    (subs / "alice" / "notes.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    (subs / "bob").mkdir()
    rows = make_grade.grade_class(subs, tmp_path / "out", timeout=60, course={"99": ed}, log=lambda *a: None)
    assert [(r["student"], r["passed"], r["hint"]) for r in rows] == [("alice", True, ""), ("bob", False, "not submitted")]
    page = (tmp_path / "out" / "feedback" / "alice.html").read_text()
    assert "notes.ipynb is not one of the course&#x27;s notebooks" in page and "second copy" in page


def test_a_notebook_is_recognised_by_its_grade_ids(tmp_path):
    ed = tiny_edition()
    path = write_nb(tmp_path / "alice" / "my homework.ipynb", ed["nb"])
    assert make_grade.which_notebook(path, {"99": ed}) == "99"
    assert make_grade.which_notebook(write_nb(tmp_path / "x.ipynb", nbformat.v4.new_notebook()), {"99": ed}) is None


def test_command_line_reports_bad_input(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_grade.py"), str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "make grade: no folder" in proc.stderr


def test_make_grade_needs_submissions():
    proc = subprocess.run(["make", "-s", "grade"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "SUBMISSIONS=" in proc.stdout + proc.stderr


# ----------------------------------------------------------------- nbgrader on the same class


NBGRADER_TIMEOUT = CELL_TIMEOUT  # seconds per cell (nbgrader's limit is per cell)


def nbgrader(course, *args):
    bin_dir = str(Path(sys.executable).parent)  # nbgrader calls `alembic`, installed beside it
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([str(Path(bin_dir) / "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc


@pytest.fixture(scope="module")
def nbgrader_course(edition, tmp_path_factory):
    pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")
    course = tmp_path_factory.mktemp("nbgrader-course")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'rnn-course'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n"
        f"c.Execute.timeout = {NBGRADER_TIMEOUT}\n"
        "c.OverwriteCells.add_missing_cells = True\n")
    source = course / "source" / "rnn"
    source.mkdir(parents=True)
    for number in SAMPLE:
        shutil.copy(next(edition.glob(f"{number}-*.ipynb")), source)
    start = time.perf_counter()
    proc = nbgrader(course, "generate_assignment", "rnn", "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def released(number):
        path = next((course / "release" / "rnn").glob(f"{number}-*.ipynb"))
        return path.name, nbformat.read(path, as_version=4)

    write_class(course / "submitted", released, layout="{student}/rnn/{name}")
    proc = nbgrader(course, "autograde", "rnn", "--force")
    seconds = time.perf_counter() - start
    print(f"\nnbgrader generate_assignment + autograde on the sample class: {seconds:.1f} s")
    return {"course": course, "autograde": proc, "seconds": seconds}


def test_student_edition_is_an_nbgrader_source(nbgrader_course):
    release = nbgrader_course["course"] / "release" / "rnn"
    nb = nbformat.read(next(release.glob("03-*.ipynb")), as_version=4)
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    assert checks and all("HIDDEN TESTS" not in c.source and ".graded()" not in c.source for c in checks)
    assert all(c.metadata.nbgrader["grade"] and c.metadata.nbgrader["points"] == 1 for c in checks)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all(c.source.startswith("def ") and "raise NotImplementedError" in c.source for c in answers)


def test_nbgrader_autograde_gives_the_same_points(nbgrader_course):
    from nbgrader.api import Gradebook

    course = nbgrader_course["course"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "rnn-course") as gb:
        scores = {}
        for student in EXPECTED:
            for number in SAMPLE:
                name = next((course / "source" / "rnn").glob(f"{number}-*.ipynb")).stem
                try:
                    scores[(student, number)] = gb.find_submission_notebook(name, "rnn", student).score
                except Exception:  # noqa: BLE001 - no submission recorded (nbgrader could not read it)
                    scores[(student, number)] = None
    print("\nnbgrader autograde scores:", {f"{s} {n}": v for (s, n), v in scores.items()})
    for (student, number), score in scores.items():
        want = EXPECTED[student][number]
        if student == "fay" and number == "03":  # not a notebook: no score
            assert not score, "nbgrader scored an unreadable notebook"
            continue
        assert score == want, f"nbgrader gave {student} {number} {score} points, make grade expects {want}"
    log = nbgrader_course["autograde"].stdout + nbgrader_course["autograde"].stderr
    # ... and nbgrader calls fay's whole assignment failed (it keeps the 00 score in its database but
    # removes her autograded folder), where make grade grades 00 and reports 03 in her feedback
    assert "error processing assignment 'rnn' for student 'fay'" in log
    assert not (course / "autograded" / "fay" / "rnn").exists()
    assert nbgrader_course["seconds"] < 240
