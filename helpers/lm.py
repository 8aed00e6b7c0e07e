"""A word-level LSTM language model: embedding -> LSTM -> affine -> softmax.

For a query w_1 .. w_n the model reads the word ids x = [<s>, w_1, .., w_n]
and predicts targets = [w_1, .., w_n, </s>], one word ahead at every step:

    e_t = W_embed[x_t]                                   (N, D)  embedding: word id -> vector
    h_t, c_t = LSTM(e_t, h_{t-1}, c_{t-1})               (N, H)  helpers.lstm
    y_t = h_t Wy + by                                    (N, V)  scores (logits)
    P(next word | x_1..x_t) = softmax(y_t)               (N, V)

Parameters (a dict of arrays): W_embed (V, D), Wx (D, 4H), Wh (H, 4H), b (4H,),
Wy (H, V), by (V,). Training uses the cross-entropy of softmax(y_t) and the
target word, averaged over real (unpadded) positions, with gradient clipping
by global norm and Adam (helpers.optim).

Queries have different lengths, so a batch is padded to its longest query
and a mask (1 = real word, 0 = padding) keeps padding out of the loss.
``train`` cuts each padded batch into chunks of ``bptt`` steps and carries
h and c from one chunk into the next: truncated BPTT. The gradient of a chunk
stops at its first step. With bptt >= the longest query (the default), each
query is one chunk and the gradient is exact.
"""
import os
import tempfile
import zipfile
from collections import Counter

import numpy as np

from helpers import layers, lstm, optim, validate
from helpers.data import UNK, Vocab

BOS, EOS = "<s>", "</s>"
PARAM_SHAPES = {"W_embed": "(V, D)", "Wx": "(D, 4H)", "Wh": "(H, 4H)", "b": "(4H,)", "Wy": "(H, V)", "by": "(V,)"}


def build_vocab(sentences, min_count=1):
    """Vocab with <unk> = 0, <s>, </s>, then words seen >= min_count times (most frequent first)."""
    min_count = validate.integer("min_count", min_count, low=1)
    counts = Counter(w for s in sentences for w in s)
    words = sorted((w for w, n in counts.items() if n >= min_count and w not in (UNK, BOS, EOS)),
                   key=lambda w: (-counts[w], w))
    return Vocab([BOS, EOS] + words, unk=True)


def encode(sentences, vocab):
    """Token lists -> (x, targets, mask), int arrays (N, T) with T = longest length + 1.

    x (the input word ids) starts with <s>; targets (the next word at every
    step) end with </s>; padding (after the end) has mask 0.
    """
    if not sentences:
        raise ValueError("sentences must hold at least one sentence, got none")
    N, T = len(sentences), max(len(s) for s in sentences) + 1
    eos = vocab.stoi[EOS]
    x = np.full((N, T), eos, dtype=np.int64)
    targets = np.full((N, T), eos, dtype=np.int64)
    mask = np.zeros((N, T), dtype=np.int64)
    for n, s in enumerate(sentences):
        ids = vocab.encode(s)
        x[n, 0] = vocab.stoi[BOS]
        x[n, 1:len(ids) + 1] = ids
        targets[n, :len(ids)] = ids
        mask[n, :len(ids) + 1] = 1
    return x, targets, mask


def init_params(V, D, H, rng, dtype=np.float32):
    """Small random weights; forget-gate bias 1 so the cell remembers at the start."""
    V, D, H = (validate.integer(k, v, low=1) for k, v in (("V", V), ("D", D), ("H", H)))
    rng = validate.rng("rng", rng)
    b = np.zeros(4 * H)
    b[H:2 * H] = 1.0
    params = {"W_embed": rng.normal(0, 0.1, (V, D)),
              "Wx": rng.normal(0, 1 / np.sqrt(D), (D, 4 * H)),
              "Wh": rng.normal(0, 1 / np.sqrt(H), (H, 4 * H)),
              "b": b,
              "Wy": rng.normal(0, 1 / np.sqrt(H), (H, V)),
              "by": np.zeros(V)}
    return {k: v.astype(dtype) for k, v in params.items()}


def sizes(params):
    """(V, D, H) of a parameter dict, after checking every shape agrees."""
    if not isinstance(params, dict) or set(params) != set(PARAM_SHAPES):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {sorted(PARAM_SHAPES)}, got {got}")
    V, D = np.shape(params["W_embed"])
    H = np.shape(params["Wh"])[0]
    want = {"W_embed": (V, D), "Wx": (D, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,), "Wy": (H, V), "by": (V,)}
    for k, shape in want.items():
        validate.shape(k, np.asarray(params[k]), shape, PARAM_SHAPES[k])
    return V, D, H


def _ids(x, V):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer) or x.ndim != 2:
        raise ValueError(f"x must be an integer array of word ids with shape (N, T), got {x.dtype} {x.shape}")
    return x


def forward(params, x, h0=None, c0=None):
    """x: word ids (N, T). Returns logits (N, T, V) and a cache for ``backward``.

    h0, c0 (N, H): the state to start from (zeros if None); the cache holds
    the last state as cache["hT"], cache["cT"] and the LSTM's gates.
    """
    V, D, H = sizes(params)
    x = _ids(x, V)
    N = x.shape[0]
    dtype = params["Wh"].dtype
    h0 = np.zeros((N, H), dtype) if h0 is None else h0
    e, e_cache = layers.embedding_forward(x, params["W_embed"])  # (N, T, D)
    h, l_cache = lstm.forward(e, h0, params["Wx"], params["Wh"], params["b"], c0=c0)  # (N, T, H)
    logits, a_cache = layers.affine_forward(h, params["Wy"], params["by"])  # (N, T, V)
    return logits, {"embed": e_cache, "lstm": l_cache, "affine": a_cache,
                    "hT": h[:, -1], "cT": l_cache["c"][:, -1]}


def backward(dlogits, cache):
    """Gradients of every parameter, and de (N, T, D), the gradient on the embeddings."""
    dh, dWy, dby = layers.affine_backward(dlogits, cache["affine"])
    de, _, dWx, dWh, db, _ = lstm.backward(dh, cache["lstm"])
    dW_embed = layers.embedding_backward(de, cache["embed"])
    return {"W_embed": dW_embed, "Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}, de


def loss_and_grads(params, x, targets, mask=None, h0=None, c0=None):
    """Mean cross-entropy over unmasked positions, its gradients, and the last (h, c).

    x, targets, mask (N, T) as ``encode`` makes them.
    """
    logits, cache = forward(params, x, h0, c0)
    loss, dlogits = layers.softmax_cross_entropy(logits, targets, mask)
    grads, _ = backward(dlogits, cache)
    return loss, grads, (cache["hT"], cache["cT"])


def batches(x, targets, mask, N, rng):
    """Yield (x, targets, mask) batches of N queries in a random order, each cut to its longest query.

    Queries of similar length are grouped (within blocks of 16 batches) so
    little time goes into padding.
    """
    N = validate.integer("N", N, low=1)
    rng = validate.rng("rng", rng)
    order = rng.permutation(len(x))
    lengths = mask.sum(axis=1)
    groups = []
    for s in range(0, len(order), 16 * N):
        block = order[s:s + 16 * N]
        block = block[np.argsort(lengths[block], kind="stable")]
        groups += [block[i:i + N] for i in range(0, len(block), N)]
    for g in rng.permutation(len(groups)):
        idx = groups[g]
        T = int(lengths[idx].max())
        yield x[idx, :T], targets[idx, :T], mask[idx, :T]


def train(params, x, targets, mask, epochs=1, N=32, lr=3e-3, max_norm=5.0, bptt=None, rng=None,
          max_steps=None, progress=None):
    """Train in place with Adam, clipping by global norm and truncated BPTT.

    x, targets, mask (M, T) from ``encode``; bptt: chunk length (None: the whole
    query); progress: optional function called with (step, loss) after every
    update. Returns a history dict with per-update "loss" and "grad_norm".
    """
    sizes(params)
    epochs = validate.integer("epochs", epochs, low=1)
    bptt = None if bptt is None else validate.integer("bptt", bptt, low=1)
    max_steps = None if max_steps is None else validate.integer("max_steps", max_steps, low=1)
    rng = validate.rng("rng", rng)
    history, state = {"loss": [], "grad_norm": []}, None
    for _ in range(epochs):
        for xb, tb, mb in batches(x, targets, mask, N, rng):
            h = c = None
            step = bptt or xb.shape[1]
            for s in range(0, xb.shape[1], step):
                if not mb[:, s:s + step].any():
                    break
                loss, grads, (h, c) = loss_and_grads(params, xb[:, s:s + step], tb[:, s:s + step],
                                                     mb[:, s:s + step], h, c)
                history["grad_norm"].append(optim.clip_by_global_norm(grads, max_norm))
                state = optim.adam(params, grads, state, lr=lr)
                history["loss"].append(loss)
                if progress is not None:
                    progress(len(history["loss"]), loss)
                if max_steps is not None and len(history["loss"]) >= max_steps:
                    return history
    return history


def mean_loss(params, x, targets, mask, N=16):
    """Mean cross-entropy (nats per word, </s> included) over all unmasked positions.

    Runs in batches of N queries: with small batches every matrix product stays
    below OpenBLAS's threading threshold, which is fastest on a busy 2-core machine.
    """
    total, count = 0.0, 0
    for s in range(0, len(x), N):
        m = mask[s:s + N]
        T = int(m.sum(axis=1).max())
        logits, _ = forward(params, x[s:s + N, :T])
        logp = layers.log_softmax(logits.astype(np.float64))  # (N, T, V)
        picked = np.take_along_axis(logp, targets[s:s + N, :T, None], axis=-1)[..., 0]
        total -= float(np.sum(picked * m[:, :T]))
        count += int(m.sum())
    return total / count


def save(path, params, vocab, **meta):
    """Write params, the vocabulary (a unicode array) and scalar metadata to an .npz, atomically."""
    sizes(params)
    arrays = {k: np.asarray(v) for k, v in params.items()}
    arrays["vocab"] = np.array(vocab.itos, dtype=str)
    for k, v in meta.items():
        arrays["meta_" + k] = np.asarray(v)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp makes the file private (0600); a saved model is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path):
    """Read what ``save`` wrote: (params, vocab, meta). No pickles are loaded.

    A file that is cut short, is not an .npz, or holds another model's arrays
    raises ValueError saying which, instead of a zipfile or KeyError traceback.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise ValueError(f"{path} holds a single array, not a saved language model (.npz)")
            missing = [k for k in (*PARAM_SHAPES, "vocab") if k not in z.files]
            if missing:
                raise ValueError(f"{path} is not a saved language model: it lacks {missing} "
                                 f"(it holds {sorted(z.files)[:8]})")
            params = {k: z[k] for k in PARAM_SHAPES}
            itos = [str(w) for w in z["vocab"]]
            meta = {k[5:]: z[k][()] for k in z.files if k.startswith("meta_")}
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"{path} could not be read as a saved model (.npz): {err}. "
                         "Was it cut short while copying? `python -m helpers.autocomplete train` "
                         "makes it again.") from None
    except ValueError as err:
        if "pickled" in str(err):
            raise ValueError(f"{path} is not an .npz file of arrays (numpy refused to read it "
                             "without unpickling, which is unsafe)") from None
        raise
    if not itos or itos[0] != UNK:
        raise ValueError(f"{path}: the vocabulary must start with {UNK}, got {itos[:1]!r}")
    vocab = Vocab(itos[1:], unk=True)
    V = sizes(params)[0]
    if V != len(vocab):
        raise ValueError(f"{path}: the vocabulary has {len(vocab)} words but the weights expect V = {V}")
    return params, vocab, meta
