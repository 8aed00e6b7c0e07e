"""Thin plumbing for the course's ipywidgets experiments.

An experiment's math is a pure function in the topic's module (tested on its
own); its widget only reads the controls, calls that function and draws. This
module holds the drawing plumbing they share:

- ``Experiment`` lays out controls, a figure (redrawn as a PNG image, which is
  fast and works the same in JupyterLab and Voila) and a one-line verdict.
  Its figure is built once (``setup``) and each update changes only what
  moves, so a slider answers in tens of milliseconds (``make bench``).
- A ValueError (or a floating-point error) raised by the update shows as a
  readable message in the verdict line, never as a traceback.
"""
import gc
import html
import weakref
from collections.abc import Mapping, Sequence

import ipywidgets as W
import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.plots import png_bytes, smallest_text_px


_LIVE = weakref.WeakSet()  # every Experiment alive in this kernel (make bench times them)

# A fixed title height spares matplotlib measuring every tick label to place
# each title, about a quarter of a full redraw.
_FAST_RC = {"axes.titley": 1.02}


def live_experiments():
    """The Experiments created in this kernel that still exist."""
    return list(_LIVE)


def agg_figure(figsize):
    """A figure outside pyplot (no inline output, nothing to close) drawn by Agg."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def label_figure(image, fig):
    """Mark an Image widget that shows ``fig`` as a course figure, named by its smallest text in PNG
    pixels ("course-figure course-text-16px"): what the browser tests read on a projector."""
    image.add_class("course-figure")
    px = smallest_text_px(fig)
    if px is not None:
        image.add_class(f"course-text-{int(px)}px")
    return image


def moving_parts(parts):
    """The artists in ``parts``, walking dicts, lists and containers (bars); not Axes, not other values."""
    if isinstance(parts, Axes):
        return []
    if isinstance(parts, Artist):
        return [parts]
    if isinstance(parts, Mapping):
        parts = list(parts.values())
    if isinstance(parts, Sequence) and not isinstance(parts, str):  # lists, bars (a BarContainer), ax.texts
        return [a for p in parts for a in moving_parts(p)]
    return []


def set_limits(ax, xlim=None, ylim=None):
    """Set the limits of ``ax`` that change; leave the others alone.

    Setting limits, even to the values they have, marks the figure as changed,
    and an Experiment then redraws all of it, not only its moving parts.
    """
    if xlim is not None and tuple(ax.get_xlim()) != tuple(xlim):
        ax.set_xlim(xlim)
    if ylim is not None and tuple(ax.get_ylim()) != tuple(ylim):
        ax.set_ylim(ylim)


class Experiment:
    """controls: dict name -> ipywidget; draw(...) -> verdict text.

    Two ways to draw; both return a short verdict string shown under the figure.

    - ``setup(fig)`` builds the axes, labels and artists once and returns the
      parts that change, by name (a dict: a line, the bars, a title, ...);
      ``draw(parts, **values)`` then updates them in place (``set_data``,
      ``set_width``, ``set_text``, ...). Each update redraws only those parts,
      over a saved image of the rest: matplotlib spends most of a redraw on
      text (tick labels, axis labels), and that stays put. Anything else that
      ``draw`` changes (limits, ticks, a new legend) makes the whole figure
      redraw: slower, never stale. So: set limits with ``set_limits`` (only
      when they change); label bars with texts (``plots.row_labels``), not
      tick labels; return a static artist that must stay on top of moving
      ones (a legend over bars) with the parts. ``parts`` may also hold Axes
      and plain values (e.g. what is drawn now); those are not redrawn alone.
    - ``draw(fig, **values)`` alone receives a cleared figure on every update
      and draws it from scratch: simplest, and fine for a light figure.
    """

    def __init__(self, controls, draw, figsize=(7.5, 3.8), title=None, setup=None):
        self.controls = dict(controls)
        for c in self.controls.values():  # show whole labels ("scale σ_max", not "scale σ_m...")
            if hasattr(c, "style") and hasattr(c.style, "description_width"):
                c.style.description_width = "initial"
        self.draw, self.setup = draw, setup
        self.fig = agg_figure(figsize)
        self.parts, self._background = None, None
        if setup is not None:
            with mpl.rc_context(_FAST_RC):
                self.parts = setup(self.fig)
            for ax in self.fig.axes:  # minor ticks (log axes make dozens) cost a fifth of a redraw
                ax.minorticks_off()
        # flex-start: the box would otherwise stretch the PNG to its full width (blurry in Voila)
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", align_self="flex-start"))
        self.verdict = W.HTML(layout=W.Layout(min_height="1.6em"))
        self.verdict.add_class("course-verdict")
        header = [W.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.box = W.VBox(header + [W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap")),
                                    self.image, self.verdict])
        for c in self.controls.values():
            c.observe(lambda change: self.update(), names="value")
        self.update()
        label_figure(self.image, self.fig)
        _LIVE.add(self)

    def values(self):
        return {name: c.value for name, c in self.controls.items()}

    def recompute(self):
        """Call draw with the controls' values, without rendering; return its verdict text."""
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"), \
                mpl.rc_context(_FAST_RC):
            if self.setup is not None:
                return self.draw(self.parts, **self.values())
            self.fig.clf()
            text = self.draw(self.fig, **self.values())
        for ax in self.fig.axes:
            ax.minorticks_off()
        return text

    def update(self):
        """Recompute and redraw; show errors as a message, not a traceback."""
        # An update makes thousands of short-lived objects. With the garbage collector on, the
        # ones alive when it runs get promoted to older generations, and every few updates
        # that triggers a full collection: a scan of every object in the kernel (~100 ms).
        # Off, they are freed when the update ends, as they would be anyway.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._update()
        finally:
            if gc_was_on:
                gc.enable()

    def _update(self):
        try:
            text = self.recompute()
        except (ValueError, FloatingPointError) as err:
            self.verdict.value = f"<span style='color:#D55E00'>⚠ {html.escape(str(err))}</span>"
            self.image.value = self.message_png("No plot for these settings:\n" + str(err))
            return
        self.verdict.value = f"<span style='color:#0072B2'>{html.escape(str(text))}</span>"
        self.image.value = self.render_png()

    def render_png(self):
        """The figure as PNG bytes: only the moving parts are redrawn, unless something else changed."""
        fig, canvas = self.fig, self.fig.canvas
        moving = moving_parts(self.parts)
        for ax in dict.fromkeys(a.axes for a in moving if a.axes is not None):
            if ax.axison and ax.get_frame_on():  # its frame goes over the data
                moving += ax.spines.values()
        moving.sort(key=lambda a: a.get_zorder())  # matplotlib's own drawing order
        new = [a for a in moving if not a.get_animated()]
        for artist in new:  # animated: matplotlib's own draw skips it, and changing it leaves fig.stale alone
            parent = artist.axes or fig
            if artist not in parent.get_children():
                raise ValueError(f"setup returned {artist!r}, which its Axes or figure does not draw directly "
                                 "(an axis label, a tick label, a legend entry?): it cannot be redrawn alone")
            artist.set_animated(True)
        if new or fig.stale or self._background is None:  # the saved image of the rest is out of date
            canvas.draw()
            self._background = canvas.copy_from_bbox(fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in moving:
            fig.draw_artist(artist)
        fig.stale = False  # (drawing a legend flags its Axes as changed: it is not)
        return png_bytes(np.asarray(canvas.buffer_rgba()))

    def message_png(self, message):
        """A figure-sized PNG that shows only ``message`` (the figure itself stays as it was)."""
        fig = agg_figure(self.fig.get_size_inches())
        fig.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
        fig.canvas.draw()
        return png_bytes(np.asarray(fig.canvas.buffer_rgba()))

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)
