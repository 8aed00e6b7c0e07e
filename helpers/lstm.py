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
Wh = weight_hh.T, b = bias_ih + bias_hh. All arguments must agree on every
size; when they do not, the error names the argument that disagrees with the
others, the arguments it disagrees with, and says when it looks transposed.

Dtypes: the forward pass computes in float32 only if every input is float32,
else in float64; the backward pass returns its gradients in the forward's
dtype, whatever dtype ``dh`` and ``dc`` have (they are cast), as torch does.

What ``forward`` returns is read-only: h and the cache's c, i, f, g, o are
views of the arrays backward reads, so editing them in place would silently
change the gradients. Editing raises "ValueError: assignment destination is
read-only"; take ``h.copy()`` to get an array of your own. (The cache also
keeps your x, h0 and weights, not copies: change them only after backward.)

``forward`` and ``backward`` are the step functions in a loop, written for
speed in ways that keep the maths the same (tests/test_lstm.py checks them
against the plain step loop, tests/test_torch_reference.py against torch;
``make bench layers`` times them against torch.nn.LSTM):

- x_t Wx + b does not depend on h, so it is one matrix product for all steps,
  before the loop;
- sigmoid(z) = (1 + tanh(z / 2)) / 2, so one tanh call computes all four
  gates. The halving is done once, on the i, f, o columns of x_t Wx + b and
  of Wh, before the loop (exact: 0.5 is a power of 2);
- inside, arrays are time-major (T, N, ...), so each step reads and writes one
  contiguous block; the cache shows batch-first views (N, T, H) of them;
- the weight gradients are sums over time. ``backward`` walks back through
  the steps in blocks of BLOCK and adds each block's share in one product, so
  only one block's gate gradients are ever in memory. Big temporary arrays
  are not free: memory the allocator has handed back to the operating system
  costs a page fault per 4 KiB when it is used again. Holding the gate
  gradients of every step made a third of the run time page faults
  (``make bench layers`` prints the faults per call).

These rewrites change no result, not even in the last bit: the shipped
autocomplete weights are reproduced bit for bit by their training command
(tests/test_autocomplete.py checks it), so every product here is computed
from the same operands, in the same memory layout, as before. (A transposed
(H, N) layout, as helpers.gru uses, makes the LSTM steps faster too, but
changes the last bits: BLAS sums a product in a different order when an
operand is laid out differently, and float32 training magnifies that.)
"""
import numpy as np

from helpers import validate


def _check(x_letters, x, h_name, h, c_name, c, Wx, Wh, b):
    """Validate x (x_letters), the states h and c (N, H) (c may be None) and the weights;
    cast all to one dtype."""
    x = validate.array("x", x, ndim=x_letters.count(",") + 1, letters=x_letters)
    if x.ndim == 3 and x.shape[1] < 1:
        raise ValueError(f"x must hold at least one time step (T >= 1), got shape {x.shape}")
    h = validate.array(h_name, h, ndim=2, letters="(N, H)")
    states = [(h_name, h, "(N, H)")]
    if c is not None:
        c = validate.array(c_name, c, ndim=2, letters="(N, H)")
        states.append((c_name, c, "(N, H)"))
    Wx = validate.array("Wx", Wx, ndim=2, letters="(D, 4H)")
    Wh = validate.array("Wh", Wh, ndim=2, letters="(H, 4H)")
    b = validate.array("b", b, ndim=1, letters="(4H,)")
    # listed from the likeliest culprit to the most trusted: the states, the input, then the weights
    validate.agree(*states, ("x", x, x_letters), ("b", b, "(4H,)"), ("Wx", Wx, "(D, 4H)"), ("Wh", Wh, "(H, 4H)"))
    arrays = [x, h, Wx, Wh, b] + ([] if c is None else [c])
    dtype = validate.result_dtype(*arrays)
    x, h, Wx, Wh, b, *c = (v.astype(dtype, copy=False) for v in arrays)
    return x, h, (c[0] if c else None), Wx, Wh, b, Wh.shape[0]


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False


BLOCK = 16  # backward: time steps whose gate gradients are held at once


def _halves(H, dtype):
    """half (4H,): 1/2 on the i, f, o columns, 1 on g; shift (4H,): 1/2 on i, f, o, 0 on g."""
    half, shift = np.full(4 * H, 0.5, dtype), np.full(4 * H, 0.5, dtype)
    half[2 * H:3 * H], shift[2 * H:3 * H] = 1.0, 0.0
    return half, shift


def _activate(a, half, shift):
    """Halved pre-activations a * half (N, 4H) -> gates [i f g o], in place, with one tanh call:
    i, f, o = (1 + tanh(a / 2)) / 2 and g = tanh(a)."""
    np.tanh(a, out=a)
    a *= half
    a += shift
    return a


def step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step. x (N, D), h_prev and c_prev (N, H) -> (h_next, c_next, cache).

    h_next and c_next are new arrays of your own; the gates in the cache are read-only.
    """
    if c_prev is None:
        raise TypeError("c_prev must be a numpy array, got None")
    x, h_prev, c_prev, Wx, Wh, b, H = _check("(N, D)", x, "h_prev", h_prev, "c_prev", c_prev, Wx, Wh, b)
    half, shift = _halves(H, x.dtype)
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    a *= half
    gates = _activate(a, half, shift)
    gates.flags.writeable = False  # and so are the views i, f, g, o below
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    c_next = f * c_prev + i * g
    tc = np.tanh(c_next)
    h_next = o * tc
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)


def _step_da(dh, dc, c_prev, gates, tc, out):
    """Backward through one step's gates: da (N, 4H) into ``out``; returns dc_prev (N, H).

    dh, dc: gradients arriving at h_t and c_t; gates: [i f g o] (N, 4H); tc = tanh(c_t).
    """
    H = c_prev.shape[1]
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    dc = dc + dh * o * (1.0 - tc * tc)  # h = o * tanh(c) also feeds c
    np.multiply(dc, g, out=out[:, :H])  # di
    np.multiply(dc, c_prev, out=out[:, H:2 * H])  # df
    np.multiply(dc, i, out=out[:, 2 * H:3 * H])  # dg
    np.multiply(dh, tc, out=out[:, 3 * H:])  # do
    slope = gates * (1.0 - gates)  # sigmoid' = s (1 - s) for i, f, o ...
    slope[:, 2 * H:3 * H] = 1.0 - g * g  # ... and tanh' = 1 - g^2 for g
    out *= slope
    return dc * f


def step_backward(dh_next, dc_next, cache):
    """Backward through one step. Returns (dx, dh_prev, dc_prev, dWx, dWh, db).

    dh_next, dc_next: the whole gradient on h_next and on c_next, this step's own
    loss included (a loop passes dh[:, t] plus what came back from step t+1).
    The gradients have the forward's dtype.
    """
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dh_next = validate.array("dh_next", dh_next, ndim=2, letters="(N, H)")
    validate.shape("dh_next", dh_next, h_prev.shape, "(N, H)", match="h_next from step_forward")
    dc_next = validate.array("dc_next", dc_next, ndim=2, letters="(N, H)")
    validate.shape("dc_next", dc_next, h_prev.shape, "(N, H)", match="c_next from step_forward")
    dh_next, dc_next = dh_next.astype(i.dtype, copy=False), dc_next.astype(i.dtype, copy=False)
    gates = np.concatenate([i, f, g, o], axis=1)
    da = np.empty_like(gates)
    dc_prev = _step_da(dh_next, dc_next, c_prev, gates, tc, out=da)
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def forward(x, h0, Wx, Wh, b, c0=None):
    """Run the LSTM over a sequence. x (N, T, D), h0 (N, H) -> h (N, T, H), cache.

    c0 (N, H) is the initial cell state (zeros if None). The cache also holds
    the cell states and gate values for every step, as (N, T, H) views:
    cache["c"], cache["i"], cache["f"], cache["g"], cache["o"].
    h and these views are read-only (backward uses them): take h.copy() to
    edit it. h is float32 only if every input is float32, else float64.
    """
    x, h0, c0, Wx, Wh, b, H = _check("(N, T, D)", x, "h0", h0, "c0", c0, Wx, Wh, b)
    N, T = x.shape[:2]
    if c0 is None:
        c0 = np.zeros_like(h0)

    half, shift = _halves(H, x.dtype)
    gates = x.transpose(1, 0, 2) @ Wx  # (T, N, 4H): the input part of every step, in one product
    gates += b
    gates *= half
    Wh_half = Wh * half
    hs = np.empty((T + 1, N, H), gates.dtype)  # h_0 .. h_T
    cs = np.empty((T + 1, N, H), gates.dtype)  # c_0 .. c_T
    hs[0], cs[0] = h0, c0
    tc = np.empty((N, H), gates.dtype)
    for t in range(T):
        a = gates[t]  # (N, 4H): becomes the gates [i f g o] of step t, in place
        a += hs[t] @ Wh_half
        _activate(a, half, shift)
        np.multiply(a[:, H:2 * H], cs[t], out=cs[t + 1])  # c_t = f * c_{t-1} + i * g
        cs[t + 1] += a[:, :H] * a[:, 2 * H:3 * H]
        np.multiply(a[:, 3 * H:], np.tanh(cs[t + 1], out=tc), out=hs[t + 1])  # h_t = o * tanh(c_t)

    def batch_first(a):
        return a.transpose(1, 0, 2)

    _read_only(gates, hs, cs)  # backward reads them; views taken from here on are read-only too
    h = batch_first(hs[1:])
    cache = dict(x=x, h0=h0, c0=c0, Wx=Wx, Wh=Wh, gates=gates, hs=hs, cs=cs, h=h, c=batch_first(cs[1:]),
                 **{name: batch_first(gates[..., k * H:(k + 1) * H]) for k, name in enumerate("ifgo")})
    return h, cache


def backward(dh, cache, dc=None):
    """Backpropagation through time for the LSTM.

    dh (N, T, H): upstream gradient on every hidden state; dc (optional,
    (N, T, H)): upstream gradient on every cell state.
    Returns (dx, dh0, dWx, dWh, db, dc0), in the forward's dtype (float32 if
    the forward ran in float32, even when dh is float64).
    """
    x, Wx, Wh, gates, hs, cs, h = (cache[k] for k in ("x", "Wx", "Wh", "gates", "hs", "cs", "h"))
    dtype = gates.dtype
    dh = validate.array("dh", dh, ndim=3, letters="(N, T, H)")
    validate.shape("dh", dh, h.shape, "(N, T, H)", match="h from forward")
    dh = dh.astype(dtype, copy=False)
    if dc is not None:
        dc = validate.array("dc", dc, ndim=3, letters="(N, T, H)")
        validate.shape("dc", dc, h.shape, "(N, T, H)", match="c from forward")
        dc = dc.astype(dtype, copy=False)
    N, T, H = h.shape
    D = x.shape[2]
    xs = x.transpose(1, 0, 2)  # (T, N, D)

    dx = np.empty((T, N, D), dtype)
    dWx, dWh, db = np.zeros((D, 4 * H), dtype), np.zeros((H, 4 * H), dtype), np.zeros(4 * H, dtype)
    da = np.empty((min(T, BLOCK), N, 4 * H), dtype)  # gate gradients of one block of steps
    dh_next = np.zeros((N, H), dtype)
    dc_next = np.zeros((N, H), dtype)
    for stop in range(T, 0, -BLOCK):
        start = max(stop - BLOCK, 0)
        for t in reversed(range(start, stop)):
            dc_t = dc_next if dc is None else dc_next + dc[:, t]
            dc_next = _step_da(dh[:, t] + dh_next, dc_t, cs[t], gates[t], np.tanh(cs[t + 1]), out=da[t - start])
            dh_next = da[t - start] @ Wh.T  # (N, H): flows to h_{t-1}
        block = da[:stop - start]
        dx[start:stop] = block @ Wx.T
        flat = block.reshape(-1, 4 * H)  # this block's steps, all at once
        dWx += xs[start:stop].reshape(-1, D).T @ flat
        dWh += hs[start:stop].reshape(-1, H).T @ flat  # h_{t-1} for t in the block
        db += flat.sum(axis=0)
    return dx.transpose(1, 0, 2), dh_next, dWx, dWh, db, dc_next
