"""The figures of notebook 05: the gradient lab, and the log axis its curves share.

The lab is a ``helpers.widgets.Experiment``: ``setup_lab(fig)`` builds the axes
and the lines once, ``draw_lab(parts, scale, activation, T, clip, threshold)``
calls ``gradients.gradient_norms`` and updates them in place, and returns the
verdict line. The static figure under the widget is drawn by the same pair:

    fig = plt.figure(figsize=(8, 3.6))
    print(draw_lab(setup_lab(fig), scale=3.0, activation="relu", T=200, clip="by global norm", threshold=1.0))

The curves are log10 values on a linear axis (they may pass 1e308, where a
float64 is inf), so ``log10_axis`` labels the ticks as powers of ten.
"""
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from helpers import gradients, plots, validate, widgets

CLIP_OPTIONS = ("none", "by global norm")  # the lab's clipping dropdown


def log10_axis(ax):
    """Label a y axis of log10 values as powers of ten (1e-15, 1e0, ...), with few ticks; returns ax."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # few ticks: each one costs redraw time
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:.0f}"))
    ax.set(xlabel="time step t", ylabel=r"$\|\partial L / \partial h_t\|$ (log scale)")
    return ax


def what_happened(tr):
    """A few words for a panel title ("vanishes", "explodes", "grows only x5.1"), with gradients.verdict's thresholds."""
    r = tr.log10_norm[0]
    if r < -2:
        return "vanishes"
    if r > 2:
        return "explodes"
    return f"{'grows' if r > 0 else 'shrinks'} only x{10.0 ** r:.2g}"


def setup_lab(fig):
    """Build the lab's axes and artists once; return the parts ``draw_lab`` updates, by name."""
    ax = fig.subplots()
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.14, top=0.9)  # fixed layout: faster than tight_layout
    norm_line, = ax.plot([], [], color=plots.PALETTE["blue"], label=r"$\|\partial L / \partial h_t\|$")
    bound_line, = ax.plot([], [], "--", color=plots.PALETTE["black"], lw=1)
    clipped_line, = ax.plot([], [], color=plots.PALETTE["vermillion"])
    float_limits = [(level, ax.axhline(level, color=plots.PALETTE["purple"], ls=":", lw=1),
                     ax.text(0, level, text, va="bottom", ha="right", fontsize=8))
                    for level, text in [(gradients.LOG10_MAX, "largest float64 (1.8e308)"),
                                        (gradients.LOG10_MIN, "smallest float64 (4.9e-324)")]]
    log10_axis(ax)
    return {"ax": ax, "norm": norm_line, "bound": bound_line, "clipped": clipped_line,
            "float_limits": float_limits, "title": ax.set_title(" ")}


def draw_lab(parts, scale, activation, T, clip, threshold):
    """Draw ||dL/dh_t|| of a fresh RNN (gradients.gradient_norms, seed 0), its bound and, if clipped, the clipped curve.

    clip: "none" or "by global norm" (then the parameter gradient is clipped to
    norm ``threshold``). Returns the verdict line (gradients.verdict); bad
    settings raise a ValueError that names them.
    """
    validate.choice("clip", clip, CLIP_OPTIONS)
    tr = gradients.gradient_norms(scale, activation, T, np.random.default_rng(0),
                                  clip=threshold if clip == "by global norm" else None)
    ax, norm_line, bound_line, clipped_line = parts["ax"], parts["norm"], parts["bound"], parts["clipped"]
    curves = [np.where(np.isfinite(tr.log10_norm), tr.log10_norm, np.nan), tr.log10_bound]  # exact zeros not drawn
    norm_line.set_data(tr.t, curves[0])
    bound_line.set_data(tr.t, tr.log10_bound)
    bound_line.set_label(rf"bound $(\gamma\sigma_{{max}})^{{T-t}}$, $\gamma\sigma_{{max}}$ = {tr.gamma * tr.sigma_max:.2f}")
    shown = [norm_line, bound_line]
    # Lines not shown get NaN data rather than set_visible(False): the legend's "best" spot would still avoid them.
    clipped_line.set_data(tr.t, np.full(len(tr.t), np.nan))
    if tr.log10_clipped is not None and tr.log10_clip_factor < 0:  # drawn only when clipping changed something
        curves.append(curves[0] + tr.log10_clip_factor)
        clipped_line.set_data(tr.t, curves[-1])
        clipped_line.set_label(rf"$\|\partial L / \partial h_t\|$ × the clip factor "
                               f"(parameter gradient clipped to norm {threshold:g})")
        shown.append(clipped_line)
    lo, hi = min(np.nanmin(c) for c in curves), max(np.nanmax(c) for c in curves)
    for level, line, text in parts["float_limits"]:
        near = lo - 5 < level < hi + 5
        line.set_ydata([level, level] if near else [np.nan, np.nan])
        text.set_visible(near)
        text.set_x(T)
    pad = 0.05 * (hi - lo) + 0.5
    widgets.set_limits(ax, xlim=(-0.05 * T, 1.05 * T), ylim=(lo - pad, hi + pad))
    parts["title"].set_text(rf"{activation}, $\sigma_{{max}}$ = {scale:.2f}, T = {T}")
    ax.legend(handles=shown, loc="best", fontsize=8)
    return gradients.verdict(tr)
