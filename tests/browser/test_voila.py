"""Classroom app mode: `make present NB=..` serves a notebook through Voila.

The command is read from the Makefile (`make -n present`), so this tests the
target a teacher runs: code hidden, widgets live. The gradient lab (05) must
work there; add numbers to VOILA_NOTEBOOKS to cover more.
"""
import pytest

from browser_harness import DEFAULT_NOTEBOOKS, NOTEBOOKS, skip_or_fail
from browser_pages import EXPERIMENT, move_main_control, output_errors, upscaled
from browser_servers import VoilaServer

VOILA_NOTEBOOKS = ["05"]


@pytest.mark.browser
@pytest.mark.parametrize("num", VOILA_NOTEBOOKS)
def test_present_in_voila(num, request, screenshots, browser_report, tmp_path):
    paths = sorted(NOTEBOOKS.glob(f"{num}-*.ipynb"))
    if not paths:
        skip_or_fail(f"notebook {NOTEBOOKS.name}/{num}-*.ipynb does not exist yet (VOILA_NOTEBOOKS)")
    page = request.getfixturevalue("page")
    nbdir = None if NOTEBOOKS == DEFAULT_NOTEBOOKS else str(NOTEBOOKS)
    try:
        server = VoilaServer(num, tmp_path, nbdir=nbdir)
    except RuntimeError as err:
        pytest.fail(f"`make present NB={num}` did not start: {err}", pytrace=False)
    shot = screenshots / f"voila-{paths[0].stem}"
    try:
        # Voila runs the whole notebook before the widgets appear.
        page.goto(server.url + "/", timeout=180_000, wait_until="domcontentloaded")
        try:
            page.wait_for_selector(".course-verdict .widget-html-content:not(:empty)", timeout=180_000)
        except Exception:
            page.screenshot(path=f"{shot}-timeout.png")
            raise AssertionError(f"no experiment appeared in Voila within 180 s ({shot}-timeout.png);"
                                 f" log:\n{server.log_tail()}")
        page.wait_for_load_state("load")
        errors = output_errors(page)
        page.screenshot(path=f"{shot}-loaded.png")
        assert not errors, f"Voila shows errors ({shot}-loaded.png):\n" + "\n".join(errors)
        editors = page.locator(".jp-CodeCell .jp-InputArea, .cm-editor").count()
        assert editors == 0, f"Voila shows {editors} code cells: --strip_sources=True is not in effect"

        box = page.locator(EXPERIMENT).first
        box.scroll_into_view_if_needed()
        before_png, after_png = f"{shot}-before.png", f"{shot}-after.png"
        page.screenshot(path=before_png)
        assert upscaled(box) <= 1.0, f"Voila stretches the figure {upscaled(box):.2f}x: it looks blurry ({before_png})"
        how, seconds, before, after = move_main_control(box, {"control": 0})
        box.scroll_into_view_if_needed()
        page.screenshot(path=after_png)
        assert after is not None, (f"Voila {paths[0].name}: verdict and figure did not both change after: "
                                   f"{how}. Verdict stayed {before[0]!r}. Screenshots: {before_png}, {after_png}")
        browser_report.append(f"voila {paths[0].name}: {how}; change shown after {seconds:.2f} s\n"
                              f"    before: {before[0]}\n    after:  {after[0]}\n"
                              f"    {before_png}\n    {after_png}")
    finally:
        server.stop()
