"""Acceptance: the README's commands, run as written, and what a person sees.

`make lab` (and `make lab NBDIR=student` after `make student`) and
`make present NB=..` are started exactly as the README gives them (only the
port, the token and "no browser window" are set, through the environment or
the documented variables), for every notebook. Each page is looked at in
headless Chromium as a learner or a teacher would: every image loaded, every
equation typeset, no request leaving the machine, no 4xx/5xx in the server's
log; in the app view (a projector at 1280x800) also no code, no traceback, no
empty heading, no exercise answers, text of 16 px or more, no word broken
across lines, the experiment's figure and verdict on one screen, and a control
that answers. Screenshots: build/screenshots/{lab,student,present}-NN-*.png.
"""
import base64
import struct
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from browser_harness import DEFAULT_NOTEBOOKS, NOTEBOOKS
from browser_pages import (EXPERIMENT, broken_images, empty_headings, image_count, math_in_markdown,
                           move_main_control, outside, output_errors, record_requests, small_text,
                           wait_for_math, words_split_across_lines)
from browser_servers import ROOT, LabServer, VoilaServer, http_errors
from test_lab_widgets import spec_for

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from helpers import plots  # noqa: E402

sys.path.insert(0, str(ROOT / "figures"))
import make_figures  # noqa: E402  (the diagrams: draw() is what figures/ holds)

NUMBERS = [p.name[:2] for p in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))]
APP_HIDDEN = {"nav", "exercise", "check", "solution", "app-hide"}  # left out by the "course" Voila template
PROJECTOR = {"width": 1280, "height": 800}


def notebook(num, folder=NOTEBOOKS):
    path = sorted(Path(folder).glob(f"{num}-*.ipynb"))[0]
    return path, nbformat.read(path, as_version=4)


def tags(cell):
    return set(cell.metadata.get("tags", []))


def equations(nb, shown=lambda cell: True):
    return sum(math_in_markdown(c.source) for c in nb.cells if c.cell_type == "markdown" and shown(c))


def solution_lines(nb):
    """The lines the solution cells print (a check line often states the answer)."""
    return [line.strip() for c in nb.cells if "solution" in tags(c) for o in c.get("outputs", [])
            for line in str(o.get("text", "") or o.get("data", {}).get("text/plain", "")).splitlines()
            if len(line.strip()) > 8]


def new_log_errors(server, since):
    return http_errors(server.log.read_text(errors="replace")[since:])


# ------------------------------------------------------------------- make lab
@pytest.fixture(scope="module")
def student_lab(chromium, tmp_path_factory):
    """`make student`, then `make lab NBDIR=student`: the edition a teacher hands out."""
    out = subprocess.run(["make", "student"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"`make student` failed:\n{out.stdout}\n{out.stderr}"
    try:
        server = LabServer(tmp_path_factory.mktemp("student-lab"), nbdir="student")
    except RuntimeError as err:
        pytest.fail(f"`make lab NBDIR=student` did not start: {err}", pytrace=False)
    yield server
    server.stop()


@pytest.mark.browser
def test_make_lab_opens_the_start_page(request, screenshots, tmp_path):
    """A new user's first `make lab` (its own server, a fresh profile): the browser lands on 00-start-here."""
    page = request.getfixturevalue("page")
    try:
        lab = LabServer(tmp_path)
    except RuntimeError as err:
        pytest.fail(f"`make lab` did not start: {err}", pytrace=False)
    try:
        opened = lab.opened()
        assert opened, f"`make lab` asked no browser to open anything:\n{lab.log_tail()}"
        page.goto(opened)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('.jp-Notebook h1').length > 0", timeout=30_000)
        page.screenshot(path=str(screenshots / "lab-start.png"))
        assert page.url.split("?")[0].endswith("/lab/tree/00-start-here.ipynb"), (
            f"`make lab` opened {page.url}, not notebooks/00-start-here.ipynb")
        shown = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook h1").first.inner_text()
        assert shown.startswith("Start here"), f"the page shows {shown!r}, not the start page's title"
    finally:
        lab.stop()


def look_at_notebook_in_lab(server, page, num, folder, shot):
    """Open one notebook (stored outputs, nothing run) and check what a learner sees."""
    path, nb = notebook(num, folder)
    urls = record_requests(page)
    since = len(server.log.read_text(errors="replace"))
    page.goto(f"{server.url}/lab/tree/{path.name}?reset&token={server.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    try:
        markdown = sum(c.cell_type == "markdown" for c in nb.cells)
        page.wait_for_function(f"document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length >= {markdown}",
                               timeout=30_000)
        expected = equations(nb)
        done, math_errors = wait_for_math(page, expected, scope=".jp-Notebook")
        bad = broken_images(page, ".jp-Notebook")
        first = page.locator(".jp-Notebook .jp-RenderedMarkdown img, .jp-Notebook .jp-OutputArea-output img").first
        if first.count():
            first.scroll_into_view_if_needed()
        page.screenshot(path=shot)
        problems = []
        if bad:
            problems.append(f"{len(bad)} of {image_count(page, '.jp-Notebook')} images did not load: {bad}")
        if math_errors:
            problems.append(f"equations that did not typeset: {math_errors}")
        if done < expected:
            problems.append(f"{done} equations typeset, the markdown holds {expected}")
        if outside(urls):
            problems.append(f"requests that leave the machine: {outside(urls)}")
        shown_outputs = "\n".join(o.inner_text() for o in page.locator(".jp-Notebook .jp-OutputArea-output").all()
                                  if o.is_visible())
        answers = [line for line in solution_lines(nb) if line in shown_outputs]
        if answers:
            problems.append(f"solution outputs on the page before the learner opens them: {answers[:3]}")
        errors = new_log_errors(server, since)
        if errors:
            problems.append(f"the server logged errors: {errors[:10]}")
        assert not problems, f"{folder.name}/{path.name} in `make lab` ({shot}):\n  " + "\n  ".join(problems)
    finally:
        server.close_session(path.name)


@pytest.mark.browser
@pytest.mark.parametrize("num", NUMBERS)
def test_make_lab_shows_every_figure_and_equation(num, request, screenshots):
    lab, page = request.getfixturevalue("lab"), request.getfixturevalue("page")
    look_at_notebook_in_lab(lab, page, num, NOTEBOOKS, str(screenshots / f"lab-{num}-open.png"))


@pytest.mark.browser
@pytest.mark.parametrize("num", NUMBERS)
def test_student_edition_in_lab_shows_every_figure_and_equation(num, request, screenshots):
    if NOTEBOOKS != DEFAULT_NOTEBOOKS:
        pytest.skip("the student edition is made from notebooks/ only")
    server, page = request.getfixturevalue("student_lab"), request.getfixturevalue("page")
    look_at_notebook_in_lab(server, page, num, ROOT / "student", str(screenshots / f"student-{num}-open.png"))


# --------------------------------------------------------------- make present
def png_dpi(src):
    """Dots per inch recorded in a data: URL PNG (its pHYs chunk), or None."""
    if not src.startswith("data:image/png;base64,"):
        return None
    data = base64.b64decode(src.split(",", 1)[1])
    k = data.find(b"pHYs")
    if k < 0:
        return None
    x, _, unit = struct.unpack(">IIB", data[k + 4:k + 13])
    return x * 0.0254 if unit == 1 else None


def figure_text_problems(page):
    """Figures whose smallest text shows under 16 px on the projector."""
    problems = []
    for img in page.locator("#rendered_cells img").all():
        shown = img.evaluate("e => e.naturalWidth ? e.clientWidth / e.naturalWidth : 0")
        cls = img.get_attribute("class") or ""
        src = img.get_attribute("src") or ""
        alt = (img.get_attribute("alt") or "")[:40]
        if "course-figure" in cls:  # an Experiment: it names its smallest text (helpers.widgets)
            px = [int(c[12:-2]) for c in cls.split() if c.startswith("course-text-")]
            smallest = px[0] * shown if px else None
            what = "the experiment's figure"
        elif img.evaluate("e => !!e.closest('.jp-RenderedMarkdown')"):  # a diagram from figures/
            data = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:image/png;base64,") else b""
            name = next((n for n in make_figures.FIGURES
                         if (ROOT / "figures" / f"{n}.png").read_bytes() == data), None)
            if name is None:
                problems.append(f"markdown image {alt!r} is not a figure from figures/")
                continue
            fig = make_figures.draw(name)  # the diagram's smallest text, measured on the drawing
            fig.canvas.draw()
            smallest = plots.smallest_text_px(fig) * shown
            plt.close(fig)
            what = f"diagram {name}"
        else:  # a plot drawn by the notebook: its dpi (pHYs) times the smallest font the course uses
            dpi = png_dpi(src)
            smallest = None if dpi is None else plots.SMALLEST_FONT_PT * dpi / 72 * shown
            what = f"plot {alt or src[:40]}"
        if smallest is None or smallest < 16:
            problems.append(f"{what}: smallest text {smallest and round(smallest, 1)} px (shown at {shown:.2f}x)")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("num", NUMBERS)
def test_make_present_is_a_clean_app_on_a_projector(num, request, screenshots, browser_report, tmp_path):
    path, nb = notebook(num)
    chromium = request.getfixturevalue("chromium")
    context = chromium.new_context(viewport=PROJECTOR)
    context.set_default_timeout(30_000)
    page = context.new_page()
    urls = record_requests(page)
    shot = screenshots / f"present-{num}"
    try:
        server = VoilaServer(num, tmp_path, nbdir=None if NOTEBOOKS == DEFAULT_NOTEBOOKS else str(NOTEBOOKS))
    except RuntimeError as err:
        pytest.fail(f"`make present NB={num}` did not start: {err}", pytrace=False)
    try:
        start = time.monotonic()
        try:  # Voila streams the page while it runs the notebook; the cells show when it is done
            page.goto(server.url + "/", timeout=60_000, wait_until="domcontentloaded")
            page.wait_for_selector("#rendered_cells", state="visible",
                                   timeout=max(1_000, 60_000 - 1_000 * (time.monotonic() - start)))
        except Exception:
            page.screenshot(path=f"{shot}-timeout.png")
            pytest.fail(f"`make present NB={num}`: the app did not finish within 60 s ({shot}-timeout.png);"
                        f" log:\n{server.log_tail()}", pytrace=False)
        ready = time.monotonic() - start
        page.wait_for_load_state("load")
        page.screenshot(path=f"{shot}-top.png")
        problems = []

        shown = lambda cell: not (tags(cell) & APP_HIDDEN)  # noqa: E731
        done, math_errors = wait_for_math(page, equations(nb, shown), scope="#rendered_cells")
        if math_errors or done < equations(nb, shown):
            problems.append(f"equations: {done} typeset of {equations(nb, shown)}, errors {math_errors}")
        code = page.locator("#rendered_cells .jp-CodeCell .jp-InputArea, #rendered_cells .cm-editor, "
                            "#rendered_cells .jp-CodeCell .highlight").count()
        if code:
            problems.append(f"{code} code cells are shown")
        text = page.locator("#rendered_cells").inner_text()
        errors = output_errors(page) + (["Traceback"] if "Traceback" in text else [])
        if errors:
            problems.append(f"errors on the page: {errors[:3]}")
        if empty_headings(page, "#rendered_cells"):
            problems.append(f"empty headings: {empty_headings(page, '#rendered_cells')}")
        answers = solution_lines(nb)
        outputs = "\n".join(page.locator("#rendered_cells .jp-OutputArea").all_inner_texts())
        leaked = [a for a in answers if a in text] + [m for m in ("✅", "❌", "✏️") if m in outputs]
        if leaked:
            problems.append(f"exercise checks or answers shown: {leaked[:5]}")
        bad = broken_images(page, "#rendered_cells")
        if bad:
            problems.append(f"images that did not load: {bad}")
        small = small_text(page, "#rendered_cells p, #rendered_cells li, #rendered_cells td, #rendered_cells pre, "
                                 "#rendered_cells .widget-label, #rendered_cells .course-verdict span")
        if small:
            problems.append(f"{len(small)} text elements under 16 px, e.g. {small[:3]}")
        broken = words_split_across_lines(page, "#rendered_cells p, #rendered_cells li, #rendered_cells pre, "
                                                "#rendered_cells .course-verdict")
        if broken:
            problems.append(f"words broken across two lines: {broken}")
        problems += figure_text_problems(page)

        boxes = page.locator(EXPERIMENT).all()
        if boxes:  # the first experiment: figure and verdict on one screen, and its control answers
            box = boxes[0]
            box.evaluate("e => e.scrollIntoView({block: 'start'})")
            fig_box = box.locator("img.course-figure").first.bounding_box()
            verdict_box = box.locator(".course-verdict").first.bounding_box()
            page.screenshot(path=f"{shot}-experiment.png")
            span = verdict_box["y"] + verdict_box["height"] - fig_box["y"]
            if span > PROJECTOR["height"]:
                problems.append(f"figure and verdict take {span:.0f} px, more than the {PROJECTOR['height']} px screen")
            how, seconds, before, after = move_main_control(box, spec_for(num, 1), timeout=30)
            page.screenshot(path=f"{shot}-moved.png")
            if after is None:
                problems.append(f"the experiment did not answer: {how}; verdict stayed {before[0]!r}")
            else:
                browser_report.append(f"present {path.name}: ready in {ready:.1f} s; {how}; answered in {seconds:.2f} s")
        elif num != "00":
            problems.append("no experiment on the page")
        if outside(urls):
            problems.append(f"requests that leave the machine: {outside(urls)}")
        log_errors = http_errors(server.log.read_text(errors="replace"))
        if log_errors:
            problems.append(f"the server logged errors: {log_errors[:10]}")
        assert not problems, (f"`make present NB={num}` ({shot}-top.png, ready in {ready:.0f} s):\n  "
                              + "\n  ".join(problems))
    finally:
        context.close()
        server.stop()
