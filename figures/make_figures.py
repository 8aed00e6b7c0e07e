"""Draw every static figure of the course into figures/ (run: make figures).

    python figures/make_figures.py            # all figures, into figures/
    python figures/make_figures.py --out DIR  # somewhere else (the tests do this)

The drawings live in helpers/diagrams.py and take their labels from
helpers/notation.py. Output is deterministic: a fixed size and dpi, and no
"Software" stamp in the PNG, so running twice gives identical bytes.
"""
import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import diagrams, plots  # noqa: E402

DPI = 150  # figure inches x 150 = pixels: 8 in -> 1200 px, sharp when a notebook column shrinks it, and its
#           smallest text (10.5 pt) 22 px in `make present` (a projector wants 16 px or more)

# name -> function that draws it and returns its axes (or array of axes)
FIGURES = {
    "ffn": diagrams.ffn,
    "rnn_folded": diagrams.rnn_folded,
    "rnn_unrolled": diagrams.rnn_unrolled,
    "rnn_patterns": diagrams.rnn_patterns,
    "lstm_cell": diagrams.lstm_cell,
    "gru_cell": diagrams.gru_cell,
}


def draw(name):
    """Draw figure ``name`` in the course style at DPI; return the matplotlib Figure (close it after use)."""
    with matplotlib.rc_context():
        plots.use_course_style()
        drawn = FIGURES[name]()
    fig = getattr(drawn, "figure", None) or drawn.flat[0].figure
    fig.set_dpi(DPI)
    return fig


def make(name, out_dir):
    """Draw figure ``name`` and save it as out_dir/name.png; return the path."""
    fig = draw(name)
    path = Path(out_dir) / f"{name}.png"
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return path


def make_all(out_dir=ROOT / "figures"):
    """Write every figure into ``out_dir``; return the list of paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [make(name, out_dir) for name in FIGURES]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "figures"), help="output folder (default: figures/)")
    args = parser.parse_args(argv)
    for path in make_all(args.out):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
