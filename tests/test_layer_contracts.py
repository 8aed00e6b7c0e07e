"""What helpers.rnn, helpers.lstm and helpers.layers promise beyond the maths (issue 15).

1. What forward returns cannot be edited behind backward's back: the hidden
   states are the arrays the cache keeps, so they are read-only, and editing
   them raises instead of silently changing the gradients.
2. One dtype rule: a forward pass computes in float32 only if every input is
   float32, and backward returns gradients in the forward's dtype, whatever
   dtype the upstream gradient has.
"""
import numpy as np
import pytest

from helpers import layers, lstm, rnn
from reference import rnn_problem

KINDS = {"rnn": (rnn, 1), "lstm": (lstm, 4)}
F32, F64 = np.float32, np.float64


def problem(kind, dtype=F64, seed=0, N=2, T=5, D=3, H=4):
    x, h0, Wx, Wh, b = rnn_problem(np.random.default_rng(seed), N, T, D, H, gates=KINDS[kind][1])
    return [a.astype(dtype) for a in (x, h0, Wx, Wh, b)]


def assert_same(got, want):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


# --------------------------------------------------------------------------
# 1. Read-only hidden states
# --------------------------------------------------------------------------

EDITS = {
    "h[...] = 0": lambda h: h.__setitem__(Ellipsis, 0.0),
    "h[:, -1] *= 2": lambda h: h[:, -1].__imul__(2.0),
    "np.tanh(h, out=h)": lambda h: np.tanh(h, out=h),
}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("kind", KINDS)
def test_editing_h_in_place_raises_and_the_gradients_stay(kind, edit):
    mod = KINDS[kind][0]
    h, cache = mod.forward(*problem(kind))
    dh = np.random.default_rng(1).standard_normal(h.shape)
    before = mod.backward(dh, cache)
    kept = cache[5] if kind == "rnn" else cache["hs"]  # the array backward reads h_{t-1} from
    assert np.shares_memory(h, kept)  # why it must be read-only: a copy would not need to be
    with pytest.raises(ValueError, match="read-only"):
        EDITS[edit](h)
    assert_same(mod.backward(dh, cache), before)


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_of_h_is_yours_to_edit(kind):
    mod = KINDS[kind][0]
    h, cache = mod.forward(*problem(kind))
    dh = np.ones(h.shape)
    before = mod.backward(dh, cache)
    mine = h.copy()
    mine[...] = 0.0
    assert_same(mod.backward(dh, cache), before)
    assert np.abs(h).max() > 0.1  # the returned h is untouched


def test_lstm_cache_views_are_read_only():
    h, cache = lstm.forward(*problem("lstm"))
    dh = np.ones(h.shape)
    before = lstm.backward(dh, cache)
    for name in ("h", "c", "i", "f", "g", "o", "gates", "hs", "cs"):
        with pytest.raises(ValueError, match="read-only"):
            cache[name][...] = 0.5
    assert_same(lstm.backward(dh, cache), before)


@pytest.mark.parametrize("kind", KINDS)
def test_a_read_only_h_can_start_the_next_chunk(kind):
    # stateful training passes the last hidden state on as the next h0 (helpers.lm does)
    mod = KINDS[kind][0]
    x, h0, Wx, Wh, b = problem(kind)
    h, _ = mod.forward(x, h0, Wx, Wh, b)
    h2, cache2 = mod.forward(x, h[:, -1], Wx, Wh, b)
    mod.backward(np.ones(h2.shape), cache2)
    np.testing.assert_allclose(h2[:, 0], mod.forward(x[:, :1], h[:, -1].copy(), Wx, Wh, b)[0][:, 0], rtol=0, atol=1e-14)


def test_rnn_step_h_next_is_read_only():
    x, h0, Wx, Wh, b = problem("rnn")
    h1, cache = rnn.step_forward(x[:, 0], h0, Wx, Wh, b)
    before = rnn.step_backward(np.ones(h1.shape), cache)
    with pytest.raises(ValueError, match="read-only"):
        h1 *= 0.0
    assert_same(rnn.step_backward(np.ones(h1.shape), cache), before)


def test_lstm_step_h_next_and_c_next_are_yours():
    # step_forward's cache keeps neither h_next nor c_next: they may be edited freely
    x, h0, Wx, Wh, b = problem("lstm")
    h1, c1, cache = lstm.step_forward(x[:, 0], h0, h0, Wx, Wh, b)
    dh, dc = np.ones(h1.shape), np.full(c1.shape, 0.5)
    before = lstm.step_backward(dh, dc, cache)
    h1[...] = 0.0
    c1[...] = 0.0
    assert_same(lstm.step_backward(dh, dc, cache), before)
    with pytest.raises(ValueError, match="read-only"):
        cache[5][...] = 0.0  # the input gate i, which backward reads


def test_activation_output_is_read_only():
    a = np.linspace(-2, 2, 12).reshape(3, 4)
    y, cache = layers.activation_forward(a, "tanh")
    dy = np.ones(y.shape)
    before = layers.activation_backward(dy, cache)
    with pytest.raises(ValueError, match="read-only"):
        y[...] = 0.0
    np.testing.assert_array_equal(layers.activation_backward(dy, cache), before)


# --------------------------------------------------------------------------
# 2. Dtypes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("up", [F32, F64], ids=["dh32", "dh64"])
@pytest.mark.parametrize("fwd", [F32, F64], ids=["fwd32", "fwd64"])
@pytest.mark.parametrize("kind", KINDS)
def test_backward_returns_the_forwards_dtype(kind, fwd, up):
    mod = KINDS[kind][0]
    h, cache = mod.forward(*problem(kind, fwd))
    assert h.dtype == fwd
    dh = np.random.default_rng(2).standard_normal(h.shape).astype(up)
    grads = mod.backward(dh, cache)
    assert [g.dtype for g in grads] == [np.dtype(fwd)] * len(grads)
    assert_same(grads, mod.backward(dh.astype(fwd), cache))  # dh is simply cast to the forward's dtype
    if kind == "lstm":  # and so is dc
        dc = np.ones(h.shape, up)
        assert all(g.dtype == fwd for g in lstm.backward(dh, cache, dc=dc))


@pytest.mark.parametrize("up", [F32, F64], ids=["dh32", "dh64"])
@pytest.mark.parametrize("fwd", [F32, F64], ids=["fwd32", "fwd64"])
@pytest.mark.parametrize("kind", KINDS)
def test_step_backward_returns_the_forwards_dtype(kind, fwd, up):
    x, h0, Wx, Wh, b = problem(kind, fwd)
    if kind == "rnn":
        h1, cache = rnn.step_forward(x[:, 0], h0, Wx, Wh, b)
        grads = rnn.step_backward(np.ones(h1.shape, up), cache)
    else:
        h1, c1, cache = lstm.step_forward(x[:, 0], h0, h0, Wx, Wh, b)
        assert c1.dtype == fwd
        grads = lstm.step_backward(np.ones(h1.shape, up), np.ones(h1.shape, up), cache)
    assert h1.dtype == fwd
    assert [g.dtype for g in grads] == [np.dtype(fwd)] * len(grads)


@pytest.mark.parametrize("odd", ["x", "h0", "Wx", "Wh", "b"])
@pytest.mark.parametrize("kind", KINDS)
def test_one_float64_input_makes_the_forward_float64(kind, odd):
    mod = KINDS[kind][0]
    args = dict(zip(["x", "h0", "Wx", "Wh", "b"], problem(kind, F32)))
    args[odd] = args[odd].astype(F64)
    h, cache = mod.forward(*args.values())
    assert h.dtype == F64
    want = mod.forward(*(a.astype(F64) for a in args.values()))[0]
    np.testing.assert_array_equal(h, want)  # computed in float64 throughout, not cast at the end
    assert all(g.dtype == F64 for g in mod.backward(np.ones(h.shape, F32), cache))


@pytest.mark.parametrize("kind", KINDS)
def test_the_dtype_rule_is_in_the_docstrings(kind):
    mod = KINDS[kind][0]
    assert "forward's dtype" in mod.backward.__doc__
    assert "float32 only if every input is float32" in mod.forward.__doc__


@pytest.mark.parametrize("up", [F32, F64], ids=["d32", "d64"])
@pytest.mark.parametrize("fwd", [F32, F64], ids=["fwd32", "fwd64"])
def test_layers_backward_return_the_forwards_dtype(fwd, up):
    rng = np.random.default_rng(3)
    x, W, b = rng.standard_normal((2, 3, 4)).astype(fwd), rng.standard_normal((4, 5)).astype(fwd), np.zeros(5, fwd)
    out, cache = layers.affine_forward(x, W, b)
    assert out.dtype == fwd
    assert all(g.dtype == fwd for g in layers.affine_backward(np.ones(out.shape, up), cache))
    y, cache = layers.activation_forward(x, "sigmoid")
    assert layers.activation_backward(np.ones(y.shape, up), cache).dtype == fwd
    e, cache = layers.embedding_forward(np.array([[0, 2], [1, 1]]), W)
    assert e.dtype == fwd
    assert layers.embedding_backward(np.ones(e.shape, up), cache).dtype == fwd
