"""Every test process and every notebook kernel nbval starts runs offline and single-threaded
(tests/offline/activate.py); this file sits at the root so it covers tests/ and notebooks/ alike."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "tests" / "offline" / "activate.py"))
