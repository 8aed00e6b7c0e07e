"""Regenerate the course notebooks: navigation, contents, execution, clean-up.

    python tools/make_notebooks.py            # all notebooks
    python tools/make_notebooks.py 05 06      # just these (by number)
    python tools/make_notebooks.py guide      # just the teacher's guide
    python tools/make_notebooks.py --check    # fail if nav/contents are stale
    python tools/make_notebooks.py --no-execute

What it does to every notebook NN-*.ipynb:
1. writes the navigation cells (tag "nav") at the top and bottom, and the
   contents table (tag "contents" in 00 and the README's contents block),
   from the notebooks' own titles: nothing is maintained by hand;
2. executes it top to bottom in a fresh kernel (cwd notebooks/), printing the
   time it took (budget: 30 s each);
3. embeds every figure a markdown cell shows (``![alt](../figures/NAME.png)``,
   stored as ``attachment:NAME.png``) from figures/ into the cell, so the
   picture shows wherever the notebook is opened: JupyterLab with any root
   folder, Voila, the student edition, a single downloaded notebook;
4. strips saved widget state, widget views and per-cell timing metadata, so diffs show
   only real changes and the stored outputs are what a fresh run produces.
A full run (no numbers) then re-executes notebooks/teachers-guide.ipynb, whose
lesson plans are computed from the notebooks' section headings.
"""
import argparse
import base64
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat

# One BLAS thread in the kernels (they inherit this environment): the course
# multiplies small matrices, where threads only add overhead.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

TOOLS = Path(__file__).resolve().parent  # the course's build tools
ROOT = TOOLS.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
FIGURES = ROOT / "figures"
GUIDE = NOTEBOOKS / "teachers-guide.ipynb"  # teachers only: not in the contents, nor in the student edition
FIGURE_LINK = re.compile(r"(!\[[^\]]*\]\()(?:\.\./figures/|attachment:)([\w.-]+\.png)(\))")
BEGIN, END = "<!-- contents:begin -->", "<!-- contents:end -->"


def notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def title(nb):
    """The notebook's H1 title, from its first markdown cell with one."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nav" not in cell.metadata.get("tags", []):
            m = re.search(r"^# (.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    raise ValueError("notebook has no '# Title' heading")


def summary(nb):
    """The first line of the 'What you'll do' paragraph, if there is one."""
    for cell in nb.cells:
        m = re.search(r"\*\*What you'll do\*\*:?\s*(.+)", cell.source)
        if cell.cell_type == "markdown" and m:
            return m.group(1).strip()
    return ""


def nav_markdown(paths, titles, k):
    parts = []
    if k > 0:
        parts.append(f"[← {titles[k - 1]}]({paths[k - 1].name})")
    parts.append(f"[Contents]({paths[0].name}#Contents)")
    if k + 1 < len(paths):
        parts.append(f"[{titles[k + 1]} →]({paths[k + 1].name})")
    return " | ".join(parts)


def contents_markdown(paths, titles, nbs, link_prefix=""):
    lines = ["| # | notebook | what you'll do |", "|---|---|---|"]
    for p, t, nb in zip(paths, titles, nbs):
        lines.append(f"| {p.name[:2]} | [{t}]({link_prefix}{p.name}) | {summary(nb)} |")
    return "\n".join(lines)


def nav_cell(text):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = ["nav"]
    cell.pop("id", None)
    return cell


def with_navigation(nb, text):
    """Replace the notebook's nav cells with fresh ones at the top and bottom."""
    body = [c for c in nb.cells if "nav" not in c.metadata.get("tags", [])]
    top, bottom = nav_cell(text), nav_cell(text)
    top.id, bottom.id = "nav-top", "nav-bottom"
    nb.cells = [top] + body + [bottom]
    return nb


def with_contents(nb, table):
    for cell in nb.cells:
        if "contents" in cell.metadata.get("tags", []):
            cell.source = "## Contents\n\n" + table
    return nb


def with_figures(nb, figures=FIGURES):
    """Embed the figures/ PNGs that markdown cells show as cell attachments (one source: figures/)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        names = [m.group(2) for m in FIGURE_LINK.finditer(cell.source)]
        if not names:
            cell.pop("attachments", None)
            continue
        missing = [n for n in names if not (figures / n).exists()]
        if missing:
            raise FileNotFoundError(f"markdown shows figures/{missing[0]}, which does not exist: run `make figures`")
        cell.source = FIGURE_LINK.sub(r"\1attachment:\2\3", cell.source)
        cell.attachments = {n: {"image/png": base64.b64encode((figures / n).read_bytes()).decode("ascii")}
                            for n in sorted(set(names))}
    return nb


def with_app_tags(nb):
    """Tag "app-hide" a heading whose section is only code without output (## Setup): in the
    app view (make present, code hidden) it would stand empty. Recomputed on every run."""
    cells = nb.cells
    for k, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t != "app-hide"]
        rest = []
        for nxt in cells[k + 1:]:
            if nxt.cell_type == "markdown":
                break
            rest.append(nxt)
        heading_only = re.fullmatch(r"#+ [^\n]+", cell.source.strip()) is not None
        if heading_only and rest and not any(c.get("outputs") for c in rest):
            tags.append("app-hide")
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    return nb


def with_hidden_solutions(nb):
    """Solution cells show collapsed, code and output: what a solution prints (its check line)
    often states the answer, so nothing of it is on the page until the learner opens it."""
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), "source_hidden": True,
                                        "outputs_hidden": True}
    return nb


def clean(nb):
    """Drop saved widget state and timing metadata (they churn and bloat diffs)."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":  # a live widget's view: meaningless without its state
            cell.outputs = [o for o in cell.outputs
                            if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]
    return nb


def execute(nb, path):
    from nbclient import NotebookClient

    start = time.perf_counter()
    # The kernel's own stderr only carries ipykernel's notice about local TCP; cell errors
    # and a dead kernel still raise here.
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def update_readme(table):
    text = README.read_text()
    if BEGIN not in text:
        return text
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("only", nargs="*", help="notebook numbers (or 'guide') to execute (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="only check that nav, contents and embedded figures are current")
    ap.add_argument("--no-execute", action="store_true", help="refresh nav/contents without running")
    args = ap.parse_args(argv)

    paths = notebooks()
    nbs = [nbformat.read(p, as_version=4) for p in paths]
    titles = [title(nb) for nb in nbs]
    table = contents_markdown(paths, titles, nbs)
    stale = []
    for k, (p, nb) in enumerate(zip(paths, nbs)):
        before = nbformat.writes(nb)
        nb = with_navigation(nb, nav_markdown(paths, titles, k))
        nb = with_hidden_solutions(with_app_tags(with_figures(with_contents(nb, table))))
        if nbformat.writes(nb) != before:
            stale.append(p.name)
        nbs[k] = nb
    readme = update_readme(contents_markdown(paths, titles, nbs, link_prefix="notebooks/"))
    if readme != README.read_text():
        stale.append("README.md")

    if args.check:
        if stale:
            print("Out of date (run `make notebooks`):", ", ".join(stale))
            return 1
        print("Navigation, contents and embedded figures are current.")
        return 0

    if not args.only:  # with a selection, touch only the selected notebooks
        README.write_text(readme)
    total = 0.0
    for p, nb in zip(paths, nbs):
        if args.only and p.name[:2] not in args.only:
            continue
        if not args.no_execute:
            seconds = execute(nb, p)
            total += seconds
            print(f"{p.name}: executed in {seconds:.1f} s" + ("  (over the 30 s budget!)" if seconds > 30 else ""))
        nbformat.write(clean(nb), p)
    if not args.no_execute and total:
        print(f"total: {total:.1f} s")
    if (not args.only or "guide" in args.only) and not args.no_execute:
        print(f"{GUIDE.name}: executed in {execute_guide():.1f} s")
    return 0


def execute_guide(path=GUIDE):
    """Re-execute the teacher's guide: its lesson plans are computed from the notebooks' section headings."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no teacher's guide at {path}")
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path)
    nbformat.write(clean(nb), path)
    return seconds


if __name__ == "__main__":
    sys.exit(main())
