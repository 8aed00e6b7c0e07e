"""Notebook 01's pictures and its experiment: the spiral's points, the classes a
trained net predicts over the plane, and the learning-rate / hidden-size lab.

``SpiralLab`` calls ``ffn.train`` on ``ffn.spiral`` data (each setting once) and
draws the loss curve and the predicted classes (``setup``/``draw`` for
``helpers.widgets.Experiment``, the same two for the static figures);
``ffn.verdict`` turns a loss curve into one readable line.
"""
import numpy as np
from matplotlib import colors as mcolors, ticker

from helpers import ffn, plots, validate

# --------------------------------------------------------------------------
# Pictures: the points, what the net predicts, and the lr / H experiment
# --------------------------------------------------------------------------

# Class colours and markers (two cues, so a colour-blind reader can tell them
# apart); vermillion is left out: it is too close to orange.
CLASS_COLORS = [plots.PALETTE[k] for k in ("blue", "orange", "green", "sky", "purple", "black", "yellow")]
CLASS_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
PLANE = 1.3  # the pictures show the square [-PLANE, PLANE]^2, where the spiral lies
LOSS_RANGE = (0.01, 30.0)  # the lab's fixed loss axis (log scale), so settings can be compared


def _n_classes(labels):
    labels = np.asarray(labels)
    K = int(labels.max()) + 1 if labels.size else 0
    if K > len(CLASS_COLORS):
        raise ValueError(f"labels must lie in [0, {len(CLASS_COLORS)}) to be drawn, got up to {K - 1}")
    return K


def plot_points(ax, x, labels, s=14):
    """Scatter the points x (N, 2), one colour and marker per class in ``labels`` (N,). Returns ax."""
    x = validate.array("x", x, ndim=2, letters="(N, 2)")
    validate.shape("x", x, (x.shape[0], 2), "(N, 2)")
    for k in range(_n_classes(labels)):
        ax.scatter(*x[labels == k].T, s=s, color=CLASS_COLORS[k], marker=CLASS_MARKERS[k], label=f"class {k}",
                   edgecolor="white", linewidth=0.4)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax


def predicted_classes(params, n_grid=120):
    """The class the net predicts at each point of an n_grid x n_grid grid over the plane.

    Returns an integer array (n_grid, n_grid); row i is the height
    -PLANE + 2 PLANE i / (n_grid - 1), column j the same along x_1.
    """
    n_grid = validate.integer("n_grid", n_grid, low=2, high=2000)
    g = np.linspace(-PLANE, PLANE, n_grid)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # (n_grid**2, 2)
    return np.argmax(ffn.predict_proba(params, grid), axis=1).reshape(n_grid, n_grid)


def plot_regions(ax, params, x, labels, n_grid=120):
    """Colour the plane by the class the net predicts there, with the points on top. Returns the image."""
    K = max(_n_classes(labels), params["Wy"].shape[1])
    cmap = mcolors.ListedColormap(CLASS_COLORS[:K])
    image = ax.imshow(predicted_classes(params, n_grid), origin="lower", extent=(-PLANE, PLANE, -PLANE, PLANE),
                      cmap=cmap, vmin=0, vmax=K - 1, alpha=0.25, interpolation="nearest")
    plot_points(ax, x, labels)
    return image


def accuracy(params, x, labels):
    """The share of the points whose most probable class is their label."""
    return float(np.mean(np.argmax(ffn.predict_proba(params, x), axis=1) == labels))


class SpiralLab:
    """The learning-rate / hidden-size experiment on one data set (notebook 01).

    ``run(lr, H)`` trains the net for ``steps`` full-batch steps (each
    setting once: it is kept, so going back to it costs only the redraw);
    ``setup(fig)`` and ``draw(parts, lr, H)`` are the figure of
    ``helpers.widgets.Experiment``: the loss curve on a fixed log axis, with a
    divergence marked where it happened, and the classes the net predicts
    over the plane. The notebook's static figures call the same two.
    """

    def __init__(self, x, labels, steps=300, seed=1, n_grid=60, keep=256):
        self.x = validate.array("x", x, ndim=2, letters="(N, 2)")
        validate.shape("x", self.x, (self.x.shape[0], 2), "(N, 2)")
        self.labels = np.asarray(labels)
        _n_classes(self.labels)
        self.steps = validate.integer("steps", steps, low=1, high=100_000)
        self.seed = validate.integer("seed", seed, low=0)
        self.n_grid = validate.integer("n_grid", n_grid, low=2, high=2000)
        self.keep = validate.integer("keep", keep, low=1)
        self._runs = {}

    def run(self, lr, H):
        """(params, losses) of ``train`` at this setting, from the same initial seed every time."""
        key = (validate.number("lr", lr, low=0, low_open=True, high=1e4), validate.integer("H", H, low=1, high=1000))
        if key not in self._runs:
            if len(self._runs) >= self.keep:
                self._runs.pop(next(iter(self._runs)))  # forget the oldest setting
            self._runs[key] = ffn.train(self.x, self.labels, H, lr, self.steps, np.random.default_rng(self.seed))
        return self._runs[key]

    def cache_clear(self):
        """Forget every trained setting (to time a setting as if it were new)."""
        self._runs.clear()

    def setup(self, fig, panels=("loss", "regions")):
        """Build the panels once on ``fig`` (a Figure or SubFigure); return the parts ``draw`` changes."""
        panels = tuple(panels)
        if not panels or any(p not in ("loss", "regions") for p in panels) or len(set(panels)) < len(panels):
            raise ValueError(f"panels must name 'loss' and/or 'regions' once each, got {panels}")
        width, height = fig.bbox.width / fig.dpi, fig.bbox.height / fig.dpi  # inches (a SubFigure too)
        margins = {"left": 0.8 / width, "right": 1 - 0.1 / width, "bottom": 0.6 / height, "top": 1 - 0.4 / height,
                   "wspace": 0.25} if "loss" in panels else \
                  {"left": 0.05, "right": 0.95, "bottom": 0.05, "top": 1 - 0.35 / height}
        axes = fig.subplots(1, len(panels), squeeze=False, gridspec_kw=margins)[0]
        parts = {}
        if "loss" in panels:
            ax = axes[panels.index("loss")]
            ax.set_yscale("log")
            ax.set_ylim(*LOSS_RANGE)
            ax.set_yticks([0.01, 0.1, 1, 10])
            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_locator(ticker.NullLocator())
            ax.set_xlim(-0.03 * self.steps, self.steps)  # step 0 off the frame, so a short run shows
            ax.set_xlabel("gradient-descent step")
            ax.set_ylabel("loss (log scale)")
            parts["loss"], = ax.plot([], [], color=plots.PALETTE["blue"])
            parts["blowup"], = ax.plot([], [], linestyle="none", marker="X", markersize=10,
                                       color=plots.PALETTE["black"])
            parts["note"] = ax.annotate("", xy=(0, 1), xytext=(0.25, 0.8), textcoords="axes fraction", fontsize=9,
                                        va="top", arrowprops={"arrowstyle": "->", "color": plots.PALETTE["black"]})
            parts["title_loss"] = ax.set_title(" ")
        if "regions" in panels:
            ax = axes[panels.index("regions")]
            K = max(_n_classes(self.labels), 2)
            cmap = mcolors.ListedColormap(CLASS_COLORS[:K])
            parts["regions"] = ax.imshow(np.zeros((self.n_grid, self.n_grid)), origin="lower", cmap=cmap,
                                         extent=(-PLANE, PLANE, -PLANE, PLANE), vmin=0, vmax=K - 1, alpha=0.25,
                                         interpolation="nearest")
            plot_points(ax, self.x, self.labels, s=10)
            ax.set_xlim(-PLANE, PLANE)
            ax.set_ylim(-PLANE, PLANE)
            ax.set_axis_off()  # the plane needs no ticks here (and redraws faster without them)
            parts["points"] = list(ax.collections)  # drawn again over the regions
            parts["title_regions"] = ax.set_title(" ", fontsize=10)
        return parts

    def draw(self, parts, lr, H):
        """Train (or recall) the setting, update the parts from ``setup``, return a one-line verdict."""
        params, losses = self.run(lr, H)
        diverged = len(losses) < self.steps + 1 or not np.isfinite(losses[-1])
        text = ffn.verdict(losses, self.steps)
        if "loss" in parts:
            finite = np.isfinite(losses)
            parts["loss"].set_data(np.flatnonzero(finite), losses[finite])
            parts["title_loss"].set_text(f"lr = {lr:.3g}, H = {H}")
            last = len(losses) - 1
            top = min(losses[-1], LOSS_RANGE[1]) if np.isfinite(losses[-1]) else LOSS_RANGE[1]
            parts["blowup"].set_data([last] * diverged, [top] * diverged)
            parts["note"].set_visible(diverged)
            parts["note"].xy = (last, top)
            parts["note"].set_text(f"blew up at step {last}: loss {losses[-1]:.3g}" if diverged else "")
        head = "the net's classes" if "loss" in parts else f"H = {H}"  # alone, the panel names its setting
        if diverged:
            title = "diverged: no net to show" if "loss" in parts else f"{head}: diverged"
        else:
            acc = accuracy(params, self.x, self.labels)
            title = f"{head}: {acc:.0%} right"
            text += f"; {acc:.0%} of the training points right"
        if "regions" in parts:
            parts["regions"].set_visible(not diverged)
            if not diverged:
                parts["regions"].set_data(predicted_classes(params, self.n_grid))
            parts["title_regions"].set_text(title)
        return text
