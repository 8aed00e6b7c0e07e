"""Grade a class: run each submitted notebook, write a gradebook and one feedback page per student.

    python tools/make_grade.py SUBMISSIONS [--out build/grade] [--timeout 180] [--cell-timeout 60]
                                   [--jobs 1] [--notebooks 00 03]
    make grade SUBMISSIONS=dir [OUT=build/grade] [TIMEOUT=180] [CELL_TIMEOUT=60] [JOBS=1] [NOTEBOOKS="00 03"]

SUBMISSIONS holds one folder per student, named after the student, with the
student's notebooks anywhere below it under the course's file names
(``alice/03-recurrent-networks.ipynb``; nbgrader's
``submitted/<student>/<assignment>/`` layout works as it is). Each notebook:

* is read, never written: it runs from a temporary copy, in a fresh kernel
  of its own whose working folder is that copy's, offline (the network guard
  in tests/offline/ is on the kernel's PYTHONPATH), with a time limit for the
  whole notebook (``--timeout`` seconds: when it is up no further cell
  starts, and the checks not reached score 0, "not run") and one per cell
  (``--cell-timeout``: a cell that runs longer, such as an endless loop, is
  interrupted and the notebook goes on, as nbgrader does);
* is graded with the student edition's checks (make_student.py): every check
  cell is put back as the edition has it, found by its nbgrader grade id or
  its cell id (a deleted one is inserted again after its exercise), so what
  a learner did to the check cells does not matter; the exercise cells and the
  learner's other cells run as submitted;
* scores, per exercise, its points (1) when its check shows ✅, else 0 with a
  hint: the check's own line (❌ ..., ✏️ ...), the error its cell raised, or
  why it did not run.

It writes, in --out: ``gradebook.csv`` (student, notebook, exercise, points,
passed, hint: one row per student, assigned notebook and exercise),
``feedback/<student>.html`` (one page per student) and
``executed/<student>/<notebook>.ipynb`` (the executed copies, to read what
ran). A notebook is assigned when it is named in --notebooks or, by default,
when any student handed it in; a student without it scores 0, "not
submitted". Grading runs learners' code with your permissions: the time limit
and the network guard stop accidents, not an attacker; grade untrusted
submissions in a container or a throwaway account. nbgrader users can grade the
same edition with nbgrader instead (see notebooks/teachers-guide.ipynb).
"""
import argparse
import copy
import csv
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

TOOLS = Path(__file__).resolve().parent  # the course's build tools
ROOT = TOOLS.parent
NOTEBOOKS = ROOT / "notebooks"
GUARD = ROOT / "tests" / "offline"  # sitecustomize.py: network calls raise inside the kernels
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(ROOT))
import make_student  # noqa: E402
from helpers import progress  # noqa: E402

COLUMNS = ["student", "notebook", "exercise", "points", "passed", "hint"]
MAX_OUTPUT_CHARS = 200_000  # per cell: a print loop must not fill the memory before the time limit
NUMBER = re.compile(r"^(\d\d)-")
MARK = "make_grade"  # cell metadata key marking the checks (and answers) to read back


class GradeError(ValueError):
    """Bad input to the grader (missing folder, no students, ...): the message says what to fix."""


# ----------------------------------------------------------------- the edition


def editions(folder=NOTEBOOKS):
    """{"03": {"name": "03-....ipynb", "nb": student edition, "exercises": [...]}} for the course's notebooks."""
    found = {}
    for path in make_student.notebooks(folder):
        nb = make_student.student_version(nbformat.read(path, as_version=4), path.name)
        exs = progress.exercises(nb)
        for ex in exs:
            check = nb.cells[ex["check"]]
            ex["source"] = make_student.learner_source(check.source)
            ex["check_id"] = check.get("id")
            ex["answer_id"] = nb.cells[ex["answer"]].get("id") if ex["answer"] is not None else None
            ex["points"] = check.metadata.get("nbgrader", {}).get("points", make_student.POINTS)
        found[path.name[:2]] = {"name": path.name, "nb": nb, "exercises": exs}
    if not found:
        raise GradeError(f"no course notebooks NN-*.ipynb in {folder}")
    return found


# ----------------------------------------------------------------- finding the submissions


def check_folder(root):
    """``root`` as a Path, or a GradeError when it is not a folder."""
    root = Path(root)
    if not root.exists():
        raise GradeError(f"no folder {root}: SUBMISSIONS must be a folder with one folder per student")
    if not root.is_dir():
        raise GradeError(f"{root} is a file: SUBMISSIONS must be a folder with one folder per student")
    return root


def find_submissions(root, course):
    """{student: {number: [paths, newest first]}}, and {student: [notes]} for files that are not graded."""
    root = check_folder(root)
    loose = sorted(p.name for p in root.glob("*.ipynb"))
    if loose:
        raise GradeError(f"{root} holds notebooks directly ({', '.join(loose[:3])}): put each student's "
                         "notebooks in a folder named after the student, e.g. alice/03-recurrent-networks.ipynb")
    students = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not students:
        raise GradeError(f"no student folders in {root}: make one folder per student, holding their notebooks")
    found, notes = {}, {}
    for folder in students:
        mine, skipped = {}, []
        for path in sorted(folder.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            number = which_notebook(path, course)
            if number is None:
                skipped.append(f"{path.relative_to(folder)} is not one of the course's notebooks "
                               "(name it like the course's file, e.g. 03-recurrent-networks.ipynb): not graded")
                continue
            mine.setdefault(number, []).append(path)
        for number, paths in mine.items():
            paths.sort(key=lambda p: p.stat().st_mtime, reverse=True)
            for other in paths[1:]:
                skipped.append(f"{other.relative_to(folder)} is a second copy of notebook {number}: "
                               f"graded the newest, {paths[0].relative_to(folder)}")
        found[folder.name], notes[folder.name] = mine, skipped
    return found, notes


def which_notebook(path, course):
    """The course notebook number a submitted file is ("03"), from its name or its grade ids; or None."""
    m = NUMBER.match(path.name)
    if m and m.group(1) in course:
        return m.group(1)
    try:
        nb = progress.read_notebook(path)
    except (OSError, ValueError):
        return None
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"] if isinstance(c, dict)}
    best = max(course, key=lambda n: len(ids & {ex["name"] for ex in course[n]["exercises"]}))
    return best if ids & {ex["name"] for ex in course[best]["exercises"]} else None


# ----------------------------------------------------------------- one notebook


def prepare(nb, edition):
    """The notebook to run: the submission with every check cell as the edition has it. Returns (nb, notes)."""
    nb = copy.deepcopy(nb)
    notes = []
    for cell in nb.cells:
        cell.get("metadata", {}).pop(MARK, None)
    for ex in edition["exercises"]:
        def find(key, value):
            return next((c for c in nb.cells if value is not None and (
                c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == value if key == "grade_id"
                else c.get("id") == value)), None)

        answer = find("grade_id", f"{ex['name']}-answer") or find("id", ex["answer_id"])
        if answer is not None:
            answer.metadata[MARK] = {"answer": ex["name"]}
        check = find("grade_id", ex["name"]) or find("id", ex["check_id"])
        if check is None or check.cell_type != "code":
            check = nbformat.v4.new_code_cell()
            at = nb.cells.index(answer) + 1 if answer is not None else len(nb.cells)
            nb.cells.insert(at, check)
            notes.append(f"the check cell of {ex['title']} was missing; it was put back")
        check.source = ex["source"]
        check.outputs, check.execution_count = [], None
        check.metadata[MARK] = {"check": ex["name"]}
    return nb, notes


class _OutOfTime(Exception):
    """Raised before a cell starts once the notebook's time is up."""


def _client_class():
    """nbclient's NotebookClient with a cap on each cell's output and a record of the cells that timed out."""
    from nbclient import NotebookClient

    class GradingClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            size = sum(len(str(o.get("text", ""))) + len(str(o.get("data", ""))) for o in outs)
            if size > MAX_OUTPUT_CHARS:
                if getattr(self, "_capped", None) != cell_index:
                    self._capped = cell_index
                    outs.append(nbformat.v4.new_output(
                        "stream", name="stdout", text="\n[make grade: further output of this cell dropped]\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            self.timed_out[self.current] = "cell" if timeout >= self.cell_limit else "notebook"
            return await super()._async_handle_timeout(timeout, cell)

    return GradingClient


def kernel_env():
    """The kernels' environment: this one, with the network guard first on PYTHONPATH and one BLAS thread."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(GUARD)]
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD)] + paths)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env.pop("NBGRADER_EXECUTION", None)  # the checks show their lines; make grade reads them
    return env


def run(nb, workdir, timeout, cell_timeout=None):
    """Execute nb in place: a fresh kernel, cwd ``workdir``, offline, ``timeout`` seconds for the whole notebook.

    A cell running longer than ``cell_timeout`` (default: no limit but the notebook's) is interrupted and the
    notebook goes on; once the notebook's time is up, no further cell starts. Returns
    (how, stopped, timed_out): how is "ok", "timeout" or "died"; stopped is the index of the first cell not
    run (or the one running when the kernel died); timed_out maps the index of each interrupted cell to the
    limit it hit, "cell" or "notebook".
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + timeout
    cell_timeout = min(cell_timeout or timeout, timeout)

    def start(cell, cell_index):
        if time.monotonic() >= deadline:
            raise _OutOfTime(cell_index)
        client.current = cell_index

    quiet = logging.getLogger("make_grade.nbclient")
    quiet.setLevel(logging.CRITICAL)
    client = _client_class()(
        nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True, shutdown_kernel="immediate",
        timeout_func=lambda cell: max(0.5, min(cell_timeout, deadline - time.monotonic())),
        startup_timeout=max(10, int(timeout)), record_timing=False,
        extra_arguments=["--HistoryManager.hist_file=:memory:"], on_cell_start=start,
        resources={"metadata": {"path": str(workdir)}}, log=quiet)
    client.current, client.timed_out, client.cell_limit = None, {}, cell_timeout
    try:
        client.execute(env=kernel_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except _OutOfTime as out:
        return "timeout", out.args[0], client.timed_out
    except CellTimeoutError:
        return "timeout", client.current, client.timed_out
    except DeadKernelError:
        return "died", client.current, client.timed_out
    except RuntimeError as err:  # the kernel did not start in time
        if time.monotonic() >= deadline or "Kernel didn't respond" in str(err):
            return "timeout", 0, client.timed_out
        raise
    return "ok", None, client.timed_out


def _first_line(cell):
    lines = [ln for ln in cell.source.splitlines() if ln.strip()]
    return (lines[0].strip()[:60] + ("..." if len(lines[0].strip()) > 60 else "")) if lines else ""


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def grade_notebook(path, edition, timeout=180, cell_timeout=None):
    """Grade one submitted notebook. Returns {"rows": [...], "notes": [...], "seconds": s, "executed": nb or None}.

    Each row: exercise, title, points, max_points, passed, status, hint. The file at ``path`` is only read.
    """
    path = Path(path)
    for what, value in (("timeout", timeout), ("cell timeout", cell_timeout or timeout)):
        if not isinstance(value, (int, float)) or not value > 0:
            raise GradeError(f"{what} must be a positive number of seconds, got {value!r}")
    start = time.monotonic()

    def rows(status, hint):
        return [{"exercise": ex["name"], "title": ex["title"], "points": 0, "max_points": ex["points"],
                 "passed": False, "status": status, "hint": hint} for ex in edition["exercises"]]

    data = path.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported, not fatal
        what = ("it is not JSON" if type(err).__name__ in ("NotJSONError", "JSONDecodeError")
                else "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError)
                else f"{type(err).__name__}: {str(err).splitlines()[0][:80] if str(err) else ''}")
        why = f"could not read the notebook ({what}): hand in the .ipynb file as Jupyter saved it"
        return {"rows": rows(progress.ERROR, why), "notes": [why],
                "seconds": time.monotonic() - start, "executed": None}

    nb, notes = prepare(nb, edition)
    with tempfile.TemporaryDirectory(prefix="make-grade-") as tmp:
        (Path(tmp) / path.name).write_bytes(data)  # the temporary copy the kernel works beside
        how, stopped, timed_out = run(nb, tmp, timeout, cell_timeout)
    limit = min(cell_timeout or timeout, timeout)

    def stopped_after(k):
        return (f"stopped after {limit:g} s, the time limit per cell" if timed_out[k] == "cell"
                else f"stopped when the notebook's {timeout:g} s were up") + ": look for an endless loop"

    for k in sorted(timed_out):
        notes.append(f"cell {k + 1} ({_first_line(nb.cells[k])!r}) was {stopped_after(k)}")
    if how != "ok":
        where = f"cell {stopped + 1} ({_first_line(nb.cells[stopped])!r})" if stopped is not None else "the start"
        why = (f"the notebook ran out of its {timeout:g} s before {where}: look for an endless loop"
               if how == "timeout" else f"the kernel died in {where} (out of memory, or the code exited Python)")
        notes.append(why)

    answers = {c.metadata[MARK]["answer"]: c for c in nb.cells if "answer" in c.get("metadata", {}).get(MARK, {})}
    checks = {c.metadata[MARK]["check"]: (k, c) for k, c in enumerate(nb.cells)
              if "check" in c.get("metadata", {}).get(MARK, {})}
    out = []
    for ex in edition["exercises"]:
        k, cell = checks[ex["name"]]
        status, message = progress.outcome(cell)
        if status == progress.PASSED:
            hint = ""
        elif how != "ok" and (stopped is None or k > stopped or (k == stopped and how == "timeout")):
            status, hint = progress.NOT_RUN, f"not run: {notes[-1]}"
        elif how == "died" and k == stopped:
            status, hint = progress.ERROR, notes[-1]
        elif k in timed_out:
            status, hint = progress.ERROR, f"the check was {stopped_after(k)}"
        elif status == progress.ERROR:
            hint = f"the check cell raised {message}"
        elif status == progress.TODO:
            hint = f"not attempted: {message}"
        elif status == progress.NOT_RUN:
            hint = "the check showed no result"
        else:
            hint = message
        answer = answers.get(ex["name"])
        k_answer = nb.cells.index(answer) if answer is not None else None
        if status == progress.PASSED and k_answer is not None and (k_answer in timed_out or _error(answer)):
            # the check passed something defined before the exercise cell (a lesson cell of the same name)
            status = progress.ERROR
            hint = ("the check passed a definition made earlier in the notebook, not yours: "
                    "your exercise cell must run without an error")
        if status != progress.PASSED and k_answer is not None:
            if k_answer in timed_out:
                hint = f"your exercise cell was {stopped_after(k_answer)}; {hint}"
            elif _error(answer):
                hint = f"your exercise cell raised {_error(answer)}; {hint}"
        passed = status == progress.PASSED
        out.append({"exercise": ex["name"], "title": ex["title"], "points": ex["points"] if passed else 0,
                    "max_points": ex["points"], "passed": passed, "status": status, "hint": hint})
    return {"rows": out, "notes": notes, "seconds": time.monotonic() - start, "executed": nb}


# ----------------------------------------------------------------- the class


def grade_class(submissions, out="build/grade", timeout=180, jobs=1, notebooks=None, course=None, log=print,
                cell_timeout=None):
    """Grade every student's notebooks; write the gradebook, feedback pages and executed copies into ``out``.

    notebooks: the assigned notebook numbers (["00", "03"]); default: every notebook someone handed in.
    Returns the gradebook rows (dicts with COLUMNS, plus title and status).
    """
    submissions, out = Path(submissions), Path(out)
    if not (isinstance(jobs, int) and jobs >= 1):
        raise GradeError(f"jobs must be a whole number >= 1, got {jobs!r}")
    for what, value in (("timeout", timeout), ("cell timeout", cell_timeout or timeout)):
        if not isinstance(value, (int, float)) or not value > 0:
            raise GradeError(f"{what} must be a positive number of seconds, got {value!r}")
    check_folder(submissions)
    course = course or editions()
    found, notes = find_submissions(submissions, course)
    out_r, sub_r = out.resolve(), submissions.resolve()
    if out_r == sub_r or sub_r in out_r.parents:
        raise GradeError(f"out ({out}) must be outside the submissions folder ({submissions}): grading never writes there")
    if notebooks:
        unknown = [n for n in notebooks if n not in course]
        if unknown:
            raise GradeError(f"no course notebook {', '.join(unknown)}; the course has {', '.join(course)}")
        assigned = sorted(set(notebooks))
    else:
        assigned = sorted({n for mine in found.values() for n in mine})
    if not assigned:
        raise GradeError(f"no course notebooks in the student folders of {submissions}")

    tasks = [(s, n) for s in found for n in assigned if n in found[s]]
    per_cell = f", {min(cell_timeout, timeout):g} s per cell" if cell_timeout else ""
    log(f"Grading {len(tasks)} notebooks of {len(found)} students ({', '.join(assigned)}): "
        f"{timeout:g} s per notebook{per_cell}, {jobs} at a time ...")

    def one(task):
        student, number = task
        result = grade_notebook(found[student][number][0], course[number], timeout, cell_timeout)
        log(f"  {student} {course[number]['name']}: "
            f"{sum(r['points'] for r in result['rows'])} of {sum(r['max_points'] for r in result['rows'])} "
            f"in {result['seconds']:.1f} s")
        return task, result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = dict(pool.map(one, tasks))

    rows = []
    for student in found:
        for number in assigned:
            name = course[number]["name"][:-len(".ipynb")]
            if (student, number) in results:
                graded = results[(student, number)]["rows"]
            else:
                graded = [{"exercise": ex["name"], "title": ex["title"], "points": 0, "max_points": ex["points"],
                           "passed": False, "status": progress.NOT_RUN, "hint": "not submitted"}
                          for ex in course[number]["exercises"]]
            rows += [{"student": student, "notebook": name, **r} for r in graded]

    write_outputs(out, rows, results, found, notes, course)
    log(f"Wrote {out / 'gradebook.csv'}, {len(found)} feedback pages in {out / 'feedback'} "
        f"and the executed notebooks in {out / 'executed'}.")
    return rows


def write_outputs(out, rows, results, found, notes, course):
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "passed": "yes" if r["passed"] else "no"})
    for sub in ("feedback", "executed"):  # only what this run made: no stale pages of another class
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    (out / "feedback").mkdir()
    for student in found:
        mine = [r for r in rows if r["student"] == student]
        problems = list(notes.get(student, []))
        for (s, number), result in sorted(results.items()):
            if s == student:
                problems += [f"{course[number]['name']}: {n}" for n in result["notes"]]
                if result["executed"] is not None:
                    folder = out / "executed" / student
                    folder.mkdir(parents=True, exist_ok=True)
                    nbformat.write(result["executed"], folder / course[number]["name"])
        (out / "feedback" / f"{student}.html").write_text(feedback_page(student, mine, problems), encoding="utf-8")


def feedback_page(student, rows, problems):
    """One student's feedback as a self-contained HTML page."""
    e = html.escape
    got, total = sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Feedback: {e(student)}</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
             "padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
             ".n{text-align:right;white-space:nowrap}</style></head><body>",
             f"<h1>Feedback for {e(student)}</h1>",
             f"<p><strong>{got:g} of {total:g} points</strong>: one point per exercise whose check says ✅.</p>"]
    if problems:
        parts.append("<h2>Please note</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in problems) + "</ul>")
    for notebook in dict.fromkeys(r["notebook"] for r in rows):
        mine = [r for r in rows if r["notebook"] == notebook]
        parts.append(f"<h2>{e(notebook)}: {sum(r['points'] for r in mine):g} of {sum(r['max_points'] for r in mine):g}</h2>")
        parts.append("<table><tr><th>exercise</th><th>result</th><th class='n'>points</th><th>what to look at</th></tr>")
        for r in mine:
            parts.append(f"<tr><td>{e(r['title'])}</td><td>{progress.MARKS.get(r['status'], '')} {e(r['status'])}</td>"
                         f"<td class='n'>{r['points']:g} / {r['max_points']:g}</td><td>{e(r['hint'])}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("submissions", help="folder with one folder per student")
    ap.add_argument("--out", default=str(ROOT / "build" / "grade"), help="output folder (default: build/grade)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds per notebook (default: 180)")
    ap.add_argument("--cell-timeout", type=float, default=60,
                    help="seconds per cell: a longer cell is interrupted and the notebook goes on (default: 60)")
    ap.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (default: 1)")
    ap.add_argument("--notebooks", nargs="*", default=None,
                    help="the assigned notebooks, e.g. 00 03 (default: every notebook someone handed in)")
    args = ap.parse_args(argv)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a stopped kernel's pending reads, at exit
    notebooks = [n for part in (args.notebooks or []) for n in part.replace(",", " ").split()] or None
    try:
        rows = grade_class(args.submissions, args.out, args.timeout, args.jobs, notebooks,
                           cell_timeout=args.cell_timeout)
    except GradeError as err:
        print(f"make grade: {err}", file=sys.stderr)
        return 2
    width = max(len(r["student"]) for r in rows)
    for student in dict.fromkeys(r["student"] for r in rows):
        mine = [r for r in rows if r["student"] == student]
        print(f"{student:<{width}}  {sum(r['points'] for r in mine):g} of {sum(r['max_points'] for r in mine):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
