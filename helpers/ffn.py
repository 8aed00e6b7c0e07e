"""A two-layer feed-forward classifier, its toy tasks, and a fixed-window char model.

The network (notebook 01 writes it inline first, then uses this module)::

    a = X W1 + b1        (N, H)    affine
    h = tanh(a)          (N, H)
    s = h W2 + b2        (N, V)    scores (logits)
    L = mean_n -log softmax(s)[n, y_n]

Shapes: N examples, D input size, H hidden size, V classes.
Built from ``helpers.layers``; training is plain full-batch gradient descent
(p <- p - lr * dp), so the learning rate is the only optimizer knob.

The notebook's experiment calls ``train`` on ``spiral`` data and draws the
loss curve; ``verdict`` turns a loss curve into one readable line.
``char_windows`` builds the "fixed window of characters" inputs that show
why a feed-forward net has no memory beyond its window.
"""
import numpy as np

from helpers import data, layers, validate

# A loss this far above the starting loss (or any weight this large) means the
# run has diverged: training stops there instead of overflowing.
BLOWUP_FACTOR = 10.0
MAX_WEIGHT = 1e6


# --------------------------------------------------------------------------
# Toy tasks
# --------------------------------------------------------------------------


def spiral(n, K, rng, noise=0.2):
    """K interleaved spiral arms in the plane, n points per arm.

    Returns X (N, 2) with N = n*K (coordinates in about [-1, 1]) and integer
    labels y (N,) in [0, K). No straight line separates the arms, so a linear
    classifier fails and a hidden layer is needed.
    """
    n = validate.integer("n", n, low=1)
    K = validate.integer("K", K, low=2, high=10)
    rng = validate.rng("rng", rng)
    noise = validate.number("noise", noise, low=0)
    r = np.tile(np.linspace(0.05, 1.0, n), K)  # (N,)
    y = np.repeat(np.arange(K), n)  # (N,)
    theta = y * (2 * np.pi / K) + 4.0 * r + noise * rng.standard_normal(n * K)  # (N,)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)  # (N, 2)
    return X, y


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------


def init_params(D, H, V, rng):
    """Small random weights, zero biases: {"W1" (D, H), "b1" (H,), "W2" (H, V), "b2" (V,)}.

    W1 has scale 1/sqrt(D) so tanh starts in its steep middle; W2 starts
    small so the first prediction is nearly uniform (loss about log V).
    """
    D = validate.integer("D", D, low=1)
    H = validate.integer("H", H, low=1)
    V = validate.integer("V", V, low=2)
    rng = validate.rng("rng", rng)
    return {"W1": rng.standard_normal((D, H)) / np.sqrt(D), "b1": np.zeros(H),
            "W2": 0.01 * rng.standard_normal((H, V)), "b2": np.zeros(V)}


def _check_params(params):
    if not isinstance(params, dict) or set(params) != {"W1", "b1", "W2", "b2"}:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys ['W1', 'W2', 'b1', 'b2'], got {got}")
    W1 = validate.array("W1", params["W1"], ndim=2, letters="(D, H)")
    W2 = validate.array("W2", params["W2"], ndim=2, letters="(H, V)")
    validate.shape("W2", W2, (W1.shape[1], W2.shape[1]), "(H, V)")
    return W1.shape[0]


def scores(params, X):
    """Forward pass without the loss. X (N, D) -> scores s (N, V), and the caches."""
    D = _check_params(params)
    X = validate.array("X", X, ndim=2, letters="(N, D)")
    validate.shape("X", X, (X.shape[0], D), "(N, D)")
    a, c1 = layers.affine_forward(X, params["W1"], params["b1"])  # (N, H)
    h, c2 = layers.activation_forward(a, "tanh")  # (N, H)
    s, c3 = layers.affine_forward(h, params["W2"], params["b2"])  # (N, V)
    return s, (c1, c2, c3)


def predict_proba(params, X):
    """Class probabilities softmax(s), shape (N, V)."""
    s, _ = scores(params, X)
    return layers.softmax(s)


def loss_and_grads(params, X, y):
    """Mean cross-entropy loss L and gradients {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.

    Built from ``helpers.layers`` (each call checks its arguments).
    """
    s, (c1, c2, c3) = scores(params, X)
    L, ds = layers.softmax_cross_entropy(s, y)  # ds (N, V)
    dh, dW2, db2 = layers.affine_backward(ds, c3)  # dh (N, H)
    da = layers.activation_backward(dh, c2)  # (N, H)
    _, dW1, db1 = layers.affine_backward(da, c1)
    return L, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _loss_and_grads_fast(params, X, y):
    """``loss_and_grads`` in plain numpy, without the per-call checks.

    The training loop runs it hundreds of times on arguments ``train`` has
    already checked; tests/test_ffn.py checks that it agrees with the
    layer-by-layer version above.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.tanh(X @ W1 + b1)  # (N, H)
    s = h @ W2 + b2  # (N, V)
    logp = layers.log_softmax(s)  # (N, V)
    L = -logp[np.arange(N), y].mean()
    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1.0
    ds /= N  # (N, V)
    da = (ds @ W2.T) * (1.0 - h * h)  # (N, H)
    return float(L), {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ ds, "b2": ds.sum(axis=0)}


def train(X, y, H, lr, steps, rng, V=None):
    """Full-batch gradient descent on the two-layer net. Returns (params, losses).

    X (N, D), y (N,) integers in [0, V); V defaults to y.max() + 1.
    losses (steps + 1,) holds the loss before each update and after the
    last one. If the run diverges (loss over BLOWUP_FACTOR times its start,
    a weight beyond MAX_WEIGHT, or a non-finite value) training stops early
    and ``losses`` is shorter than steps + 1; its last entry is the loss
    that gave the divergence away (it may be inf).
    """
    X = validate.array("X", X, ndim=2, letters="(N, D)")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be an integer array of shape (N,) = ({X.shape[0]},), "
                         f"got {y.dtype} array of shape {y.shape}")
    V = int(y.max()) + 1 if V is None else validate.integer("V", V, low=2)
    if y.min() < 0 or y.max() >= V:
        raise ValueError(f"y must lie in [0, V) = [0, {V}), got values from {y.min()} to {y.max()}")
    H = validate.integer("H", H, low=1, high=1000)
    lr = validate.number("lr", lr, low=0, low_open=True, high=1e4)
    steps = validate.integer("steps", steps, low=0, high=100_000)
    params = init_params(X.shape[1], H, V, rng)
    losses = []
    with np.errstate(under="ignore"):  # tiny probabilities rounding to 0 are harmless
        for _ in range(steps + 1):
            L, grads = _loss_and_grads_fast(params, X, y)
            losses.append(L)
            if not np.isfinite(L) or L > BLOWUP_FACTOR * max(losses[0], 1e-3):
                break
            if len(losses) == steps + 1:
                break
            for k in params:  # gradient descent: p <- p - lr * dp
                params[k] -= lr * grads[k]
            if max(np.max(np.abs(p)) for p in params.values()) > MAX_WEIGHT:
                losses.append(float("inf"))
                break
    return params, np.array(losses)


def verdict(losses, steps=None):
    """One line describing a loss curve: converged, still learning, stuck, unstable or diverged.

    losses: 1-D array from ``train``; steps: the number of updates asked
    for (a shorter ``losses`` means training stopped because it diverged).
    """
    losses = validate.array("losses", losses, ndim=1, letters="(steps + 1,)", finite=False)
    if losses.size == 0:
        raise ValueError("losses must hold at least one value, got none")
    steps = losses.size - 1 if steps is None else validate.integer("steps", steps, low=0)
    start, final = losses[0], losses[-1]
    if losses.size < steps + 1 or not np.isfinite(final):
        return (f"diverged at step {losses.size - 1} of {steps}: the loss blew up "
                f"from {start:.2f} (learning rate too large)")
    head = f"final loss {final:.3f} after {steps} steps"
    if steps < 10:
        return f"{head}: too few steps to judge"
    if final > start:
        return f"{head}: diverged, the loss ended higher than it started ({start:.2f}; learning rate too large)"
    tail = losses[-max(steps // 5, 5):]
    ups = np.diff(tail) > 1e-3 * max(abs(start), 1e-3)
    if ups.mean() > 0.2:
        return f"{head}: unstable, the loss keeps jumping up and down (learning rate too large)"
    recent = losses[-max(steps // 10, 2)]  # loss 10% of the run ago
    drop = (recent - final) / max(recent, 1e-12)
    if final < 0.1:
        return f"{head}: converged"
    if drop > 0.02:
        return f"{head}: still learning, the loss fell {100 * drop:.0f}% in the last tenth (more steps or a larger learning rate)"
    if final > 0.8 * start:
        return f"{head}: stuck, barely below the start {start:.2f} (learning rate too small?)"
    return f"{head}: converged, but to a poor fit (try more hidden units)"


# --------------------------------------------------------------------------
# Characters through a fixed window
# --------------------------------------------------------------------------

START, END = "^", "$"


def char_vocab(words):
    """A Vocab of the characters in ``words`` plus START "^" and END "$" (ids 0 and 1)."""
    if isinstance(words, str) or not all(isinstance(w, str) and w for w in words):
        raise TypeError("words must be a list of non-empty strings, e.g. ['neuron', 'neural']")
    return data.Vocab([START, END] + sorted(set("".join(words))))


def char_windows(words, width, vocab):
    """Every next-character prediction in ``words`` as a fixed-window example.

    Each word is padded as "^"*width + word + "$"; every position gets the
    ``width`` characters before it as input (one-hot, concatenated) and its
    own character as the target.
    Returns X (M, width*V), y (M,) ids, contexts: list of the M window strings.
    """
    width = validate.integer("width", width, low=1, high=20)
    if not isinstance(vocab, data.Vocab):
        raise TypeError(f"vocab must be a helpers.data.Vocab (make one with char_vocab(words)), got {type(vocab).__name__}")
    char_vocab(words)  # checks the words
    V = len(vocab)
    ctx_ids, targets, contexts = [], [], []
    for w in words:
        ids = vocab.encode(list(START * width + w + END))
        win, nxt = data.windows(ids, width)  # (len(w)+1, width), (len(w)+1,)
        ctx_ids.append(win)
        targets.append(nxt)
        padded = START * width + w + END
        contexts += [padded[i:i + width] for i in range(len(w) + 1)]
    win = np.concatenate(ctx_ids)  # (M, width)
    X = data.one_hot(win, V).reshape(len(win), width * V)  # (M, width*V)
    return X, np.concatenate(targets), contexts


def encode_context(context, width, vocab):
    """The last ``width`` characters of ``context`` (left-padded with "^") as one input row (1, width*V)."""
    if not isinstance(context, str):
        raise TypeError(f"context must be a str, got {type(context).__name__}")
    width = validate.integer("width", width, low=1, high=20)
    window = (START * width + context)[-width:]
    return data.one_hot(vocab.encode(list(window)), len(vocab)).reshape(1, -1)
