"""A tiny character RNN for notebook 03, and a step-by-step view of it.

The network reads a word one character at a time and predicts the next one:

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)      (N, H)   helpers.rnn
    y_t = h_t Wy + by                         (N, V)   scores for the next character

Each word is read as "^" + word (``^`` marks the start) and must predict
word + "$" (``$`` marks the end); the characters come from
``helpers.ffn.char_vocab``, the same vocabulary notebook 01 used for its
fixed-window network. ``train`` fits the weights with Adam (the gradients come
from ``rnn.backward``, which notebook 04 derives). ``step_through`` is the
pure function behind notebook 03's widget: every hidden state and every
next-character prediction for one word; ``StepView`` draws it (the widget's
``setup`` and ``draw``).

Shapes: N words, T steps (longest word + 1), V characters, H hidden units.
"""
import numpy as np
from matplotlib.patches import Rectangle

from helpers import data, layers, optim, plots, rnn, validate
from helpers.ffn import END, START, char_vocab

MAX_WORD = 12  # the widget shows at most this many characters


def encode(words, vocab):
    """Words -> x (N, T, V) one-hot inputs, targets (N, T) next-character ids, mask (N, T).

    Row n reads "^" + words[n] and its targets are words[n] + "$"; shorter
    words are padded at the end, and mask is 0 on the padding.
    """
    if not isinstance(vocab, data.Vocab):
        raise TypeError(f"vocab must be a helpers.data.Vocab (make one with ffn.char_vocab(words)), "
                        f"got {type(vocab).__name__}")
    char_vocab(words)  # checks that words is a list of non-empty strings
    missing = sorted({ch for w in words for ch in w if ch not in vocab})
    if missing:
        raise ValueError(f"words use characters that are not in the vocabulary: {missing}")
    N, T, V = len(words), max(len(w) for w in words) + 1, len(vocab)
    ids = np.zeros((N, T), dtype=np.int64)  # padding reads "^" (masked out anyway)
    targets = np.zeros((N, T), dtype=np.int64)
    mask = np.zeros((N, T))
    for n, w in enumerate(words):
        ids[n, :len(w) + 1] = vocab.encode(list(START + w))
        targets[n, :len(w) + 1] = vocab.encode(list(w + END))
        mask[n, :len(w) + 1] = 1.0
    return data.one_hot(ids, V), targets, mask


def init_params(V, H, rng, scale=0.1):
    """Small random weights: Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)."""
    V = validate.integer("V", V, low=1)
    H = validate.integer("H", H, low=1)
    rng = validate.rng("rng", rng)
    scale = validate.number("scale", scale, low=0, low_open=True)
    return {"Wx": scale * rng.standard_normal((V, H)), "Wh": scale * rng.standard_normal((H, H)),
            "b": np.zeros(H), "Wy": scale * rng.standard_normal((H, V)), "by": np.zeros(V)}


def _check_params(params):
    if not isinstance(params, dict) or not {"Wx", "Wh", "b", "Wy", "by"} <= set(params):
        raise TypeError("params must be a dict with Wx, Wh, b, Wy and by (make one with init_params)")


def forward(params, x):
    """x (N, T, V) one-hot -> h (N, T, H), scores y (N, T, V), caches. h_0 is zero."""
    _check_params(params)
    x = validate.array("x", x, ndim=3, letters="(N, T, V)")
    N, H = x.shape[0], params["Wh"].shape[0]
    h, rnn_cache = rnn.forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    y, out_cache = layers.affine_forward(h, params["Wy"], params["by"])  # (N, T, V)
    return h, y, (rnn_cache, out_cache)


def loss_and_grads(params, x, targets, mask):
    """Mean cross-entropy of the next-character predictions, and its gradients (a dict like params)."""
    h, y, (rnn_cache, out_cache) = forward(params, x)
    loss, dy = layers.softmax_cross_entropy(y, targets, mask)
    dh, dWy, dby = layers.affine_backward(dy, out_cache)
    _, _, dWx, dWh, db = rnn.backward(dh, rnn_cache)
    return loss, {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}


def train(words, H, steps, rng, lr=0.05):
    """Fit a char RNN to ``words``. Returns (params, vocab, losses (steps,)).

    Full batch (all words every step), Adam, gradients clipped to global norm 5.
    About a millisecond per step for a handful of short words and H = 16.
    """
    H = validate.integer("H", H, low=1, high=256)
    steps = validate.integer("steps", steps, low=1, high=10_000)
    rng = validate.rng("rng", rng)
    vocab = char_vocab(words)
    x, targets, mask = encode(words, vocab)
    params = init_params(len(vocab), H, rng)
    state, losses = None, np.empty(steps)
    for i in range(steps):
        losses[i], grads = loss_and_grads(params, x, targets, mask)
        optim.clip_by_global_norm(grads, 5.0)
        state = optim.adam(params, grads, state, lr=lr)
    return params, vocab, losses


def _check_characters(word, vocab):
    """Raise a ValueError that says why a character of ``word`` cannot be read."""
    known = "".join(ch for ch in vocab.itos if ch not in (START, END))
    problems = []
    if START in word:
        problems.append(f"'{START}' is the start marker, not a letter: the network reads it by itself at step 1 "
                        f"(an empty word shows its guess after '{START}' alone)")
    if END in word:
        problems.append(f"'{END}' is the end marker: the network predicts it after the last letter and never reads it")
    unknown = sorted({ch for ch in word if ch not in vocab})
    if unknown:
        problems.append(f"the network never saw the character(s) {', '.join(repr(c) for c in unknown)}")
    if problems:
        raise ValueError("; ".join(problems) + f". Type a word made of '{known}'")


def step_through(params, vocab, word):
    """Read "^" + word one character at a time and record what the network holds.

    Returns a dict with
        inputs: the T characters read ("^" then the word),
        h (T, H): the hidden state after each step,
        probs (T, V): the predicted distribution of the next character,
        top: the T most likely next characters, top_p: their probabilities (T,).
    """
    _check_params(params)
    if not isinstance(word, str):
        raise TypeError(f"word must be a str, got {type(word).__name__}")
    if len(word) > MAX_WORD:
        raise ValueError(f"word must have at most {MAX_WORD} characters, got {len(word)} ('{word[:MAX_WORD]}...')")
    _check_characters(word, vocab)
    inputs = [START] + list(word)
    x = data.one_hot(vocab.encode(inputs), len(vocab))[None]  # (1, T, V)
    h, y, _ = forward(params, x)
    probs = layers.softmax(y[0])  # (T, V)
    best = probs.argmax(axis=1)
    return {"inputs": inputs, "h": h[0], "probs": probs,
            "top": vocab.decode(best), "top_p": probs[np.arange(len(best)), best]}


def memoryless_best(words, vocab, char):
    """What a model that sees only the current character can do at best.

    Returns the distribution (V,) of the character that follows ``char`` in
    "^" + word + "$" over all ``words``: the frequencies a perfect
    one-character-window model would predict.
    """
    if not isinstance(char, str) or char not in vocab:
        raise ValueError(f"char must be one character of the vocabulary, got {char!r}")
    counts = np.zeros(len(vocab))
    for w in words:
        s = START + w + END
        for a, b in zip(s[:-1], s[1:]):
            if a == char:
                counts[vocab.stoi[b]] += 1
    if counts.sum() == 0:
        raise ValueError(f"{char!r} is never followed by anything in words")
    return counts / counts.sum()


class StepView:
    """Notebook 03's widget: a word's hidden states as columns of colour, and the guess at step t.

    ``view = StepView(params, vocab)``; ``parts = view.setup(fig)`` builds the axes
    once; ``view.draw(parts, word, t)`` runs ``step_through`` on the word, shows
    h_1 .. h_t (one column per step, units from -1 in purple to +1 in orange)
    and the five likeliest next characters after step t, and returns the
    verdict line. That is the pair ``helpers.widgets.Experiment(controls,
    view.draw, setup=view.setup)`` expects. A word the network cannot read
    (a character it never saw, a marker, too long) raises a ValueError that
    says why; the widget shows it as a message.
    """

    TOP = 5  # bars: the five likeliest next characters

    def __init__(self, params, vocab):
        _check_params(params)
        if not isinstance(vocab, data.Vocab):
            raise TypeError(f"vocab must be a helpers.data.Vocab (the one stepper.train returned), "
                            f"got {type(vocab).__name__}")
        self.params, self.vocab = params, vocab

    def setup(self, fig):
        """Build the axes, labels and colour bar; return the artists ``draw`` changes, by name."""
        H = self.params["Wh"].shape[0]
        ax_h = fig.add_axes((0.08, 0.22, 0.47, 0.66))
        cax = fig.add_axes((0.565, 0.22, 0.012, 0.66))
        ax_p = fig.add_axes((0.72, 0.22, 0.25, 0.66))
        image = ax_h.imshow(np.full((H, 1), np.nan), cmap="PuOr_r", vmin=-1, vmax=1, aspect="auto",
                            interpolation="nearest")
        box = ax_h.add_patch(Rectangle((-0.5, -0.5), 1, H, fill=False, lw=2.5, ec=plots.PALETTE["black"]))
        ax_h.set(xlabel="step t and the character read", ylabel="hidden unit", yticks=range(0, H, 5))
        ax_h.grid(False)
        fig.colorbar(image, cax=cax, ticks=[-1, 0, 1], label="value of $h_t$")
        bars = ax_p.barh(range(self.TOP), np.zeros(self.TOP), color=plots.PALETTE["blue"])  # largest on top
        ax_p.set(xlim=(0, 1.35), xticks=[0, 0.5, 1], xlabel="probability")
        return {"ax_h": ax_h, "image": image, "box": box, "title_h": ax_h.set_title(" "), "inputs": None,
                "bars": bars, "p_labels": ax_p.bar_label(bars, padding=5),
                "chars": plots.row_labels(ax_p, range(self.TOP), pad=6),  # pad 6: clear of the 0.00 labels
                "title_p": ax_p.set_title(" ")}

    def draw(self, parts, word, t):
        """Show ``word`` (lower-cased, spaces around it dropped) up to step ``t``; return the verdict line."""
        t = validate.integer("t", t, low=1)
        run = step_through(self.params, self.vocab, word.strip().lower() if isinstance(word, str) else word)
        T_word, H = run["h"].shape
        note = "" if t <= T_word else f" (this word has only {T_word} step{'s' if T_word > 1 else ''})"
        t = min(t, T_word)
        if run["inputs"] != parts["inputs"]:  # a new word: new columns and step labels
            parts["inputs"] = run["inputs"]
            parts["image"].set_extent((-0.5, T_word - 0.5, H - 0.5, -0.5))
            parts["ax_h"].set_xticks(range(T_word), [f"{i + 1}\n{ch}" for i, ch in enumerate(run["inputs"])])
        shown = np.full((H, T_word), np.nan)
        shown[:, :t] = run["h"][:t].T  # (H, t): the later steps are not read yet
        parts["image"].set_data(shown)
        parts["box"].set_x(t - 1.5)
        parts["title_h"].set_text(f"hidden states $h_1$..$h_{{{t}}}$" if t > 1 else "hidden state $h_1$")
        probs = run["probs"][t - 1]  # (V,)
        order = np.argsort(probs)[::-1][:self.TOP][::-1]  # the likeliest, largest on top
        for bar, p_label, char, i in zip(parts["bars"], parts["p_labels"], parts["chars"], order):
            bar.set_width(probs[i])
            p_label.xy = (probs[i], p_label.xy[1])  # at the end of the bar
            p_label.set_text(f"{probs[i]:.2f}")
            char.set_text(self.vocab.itos[i])  # the end marker too is shown as it is: '$'
        parts["title_p"].set_text(f"next after '{''.join(run['inputs'][1:t]) or START}'")
        read = f"the start marker '{START}'" if t == 1 else f"'{run['inputs'][t - 1]}'"
        top = run["top"][t - 1]
        top = f"'{END}' (end of word)" if top == END else f"'{top}'"
        return f"step {t} of {T_word}{note}: read {read}; top prediction {top} (p = {run['top_p'][t - 1]:.2f})"
