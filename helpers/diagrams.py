"""The course's diagrams (feed-forward net, RNN folded and unrolled, LSTM cell).

Every label comes from ``helpers.notation``, so a figure cannot disagree with
the equations. Each function draws onto a matplotlib axes (``ax``, made if not
given) and returns it; nothing here saves files: figures/make_figures.py does.

The RNN graphs are data first: ``unrolled_edges(T)`` lists every edge of the
unrolled network as (source, target, weight), and the drawing draws that list.
A test reads it to check the course's first correction: h_t is fed by x_t and
h_{t-1} (the hidden state), never by x_{t-1} or y_{t-1}.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from helpers import notation, validate
from helpers.plots import PALETTE

INK = "#222222"
ROLE = {"x": PALETTE["blue"], "h": PALETTE["orange"], "y": PALETTE["green"],
        "Wx": PALETTE["blue"], "Wh": PALETTE["vermillion"], "Wy": PALETTE["green"],
        "c": PALETTE["purple"], "gate": PALETTE["sky"], "cand": PALETTE["orange"]}
SEED_OF = {code: seed for seed, code in notation.SEED_NAMES.items()}  # "Wx" -> "A"
PATTERNS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many")


# ----------------------------------------------------------------- labels
def sym(name, t="t"):
    """A symbol from the notation table as mathtext, at step ``t``.

    sym("x") -> "$x_t$", sym("x", 2) -> "$x_{2}$", sym("h", "t-1") -> "$h_{t-1}$",
    sym("x", None) -> "$x$" (no time index, for a feed-forward net);
    symbols without a time index (sym("Wh") -> "$W_h$") ignore ``t``.
    """
    tex = notation.latex(name)
    if tex.endswith("_t") and t != "t":
        tex = tex[:-2] if t is None else f"{tex[:-2]}_{{{t}}}"
    return f"${tex}$"


def _tex(name, t="t"):
    return sym(name, t)[1:-1]


def weight_label(name, seed=False):
    """'$W_x$', or '$W_x$ (A)' with the seed article's letter."""
    return f"{sym(name)} ({SEED_OF[name]})" if seed else sym(name)


# ------------------------------------------------------------- primitives
def _canvas(ax, xlim, ylim, width):
    """(ax, zoom): axes in data units (equal aspect, no frame), a new figure ``width`` inches wide if None.

    zoom: the size of ``ax`` relative to that figure, to scale fonts and lines by.
    """
    dx, dy = xlim[1] - xlim[0], ylim[1] - ylim[0]
    if ax is None:
        ax = plt.figure(figsize=(width, width * dy / dx)).add_axes((0, 0, 1, 1))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.set_axis_off()
    (fw, fh), box = ax.figure.get_size_inches(), ax.get_position()
    return ax, min(box.width * fw / dx, box.height * fh / dy) / (width / dx)


def _node(ax, xy, text, color, shape="circle", size=(0.9, 0.6), fontsize=16, lw=2.0, ls="-"):
    """A circle (diameter size[0]) or rounded box (w, h) with centred text; returns the patch."""
    (x, y), fill = xy, [1 - (1 - c) * 0.2 for c in to_rgb(color)]  # fill: 20% colour, 80% white
    if shape == "circle":
        patch = Circle(xy, size[0] / 2, fc=fill, ec=color, lw=lw, ls=ls, zorder=3)
    else:
        w, h = size
        patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.1",
                               fc=fill, ec=color, lw=lw, ls=ls, zorder=3)
    patch.mid = np.array(xy, float)  # the centre, for arrows
    ax.add_artist(patch)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)
    return patch


def _edge(patch, toward):
    """The point where the ray from ``patch``'s centre toward a point leaves its outline."""
    c = patch.mid
    d = np.asarray(toward, float) - c
    if isinstance(patch, Circle):
        return c + d * patch.radius / np.hypot(*d)
    hw, hh = patch.get_width() / 2, patch.get_height() / 2
    return c + d * min(hw / abs(d[0]) if d[0] else np.inf, hh / abs(d[1]) if d[1] else np.inf)


def _arrow(ax, a, b, color=INK, patchA=None, patchB=None, lw=1.8, head=16, style="-|>", conn="arc3", z=2):
    """An arrow from point a to point b, starting and ending at the outlines of the patches it joins."""
    if conn == "arc3":  # straight: cut at the outlines here (matplotlib's clipping is slow)
        a, b = (_edge(patchA, b) if patchA else a), (_edge(patchB, a) if patchB else b)
        patchA = patchB = None
    arrow = FancyArrowPatch(a, b, patchA=patchA, patchB=patchB, arrowstyle=style, mutation_scale=head,
                            lw=lw, color=color, shrinkA=1, shrinkB=1, connectionstyle=conn,
                            joinstyle="miter", capstyle="butt", zorder=z)
    ax.add_artist(arrow)
    return arrow


def _label(ax, xy, text, color=INK, fontsize=13, ha="center", va="center"):
    return ax.text(*xy, text, ha=ha, va=va, fontsize=fontsize, color=color, zorder=5)


# ------------------------------------------------------------ feed-forward
def ffn(ax=None, sizes=(3, 4, 2)):
    """A feed-forward net, neuron by neuron: x -> h -> y, arrows only forward.

    sizes: the number of neurons drawn per layer (D, H, V), each 1..6.
    """
    D, H, V = (validate.integer(n, s, 1, 6) for n, s in zip(("D", "H", "V"), sizes))
    ax, _ = _canvas(ax, (0, 8.4), (-1.05, 4.75), 8.0)
    cols = {"x": 1.4, "h": 4.2, "y": 7.0}
    layers = {}
    for name, n in (("x", D), ("h", H), ("y", V)):
        ys = 1.95 - (np.arange(n) - (n - 1) / 2) * 0.78
        layers[name] = [_node(ax, (cols[name], yy), None, ROLE[name], size=(0.52,), lw=1.8) for yy in ys]
    for (src, dst), w in ((("x", "h"), "Wx"), (("h", "y"), "Wy")):
        for pa in layers[src]:
            for pb in layers[dst]:
                _arrow(ax, pa.mid, pb.mid, "#8c8c8c", pa, pb, lw=1.0, head=10)
        _label(ax, ((cols[src] + cols[dst]) / 2, 3.95), f"{sym(w)}  {notation.SYMBOLS[w][1]}", ROLE[w],
               fontsize=15)
    for name, word, letter in (("x", "input", "D"), ("h", "hidden", "H"), ("y", "output", "V")):
        _label(ax, (cols[name], 0.05), f"{word} {sym(name, None)}\n{letter} units", ROLE[name],
               fontsize=13, va="top")
    _label(ax, (4.2, 4.5), "information flows one way, left to right: no loops, no memory", INK,
           fontsize=12)
    x, h, y, b, c, Wx, Wy = (_tex(n, None) for n in ("x", "h", "y", "b", "by", "Wx", "Wy"))
    eq = f"${h} = \\tanh({x} {Wx} + {b}), \\quad {y} = {h} {Wy} + {c}$"
    _label(ax, (4.2, -0.8), eq, INK, fontsize=13)
    return ax


# ------------------------------------------------------------------- RNN
def unrolled_edges(T):
    """The unrolled RNN as data: a list of (source, target, weight) for steps 1..T.

    Node names are (symbol, t), e.g. ("h", 0) for h_0. Each h_t is fed by x_t
    through Wx and by h_{t-1} through Wh; each y_t comes from h_t through Wy.
    """
    T = validate.integer("T", T, 1, 16)
    edges = []
    for t in range(1, T + 1):
        edges += [(("x", t), ("h", t), "Wx"), (("h", t - 1), ("h", t), "Wh"), (("h", t), ("y", t), "Wy")]
    return edges


def rnn_folded(ax=None):
    """The folded RNN: x_t -> h_t -> y_t with the recurrent loop W_h on h_t."""
    ax, _ = _canvas(ax, (-3.2, 3.6), (-1.0, 5.3), 5.6)
    px = _node(ax, (0, 0.45), sym("x"), ROLE["x"], "box", (1.1, 0.7), fontsize=19)
    ph = _node(ax, (0, 2.5), sym("h"), ROLE["h"], size=(1.15,), fontsize=20)
    py = _node(ax, (0, 4.55), sym("y"), ROLE["y"], "box", (1.1, 0.7), fontsize=19)
    _arrow(ax, (0, 0.45), (0, 2.5), ROLE["Wx"], px, ph, lw=2.2, head=18)
    _arrow(ax, (0, 2.5), (0, 4.55), ROLE["Wy"], ph, py, lw=2.2, head=18)
    _label(ax, (-0.25, 1.47), weight_label("Wx", seed=True), ROLE["Wx"], fontsize=16, ha="right")
    _label(ax, (-0.25, 3.53), weight_label("Wy", seed=True), ROLE["Wy"], fontsize=16, ha="right")
    a, r = np.deg2rad(35), 0.575
    _arrow(ax, (r * np.cos(a), 2.5 + r * np.sin(a)), (r * np.cos(a), 2.5 - r * np.sin(a)), ROLE["Wh"],
           lw=2.2, head=18, conn="arc3,rad=-2.2")
    _label(ax, (1.75, 2.68), weight_label("Wh", seed=True), ROLE["Wh"], fontsize=16, ha="left")
    _label(ax, (1.75, 2.4), f"carries {sym('h', 't-1')}\ninto step $t$", INK, fontsize=11.5, ha="left", va="top")
    _label(ax, (0.2, -0.55), f"${notation.EQUATIONS['rnn']}$", INK, fontsize=12)
    return ax


def _rnn_columns(ax, T, x0=0.0, dx=1.9, shown_x=None, shown_y=None, h0=True, labels=True, texts=None,
                 faded=(), first=1, s=1.0, z=1.0):
    """Draw an unrolled RNN from ``unrolled_edges(T)``, h_0 at x0; returns {node: patch}.

    shown_x / shown_y: the steps that have an input / output (default: all).
    texts: optional {node: text} to write in nodes instead of the symbols.
    faded: steps drawn in light grey (not computed yet). first: the first step drawn
    (h_{first-1} then sits at x0). s: scales sizes, fonts and rows; z: fonts only.
    """
    shown_x = range(first, T + 1) if shown_x is None else shown_x
    shown_y = range(first, T + 1) if shown_y is None else shown_y
    texts = texts or {}
    row = {"x": 0.0, "h": 2.0 * s, "y": 4.0 * s}
    patches = {}

    def node(key):
        if key not in patches:
            kind, t = key
            text = texts.get(key, sym("h0") if key == ("h", 0) else sym(kind, t))
            xy, dashed = (x0 + (t - first + 1) * dx, row[kind]), key == ("h", first - 1)
            color, fs = "#c4c4c4" if t in faded else ROLE[kind], (11 if key in texts else 15) * s * z
            shape, size = ("circle", (0.95 * s,)) if kind == "h" else ("box", (0.95 * s, 0.62 * s))
            patches[key] = _node(ax, xy, text, color, shape, size, fontsize=fs, lw=2 * z, ls="--" if dashed else "-")
        return patches[key]

    for src, dst, w in unrolled_edges(T):
        if ((src[0] == "x" and src[1] not in shown_x) or (dst[0] == "y" and dst[1] not in shown_y)
                or dst[1] < first or (src == ("h", 0) and not h0)):
            continue
        pa, pb = node(src), node(dst)
        a, b = pa.mid, pb.mid
        color = "#c4c4c4" if dst[1] in faded else ROLE[w]
        _arrow(ax, a, b, color, pa, pb, lw=2.0 * s * z, head=16 * s * z)
        if labels and w == "Wh":
            _label(ax, (a + b) / 2 + (0, 0.12), sym(w), color, fontsize=14 * s * z, va="bottom")
        elif labels:
            _label(ax, (a + b) / 2 + (-0.1, 0), sym(w), color, fontsize=14 * s * z, ha="right")
    return patches


def rnn_unrolled(T=4, ax=None):
    """The RNN unrolled over t = 1..T: h_0 on the left, the same weights at every step."""
    T = validate.integer("T", T, 1, 6)
    dx = 1.9
    ax, z = _canvas(ax, (-0.75, T * dx + 0.75), (-1.3, 4.5), 0.85 * (T * dx + 1.5))
    _rnn_columns(ax, T, dx=dx, z=z)
    for t in range(1, T + 1):
        _label(ax, (t * dx, -0.55), f"$t = {t}$", "#555555", fontsize=12 * z)
    shared = ", ".join(weight_label(w, seed=True) for w in ("Wx", "Wh", "Wy"))
    _label(ax, ((T * dx) / 2, -1.05), f"the same {shared} at every step", INK, fontsize=13 * z)
    return ax


def rnn_unrolled_values(h, t_now=None, x_text=None, y_text=None, ax=None, window=8):
    """The unrolled RNN with numbers in it: the value of every h_t computed so far.

    h: (T, H) hidden states of one sequence; each h_t is printed to two decimals
    when H <= 4, else as its norm. t_now: the last step computed (default T);
    later steps are grey with "?". x_text / y_text: T short strings for the input
    / output boxes (e.g. the characters read and predicted). At most ``window``
    steps are drawn, the ones around t_now. Readable in a 7.5 x 3.8 in axes.
    """
    h = validate.array("h", h, ndim=2, letters="(T, H)")
    T, H = h.shape
    validate.integer("T (h.shape[0])", T, 1, 64)
    t_now = T if t_now is None else validate.integer("t_now", t_now, 0, T)
    window = validate.integer("window", window, 1, 12)
    texts = {}
    for name, kind, given in (("x_text", "x", x_text), ("y_text", "y", y_text)):
        if given is not None:
            if len(given) != T:
                raise ValueError(f"{name} must hold T = {T} strings (one per step), got {len(given)}")
            texts.update({(kind, t): str(v)[:6] for t, v in enumerate(given, 1) if kind == "x" or t <= t_now})
    for t in range(1, T + 1):
        shown = ("\n".join(f"{round(v, 2) + 0.0:+.2f}".replace("-", "\u2212") for v in h[t - 1]) if H <= 4
                 else f"$\\|{_tex('h', t)}\\|$\n{np.linalg.norm(h[t - 1]):.2f}")
        texts[("h", t)] = shown if t <= t_now else "?"
        if t > t_now:
            texts[("y", t)] = "?"
    first = min(max(1, t_now - window + 2), max(1, T - window + 1))  # keep one step after t_now in view
    last, dx = min(T, first + window - 1), 1.5
    ax, z = _canvas(ax, (-0.75, (last - first + 1) * dx + 0.75), (-0.85, 4.5), 0.75 * ((last - first + 1) * dx + 1.5))
    _rnn_columns(ax, last, dx=dx, labels=False, texts=texts, faded=range(t_now + 1, T + 1), first=first, z=z)
    for t in range(first, last + 1):
        _label(ax, ((t - first + 1) * dx, -0.45), f"t = {t}", "#555555" if t <= t_now else "#b0b0b0",
               fontsize=11 * z)
    if first > 1:  # the window starts later: name the step of the dashed h on the left
        _label(ax, (0, 1.4), f"t = {first - 1}", "#555555", fontsize=11 * z)
    return ax


def rnn_patterns(axes=None):
    """Four panels: one-to-one, one-to-many, many-to-one, many-to-many (needs 4 axes)."""
    if axes is None:
        fig = plt.figure(figsize=(8, 6.4))
        axes = [fig.add_axes((col * 0.5, 0.5 - row * 0.5, 0.5, 0.5)) for row in (0, 1) for col in (0, 1)]
    axes = np.ravel(axes)
    if len(axes) != 4:
        raise ValueError(f"axes must hold 4 axes (one per pattern), got {len(axes)}")
    uses = {"one-to-one": ([1], [1], "one input, one output (a feed-forward\nnet): classify one image"),
            "one-to-many": ([1], [1, 2, 3], "one input, a sequence out:\ncaption an image, make a melody"),
            "many-to-one": ([1, 2, 3], [3], "a sequence in, one output at the end:\nclassify a voice clip"),
            "many-to-many": ([1, 2, 3], [1, 2, 3], "an output at every step: tag each\nword, predict the next word")}
    for ax, name in zip(axes, PATTERNS):
        shown_x, shown_y, example = uses[name]
        _canvas(ax, (1.5 - 3.19, 1.5 + 3.19), (-1.3, 3.8), 4.0)  # 6.38 x 5.1 units: a 4 x 3.2 in panel
        T = len(set(shown_x) | set(shown_y))
        _rnn_columns(ax, T, x0=1.5 - (T * 0.6 if T > 1 else 1.2), dx=1.2, shown_x=shown_x, shown_y=shown_y,
                     h0=T > 1, labels=False, s=0.7)
        _label(ax, (1.5, 3.4), name, INK, fontsize=15).set_fontweight("bold")
        _label(ax, (1.5, -0.45), example, "#444444", fontsize=11.5, va="top")
    return axes


# ------------------------------------------------------------------ LSTM
def lstm_cell(ax=None):
    """One LSTM step: the cell-state line on top, the four gates below it.

    The boxes sit left to right as f, i, g, o, the one order in which no line
    crosses another (f acts on the cell line before i * g is added). The
    weights stack the gates as i, f, g, o, which the caption spells out.
    """
    ax, _ = _canvas(ax, (-1.2, 11.8), (-2.2, 5.6), 8.0)
    ax.add_artist(FancyBboxPatch((0.6, 0.3), 9.35, 4.85, boxstyle="round,pad=0,rounding_size=0.3",
                                fc="#f5f5f5", ec="#b0b0b0", lw=1.5, zorder=0))
    yc, yg, ym, yb = 4.45, 2.15, 3.3, 1.0  # rows: cell line, gate boxes, i * g, input bus
    xf, xi, xg, xo, xh = 2.3, 3.6, 4.9, 6.3, 8.7  # columns: gates f, i, g, o and the h_t output
    C, K, gray = ROLE["c"], INK, "#555555"

    def op(xy, text):  # a pointwise operation, drawn as a small grey circle
        return _node(ax, xy, text, gray, size=(0.5,), fontsize=15, lw=1.5)

    mul_f, add, mul_ig = op((xf, yc), r"$\odot$"), op((xg, yc), r"$+$"), op((xg, ym), r"$\odot$")
    mul_o = op((xh, yg), r"$\odot$")
    tanh_c = _node(ax, (xh, ym), "tanh", gray, "box", (0.95, 0.5), fontsize=12, lw=1.5)
    # the cell-state line: c_{t-1} -> (. f_t) -> (+ i_t . g_t) -> c_t
    _arrow(ax, (-0.55, yc), (xf, yc), C, None, mul_f, lw=3, head=18)
    _arrow(ax, (xf, yc), (xg, yc), C, mul_f, add, lw=3, head=18)
    _arrow(ax, (xg, yc), (11.2, yc), C, add, None, lw=3, head=18)
    _arrow(ax, (xh, yc), (xh, ym), C, None, tanh_c, lw=1.8)
    _label(ax, (-0.6, yc + 0.2), sym("c", "t-1"), C, fontsize=18, va="bottom")
    _label(ax, (11.15, yc + 0.2), sym("c"), C, fontsize=18, va="bottom")
    _label(ax, ((xg + xh) / 2, yc - 0.2), "cell state:\nthe long-term memory", gray, fontsize=11, va="top")
    # the gates: a sigmoid in (0, 1) for f, i, o; tanh in (-1, 1) for the candidate g
    gates = {"f": (xf, r"$\sigma$", ROLE["gate"]), "i": (xi, r"$\sigma$", ROLE["gate"]),
             "g": (xg, r"$\tanh$", ROLE["cand"]), "o": (xo, r"$\sigma$", ROLE["gate"])}
    box = {k: _node(ax, (gx, yg), t, col, "box", (1.0, 0.62), fontsize=15) for k, (gx, t, col) in gates.items()}
    _arrow(ax, (xf, yg), (xf, yc), K, box["f"], mul_f)
    _arrow(ax, (xi, yg), (xg, ym), K, box["i"], mul_ig, conn="angle,angleA=90,angleB=180,rad=0")
    _arrow(ax, (xg, yg), (xg, ym), K, box["g"], mul_ig)
    _arrow(ax, (xg, ym), (xg, yc), K, mul_ig, add)
    _arrow(ax, (xo, yg), (xh, yg), K, box["o"], mul_o)
    _arrow(ax, (xh, ym), (xh, yg), K, tanh_c, mul_o)
    _label(ax, (xf - 0.12, 3.3), f"forget {sym('f')}", K, fontsize=13, ha="right")
    _label(ax, ((xi + xg) / 2 - 0.2, ym + 0.1), f"input {sym('i')}", K, fontsize=13, va="bottom")
    _label(ax, (xg + 0.12, 2.75), f"{sym('g')} candidate", K, fontsize=13, ha="left")
    _label(ax, ((xo + xh) / 2 + 0.05, yg + 0.1), f"output {sym('o')}", K, fontsize=13, va="bottom")
    # inputs: h_{t-1} from the left and x_t from below share one bus that feeds every gate
    ax.plot([-0.55, xo], [yb, yb], color=K, lw=1.8, zorder=1, solid_capstyle="butt")
    _arrow(ax, (1.4, -0.75), (1.4, yb), ROLE["x"], lw=1.8)
    ax.add_artist(Circle((1.4, yb), 0.07, color=K, zorder=3))
    for k, (gx, *_rest) in gates.items():
        _arrow(ax, (gx, yb), (gx, yg), K, None, box[k], lw=1.5, head=14)
    _label(ax, (-0.6, yb + 0.15), sym("h", "t-1"), ROLE["h"], fontsize=18, va="bottom")
    _label(ax, (1.4, -0.85), sym("x"), ROLE["x"], fontsize=18, va="top")
    pre = f"${_tex('x')} {_tex('Wx')} + {_tex('h', 't-1')} {_tex('Wh')} + {_tex('b')}$"
    _label(ax, (5.05, 0.62), f"each gate reads its own columns of {pre}", gray, fontsize=11)
    # the output h_t = o_t . tanh(c_t), to the next step and to the output layer
    _arrow(ax, (xh, yg), (11.2, yb), ROLE["h"], mul_o, None, lw=2.2, conn="angle,angleA=-90,angleB=180,rad=0")
    _label(ax, (11.15, yb + 0.15), sym("h"), ROLE["h"], fontsize=18, va="bottom")
    eqs = "\n".join(f"${notation.EQUATIONS[k]}$" for k in ("lstm_gates", "lstm_cell"))
    _label(ax, (5.3, -1.15), eqs, K, fontsize=12.5, va="top")
    return ax


# ------------------------------------------------------------------- GRU
def gru_cell(ax=None):
    """One GRU step as torch computes it: h_{t-1} along the top, scaled by z and topped up by (1 - z) * n
    (the state itself is the memory); the reset gate r feeds n, where it scales h_{t-1} W_hn + b_hn."""
    ax, _ = _canvas(ax, (-1.2, 11.8), (-2.2, 5.6), 8.0)
    ax.add_artist(FancyBboxPatch((0.6, 0.3), 9.35, 4.85, boxstyle="round,pad=0,rounding_size=0.3",
                                fc="#f5f5f5", ec="#b0b0b0", lw=1.5, zorder=0))
    yh, yg, ym, yb = 4.45, 2.15, 3.3, 1.0  # rows: state line, gate boxes, (1 - z) * n, input bus
    xz, xr, xn, xa = 2.4, 4.0, 6.6, 8.3  # columns: gates z, r, n and the + on the state line
    Hc, K, gray = ROLE["h"], INK, "#555555"

    mul_z, add, mul_n = (_node(ax, xy, t, gray, size=(0.5,), fontsize=15, lw=1.5)  # pointwise operations
                         for xy, t in [((xz, yh), r"$\odot$"), ((xa, yh), r"$+$"), ((xa, ym), r"$\odot$")])
    one_minus = _node(ax, (5.3, ym), r"$1 -$", gray, "box", (0.75, 0.48), fontsize=12, lw=1.5)
    # the state line: h_{t-1} -> (. z_t) -> (+ (1 - z_t) . n_t) -> h_t
    _arrow(ax, (-0.55, yh), (xz, yh), Hc, None, mul_z, lw=3, head=18)
    _arrow(ax, (xz, yh), (xa, yh), Hc, mul_z, add, lw=3, head=18)
    _arrow(ax, (xa, yh), (11.2, yh), Hc, add, None, lw=3, head=18)
    _label(ax, (-0.6, yh + 0.2), sym("h", "t-1"), Hc, fontsize=18, va="bottom")
    _label(ax, (11.15, yh + 0.2), sym("h"), Hc, fontsize=18, va="bottom")
    _label(ax, (9.75, yh - 0.3), "the state is\nthe memory", gray, fontsize=11, va="top")
    # the gates: sigmoids in (0, 1) for r and z, tanh in (-1, 1) for the candidate n
    gates = {"z": (xz, r"$\sigma$", ROLE["gate"]), "r": (xr, r"$\sigma$", ROLE["gate"]),
             "n": (xn, r"$\tanh$", ROLE["cand"])}
    box = {k: _node(ax, (gx, yg), t, col, "box", (1.0, 0.62), fontsize=15) for k, (gx, t, col) in gates.items()}
    _arrow(ax, (xz, yg), (xz, yh), K, box["z"], mul_z)
    ax.add_artist(Circle((xz, ym), 0.07, color=K, zorder=3))
    _arrow(ax, (xz, ym), (5.3, ym), K, None, one_minus)
    _arrow(ax, (5.3, ym), (xa, ym), K, one_minus, mul_n)
    _arrow(ax, (xn, yg), (xa, ym), K, box["n"], mul_n, conn="angle,angleA=0,angleB=-90,rad=0")
    _arrow(ax, (xa, ym), (xa, yh), K, mul_n, add)
    _arrow(ax, (xr, yg), (xn, yg), K, box["r"], box["n"])
    _label(ax, (xz - 0.12, ym + 0.35), "update $z_t$", K, fontsize=13, ha="right")
    _label(ax, (xr, yg + 0.4), "reset $r_t$", K, fontsize=13, va="bottom")
    _label(ax, (xn + 0.55, yg - 0.4), "$n_t$ candidate", K, fontsize=13, va="top", ha="left")
    _label(ax, ((xr + xn) / 2, yg - 0.3), f"$r_t$ scales\n${_tex('h', 't-1')} W_{{h,n}} + b_{{h,n}}$", gray,
           fontsize=10, va="top")
    # inputs: h_{t-1} comes down to a bus that x_t joins; the bus feeds every gate
    ax.plot([0.0, 0.0, xn], [yh, yb, yb], color=K, lw=1.8, zorder=1, solid_capstyle="butt")
    ax.add_artist(Circle((0.0, yh), 0.07, color=Hc, zorder=3))
    _arrow(ax, (1.3, -0.35), (1.3, yb), ROLE["x"], lw=1.8)
    ax.add_artist(Circle((1.3, yb), 0.07, color=K, zorder=3))
    for k, (gx, *_rest) in gates.items():
        _arrow(ax, (gx, yb), (gx, yg), K, None, box[k], lw=1.5, head=14)
    _label(ax, (1.3, -0.45), sym("x"), ROLE["x"], fontsize=18, va="top")
    pre = f"${_tex('x')} {_tex('Wx')} + b_x$ and ${_tex('h', 't-1')} {_tex('Wh')} + b_h$"
    _label(ax, (5.3, 0.62), f"each gate reads its own columns (r, z, n) of {pre}", gray, fontsize=11)
    eqs = (r"$r_t, z_t = \sigma(\ldots),\quad "
           r"n_t = \tanh(x_t W_{x,n} + b_{x,n} + r_t \odot (h_{t-1} W_{h,n} + b_{h,n}))$"
           "\n" r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$")
    _label(ax, (5.3, -1.2), eqs, K, fontsize=12, va="top")
    return ax
