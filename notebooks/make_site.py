"""Build the course as a static HTML site with Jupyter Book 1 (offline).

    python notebooks/make_site.py                  # -> build/site/_build/html (what `make site` runs)
    python notebooks/make_site.py --out DIR

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
  that heading (``#contents``).
Needs the ``site`` extra: pip install -e '.[site]' (jupyter-book>=1,<2).
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
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
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def config_yml():
    """Jupyter Book 1 settings (JSON is valid YAML, so no yaml package is needed)."""
    config = {
        "title": TITLE,
        "author": "the rnn-deep-learning contributors",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "off"},
        "html": {"announcement": KERNEL_NOTE, "use_repository_button": False,
                 "use_issues_button": False, "use_edit_page_button": False, "home_page_in_navbar": True},
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": "", "thebe": False},
        "sphinx": {"config": {"myst_heading_anchors": 3, "html_show_sourcelink": False,
                              # MathJax 2 from the jupyter-server-mathjax package, copied into the
                              # site: the equations render offline too (no CDN).
                              "mathjax_path": "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full",
                              "mathjax2_config": {"tex2jax": {
                                  "inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                                  "processClass": "tex2jax_process|mathjax_process|math|output_area"}},
                              "html_static_path": ["_static"],
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


def stage(src, folder=HERE):
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
    copy_mathjax(src / "_static" / "mathjax")
    (src / "_config.yml").write_text(config_yml())
    (src / "_toc.yml").write_text(toc_yml(paths))
    (src / "index.md").write_text(index_md(paths, nbs))
    return paths


def build(out, folder=HERE, quiet=False):
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
        page.write_text(only_mathjax2(page.read_text(encoding="utf-8")), encoding="utf-8")
    return html


def only_mathjax2(page):
    """Drop what the book adds for MathJax 3 (a settings object, a second plain load):
    with them, the shipped MathJax 2 never typesets."""
    page = re.sub(r'\s*<script>window\.MathJax = \{"options".*?</script>', "", page)
    return re.sub(r'\s*<script src="[./]*_static/mathjax/MathJax\.js\?v=[0-9a-f]+"></script>', "", page)


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
