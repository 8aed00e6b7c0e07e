"""The static site (`make site`): it builds offline, and no internal link is broken.

Builds the book with Jupyter Book 1 into a temp folder (stored outputs, no
execution), then parses every HTML page: each local href/src must name a
file that exists, and each #anchor must be an id in the page it points to.
Also checks that every notebook has a page with its figures (attached ones
too), that widget notebooks carry the "needs a running kernel" note, that
solutions are collapsed, and that MathJax loads once, from the site, with the
web fonts it ships (tests/browser/test_site_pages.py opens the pages in
Chromium). Needs the site extra (pip install -e '.[site]'); without it the
build test skips, except under CI=true, where it fails.
"""
import base64
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import make_site  # noqa: E402

EXTERNAL = ("http", "https", "mailto", "data", "javascript", "tel", "ftp")
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="  # 1x1


class Links(HTMLParser):
    """Collects href/src values and element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.links.append((tag, attrs[key]))


def parse(path, cache={}):
    if path not in cache:
        parser = Links()
        parser.feed(path.read_text(errors="replace"))
        cache[path] = parser
    return cache[path]


def broken_links(html_root):
    """['page: link (reason)', ...] for every local link that does not resolve."""
    html_root = Path(html_root)
    broken = []
    for page in sorted(html_root.rglob("*.html")):
        if page.relative_to(html_root).parts[0] in ("_static", "_sources"):
            continue  # the themes' template fragments, not pages
        for tag, link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in EXTERNAL or parts.netloc or link.startswith("//"):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(html_root)}: {tag} {link!r}"
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{where} (no file {target})")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in parse(target).ids:
                broken.append(f"{where} (no id {parts.fragment!r} in {target.name})")
    return broken


def test_link_checker_finds_broken_links(tmp_path):
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a href="b.html#there">b</a> <a href="#top">top</a>'
                                     '<img src="missing.png"><a href="https://example.org/x">ext</a>')
    (tmp_path / "b.html").write_text('<p id="here">B</p><a href="a.html">a</a>')
    found = broken_links(tmp_path)
    assert len(found) == 2, found
    assert any("no id 'there'" in f for f in found) and any("missing.png" in f for f in found), found


def test_staging_adds_the_kernel_note_and_hides_solutions():
    nb = nbformat.v4.new_notebook()
    widget = nbformat.v4.new_code_cell("exp")
    widget.outputs = [nbformat.v4.new_output("display_data", data={
        make_site.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(children=(...))"})]
    sol = nbformat.v4.new_code_cell("def f_solution(): pass")
    sol.metadata["tags"] = ["solution"]
    nav = nbformat.v4.new_markdown_cell("[Contents](00-start-here.ipynb#Contents)")
    fig = nbformat.v4.new_markdown_cell("![an RNN](attachment:rnn.png)")
    fig.attachments = {"rnn.png": {"image/png": PNG}}
    nb.cells = [widget, sol, nav, fig]
    out = make_site.stage_notebook(nb)
    assert "running Python kernel" in out.cells[0].source
    assert out.cells[1].outputs == []
    assert "hide-input" in out.cells[2].metadata["tags"]
    assert out.cells[3].source == "[Contents](00-start-here.ipynb#contents)"
    assert out.cells[4].source == "![an RNN](../figures/rnn.png)" and "attachments" not in out.cells[4]
    assert len(nb.cells) == 4 and nb.cells[0].outputs and nb.cells[3].attachments, \
        "the input notebook must not be modified"


def test_staging_writes_attached_images_missing_from_figures(tmp_path):
    """MyST-NB does not render attachments: the staged notebook links ../figures/NAME instead."""
    nb = nbformat.v4.new_notebook()
    fig = nbformat.v4.new_markdown_cell("# Demo\n\n![only here](attachment:only-here.png)")
    fig.attachments = {"only-here.png": {"image/png": PNG}}
    nb.cells = [fig]
    nbformat.write(nb, tmp_path / "01-demo.ipynb")
    make_site.stage(tmp_path / "src", tmp_path)
    assert (tmp_path / "src" / "figures" / "only-here.png").read_bytes() == base64.b64decode(PNG)
    staged = nbformat.read(tmp_path / "src" / "notebooks" / "01-demo.ipynb", as_version=4)
    assert staged.cells[0].source == "# Demo\n\n![only here](../figures/only-here.png)"


def test_repeated_inline_scripts_are_dropped_from_the_head():
    page = ('<head>\n  <script>const A = 1</script>\n  <script>var b = 2</script>\n'
            '  <script>const A = 1</script>\n</head><body>\n<script>var b = 2</script></body>')
    assert make_site.drop_repeated_scripts(page) == ('<head>\n  <script>const A = 1</script>\n'
                                                     '  <script>var b = 2</script>\n</head><body>\n'
                                                     '<script>var b = 2</script></body>')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        reason = "jupyter-book 1 is not installed: pip install -e '.[site]'"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " (CI=true: the site test must not skip)", pytrace=False)
        pytest.skip(reason)
    return make_site.build(tmp_path_factory.mktemp("site"), quiet=True)


@pytest.mark.site
def test_site_has_no_broken_internal_links(site):
    broken = broken_links(site)
    assert not broken, f"{len(broken)} broken links in the site:\n" + "\n".join(broken[:30])


@pytest.mark.site
def test_site_has_a_page_per_notebook_with_its_figures(site):
    # Compare with the staged copy the site was built from (other people may
    # be rewriting notebooks/ while this runs).
    staged = site.parents[1] / "src" / "notebooks"
    index = (site / "index.html").read_text()
    assert "Contents" in index
    paths = sorted(staged.glob("[0-9][0-9]-*.ipynb"))
    assert [p.name for p in paths] == [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))]
    for path in paths:
        page = site / "notebooks" / f"{path.stem}.html"
        assert page.exists(), f"no page for {path.name}"
        assert f"notebooks/{path.stem}.html" in index, f"the contents page does not link {path.name}"
        nb = nbformat.read(path, as_version=4)
        plots = sum(bool({"image/png", "image/svg+xml"} & set(o.get("data", {})))
                    for c in nb.cells for o in c.get("outputs", []))
        imgs = [src for tag, src in parse(page).links if tag == "img" and src.endswith((".png", ".svg"))]
        assert len(imgs) >= plots, f"{page.name}: {len(imgs)} images, the notebook has {plots} plots"
        html = page.read_text()
        notes = sum(c.get("id", "").startswith("kernel-note") for c in nb.cells)
        assert html.count("course-kernel-note") == notes, f"{page.name}: a kernel note is missing"
        solutions = sum("solution" in c.metadata.get("tags", []) for c in nb.cells)
        assert html.count("tag_hide-input") >= solutions, f"{page.name}: solutions are not collapsed"


@pytest.mark.site
def test_widget_notebooks_carry_the_kernel_note(site):
    staged = site.parents[1] / "src" / "notebooks"
    widget_pages = [p for p in staged.glob("[0-9][0-9]-*.ipynb")
                    if any(c.get("id", "").startswith("kernel-note") for c in nbformat.read(p, as_version=4).cells)]
    if any(NOTEBOOKS.glob("0[1-7]-*.ipynb")):
        assert widget_pages, "no notebook got the 'needs a running kernel' note, yet 01-07 have experiments"
    for p in widget_pages:
        html = (site / "notebooks" / f"{p.stem}.html").read_text()
        assert "course-kernel-note" in html and "running Python kernel" in html, f"{p.stem}.html: no kernel note"


@pytest.mark.site
def test_equations_render_offline_with_the_shipped_mathjax(site):
    """Math pages load MathJax from the site itself (no CDN), once, as version 2 with its settings."""
    assert (site / "_static" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").exists()
    page = (site / "notebooks" / "05-vanishing-and-exploding-gradients.html").read_text()
    assert "\\(" in page, "the page has no inline math to render"
    loads = re.findall(r'<script[^>]*src="([^"]*_static/mathjax/[^"]*)"', page)
    assert loads == ["../_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"], \
        f"MathJax (and none of its extensions: they need MathJax loaded first) must load once: {loads}"
    assert "MathJax.Hub.Config" in page and "window.MathJax" not in page
    assert '"webFont": "STIX-Web"' in page, "MathJax 2 must use the web fonts it ships with (STIX-Web)"
    assert (site / "_static" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()
    assert "cdn.jsdelivr" not in page and "mathjax@3" not in page
    assert page.count("const THEBE_JS_URL") <= 1, "THEBE_JS_URL is declared twice: a console error"


@pytest.mark.site
def test_no_page_links_a_cell_attachment(site):
    """MyST-NB cannot read attachments: an ``attachment:NAME`` src shows no image (the link check
    above makes sure the ../figures/NAME that replaces it exists)."""
    for page in sorted((site / "notebooks").glob("*.html")):
        imgs = [src for tag, src in parse(page).links if tag == "img" and "attachment:" in src]
        assert not imgs, f"{page.name}: images that link cell attachments show nothing: {imgs}"
