"""The LSTM layer, forward and backward through time.

One step (gate order i, f, g, o, as in torch.nn.LSTM):

    a   = x_t Wx + h_{t-1} Wh + b          (N, 4H), split into four (N, H) blocks
    i   = sigmoid(a_i)   input gate        in (0, 1)
    f   = sigmoid(a_f)   forget gate       in (0, 1)
    g   = tanh(a_g)      candidate values  in (-1, 1)
    o   = sigmoid(a_o)   output gate       in (0, 1)
    c_t = f * c_{t-1} + i * g              the cell state: an additive path
    h_t = o * tanh(c_t)

Shapes: x (N, T, D), h0 and c0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).
These map onto torch.nn.LSTM(batch_first=True) as Wx = weight_ih.T,
Wh = weight_hh.T, b = bias_ih + bias_hh.

As in helpers.rnn, x_t Wx is computed for all steps before the loop and the
weight gradients are summed over time in one product after it.
"""
import numpy as np

from helpers import validate
from helpers.layers import sigmoid


def _check_weights(Wx, Wh, b):
    Wx = validate.array("Wx", Wx, ndim=2, letters="(D, 4H)")
    D, H4 = Wx.shape
    if H4 % 4:
        raise ValueError(f"Wx must have shape (D, 4H): its second size must be a multiple of 4, got {Wx.shape}")
    H = H4 // 4
    Wh = validate.array("Wh", Wh, ndim=2, letters="(H, 4H)")
    validate.shape("Wh", Wh, (H, 4 * H), "(H, 4H)")
    b = validate.array("b", b, ndim=1, letters="(4H,)")
    validate.shape("b", b, (4 * H,), "(4H,)")
    return Wx, Wh, b, D, H


def _gates(a, H):
    """Split pre-activations a (..., 4H) into the gates i, f, g, o (..., H)."""
    i_f = sigmoid(a[..., :2 * H])  # the input and forget gates sit side by side: one call
    i, f = i_f[..., :H], i_f[..., H:]
    g = np.tanh(a[..., 2 * H:3 * H])
    o = sigmoid(a[..., 3 * H:])
    return i, f, g, o


def step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step. x (N, D), h_prev and c_prev (N, H) -> (h_next, c_next, cache)."""
    Wx, Wh, b, D, H = _check_weights(Wx, Wh, b)
    x, h_prev = validate.step(x, h_prev, D, H)
    c_prev = validate.array("c_prev", c_prev, ndim=2, letters="(N, H)")
    validate.shape("c_prev", c_prev, h_prev.shape, "(N, H)")
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    i, f, g, o = _gates(a, H)
    c_next = f * c_prev + i * g
    tc = np.tanh(c_next)
    h_next = o * tc
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)


def _step_da(dh, dc, c_prev, i, f, g, o, tc):
    """Shared core of the backward step: returns (da (N, 4H), dc_prev (N, H))."""
    dc = dc + dh * o * (1.0 - tc * tc)  # h = o * tanh(c) also feeds c
    do = dh * tc
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    da = np.concatenate([di * i * (1.0 - i),  # sigmoid' = s (1 - s)
                         df * f * (1.0 - f),
                         dg * (1.0 - g * g),  # tanh' = 1 - tanh^2
                         do * o * (1.0 - o)], axis=-1)
    return da, dc * f


def step_backward(dh_next, dc_next, cache):
    """Backward through one step. Returns (dx, dh_prev, dc_prev, dWx, dWh, db)."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dh_next = validate.array("dh_next", dh_next, ndim=2, letters="(N, H)")
    validate.shape("dh_next", dh_next, h_prev.shape, "(N, H)")
    dc_next = validate.array("dc_next", dc_next, ndim=2, letters="(N, H)")
    validate.shape("dc_next", dc_next, h_prev.shape, "(N, H)")
    da, dc_prev = _step_da(dh_next, dc_next, c_prev, i, f, g, o, tc)
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def forward(x, h0, Wx, Wh, b, c0=None):
    """Run the LSTM over a sequence. x (N, T, D), h0 (N, H) -> h (N, T, H), cache.

    c0 (N, H) is the initial cell state (zeros if None). The cache also holds
    the cell states and gate values for every step: cache["c"], cache["i"], ...
    """
    Wx, Wh, b, D, H = _check_weights(Wx, Wh, b)
    x, h0 = validate.sequence(x, h0, D, H)
    N, T = x.shape[:2]
    if c0 is None:
        c0 = np.zeros_like(h0)
    c0 = validate.array("c0", c0, ndim=2, letters="(N, H)")
    validate.shape("c0", c0, (N, H), "(N, H)")

    xa = x @ Wx + b  # (N, T, 4H): the input part of every step, in one product
    dtype = xa.dtype
    i, f, g, o, c, tc, h = (np.empty((N, T, H), dtype) for _ in range(7))
    h_prev, c_prev = h0, c0
    for t in range(T):
        a = xa[:, t] + h_prev @ Wh  # (N, 4H)
        i[:, t], f[:, t], g[:, t], o[:, t] = _gates(a, H)
        c_prev = c[:, t] = f[:, t] * c_prev + i[:, t] * g[:, t]
        tc[:, t] = np.tanh(c_prev)
        h_prev = h[:, t] = o[:, t] * tc[:, t]
    cache = dict(x=x, h0=h0, c0=c0, Wx=Wx, Wh=Wh, i=i, f=f, g=g, o=o, c=c, tc=tc, h=h)
    return h, cache


def backward(dh, cache, dc=None):
    """Backpropagation through time for the LSTM.

    dh (N, T, H): upstream gradient on every hidden state; dc (optional,
    (N, T, H)): upstream gradient on every cell state.
    Returns (dx, dh0, dWx, dWh, db, dc0).
    """
    x, h0, c0, Wx, Wh, h = (cache[k] for k in ("x", "h0", "c0", "Wx", "Wh", "h"))
    dh = validate.array("dh", dh, ndim=3, letters="(N, T, H)")
    validate.shape("dh", dh, h.shape, "(N, T, H)")
    if dc is not None:
        dc = validate.array("dc", dc, ndim=3, letters="(N, T, H)")
        validate.shape("dc", dc, h.shape, "(N, T, H)")
    N, T, H = h.shape
    D = x.shape[2]
    i, f, g, o, c, tc = (cache[k] for k in ("i", "f", "g", "o", "c", "tc"))
    c_prev_all = np.concatenate([c0[:, None], c[:, :-1]], axis=1)  # (N, T, H)

    da = np.empty((N, T, 4 * H), dtype=np.result_type(dh, h))
    dh_next = np.zeros_like(h0)
    dc_next = np.zeros_like(c0)
    for t in reversed(range(T)):
        dc_t = dc_next if dc is None else dc_next + dc[:, t]
        da[:, t], dc_next = _step_da(dh[:, t] + dh_next, dc_t, c_prev_all[:, t],
                                     i[:, t], f[:, t], g[:, t], o[:, t], tc[:, t])
        dh_next = da[:, t] @ Wh.T  # (N, H): flows to h_{t-1}

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    da2 = da.reshape(N * T, 4 * H)
    dx = da @ Wx.T  # (N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = h_prev.reshape(N * T, H).T @ da2
    db = da2.sum(axis=0)
    return dx, dh_next, dWx, dWh, db, dc_next
