"""helpers.gradient_views: notebook 05's gradient lab draws the true curve, says what happened, and never crashes."""
import warnings

import ipywidgets as W
import numpy as np
import pytest

from helpers import gradient_views, gradients, widgets

LAB_CONTROLS = {"scale": (0.1, 5.0), "activation": ("tanh", "sigmoid", "relu"), "T": (5, 200),
                "clip": gradient_views.CLIP_OPTIONS, "threshold": (0.01, 100.0)}  # the ends of the notebook's controls


@pytest.fixture
def parts():
    return gradient_views.setup_lab(widgets.agg_figure((8, 3.6)))


def draw(parts, **values):
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")  # no numpy or matplotlib warning may reach the learner
        return gradient_views.draw_lab(parts, **values)


def test_the_lab_draws_the_true_curve_and_its_bound(parts):
    text = draw(parts, scale=1.5, activation="tanh", T=40, clip="none", threshold=1.0)
    tr = gradients.gradient_norms(1.5, "tanh", 40, np.random.default_rng(0))
    assert text == gradients.verdict(tr)
    np.testing.assert_allclose(parts["norm"].get_ydata(), tr.log10_norm)
    np.testing.assert_allclose(parts["bound"].get_ydata(), tr.log10_bound)
    assert np.all(np.isnan(parts["clipped"].get_ydata())), "no clipping: no clipped curve"
    assert "1.50" in parts["bound"].get_label() and "T = 40" in parts["title"].get_text()
    lo, hi = parts["ax"].get_ylim()
    assert lo < tr.log10_norm.min() and hi > tr.log10_bound.max(), "a curve leaves the frame"


def test_clipping_draws_the_curve_shifted_by_one_factor(parts):
    text = draw(parts, scale=3.0, activation="relu", T=200, clip="by global norm", threshold=1.0)
    assert "clipping scaled every step" in text
    shift = parts["clipped"].get_ydata() - parts["norm"].get_ydata()
    assert np.allclose(shift, shift[0]) and shift[0] < -60, "the clipped curve is the same shape, far lower"
    assert "clipped to norm 1" in parts["clipped"].get_label()
    labels = [t.get_text() for t in parts["ax"].get_legend().get_texts()]
    assert len(labels) == 3, f"the legend names the curve, the bound and the clipped curve: {labels}"
    # a setting where clipping changes nothing draws no clipped curve
    assert "clipping did nothing" in draw(parts, scale=0.5, activation="tanh", T=20, clip="by global norm",
                                          threshold=100.0)
    assert np.all(np.isnan(parts["clipped"].get_ydata()))


def test_the_float64_limits_show_only_when_the_curve_comes_near(parts):
    draw(parts, scale=5.0, activation="relu", T=200, clip="none", threshold=1.0)  # 5^200 ~ 1e140: far from 1e308
    assert not any(text.get_visible() for _, _, text in parts["float_limits"])
    draw(parts, scale=0.1, activation="sigmoid", T=200, clip="none", threshold=1.0)  # vanishes past 1e-323
    shown = [text.get_text() for _, _, text in parts["float_limits"] if text.get_visible()]
    assert shown == ["smallest float64 (4.9e-324)"]


@pytest.mark.parametrize("activation", LAB_CONTROLS["activation"])
@pytest.mark.parametrize("clip", LAB_CONTROLS["clip"])
def test_every_end_of_every_control_gives_a_verdict(parts, activation, clip):
    for scale in LAB_CONTROLS["scale"]:
        for T in LAB_CONTROLS["T"]:
            for threshold in LAB_CONTROLS["threshold"]:
                text = draw(parts, scale=scale, activation=activation, T=T, clip=clip, threshold=threshold)
                assert f"gamma*sigma_max = {gradients.GAMMA[activation] * scale:.2f}" in text


@pytest.mark.parametrize("values, words", [
    (dict(scale=0.0), "scale must be > 0"), (dict(scale=11.0), "scale must be <= 10"),
    (dict(T=0), "T must be >= 1"), (dict(activation="gelu"), "activation must be one of"),
    (dict(clip="sideways"), "clip must be one of"), (dict(clip="by global norm", threshold=0.0), "clip must be > 0"),
])
def test_bad_settings_raise_a_readable_value_error(parts, values, words):
    settings = dict(scale=1.0, activation="tanh", T=20, clip="none", threshold=1.0) | values
    with pytest.raises(ValueError, match=words):
        gradient_views.draw_lab(parts, **settings)


def test_the_lab_runs_as_an_experiment():
    lab = widgets.Experiment(
        {"scale": W.FloatSlider(value=0.9, min=0.1, max=5.0), "activation": W.Dropdown(options=["tanh", "relu"]),
         "T": W.IntSlider(value=50, min=5, max=200), "clip": W.Dropdown(options=gradient_views.CLIP_OPTIONS),
         "threshold": W.FloatLogSlider(value=1.0, base=10, min=-2, max=2)},
        gradient_views.draw_lab, setup=gradient_views.setup_lab, figsize=(8, 3.6))
    assert "vanishing" in lab.verdict.value
    lab.controls["activation"].value = "relu"
    lab.controls["scale"].value = 3.0
    lab.controls["clip"].value = "by global norm"
    assert "exploding" in lab.verdict.value and "clipping scaled every step" in lab.verdict.value
    assert lab.image.value[:4] == b"\x89PNG"


def test_log10_axis_labels_powers_of_ten():
    ax = widgets.agg_figure((3, 2)).subplots()
    gradient_views.log10_axis(ax)
    formatter = ax.yaxis.get_major_formatter()
    assert [formatter(v, 0) for v in (-15, 0, 20)] == ["1e-15", "1e0", "1e20"]
    assert "partial L" in ax.get_ylabel() and ax.get_xlabel() == "time step t"


def test_what_happened_uses_the_verdict_thresholds():
    def words(scale, activation):
        return gradient_views.what_happened(gradients.gradient_norms(scale, activation, 60, np.random.default_rng(0)))

    assert words(0.9, "tanh") == "vanishes"  # t=0 is 5.5e-16 of T
    assert words(2.0, "tanh") == "grows only x5.1"
    assert words(2.0, "relu") == "explodes"  # 8.6e+6 times
    assert words(1.0, "tanh").startswith(("shrinks only", "vanishes"))
