"""helpers.widgets: an Experiment builds its figure once and redraws only what moves.

Every update must show exactly what a full redraw of the same state shows;
an error in draw shows a message, and the next good setting recovers.
"""
import gc
import io

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

from helpers import plots, widgets


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))


def full_redraw(exp):
    """The PNG of the experiment's current state, drawn from scratch."""
    exp._background = None
    return exp.render_png()


def count_full_draws(exp):
    calls = []
    draw = exp.fig.canvas.draw
    exp.fig.canvas.draw = lambda: (calls.append(1), draw())[1]
    return calls


def setup_line(fig):
    ax = fig.subplots()
    line, = ax.plot([], [], color=plots.PALETTE["blue"], label="a sin(x)")
    ax.set(xlim=(0, 10), ylim=(-3, 3), xlabel="x", ylabel="y")
    ax.grid(True)
    return {"ax": ax, "line": line, "title": ax.set_title(" "),
            "legend": ax.legend(loc="upper right")}  # static, but kept over the line


def draw_line(parts, a):
    if a < 0:
        raise ValueError("a must be >= 0")
    x = np.linspace(0, 10, 50)
    parts["line"].set_data(x, a * np.sin(x))
    parts["title"].set_text(f"a = {a}")
    widgets.set_limits(parts["ax"], ylim=(-3, 3) if a <= 3 else (-a, a))
    return f"amplitude {a}"


def line_experiment(a=1.0):
    return widgets.Experiment({"a": W.FloatSlider(value=a, min=-1, max=5)}, draw_line, setup=setup_line,
                              figsize=(4, 3))


def test_an_update_reuses_the_axes_and_redraws_only_the_moving_parts():
    exp = line_experiment()
    ax, first = exp.fig.axes[0], pixels(exp.image.value)
    full_draws = count_full_draws(exp)
    exp.controls["a"].value = 2.0
    assert exp.fig.axes == [ax], "the update built new Axes"
    assert exp.parts["line"].get_animated() and exp.parts["title"].get_animated()
    assert full_draws == [], "only the line and the title changed: no full redraw"
    assert exp.verdict.value.endswith("amplitude 2.0</span>")
    shown = pixels(exp.image.value)
    assert not np.array_equal(shown, first), "the figure did not change"
    assert np.array_equal(shown, pixels(full_redraw(exp)))


def test_an_update_looks_as_matplotlib_draws_it():
    exp = line_experiment(2.0)
    for artist in exp.fig.findobj(lambda a: a.get_animated()):
        artist.set_animated(False)
    exp.fig.canvas.draw()  # matplotlib's own drawing order: grid, line, spines, legend, title
    assert np.array_equal(pixels(exp.image.value), np.asarray(exp.fig.canvas.buffer_rgba()))


def test_a_new_limit_redraws_the_whole_figure():
    exp = line_experiment()
    full_draws = count_full_draws(exp)
    exp.controls["a"].value = 5.0  # limits (-5, 5): new tick labels
    assert full_draws == [1]
    assert exp.parts["ax"].get_ylim() == (-5, 5)
    assert np.array_equal(pixels(exp.image.value), pixels(full_redraw(exp)))
    exp.controls["a"].value = 2.0  # back to the fixed limits, then a move that keeps them
    exp.controls["a"].value = 1.0
    assert full_draws[-1] == 1 and len(full_draws) == 3  # 5 -> 2 redraws all; 2 -> 1 only the line
    assert np.array_equal(pixels(exp.image.value), pixels(full_redraw(exp)))


def test_set_limits_leaves_unchanged_limits_alone():
    fig = widgets.agg_figure((3, 2))
    ax = fig.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 2))
    fig.canvas.draw()
    widgets.set_limits(ax, xlim=(0, 1), ylim=(0, 2))
    assert not fig.stale, "setting the same limits marked the figure as changed"
    widgets.set_limits(ax, ylim=(0, 3))
    assert fig.stale and ax.get_ylim() == (0, 3) and ax.get_xlim() == (0, 1)


def test_an_error_shows_a_message_and_the_next_setting_recovers():
    exp = line_experiment()
    exp.controls["a"].value = -1.0
    assert exp.verdict.value.startswith("<span style='color:#D55E00'>⚠ a must be &gt;= 0")
    message = pixels(exp.image.value)
    assert message.shape == pixels(full_redraw(exp)).shape and (message[..., :3] < 128).any(), "no readable message"
    exp.controls["a"].value = 1.5
    assert exp.verdict.value.endswith("amplitude 1.5</span>")
    assert np.array_equal(pixels(exp.image.value), pixels(full_redraw(exp)))


def test_a_floating_point_error_shows_a_message():
    def draw(parts, a):
        parts["line"].set_data([0, 1], [0, np.exp(a)])  # overflows at a = 1000
        return "fine"

    exp = widgets.Experiment({"a": W.FloatSlider(value=1, min=0, max=1000)}, draw, setup=setup_line, figsize=(3, 2))
    exp.controls["a"].value = 1000
    assert "⚠" in exp.verdict.value and "overflow" in exp.verdict.value


def test_the_garbage_collector_is_back_on_after_every_update():
    assert gc.isenabled()
    exp = line_experiment()
    exp.controls["a"].value = -1.0  # a message
    assert gc.isenabled()

    def broken(parts, a):
        raise RuntimeError("a bug, not a setting")

    exp.draw = broken
    with pytest.raises(RuntimeError):
        exp.update()
    assert gc.isenabled()


def test_a_figure_drawn_from_scratch_each_time_still_works():
    def draw(fig, a):
        ax = fig.subplots()
        ax.plot([0, 1], [0, a])
        return f"slope {a}"

    exp = widgets.Experiment({"a": W.IntSlider(value=1, min=0, max=3)}, draw, figsize=(3, 2))
    exp.controls["a"].value = 3
    assert len(exp.fig.axes) == 1 and exp.verdict.value.endswith("slope 3</span>")
    assert np.array_equal(pixels(exp.image.value), pixels(full_redraw(exp)))


def test_a_part_that_its_axes_does_not_draw_is_refused():
    def setup(fig):
        ax = fig.subplots()
        return {"label": ax.set_xlabel("x")}  # drawn by the x axis, not by the Axes

    with pytest.raises(ValueError, match="cannot be redrawn alone"):
        widgets.Experiment({"a": W.IntSlider()}, lambda parts, a: "", setup=setup, figsize=(3, 2))


def test_moving_parts_walks_dicts_lists_and_bars_but_not_axes_or_values():
    fig = widgets.agg_figure((3, 2))
    ax = fig.subplots()
    bars = ax.bar([0, 1], [1, 2])
    line, = ax.plot([0, 1])
    parts = {"ax": ax, "bars": bars, "more": [line, ax.texts], "word": "abc", "n": 3}
    assert widgets.moving_parts(parts) == [*bars, line]


def test_row_labels_sit_where_tick_labels_would():
    fig = widgets.agg_figure((4, 3))
    ticks, rows = fig.subplots(1, 2)
    ticks.set_yticks([0, 1, 2], ["a", "bb", "ccc"])
    labels = plots.row_labels(rows, [0, 1, 2])
    for label, word in zip(labels, ["a", "bb", "ccc"]):
        label.set_text(word)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    dx = rows.bbox.x0 - ticks.bbox.x0  # the second Axes is shifted right
    for tick, label in zip(ticks.get_yticklabels(), labels):
        a, b = tick.get_window_extent(renderer), label.get_window_extent(renderer)
        assert abs(a.x1 + dx - b.x1) < 1 and abs(a.y0 - b.y0) < 1 and abs(a.y1 - b.y1) < 1
    assert [t.get_text() for t in rows.get_yticklabels()] == ["", "", ""]


def test_png_bytes_is_a_lossless_png():
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    png = plots.png_bytes(rgba)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert np.array_equal(pixels(png), rgba)


def test_live_experiments_lists_this_kernels_experiments():
    exp = line_experiment()
    assert exp in widgets.live_experiments()
