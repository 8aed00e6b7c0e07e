"""Small shared pieces for the tests: random problems and a loss-wrapping gradient check."""

from helpers import gradcheck


def rnn_problem(rng, N, T, D, H, scale=0.5, gates=1):
    """Random x, h0, Wx, Wh, b for an RNN (gates=1) or an LSTM (gates=4)."""
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx = scale * rng.standard_normal((D, gates * H))
    Wh = scale * rng.standard_normal((H, gates * H))
    b = scale * rng.standard_normal(gates * H)
    return x, h0, Wx, Wh, b


def numeric_grads(f, arrays, dout):
    """Numerical gradient of sum(f() * dout) with respect to each array (changed in place)."""
    return [gradcheck.numerical_gradient(lambda _: f(), a, dout) for a in arrays]
