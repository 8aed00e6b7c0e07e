"""Every test process and every notebook kernel nbval starts runs offline and single-threaded
(tests/offline/activate.py); this file sits at the root so it covers tests/ and notebooks/ alike.

Real text depends on the Python that runs it (helpers.stdlib_text): a notebook prints
``stdlib_text.fingerprint()`` in a cell tagged ``stdlib-fingerprint`` and tags every cell whose
output depends on the text ``stdlib-text``. nbval compares the ``stdlib-text`` cells' outputs only
when the fingerprint cell prints what is stored; otherwise it runs them without comparing and says
so (a warning naming both fingerprints, and a line in the summary). Under CI=true a different
fingerprint fails the fingerprint cell: CI must run the Python the notebooks were stored with.
"""
import os
import runpy
from pathlib import Path

import pytest

runpy.run_path(str(Path(__file__).resolve().parent / "tests" / "offline" / "activate.py"))

TEXT_TAG, FINGERPRINT_TAG = "stdlib-text", "stdlib-fingerprint"
_SAME = "_stdlib_fingerprint_same"  # set on nbval's notebook collector by its fingerprint cell
_IGNORED = pytest.StashKey[dict]()  # notebook -> [stored, running, cells run without comparing]


class StdlibTextWarning(UserWarning):
    """This Python's standard-library text is not the one a notebook's outputs were stored with."""


def _tags(item):
    cell = getattr(item, "cell", None)  # nbval's IPyNbCell; other items have no cell
    tags = cell.get("metadata", {}).get("tags", []) if cell is not None else []
    return set(tags) if isinstance(tags, list) else set()


def _printed(outputs):
    """What a cell showed: its streams and plain-text results, joined and stripped."""
    parts = []
    for out in outputs or []:
        parts.append(out.get("text", "") if out.get("output_type") == "stream"
                     else out.get("data", {}).get("text/plain", ""))
    return "".join(parts).strip()


def _ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    tags = _tags(item)
    if FINGERPRINT_TAG in tags:
        item.options["check"] = False  # compared below, with a message that names both fingerprints
        result = yield
        stored, running = _printed(item.cell.get("outputs")), _printed(item.test_outputs)
        same = running == stored
        setattr(item.parent, _SAME, same)
        if not same:
            where = str(item.parent.path)
            item.config.stash.setdefault(_IGNORED, {})[where] = [stored, running, 0]
            message = (f"{where}: this Python's standard-library text is not the one the outputs were "
                       f"stored with (stored: {stored!r}; this Python: {running!r})")
            if _ci():
                pytest.fail(message + ". Under CI=true the fingerprints must match: run CI on the Python "
                            "the notebook was executed with, or re-execute the notebook.", pytrace=False)
            item.warn(StdlibTextWarning(message + f"; outputs of cells tagged {TEXT_TAG!r} are not compared"))
        return result
    if TEXT_TAG in tags and hasattr(item, "options"):
        same = getattr(item.parent, _SAME, None)
        if same is False:
            item.options["check"] = False
            item.config.stash[_IGNORED][str(item.parent.path)][2] += 1
        result = yield
        if same is None:
            pytest.fail(f"Cell {item.cell_num} is tagged {TEXT_TAG!r}, but no cell tagged {FINGERPRINT_TAG!r} "
                        "ran without error before it in this notebook: print stdlib_text.fingerprint() in an "
                        f"earlier cell tagged {FINGERPRINT_TAG!r}", pytrace=False)
        return result
    return (yield)


def pytest_terminal_summary(terminalreporter):
    ignored = terminalreporter.config.stash.get(_IGNORED, {})
    if ignored:
        terminalreporter.section("stdlib-text outputs not compared", yellow=True)
        for where, (stored, running, cells) in ignored.items():
            terminalreporter.line(f"{where}: {cells} cell(s) tagged {TEXT_TAG!r} ran without comparing outputs; "
                                  f"stored with {stored!r}, this Python gives {running!r}")
