"""The course's plot style and palette, and small plotting helpers.

One palette for the whole course: Okabe & Ito's eight colours, which stay
distinguishable with the common forms of colour blindness. Importing this
module changes nothing; call ``use_course_style()`` once in a notebook's
Setup cell. Plot functions take an optional ``ax`` and return it; they never
save files (figures/make_figures.py does that).
"""
import os
import struct
import zlib

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

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


# `make present` (a projector) sets COURSE_PRESENT=1: figures are drawn with 1.5x the pixels,
# so their smallest text (8 pt, a legend) is 8 / 72 * 150 = 16.7 px on the screen.
PRESENT_DPI = 150
SMALLEST_FONT_PT = 8  # no course figure uses smaller text (tests/test_figures.py reads the sources)
WIDEST_FIGURE_IN = 8  # nor is wider: 1200 px at PRESENT_DPI, the width of the projector's page


def use_course_style():
    """Apply the course style to matplotlib (call once, in the Setup cell).

    Under ``make present`` (environment variable COURSE_PRESENT=1), figures are
    drawn at PRESENT_DPI instead of 100 dots per inch: the same layout, bigger on
    the screen, so a projector shows every label at 16 px or more.
    """
    mpl.rcParams.update(STYLE)
    if os.environ.get("COURSE_PRESENT") == "1":
        mpl.rcParams.update({"figure.dpi": PRESENT_DPI, "savefig.dpi": PRESENT_DPI})


def smallest_text_px(fig):
    """The height in pixels of the smallest visible text in ``fig`` (at the figure's dpi), or None."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72 if sizes else None


def new_axes(ax=None, **subplots_kw):
    """Return (fig, ax): ``ax``'s figure if given, else a new figure and axes."""
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(**subplots_kw)


def row_labels(ax, y, pad=None):
    """Empty labels for rows at heights ``y`` (data), placed where y tick labels go.

    For widgets that relabel bars in place (``label.set_text(word)``): a widget
    can redraw these texts alone, while new tick labels redraw the whole figure.
    ``pad`` is the gap to the tick mark in points (default: the style's).
    Returns the list of text artists.
    """
    pad = mpl.rcParams["ytick.major.pad"] if pad is None else pad
    ax.set_yticks(y, [""] * len(y))  # keep the tick marks
    gap = mpl.rcParams["ytick.major.size"] + pad
    return [ax.annotate("", (0, y_k), xycoords=ax.get_yaxis_transform(), xytext=(-gap, 0),
                        textcoords="offset points", ha="right", va="center_baseline") for y_k in y]


def png_bytes(rgba):
    """Encode an (H, W, 4) uint8 RGBA image (e.g. an Agg canvas) as PNG bytes.

    The widgets send one image per update: no row filters and zlib level 1
    take ~3 ms for a 1000 x 380 figure (Pillow's PNG writer takes ~8 ms) and
    compress a plot just as well.
    """
    H, W, _ = rgba.shape
    rows = np.zeros((H, 1 + 4 * W), np.uint8)  # each row: filter type 0 ("none"), then its pixels
    rows[:, 1:] = rgba.reshape(H, -1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0)  # 8 bits per channel, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))
