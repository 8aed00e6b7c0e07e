"""Thin plumbing for the course's ipywidgets experiments.

An experiment's math is a pure function in the topic's module (tested on its
own); its widget only reads the controls, calls that function and draws. This
module holds the drawing plumbing they share:

- ``Experiment`` lays out controls, a figure (redrawn as a PNG image, which is
  fast and works the same in JupyterLab and Voila) and a one-line verdict.
- A ValueError (or a floating-point error) raised by the update shows as a
  readable message in the verdict line, never as a traceback.
"""
import html
import weakref

import ipywidgets as W
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from helpers.plots import to_png


_LIVE = weakref.WeakSet()  # every Experiment alive in this kernel (make bench times them)


def live_experiments():
    """The Experiments created in this kernel that still exist."""
    return list(_LIVE)


class Experiment:
    """controls: dict name -> ipywidget; draw(fig, **values) -> verdict text.

    ``draw`` receives a cleared figure and the control values; it plots and
    returns a short verdict string shown under the figure. The figure is
    created once (figsize) and reused, so an update costs one redraw.
    """

    def __init__(self, controls, draw, figsize=(7.5, 3.8), title=None):
        self.controls = dict(controls)
        for c in self.controls.values():  # show whole labels ("scale σ_max", not "scale σ_m...")
            if hasattr(c, "style") and hasattr(c.style, "description_width"):
                c.style.description_width = "initial"
        self.draw = draw
        self.fig = plt.figure(figsize=figsize)
        plt.close(self.fig)  # keep it out of the inline backend's output
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.verdict = W.HTML(layout=W.Layout(min_height="1.6em"))
        self.verdict.add_class("course-verdict")
        self.image.add_class("course-figure")
        header = [W.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.box = W.VBox(header + [W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap")),
                                    self.image, self.verdict])
        for c in self.controls.values():
            c.observe(lambda change: self.update(), names="value")
        self.update()
        _LIVE.add(self)

    def values(self):
        return {name: c.value for name, c in self.controls.items()}

    def update(self):
        """Recompute and redraw; show errors as a message, not a traceback."""
        self.fig.clf()
        try:
            # A fixed title height spares matplotlib measuring every tick label to
            # place each title, about a quarter of a redraw.
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"), \
                    mpl.rc_context({"axes.titley": 1.02}):
                text = self.draw(self.fig, **self.values())
            for ax in self.fig.axes:  # minor ticks (log axes make dozens) cost a fifth of a redraw
                ax.minorticks_off()
            self.verdict.value = f"<span style='color:#0072B2'>{html.escape(str(text))}</span>"
        except (ValueError, FloatingPointError) as err:
            self.fig.clf()
            self.fig.text(0.5, 0.5, "No plot for these settings:\n" + str(err),
                          ha="center", va="center", wrap=True)
            self.verdict.value = f"<span style='color:#D55E00'>⚠ {html.escape(str(err))}</span>"
        self.image.value = to_png(self.fig)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)
