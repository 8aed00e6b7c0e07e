"""nbval runs the notebooks from here: their kernels run offline and single-threaded."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[1] / "tests" / "offline" / "activate.py"))
