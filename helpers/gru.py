"""The GRU layer (gated recurrent unit), forward and backward through time.

One step, exactly as torch.nn.GRU computes it (gate order r, z, n):

    ax  = x_t Wx + bx                      (N, 3H), split into blocks ax_r, ax_z, ax_n
    ah  = h_{t-1} Wh + bh                  (N, 3H), split into blocks ah_r, ah_z, ah_n
    r   = sigmoid(ax_r + ah_r)             reset gate    in (0, 1)
    z   = sigmoid(ax_z + ah_z)             update gate   in (0, 1)
    n   = tanh(ax_n + r * ah_n)            candidate     in (-1, 1)
    h_t = (1 - z) * n + z * h_{t-1}        z = 1 keeps the old state, z = 0 takes n

The reset gate multiplies ah_n = h_{t-1} Wh_n + bh_n, bias included. That is
why there are two biases: the r and z blocks of bx and bh only ever appear as
the sums bx_r + bh_r and bx_z + bh_z, but bx_n sits outside r and bh_n inside,
so the n blocks cannot be merged into one bias.

Shapes: x (N, T, D), h0 (N, H), Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,).
These map onto torch.nn.GRU(batch_first=True) by a transpose:
    Wx = weight_ih_l0.T    Wh = weight_hh_l0.T    bx = bias_ih_l0    bh = bias_hh_l0
(torch stacks the rows of W_ir, W_iz, W_in; the transpose turns them into our
column blocks r, z, n.) All arguments must agree on every size; when they do
not, the error names the argument that disagrees with the others, the
arguments it disagrees with, and says when it looks transposed.

Dtypes: the forward pass computes in float32 only if every input is float32,
else in float64; the backward pass returns its gradients in the forward's
dtype, whatever dtype ``dh`` has (it is cast), as torch does.

What ``forward`` returns is read-only: h and the cache's r, z, n are views of
the arrays backward reads, so editing them in place would silently change the
gradients. Editing raises "ValueError: assignment destination is read-only";
take ``h.copy()`` to get an array of your own. (The cache also keeps your x,
h0 and weights, not copies: change them only after backward.)

``forward`` is the ``step_forward`` loop (both call ``_step``), with x_t Wx + bx
computed for all T steps in one product before the loop, and the arrays kept
time-major (T, N, ...) inside so each step reads one contiguous block.
``backward`` walks back through the steps carrying dh_next only, and sums the
weight gradients over time in one product after the loop.
(tests/test_gru.py checks both against the step loop and against torch.)
"""
import numpy as np

from helpers import validate
from helpers.layers import sigmoid


def _check(x_letters, x, h_name, h, Wx, Wh, bx, bh):
    """Validate x (x_letters), the state h (N, H) and the weights; cast all to one dtype."""
    x = validate.array("x", x, ndim=x_letters.count(",") + 1, letters=x_letters)
    if x.ndim == 3 and x.shape[1] < 1:
        raise ValueError(f"x must hold at least one time step (T >= 1), got shape {x.shape}")
    h = validate.array(h_name, h, ndim=2, letters="(N, H)")
    Wx = validate.array("Wx", Wx, ndim=2, letters="(D, 3H)")
    Wh = validate.array("Wh", Wh, ndim=2, letters="(H, 3H)")
    bx = validate.array("bx", bx, ndim=1, letters="(3H,)")
    bh = validate.array("bh", bh, ndim=1, letters="(3H,)")
    # listed from the likeliest culprit to the most trusted: the state, the input, then the weights
    validate.agree((h_name, h, "(N, H)"), ("x", x, x_letters), ("bh", bh, "(3H,)"), ("bx", bx, "(3H,)"),
                   ("Wx", Wx, "(D, 3H)"), ("Wh", Wh, "(H, 3H)"))
    dtype = validate.result_dtype(x, h, Wx, Wh, bx, bh)
    return (v.astype(dtype, copy=False) for v in (x, h, Wx, Wh, bx, bh))


def _step(ax, h_prev, Wh, bh):
    """One step from ax = x_t Wx + bx (N, 3H) and h_prev (N, H).

    Returns r, z, n, ah_n (each (N, H)) and h_next.
    """
    H = h_prev.shape[1]
    ah = h_prev @ Wh + bh  # (N, 3H)
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    ah_n = ah[:, 2 * H:]
    n = np.tanh(ax[:, 2 * H:] + r * ah_n)
    h_next = (1.0 - z) * n + z * h_prev
    return r, z, n, ah_n, h_next


def _step_da(dh, h_prev, r, z, n, ah_n):
    """Backward through one step's gates. dh (N, H): the whole gradient on h_t.

    Returns dax, dah (N, 3H): the gradients on ax = x_t Wx + bx and on
    ah = h_{t-1} Wh + bh. (h_{t-1} also reaches h_t directly: dh * z.)
    """
    dan = dh * (1.0 - z) * (1.0 - n * n)  # through n = tanh(ax_n + r * ah_n)
    dar = dan * ah_n * r * (1.0 - r)  # r multiplies ah_n
    daz = dh * (h_prev - n) * z * (1.0 - z)  # dh_t / dz = h_{t-1} - n
    dax = np.concatenate([dar, daz, dan], axis=1)
    dah = np.concatenate([dar, daz, dan * r], axis=1)  # ah_n enters multiplied by r
    return dax, dah


def step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One time step. x (N, D), h_prev (N, H) -> h_next (N, H), cache.

    h_next is a new array of your own; the gates in the cache are read-only.
    """
    x, h_prev, Wx, Wh, bx, bh = _check("(N, D)", x, "h_prev", h_prev, Wx, Wh, bx, bh)
    r, z, n, ah_n, h_next = _step(x @ Wx + bx, h_prev, Wh, bh)
    for a in (r, z, n, ah_n):
        a.flags.writeable = False
    return h_next, (x, h_prev, Wx, Wh, r, z, n, ah_n)


def step_backward(dh_next, cache):
    """Backward through one step. Returns (dx, dh_prev, dWx, dWh, dbx, dbh).

    dh_next: the whole gradient on h_next, this step's own loss included (a loop
    passes dh[:, t] plus what came back from step t+1). The gradients have the
    forward's dtype.
    """
    x, h_prev, Wx, Wh, r, z, n, ah_n = cache
    dh_next = validate.array("dh_next", dh_next, ndim=2, letters="(N, H)")
    validate.shape("dh_next", dh_next, h_prev.shape, "(N, H)", match="h_next from step_forward")
    dh_next = dh_next.astype(r.dtype, copy=False)
    dax, dah = _step_da(dh_next, h_prev, r, z, n, ah_n)
    dh_prev = dh_next * z + dah @ Wh.T
    return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


def forward(x, h0, Wx, Wh, bx, bh):
    """Run the GRU over a sequence. x (N, T, D), h0 (N, H) -> h (N, T, H), cache.

    The cache also holds the gate values for every step, as (N, T, H) views:
    cache["r"], cache["z"], cache["n"]. h and these views are read-only
    (backward uses them): take h.copy() to edit it. h is float32 only if every
    input is float32, else float64.
    """
    x, h0, Wx, Wh, bx, bh = _check("(N, T, D)", x, "h0", h0, Wx, Wh, bx, bh)
    N, T = x.shape[:2]
    H = h0.shape[1]

    ax = x.transpose(1, 0, 2) @ Wx + bx  # (T, N, 3H): the input part of every step, in one product
    hs = np.empty((T + 1, N, H), ax.dtype)  # h_0 .. h_T
    gates = np.empty((T, N, 4 * H), ax.dtype)  # r, z, n and ah_n of every step
    hs[0] = h0
    for t in range(T):
        *rzn, hs[t + 1] = _step(ax[t], hs[t], Wh, bh)
        gates[t] = np.concatenate(rzn, axis=1)
    hs.flags.writeable = False  # backward reads them; views taken from here on are read-only too
    gates.flags.writeable = False

    h = hs[1:].transpose(1, 0, 2)  # batch-first view (N, T, H)
    cache = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, hs=hs, gates=gates, h=h,
                 **{name: gates[..., k * H:(k + 1) * H].transpose(1, 0, 2) for k, name in enumerate("rzn")})
    return h, cache


def backward(dh, cache):
    """Backpropagation through time for the GRU.

    dh (N, T, H): the upstream gradient on every hidden state (zeros where a
    step has no loss). Returns (dx, dh0, dWx, dWh, dbx, dbh), in the forward's
    dtype (float32 if the forward ran in float32, even when dh is float64).
    """
    x, Wx, Wh, hs, gates, h = (cache[k] for k in ("x", "Wx", "Wh", "hs", "gates", "h"))
    dtype = hs.dtype
    dh = validate.array("dh", dh, ndim=3, letters="(N, T, H)")
    validate.shape("dh", dh, h.shape, "(N, T, H)", match="h from forward")
    dh = dh.astype(dtype, copy=False)
    N, T, H = h.shape
    D = x.shape[2]

    dax = np.empty((T, N, 3 * H), dtype)  # gradients on x_t Wx + bx, every step
    dah = np.empty((T, N, 3 * H), dtype)  # gradients on h_{t-1} Wh + bh, every step
    dh_next = np.zeros((N, H), dtype)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        g = dh[:, t] + dh_next  # the whole gradient on h_t
        r, z, n, ah_n = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
        dax[t], dah[t] = _step_da(g, hs[t], r, z, n, ah_n)
        dh_next = g * z + dah[t] @ Wh.T  # (N, H): flows to h_{t-1}

    dax2, dah2 = dax.reshape(T * N, 3 * H), dah.reshape(T * N, 3 * H)
    dx = (dax @ Wx.T).transpose(1, 0, 2)  # (N, T, D)
    dWx = x.transpose(1, 0, 2).reshape(T * N, D).T @ dax2  # sum over t of x_t^T dax_t
    dWh = hs[:-1].reshape(T * N, H).T @ dah2  # sum over t of h_{t-1}^T dah_t
    return dx, dh_next, dWx, dWh, dax2.sum(axis=0), dah2.sum(axis=0)
