"""The root conftest.py's fingerprint rule for nbval, on small notebooks with fake standard libraries.

A cell tagged ``stdlib-fingerprint`` prints ``stdlib_text.fingerprint(root=...)`` of a folder of
sources made here; its stored output is the fingerprint of the same folder (the outputs were made
with this "Python") or of another one (they were made with another). Cells tagged ``stdlib-text``
are compared only in the first case; untagged cells are always compared; CI=true fails a mismatch.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import stdlib_text

ROOT = Path(__file__).resolve().parents[1]
LOAD_ROOT_HOOKS = f"""import runpy
globals().update({{k: v for k, v in runpy.run_path({str(ROOT / "conftest.py")!r}).items()
                  if k.startswith("pytest_")}})
"""


def _fake_stdlib(folder, doc):
    folder.mkdir()
    (folder / "mod.py").write_text(f'"""{doc}"""\n\ndef f():\n    """Return nothing."""\n')
    return str(folder)


def _cell(source, printed, tags=()):
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed + "\n")]
    return cell


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Write the notebooks once; run(ci, *names) -> (outcome per 'name::Cell k', pytest's output)."""
    tmp = tmp_path_factory.mktemp("fingerprint")
    here = _fake_stdlib(tmp / "here", "The text this Python gives.")
    other = _fake_stdlib(tmp / "other", "The text another Python gave.")
    fp_here, fp_other = stdlib_text.fingerprint(root=here), stdlib_text.fingerprint(root=other)
    assert fp_here != fp_other
    fingerprint_cell = f"from helpers import stdlib_text\nprint(stdlib_text.fingerprint(root={here!r}))"
    text = ["stdlib-text"]
    _notebook(tmp / "same.ipynb", [_cell(fingerprint_cell, fp_here, ["stdlib-fingerprint"]),
                                   _cell("print(2)", "2", text)])
    _notebook(tmp / "same_changed.ipynb", [_cell(fingerprint_cell, fp_here, ["stdlib-fingerprint"]),
                                           _cell("print(3)", "2", text)])
    _notebook(tmp / "other.ipynb", [_cell(fingerprint_cell, fp_other, ["stdlib-fingerprint"]),
                                    _cell("print(3)", "2", text), _cell("print(4)", "4", text),
                                    _cell("print(5)", "5")])
    _notebook(tmp / "other_untagged.ipynb", [_cell(fingerprint_cell, fp_other, ["stdlib-fingerprint"]),
                                             _cell("print(3)", "2")])
    _notebook(tmp / "no_fingerprint.ipynb", [_cell("print(2)", "2", text)])
    (tmp / "conftest.py").write_text(LOAD_ROOT_HOOKS)
    (tmp / "pytest.ini").write_text("[pytest]\n")

    def _run(ci, *names):
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        if ci:
            env["CI"] = "true"
        proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-v",
                               "-p", "no:cacheprovider", "-rA", *names],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
        out = proc.stdout + proc.stderr
        found = re.findall(r"^(\S+?)(?:\.|::)ipynb::(Cell \d+) (PASSED|FAILED|ERROR|SKIPPED)", out, re.M)
        outcomes = {f"{name}.ipynb::{cell}": outcome for name, cell, outcome in found}
        return outcomes, out

    _run.fp_here, _run.fp_other = fp_here, fp_other
    return _run


@pytest.fixture(scope="module")
def local(run):
    """One run without CI over every notebook (each nbval run starts a kernel: a few seconds)."""
    return run(False, "same.ipynb", "same_changed.ipynb", "other.ipynb", "other_untagged.ipynb",
               "no_fingerprint.ipynb")


def test_same_fingerprint_compares_tagged_cells(local):
    outcomes, out = local
    assert outcomes["same.ipynb::Cell 0"] == "PASSED", out
    assert outcomes["same.ipynb::Cell 1"] == "PASSED", out
    assert outcomes["same_changed.ipynb::Cell 0"] == "PASSED", out
    assert outcomes["same_changed.ipynb::Cell 1"] == "FAILED", out  # same text, different output: a real change


def test_other_fingerprint_ignores_tagged_cells_and_says_so(local, run):
    outcomes, out = local
    assert [outcomes[f"other.ipynb::Cell {k}"] for k in range(4)] == ["PASSED"] * 4, out
    assert "StdlibTextWarning" in out and run.fp_here in out and run.fp_other in out, out
    assert re.search(r"other\.ipynb: 2 cell\(s\) tagged 'stdlib-text' ran without comparing", out), out
    assert "same.ipynb: " not in out.split("stdlib-text outputs not compared")[-1], out


def test_other_fingerprint_still_compares_untagged_cells(local):
    outcomes, out = local
    assert outcomes["other_untagged.ipynb::Cell 1"] == "FAILED", out


def test_tagged_cell_without_fingerprint_cell_fails(local):
    outcomes, out = local
    assert outcomes["no_fingerprint.ipynb::Cell 0"] == "FAILED", out
    assert "no cell tagged 'stdlib-fingerprint' ran without error before it" in out, out


def test_under_ci_another_fingerprint_fails(run):
    outcomes, out = run(True, "other.ipynb", "same.ipynb")
    assert outcomes["other.ipynb::Cell 0"] == "FAILED", out
    assert "Under CI=true the fingerprints must match" in out and run.fp_other in out and run.fp_here in out, out
    assert outcomes["same.ipynb::Cell 0"] == outcomes["same.ipynb::Cell 1"] == "PASSED", out
