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
  gates. The halving is done once, on the weights: the i, f, o columns of
  x_t Wx + b and of Wh are halved before the loop (exact: 0.5 is a power of 2);
- inside, arrays are time-major and transposed, (T, features, N): h_t and c_t
  are stored as (H, N) and the gates of a step as the rows [i f g o] of one
  (4H, N) block, so every gate is a contiguous block of memory (a column
  block of an (N, 4H) array is not, and numpy is several times slower on
  such strided views). Results go into preallocated arrays (``out=``); the
  cache shows batch-first views (N, T, H);
- only dh_next and dc_next are carried from step to step backward; all that
  depends on the forward values alone (the gate slopes s (1 - s) and 1 - g^2
  times the factor each gate meets, and o (1 - tanh(c)^2)) is computed for a
  block of BLOCK steps at once, so a step is six elementwise operations
  and one matmul;
- the weight gradients are sums over time: each block adds its share in one
  product, so only one block's gate gradients are ever in memory. Big
  temporary arrays are not free: memory the allocator has handed back to the
  operating system costs a page fault per 4 KiB when it is used again.
  Holding the gate gradients of every step made a third of the run time page
  faults (``make bench layers`` prints the faults per call).
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
    """Halved pre-activations a * half -> gates [i f g o], in place, with one tanh call:
    i, f, o = (1 + tanh(a / 2)) / 2 and g = tanh(a). a (N, 4H) with half, shift (4H,),
    or a (4H, N) with half, shift (4H, N)."""
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

    half, shift = (np.repeat(v[:, None], N, axis=1) for v in _halves(H, x.dtype))  # (4H, N)
    xT = np.ascontiguousarray(x.transpose(1, 2, 0))  # (T, D, N)
    gates = np.matmul(Wx.T, xT)  # (T, 4H, N): the input part of every step, in one product
    gates += b[:, None]
    gates *= half
    WhT = Wh.T * half[:, :1]  # (4H, H), i f o rows halved
    hs = np.empty((T + 1, H, N), gates.dtype)  # h_0 .. h_T, transposed
    cs = np.empty((T + 1, H, N), gates.dtype)  # c_0 .. c_T
    hs[0], cs[0] = h0.T, c0.T
    ah, ig, tc = np.empty((4 * H, N), x.dtype), np.empty((H, N), x.dtype), np.empty((H, N), x.dtype)
    for t in range(T):
        a = gates[t]  # (4H, N): becomes the gates [i f g o] of step t, in place
        a += np.matmul(WhT, hs[t], out=ah)
        i, f, g, o = _activate(a, half, shift).reshape(4, H, N)
        np.multiply(f, cs[t], out=cs[t + 1])  # c_t = f * c_{t-1} + i * g
        cs[t + 1] += np.multiply(i, g, out=ig)
        np.multiply(o, np.tanh(cs[t + 1], out=tc), out=hs[t + 1])  # h_t = o * tanh(c_t)

    def batch_first(a):  # (T, H, N) -> (N, T, H)
        return a.transpose(2, 0, 1)

    _read_only(gates, hs, cs)  # backward reads them; views taken from here on are read-only too
    h = batch_first(hs[1:])
    cache = dict(x=x, h0=h0, c0=c0, Wx=Wx, Wh=Wh, gates=gates, hs=hs, cs=cs, h=h, c=batch_first(cs[1:]),
                 **{name: batch_first(gates[:, k * H:(k + 1) * H]) for k, name in enumerate("ifgo")})
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
    if dc is not None:
        dc = validate.array("dc", dc, ndim=3, letters="(N, T, H)")
        validate.shape("dc", dc, h.shape, "(N, T, H)", match="c from forward")
    N, T, H = h.shape
    D = x.shape[2]
    xs = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)  # (T, N, D)

    dx = np.empty((T, N, D), dtype)
    dWxT, dWhT, db = np.zeros((4 * H, D), dtype), np.zeros((4 * H, H), dtype), np.zeros(4 * H, dtype)
    da = np.empty((min(T, BLOCK), 4, H, N), dtype)  # gate gradients [di df dg do] of one block of steps
    flat = np.empty((4 * H, min(T, BLOCK) * N), dtype)  # the same, as one matrix (4H, B N)
    K = np.empty((min(T, BLOCK), H, N), dtype)  # o (1 - tanh(c)^2): what dh_t passes on to dc_t
    dhT = np.empty((min(T, BLOCK), H, N), dtype)  # dh, and dc, of the block, transposed
    dcT = None if dc is None else np.empty_like(dhT)
    dh_t, dc_t = np.empty((H, N), dtype), np.empty((H, N), dtype)
    dh_next, dc_next = np.zeros((H, N), dtype), np.zeros((H, N), dtype)
    for stop in range(T, 0, -BLOCK):
        start = max(stop - BLOCK, 0)
        B = stop - start
        # what depends on the forward only, for the whole block: da = [dc dc dc dh] * P, P in da
        G = gates[start:stop].reshape(B, 4, H, N)
        i, f, g, o = (G[:, k] for k in range(4))
        P, k = da[:B], K[:B]
        np.subtract(1.0, G, out=P)
        P *= G  # sigmoid' = s (1 - s) for i, f, o ...
        np.multiply(g, g, out=P[:, 2])
        np.subtract(1.0, P[:, 2], out=P[:, 2])  # ... and tanh' = 1 - g^2 for g
        tc = np.tanh(cs[start + 1:stop + 1], out=k)
        P[:, 3] *= tc  # do = dh * tanh(c) * o (1 - o)
        P[:, 0] *= g  # di = dc * g * i (1 - i)
        P[:, 1] *= cs[start:stop]  # df = dc * c_{t-1} * f (1 - f)
        P[:, 2] *= i  # dg = dc * i * (1 - g^2)
        np.multiply(tc, tc, out=k)
        np.subtract(1.0, k, out=k)
        k *= o  # h = o * tanh(c) also feeds c
        np.copyto(dhT[:B], dh[:, start:stop].transpose(1, 2, 0), casting="same_kind")
        if dc is not None:
            np.copyto(dcT[:B], dc[:, start:stop].transpose(1, 2, 0), casting="same_kind")
        for t in reversed(range(B)):
            np.add(dhT[t], dh_next, out=dh_t)  # the whole gradient on h_t
            np.multiply(dh_t, k[t], out=dc_t)
            dc_t += dc_next  # ... and on c_t
            if dc is not None:
                dc_t += dcT[t]
            da[t, :3] *= dc_t
            da[t, 3] *= dh_t
            dc_next = dc_t * f[t]  # (H, N): flows to c_{t-1}
            dh_next = Wh @ da[t].reshape(4 * H, N)  # (H, N): flows to h_{t-1}
        F = flat[:, :B * N]  # this block's steps, all at once
        np.copyto(F.reshape(4 * H, B, N), da[:B].reshape(B, 4 * H, N).transpose(1, 0, 2))
        np.matmul(F.T, Wx.T, out=dx[start:stop].reshape(-1, D))
        dWxT += F @ xs[start:stop].reshape(-1, D)
        dWhT += F @ hs[start:stop].transpose(0, 2, 1).reshape(-1, H)  # h_{t-1} for t in the block
        db += F.sum(axis=1)
    return dx.transpose(1, 0, 2), dh_next.T, dWxT.T, dWhT.T, db, dc_next.T
