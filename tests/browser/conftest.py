"""Fixtures for the real-browser tests: Chromium, one JupyterLab, screenshots.

See browser_harness.py for the settings (notebooks folder, screenshots folder,
Chromium path) and the skip-or-fail rule.
"""
import pytest

from browser_harness import CHROMIUM, CHROMIUM_ARGS, DEFAULT_NOTEBOOKS, NOTEBOOKS, SCREENSHOTS, skip_or_fail
from browser_servers import LabServer


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by Playwright (never downloads a browser)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install chromium) "
                     "or set COURSE_CHROMIUM to its path")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is missing: pip install -e '.[test]'")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as err:
        pw.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {err}", pytrace=False)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """One JupyterLab for the whole session, started by `make lab` as the README says."""
    try:
        server = LabServer(tmp_path_factory.mktemp("jupyterlab"),
                           nbdir=None if NOTEBOOKS == DEFAULT_NOTEBOOKS else NOTEBOOKS)
    except RuntimeError as err:
        pytest.fail(f"JupyterLab did not start: {err}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def browser_report(screenshots):
    """Lines (what moved, how long the change took, screenshots) written to report.txt."""
    lines = []
    yield lines
    if lines:
        (screenshots / "report.txt").write_text("\n".join(lines) + "\n")
