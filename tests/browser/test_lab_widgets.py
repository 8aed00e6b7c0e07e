"""Every experiment works in a real JupyterLab, in a real browser.

For each notebook with widgets: open it, Run All from the menu, wait for every
cell, check that no error reached the page, then move each experiment's main
control with the keyboard (or type into its text box) and check that the
verdict line and the figure both changed. Screenshots before and after each
move land in build/screenshots/.
"""
import pytest

from browser_harness import DEFAULT_NOTEBOOKS, NOTEBOOKS, skip_or_fail, widget_notebooks
from browser_pages import (EXPERIMENT, click_run_all, move_main_control, outside, output_errors, record_requests,
                           state, upscaled, wait_for_run_all)
from browser_servers import http_errors

# The notebooks that must have a working experiment (COURSE.md: 01-09).
# Lead: edit this list when the course gains or loses an experiment. Under
# CI=true a listed notebook that is missing, or has no widget, fails.
EXPECTED_WIDGET_NOTEBOOKS = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]

# How to move a notebook's main control when the default (first control:
# slider -> ArrowRight x3, then End, then Home; text box -> append " the";
# dropdown -> each option in turn) is not the interesting one. Keys: "NN" for
# every experiment in the notebook, or "NN.k" for its k-th experiment (from 1).
# {"control": index in the row, "keys": [["End"], ...], "text": "typed text",
#  "expect": "a substring the verdict must show after the move",
#  "timeout": seconds to wait for the change (default 15)}
CONTROL_SPECS = {
    "03": {"text": "nature"},  # the char RNN only knows the letters of its training words
    "07.1": {"text": "what's the best food to eat in las", "expect": "LSTM: 'vegas'"},
    "07.2": {"text": "what's the best food to eat in las"},
    "07.3": {"fill": ("the shop sells fresh bread every morning. the shop sells sweet cakes every afternoon. "
                      "in the morning the baker bakes bread. in the afternoon the baker bakes cakes. "
                      "people buy bread in the morning and cakes in the afternoon. the baker sells bread."),
             "click": "Train", "expect": "trained on", "timeout": 90},  # only a click retrains
}

FOUND = widget_notebooks()
CASES = sorted(set(FOUND) | (set(EXPECTED_WIDGET_NOTEBOOKS) if NOTEBOOKS == DEFAULT_NOTEBOOKS else set()))


def spec_for(num, k):
    return {**CONTROL_SPECS.get(num, {}), **CONTROL_SPECS.get(f"{num}.{k}", {})}


@pytest.mark.browser
@pytest.mark.parametrize("num", CASES or ["none"])
def test_experiments_in_jupyterlab(num, request, screenshots, browser_report):
    if num not in FOUND:
        what = "has no widget cell" if list(NOTEBOOKS.glob(f"{num}-*.ipynb")) else "does not exist yet"
        skip_or_fail(f"notebook {NOTEBOOKS.name}/{num}-*.ipynb {what} "
                     "(listed in EXPECTED_WIDGET_NOTEBOOKS, tests/browser/test_lab_widgets.py)")
    lab = request.getfixturevalue("lab")
    page = request.getfixturevalue("page")
    path = FOUND[num]
    name = path.name
    shot = screenshots / f"lab-{path.stem}"
    urls = record_requests(page)
    since = len(lab.log.read_text(errors="replace"))

    # ?reset: start from an empty workspace (only this notebook open)
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # The toolbar says "idle" before a kernel exists: ask the server instead.
    for _ in range(240):
        if lab.kernel_ready(name):
            break
        page.wait_for_timeout(250)
    else:
        page.screenshot(path=f"{shot}-no-kernel.png")
        pytest.fail(f"{name}: no idle, connected kernel after 60 s (screenshot {shot}-no-kernel.png)")

    try:
        click_run_all(page)
        try:
            wait_for_run_all(page, lab, name, timeout=180)
        except TimeoutError as err:
            page.screenshot(path=f"{shot}-ran.png")
            pytest.fail(f"{name}: {err} (screenshot {shot}-ran.png)", pytrace=False)
        page.screenshot(path=f"{shot}-ran.png")
        errors = output_errors(page)
        assert not errors, (f"{name}: error output after Run All (screenshot {shot}-ran.png):\n"
                            + "\n---\n".join(errors))

        boxes = page.locator(EXPERIMENT).all()
        assert boxes, (f"{name} has widget cells but no Experiment verdict (.course-verdict) on the page: "
                       f"build widgets with helpers.widgets.Experiment (screenshot {shot}-ran.png)")
        for k, box in enumerate(boxes, start=1):
            spec = spec_for(num, k)
            box.scroll_into_view_if_needed()
            before_png, after_png = f"{shot}-exp{k}-before.png", f"{shot}-exp{k}-after.png"
            verdict, src = state(box)
            page.screenshot(path=before_png)
            assert verdict, f"{name} experiment {k}: empty verdict line after Run All ({before_png})"
            assert src, f"{name} experiment {k}: the figure has no image after Run All ({before_png})"
            assert upscaled(box) <= 1.0, f"{name} experiment {k}: the figure is stretched, blurry ({before_png})"
            how, seconds, before, after = move_main_control(box, spec, timeout=spec.get("timeout", 15))
            box.scroll_into_view_if_needed()
            page.screenshot(path=after_png)
            assert after is not None, (f"{name} experiment {k}: verdict and figure did not both change "
                                       f"after: {how}. Verdict stayed {before[0]!r}. "
                                       f"Screenshots: {before_png}, {after_png}")
            if "expect" in spec:
                assert spec["expect"] in after[0], (f"{name} experiment {k}: expected {spec['expect']!r} "
                                                    f"in the verdict, got {after[0]!r} ({after_png})")
            errors = output_errors(page)
            assert not errors, f"{name}: error output after moving a control ({after_png}):\n" + "\n".join(errors)
            flag = "  (the verdict is a warning message)" if after[0].startswith("⚠") else ""
            browser_report.append(f"lab {name} experiment {k}: {how}; change shown after {seconds:.2f} s{flag}\n"
                                  f"    before: {before[0]}\n    after:  {after[0]}\n"
                                  f"    {before_png}\n    {after_png}")
        assert not outside(urls), f"{name}: requests that leave the machine: {outside(urls)}"
        logged = http_errors(lab.log.read_text(errors="replace")[since:])
        assert not logged, f"{name}: the server logged errors while it ran: {logged[:10]}"
    finally:
        lab.close_session(name)
