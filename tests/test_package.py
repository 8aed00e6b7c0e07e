"""The helpers package as a whole: quiet import, no global randomness, small modules."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "helpers").rglob("*.py"))


def test_import_prints_nothing_and_styles_nothing():
    code = ("import matplotlib as mpl; before = dict(mpl.rcParams); import helpers, helpers.plots, "
            "helpers.widgets, helpers.rnn, helpers.lstm; assert dict(mpl.rcParams) == before, 'rcParams changed'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_global_randomness(path):
    src = path.read_text()
    assert "np.random.seed" not in src
    bad = re.findall(r"np\.random\.(rand|randn|randint|random|normal|uniform|choice|shuffle|permutation)\(", src)
    assert not bad, f"{path.name} uses the global numpy RNG ({bad}); take an rng argument instead"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    n = len(path.read_text().splitlines())
    assert n <= 400, f"{path.name} has {n} lines: split it by idea (aim for < 300)"
