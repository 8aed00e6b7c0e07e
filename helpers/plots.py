"""The course's plot style and palette, and small plotting helpers.

One palette for the whole course: Okabe & Ito's eight colours, which stay
distinguishable with the common forms of colour blindness. Importing this
module changes nothing; call ``use_course_style()`` once in a notebook's
Setup cell. Plot functions take an optional ``ax`` and return it; they never
save files (figures/make_figures.py does that).
"""
import io

import matplotlib as mpl
import matplotlib.pyplot as plt

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]

STYLE = {
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "image.cmap": "cividis",  # colour-blind-safe sequential map
    "svg.hashsalt": "rnn-deep-learning",  # deterministic SVG ids
}


def use_course_style():
    """Apply the course style to matplotlib (call once, in the Setup cell)."""
    mpl.rcParams.update(STYLE)


def new_axes(ax=None, **subplots_kw):
    """Return (fig, ax): ``ax``'s figure if given, else a new figure and axes."""
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(**subplots_kw)


def to_png(fig):
    """Render a figure to PNG bytes (what the widgets show), without keeping it open."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
