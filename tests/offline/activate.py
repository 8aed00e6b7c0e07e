"""Run by conftest.py (the repository root) and tests/conftest.py before any test starts.

Every process the tests start (nbval's kernels, JupyterLab, Voila) inherits
this environment: the network guard (sitecustomize.py beside this file) on
PYTHONPATH, and one BLAS thread (the course multiplies small matrices).
"""
import os
from pathlib import Path

GUARD = str(Path(__file__).resolve().parent)
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if GUARD not in _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join([GUARD] + _paths)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
