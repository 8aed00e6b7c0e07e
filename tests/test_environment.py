"""environment.yml (the conda / Binder route) must list what pyproject.toml lists."""
import re
import tomllib

import yaml
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(req):
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    want = {_name(d): d.replace(" ", "") for d in deps}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str) and d != "pip"}
    conda.pop("python", None)
    assert set(conda) == set(want), f"only in environment.yml: {set(conda) - set(want)}; only in pyproject: {set(want) - set(conda)}"
    for name, spec in want.items():
        assert conda[name] == spec, f"{name}: pyproject says {spec}, environment.yml says {conda[name]}"


def test_dependencies_have_lower_bounds_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert ">=" in dep and "==" not in dep, dep
    test_extra = project["optional-dependencies"]["test"]
    assert "torch==2.13.0" in test_extra  # the CPU build on local disk; unpinned torch pulls CUDA
