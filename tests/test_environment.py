"""environment.yml (the conda / Binder route): what pyproject.toml lists, in a form Binder builds.

Binder builds its image with repo2docker. The tests below read environment.yml
with repo2docker's own code (the `jupyter-repo2docker` package, no Docker
needed): which buildpack it picks, which Python it installs, and when it runs
the pip section. What it does with them (repo2docker 2026.4.0):

- repo2docker/app.py, Repo2Docker.build(): inside the checkout, the first
  class in Repo2Docker.buildpacks whose detect() is true builds the image;
  CondaBuildPack.detect() is true when environment.yml exists, and only a
  Dockerfile, Julia, Nix or R setup comes before it.
- repo2docker/buildpacks/conda/__init__.py, CondaBuildPack.python_version:
  the first string dependency matching PYTHON_REGEX = r"python\\s*=+\\s*([\\d\\.]*)"
  (re.match) gives the Python as X.Y. `python>=3.10` does not match, so
  repo2docker logs "Python version unspecified" and uses its default.
  get_build_script_files() raises ValueError when it has no frozen base
  environment for that version.
- same file, _should_preassemble_env: a local pip requirement (`-e .`, see
  repo2docker/utils.py is_local_pip_requirement) moves `mamba env update
  --file environment.yml` after the repository is copied into the image;
  mamba runs pip from the folder of the environment file (libmamba
  environment_yaml.cpp: cwd = parent of the yaml file), which is the
  repository root, so `-e .` installs the course and its helpers package.

Each check also runs against broken copies of the file (the last test), so a
check that cannot fail would show up.
"""
import re
import shutil
import tomllib
import warnings

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from pathlib import Path

with warnings.catch_warnings():  # python-json-logger, imported by repo2docker, warns about its own move
    warnings.simplefilter("ignore", DeprecationWarning)
    from repo2docker.app import Repo2Docker
    from repo2docker.buildpacks import CondaBuildPack
    from repo2docker.buildpacks.conda import PYTHON_REGEX
    from repo2docker.utils import chdir, is_local_pip_requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# What the course needs in the kernel and the server: notebooks, widgets, the
# app view (Voila) and notebook validation (pytest --nbval).
COURSE_PACKAGES = {"jupyterlab", "ipykernel", "numpy", "matplotlib", "ipywidgets", "tqdm", "voila", "nbval"}


def _name(req):
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    deps = PYPROJECT["project"]["dependencies"]
    want = {_name(d): d.replace(" ", "") for d in deps}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str) and d != "pip"}
    conda.pop("python", None)
    assert set(conda) == set(want), f"only in environment.yml: {set(conda) - set(want)}; only in pyproject: {set(want) - set(conda)}"
    for name, spec in want.items():
        assert conda[name] == spec, f"{name}: pyproject says {spec}, environment.yml says {conda[name]}"


def test_dependencies_have_lower_bounds_not_pins():
    project = PYPROJECT["project"]
    for dep in project["dependencies"]:
        assert ">=" in dep and "==" not in dep, dep
    test_extra = project["optional-dependencies"]["test"]
    assert "torch==2.13.0" in test_extra  # the CPU build on local disk; unpinned torch pulls CUDA


# ---- environment.yml as repo2docker reads it -------------------------------

def repo2docker_reads(repo):
    """What repo2docker makes of `repo`, computed in the repo as Repo2Docker.build() does."""
    with chdir(str(repo)):
        r2d = Repo2Docker()
        candidates = (BP(base_image=r2d.base_image) for BP in r2d.buildpacks)
        bp = next((bp for bp in candidates if bp.detect()), None)
        seen = {"buildpack": type(bp).__name__ if bp else "none (repo2docker's default)"}
        if not isinstance(bp, CondaBuildPack):
            return seen
        bp.platform = "linux/amd64"  # what mybinder.org builds for
        env = bp.environment_yaml  # repo2docker's own YAML load (ruamel)
        seen["dependencies"] = list(env.get("dependencies") or [])
        seen["python_pinned"] = any(isinstance(d, str) and PYTHON_REGEX.match(d) for d in seen["dependencies"])
        seen["python"] = bp.python_version
        try:
            bp.get_build_script_files()
            seen["python_error"] = None
        except ValueError as e:
            seen["python_error"] = str(e)
        seen["separate_kernel_env"] = bool(bp.separate_kernel_env)
        seen["env_after_copy"] = any("env update" in s and "environment.yml" in s for _, s in bp.get_assemble_scripts())
    return seen


def check_conda_buildpack(seen):
    assert seen["buildpack"] == "CondaBuildPack", f"repo2docker would build with {seen['buildpack']}, not environment.yml"


def check_python(seen):
    check_conda_buildpack(seen)
    assert seen["python_pinned"], "environment.yml must pin Python as python=X.Y; repo2docker ignores other forms and uses its default"
    # no ValueError: repo2docker ships a frozen base environment for this Python on linux-64
    assert seen["python_error"] is None, seen["python_error"]
    assert not seen["separate_kernel_env"], f"repo2docker treats Python {seen['python']} as legacy (separate kernel env)"
    assert seen["python"] in SpecifierSet(PYPROJECT["project"]["requires-python"]), (
        f"Python {seen['python']} on Binder, but pyproject.toml requires {PYPROJECT['project']['requires-python']}"
    )


def check_course_packages(seen):
    check_conda_buildpack(seen)
    names = {_name(d) for d in seen["dependencies"] if isinstance(d, str)}
    assert COURSE_PACKAGES <= names, f"missing from environment.yml: {sorted(COURSE_PACKAGES - names)}"


def check_pip_installs_the_repo(seen):
    check_conda_buildpack(seen)
    pip = [line for d in seen["dependencies"] if isinstance(d, dict) for line in (d.get("pip") or [])]
    local = [line for line in pip if is_local_pip_requirement(line)]
    assert any(line.split()[-1] in (".", "./") for line in local), f"the pip section must install the repository (-e .), it has {pip}"
    assert seen["env_after_copy"], "repo2docker would run the pip section before the repository is in the image"


@pytest.fixture(scope="module")
def binder():
    return repo2docker_reads(ROOT)


def test_binder_builds_from_environment_yml(binder):
    check_conda_buildpack(binder)


def test_binder_python_is_pinned_and_supported(binder):
    check_python(binder)


def test_binder_has_every_course_package(binder):
    check_course_packages(binder)
    assert COURSE_PACKAGES <= {_name(d) for d in PYPROJECT["project"]["dependencies"]}


def test_binder_pip_section_installs_the_course(binder):
    check_pip_installs_the_repo(binder)


BROKEN = {
    # case: (check, edit of environment.yml, or None to add a Dockerfile; the failure it must report)
    "python unpinned": (check_python, lambda t: t.replace("python=3.11", "python>=3.10"), "must pin Python"),
    "python repo2docker lacks": (check_python, lambda t: t.replace("python=3.11", "python=3.4"), "not supported"),
    "python below requires-python": (check_python, lambda t: t.replace("python=3.11", "python=3.9"), "requires >=3.10"),
    "nbval missing": (check_course_packages, lambda t: re.sub(r"\n *- nbval[^\n]*", "", t), "missing .*nbval"),
    "no -e .": (check_pip_installs_the_repo, lambda t: re.sub(r"- -e \.[^\n]*", "- tqdm", t), "must install the repository"),
    "Dockerfile wins": (check_conda_buildpack, None, "DockerBuildPack"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_checks_catch_a_broken_environment_yml(case, tmp_path):
    check, edit, failure = BROKEN[case]
    text = (ROOT / "environment.yml").read_text()
    if edit is None:
        (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    else:
        assert edit(text) != text, f"{case}: the edit no longer applies to environment.yml"
        text = edit(text)
    (tmp_path / "environment.yml").write_text(text)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with pytest.raises(AssertionError, match=failure):
        check(repo2docker_reads(tmp_path))
