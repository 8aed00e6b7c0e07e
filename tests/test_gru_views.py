"""helpers.gru_views: the lag experiment's panels draw the shipped curves, the verdict
names the numbers, and bad lags give a readable message."""
import numpy as np
import pytest

from helpers import gru_views, lag_lab, widgets


def drawn(T):
    fig = widgets.agg_figure((8, 3.6))
    parts = gru_views.setup_lag(fig)
    verdict = gru_views.draw_lag(parts, T)
    fig.canvas.draw()
    return fig, parts, verdict


@pytest.mark.parametrize("T", [10, 100, 400])
def test_draws_the_shipped_curves(T):
    _, parts, verdict = drawn(T)
    runs = gru_views.shipped_runs()
    for kind, line in parts["curves"].items():
        steps, mse = line.get_data()
        curve = runs[kind, T][1]
        assert np.array_equal(steps, curve["step"]) and np.allclose(mse, np.maximum(curve["test_mse"], gru_views.FLOOR))
        lo, hi = line.axes.get_ylim()
        assert lo <= np.min(mse) and hi >= np.max(mse)  # every point is on the chart
    assert list(parts["marker"].get_xdata()) == [T, T]
    assert parts["title"].get_text().startswith(f"Lag T = {T}: ")
    assert np.all(runs[kind, T][1]["test_mse"] > gru_views.FLOOR)  # the floor hides nothing
    assert verdict == gru_views.lag_verdict(runs, T)


def test_titles_say_who_learns():
    _, parts, _ = drawn(400)
    assert parts["title"].get_text() == "Lag T = 400: LSTM and GRU learn"
    _, parts, _ = drawn(10)
    assert parts["title"].get_text() == "Lag T = 10: all three learn"


def test_verdict_names_the_numbers():
    runs = gru_views.shipped_runs()
    text = gru_views.lag_verdict(runs, 400)
    end = lag_lab.final_mse(runs, "rnn", 400)
    assert f"vanilla RNN ends at {100 * end / gru_views.BASELINE:.2g}% of the baseline (not learned)" in text
    step = gru_views.steps_to_learn(runs, "gru", 400)
    share = lag_lab.final_mse(runs, "gru", 400) / gru_views.BASELINE
    assert f"GRU ends at {100 * share:.2g}% of the baseline (below a tenth from step {step})" in text
    assert text.startswith("lag T=400")
    assert gru_views.lag_verdict(runs, 10).count("below a tenth from step") == 3


def test_steps_to_learn():
    runs = gru_views.shipped_runs()
    for kind in lag_lab.KINDS:
        for T in gru_views.lags(runs):
            step = gru_views.steps_to_learn(runs, kind, T)
            curve = runs[kind, T][1]
            if step is None:
                assert np.all(curve["test_mse"] >= gru_views.LEARNED * gru_views.BASELINE)
            else:
                k = list(curve["step"]).index(step)
                assert curve["test_mse"][k] < gru_views.LEARNED * gru_views.BASELINE
                assert np.all(curve["test_mse"][:k] >= gru_views.LEARNED * gru_views.BASELINE)


def test_summary_is_the_mean_of_the_last_evaluations():
    runs = gru_views.shipped_runs()
    ends = gru_views.summary(runs)
    assert gru_views.lags(runs) == list(lag_lab.LAG["lags"])
    assert ends["gru"][0] == pytest.approx(np.mean(runs["gru", 10][1]["test_mse"][-4:]))


def test_experiment_reports_a_lag_that_was_not_shipped():
    import ipywidgets as W
    exp = widgets.Experiment({"T": W.IntSlider(value=100, min=1, max=1000)}, gru_views.draw_lag,
                             setup=gru_views.setup_lag, figsize=(8, 3.6))
    assert "lag T=100" in exp.verdict.value
    exp.controls["T"].value = 77
    assert "⚠" in exp.verdict.value and "T must be one of the shipped lags" in exp.verdict.value
    exp.controls["T"].value = 400
    assert "⚠" not in exp.verdict.value


def test_the_widget_buttons_walk_every_lag_quickly():
    import time

    import ipywidgets as W
    runs = gru_views.shipped_runs()
    exp = widgets.Experiment({"T": W.ToggleButtons(options=gru_views.lags(runs), value=100)}, gru_views.draw_lag,
                             setup=gru_views.setup_lag, figsize=(8, 3.6))
    times = []
    for T in gru_views.lags(runs):
        start = time.perf_counter()
        exp.controls["T"].value = T
        times.append(time.perf_counter() - start)
        assert "⚠" not in exp.verdict.value and f"lag T={T}" in exp.verdict.value
    assert np.median(times) < 0.5  # the budget is 0.1 s; generous here, the machine is shared
