"""n-gram vs LSTM on real text: the standard library's docstrings, word by word (notebook 07, section 9).

    from helpers import realtext_lm
    run = realtext_lm.load_run()                     # the shipped LSTM and its held-out curve
    words = realtext_lm.word_data(vocab=run.model.vocab)
    trigram = NGram(words.train, n=3)                # the same sentences, the same vocabulary

The text is ``helpers.stdlib_text``: the docstrings of the running Python's
standard library, split by document (every 10th held out, so no document is
in both parts) and cut into sentences of 2..30 words. Words seen fewer than
``min_count`` times in training become "<unk>" in both parts, for both models,
so both predict the same V words and their perplexities compare.

The shipped run (helpers/data/realtext_lm.npz: weights, vocabulary, and the
held-out perplexity every ``eval_every`` updates) is made by one command,

    python -m helpers.realtext_lm            # about 5 minutes on one core (75 s of it training)

which trains ``helpers.lm`` (the model of ``helpers.autocomplete``, same sizes)
with the settings in CONFIG; the same seed and text give the same run (a test
retrains its first checkpoint). The text, hence the run, belongs to one Python
version: the file records ``stdlib_text.fingerprint()``.
"""
import argparse
import os
import sys
import time
from collections import Counter, namedtuple
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread is fastest

import numpy as np  # noqa: E402 (after the thread setting, which must come first)

from helpers import autocomplete, lm, stdlib_text, validate  # noqa: E402
from helpers.data import UNK, Vocab  # noqa: E402
from helpers.ngram import BOS, EOS, NGram  # noqa: E402

DATA_FILE = Path(__file__).resolve().parent / "data" / "realtext_lm.npz"
CONFIG = dict(seed=0, frac=0.1, min_count=3, max_words=30, D=32, H=64, N=32, epochs=6,
              lr=1e-2, lr_final=1e-3, max_norm=5.0, eval_every=120)
WordData = namedtuple("WordData", "train valid counts vocab")
Run = namedtuple("Run", "model curve meta")
BUCKETS = ("<unk>", "rare (< 20)", "medium (20-499)", "frequent (500+)", "</s>")


def unk_rare(sentences, known):
    """Every word of ``sentences`` (token lists) not in ``known`` (a set of words) -> "<unk>"."""
    return [[w if w in known else UNK for w in s] for s in sentences]


def word_data(min_count=3, max_words=30, frac=0.1, vocab=None, root=None):
    """The standard library's docstrings as word sentences: WordData(train, valid, counts, vocab).

    train, valid: lists of token lists, split by document (``stdlib_text.train_valid_split``),
        sentences of 2..max_words words, every word outside ``vocab`` replaced by "<unk>".
    counts: how often each word occurs in the training sentences (before "<unk>").
    vocab: a ``helpers.data.Vocab`` to use (e.g. a trained model's, so that a model and an
        n-gram share it); None builds ``lm.build_vocab`` of the words seen >= min_count times.
    """
    min_count = validate.integer("min_count", min_count, low=1)
    if vocab is not None and not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a helpers.data.Vocab (e.g. model.vocab) or None, got {type(vocab).__name__}")
    docs = stdlib_text.documents(root)
    train_docs, valid_docs = stdlib_text.train_valid_split(docs, frac)
    train = stdlib_text.sentences(train_docs, min_words=2, max_words=max_words)
    valid = stdlib_text.sentences(valid_docs, min_words=2, max_words=max_words)
    counts = Counter(w for s in train for w in s)
    if vocab is None:
        vocab = lm.build_vocab(train, min_count=min_count)
    known = set(vocab.itos) - {UNK, BOS, EOS}
    return WordData(unk_rare(train, known), unk_rare(valid, known), counts, vocab)


def _sentences(name, sentences):
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or not sentences:
        raise ValueError(f"{name} must be a non-empty list of token lists, got {type(sentences).__name__}"
                         + (" (empty)" if isinstance(sentences, (list, tuple)) else ""))
    for i, s in enumerate(sentences):
        if isinstance(s, str) or not isinstance(s, (list, tuple)):
            raise TypeError(f"{name}[{i}] must be a list of str tokens, got {type(s).__name__}")
    return sentences


def ngram_nll(model, sentences):
    """-log P of each predicted token (the words, then "</s>") under an NGram: a list of (len + 1,) arrays.

    The same tokens, in the same order, as ``Autocomplete.token_nll``; exp of their mean is
    ``model.perplexity(sentences)``.
    """
    if not isinstance(model, NGram):
        raise TypeError(f"model must be a helpers.ngram.NGram, got {type(model).__name__}")
    out = []
    for s in _sentences("sentences", sentences):
        padded = [BOS] * (model.n - 1) + list(s) + [EOS]
        out.append(np.array([-np.log(model.prob(padded[t], padded[t - model.n + 1:t]))
                             for t in range(model.n - 1, len(padded))]))
    return out


def frequency_labels(sentences, counts):
    """Which frequency bucket (an index into BUCKETS) each predicted token falls in: a list of (len + 1,) arrays.

    A word's bucket is set by ``counts`` (its training count); "<unk>" and the end "</s>" have their own.
    """
    if not isinstance(counts, Counter):
        raise TypeError(f"counts must be a collections.Counter of training words, got {type(counts).__name__}")
    edges = [20, 500]

    def bucket(w):
        return 0 if w == UNK else 1 + int(np.searchsorted(edges, counts[w], side="right"))

    return [np.array([bucket(w) for w in s] + [len(BUCKETS) - 1]) for s in _sentences("sentences", sentences)]


def ngram_seen_labels(model, sentences):
    """For each predicted token: 1 if the whole n-gram (its n - 1 previous tokens and itself) occurred in
    training, else 0 (the table had to back off to a shorter context). A list of (len + 1,) int arrays."""
    if not isinstance(model, NGram):
        raise TypeError(f"model must be a helpers.ngram.NGram, got {type(model).__name__}")
    k = model.n - 1
    table = model.counts[k]
    out = []
    for s in _sentences("sentences", sentences):
        padded = [BOS] * k + list(s) + [EOS]
        out.append(np.array([int(padded[t] in table.get(tuple(padded[t - k:t]), ())) for t in range(k, len(padded))]))
    return out


def mean_by_group(labels, nlls):
    """Mean loss per group: labels and each nlls[name] are lists of equally long arrays (one per sentence).

    Returns {label: (count, {name: mean -log P in nats})}, labels in increasing order.
    """
    flat = np.concatenate(labels)
    out = {}
    for name, nll in nlls.items():
        if len(nll) != len(labels) or any(len(a) != len(b) for a, b in zip(nll, labels)):
            raise ValueError(f"nlls[{name!r}] must have one array per sentence, as long as its labels")
    values = {name: np.concatenate(nll) for name, nll in nlls.items()}
    for g in np.unique(flat):
        pick = flat == g
        out[int(g)] = (int(pick.sum()), {name: float(v[pick].mean()) for name, v in values.items()})
    return out


def mixture_perplexity(nll_a, nll_b, weight=0.5):
    """Perplexity of P = weight P_a + (1 - weight) P_b, from two lists of per-token -log P (as above)."""
    weight = validate.number("weight", weight, low=0, high=1)
    a, b = np.concatenate(nll_a), np.concatenate(nll_b)
    if a.shape != b.shape:
        raise ValueError(f"nll_a and nll_b must score the same tokens, got {a.size} and {b.size} of them")
    p = weight * np.exp(-a) + (1 - weight) * np.exp(-b)
    return float(np.exp(-np.mean(np.log(p))))


# ----------------------------------------------------------------------------
# The shipped run
# ----------------------------------------------------------------------------

def train_run(config=None, steps=None, progress=None, root=None):
    """Train the LSTM on the training sentences as the shipped run does. Returns Run(model, curve, meta).

    The learning rate falls linearly from lr to lr_final over the epochs. Every ``eval_every``
    updates, and after the last one, the held-out perplexity is measured. steps: stop after this
    many updates (a prefix of the run, for tests). root: another folder of sources (tests).
    curve: {"step", "epoch", "valid_ppl", "train_ppl", "cpu_seconds"} arrays; train_ppl is
    measured on every k-th training sentence (as many as the held-out ones), so the gap between
    the two shows overfitting; cpu_seconds counts training only, not the evaluations (it varies
    from machine to machine).
    """
    unknown = sorted(set(config or {}) - set(CONFIG))
    if unknown:
        raise ValueError(f"config has unknown keys {unknown}; the keys are {sorted(CONFIG)}")
    cfg = dict(CONFIG, **(config or {}))
    steps = None if steps is None else validate.integer("steps", steps, low=1)
    words = word_data(cfg["min_count"], cfg["max_words"], cfg["frac"], root=root)
    rng = np.random.default_rng(cfg["seed"])
    params = lm.init_params(len(words.vocab), cfg["D"], cfg["H"], rng)
    xs, vs = lm.encode(words.train, words.vocab), lm.encode(words.valid, words.vocab)
    ts = lm.encode(words.train[::max(1, len(words.train) // len(words.valid))][:len(words.valid)], words.vocab)
    per_epoch = -(-len(words.train) // cfg["N"])
    curve = {"step": [], "epoch": [], "valid_ppl": [], "train_ppl": [], "cpu_seconds": []}
    clock = {"cpu": 0.0, "t": time.process_time()}

    def checkpoint(step, loss=None, last=False):
        if step % cfg["eval_every"] and not last:
            return
        clock["cpu"] += time.process_time() - clock["t"]
        ppl = float(np.exp(lm.mean_loss(params, *vs)))
        curve["step"].append(step)
        curve["epoch"].append(step / per_epoch)
        curve["valid_ppl"].append(ppl)
        curve["train_ppl"].append(float(np.exp(lm.mean_loss(params, *ts))))
        curve["cpu_seconds"].append(clock["cpu"])
        if progress is not None:
            progress(step, ppl)
        clock["t"] = time.process_time()

    done, E = 0, cfg["epochs"]
    for epoch in range(E):
        lr = cfg["lr"] + (cfg["lr_final"] - cfg["lr"]) * epoch / max(E - 1, 1)
        left = None if steps is None else steps - done
        hist = lm.train(params, *xs, N=cfg["N"], lr=lr, max_norm=cfg["max_norm"], rng=rng, max_steps=left,
                        progress=lambda s, loss: checkpoint(done + s, loss))
        done += len(hist["loss"])
        if steps is not None and done >= steps:
            break
    if not curve["step"] or curve["step"][-1] != done:
        checkpoint(done, last=True)  # the curve always ends with the weights it ships
    meta = {**cfg, "fingerprint": stdlib_text.fingerprint(root), "updates": done, "updates_per_epoch": per_epoch}
    return Run(autocomplete.Autocomplete(params, words.vocab, meta), {k: np.array(v) for k, v in curve.items()}, meta)


def save_run(run, path=DATA_FILE):
    """Write a Run to an .npz (arrays and scalars only, no pickle), making its folder if needed.

    Returns the file's size in KB.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    curve = {"curve_" + k: v for k, v in run.curve.items()}
    lm.save(path, run.model.params, run.model.vocab, **run.meta, **curve)
    return os.path.getsize(path) / 1024


def load_run(path=DATA_FILE):
    """The shipped run: Run(model, curve, meta). meta["fingerprint"] names the text it was trained on."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no run at {path}; make it with `python -m helpers.realtext_lm`")
    params, vocab, meta = lm.load(path)
    curve = {k[6:]: meta.pop(k) for k in list(meta) if k.startswith("curve_")}
    if sorted(curve) != ["cpu_seconds", "epoch", "step", "train_ppl", "valid_ppl"]:
        raise ValueError(f"{path} is not a real-text run: its curve has {sorted(curve)}")
    meta = {k: (v.item() if np.ndim(v) == 0 else v) for k, v in meta.items()}
    return Run(autocomplete.Autocomplete(params, vocab, meta), curve, meta)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m helpers.realtext_lm",
                                 description="Train the shipped real-text LSTM (notebook 07, section 9).")
    ap.add_argument("--out", default=str(DATA_FILE), help="where to write the .npz (default: %(default)s)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    print(stdlib_text.fingerprint(), flush=True)

    def report(step, ppl):
        print(f"update {step}: held-out perplexity {ppl:.1f} ({time.perf_counter() - start:.0f} s)", flush=True)

    size = save_run(train_run(progress=report), args.out)
    print(f"wrote {args.out} ({size:.0f} KB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
