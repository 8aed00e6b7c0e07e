"""Shared pytest options for the course's tests.

Markers:
- ``browser``: drives a real JupyterLab or Voila in headless Chromium
  (tests/browser/). Run only these with ``pytest -m browser``; leave them out
  with ``pytest -m "not browser"``. Without Chromium they skip with the reason
  shown, except under CI=true, where they fail.
- ``site``: builds the static site with Jupyter Book 1 (needs the ``site``
  extra: pip install -e '.[site]').

Skip reasons are always printed in the summary, so a skipped browser test is
never silent.
"""


import runpy
from pathlib import Path

# Offline and single-threaded, for this process and every one it starts.
runpy.run_path(str(Path(__file__).resolve().parent / "offline" / "activate.py"))


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab / Voila in headless Chromium (Playwright)")
    config.addinivalue_line("markers", "site: builds the static HTML site with Jupyter Book 1")
    chars = getattr(config.option, "reportchars", None)
    if chars is not None and "s" not in chars and "a" not in chars and "A" not in chars:
        config.option.reportchars = chars + "s"
