"""What the browser tests share: where things are, skip-or-fail, widget discovery.

The notebooks come from notebooks/ (or from $COURSE_NOTEBOOKS_DIR, to try the
harness on other notebooks). Screenshots go to build/screenshots/ (or
$COURSE_SCREENSHOTS). Chromium is /usr/bin/chromium (or $COURSE_CHROMIUM).
"""
import os
import re
from pathlib import Path

import nbformat
import pytest

from browser_servers import ROOT

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFAULT_NOTEBOOKS = ROOT / "notebooks"
NOTEBOOKS = Path(os.environ.get("COURSE_NOTEBOOKS_DIR", DEFAULT_NOTEBOOKS)).resolve()
SCREENSHOTS = Path(os.environ.get("COURSE_SCREENSHOTS", ROOT / "build" / "screenshots"))

WIDGET_SOURCE = re.compile(r"\bExperiment\(|\binteract(ive)?\(|\bW\.(\w*Slider|Text|Dropdown)\(")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_or_fail(reason):
    """Skip with a visible reason on a laptop; fail under CI=true, where nothing may skip."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must not skip)", pytrace=False)
    pytest.skip(reason)


def is_widget_output(output):
    """A displayed widget box (not a tqdm progress bar)."""
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return WIDGET_MIME in data and not re.search(r"\d+%\|", text)


def widget_notebooks(folder=NOTEBOOKS):
    """{'05': path, ...} for notebooks NN-*.ipynb with a cell that creates a widget."""
    found = {}
    for path in sorted(Path(folder).glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and (WIDGET_SOURCE.search(cell.source) or
                                             any(is_widget_output(o) for o in cell.get("outputs", []))):
                found[path.name[:2]] = path
                break
    return found
