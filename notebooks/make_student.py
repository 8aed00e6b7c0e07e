"""Write the student edition: the notebooks without their reference solutions.

    python notebooks/make_student.py               # -> student/ (what `make student` runs)
    python notebooks/make_student.py --out DIR

Every notebook NN-*.ipynb is copied with its ``solution``-tagged cells
removed. The exercise cells (tag ``exercise``) and their checks (tag
``check``) stay, so a learner writes the code and runs the check; the
navigation and contents cells stay too, and the stored outputs of the other
cells are kept, so the notebook reads as it does in the full edition.
The folder sits beside notebooks/, so relative links such as
``../figures/x.png`` still resolve. tests/test_student.py executes the result.
"""
import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

README = """# Student edition

These notebooks are the course without its reference solutions: write your
own code in each exercise cell, then run the check cell under it. The checks
give a hint when something is off.

This folder is generated (`make student`); anything you write here is
overwritten the next time it is generated, so copy your work elsewhere first.
The full edition, with solutions, is in `notebooks/`.
"""


def notebooks(folder=HERE):
    return sorted(Path(folder).glob("[0-9][0-9]-*.ipynb"))


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def student_version(nb):
    """A copy of the notebook without its solution cells (and without saved widget state)."""
    nb = nbformat.from_dict(nb)
    nb.cells = [cell for cell in nb.cells if "solution" not in tags(cell)]
    nb.metadata.pop("widgets", None)
    return nb


def write_student(out, folder=HERE):
    """Write the student edition of every notebook in ``folder`` into ``out``; return the paths."""
    out = Path(out)
    if out.resolve() == Path(folder).resolve():
        raise ValueError(f"out must differ from the notebooks folder, got {out}")
    if out.exists():
        for old in notebooks(out):  # notebooks that no longer exist must not linger
            old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks(folder):
        nb = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, out / path.name)
        written.append(out / path.name)
    (out / "README.md").write_text(README)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "student"), help="output folder (default: student/)")
    args = ap.parse_args(argv)
    written = write_student(args.out)
    if not written:
        print(f"No notebooks NN-*.ipynb in {HERE}")
        return 1
    removed = sum(sum("solution" in tags(c) for c in nbformat.read(HERE / p.name, as_version=4).cells)
                  for p in written)
    print(f"Wrote {len(written)} notebooks to {args.out} ({removed} solution cells removed).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
