"""Feed-forward building blocks: affine, activations, embedding, softmax loss.

Each layer is a pair ``forward(...) -> (out, cache)`` and
``backward(dout, cache) -> gradients``, in the style of CS231n. Nothing here
keeps state between calls: everything backward needs is in ``cache``.

Shapes: N batch, D input size, H output size, V classes (vocabulary).
Affine layers also accept a time axis: x (N, T, D) -> out (N, T, H).
When arguments disagree on a size, the error names both and says when a
weight looks transposed.

Dtypes, as in helpers.rnn and helpers.lstm: a forward pass computes in
float32 only if every input is float32, else in float64, and its backward
returns gradients in the forward's dtype, whatever dtype the upstream
gradient has. ``activation_forward``'s output is read-only, because its cache
keeps it for backward: take ``y.copy()`` to edit it.
"""
import numpy as np

from helpers import validate

# --------------------------------------------------------------------------
# Activations: plain functions plus their derivatives.
# --------------------------------------------------------------------------


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), stable for any z (no overflow).

    Written as (1 + tanh(z/2)) / 2, which equals the usual formula and never
    computes exp of a large number.
    """
    s = np.tanh(0.5 * z)
    s += 1.0  # in place: no extra temporary arrays
    s *= 0.5
    return s


def relu(z):
    """max(z, 0)."""
    return np.maximum(z, 0)


# name -> (f, f' written in terms of the pre-activation a and the output y).
# gamma is the largest value f' can take: 1 for tanh and relu, 1/4 for sigmoid.
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a, y: 1.0 - y * y),
    "sigmoid": (sigmoid, lambda a, y: y * (1.0 - y)),
    "relu": (relu, lambda a, y: (a > 0).astype(a.dtype)),
}
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}


def activation_forward(a, activation="tanh"):
    """y = f(a) for f in {"tanh", "sigmoid", "relu"}. Returns (y, cache); y is read-only."""
    validate.choice("activation", activation, ACTIVATIONS)
    a = validate.array("a", a)
    f, _ = ACTIVATIONS[activation]
    y = np.asarray(f(a))  # a 0-d a gives a numpy scalar: make it an array that can be read-only
    y.flags.writeable = False  # the cache keeps y: editing it would change da
    return y, (a, y, activation)


def activation_backward(dy, cache):
    """da = dy * f'(a). Returns da, in the forward's dtype."""
    a, y, activation = cache
    dy = validate.array("dy", dy)
    validate.shape("dy", dy, y.shape, "(same as y)", match="y from activation_forward")
    return dy.astype(y.dtype, copy=False) * ACTIVATIONS[activation][1](a, y)


# --------------------------------------------------------------------------
# Affine: out = x @ W + b
# --------------------------------------------------------------------------


def affine_forward(x, W, b):
    """out = x @ W + b.

    x: (N, D) or (N, T, D); W: (D, H); b: (H,). Returns out (..., H) and cache.
    """
    x = validate.array("x", x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have shape (N, D) or (N, T, D), got {x.shape}")
    W = validate.array("W", W, ndim=2, letters="(D, H)")
    b = validate.array("b", b, ndim=1, letters="(H,)")
    x_letters = "(N, D)" if x.ndim == 2 else "(N, T, D)"
    validate.agree(("x", x, x_letters), ("b", b, "(H,)"), ("W", W, "(D, H)"))
    dtype = validate.result_dtype(x, W, b)
    x, W = x.astype(dtype, copy=False), W.astype(dtype, copy=False)
    out = x @ W + b  # (..., H)
    return out, (x, W)


def affine_backward(dout, cache):
    """Gradients of out = x @ W + b. Returns (dx, dW, db), in the forward's dtype."""
    x, W = cache
    dout = validate.array("dout", dout)
    letters = "(N, H)" if x.ndim == 2 else "(N, T, H)"
    validate.shape("dout", dout, x.shape[:-1] + (W.shape[1],), letters, match="out from affine_forward")
    dout = dout.astype(x.dtype, copy=False)
    dx = dout @ W.T  # (..., D)
    x2 = x.reshape(-1, W.shape[0])  # (N*T, D)
    d2 = dout.reshape(-1, W.shape[1])  # (N*T, H)
    return dx, x2.T @ d2, d2.sum(axis=0)


# --------------------------------------------------------------------------
# Embedding: a lookup table, out[n, t] = W[ids[n, t]]
# --------------------------------------------------------------------------


def embedding_forward(ids, W):
    """ids: integer array (N, T) of values in [0, V); W: (V, D). Returns out (N, T, D)."""
    W = validate.array("W", W, ndim=2, letters="(V, D)")
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be an integer array, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= W.shape[0]):
        raise ValueError(f"ids must lie in [0, V) = [0, {W.shape[0]}), got values from {ids.min()} to {ids.max()}")
    return W[ids], (ids, W.shape, W.dtype)


def embedding_backward(dout, cache):
    """Returns dW (V, D), in W's dtype: rows of dout added into the rows that were looked up."""
    ids, W_shape, dtype = cache
    dout = validate.array("dout", dout)
    letters = "(N, T, D)" if ids.ndim == 2 else "(ids.shape + (D,))"
    validate.shape("dout", dout, ids.shape + (W_shape[1],), letters, match="out from embedding_forward")
    dW = np.zeros(W_shape, dtype=dtype)
    np.add.at(dW, ids.ravel(), dout.reshape(-1, W_shape[1]))
    return dW


# --------------------------------------------------------------------------
# Softmax and cross-entropy
# --------------------------------------------------------------------------


def softmax(logits, axis=-1):
    """Numerically stable softmax: subtract the max before exp (no overflow)."""
    z = logits - np.max(logits, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(logits, axis=-1):
    """log(softmax(logits)) without forming tiny probabilities first."""
    z = logits - np.max(logits, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def softmax_cross_entropy(logits, y, mask=None):
    """Mean cross-entropy of integer targets under softmax(logits), and its gradient.

    logits: (N, V) or (N, T, V); y: integers of shape logits.shape[:-1] in [0, V);
    mask: optional 0/1 array of y's shape; masked-out positions do not count.
    Returns (loss, dlogits), the loss averaged over the counted positions.
    """
    logits = validate.array("logits", logits)
    if logits.ndim not in (2, 3):
        raise ValueError(f"logits must have shape (N, V) or (N, T, V), got {logits.shape}")
    V = logits.shape[-1]
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class indices, got dtype {y.dtype}")
    validate.shape("y", y, logits.shape[:-1], "(N,) or (N, T)")
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ValueError(f"y must lie in [0, V) = [0, {V}), got values from {y.min()} to {y.max()}")
    m = np.ones(y.shape, dtype=logits.dtype) if mask is None else np.asarray(mask, dtype=logits.dtype)
    validate.shape("mask", m, y.shape, "(same as y)")
    count = m.sum()
    if count == 0:
        raise ValueError("mask must keep at least one position, got all zeros")
    flat = logits.reshape(-1, V)
    yf, mf = y.ravel(), m.ravel()
    logp = log_softmax(flat)  # (N*T, V)
    loss = -np.sum(mf * logp[np.arange(yf.size), yf]) / count
    dflat = np.exp(logp)
    dflat[np.arange(yf.size), yf] -= 1.0
    dflat *= (mf / count)[:, None]
    return float(loss), dflat.reshape(logits.shape)
