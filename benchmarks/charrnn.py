"""A character-level RNN training loop with min-char-rnn's settings, two ways.

Settings: hidden size H = 100, sequences of 25 characters, Adagrad with
learning rate 0.1, every gradient entry clipped to [-5, 5], batch of one.

- ``classic_step``: the classic per-sample style, written here: column
  vectors, a Python loop over time in both directions with one small
  matrix-vector product per weight per step, every weight gradient
  accumulated inside the loop.
- ``helpers_step``: the same model and update built from helpers (rnn,
  layers, optim), which hoist the input and weight-gradient products out of
  the time loop.

Both see the same text and start from the same weights; ``agree`` checks they
compute the same loss, so the speed comparison is like for like.
"""
import numpy as np

from helpers import corpus, data, layers, optim, rnn

H, SEQ, LR, CLIP = 100, 25, 0.1, 5.0


def text_ids(rng):
    """Characters of generated search queries (no downloads): ids and vocabulary size."""
    text = "\n".join(corpus.generate(400, rng))
    vocab = data.Vocab(list(text))
    return vocab.encode(list(text)), len(vocab)


def init(V, rng):
    return {"Wx": 0.01 * rng.standard_normal((V, H)), "Wh": 0.01 * rng.standard_normal((H, H)),
            "Wy": 0.01 * rng.standard_normal((H, V)), "b": np.zeros(H), "c": np.zeros(V)}


def classic_step(p, mem, ids, pos, h_prev, V):
    """One update in the classic column-vector style. Returns (loss, h_last)."""
    inputs, targets = ids[pos:pos + SEQ], ids[pos + 1:pos + SEQ + 1]
    Wxh, Whh, Why = p["Wx"].T, p["Wh"].T, p["Wy"].T  # (H, V), (H, H), (V, H) views
    bh, by = p["b"][:, None], p["c"][:, None]
    xs, hs, ps = {}, {-1: h_prev}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        ys = Why @ hs[t] + by
        e = np.exp(ys - ys.max())
        ps[t] = e / e.sum()
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    grads = {"Wx": dWxh.T, "Wh": dWhh.T, "Wy": dWhy.T, "b": dbh[:, 0], "c": dby[:, 0]}
    for k in p:
        np.clip(grads[k], -CLIP, CLIP, out=grads[k])
        mem[k] += grads[k] * grads[k]
        p[k] -= LR * grads[k] / (np.sqrt(mem[k]) + 1e-8)  # as helpers.optim.adagrad
    return loss / len(inputs), hs[len(inputs) - 1]


def helpers_step(p, state, ids, pos, h_prev, V):
    """The same update built from helpers. h_prev is (1, H). Returns (loss, h_last, state)."""
    x = data.one_hot(ids[None, pos:pos + SEQ], V)  # (1, SEQ, V)
    y = ids[None, pos + 1:pos + SEQ + 1]  # (1, SEQ)
    h, rcache = rnn.forward(x, h_prev, p["Wx"], p["Wh"], p["b"])
    logits, acache = layers.affine_forward(h, p["Wy"], p["c"])
    loss, dlogits = layers.softmax_cross_entropy(logits, y)
    dlogits *= SEQ  # min-char-rnn's gradient is of the loss summed over the sequence
    dh, dWy, dc = layers.affine_backward(dlogits, acache)
    _, _, dWx, dWh, db = rnn.backward(dh, rcache)
    grads = {"Wx": dWx, "Wh": dWh, "Wy": dWy, "b": db, "c": dc}
    optim.clip_by_value(grads, CLIP)
    state = optim.adagrad(p, grads, state, lr=LR)
    return loss, h[:, -1], state


def agree(rng):
    """Both loops compute the same loss, final state and update from the same start.

    (Compared over one step: Adagrad's first update is lr * sign(gradient), so
    gradient entries that are rounding noise around zero make later steps
    drift apart in either implementation.)
    """
    ids, V = text_ids(rng)
    p1 = init(V, np.random.default_rng(1))
    p2 = {k: v.copy() for k, v in p1.items()}
    mem = {k: np.zeros_like(v) for k, v in p1.items()}
    l1, h1 = classic_step(p1, mem, ids, 0, np.zeros((H, 1)), V)
    l2, h2, _ = helpers_step(p2, None, ids, 0, np.zeros((1, H)), V)
    same_params = all(np.allclose(p1[k], p2[k], rtol=0, atol=1e-9) for k in p1)
    return abs(l1 - l2) < 1e-12 and np.allclose(h1.ravel(), h2.ravel(), atol=1e-12) and same_params


def iterations_per_second(rng, seconds=3.0, rounds=3):
    """Interleave the two training loops in short bursts; return (classic it/s, helpers it/s) medians.

    Each loop walks through the text as min-char-rnn does: the hidden state and
    the Adagrad memory carry over from one sequence to the next.
    """
    import time

    ids, V = text_ids(rng)
    classic = {"p": init(V, np.random.default_rng(1)), "h": np.zeros((H, 1))}
    classic["mem"] = {k: np.zeros_like(v) for k, v in classic["p"].items()}
    ours = {"p": init(V, np.random.default_rng(1)), "h": np.zeros((1, H)), "state": None}

    def classic_loop(pos):
        _, classic["h"] = classic_step(classic["p"], classic["mem"], ids, pos, classic["h"], V)

    def helpers_loop(pos):
        _, ours["h"], ours["state"] = helpers_step(ours["p"], ours["state"], ids, pos, ours["h"], V)

    loops = {"classic": classic_loop, "helpers": helpers_loop}
    rates = {k: [] for k in loops}
    budget = seconds / (2 * rounds)
    pos = {k: 0 for k in loops}
    for _ in range(rounds):
        for name, step in loops.items():
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < budget:
                if pos[name] + SEQ + 1 >= len(ids):
                    pos[name] = 0
                step(pos[name])
                pos[name] += SEQ
                n += 1
            rates[name].append(n / (time.perf_counter() - t0))
    return float(np.median(rates["classic"])), float(np.median(rates["helpers"]))
