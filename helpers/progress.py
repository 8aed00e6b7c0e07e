"""Which exercises have you passed? Read from your saved notebooks: no server, no account.

    from helpers import progress
    progress.table()              # in a notebook: per course notebook, the exercises passed and the rest
    progress.summary("some/dir")  # the same as a list of dicts, for code

Every exercise ends with a check cell (tag ``check``). Run, it shows one line:
"✅ ..." when the attempt is right, "❌ Not yet: <hint>", or "✏️ Not attempted
yet: ...". Saving the notebook stores that line in the .ipynb file, and this
module reads it back from every notebook NN-*.ipynb in a folder. So the table
is as of each notebook's last save: run a check, save (Ctrl+S), then ask again.

The same readers serve the teacher's tools: ``exercises`` names the exercises
of a notebook (the student edition's nbgrader grade ids, `make grade`'s
gradebook rows) and ``outcome`` reads a check cell's result.
"""
import json
import re
from pathlib import Path

# What a check cell can say, and the mark the table shows for it.
PASSED, FAILED, TODO, ERROR, NOT_RUN = "passed", "failed", "todo", "error", "not run"
MARKS = {PASSED: "✅", FAILED: "❌", TODO: "✏️", ERROR: "⚠️", NOT_RUN: "–"}
_PREFIXES = [("✅", PASSED, ""), ("❌", FAILED, "Not yet:"), ("✏️", TODO, "Not attempted yet:"), ("✏", TODO, "Not attempted yet:")]
_CHECK_CALL = re.compile(r"\bcheck_(\w+)\s*\(")
_HEADING = re.compile(r"^#{1,6}\s+(Exercise\b[^\n]*?)\s*$", re.M)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell):
    return cell.get("metadata", {}).get("tags", []) or []


def _cells(nb):
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise TypeError(f"expected a notebook (a dict with a list of 'cells'), got {type(nb).__name__}")
    return cells


def exercises(nb):
    """The exercises of a notebook, in order: one dict per cell tagged ``check``.

    Each dict: ``name`` (from the check it calls: ``nb03.check_rnn_step(...)`` ->
    "rnn_step", made unique with "-2", "-3"), ``title`` (the "### Exercise N: ..."
    heading above it, else the name), ``check`` (the check cell's index) and
    ``answer`` (the index of the cell tagged ``exercise`` before it, or None).
    """
    found, seen = [], {}
    answer, title = None, None
    for k, cell in enumerate(_cells(nb)):
        if not isinstance(cell, dict):
            raise TypeError(f"cell {k} is a {type(cell).__name__}, not a notebook cell")
        if cell.get("cell_type") == "markdown":
            headings = _HEADING.findall(_source(cell))
            if headings:
                title = headings[-1].strip()
        tags = _tags(cell)
        if "exercise" in tags:
            answer = k
        if "check" in tags and cell.get("cell_type") == "code":
            m = _CHECK_CALL.search(_source(cell))
            base = m.group(1) if m else f"check{len(found) + 1}"
            seen[base] = seen.get(base, 0) + 1
            name = base if seen[base] == 1 else f"{base}-{seen[base]}"
            found.append({"name": name, "title": title or name, "check": k, "answer": answer})
            answer, title = None, None
    return found


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def outcome(cell):
    """(status, message) from a check cell's stored outputs.

    status is "passed" (✅), "failed" (❌ with the hint as message), "todo" (✏️),
    "error" (the cell raised: the message names the exception) or "not run"
    (no output: never run, or the notebook was saved without outputs).
    """
    if not isinstance(cell, dict) or "cell_type" not in cell:
        raise TypeError(f"expected a notebook cell (a dict with a 'cell_type'), got {type(cell).__name__}")
    found = None
    for out in cell.get("outputs", []) or []:
        kind = out.get("output_type")
        if kind == "error":
            return ERROR, f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
        if kind in ("execute_result", "display_data"):
            text = _text(out.get("data", {}).get("text/plain", ""))
        elif kind == "stream" and out.get("name") == "stdout":
            text = _text(out.get("text", ""))
        else:
            continue
        text = text.strip()
        for mark, status, lead in _PREFIXES:
            if text.startswith(mark):
                message = text[len(mark):].lstrip("\ufe0f").strip()
                if lead and message.startswith(lead):
                    message = message[len(lead):].strip()
                found = (status, message)
                break
    return found or (NOT_RUN, "")


def read_notebook(path):
    """The notebook at ``path`` as a dict; a clear error when it is missing or not a notebook."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a notebook")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.name} is not a notebook (not JSON: {err})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name} is not a notebook (no list of cells)")
    return nb


def notebook_paths(folder="."):
    """The course notebooks NN-*.ipynb in ``folder``, sorted."""
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"no folder {folder}: point progress at the folder that holds your notebooks")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder: point progress at the folder that holds it")
    return sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb") if p.is_file())


def summary(folder="."):
    """One dict per exercise of every notebook NN-*.ipynb in ``folder``.

    Keys: notebook (file name), exercise (name), title, status, message. A
    notebook that cannot be read gives one row with status "error" and
    exercise None.
    """
    rows = []
    for path in notebook_paths(folder):
        try:
            nb = read_notebook(path)
            found = exercises(nb)
        except (OSError, ValueError, TypeError) as err:
            rows.append({"notebook": path.name, "exercise": None, "title": None,
                         "status": ERROR, "message": f"could not read it: {err}"})
            continue
        for ex in found:
            status, message = outcome(nb["cells"][ex["check"]])
            rows.append({"notebook": path.name, "exercise": ex["name"], "title": ex["title"],
                         "status": status, "message": message})
    return rows


def table_markdown(folder="."):
    """The progress table as Markdown text (see ``table``).

    One row per notebook: how many of its exercises passed, which (by title),
    and the numbers of the others. Only passed exercises are named, so the
    table of a fresh copy of the course depends on nothing but how many
    exercises each notebook has.
    """
    rows = summary(folder)
    if not rows:
        return (f"No course notebooks (NN-*.ipynb) with exercises in `{Path(folder)}`: "
                "run this cell from the folder that holds them.")
    graded = [r for r in rows if r["exercise"] is not None]
    done = sum(r["status"] == PASSED for r in graded)
    lines = [f"**{done} of {len(graded)} exercises passed** across the course, as last saved in this folder. "
             "After running a check, save its notebook (Ctrl+S), then run this cell again.",
             "", "| notebook | passed | ✅ passed | still to do |", "|---|---|---|---|"]
    for name in dict.fromkeys(r["notebook"] for r in rows):
        mine = [r for r in rows if r["notebook"] == name]
        label = name[:-len(".ipynb")] if name.endswith(".ipynb") else name
        if mine[0]["exercise"] is None:
            lines.append(f"| {label} | | ⚠️ {mine[0]['message']} | |".replace("\n", " "))
            continue
        ok = [r["title"].replace("|", "\\|") for r in mine if r["status"] == PASSED]
        todo = [str(k) for k, r in enumerate(mine, start=1) if r["status"] != PASSED]
        lines.append(f"| {label} | {len(ok)} of {len(mine)} | {' · '.join(ok)} | {', '.join(todo)} |")
    return "\n".join(lines)


def table(folder="."):
    """Your progress across the course, as a table to show in a notebook (IPython Markdown)."""
    from IPython.display import Markdown

    return Markdown(table_markdown(folder))
