"""The vanilla (Elman) recurrent layer, forward and backward through time.

One step:   a_t = x_t Wx + h_{t-1} Wh + b,   h_t = f(a_t)   (f = tanh by default)

The recurrence feeds back the hidden state h_{t-1}: not the previous input,
not the previous output. The same Wx, Wh, b are used at every time step.

Shapes: N batch, T time steps, D input size, H hidden size.
    x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), h (N, T, H).
All arguments must agree on every size; when they do not, the error names the
argument that disagrees with the others, the arguments it disagrees with, and
says when it looks transposed (``Wx.T`` passed for ``Wx``).

Dtypes: the forward pass computes in float32 only if every input is float32,
else in float64; the backward pass returns its gradients in the forward's
dtype, whatever dtype ``dh`` has (it is cast), as torch does.

The returned hidden states are read-only: they are the very arrays the cache
keeps for backward, so editing them in place would silently change the
gradients. Editing raises "ValueError: assignment destination is read-only";
take ``h.copy()`` to get an array of your own. (The cache also keeps your x,
h0 and weights, not copies: change them only after backward.)

``forward`` is the ``step_forward`` loop with one speed-up worth knowing:
x_t Wx does not depend on h, so it is computed for all T steps in a single
matrix product before the loop. ``backward`` does the same in reverse: the
loop only carries dh_next back through time, and the weight gradients are
summed over time in one product after it. (tests/test_rnn.py checks both
against the plain step loop.)
"""
import numpy as np

from helpers import validate
from helpers.layers import ACTIVATIONS


def _check(x_letters, x, h_name, h, Wx, Wh, b):
    """Validate x (x_letters), the state h (N, H) and the weights; cast all to one dtype."""
    x = validate.array("x", x, ndim=x_letters.count(",") + 1, letters=x_letters)
    if x.ndim == 3 and x.shape[1] < 1:
        raise ValueError(f"x must hold at least one time step (T >= 1), got shape {x.shape}")
    h = validate.array(h_name, h, ndim=2, letters="(N, H)")
    Wx = validate.array("Wx", Wx, ndim=2, letters="(D, H)")
    Wh = validate.array("Wh", Wh, ndim=2, letters="(H, H)")
    b = validate.array("b", b, ndim=1, letters="(H,)")
    # listed from the likeliest culprit to the most trusted: the state, the input, then the weights
    validate.agree((h_name, h, "(N, H)"), ("x", x, x_letters), ("b", b, "(H,)"), ("Wx", Wx, "(D, H)"), ("Wh", Wh, "(H, H)"))
    dtype = validate.result_dtype(x, h, Wx, Wh, b)
    return (v.astype(dtype, copy=False) for v in (x, h, Wx, Wh, b))


def step_forward(x, h_prev, Wx, Wh, b, activation="tanh"):
    """One time step. x (N, D), h_prev (N, H) -> h_next (N, H), cache.

    h_next is read-only (backward uses it); see the module docstring.
    """
    validate.choice("activation", activation, ACTIVATIONS)
    x, h_prev, Wx, Wh, b = _check("(N, D)", x, "h_prev", h_prev, Wx, Wh, b)
    f, _ = ACTIVATIONS[activation]
    a = x @ Wx + h_prev @ Wh + b  # (N, H)
    h_next = f(a)
    h_next.flags.writeable = False
    return h_next, (x, h_prev, Wx, Wh, a, h_next, activation)


def step_backward(dh_next, cache):
    """Backward through one step. dh_next (N, H) -> (dx, dh_prev, dWx, dWh, db).

    dh_next: the whole gradient on h_next, this step's own loss included (a loop
    passes dh[:, t] plus what came back from step t+1). The gradients have the
    forward's dtype.
    """
    x, h_prev, Wx, Wh, a, h_next, activation = cache
    dh_next = validate.array("dh_next", dh_next, ndim=2, letters="(N, H)")
    validate.shape("dh_next", dh_next, h_next.shape, "(N, H)", match="h_next from step_forward")
    dh_next = dh_next.astype(h_next.dtype, copy=False)
    da = dh_next * ACTIVATIONS[activation][1](a, h_next)  # (N, H)
    dx = da @ Wx.T  # (N, D)
    dh_prev = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, H)
    dWh = h_prev.T @ da  # (H, H)
    db = da.sum(axis=0)  # (H,)
    return dx, dh_prev, dWx, dWh, db


def forward(x, h0, Wx, Wh, b, activation="tanh"):
    """Run the RNN over a whole sequence.

    x (N, T, D), h0 (N, H) -> h (N, T, H): every hidden state, and a cache.
    activation: "tanh" (default), "sigmoid" or "relu".
    h is read-only (backward uses it): take h.copy() to edit it.
    h is float32 only if every input is float32, else float64.
    """
    validate.choice("activation", activation, ACTIVATIONS)
    x, h0, Wx, Wh, b = _check("(N, T, D)", x, "h0", h0, Wx, Wh, b)
    T = x.shape[1]
    f, _ = ACTIVATIONS[activation]

    a = x @ Wx + b  # (N, T, H): the input part of every step, in one product
    h = np.empty_like(a)
    h_prev = h0
    for t in range(T):
        a[:, t] += h_prev @ Wh  # a_t = x_t Wx + b + h_{t-1} Wh
        h_prev = h[:, t] = f(a[:, t])
    h.flags.writeable = False  # the cache's own h: editing it would change the gradients
    return h, (x, h0, Wx, Wh, a, h, activation)


def backward(dh, cache):
    """Backpropagation through time.

    dh (N, T, H): the upstream gradient on every hidden state (zeros where a
    step has no loss). Returns (dx, dh0, dWx, dWh, db), in the forward's dtype
    (float32 if the forward ran in float32, even when dh is float64).
    """
    x, h0, Wx, Wh, a, h, activation = cache
    dh = validate.array("dh", dh, ndim=3, letters="(N, T, H)")
    validate.shape("dh", dh, h.shape, "(N, T, H)", match="h from forward")
    dh = dh.astype(h.dtype, copy=False)
    N, T, H = h.shape
    D = x.shape[2]

    fprime = ACTIVATIONS[activation][1](a, h)  # (N, T, H): f'(a_t) for every step
    da = np.empty_like(fprime)
    dh_next = np.zeros_like(h0)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_next) * fprime[:, t]
        dh_next = da[:, t] @ Wh.T  # (N, H): flows to h_{t-1}
    dh0 = dh_next

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1} per step
    da2 = da.reshape(N * T, H)
    dx = da @ Wx.T  # (N, T, D)
    dWx = x.reshape(N * T, D).T @ da2  # sum over t of x_t^T da_t
    dWh = h_prev.reshape(N * T, H).T @ da2  # sum over t of h_{t-1}^T da_t
    db = da2.sum(axis=0)
    return dx, dh0, dWx, dWh, db
