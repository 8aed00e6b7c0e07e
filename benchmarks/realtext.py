"""What the real-text notebook sections need, measured on this machine (one BLAS thread).

The text is the running Python's standard-library docstrings (helpers.stdlib_text),
split by document into train / validation (every 10th document held out).

(a) the character RNN of notebook 03 (helpers.charrnn: rnn + layers + optim,
    min-char-rnn's model with a batch of N parallel streams), sequential batches:
    every --every updates the validation loss in nats/char (state carried / zero
    state every 50 characters), the share of real words in a sample at
    temperature 0.6 (helpers.charrnn.real_word_share) and the sample itself;
(b) sequential batches with the state carried vs random windows from a zero
    state, after the same number of updates;
(c) word level, for notebook 07 (helpers.realtext_lm): held-out perplexity of
    helpers.ngram.NGram (n = 2, 3) vs the shipped helpers.lm LSTM run at ~15 CPU s
    of training and at its end, on the same sentences and the same vocabulary
    (rare words -> <unk> for both), and the two mixed.

Run: .venv/bin/python benchmarks/realtext.py  (about 2 minutes; not run by the tests)
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import charrnn, ngram, stdlib_text  # noqa: E402

ROWS = []


def row(what, value, note=""):
    ROWS.append((what, value, note))
    print(f"  {what:<62} {value:>14}  {note}", flush=True)


# ----------------------------------------------------------------------------
# (a), (b): the character RNN (helpers.charrnn)
# ----------------------------------------------------------------------------


def part_a(args, train_ids, valid_ids, train_text):
    """Train one model, sequential batches; every args.every updates: valid loss, word share, a sample."""
    H, N, T, lr = args.H, args.N, args.T, args.lr
    print(f"\n(a) character RNN, H={H}, N={N}, T={T}, Adam lr={lr}, clip 5, float32, one-hot input, V={charrnn.V}")
    p = charrnn.init_params(H, np.random.default_rng(0))
    t0 = time.process_time()

    def report(step, loss):
        cpu = time.process_time() - t0
        carried, reset = charrnn.evaluate(p, valid_ids), charrnn.evaluate(p, valid_ids, carried=False)
        text = charrnn.sample(p, 1000, 0.6, np.random.default_rng(2))
        share, count = charrnn.real_word_share(text, train_text)
        row(f"{step} updates ({step * N * T / 1e6:.1f} M chars, {cpu:.0f} s CPU incl. evals): valid carried / zero",
            f"{carried:.3f} / {reset:.3f}", f"real words at T=0.6: {share:.0%} of {count}")
        print(f"    sample: {text[:200]!r}", flush=True)

    charrnn.train(p, train_ids, args.updates, N=N, T=T, lr=lr, record_every=args.every, on_record=report)


def part_b(args, train_ids, valid_ids):
    N, T = args.N, args.T
    print(f"\n(b) sequential batches, state carried vs random windows, zero state: {args.updates_b} updates each")
    for mode in charrnn.MODES:
        p = charrnn.init_params(args.H, np.random.default_rng(args.seed + 1))
        curve = charrnn.train(p, train_ids, args.updates_b, N=N, T=T, lr=args.lr, mode=mode,
                              rng=np.random.default_rng(args.seed), record_every=args.updates_b)
        carried = charrnn.evaluate(p, valid_ids, carried=True)
        reset = charrnn.evaluate(p, valid_ids, carried=False)
        row(f"{mode:<10} (seed {args.seed}): valid nats/char, eval carried / zero-state windows of 50",
            f"{carried:.3f} / {reset:.3f}", f"train {curve['seconds']:.1f} s CPU")


# ----------------------------------------------------------------------------
# (c) words: n-gram vs LSTM
# ----------------------------------------------------------------------------


def part_c(args, train_docs, valid_docs):
    """n-grams and the LSTM on helpers.realtext_lm's sentences (the same split as train_docs / valid_docs).

    With the default settings the LSTM is the shipped run (helpers/data/realtext_lm.npz, made by
    `python -m helpers.realtext_lm`); --lstm-seconds picks the checkpoint of its curve nearest that much
    training CPU time. Other --D / --wordH / --word-lr / --min-count / --max-words train one epoch here.
    """
    from helpers import realtext_lm

    words = realtext_lm.word_data(args.min_count, args.max_words)
    if len(stdlib_text.sentences(valid_docs, 2, args.max_words)) != len(words.valid):
        raise RuntimeError("helpers.realtext_lm split the documents differently from this script")
    tr, va = words.train, words.valid
    n_tok = sum(len(s) + 1 for s in va)
    unk_rate = sum(w == "<unk>" for s in va for w in s) / sum(len(s) for s in va)
    print(f"\n(c) words: {len(tr)} train / {len(va)} valid sentences of 2..{args.max_words} words, "
          f"words seen < {args.min_count} times -> <unk> ({unk_rate:.1%} of valid words), "
          f"V = {len(words.vocab) - 1} + <s>; {n_tok} predicted valid tokens (</s> included)")
    nll = {}
    for n in (2, 3):
        t0 = time.perf_counter()
        model = ngram.NGram(tr, n=n)
        nll[n] = realtext_lm.ngram_nll(model, va)
        row(f"n-gram n={n}: valid perplexity", f"{math.exp(np.mean(np.concatenate(nll[n]))):.1f}",
            f"build + eval {time.perf_counter() - t0:.1f} s")
    cfg = dict(realtext_lm.CONFIG, min_count=args.min_count, max_words=args.max_words, D=args.D, H=args.wordH,
               lr=args.word_lr)
    t0 = time.perf_counter()
    if cfg == realtext_lm.CONFIG:
        run, made = realtext_lm.load_run(), "the shipped run"
    else:
        run, made = realtext_lm.train_run(dict(cfg, epochs=1)), f"trained here in {time.perf_counter() - t0:.0f} s"
    curve = run.curve
    k = int(np.argmin(np.abs(curve["cpu_seconds"] - args.lstm_seconds)))
    row(f"LSTM D={cfg['D']} H={cfg['H']} lr={cfg['lr']} ({made}): after {curve['cpu_seconds'][k]:.0f} CPU s",
        f"{curve['valid_ppl'][k]:.1f}", f"{curve['step'][k]} updates ({curve['epoch'][k]:.2f} epochs)")
    best = int(np.argmin(curve["valid_ppl"]))
    row("LSTM: lowest valid perplexity on its curve", f"{curve['valid_ppl'][best]:.1f}",
        f"after {curve['epoch'][best]:.2f} epochs, {curve['cpu_seconds'][best]:.0f} CPU s")
    row("LSTM: at the end, valid / train perplexity", f"{curve['valid_ppl'][-1]:.1f} / {curve['train_ppl'][-1]:.1f}",
        f"{curve['step'][-1]} updates, {curve['cpu_seconds'][-1]:.0f} CPU s")
    t1 = time.perf_counter()
    lstm_nll = run.model.token_nll(va)
    row("LSTM at the end, evaluated on this Python's valid sentences",
        f"{math.exp(np.mean(np.concatenate(lstm_nll))):.1f}", f"eval {time.perf_counter() - t1:.1f} s")
    row("mixture 0.5 LSTM + 0.5 trigram: valid perplexity", f"{realtext_lm.mixture_perplexity(lstm_nll, nll[3]):.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--H", type=int, default=charrnn.SHIPPED["H"])
    ap.add_argument("--N", type=int, default=charrnn.SHIPPED["N"])
    ap.add_argument("--T", type=int, default=charrnn.SHIPPED["T"])
    ap.add_argument("--lr", type=float, default=charrnn.SHIPPED["lr"])
    ap.add_argument("--updates", type=int, default=4000, help="updates of part (a)")
    ap.add_argument("--every", type=int, default=1000, help="part (a) reports every this many updates")
    ap.add_argument("--D", type=int, default=32)
    ap.add_argument("--wordH", type=int, default=64)
    ap.add_argument("--min-count", dest="min_count", type=int, default=3)
    ap.add_argument("--max-words", dest="max_words", type=int, default=30)
    ap.add_argument("--lstm-seconds", dest="lstm_seconds", type=float, default=15.0)
    ap.add_argument("--word-lr", dest="word_lr", type=float, default=1e-2)
    ap.add_argument("--updates-b", dest="updates_b", type=int, default=2000, help="updates of part (b), each mode")
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
    train_ids, valid_ids = charrnn.encode(train), charrnn.encode(valid)
    row("clean + split + encode", f"{time.perf_counter() - t0:.2f} s",
        f"{len(train) / 1e6:.2f} M train chars, {len(valid) / 1e6:.2f} M valid chars")
    valid_ids = valid_ids[:100_001]  # the first 100k valid characters: a quick, fixed yardstick
    if "a" in args.parts:
        part_a(args, train_ids, valid_ids, train)
    if "b" in args.parts:
        part_b(args, train_ids, valid_ids)
    if "c" in args.parts:
        part_c(args, train.split("\n")[:-1], valid.split("\n")[:-1])
    print("\nTable")
    for what, value, note in ROWS:
        print(f"  {what:<62} {value:>14}  {note}")


if __name__ == "__main__":
    main()
