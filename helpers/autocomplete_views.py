"""The three experiments of notebook 07, drawn for ``helpers.widgets.Experiment``.

Each view is a pair: ``setup_*(fig)`` builds the axes and the artists once and
returns them by name; ``draw_*(parts, ...)`` asks the model, updates those
artists in place and returns the one-line verdict. The static figures under the
widgets are drawn by the same pairs, e.g.

    fig = plt.figure(figsize=(8, 3.8))
    print(draw_completions(setup_completions(fig), "best beaches to visit in las", 5, model, trigram))

- completions: the LSTM's top k next words beside the trigram's probability of
  each, and the gradient view (``Autocomplete.saliency``) of the top word;
- sampling: the next-word distribution at a temperature, on an axis that
  follows its largest bar (``axis_limit``), and five sampled completions;
- own text: the training loss on your text and the next words after a prefix;
  ``OwnText`` holds the model that a click on Train replaces.
"""
import ipywidgets as W
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from helpers import autocomplete, plots, text, validate, widgets

C = plots.PALETTE
AXIS_STEPS = (1, 1.5, 2, 3, 5, 7.5, 10)  # the sampling view's axis ends at one of these times a power of ten


def last_words(prefix, width=24):
    """The end of the prefix in at most ``width`` characters (whole words), for a title."""
    words = text.tokenize(prefix)
    shown = words[-1:]
    for word in reversed(words[:-1]):
        if len(" ".join([word] + shown)) > width:
            return "... " + " ".join(shown)
        shown.insert(0, word)
    return " ".join(shown)


def axis_limit(p_max):
    """The right end of a probability axis for bars up to ``p_max``.

    The smallest of AXIS_STEPS x 10^k (at most 1) that leaves a fifth of the
    axis free for the bar's label: the largest bar then fills 48% to 80% of the
    axis (more if p_max > 0.8, where the axis ends at 1).
    """
    p_max = validate.number("p_max", p_max, low=0, high=1)
    need = max(p_max / 0.8, 1e-9)
    power = 10.0 ** np.floor(np.log10(need))
    limit = next(float(f"{m * power:.3g}") for m in AXIS_STEPS if float(f"{m * power:.3g}") >= need)
    return min(limit, 1.0)


# ---------------------------------------------------------------- completions


def setup_completions(fig, k_max=10, n_inputs=12):
    """Both panels, with room for k_max words and the gradients of the last n_inputs input words."""
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    yy = np.arange(k_max)
    lstm_bars = ax1.barh(yy + 0.2, np.zeros(k_max), 0.4, color=C["vermillion"], label="LSTM")
    trigram_bars = ax1.barh(yy - 0.2, np.zeros(k_max), 0.4, color=C["sky"], label="trigram")
    ax1.set_xlim(0, 1)
    ax1.set_xticks([0, 0.5, 1])  # few ticks: every keystroke redraws them
    ax1.set_xlabel("P(next word)")
    ax1.set_title("Next word")
    legend = ax1.legend(loc="lower right", fontsize=9)
    input_bars = ax2.bar(range(n_inputs), np.zeros(n_inputs), color=C["blue"])
    ax2.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax2.set_ylabel("gradient size")
    fig.subplots_adjust(left=0.14, right=0.98, bottom=0.27, top=0.9, wspace=0.3)  # fixed: faster than tight_layout
    return {"ax1": ax1, "ax2": ax2, "lstm": lstm_bars, "trigram": trigram_bars, "words": plots.row_labels(ax1, yy),
            "legend": legend,  # returned to be redrawn over the bars
            "inputs": input_bars, "input_words": None, "title2": ax2.set_title(" ")}


def draw_completions(parts, prefix, k, model, trigram):
    """The LSTM's top k after ``prefix`` (with the trigram's probability of each word) and the gradient view of its top word.

    model: an autocomplete.Autocomplete; trigram: a helpers.ngram.NGram. Returns the verdict line.
    """
    k = validate.integer("k", k, low=1, high=len(parts["lstm"]))
    top = model.complete(prefix, k=k)
    ctx = ["<s>", "<s>"] + text.tokenize(prefix)
    widgets.set_limits(parts["ax1"], ylim=(-0.65, len(top) - 0.35))  # k rows, the most likely on top
    for row, (lstm_bar, trigram_bar, label) in enumerate(zip(parts["lstm"], parts["trigram"], parts["words"])):
        word, p = top[len(top) - 1 - row] if row < len(top) else ("", 0.0)
        lstm_bar.set_width(p)
        trigram_bar.set_width(trigram.prob(word, ctx) if word else 0.0)
        label.set_text(word)
    inputs, size = model.saliency(prefix, top[0][0])
    n_inputs = len(parts["inputs"])
    shown, shown_size = inputs[-n_inputs:], size[-n_inputs:]  # at most the last n_inputs inputs
    for bar, s in zip(parts["inputs"], np.pad(shown_size, (0, n_inputs - len(shown)))):
        bar.set_height(s)
    if shown != parts["input_words"]:  # new words under the bars
        parts["input_words"] = shown
        parts["ax2"].set_xticks(range(len(shown)), shown, rotation=40, ha="right", fontsize=9)
    widgets.set_limits(parts["ax2"], xlim=(-0.75, len(shown) - 0.25), ylim=(0, 1.05 * shown_size.max()))
    parts["title2"].set_text(f"Gradient view of '{top[0][0]}'")
    unknown = [w for w in text.tokenize(prefix) if w not in model.vocab]
    note = f" (unknown to the model: {', '.join(unknown)})" if unknown else ""
    tri_word = max(trigram.vocab[:-1], key=lambda w: trigram.prob(w, ctx))  # every word but <unk>
    earlier = (f"largest gradient before the last word: '{inputs[int(np.argmax(size[:-1]))]}'" if len(inputs) > 2
               else "no earlier words to look back at")
    return (f"LSTM: '{top[0][0]}' {top[0][1]:.0%} | trigram: '{tri_word}' {trigram.prob(tri_word, ctx):.0%} | "
            f"{earlier}{note}")


# ---------------------------------------------------------------- sampling


def _percent(p):
    return f"{p:.0%}" if p >= 0.095 else f"{p:.1%}"


def setup_sampling(fig, rows=8):
    """The next-word bars (``rows`` words, each with its probability) and five lines for samples."""
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    bars = ax1.barh(range(rows), np.zeros(rows), color=C["orange"])  # the most likely word on top
    values = [ax1.annotate("", (0, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
              for y in range(rows)]
    ax1.set_xlim(0, 1)
    ax1.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax1.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))  # 0%, 0.5%, 20%
    ax1.set_xlabel("P(next word) (the axis follows the largest bar)")
    ax2.axis("off")
    samples = [ax2.text(0, 0.9 - 0.2 * i, "", fontsize=10, va="center", transform=ax2.transAxes) for i in range(5)]
    fig.subplots_adjust(left=0.14, right=0.98, bottom=0.16, top=0.84, wspace=0.1)  # top: room for a two-line title
    return {"ax1": ax1, "bars": bars, "values": values, "words": plots.row_labels(ax1, range(rows)),
            "title1": ax1.set_title(" "), "samples": samples, "title2": ax2.set_title(" ", loc="left")}


def draw_sampling(parts, prefix, temperature, seed, model):
    """The next-word distribution at ``temperature`` and five completions sampled with np.random.default_rng(seed).

    The probability axis ends at axis_limit(largest bar), so the bars stay
    readable at a high temperature, where every word gets about 1%.
    """
    seed = validate.integer("seed", seed, low=0)
    p = model.probs(prefix, temperature)  # (V,); checks the temperature
    top = np.argsort(-p, kind="stable")[:len(parts["bars"])][::-1]  # the most likely last: drawn on top
    limit = axis_limit(p[top[-1]])
    widgets.set_limits(parts["ax1"], xlim=(0, limit))
    for bar, value, label, word in zip(parts["bars"], parts["values"], parts["words"], top):
        bar.set_width(p[word])
        label.set_text(model.vocab.itos[word])
        inside = p[word] > 0.8 * limit  # no room after the bar (only when limit = 1): write inside it
        value.xy = (p[word], value.xy[1])
        value.set_text(_percent(p[word]))
        value.set_position((-3, 0) if inside else (3, 0))
        value.set_horizontalalignment("right" if inside else "left")
    parts["title1"].set_text(f"Next word, temperature {temperature:.2f}")
    sample_rng = np.random.default_rng(seed)
    samples = [model.sample(prefix, sample_rng, temperature=temperature) for _ in range(5)]
    parts["title2"].set_text(f"Five samples after\n'{last_words(prefix)}'")
    for line, s in zip(parts["samples"], samples):
        line.set_text(f"... {s[:36]}" + ("..." if len(s) > 36 else "") if s else "... (ends here)")
    entropy = float(-np.sum(p * np.log(np.maximum(p, 1e-300))))
    return (f"temperature {temperature:.2f}: top word '{model.vocab.itos[top[-1]]}' {_percent(p[top[-1]])}, "
            f"entropy {entropy:.2f} nats (at most log V = {np.log(model.V):.2f}), "
            f"{len(set(samples))} different samples of 5")


# ---------------------------------------------------------------- your own text


def setup_own_text(fig, rows=5):
    """The loss panel and the next-word bars (``rows`` words, the most likely on top)."""
    ax1, ax2 = fig.subplots(1, 2)
    loss_line, = ax1.plot([], [], color=C["blue"])
    ax1.set_xlabel("update")
    ax1.set_ylabel("loss (nats per word)")
    ax1.set_title("Training loss on your text")
    bars = ax2.barh(range(rows), np.zeros(rows), color=C["green"])
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("P(next word)")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.9, wspace=0.35)
    return {"ax1": ax1, "loss": loss_line, "history": None, "bars": bars,
            "words": plots.row_labels(ax2, range(rows)), "title2": ax2.set_title(" ")}


def draw_own_text(parts, model, history, prefix):
    """The training loss in ``history`` (from train_on_text) and the model's next words after ``prefix``."""
    top = model.complete(prefix, k=len(parts["bars"]))
    if history is not parts["history"]:  # a new training run: a new loss curve
        parts["history"] = history
        parts["loss"].set_data(np.arange(len(history["loss"])), history["loss"])
        parts["ax1"].relim()
        parts["ax1"].autoscale_view()
    for row, (bar, label) in enumerate(zip(parts["bars"], parts["words"])):
        word, p = top[len(top) - 1 - row] if row < len(top) else ("", 0.0)
        bar.set_width(p)
        label.set_text(word)
    parts["title2"].set_text(f"After '{last_words(prefix, width=18)}'")
    loss = history["loss"]
    return (f"trained on {model.meta['words']} words (V = {model.V}) for {len(loss)} steps: "
            f"loss {loss[0]:.2f} -> {np.mean(loss[-10:]):.2f}; next word: '{top[0][0]}' {top[0][1]:.0%}")


class OwnText:
    """What the "train on your own text" widget shows: a model, its training history, or why training failed.

    ``draw`` is the widget's draw function; ``train`` (called by a click on
    Train, see ``attach``) replaces the model, or keeps the error message that
    ``draw`` then raises as a ValueError (the widget shows it as a message).
    """

    MAX_CHARS = 10_000_000

    def __init__(self, model, history):
        self.model, self.history, self.error = model, history, None

    def train(self, source, steps, progress=None):
        """Train a new model on ``source`` (a text, or the path of a .txt file); return the error message or None."""
        try:
            if isinstance(source, str) and len(source) > self.MAX_CHARS:
                raise ValueError("the text is over 10 MB: use a smaller file for a quick run")
            self.model, self.history = autocomplete.train_on_text(source, steps=steps, rng=np.random.default_rng(0),
                                                                  progress=progress)
            self.error = None
        except (ValueError, FileNotFoundError) as err:  # too little text; an empty, binary or missing file
            self.error = str(err)
        except OSError as err:  # e.g. a file we may not read
            self.error = f"could not read the file: {err}"
        return self.error

    def draw(self, parts, prefix):
        """The widget's draw: no training here, so typing a prefix stays quick."""
        if self.error:
            raise ValueError(self.error)
        return draw_own_text(parts, self.model, self.history, prefix)

    def attach(self, experiment, source_box, steps_slider, button):
        """Put the form (text box, steps, Train and a progress bar) above the experiment's controls.

        Only a click trains: it reads the box and the steps, trains with the
        progress bar moving, then redraws. Returns the progress bar.
        """
        done = len(self.history["loss"])
        progress = W.IntProgress(value=done, min=0, max=done, description="training")

        def clicked(_):
            button.disabled = True
            progress.max, progress.value = steps_slider.value, 0
            try:
                self.train(source_box.value, steps_slider.value,
                           progress=lambda step, loss: setattr(progress, "value", step))
            finally:
                button.disabled = False
            experiment.update()

        button.on_click(clicked)
        children = list(experiment.box.children)
        at = len(children) - 3  # before the controls, the figure and the verdict (after the title)
        form = W.VBox([source_box, W.HBox([steps_slider, button, progress])])
        experiment.box.children = tuple(children[:at] + [form] + children[at:])
        return progress
