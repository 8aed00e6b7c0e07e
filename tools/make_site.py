"""Build the course as a static HTML site with Jupyter Book 1 (offline).

    python tools/make_site.py                  # -> build/site/_build/html (what `make site` runs)
    python tools/make_site.py --out DIR

The notebooks are shown with their stored outputs; nothing is re-executed.
The site is built from a staged copy (DIR/src), laid out like the repository
(notebooks/, figures/) so relative links keep working. In that copy:
- ``_config.yml`` and ``_toc.yml`` are written from the notebooks present
  (nothing to maintain by hand), with a contents page as the site's root;
- before every widget cell, a note says that the experiment needs a running
  kernel; the widget's own output (which cannot render without one) is
  dropped, and the static plot under it stays;
- solution cells show collapsed (tag ``hide-input``);
- navigation links to ``#Contents`` point at the slug Jupyter Book gives
  that heading (``#contents``);
- images attached to markdown cells (``attachment:NAME``, which MyST-NB does
  not render) point at ``../figures/NAME`` (written from the attachment if
  figures/ lacks it);
- MathJax 2 from the jupyter-server-mathjax package, with its STIX web fonts,
  is copied into the site, so equations render offline.
Needs the ``site`` extra: pip install -e '.[site]' (jupyter-book>=1,<2).
"""
import argparse
import base64
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

TOOLS = Path(__file__).resolve().parent  # the course's build tools
ROOT = TOOLS.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(TOOLS))
import make_notebooks  # noqa: E402  (titles, summaries, contents table)

TITLE = "Recurrent neural networks from scratch"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
KERNEL_NOTE = ("Interactive experiments need a running kernel: open the notebooks with "
               "<code>make lab</code>, on Binder or on your JupyterHub.")
WIDGET_NOTE = """```{note}
:class: course-kernel-note
**Interactive experiment.** Its controls need a running Python kernel, which this page does not have:
open the notebook with `make lab` (or on Binder / JupyterHub) to move them.
The static figure below shows one setting.
```"""


WIDGET_SOURCE = re.compile(r"\bExperiment\(|\binteract(ive)?\(")


def is_widget_output(output):
    return WIDGET_MIME in output.get("data", {})


def is_widget_cell(cell):
    """A code cell that shows an experiment (by its output, or by its source)."""
    return cell.cell_type == "code" and (any(is_widget_output(o) for o in cell.get("outputs", []))
                                         or bool(WIDGET_SOURCE.search(cell.source)))


def stage_notebook(nb):
    """The site's copy of a notebook: kernel notes, collapsed solutions, fixed anchors."""
    nb = nbformat.from_dict(nb)
    cells = []
    for k, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if is_widget_cell(cell):
            note = nbformat.v4.new_markdown_cell(WIDGET_NOTE)
            note.id = f"kernel-note-{k}"
            cells.append(note)
            cell.outputs = [o for o in cell.outputs if not is_widget_output(o)]
        if "solution" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = tags + ["hide-input"]
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"(\.ipynb)#Contents\b", r"\1#contents", cell.source)
            for name in cell.pop("attachments", {}):
                cell.source = cell.source.replace(f"attachment:{name}", f"../figures/{name}")
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def attachments(nb):
    """{name: bytes} of the images attached to the notebook's markdown cells."""
    found = {}
    for cell in nb.cells:
        for name, bundle in cell.get("attachments", {}).items():
            mime, data = next(iter(bundle.items()))
            found[name] = data.encode() if mime == "image/svg+xml" else base64.b64decode(data)
    return found


# MathJax 2 settings. jupyter-server-mathjax ships only the STIX-Web fonts (no TeX
# fonts): without webFont STIX-Web, MathJax asks for the missing TeX font data, and
# every equation with a prime (f'(a)) shows "[Math Processing Error]".
MATHJAX2_CONFIG = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processClass": "tex2jax_process|mathjax_process|math|output_area"},
    "messageStyle": "none",  # no "Loading [MathJax]..." box in the page's corner
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 # MathJax tests font fallback with a font at about:blank, which Chromium
                 # reports as a blocked request; a missing local font tests the same.
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"},
                            # The theme clips span.math (meant for MathJax 3), a class MathJax 2
                            # also gives its inner box: clipped, it sits above the baseline.
                            ".MathJax span.math": {"overflow": "visible", "max-width": "none"}}},
    # The hidden MathML for screen readers asks for TeX fonts (not shipped) for
    # \mathbb and the like: it needs no font of its own.
    "AssistiveMML": {"styles": {".MJX_Assistive_MathML math, .MJX_Assistive_MathML math *": {
        "font-family": "inherit"}}},
}
# Not "_static": Jupyter Book would add every .js file in it to each page (MathJax's
# extensions before MathJax itself: "MathJax is not defined"). Sphinx copies this folder
# into the site's _static/ all the same.
MATHJAX_STATIC = "_mathjax_static"
# A favicon, so that browsers do not ask the server for a missing /favicon.ico.
FAVICON = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#1f5c99"/><circle cx="16" cy="21" r="5" fill="#fff"/>
<path d="M11.5 17.5 A7 7 0 1 1 20.5 17.5" fill="none" stroke="#fff" stroke-width="2.5"/></svg>
"""


def config_yml():
    """Jupyter Book 1 settings (JSON is valid YAML, so no yaml package is needed)."""
    config = {
        "title": TITLE,
        "author": "the rnn-deep-learning contributors",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "off"},
        "html": {"announcement": KERNEL_NOTE, "use_repository_button": False,
                 "use_issues_button": False, "use_edit_page_button": False, "home_page_in_navbar": True,
                 "favicon": "favicon.svg"},
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": "", "thebe": False},
        "sphinx": {"config": {"myst_heading_anchors": 3, "html_show_sourcelink": False,
                              # the theme's colour mode when the reader never picked one
                              # (unset, it logs "Got invalid theme mode" in the console)
                              "html_context": {"default_mode": "auto"},
                              # MathJax 2 from the jupyter-server-mathjax package, copied into the
                              # site: the equations render offline too (no CDN). No MathJax 3
                              # settings from MyST: MathJax 2 would not typeset with them.
                              "mathjax_path": "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full",
                              "mathjax2_config": MATHJAX2_CONFIG, "myst_update_mathjax": False,
                              "html_static_path": [MATHJAX_STATIC],
                              # Markdown outputs (IPython.display.Markdown) with MyST, as the
                              # cells: their $math$ and tables render too.
                              "nb_render_markdown_format": "myst",
                              "suppress_warnings": ["mystnb.unknown_mime_type"]}},
    }
    return json.dumps(config, indent=2) + "\n"


def toc_yml(paths):
    chapters = [{"file": f"notebooks/{p.stem}"} for p in paths]
    return json.dumps({"format": "jb-book", "root": "index", "chapters": chapters}, indent=2) + "\n"


def index_md(paths, nbs):
    titles = [make_notebooks.title(nb) for nb in nbs]
    table = make_notebooks.contents_markdown(paths, titles, nbs, link_prefix="notebooks/")
    return f"""# {TITLE}

An interactive course that builds recurrent neural networks from scratch in
numpy: a feed-forward network, a vanilla RNN, backpropagation through time,
vanishing and exploding gradients, an LSTM, and an autocomplete that finishes
"what's the best food to eat in las" with "vegas".

These pages show every notebook with the outputs of its last run. The
experiments (sliders and text boxes) need a running Python kernel: clone the
repository and run `make lab`, or open it on Binder or your JupyterHub.

## Contents

{table}
"""


def copy_mathjax(dest):
    """MathJax 2 from the jupyter-server-mathjax package, so equations render without a network."""
    import jupyter_server_mathjax

    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", dest)


def stage(src, folder=NOTEBOOKS):
    """Write the staged book into ``src``; return the notebook paths it holds."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    paths = sorted(Path(folder).glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks NN-*.ipynb in {folder}")
    nbs = [nbformat.read(p, as_version=4) for p in paths]
    for p, nb in zip(paths, nbs):
        nbformat.write(stage_notebook(nb), src / "notebooks" / p.name)
    if (ROOT / "figures").is_dir():
        shutil.copytree(ROOT / "figures", src / "figures",
                        ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (src / "figures").mkdir(exist_ok=True)
    for nb in nbs:
        for name, data in attachments(nb).items():
            if not (src / "figures" / name).exists():
                (src / "figures" / name).write_bytes(data)
    copy_mathjax(src / MATHJAX_STATIC / "mathjax")
    (src / "favicon.svg").write_text(FAVICON)
    (src / "_config.yml").write_text(config_yml())
    (src / "_toc.yml").write_text(toc_yml(paths))
    (src / "index.md").write_text(index_md(paths, nbs))
    return paths


def build(out, folder=NOTEBOOKS, quiet=False):
    """Stage and build the site under ``out``; return the HTML folder."""
    out = Path(out).resolve()
    src = out / "src"
    stage(src, folder)
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "--path-output", str(out),
           "--builder", "html", "--keep-going"]
    if quiet:
        cmd.append("--quiet")
    subprocess.run(cmd, check=True)
    html = out / "_build" / "html"
    for page in html.rglob("*.html"):
        page.write_text(drop_repeated_scripts(page.read_text(encoding="utf-8")), encoding="utf-8")
    return html


def drop_repeated_scripts(page):
    """Keep the first of identical inline scripts in <head>. Sphinx 7.4 writes the ones
    extensions add twice (``const THEBE_JS_URL`` twice is a SyntaxError in the console)."""
    head, sep, body = page.partition("</head>")
    if not sep:
        return page
    seen = set()

    def once(m):
        repeated = m.group(1) in seen
        seen.add(m.group(1))
        return "" if repeated else m.group(0)
    return re.sub(r"\n[ \t]*(<script>.*?</script>)", once, head) + sep + body


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "build" / "site"), help="build folder (default: build/site)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    html = build(args.out)
    print(f"Site built in {time.perf_counter() - start:.0f} s: open {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
