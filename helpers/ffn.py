"""A two-layer feed-forward classifier, its toy task, and a fixed-window char model.

The network (notebook 01 writes it inline first, then uses this module),
with the course's names, so that notebook 03 only has to add Wh::

    a = x Wx + b         (N, H)    affine
    h = tanh(a)          (N, H)
    y = h Wy + by        (N, V)    scores (logits)
    L = mean_n -log softmax(y)[n, labels_n]

Shapes: N examples, D input size, H hidden size, V classes.
Built from ``helpers.layers``; training is plain full-batch gradient descent
(p <- p - lr * dp), so the learning rate is the only optimizer knob.

The notebook's experiment, ``helpers.ffn_views.SpiralLab``, calls ``train`` on
``spiral`` data and draws what it learned; ``verdict`` turns a loss curve into
one readable line. ``char_windows`` builds the "fixed window of characters"
inputs that show why a feed-forward net has no memory beyond its window.
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

    Returns x (N, 2) with N = n*K (coordinates in about [-1, 1]) and integer
    labels (N,) in [0, K). No straight line separates the arms, so a linear
    classifier fails and a hidden layer is needed.
    """
    n = validate.integer("n", n, low=1)
    K = validate.integer("K", K, low=2, high=10)
    rng = validate.rng("rng", rng)
    noise = validate.number("noise", noise, low=0)
    r = np.tile(np.linspace(0.05, 1.0, n), K)  # (N,)
    labels = np.repeat(np.arange(K), n)  # (N,)
    theta = labels * (2 * np.pi / K) + 4.0 * r + noise * rng.standard_normal(n * K)  # (N,)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)  # (N, 2)
    return x, labels


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------


def init_params(D, H, V, rng):
    """Small random weights, zero biases: {"Wx" (D, H), "b" (H,), "Wy" (H, V), "by" (V,)}.

    Wx has scale 1/sqrt(D) so tanh starts in its steep middle; Wy starts
    small so the first prediction is nearly uniform (loss about log V).
    """
    D = validate.integer("D", D, low=1)
    H = validate.integer("H", H, low=1)
    V = validate.integer("V", V, low=2)
    rng = validate.rng("rng", rng)
    return {"Wx": rng.standard_normal((D, H)) / np.sqrt(D), "b": np.zeros(H),
            "Wy": 0.01 * rng.standard_normal((H, V)), "by": np.zeros(V)}


def _check_params(params):
    if not isinstance(params, dict) or set(params) != {"Wx", "b", "Wy", "by"}:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys ['Wx', 'Wy', 'b', 'by'], got {got}")
    Wx = validate.array("Wx", params["Wx"], ndim=2, letters="(D, H)")
    Wy = validate.array("Wy", params["Wy"], ndim=2, letters="(H, V)")
    validate.shape("Wy", Wy, (Wx.shape[1], Wy.shape[1]), "(H, V)")
    return Wx.shape[0]


def forward(params, x):
    """Forward pass without the loss. x (N, D) -> scores y (N, V), and the caches."""
    D = _check_params(params)
    x = validate.array("x", x, ndim=2, letters="(N, D)")
    validate.shape("x", x, (x.shape[0], D), "(N, D)")
    a, c1 = layers.affine_forward(x, params["Wx"], params["b"])  # (N, H)
    h, c2 = layers.activation_forward(a, "tanh")  # (N, H)
    y, c3 = layers.affine_forward(h, params["Wy"], params["by"])  # (N, V)
    return y, (c1, c2, c3)


def predict_proba(params, x):
    """Class probabilities softmax(y), shape (N, V)."""
    y, _ = forward(params, x)
    with np.errstate(under="ignore"):  # probabilities below 1e-308 round to 0: harmless
        return layers.softmax(y)


def loss_and_grads(params, x, labels):
    """Mean cross-entropy loss L and gradients {"Wx": dWx, "b": db, "Wy": dWy, "by": dby}.

    Built from ``helpers.layers`` (each call checks its arguments).
    """
    y, (c1, c2, c3) = forward(params, x)
    L, dy = layers.softmax_cross_entropy(y, labels)  # dy (N, V)
    dh, dWy, dby = layers.affine_backward(dy, c3)  # dh (N, H)
    da = layers.activation_backward(dh, c2)  # (N, H)
    _, dWx, db = layers.affine_backward(da, c1)
    return L, {"Wx": dWx, "b": db, "Wy": dWy, "by": dby}


def _loss_and_grads_fast(params, x, labels):
    """``loss_and_grads`` in plain numpy, without the per-call checks.

    The training loop runs it hundreds of times on arguments ``train`` has
    already checked; tests/test_ffn.py checks that it agrees with the
    layer-by-layer version above.
    """
    Wx, b, Wy, by = params["Wx"], params["b"], params["Wy"], params["by"]
    N = x.shape[0]
    h = np.tanh(x @ Wx + b)  # (N, H)
    y = h @ Wy + by  # (N, V)
    logp = layers.log_softmax(y)  # (N, V)
    L = -logp[np.arange(N), labels].mean()
    dy = np.exp(logp)
    dy[np.arange(N), labels] -= 1.0
    dy /= N  # (N, V)
    da = (dy @ Wy.T) * (1.0 - h * h)  # (N, H)
    return float(L), {"Wx": x.T @ da, "b": da.sum(axis=0), "Wy": h.T @ dy, "by": dy.sum(axis=0)}


def train(x, labels, H, lr, steps, rng, V=None):
    """Full-batch gradient descent on the two-layer net. Returns (params, losses).

    x (N, D), labels (N,) integers in [0, V); V defaults to labels.max() + 1.
    losses (steps + 1,) holds the loss before each update and after the
    last one. If the run diverges (loss over BLOWUP_FACTOR times its start,
    a weight beyond MAX_WEIGHT, or a non-finite value) training stops early
    and ``losses`` is shorter than steps + 1; its last entry is the loss
    that gave the divergence away (it may be inf).
    """
    x = validate.array("x", x, ndim=2, letters="(N, D)")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != x.shape[0] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be an integer array of shape (N,) = ({x.shape[0]},), "
                         f"got {labels.dtype} array of shape {labels.shape}")
    V = int(labels.max()) + 1 if V is None else validate.integer("V", V, low=2)
    if labels.min() < 0 or labels.max() >= V:
        raise ValueError(f"labels must lie in [0, V) = [0, {V}), got values from {labels.min()} to {labels.max()}")
    H = validate.integer("H", H, low=1, high=1000)
    lr = validate.number("lr", lr, low=0, low_open=True, high=1e4)
    steps = validate.integer("steps", steps, low=0, high=100_000)
    params = init_params(x.shape[1], H, V, rng)
    losses = []
    with np.errstate(under="ignore"):  # tiny probabilities rounding to 0 are harmless
        for _ in range(steps + 1):
            L, grads = _loss_and_grads_fast(params, x, labels)
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
    """One line describing a loss curve: converged, still learning, stuck, slow, a poor fit, unstable or diverged.

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
                f"from {start:.2f} to {final:.3g} (learning rate too large)")
    head = f"final loss {final:.3f} after {steps} steps"
    if steps < 10:
        return f"{head}: too few steps to judge"
    tail = losses[-max(steps // 5, 5):]
    moves = np.diff(tail) / max(abs(start), 1e-3)
    if np.mean(moves > 1e-3) > 0.2 and np.mean(moves < -1e-3) > 0.2:  # up *and* down, often
        return f"{head}: unstable, the loss keeps jumping up and down (learning rate too large)"
    if final > start:
        return f"{head}: diverged, the loss ended higher than it started ({start:.2f}; learning rate too large)"
    recent = losses[-max(steps // 10, 2)]  # loss 10% of the run ago
    drop = (recent - final) / max(recent, 1e-12)
    if final < 0.1:
        return f"{head}: converged"
    if drop > 0.02:
        return f"{head}: still learning, the loss fell {100 * drop:.0f}% in the last tenth (more steps or a larger learning rate)"
    if final > 0.8 * start:
        return f"{head}: stuck, barely below the start {start:.2f} (learning rate too small, or too few hidden units)"
    if final > 0.5 * start:
        return f"{head}: slow, the loss is still near its plateau (try a larger learning rate, then more hidden units)"
    return f"{head}: levelled off at a poor fit (try more hidden units or a larger learning rate)"


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
    Returns x (M, width*V), labels (M,) ids, contexts: list of the M window strings.
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
    x = data.one_hot(win, V).reshape(len(win), width * V)  # (M, width*V)
    return x, np.concatenate(targets), contexts


def encode_context(context, width, vocab):
    """The last ``width`` characters of ``context`` (left-padded with "^") as one input row (1, width*V)."""
    if not isinstance(context, str):
        raise TypeError(f"context must be a str, got {type(context).__name__}")
    width = validate.integer("width", width, low=1, high=20)
    window = (START * width + context)[-width:]
    return data.one_hot(vocab.encode(list(window)), len(vocab)).reshape(1, -1)
