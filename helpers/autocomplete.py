"""Autocomplete with the LSTM language model: pretrained weights, completion, sampling.

    from helpers import autocomplete
    model = autocomplete.load_pretrained()
    model.complete("what's the best food to eat in las", k=3)
    # [('vegas', 0.9...), ...]

The shipped weights (helpers/data/autocomplete.npz) are made by one command,

    python -m helpers.autocomplete train        # about 40 s on one core

which trains ``helpers.lm`` on ``helpers.corpus.load_split(seed=0)`` with the
settings in CONFIG. The same seed gives the same weights (tests check it).
``train_on_text`` trains the same model on any text you bring.
"""
import argparse
import os
import re
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    # Run as a command: use one BLAS thread. The matrices are small, and on a
    # busy 2-core machine extra BLAS threads mostly wait for each other (10x slower).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402 (after the thread setting, which must come first)

from helpers import corpus, layers, lm, lstm, text, validate  # noqa: E402

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "autocomplete.npz"
# Sizes and training settings of the shipped model. Each query is one chunk
# (bptt=None): queries are short, so the gradient through a query is exact.
CONFIG = dict(seed=0, D=32, H=64, N=32, epochs=10, lr=3e-3, lr_final=5e-4, max_norm=5.0)


class Autocomplete:
    """A trained language model and its vocabulary, with the methods a search box needs.

    Each call runs the LSTM over the whole prefix (a few words: well under a
    millisecond of arithmetic); nothing is cached between calls.
    """

    def __init__(self, params, vocab, meta=None):
        self.V, self.D, self.H = lm.sizes(params)
        if len(vocab) != self.V:
            raise ValueError(f"vocab must have V = {self.V} words (the rows of W_embed), got {len(vocab)}")
        self.params, self.vocab, self.meta = params, vocab, dict(meta or {})
        self._skip = [vocab.stoi[w] for w in (lm.BOS, "<unk>")]

    def __repr__(self):
        return f"Autocomplete(V={self.V}, D={self.D}, H={self.H})"

    def words(self, prefix):
        """The prefix as the model reads it: tokenized, unseen words as "<unk>"."""
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
        return [w if w in self.vocab else "<unk>" for w in text.tokenize(prefix)]

    def ids(self, prefix):
        """Word ids (1, T) of "<s>" followed by the prefix's words."""
        return self.vocab.encode([lm.BOS] + self.words(prefix))[None, :]

    def logits(self, prefix):
        """Scores (V,) for the word after the prefix."""
        logits, _ = lm.forward(self.params, self.ids(prefix))
        return logits[0, -1].astype(np.float64)

    def probs(self, prefix, temperature=1.0):
        """P(next word | prefix) over the vocabulary, (V,): softmax(scores / temperature).

        temperature 1 is the model's own distribution; lower sharpens it, higher flattens it.
        """
        temperature = validate.number("temperature", temperature, low=0, low_open=True)
        return layers.softmax(self.logits(prefix) / temperature)

    def complete(self, prefix, k=5):
        """The k most likely next words as [(word, probability), ...], most likely first.

        "</s>" means "the query ends here"; "<s>" and "<unk>" are never suggested.
        """
        k = validate.integer("k", k, low=1)
        p = self.probs(prefix)
        p_shown = p.copy()
        p_shown[self._skip] = -1.0
        top = np.argsort(-p_shown, kind="stable")[:min(k, self.V - len(self._skip))]
        return [(self.vocab.itos[i], float(p[i])) for i in top]

    def sample(self, prefix, rng, temperature=1.0, max_words=12):
        """Continue the prefix by sampling words from softmax(scores / temperature) until "</s>".

        Low temperature -> the most likely words; high -> more surprising ones.
        Returns the sampled words as one string (without the prefix).
        """
        rng = validate.rng("rng", rng)
        temperature = validate.number("temperature", temperature, low=0, low_open=True)
        max_words = validate.integer("max_words", max_words, low=1)
        P = self.params
        ids = list(self.ids(prefix)[0])
        e = P["W_embed"][ids][None]  # (1, T, D)
        h, cache = lstm.forward(e, np.zeros((1, self.H), e.dtype), P["Wx"], P["Wh"], P["b"])
        h, c = h[:, -1], cache["c"][:, -1]
        out, eos = [], self.vocab.stoi[lm.EOS]
        for _ in range(max_words):
            s = (h @ P["Wy"] + P["by"])[0].astype(np.float64) / temperature  # (V,)
            s[self.vocab.stoi[lm.BOS]] = -np.inf
            w = int(rng.choice(self.V, p=layers.softmax(s)))
            if w == eos:
                break
            out.append(self.vocab.itos[w])
            h, c, _ = lstm.step_forward(P["W_embed"][[w]], h, c, P["Wx"], P["Wh"], P["b"])
        return " ".join(out)

    def saliency(self, prefix, word):
        """How much each input word moves the score of ``word`` at the end of the prefix.

        Returns (inputs, size): inputs = ["<s>", *words]; size[t] = the norm of
        d(score of word) / d(embedding of input t), a (T,) array.
        """
        if not isinstance(word, str) or word not in self.vocab:
            raise ValueError(f"word must be a word of the vocabulary (e.g. 'vegas'), got {word!r}")
        x = self.ids(prefix)
        logits, cache = lm.forward(self.params, x)
        dlogits = np.zeros_like(logits)
        dlogits[0, -1, self.vocab.stoi[word]] = 1.0
        _, de = lm.backward(dlogits, cache)  # (1, T, D)
        return self.vocab.decode(x[0]), np.linalg.norm(de[0].astype(np.float64), axis=1)

    def occlusion(self, prefix, word):
        """P(word | prefix) when each earlier word in turn is replaced by "<unk>".

        Returns (words, p_full, p_hidden): p_hidden[t] is the probability with
        word t hidden; a big drop means the model used that word.
        """
        words = self.words(prefix)
        if word not in self.vocab:
            raise ValueError(f"word must be a word of the vocabulary (e.g. 'vegas'), got {word!r}")
        w = self.vocab.stoi[word]
        x = self.ids(prefix)
        xs = np.repeat(x, len(words) + 1, axis=0)  # row 0: nothing hidden; row t+1: word t hidden
        xs[np.arange(1, len(words) + 1), np.arange(1, len(words) + 1)] = self.vocab.stoi["<unk>"]
        logits, _ = lm.forward(self.params, xs)
        p = layers.softmax(logits[:, -1].astype(np.float64))[:, w]  # (T + 1,)
        return words, float(p[0]), p[1:]

    def token_nll(self, sentences, N=16):
        """-log P of each predicted token (the words, then "</s>") of each sentence: a list of (len + 1,) arrays."""
        x, targets, mask = lm.encode(sentences, self.vocab)
        out = []
        for s in range(0, len(x), N):
            logits, _ = lm.forward(self.params, x[s:s + N])
            logp = layers.log_softmax(logits.astype(np.float64))  # (N, T, V)
            nll = -np.take_along_axis(logp, targets[s:s + N, :, None], axis=-1)[..., 0]
            out += [row[m == 1] for row, m in zip(nll, mask[s:s + N])]
        return out

    def perplexity(self, sentences):
        """exp(mean loss per predicted word, "</s>" included), like NGram.perplexity."""
        return float(np.exp(lm.mean_loss(self.params, *lm.encode(sentences, self.vocab))))


def load_pretrained(path=None):
    """The shipped model (helpers/data/autocomplete.npz), or one saved at ``path``."""
    path = Path(DEFAULT_PATH if path is None else path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no weights at {path}; make them with `python -m helpers.autocomplete train`")
    params, vocab, meta = lm.load(path)
    return Autocomplete(params, vocab, meta)


def train_model(config=None, progress=None):
    """Train the shipped model from scratch (deterministic for a given config).

    The learning rate decays linearly from lr to lr_final over the epochs.
    Returns (model, history) with history["loss"] per update and "valid" per epoch.
    """
    unknown = sorted(set(config or {}) - set(CONFIG))
    if unknown:
        raise ValueError(f"config has unknown keys {unknown}; the keys are {sorted(CONFIG)}")
    cfg = dict(CONFIG, **(config or {}))
    train, valid, _ = corpus.load_split(seed=cfg["seed"])
    vocab = lm.build_vocab(train)
    rng = np.random.default_rng(cfg["seed"])
    params = lm.init_params(len(vocab), cfg["D"], cfg["H"], rng)
    xs, vs = lm.encode(train, vocab), lm.encode(valid, vocab)
    history = {"loss": [], "grad_norm": [], "valid": []}
    E = cfg["epochs"]
    for epoch in range(E):
        lr = cfg["lr"] + (cfg["lr_final"] - cfg["lr"]) * epoch / max(E - 1, 1)
        h = lm.train(params, *xs, N=cfg["N"], lr=lr, max_norm=cfg["max_norm"], rng=rng)
        history["loss"] += h["loss"]
        history["grad_norm"] += h["grad_norm"]
        history["valid"].append(lm.mean_loss(params, *vs))
        if progress is not None:
            progress(epoch + 1, E, history["valid"][-1])
    meta = {**cfg, "valid_history": np.array(history["valid"])}
    return Autocomplete(params, vocab, meta), history


def save(model, path):
    lm.save(path, model.params, model.vocab, **model.meta)


# ----------------------------------------------------------------------------
# Bring your own text
# ----------------------------------------------------------------------------

MIN_WORDS = 30


def read_text(source):
    """A text, or the contents of a text file: ``source`` is a pathlib.Path, a path, or the text itself.

    Raises a clear error for a missing file, an empty file or a binary one.
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and len(source) < 4096 and os.path.isfile(source)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"path_or_text: no file at {path}")
        data = path.read_bytes()
        if not data.strip():
            raise ValueError(f"path_or_text: the file {path.name} is empty")
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            content = None
        if content is None or "\x00" in content:
            raise ValueError(f"path_or_text: {path.name} is not a text file (it looks binary); "
                             "give a plain .txt file in UTF-8")
        return content
    if not isinstance(source, str):
        raise TypeError(f"path_or_text must be a str (a text or a path) or a pathlib.Path, got {type(source).__name__}")
    if re.fullmatch(r"\S*[/\\]\S*|\S+\.(txt|md|csv|text)", source.strip()):  # looks like a path, not a text
        raise FileNotFoundError(f"path_or_text: no file at {source.strip()}")
    if not source.strip():
        raise ValueError("path_or_text is empty: paste some text, or give the path of a .txt file")
    return source


def sentences_of(content):
    """Split a text into sentences (at . ! ? ; and line breaks) of at least two words, tokenized."""
    parts = (text.tokenize(p) for p in re.split(r"[.!?;\n]+", content))
    return [s for s in parts if len(s) >= 2]


def train_on_text(path_or_text, steps=200, rng=None, D=24, H=48, N=16, lr=1e-2, progress=None):
    """Train the course's LSTM language model on your own text.

    path_or_text: the text itself, or the path of a .txt file; it needs at
    least MIN_WORDS words in sentences of two or more words.
    steps: Adam updates (each on N sentences); progress(step, loss) is called
    after each. Returns (model, history).
    """
    steps = validate.integer("steps", steps, low=1, high=100000)
    rng = validate.rng("rng", rng)
    sents = sentences_of(read_text(path_or_text))
    n_words = sum(len(s) for s in sents)
    if n_words < MIN_WORDS:
        raise ValueError(f"path_or_text is too small: {n_words} words in sentences of two or more words, "
                         f"need at least {MIN_WORDS}")
    vocab = lm.build_vocab(sents)
    params = lm.init_params(len(vocab), D, H, rng)
    history = lm.train(params, *lm.encode(sents, vocab), epochs=steps, N=N, lr=lr, bptt=20,
                       rng=rng, max_steps=steps, progress=progress)
    meta = {"sentences": len(sents), "words": n_words, "steps": steps}
    return Autocomplete(params, vocab, meta), history


# ----------------------------------------------------------------------------
# The command: python -m helpers.autocomplete train [--out PATH]
# ----------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m helpers.autocomplete",
                                 description="Train the shipped autocomplete model.")
    ap.add_argument("command", choices=["train"])
    ap.add_argument("--out", default=str(DEFAULT_PATH), help="where to write the .npz (default: %(default)s)")
    ap.add_argument("--epochs", type=int, default=CONFIG["epochs"],
                    help="passes over the training queries (default: %(default)s; fewer for a quick check)")
    args = ap.parse_args(argv)
    start = time.perf_counter()

    def report(epoch, epochs, valid):
        print(f"epoch {epoch}/{epochs}: validation loss {valid:.4f} ({time.perf_counter() - start:.0f} s)",
              flush=True)

    model, _ = train_model({"epochs": args.epochs}, progress=report)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save(model, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
