"""helpers.bptt: truncated BPTT against full BPTT, and the cost measurements."""
import numpy as np
import pytest

from helpers import bptt, gradcheck, rnn


def problem(activation="tanh", N=3, T=7, D=4, H=5, seed=0):
    rng = np.random.default_rng(seed)
    x, h0, Wx, Wh, b, dh = bptt.random_problem(N, T, D, H, rng, scale=1.1)
    h0 = rng.standard_normal((N, H)) * 0.3
    b = rng.standard_normal(H) * 0.1
    h, cache = rnn.forward(x, h0, Wx, Wh, b, activation=activation)
    dx, dh0, dWx, dWh, db = rnn.backward(dh, cache)
    return dh, cache, {"dWx": dWx, "dWh": dWh, "db": db}


def truncated_by_loop(dh, cache, k):
    """Independent reference: send each loss term back k steps with a plain loop."""
    x, h0, Wx, Wh, a, h, act = cache
    N, T, H = h.shape
    out = {"dWx": np.zeros_like(Wx), "dWh": np.zeros_like(Wh), "db": np.zeros(H)}
    for t in range(T):
        g = dh[:, t]
        for s in range(t, max(t - k, -1), -1):
            h_prev = h0 if s == 0 else h[:, s - 1]
            cache_s = (x[:, s], h_prev, Wx, Wh, a[:, s], h[:, s], act)
            _, g, dWx, dWh, db = rnn.step_backward(g, cache_s)
            out["dWx"] += dWx
            out["dWh"] += dWh
            out["db"] += db
    return out


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_lags_sum_to_full_bptt(activation):
    dh, cache, full = problem(activation)
    parts = bptt.lag_contributions(dh, cache)
    for name in full:
        assert gradcheck.rel_error(parts[name].sum(axis=0), full[name]) < 1e-12


@pytest.mark.parametrize("k", [1, 2, 3, 6, 7, 20])
def test_truncated_matches_step_loop(k):
    dh, cache, full = problem()
    got = bptt.truncated_backward(dh, cache, k)
    want = truncated_by_loop(dh, cache, k)
    for name in want:
        assert gradcheck.rel_error(got[name], want[name]) < 1e-12


def test_truncation_error_shrinks_to_zero():
    dh, cache, full = problem(T=9)
    ks, errors = bptt.truncation_curve(dh, cache)
    assert list(ks) == list(range(1, 10))
    for name, e in errors.items():
        assert e[0] > 0.05, name  # k = 1 really throws something away
        assert e[-1] < 1e-12, name  # k = T is full BPTT
    e1 = bptt.relative_errors(bptt.truncated_backward(dh, cache, 3), full)
    assert np.isclose(e1["dWh"], errors["dWh"][2])


def test_chunked_backward():
    dh, cache, full = problem(T=8)
    for name, g in bptt.chunked_backward(dh, cache, 8).items():
        assert gradcheck.rel_error(g, full[name]) < 1e-12  # one chunk: full BPTT
    one = bptt.chunked_backward(dh, cache, 1)
    trunc1 = bptt.truncated_backward(dh, cache, 1)
    for name in one:
        assert np.allclose(one[name], trunc1[name])
    # chunks of 4: losses in steps 0..3 keep up to 4 steps; a loss at step t in 4..7 keeps t - 3
    dh_first = dh.copy()
    dh_first[:, 4:] = 0
    dh_second = dh.copy()
    dh_second[:, :4] = 0
    a1 = bptt.truncated_backward(dh_first, cache, 4)
    a2 = bptt.truncated_backward(dh_second, cache, 4)
    # second chunk alone: loss at step t (4..7) goes back t - 4 + 1 steps
    got = bptt.chunked_backward(dh, cache, 4)
    want_second = {n: np.zeros_like(v) for n, v in a2.items()}
    for t in range(4, 8):
        only = np.zeros_like(dh)
        only[:, t] = dh[:, t]
        part = bptt.truncated_backward(only, cache, t - 3)
        for n in want_second:
            want_second[n] += part[n]
    for n in got:
        assert np.allclose(got[n], a1[n] + want_second[n])


def test_cache_bytes_is_linear_in_T():
    rng = np.random.default_rng(0)
    N, D, H = 2, 3, 4
    sizes = []
    for T in (5, 6, 7):
        x, h0, Wx, Wh, b, _ = bptt.random_problem(N, T, D, H, rng)
        sizes.append(bptt.cache_nbytes(rnn.forward(x, h0, Wx, Wh, b)[1]))
    assert sizes[1] - sizes[0] == sizes[2] - sizes[1] == 8 * N * (D + 2 * H)
    assert sizes[0] == 8 * (N * 5 * (D + 2 * H) + N * H + D * H + H * H)


def test_measure_cost_shapes():
    out = bptt.measure_cost([2, 4], np.random.default_rng(0), N=2, D=3, H=4, repeats=2)
    assert list(out["T"]) == [2, 4]
    assert np.all(out["seconds"] > 0)
    assert out["cache_bytes"][1] > out["cache_bytes"][0]


def test_measured_peak_memory_is_linear_in_T_and_holds_the_cache():
    N, D, H = 4, 3, 8
    out = bptt.measure_cost([100, 200, 300], np.random.default_rng(0), N=N, D=D, H=H, repeats=1)
    assert np.all(out["peak_bytes"] >= out["cache_bytes"])  # the cache is alive at the peak
    per_step = np.diff(out["peak_bytes"]) / 100
    # every step's arrays, float64: the cache's x_t, a_t, h_t and backward's temporaries
    assert per_step.min() >= 8 * N * (D + 2 * H)
    assert per_step.max() - per_step.min() <= 0.01 * per_step.min()


def test_errors_name_the_argument():
    dh, cache, full = problem()
    with pytest.raises(ValueError, match="k must be >= 1"):
        bptt.truncated_backward(dh, cache, 0)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\)"):
        bptt.truncated_backward(dh[:, :3], cache, 2)
    with pytest.raises(TypeError, match="cache must be the cache"):
        bptt.lag_contributions(dh, (1, 2))
    with pytest.raises(ValueError, match="missing 'db'"):
        bptt.relative_errors({"dWx": full["dWx"], "dWh": full["dWh"]}, full)
    with pytest.raises(ValueError, match="Ts must list"):
        bptt.measure_cost([], np.random.default_rng(0))


# ---------------------------------------------------------------- notebook 04's truncation widget


def test_truncation_lab_is_truncated_backward_on_the_lab_problem():
    lab = bptt.LAB
    x, h0, Wx, Wh, b, dh = bptt.random_problem(lab["N"], lab["T"], lab["D"], lab["H"],
                                               np.random.default_rng(lab["seed"]), scale=0.8)
    cache = rnn.forward(x, h0, Wx, Wh, b)[1]
    full = dict(zip(["dWx", "dWh", "db"], rnn.backward(dh, cache)[2:]))
    for k in (1, 5, 39, 40, 60):
        want = bptt.relative_errors(truncated_by_loop(dh, cache, k), full)
        got = bptt.truncation_lab(k, 0.8)["errors"]
        for name in want:
            assert got[name] == pytest.approx(want[name], rel=1e-9, abs=1e-12), (k, name)
    norms = bptt.truncation_lab(5, 0.8)["lag_norms"]
    assert norms.shape == (lab["T"],) and np.isnan(norms[-1])  # the last lag ends at h0 = 0: exactly zero
    assert np.all(np.isfinite(norms[:-1])) and norms[0] > norms[20] > norms[-2]


def drawn_truncation(k, scale, T=40):
    from helpers import widgets
    fig = widgets.agg_figure((8, 3.5))
    parts = bptt.setup_truncation(fig, T=T)
    verdict = bptt.draw_truncation(parts, k=k, scale=scale)
    fig.canvas.draw()
    return fig, parts, verdict


def test_truncation_widget_draws_what_truncation_lab_computes():
    fig, parts, verdict = drawn_truncation(7, 1.0)
    lab = bptt.truncation_lab(7, 1.0)
    x, y = parts["lags"].get_data()
    assert np.array_equal(x, np.arange(40)) and np.allclose(y, np.log10(lab["lag_norms"]), equal_nan=True)
    assert parts["dropped"].get_visible() and parts["dropped"].get_x() == 6.5 and parts["dropped"].get_width() == 33
    pct = f"{100 * lab['errors']['dWh']:.2g}%"
    assert verdict.startswith(f"k = 7: dWh differs from the full gradient by {pct}") and "scale 1.00" in verdict
    assert f"dWh {pct}" in parts["errors"].get_text() and parts["title"].get_text() == "Truncation at k = 7 keeps lags j < k"
    lo, hi = np.nanmin(y), np.nanmax(y)
    assert parts["ax"].get_ylim()[0] < lo and parts["ax"].get_ylim()[1] > hi  # every point on the chart


def test_truncation_widget_at_k_equal_T_drops_nothing_and_recovers():
    fig, parts, verdict = drawn_truncation(40, 0.5)
    assert verdict == "k = 40 >= T = 40: this is full BPTT, nothing is dropped"
    legend = parts["ax"].get_legend()
    assert not parts["dropped"].get_visible() and not legend.texts[1].get_visible()
    assert "dWh 0%" in parts["errors"].get_text()
    bptt.draw_truncation(parts, k=3, scale=1.5)
    assert parts["dropped"].get_visible() and legend.texts[1].get_visible()


def test_truncation_widget_in_an_experiment_reports_bad_values():
    import ipywidgets as W

    from helpers import widgets
    exp = widgets.Experiment({"k": W.IntSlider(value=5, min=0, max=40), "scale": W.FloatSlider(value=1.0, min=0, max=2)},
                             bptt.draw_truncation, setup=bptt.setup_truncation, figsize=(8, 3.5))
    assert "k = 5: dWh differs" in exp.verdict.value
    for k, scale in [(1, 1.5), (40, 0.5), (1, 2.0)]:  # the sliders' ends (and beyond the notebook's)
        exp.controls["k"].value, exp.controls["scale"].value = k, scale
        assert "⚠" not in exp.verdict.value, exp.verdict.value
    exp.controls["k"].value = 0
    assert "⚠" in exp.verdict.value and "k must be &gt;= 1" in exp.verdict.value
    exp.controls["k"].value = 5
    exp.controls["scale"].value = 0.0
    assert "⚠" in exp.verdict.value and "scale" in exp.verdict.value
    with pytest.raises(ValueError, match="T must be >= 2"):
        bptt.setup_truncation(widgets.agg_figure((4, 3)), T=1)
