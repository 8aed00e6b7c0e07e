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

``forward`` is the ``step_forward`` loop (both call ``_step``), written for
speed in ways that keep the maths (tests/test_gru.py checks both against the
step loop and against torch; ``make bench layers`` times them against
torch.nn.GRU):

- x_t Wx + bx (plus bh_r, bh_z, which only ever add to it) is computed for all
  T steps in one product before the loop;
- sigmoid(a) = (1 + tanh(a / 2)) / 2, and the halving is done once, on the r
  and z columns of that product and of Wh (exact: 0.5 is a power of 2), so r
  and z come from one tanh call;
- inside, arrays are time-major and transposed, (T, features, N): h_t is
  stored as (H, N) and the gates of a step as the rows [r z n ah_n] of one
  (4H, N) block, so every gate is a contiguous block of memory (a column
  block of an (N, 4H) array is not, and numpy is several times slower on
  such strided views). The cache shows batch-first views (N, T, H);
- results go into preallocated arrays (``out=``);
- ``backward`` carries dh_next only. What depends on the forward values alone
  (each gate's slope times the factor it meets) is computed for a block of
  BLOCK steps at once, so a step is four elementwise operations and one
  matmul; each block then adds its share of the weight gradients in one
  product.
"""
import numpy as np

from helpers import validate


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


BLOCK = 16  # backward: time steps whose gate gradients are held at once


def _prepare(xT, Wx, Wh, bx, bh):
    """What ``_step`` reads, transposed: xT (..., D, N) ->
    ax (..., 3H, N) = (x Wx + bx + [bh_r bh_z 0]).T with its r, z rows halved,
    WhT (3H, H) = Wh.T with its r, z rows halved, and bh_n (H, N) (bh_n in every column).

    The bias rides in the product, as a column of the weights against a row
    of ones under xT: one matmul, no separate pass over ax.
    """
    H, D, N = Wh.shape[0], xT.shape[-2], xT.shape[-1]
    W1 = np.empty((3 * H, D + 1), xT.dtype)  # [Wx.T | b]
    W1[:, :D] = Wx.T
    W1[:, D] = bx
    W1[:2 * H, D] += bh[:2 * H]  # bh_r and bh_z only ever add to bx_r and bx_z
    W1[:2 * H] *= 0.5
    x1 = np.empty(xT.shape[:-2] + (D + 1, N), xT.dtype)  # [xT; 1]
    x1[..., :D, :] = xT
    x1[..., D, :] = 1.0
    WhT = Wh.T.copy()
    WhT[:2 * H] *= 0.5
    return np.matmul(W1, x1), WhT, np.repeat(bh[2 * H:, None], N, axis=1)


def _step(ax, h_prev, WhT, bh_n, gates, h_next, ah):
    """One step, transposed: ``_prepare``'s ax (3H, N) and h_prev (H, N).

    Writes the rows r, z, n, ah_n of gates (4H, N) and h_t into h_next (H, N);
    ah (3H, N) is scratch space.
    """
    H = h_prev.shape[0]
    np.matmul(WhT, h_prev, out=ah)
    rz, n, ah_n = gates[:2 * H], gates[2 * H:3 * H], gates[3 * H:]
    np.add(ax[:2 * H], ah[:2 * H], out=rz)  # (a_r, a_z) / 2
    np.tanh(rz, out=rz)
    rz *= 0.5
    rz += 0.5  # r, z = sigmoid(a_r), sigmoid(a_z)
    r, z = rz[:H], rz[H:]
    np.add(ah[2 * H:], bh_n, out=ah_n)  # ah_n = h_{t-1} Wh_n + bh_n
    np.multiply(r, ah_n, out=n)
    n += ax[2 * H:]
    np.tanh(n, out=n)  # n = tanh(ax_n + r * ah_n)
    np.subtract(h_prev, n, out=h_next)
    h_next *= z
    h_next += n  # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)


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
    N, H = h_prev.shape
    gates, h_next = np.empty((4 * H, N), x.dtype), np.empty((H, N), x.dtype)
    ax, WhT, bh_n = _prepare(x.T, Wx, Wh, bx, bh)
    _step(ax, h_prev.T, WhT, bh_n, gates, h_next, np.empty((3 * H, N), x.dtype))
    h_next = h_next.T
    r, z, n, ah_n = (gates[k * H:(k + 1) * H].T for k in range(4))
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

    ax, WhT, bh_n = _prepare(x.transpose(1, 2, 0), Wx, Wh, bx, bh)  # (T, 3H, N): every step's input part
    hs = np.empty((T + 1, H, N), ax.dtype)  # h_0 .. h_T, transposed
    gates = np.empty((T, 4 * H, N), ax.dtype)  # the rows r, z, n and ah_n of every step
    ah = np.empty((3 * H, N), ax.dtype)
    hs[0] = h0.T
    for t in range(T):
        _step(ax[t], hs[t], WhT, bh_n, gates[t], hs[t + 1], ah)
    hs.flags.writeable = False  # backward reads them; views taken from here on are read-only too
    gates.flags.writeable = False

    def batch_first(a):  # (T, H, N) -> (N, T, H)
        return a.transpose(2, 0, 1)

    h = batch_first(hs[1:])
    cache = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, hs=hs, gates=gates, h=h,
                 **{name: batch_first(gates[:, k * H:(k + 1) * H]) for k, name in enumerate("rzn")})
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
    N, T, H = h.shape
    D = x.shape[2]
    xs = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)  # (T, N, D)

    dx = np.empty((T, N, D), dtype)
    dWxT, dWhT = np.zeros((3 * H, D), dtype), np.zeros((3 * H, H), dtype)
    B = min(T, BLOCK)
    dah = np.empty((B, 3, H, N), dtype)  # gradients on h_{t-1} Wh + bh [dar daz dah_n], one block of steps
    K = np.empty((B, H, N), dtype)  # (1 - z)(1 - n^2): dan = dh_t * K
    dhs = np.empty((B, H, N), dtype)  # dh of the block, transposed; then the whole gradient on each h_t
    Fh, Fx = np.empty((3 * H, B * N), dtype), np.empty((3 * H, B * N), dtype)  # dah, dax as matrices
    dbx, dbh = np.zeros(3 * H, dtype), np.zeros(3 * H, dtype)
    dh_next = np.zeros((H, N), dtype)  # gradient arriving from step t+1
    for stop in range(T, 0, -BLOCK):
        start = max(stop - BLOCK, 0)
        B = stop - start
        # what depends on the forward only, for the whole block: dah = dh_t * P, P in dah
        r, z, n, ah_n = (gates[start:stop, k * H:(k + 1) * H] for k in range(4))
        P, k = dah[:B], K[:B]
        Pr, Pz, Pn = (P[:, j] for j in range(3))
        np.subtract(1.0, z, out=k)
        np.multiply(n, n, out=Pn)
        np.subtract(1.0, Pn, out=Pn)
        k *= Pn  # through n = tanh(ax_n + r * ah_n): (1 - z) tanh'
        np.subtract(1.0, r, out=Pr)
        Pr *= r
        Pr *= ah_n
        Pr *= k  # dar = dan * ah_n * r (1 - r): r multiplies ah_n
        np.subtract(1.0, z, out=Pz)
        Pz *= z
        np.subtract(hs[start:stop], n, out=Pn)
        Pz *= Pn  # daz = dh * (h_{t-1} - n) * z (1 - z)
        np.multiply(k, r, out=Pn)  # dah_n = dan * r: ah_n enters multiplied by r
        np.copyto(dhs[:B], dh[:, start:stop].transpose(1, 2, 0), casting="same_kind")
        for t in reversed(range(B)):
            g = np.add(dhs[t], dh_next, out=dhs[t])  # the whole gradient on h_t
            dah[t] *= g
            dh_next = g * z[t]  # h_{t-1} reaches h_t directly ...
            dh_next += Wh @ dah[t].reshape(3 * H, N)  # ... and through ah: flows to h_{t-1}
        # this block's steps, all at once, as (3H, B N) matrices: dax is dah but for dan in the n rows
        fh, fx = Fh[:, :B * N], Fx[:, :B * N]
        np.copyto(fh.reshape(3 * H, B, N), dah[:B].reshape(B, 3 * H, N).transpose(1, 0, 2))
        fx[:2 * H] = fh[:2 * H]
        k *= dhs[:B]  # dan = dh * (1 - z)(1 - n^2)
        np.copyto(fx[2 * H:].reshape(H, B, N), k.transpose(1, 0, 2))
        np.matmul(fx.T, Wx.T, out=dx[start:stop].reshape(-1, D))
        dWxT += fx @ xs[start:stop].reshape(-1, D)  # sum over t of x_t^T dax_t
        dWhT += fh @ hs[start:stop].transpose(0, 2, 1).reshape(-1, H)  # sum over t of h_{t-1}^T dah_t
        dbx += fx.sum(axis=1)
        dbh += fh.sum(axis=1)
    return dx.transpose(1, 0, 2), dh_next.T, dWxT.T, dWhT.T, dbx, dbh
