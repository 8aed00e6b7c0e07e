"""helpers.optim: updates against hand-computed values, clipping, minimisation."""
import numpy as np
import pytest

from helpers import optim


def quad():
    """params p = [3, -4]; loss 0.5 ||p||^2 has gradient p."""
    return {"p": np.array([3.0, -4.0])}


def test_sgd_step():
    params = quad()
    optim.sgd(params, {"p": params["p"].copy()}, lr=0.1)
    np.testing.assert_allclose(params["p"], [2.7, -3.6])


def test_momentum_two_steps():
    params = quad()
    state = optim.momentum(params, {"p": np.array([1.0, 1.0])}, None, lr=0.1, mu=0.9)
    state = optim.momentum(params, {"p": np.array([1.0, 1.0])}, state, lr=0.1, mu=0.9)
    # v1 = -0.1, v2 = 0.9 * -0.1 - 0.1 = -0.19; p = 3 - 0.29
    np.testing.assert_allclose(params["p"], [3 - 0.29, -4 - 0.29])


def test_adagrad_step():
    params = quad()
    optim.adagrad(params, {"p": np.array([2.0, -0.5])}, None, lr=0.1, eps=0.0)
    np.testing.assert_allclose(params["p"], [2.9, -3.9])  # lr * g / |g| = lr * sign(g)


def test_adam_first_step_is_lr_times_sign():
    params = quad()
    optim.adam(params, {"p": np.array([5.0, -1e-3])}, None, lr=0.01, eps=0.0)
    np.testing.assert_allclose(params["p"], [2.99, -3.99])


@pytest.mark.parametrize("name,kw", [("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05}),
                                     ("adagrad", {"lr": 0.5}), ("adam", {"lr": 0.1})])
def test_each_optimizer_minimises_a_quadratic(name, kw):
    params, state = quad(), None
    for _ in range(300):
        state = getattr(optim, name)(params, {"p": params["p"].copy()}, state, **kw)
    assert np.linalg.norm(params["p"]) < 1e-2


def test_clip_by_global_norm_returns_norm_before_and_keeps_direction():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.8]])
    assert optim.global_norm(grads) == pytest.approx(1.0)
    assert optim.clip_by_global_norm(grads, 10.0) == pytest.approx(1.0)  # below: unchanged
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])


def test_clip_by_value_returns_norm_before():
    grads = {"a": np.array([3.0, -0.5]), "b": np.array([[-4.0]])}
    norm = optim.clip_by_value(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(9 + 0.25 + 16))
    np.testing.assert_allclose(grads["a"], [1.0, -0.5])
    np.testing.assert_allclose(grads["b"], [[-1.0]])


def test_diverged_gradient_gets_a_readable_error():
    params = quad()
    with pytest.raises(ValueError, match="diverged"):
        optim.adam(params, {"p": np.array([np.nan, 1.0])})
