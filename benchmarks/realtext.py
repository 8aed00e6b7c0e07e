"""What the real-text notebook sections need, measured on this machine (one BLAS thread).

The text is the running Python's standard-library docstrings (helpers.stdlib_text),
split by document into train / validation (every 10th document held out).

(a) a character RNN (helpers.rnn + layers + optim, min-char-rnn's loop with a
    batch of N parallel streams) trained for 10 s and 20 s: iterations,
    validation loss in nats/char, three 200-character samples at temperature 0.7;
(b) sequential batches with the state carried vs random windows from a zero
    state, after the same number of updates;
(c) word level, for notebook 07: held-out perplexity of helpers.ngram.NGram
    (n = 2, 3) vs a small helpers.lm LSTM trained for ~15 s, on the same
    sentences and the same vocabulary (rare words -> <unk> for both).

Run: .venv/bin/python benchmarks/realtext.py  (about 2 minutes; not run by the tests)
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import data, layers, lm, ngram, optim, rnn, stdlib_text  # noqa: E402

ROWS = []


def row(what, value, note=""):
    ROWS.append((what, value, note))
    print(f"  {what:<62} {value:>14}  {note}", flush=True)


# ----------------------------------------------------------------------------
# (a), (b): the character RNN
# ----------------------------------------------------------------------------


def init(V, H, rng):
    p = {"Wx": rng.normal(0, 1 / np.sqrt(V), (V, H)), "Wh": rng.normal(0, 1 / np.sqrt(H), (H, H)),
         "b": np.zeros(H), "Wy": rng.normal(0, 1 / np.sqrt(H), (H, V)), "c": np.zeros(V)}
    return {k: v.astype(np.float32) for k, v in p.items()}


def step(p, opt, x, y, h0, V, lr, clip):
    """One update on a batch x, y (N, T) from state h0 (N, H). Returns (loss, h_last, opt)."""
    xo = data.one_hot(x, V).astype(np.float32)  # (N, T, V)
    h, rc = rnn.forward(xo, h0, p["Wx"], p["Wh"], p["b"])
    logits, ac = layers.affine_forward(h, p["Wy"], p["c"])  # (N, T, V)
    loss, dlogits = layers.softmax_cross_entropy(logits, y)
    dh, dWy, dc = layers.affine_backward(dlogits, ac)
    _, _, dWx, dWh, db = rnn.backward(dh, rc)
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "c": dc}
    optim.clip_by_global_norm(grads, clip)
    opt = optim.adam(p, grads, opt, lr=lr)
    return loss, h[:, -1].copy(), opt


def val_loss(p, ids, V, carried, N=16, T=50):
    """Mean nats/char on ids: streams with the state carried, or windows of T from a zero state."""
    H = p["Wh"].shape[0]
    total, count, h = 0.0, 0, np.zeros((N, H), np.float32)
    for x, y in stdlib_text.sequential_batches(ids, N, T):
        if not carried:
            h = np.zeros((N, H), np.float32)
        hs, _ = rnn.forward(data.one_hot(x, V).astype(np.float32), h, p["Wx"], p["Wh"], p["b"])
        logits, _ = layers.affine_forward(hs, p["Wy"], p["c"])
        logp = layers.log_softmax(logits.astype(np.float64))
        total -= float(np.take_along_axis(logp, y[..., None], axis=-1).sum())
        count += y.size
        h = hs[:, -1].copy()
    return total / count


def sample(p, vocab, n, temperature, rng, start="\n"):
    V, H = p["Wx"].shape
    h = np.zeros((1, H), np.float32)
    i, out = vocab.stoi[start], []
    for _ in range(n):
        h, _ = rnn.step_forward(data.one_hot(np.array([i]), V).astype(np.float32), h, p["Wx"], p["Wh"], p["b"])
        logits = (h @ p["Wy"] + p["c"])[0].astype(np.float64) / temperature
        q = layers.softmax(logits)
        i = int(rng.choice(V, p=q / q.sum()))
        out.append(vocab.itos[i])
    return "".join(out)


def train_chars(ids, V, H, N, T, lr, clip, seconds, checkpoints, rng, mode="sequential", max_updates=None, seed=1):
    """Train until each checkpoint (seconds of training time) or max_updates.

    Returns (params, {checkpoint: updates}, {checkpoint: params}, updates, seconds).
    """
    p = init(V, H, np.random.default_rng(seed))
    opt, h, done, at, spent = None, np.zeros((N, H), np.float32), 0, {}, 0.0
    snaps = {}
    while True:
        batches = (stdlib_text.sequential_batches(ids, N, T) if mode == "sequential"
                   else stdlib_text.random_windows(ids, N, T, rng))
        for x, y in batches:
            t0 = time.perf_counter()
            if mode == "random":
                h = np.zeros((N, H), np.float32)
            _, h, opt = step(p, opt, x, y, h, V, lr, clip)
            spent += time.perf_counter() - t0
            done += 1
            for c in checkpoints:
                if c not in at and spent >= c:
                    at[c] = done
                    snaps[c] = {k: v.copy() for k, v in p.items()}
            if (max_updates is not None and done >= max_updates) or (max_updates is None and spent >= max(checkpoints)):
                return p, at, snaps, done, spent
        h = np.zeros((N, H), np.float32)  # a new pass over the text starts from zero


def part_ab(args, train_ids, valid_ids, vocab):
    V = len(vocab)
    H, N, T, lr = args.H, args.N, args.T, args.lr
    print(f"\n(a) character RNN, H={H}, N={N}, T={T}, Adam lr={lr}, clip 5, float32, one-hot input, V={V}")
    _, at, snaps, done, spent = train_chars(train_ids, V, H, N, T, lr, 5.0, args.seconds, (10.0, 20.0),
                                            np.random.default_rng(0))
    for c in (10.0, 20.0):
        t0 = time.perf_counter()
        loss = val_loss(snaps[c], valid_ids, V, carried=True)
        te = time.perf_counter() - t0
        row(f"char RNN {c:.0f} s training: updates (chars seen)", f"{at[c]} ({at[c] * N * T / 1e6:.2f} M)")
        row(f"char RNN {c:.0f} s training: valid loss, nats/char (state carried)", f"{loss:.3f}",
            f"eval {te:.1f} s on {len(valid_ids)} chars")
        srng = np.random.default_rng(0)
        for k in range(3):
            print(f"    sample {k + 1} after {c:.0f} s (T=0.7): {sample(snaps[c], vocab, 200, 0.7, srng)!r}")
    return at[10.0]


def part_b(args, train_ids, valid_ids, vocab, updates):
    V, H, N, T = len(vocab), args.H, args.N, args.T
    print(f"\n(b) sequential batches, state carried vs random windows, zero state: {updates} updates each")
    for mode in ("sequential", "random"):
        p, _, _, done, spent = train_chars(train_ids, V, H, N, T, args.lr, 5.0, None, (1e9,),
                                           np.random.default_rng(args.seed), mode=mode, max_updates=updates,
                                           seed=args.seed + 1)
        carried = val_loss(p, valid_ids, V, carried=True)
        reset = val_loss(p, valid_ids, V, carried=False)
        row(f"{mode:<10} (seed {args.seed}): valid nats/char, eval carried / zero-state windows of 50",
            f"{carried:.3f} / {reset:.3f}", f"train {spent:.1f} s")


# ----------------------------------------------------------------------------
# (c) words: n-gram vs LSTM
# ----------------------------------------------------------------------------


class _Stop(Exception):
    pass


def part_c(args, train_docs, valid_docs):
    tr = stdlib_text.sentences(train_docs, min_words=2, max_words=args.max_words)
    va = stdlib_text.sentences(valid_docs, min_words=2, max_words=args.max_words)
    counts = Counter(w for s in tr for w in s)
    keep = {w for w, c in counts.items() if c >= args.min_count}
    unk = lambda sents: [[w if w in keep else "<unk>" for w in s] for s in sents]  # noqa: E731
    tr, va = unk(tr), unk(va)
    n_tok = sum(len(s) + 1 for s in va)
    unk_rate = sum(w == "<unk>" for s in va for w in s) / sum(len(s) for s in va)
    print(f"\n(c) words: {len(tr)} train / {len(va)} valid sentences of 2..{args.max_words} words, "
          f"words seen < {args.min_count} times -> <unk> ({unk_rate:.1%} of valid words), "
          f"V = {len(keep) + 2} + <s>; {n_tok} predicted valid tokens (</s> included)")
    for n in (2, 3):
        t0 = time.perf_counter()
        model = ngram.NGram(tr, n=n)
        ppl = model.perplexity(va)
        row(f"n-gram n={n}: valid perplexity", f"{ppl:.1f}", f"build + eval {time.perf_counter() - t0:.1f} s")
    vocab = lm.build_vocab(tr)
    x, tg, m = lm.encode(tr, vocab)
    xv, tv, mv = lm.encode(va, vocab)
    params = lm.init_params(len(vocab), args.D, args.wordH, np.random.default_rng(0))
    t0 = time.perf_counter()

    def stop(step, loss):
        if time.perf_counter() - t0 >= args.lstm_seconds:
            raise _Stop

    hist = {"steps": 0}
    try:
        lm.train(params, x, tg, m, epochs=50, N=32, lr=args.word_lr, rng=np.random.default_rng(0),
                     progress=lambda s, loss: (hist.__setitem__("steps", s), stop(s, loss)))
    except _Stop:
        pass
    spent = time.perf_counter() - t0
    t1 = time.perf_counter()
    loss = lm.mean_loss(params, xv, tv, mv)
    row(f"LSTM D={args.D} H={args.wordH} V={len(vocab)} lr={args.word_lr}, {spent:.0f} s: updates (epochs)",
        f"{hist['steps']} ({hist['steps'] * 32 / len(tr):.2f})")
    row("LSTM: valid perplexity", f"{math.exp(loss):.1f}", f"eval {time.perf_counter() - t1:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--H", type=int, default=128)
    ap.add_argument("--N", type=int, default=32)
    ap.add_argument("--T", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--D", type=int, default=32)
    ap.add_argument("--wordH", type=int, default=64)
    ap.add_argument("--min-count", dest="min_count", type=int, default=3)
    ap.add_argument("--max-words", dest="max_words", type=int, default=30)
    ap.add_argument("--lstm-seconds", dest="lstm_seconds", type=float, default=15.0)
    ap.add_argument("--word-lr", dest="word_lr", type=float, default=1e-2)
    ap.add_argument("--updates", type=int, default=2166, help="updates of part (b) when part (a) is not run")
    ap.add_argument("--seed", type=int, default=0, help="seed of part (b): init is seed + 1, windows seed")
    ap.add_argument("--parts", default="abc")
    args = ap.parse_args()

    print(f"Python {sys.version.split()[0]}, stdlib at {stdlib_text.stdlib_dir()}")
    t0 = time.perf_counter()
    docs = stdlib_text.docstrings()
    row("read + parse the stdlib docstrings (first call)", f"{time.perf_counter() - t0:.2f} s",
        f"{len(docs)} docstrings, {sum(len(d.encode()) for d in docs) / 1e6:.2f} MB")
    t0 = time.perf_counter()
    text = stdlib_text.corpus()
    train, valid = stdlib_text.train_valid_split(text, 0.1)
    vocab = stdlib_text.char_vocab()
    train_ids, valid_ids = vocab.encode(list(train)), vocab.encode(list(valid))
    row("clean + split + encode", f"{time.perf_counter() - t0:.2f} s",
        f"{len(train) / 1e6:.2f} M train chars, {len(valid) / 1e6:.2f} M valid chars")
    valid_ids = valid_ids[:100_001]  # the first 100k valid characters: a quick, fixed yardstick
    if "a" in args.parts:
        updates = part_ab(args, train_ids, valid_ids, vocab)
    else:
        updates = args.updates
    if "b" in args.parts:
        part_b(args, train_ids, valid_ids, vocab, updates)
    if "c" in args.parts:
        part_c(args, train.split("\n")[:-1], valid.split("\n")[:-1])
    print("\nTable")
    for what, value, note in ROWS:
        print(f"  {what:<62} {value:>14}  {note}")


if __name__ == "__main__":
    main()
