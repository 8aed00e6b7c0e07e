"""The static site (`make site`) in a real browser: every page shows its images and equations.

Runs the README's command `make site` once, serves build/site/_build/html on a
loopback port, and opens every page (the contents page and one per notebook)
in headless Chromium. On each page: every <img> loaded; every equation typeset
by MathJax (no "Math Processing Error", no TeX left as text); MathJax's web
fonts loaded from the site; no console error; no request beyond 127.0.0.1;
no 4xx/5xx answer. Screenshots: build/screenshots/site-<page>.png.
"""
import functools
import re
import subprocess
import threading
import time
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from browser_harness import skip_or_fail
from browser_servers import ROOT

HTML = ROOT / "build" / "site" / "_build" / "html"
STAGED = ROOT / "build" / "site" / "src"
PAGES = ["index"] + [f"notebooks/{p.stem}" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))]
MATH_SOURCE = re.compile(r"\$[^$\n]+\$")  # $...$ or $$...$$ in a markdown cell
FONT_FILE = re.compile(r"\.(woff2?|otf|ttf|eot)(\?|$)", re.I)
MATHJAX_FONT_DATA = re.compile(r"/mathjax/.*/fonts/.*\.js(\?|$)")
# MathJax 2 measures font fallback with a font that must fail to load (MathJax_Blank).
MEANT_TO_FAIL = {"MathJax_Blank"}

# Once MathJax 2 has typeset the page (its "End" startup hook), or at once on a page without it.
WAIT_FOR_MATHJAX = """() => new Promise(resolve => {
  const start = Date.now();
  (function wait() {
    if (!document.querySelector('script[src*="MathJax.js"]')) return resolve("no MathJax on this page");
    if (window.MathJax && MathJax.Hub && MathJax.Hub.Register)
      return MathJax.Hub.Register.StartupHook("End", () => resolve("typeset"));
    if (Date.now() - start > 30000) return resolve("MathJax.js did not run within 30 s");
    setTimeout(wait, 100);
  })();
})"""

# What the page shows: images, math nodes, MathJax errors and fonts, TeX left as visible text.
INSPECT = r"""() => {
  const skip = 'script, style, pre, code, textarea, .MathJax, .MathJax_Display, .MathJax_Preview, ' +
               '.MJX_Assistive_MathML, mjx-container';
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    if (/\\\(|\\\)|\\\[|\\\]|\$[^$\s][^$]*\$/.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 120));
  }
  const rendered = '.MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG, mjx-container';
  const math = Array.from(document.querySelectorAll('.math.notranslate'));  // Sphinx's math nodes
  // Inline equations on the text's baseline: a zero-size mark next to the equation sits on
  // the line's baseline; MathJax 2 (HTML-CSS) puts the equation's baseline at the bottom of
  // the first box in its span.math. Of the marks before and after, take the one on its line.
  const offBaseline = [];
  for (const m of document.querySelectorAll('span.math.notranslate')) {
    const box = m.querySelector('.MathJax span.math > span');
    if (!box || !m.checkVisibility()) continue;
    const gaps = ['before', 'after'].map(where => {
      const mark = document.createElement('span');
      mark.style.cssText = 'display: inline-block; width: 0; height: 0';
      m[where](mark);
      const gap = mark.getBoundingClientRect().bottom - box.getBoundingClientRect().bottom;
      mark.remove();
      return gap;
    });
    const gap = Math.abs(gaps[0]) < Math.abs(gaps[1]) ? gaps[0] : gaps[1];
    if (Math.abs(gap) > 1) offBaseline.push(`${gap.toFixed(1)} px: ${m.textContent.trim().slice(0, 40)}`);
  }
  return {
    badImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)
                    .map(i => i.getAttribute('src')),
    images: document.images.length,
    math: math.length,
    inline: document.querySelectorAll('span.math.notranslate .MathJax').length,
    offBaseline,
    untypeset: math.filter(m => !m.querySelector(rendered)).map(m => m.textContent.trim().slice(0, 80)),
    rendered: document.querySelectorAll(rendered).length,
    errors: Array.from(document.querySelectorAll('.MathJax_Error, .merror, .noError, mjx-merror'))
                 .map(e => e.textContent.trim().slice(0, 80)),
    processingErrors: (document.body.innerText.match(/Math Processing Error/g) || []).length,
    fontWarning: !!document.getElementById('MathJax_FontWarning'),
    fontInUse: window.MathJax && MathJax.OutputJax && MathJax.OutputJax['HTML-CSS'] &&
               MathJax.OutputJax['HTML-CSS'].fontInUse || null,
    failedFonts: Array.from(document.fonts).filter(f => f.status === 'error').map(f => f.family),
    raw,
  };
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url(browser_report):
    """`make site` (once), then the built folder on a loopback http server."""
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        skip_or_fail("jupyter-book 1 is not installed: pip install -e '.[site]'")
    # The README's command as written. On first use it installs the `site` extra into .venv
    # (already there with the `test` extra: pip only confirms it), then builds.
    cmd = ["make", "site"]
    start = time.perf_counter()
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        pytest.fail(f"`{' '.join(cmd)}` failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}", pytrace=False)
    browser_report.append(f"make site: {time.perf_counter() - start:.1f} s")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def has_math(name):
    """Does the source of this page (staged notebook or index.md) write any $...$ math?"""
    if name == "index":
        return bool(MATH_SOURCE.search((STAGED / "index.md").read_text()))
    nb = nbformat.read(STAGED / f"{name}.ipynb", as_version=4)
    return any(c.cell_type == "markdown" and MATH_SOURCE.search(c.source) for c in nb.cells)


@pytest.mark.browser
@pytest.mark.site
@pytest.mark.parametrize("name", PAGES, ids=[Path(p).name for p in PAGES])
def test_site_page_shows_images_and_equations_offline(name, site_url, page, screenshots, browser_report):
    assert (HTML / f"{name}.html").exists(), f"`make site` wrote no page {name}.html"
    requests, bad_status, console = [], [], []
    fonts = {}
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: bad_status.append(f"failed {r.url} ({r.failure})"))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))

    def on_response(r):
        if r.status >= 400:
            bad_status.append(f"{r.status} {r.url}")
        if FONT_FILE.search(r.url) or MATHJAX_FONT_DATA.search(r.url):
            fonts[r.url] = r.status
    page.on("response", on_response)

    page.goto(f"{site_url}/{name}.html", wait_until="load")
    mathjax = page.evaluate(WAIT_FOR_MATHJAX)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    found = page.evaluate(INSPECT)
    shot = screenshots / f"site-{Path(name).name}.png"
    page.screenshot(path=shot, full_page=True)

    where = f"site page {name}.html ({shot})"
    browser_report.append(f"site {name}.html: {found['images']} images, {found['math']} equations, "
                          f"{found['rendered']} MathJax elements (font {found['fontInUse']}), "
                          f"{len(fonts)} font requests, {len(requests)} requests\n    {shot}")
    problems = []
    if found["badImages"]:
        problems.append(f"{len(found['badImages'])} of {found['images']} images did not load: {found['badImages']}")
    if found["processingErrors"] or found["errors"]:
        problems.append(f"{found['processingErrors']} 'Math Processing Error', "
                        f"{len(found['errors'])} MathJax error nodes: {found['errors'][:5]}")
    if has_math(name):
        if mathjax != "typeset" or not found["rendered"]:
            problems.append(f"no equation typeset ({mathjax}; {found['math']} math nodes, "
                            f"{found['rendered']} rendered)")
        if found["offBaseline"]:
            problems.append(f"{len(found['offBaseline'])} of {found['inline']} inline equations sit above (+) or "
                            f"below (-) the text's baseline: {found['offBaseline'][:5]}")
        if found["untypeset"]:
            problems.append(f"{len(found['untypeset'])} of {found['math']} math nodes not typeset: "
                            f"{found['untypeset'][:5]}")
        local_fonts = [u for u, s in fonts.items() if s == 200 and u.startswith(site_url) and FONT_FILE.search(u)]
        if not local_fonts or found["fontWarning"]:
            problems.append(f"MathJax web fonts not loaded from the site (font in use: {found['fontInUse']}; "
                            f"font requests: {fonts or 'none'})")
    if found["raw"]:
        problems.append(f"{len(found['raw'])} visible texts with unrendered TeX: {found['raw'][:5]}")
    failed_fonts = {u: s for u, s in fonts.items() if s != 200}
    failed_faces = sorted(set(found["failedFonts"]) - MEANT_TO_FAIL)
    if failed_fonts or failed_faces:
        problems.append(f"{len(failed_fonts)} font requests failed: {failed_fonts}; "
                        f"font faces in error: {failed_faces}")
    if console:
        top = "; ".join(f"{n}x {text[:160]!r}" for text, n in Counter(console).most_common(5))
        problems.append(f"{len(console)} console errors, most frequent: {top}")
    remote = sorted({u for u in requests if not u.startswith((site_url, "data:", "blob:"))})
    if remote:
        problems.append(f"{len(remote)} requests beyond the local server: {remote[:8]}")
    if bad_status:
        problems.append(f"{len(bad_status)} failed requests: {bad_status[:8]}")
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)
