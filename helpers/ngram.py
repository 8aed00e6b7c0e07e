"""The "database of frequent consecutive words": an n-gram language model.

Count every run of n consecutive words in a corpus of sentences, and you can
already autocomplete: after "in las", the words seen most often are the
suggestions. Notebook 02 builds this table and shows where it breaks;
notebook 07 uses it as the baseline the LSTM has to beat.

Each sentence is padded with "<s>" (start) before its first word and ends
with "</s>" (end), so "las vegas" at order n = 3 is counted as

    (<s>, <s>) -> las,   (<s>, las) -> vegas,   (las, vegas) -> </s>

Words are the tokens of ``helpers.text.tokenize``. The vocabulary (what the
model can predict) is the training words plus "</s>" plus "<unk>", which
stands for every word never seen in training. "</s>" is the end marker's one
name: in the tables, in ``describe``'s verdict (where it is glossed "end of
query") and in ``draw_completions``' bars alike.

Probabilities use interpolated absolute discounting: every seen count gives
up ``discount`` and the mass collected goes to the next shorter context,

    P(w | ctx) = max(c(ctx, w) - d, 0) / c(ctx)  +  d * n(ctx) / c(ctx) * P(w | ctx[1:])

where c(ctx) counts ctx and n(ctx) is the number of distinct words seen after
it. The recursion ends in the uniform 1 / V, so no word in the vocabulary ever
gets probability 0, and the probabilities over the vocabulary sum to 1.
"""
import math
import textwrap
from collections import Counter, defaultdict

from helpers import plots, validate
from helpers.text import tokenize

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


def _tokens(name, value):
    """A str (tokenized) or a list/tuple of str tokens -> list of str."""
    if isinstance(value, str):
        return tokenize(value)
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a str or a list of str tokens, got {type(value).__name__}")
    bad = [t for t in value if not isinstance(t, str)]
    if bad:
        raise TypeError(f"{name} must hold only str tokens, got {type(bad[0]).__name__} {bad[0]!r}")
    return list(value)


class NGram:
    """Counts of every n-gram of order 1..n in ``sentences``.

    sentences: a list of sentences, each a list of str tokens
        (e.g. ``[text.tokenize(q) for q in queries]``).
    n: the order (1 = single words, 2 = pairs, 3 = triples, ...); the model
        looks at the last n - 1 words.
    discount: d in (0, 1], what each count gives up to the shorter contexts.
    """

    def __init__(self, sentences, n=3, discount=0.75):
        self.n = validate.integer("n", n, low=1)
        self.discount = validate.number("discount", discount, low=0, high=1, low_open=True)
        if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)):
            raise TypeError("sentences must be a list of token lists, "
                            f"got {type(sentences).__name__} (tokenize each sentence first)")
        if not sentences:
            raise ValueError("sentences must hold at least one sentence, got an empty corpus")
        # counts[k][context] = Counter of the words seen after context; len(context) = k
        self.counts = [defaultdict(Counter) for _ in range(self.n)]
        for i, sent in enumerate(sentences):
            if isinstance(sent, str):
                raise TypeError(f"sentences[{i}] is a str; each sentence must be a list of tokens "
                                "(use text.tokenize(sentence))")
            words = _tokens(f"sentences[{i}]", sent)
            if BOS in words or EOS in words:
                raise ValueError(f"sentences[{i}] contains {BOS!r} or {EOS!r}; the model adds them itself")
            padded = [BOS] * (self.n - 1) + words + [EOS]
            for t in range(self.n - 1, len(padded)):
                for k in range(self.n):  # context length k = order k + 1
                    self.counts[k][tuple(padded[t - k:t])][padded[t]] += 1
        unigrams = self.counts[0][()]
        if not sum(unigrams[w] for w in unigrams if w != EOS):
            raise ValueError("sentences hold no words at all (every sentence is empty)")
        words = sorted(w for w in unigrams if w not in (EOS, UNK))
        self.vocab = words + [EOS, UNK]
        self._known = set(self.vocab)
        # c(ctx) and n(ctx), computed once
        self._total = [{c: sum(cnt.values()) for c, cnt in level.items()} for level in self.counts]
        self._types = [{c: len(cnt) for c, cnt in level.items()} for level in self.counts]

    def __repr__(self):
        return f"NGram(n={self.n}, V={len(self.vocab)}, counted from {self._total[0][()]} predicted tokens)"

    # ------------------------------------------------------------------
    # The table, and autocomplete from it
    # ------------------------------------------------------------------

    def table(self, order=2):
        """The n-grams of one order as rows ((context...), word, count), most frequent first.

        Ties are sorted alphabetically, so the order never depends on chance.
        """
        order = validate.integer("order", order, low=1, high=self.n)
        rows = [(ctx, w, c) for ctx, cnt in self.counts[order - 1].items() for w, c in cnt.items()]
        return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))

    def _context(self, prefix):
        """Prefix -> the last n - 1 tokens, padded with <s>, unseen words as <unk>."""
        toks = _tokens("prefix", prefix)
        toks = [t if t in self._known or t == BOS else UNK for t in toks]
        padded = [BOS] * (self.n - 1) + toks
        return tuple(padded[len(padded) - (self.n - 1):]) if self.n > 1 else ()

    def complete_with_context(self, prefix, k=5):
        """Like ``complete``, and also says which context it used.

        Returns (context_used, pairs): context_used is the tuple of the last
        words the answer is based on (() when nothing matched, or always for
        n = 1); pairs is the list of up to k (word, count), most frequent first.
        """
        k = validate.integer("k", k, low=1)
        ctx = self._context(prefix)
        shortest = 0 if self.n == 1 else 1  # n >= 2: at least the last word must have been seen
        for L in range(len(ctx), shortest - 1, -1):
            sub = ctx[len(ctx) - L:]
            seen = self.counts[L].get(sub)
            if seen:
                pairs = sorted(seen.items(), key=lambda p: (-p[1], p[0]))[:k]
                return sub, pairs
        return (), []

    def complete(self, prefix, k=5):
        """Up to k (word, count) pairs that followed the prefix's last words in training.

        prefix: a str (tokenized with ``text.tokenize``) or a list of tokens; it
        is the start of a sentence, so it is padded with "<s>". Uses the
        longest context (up to n - 1 words) seen in training and backs off to
        shorter ones when it is unseen. "</s>" in the answer means "the
        sentence ends here". Returns [] when not even the last word was seen.
        """
        return self.complete_with_context(prefix, k)[1]

    def describe(self, prefix, k=5):
        """One line saying which context a completion used and what it found.

        E.g. "used the last 2 words 'in las': 2 different next words, top 'vegas' (5 of 6 times)";
        when the likeliest next token is the end marker: "top '</s>' (end of query)".
        """
        toks = _tokens("prefix", prefix)
        ctx, pairs = self.complete_with_context(toks, k)
        if not pairs:
            last = toks[-1] if toks else ""
            last = last if len(last) <= 30 else last[:27] + "..."
            return (f"no completion: the last word '{last}' never appeared in training, "
                    "so the table has no row to look up")
        total, types = self._total[len(ctx)][ctx], self._types[len(ctx)][ctx]
        seen = "seen once" if total == 1 else f"{pairs[0][1]} of {total} times"
        top = f"'{EOS}' (end of query)" if pairs[0][0] == EOS else f"'{pairs[0][0]}'"
        found = (f"{types} different next words" if types > 1 else "1 next word") + f", top {top} ({seen})"
        if self.n == 1:
            return f"a 1-gram model ignores the prefix; the most frequent words overall: {found}"
        words = [w for w in ctx if w != BOS]
        start = " at the start of a query" if BOS in ctx else ""
        if not words:
            return f"used the start of a query: {found}"
        used = f"the last word '{words[0]}'" if len(words) == 1 else f"the last {len(words)} words '{' '.join(words)}'"
        full = self._context(toks)
        if len(ctx) < len(full):
            if len(toks) >= len(full):
                why = f"'{' '.join(toks[-len(full):])}' never appeared in training"
            else:
                why = f"no query started with '{' '.join(toks)}'"
            return f"backed off to {used} ({why}): {found}"
        return f"used {used}{start}: {found}"

    # ------------------------------------------------------------------
    # Probabilities and perplexity
    # ------------------------------------------------------------------

    def _p(self, w, ctx):
        """Interpolated absolute discounting, recursing on shorter contexts."""
        if ctx is None:  # below order 1: uniform over the vocabulary
            return 1.0 / len(self.vocab)
        L = len(ctx)
        lower = self._p(w, ctx[1:] if L else None)
        total = self._total[L].get(ctx, 0)
        if total == 0:
            return lower
        d = self.discount
        c = self.counts[L][ctx].get(w, 0)
        return max(c - d, 0.0) / total + d * self._types[L][ctx] / total * lower

    def prob(self, word, context=()):
        """P(word | context), never 0 for a word in ``self.vocab``.

        word: a str; words never seen in training count as "<unk>".
        context: a str or a list of tokens (may start with "<s>"); only its
        last n - 1 tokens are used.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if word == BOS:
            raise ValueError(f"word cannot be {BOS!r}: the start marker is never predicted")
        ctx = _tokens("context", context)
        ctx = [t if t in self._known or t == BOS else UNK for t in ctx]
        ctx = tuple(ctx[max(0, len(ctx) - (self.n - 1)):]) if self.n > 1 else ()
        return self._p(word if word in self._known else UNK, ctx)

    def perplexity(self, sentences):
        """exp(mean -log P) over every predicted token (each word and the final "</s>").

        sentences: a list of token lists, like the constructor's. Lower is
        better; a model that guesses uniformly scores V.
        """
        if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)) or not sentences:
            raise ValueError("sentences must be a non-empty list of token lists")
        nll, count = 0.0, 0
        for i, sent in enumerate(sentences):
            if isinstance(sent, str):
                raise TypeError(f"sentences[{i}] is a str; each sentence must be a list of tokens")
            words = _tokens(f"sentences[{i}]", sent)
            padded = [BOS] * (self.n - 1) + words + [EOS]
            for t in range(self.n - 1, len(padded)):
                nll -= math.log(self.prob(padded[t], padded[t - self.n + 1:t]))
                count += 1
        return math.exp(nll / count)


def draw_completions(fig, model, prefix, k=6):
    """Notebook 02's widget: ``model``'s top-k completions of ``prefix`` as bars; returns the verdict line.

    fig: an empty matplotlib Figure (``helpers.widgets.Experiment`` clears it
    before each update). The bars are ``complete_with_context``'s counts, the
    title names the context the table looked up, and the verdict is
    ``describe``'s line. With no completion the figure says why, in words.
    """
    if not isinstance(model, NGram):
        raise TypeError(f"model must be a helpers.ngram.NGram, got {type(model).__name__}")
    context, pairs = model.complete_with_context(prefix, k=k)
    verdict = model.describe(prefix, k=k)
    if not pairs:
        fig.text(0.5, 0.5, "No completion.\n" + textwrap.fill(verdict.split(": ", 1)[1], 60), ha="center", va="center")
        return verdict
    ax = fig.add_axes((0.22, 0.18, 0.74, 0.72))
    ax.barh([w for w, _ in pairs][::-1], [c for _, c in pairs][::-1], color=plots.PALETTE["blue"])  # largest on top
    ax.xaxis.get_major_locator().set_params(integer=True)
    if model.n == 1:
        ax.set(xlabel="times seen in the corpus (count)", title="1-gram table: the most frequent words")
    else:
        shown = " ".join(w for w in context if w != BOS) or "(start of query)"
        ax.set(xlabel="times seen after the context (count)", title=f"{model.n}-gram table: what followed '{shown}'")
    return verdict
