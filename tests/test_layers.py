"""helpers.layers and helpers.gradcheck."""
import numpy as np
import pytest

from helpers import gradcheck, layers


def test_sigmoid_is_stable_and_exact():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        s = layers.sigmoid(z)
    want = np.array([0.0, 1 / (1 + np.exp(30.0)), 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(-30.0)), 1.0])
    np.testing.assert_allclose(s, want, rtol=0, atol=1e-15)


def test_softmax_is_stable():
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        p = layers.softmax(logits)
        lp = layers.log_softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(lp[1], np.log(np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()))
    assert np.isfinite(lp).all()


def test_cross_entropy_known_answer():
    loss, _ = layers.softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(4))


@pytest.mark.parametrize("shape", [(5, 7), (3, 4, 6)])
def test_cross_entropy_gradcheck(shape):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal(shape)
    y = rng.integers(0, shape[-1], size=shape[:-1])
    mask = (rng.random(shape[:-1]) > 0.3).astype(float)
    mask.flat[0] = 1.0
    loss, dlogits = layers.softmax_cross_entropy(logits, y, mask)
    num = gradcheck.numerical_gradient(lambda l: np.array(layers.softmax_cross_entropy(l, y, mask)[0]), logits, np.array(1.0))
    assert gradcheck.rel_error(dlogits, num) < 1e-7


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_activation_gradcheck(activation):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 5))
    a[np.abs(a) < 0.05] = 0.5  # keep relu away from its kink
    y, cache = layers.activation_forward(a, activation)
    dy = rng.standard_normal(y.shape)
    num = gradcheck.numerical_gradient(lambda z: layers.activation_forward(z, activation)[0], a, dy)
    assert gradcheck.rel_error(layers.activation_backward(dy, cache), num) < 1e-7


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
def test_affine_gradcheck(shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    W = rng.standard_normal((3, 6))
    b = rng.standard_normal(6)
    out, cache = layers.affine_forward(x, W, b)
    dout = rng.standard_normal(out.shape)
    dx, dW, db = layers.affine_backward(dout, cache)
    for g, a in ((dx, x), (dW, W), (db, b)):
        num = gradcheck.numerical_gradient(lambda _: layers.affine_forward(x, W, b)[0], a, dout)
        assert gradcheck.rel_error(g, num) < 1e-7


def test_embedding_gradcheck_with_repeated_ids():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 0, 1]])
    out, cache = layers.embedding_forward(ids, W)
    np.testing.assert_array_equal(out[0, 1], W[2])
    dout = rng.standard_normal(out.shape)
    num = gradcheck.numerical_gradient(lambda w: layers.embedding_forward(ids, w)[0], W, dout)
    assert gradcheck.rel_error(layers.embedding_backward(dout, cache), num) < 1e-7


def test_numerical_gradient_known_answer():
    x = np.array([1.0, -2.0, 3.0])
    g = gradcheck.numerical_gradient(lambda v: v ** 3, x, np.ones(3))
    np.testing.assert_allclose(g, 3 * np.array([1.0, 4.0, 9.0]), rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored


def test_rel_error():
    assert gradcheck.rel_error(np.ones(3), np.ones(3)) == 0.0
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.rel_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    assert 1e-4 < gradcheck.rel_error(np.array([1.0, 2.0]), np.array([1.001, 2.0])) < 1e-3
