"""The static figures: redrawn identically, referenced correctly, labelled from the notation table.

figures/make_figures.py draws every PNG in figures/ with helpers/diagrams.py.
These tests check that the committed PNGs are what the command draws now,
that every image a notebook or the README shows exists and has alt text, and
that the diagrams say what the course says (labels from helpers.notation, the
recurrence through the hidden state).
"""
import importlib.util
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import diagrams, notation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIG_DIR = ROOT / "figures"
MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
PLACEHOLDER_ALTS = {"alt text", "image", "figure", "img", "picture", "png", "diagram"}


def _load_make_figures():
    spec = importlib.util.spec_from_file_location("make_figures", FIG_DIR / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_figures = _load_make_figures()
NAMES = list(make_figures.FIGURES)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Every figure drawn now, into a temporary folder."""
    out = tmp_path_factory.mktemp("figures")
    make_figures.make_all(out)
    return out


def _differs(a, b):
    """Share of pixels that differ visibly (antialiasing noise stays below 0.1 per channel)."""
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=-1) > 0.1).mean())


TOLERANCE = 2e-4  # share of visibly different pixels allowed (renaming W_h alone moves ~1.5e-3)


# ------------------------------------------------------------ committed == drawn
@pytest.mark.parametrize("name", NAMES)
def test_committed_figure_is_what_the_command_draws(name, fresh):
    committed = FIG_DIR / f"{name}.png"
    assert committed.exists(), f"figures/{name}.png is missing: run `make figures`"
    a, b = mpimg.imread(committed), mpimg.imread(fresh / f"{name}.png")
    assert a.shape == b.shape, f"figures/{name}.png is {a.shape[:2]}, a fresh drawing is {b.shape[:2]}: run `make figures`"
    share = _differs(a, b)
    assert share < TOLERANCE, f"figures/{name}.png differs from a fresh drawing in {share:.2%} of pixels: run `make figures`"


def test_the_comparison_catches_a_changed_label(fresh, tmp_path, monkeypatch):
    """The tolerance above is loose enough for antialiasing, tight enough for a real change."""
    tex, shape, meaning = notation.SYMBOLS["Wh"]
    monkeypatch.setitem(notation.SYMBOLS, "Wh", (r"W_{hh}", shape, meaning))
    make_figures.make("rnn_folded", tmp_path)
    share = _differs(mpimg.imread(fresh / "rnn_folded.png"), mpimg.imread(tmp_path / "rnn_folded.png"))
    assert share > 5 * TOLERANCE, f"renaming W_h changed only {share:.3%} of the pixels"


def test_two_runs_give_identical_bytes(fresh, tmp_path):
    make_figures.make_all(tmp_path)
    for name in NAMES:
        assert (tmp_path / f"{name}.png").read_bytes() == (fresh / f"{name}.png").read_bytes(), name


def test_every_png_in_figures_is_made_by_the_command():
    stray = sorted(p.name for p in FIG_DIR.glob("*.png") if p.stem not in NAMES)
    assert not stray, f"figures/ holds PNGs that make_figures.py does not draw: {stray}"


# ------------------------------------------------------- references and alt text
def _markdown_sources():
    """(label, folder the links are relative to, markdown text) for README and every notebook."""
    sources = [("README.md", ROOT, (ROOT / "README.md").read_text())]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        text = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                         for c in cells if c["cell_type"] == "markdown")
        sources.append((f"notebooks/{nb.name}", nb.parent, text))
    return sources


SOURCES = _markdown_sources()


@pytest.mark.parametrize("label,folder,text", SOURCES, ids=[s[0] for s in SOURCES])
def test_referenced_figures_exist_and_are_made_by_the_command(label, folder, text):
    for m in MD_IMAGE.finditer(text):
        src = m["src"]
        if src.startswith("attachment:"):  # embedded by make notebooks: checked below
            assert Path(src[11:]).stem in NAMES, f"{label}: {src} is not a figure make_figures.py draws"
            continue
        assert label == "README.md", (f"{label}: {src} is a file link, which breaks when the notebook's folder "
                                      "is the server's root (make lab, make present): write ../figures/NAME.png "
                                      "and run `make notebooks`, which embeds it")
        if "figures/" not in src or "://" in src:
            continue
        path = (folder / src).resolve()
        assert path.parent == FIG_DIR, f"{label}: {src} does not point into figures/"
        assert path.exists(), f"{label}: {src} does not exist; the figures are {sorted(NAMES)}"
        assert path.stem in NAMES and path.suffix == ".png", \
            f"{label}: {src} is not drawn by figures/make_figures.py (it draws {sorted(NAMES)})"


NOTEBOOK_FILES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_embedded_figures_are_the_committed_figures(path):
    """Every attachment a notebook shows holds exactly the bytes of figures/NAME.png (make notebooks)."""
    import base64

    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        shown = {m["src"][11:] for m in MD_IMAGE.finditer(source) if m["src"].startswith("attachment:")}
        attached = cell.get("attachments", {})
        assert shown == set(attached), f"{path.name}: cell shows {sorted(shown)} but embeds {sorted(attached)}"
        for name, data in attached.items():
            assert base64.b64decode(data["image/png"]) == (FIG_DIR / name).read_bytes(), \
                f"{path.name}: the embedded {name} is not figures/{name}: run `make notebooks`"


@pytest.mark.parametrize("label,folder,text", SOURCES, ids=[s[0] for s in SOURCES])
def test_every_image_has_alt_text(label, folder, text):
    for m in MD_IMAGE.finditer(text):
        alt = m["alt"].strip()
        assert alt, f"{label}: the image {m['src']} has no alt text: write ![what it shows]({m['src']})"
        assert alt.lower() not in PLACEHOLDER_ALTS, f"{label}: the image {m['src']} has placeholder alt text {alt!r}"
    for tag in HTML_IMAGE.findall(text):
        alt = re.search(r"\balt\s*=\s*([\"'])(.*?)\1", tag)
        assert alt and alt.group(2).strip(), f"{label}: {tag} has no alt text"


def test_the_reference_checks_see_images():
    """The regex finds images in the forms the notebooks use (so the two tests above can fail)."""
    sample = "![An unrolled RNN](../figures/rnn_unrolled.png) and ![](../figures/x.png \"title\")"
    assert [(m["alt"], m["src"]) for m in MD_IMAGE.finditer(sample)] == [
        ("An unrolled RNN", "../figures/rnn_unrolled.png"), ("", "../figures/x.png")]


# --------------------------------------------------------------- what they say
def _texts(drawn):
    axes = drawn.figure.axes if hasattr(drawn, "figure") else drawn.flat[0].figure.axes
    return [t.get_text() for ax in axes for t in ax.texts]


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", NAMES)
def test_labels_come_from_the_notation_table(name, monkeypatch, close_figures):
    """Rename W_x, W_h, W_y and x in notation: every diagram that shows them follows.

    (The equations printed under some diagrams are notation.EQUATIONS verbatim; they are left out here.)
    """
    new = {"Wx": r"U_{in}", "Wh": r"U_{rec}", "Wy": r"U_{out}", "x": r"\xi_t"}
    before = " ".join(_texts(make_figures.FIGURES[name]()))
    for key, tex in new.items():
        _, shape, meaning = notation.SYMBOLS[key]
        monkeypatch.setitem(notation.SYMBOLS, key, (tex, shape, meaning))
    after = " ".join(_texts(make_figures.FIGURES[name]()))
    for eq in notation.EQUATIONS.values():
        after = after.replace(f"${eq}$", "")
    shown = [key for key in new if notation.latex(key).replace("_t", "") in after]
    assert shown, f"{name} shows none of the renamed symbols: are its labels typed in by hand?"
    for key in shown:
        old = {"Wx": "W_x", "Wh": "W_h", "Wy": "W_y", "x": "x_"}[key]
        assert old not in after or key == "x", f"{name} still shows {old} after renaming it in notation"
    assert before != after


def test_folded_rnn_names_the_seed_parameters(close_figures):
    texts = _texts(diagrams.rnn_folded())
    for seed, code in notation.SEED_NAMES.items():
        assert any(f"${notation.latex(code)}$ ({seed})" in t for t in texts), f"no label {code} ({seed})"


def test_lstm_cell_shows_the_course_equations(close_figures):
    joined = "\n".join(_texts(diagrams.lstm_cell()))
    for key in ("lstm_gates", "lstm_cell"):
        assert notation.EQUATIONS[key] in joined
    assert "i_t, f_t, g_t, o_t" in notation.EQUATIONS["lstm_gates"]  # the gate order the code uses
    for gate in "ifgo":
        assert f"${notation.latex(gate)}$" in joined


@pytest.mark.parametrize("T", [1, 2, 4, 8])
def test_unrolled_graph_feeds_back_the_hidden_state(T):
    """The course's first correction: h_t reads x_t and h_{t-1}; never x_{t-1} or y_{t-1}."""
    edges = diagrams.unrolled_edges(T)
    assert len(edges) == 3 * T
    for t in range(1, T + 1):
        into_h = sorted((src, w) for src, dst, w in edges if dst == ("h", t))
        assert into_h == [(("h", t - 1), "Wh"), (("x", t), "Wx")]
        assert [(src, w) for src, dst, w in edges if dst == ("y", t)] == [(("h", t), "Wy")]
    assert not [e for e in edges if e[0][0] == "y"], "an output must not feed anything"
    assert {w for *_, w in edges} == {"Wx", "Wh", "Wy"}, "the same three weights at every step"


def test_unrolled_values_shows_the_numbers_it_is_given(close_figures):
    h = np.array([[0.5, -0.25], [0.125, 0.75], [-1.0, 0.0]])  # (T, H) = (3, 2)
    texts = _texts(diagrams.rnn_unrolled_values(h, t_now=2, x_text=["n", "e", "u"]))
    assert "+0.50\n\u22120.25" in texts and "+0.12\n+0.75" in texts
    assert "\u22121.00\n+0.00" not in texts and texts.count("?") == 2  # step 3: h_3 and y_3 not computed yet
    assert {"n", "e", "u"} <= set(texts)
    big = _texts(diagrams.rnn_unrolled_values(np.full((2, 6), 0.5)))  # H > 4: the norm
    assert any(f"{np.sqrt(6 * 0.25):.2f}" in t for t in big)


def test_unrolled_values_keeps_long_sequences_readable(close_figures):
    """T = 13 steps: a window of 8 around t_now, the dashed h on its left named by its step."""
    h = np.tile(np.arange(1, 14)[:, None] / 100, (1, 2))  # h_t = [t/100, t/100]
    texts = _texts(diagrams.rnn_unrolled_values(h, t_now=10, window=8))
    steps = [int(t[4:]) for t in texts if t.startswith("t = ")]
    assert steps == list(range(4, 12)) + [3], steps
    assert "+0.03\n+0.03" in texts and "+0.10\n+0.10" in texts and "+0.02\n+0.02" not in texts
    assert "+0.00\n\u22120.50" in _texts(diagrams.rnn_unrolled_values(np.array([[-0.001, -0.5]])))


def test_diagrams_draw_into_a_given_axes_and_return_it(close_figures):
    fig, ax = plt.subplots(figsize=(6, 3))
    assert diagrams.rnn_unrolled_values(np.zeros((4, 3)), t_now=1, ax=ax) is ax
    assert diagrams.rnn_unrolled(3, ax=ax) is ax
    assert len(fig.axes) == 1


@pytest.mark.parametrize("call,words", [
    (lambda: diagrams.rnn_unrolled(T=0), "T must be >= 1"),
    (lambda: diagrams.rnn_unrolled(T=2.5), "T must be an integer"),
    (lambda: diagrams.ffn(sizes=(3, 0, 2)), "H must be >= 1"),
    (lambda: diagrams.rnn_unrolled_values(np.zeros((1, 3, 2))), "h must have 2 dimensions (T, H)"),
    (lambda: diagrams.rnn_unrolled_values(np.zeros((3, 2)), t_now=4), "t_now must be <= 3"),
    (lambda: diagrams.rnn_unrolled_values(np.zeros((3, 2)), x_text="ab"), "x_text must hold T = 3 strings"),
    (lambda: diagrams.rnn_unrolled_values(np.full((3, 2), np.nan)), "h contains NaN"),
    (lambda: diagrams.rnn_patterns(axes=plt.subplots(1, 3)[1]), "axes must hold 4 axes"),
])
def test_bad_arguments_are_named(call, words, close_figures):
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    assert words in str(err.value)


def _plotting_sources():
    sources = [(f"helpers/{p.name}", p.read_text()) for p in sorted((ROOT / "helpers").glob("*.py"))]
    for nb in NOTEBOOK_FILES:
        cells = json.loads(nb.read_text())["cells"]
        sources.append((f"notebooks/{nb.name}", "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "code")))
    return sources


PLOTTING = _plotting_sources()


@pytest.mark.parametrize("label,text", PLOTTING, ids=[label for label, _ in PLOTTING])
def test_no_figure_text_is_smaller_than_the_course_minimum(label, text):
    """plots.SMALLEST_FONT_PT at `make present`'s dpi is 16 px on the projector: nothing may be smaller."""
    from helpers import plots

    sizes = [float(v) for v in re.findall(r"\b(?:font)?size\s*=\s*(\d+(?:\.\d+)?)\b", text)]
    sizes += [float(v) for v in re.findall(r"\"(?:font\.size|\w+\.(?:label|title)?size|legend\.fontsize)\"\s*:\s*(\d+(?:\.\d+)?)", text)]
    small = [s for s in sizes if s < plots.SMALLEST_FONT_PT]
    assert not small, f"{label}: text of {small} pt; the course minimum is {plots.SMALLEST_FONT_PT} pt"
    named = re.findall(r"(?:font)?size\s*=\s*[\"'](xx?-small|smaller)[\"']", text)
    assert not named, f"{label}: fontsize {named} is under the course minimum of {plots.SMALLEST_FONT_PT} pt"
    assert plots.SMALLEST_FONT_PT * plots.PRESENT_DPI / 72 >= 16


@pytest.mark.parametrize("label,text", PLOTTING, ids=[label for label, _ in PLOTTING])
def test_no_figure_is_wider_than_a_screen(label, text):
    """At most plots.WIDEST_FIGURE_IN inches: `make present` draws it 1.5x (PRESENT_DPI) and a
    1280 px projector shows it at its own size, so its smallest text stays 16 px; in JupyterLab a
    wider figure is shrunk to the column and its labels become unreadable."""
    from helpers import plots

    widths = [float(w) for w in re.findall(r"figsize\s*=\s*\(\s*(\d+(?:\.\d+)?)\s*,", text)]
    wide = [w for w in widths if w > plots.WIDEST_FIGURE_IN]
    assert not wide, f"{label}: figures {wide} in wide; the course maximum is {plots.WIDEST_FIGURE_IN} in"
    assert plots.WIDEST_FIGURE_IN * plots.PRESENT_DPI <= 1200
