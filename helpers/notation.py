"""The course's one table of symbols: code, equations and figures all use it.

Notebook 00 prints it; the diagrams in figures/ take their labels from it, so
a label cannot drift away from the equations.
"""

# Shape letters.
SHAPES = {
    "N": "batch size (sequences processed together)",
    "T": "number of time steps",
    "D": "input size (e.g. vocabulary size for one-hot input)",
    "H": "hidden size",
    "V": "vocabulary size (number of output classes)",
}

# symbol -> (LaTeX for figures and markdown, shape, meaning)
SYMBOLS = {
    "x": (r"x_t", "(N, D)", "input at step t; the whole sequence x is (N, T, D)"),
    "h": (r"h_t", "(N, H)", "hidden state at step t: the network's memory"),
    "h0": (r"h_0", "(N, H)", "initial hidden state"),
    "c": (r"c_t", "(N, H)", "LSTM cell state"),
    "y": (r"y_t", "(N, V)", "output scores (logits) at step t; the true next items are called targets"),
    "Wx": (r"W_x", "(D, H)", "input-to-hidden weights (the seed article's A); LSTM: (D, 4H)"),
    "Wh": (r"W_h", "(H, H)", "hidden-to-hidden (recurrent) weights (the seed's B); LSTM: (H, 4H)"),
    "Wy": (r"W_y", "(H, V)", "hidden-to-output weights (the seed's C)"),
    "b": (r"b", "(H,)", "hidden bias; LSTM: (4H,)"),
    "by": (r"b_y", "(V,)", "output bias (in the RNN's y_t = h_t W_y + b_y)"),
    "W_embed": (r"W_{embed}", "(V, D)", "word embeddings: row w is the input vector x_t for word id w (notebook 07)"),
    "i": (r"i_t", "(N, H)", "LSTM input gate, sigmoid: in (0, 1)"),
    "f": (r"f_t", "(N, H)", "LSTM forget gate, sigmoid: in (0, 1)"),
    "g": (r"g_t", "(N, H)", "LSTM candidate values, tanh: in (-1, 1)"),
    "o": (r"o_t", "(N, H)", "LSTM output gate, sigmoid: in (0, 1)"),
    "L": (r"L", "()", "the loss, a scalar"),
    "dWh": (r"\partial L / \partial W_h", "(H, H)", "a gradient: every d<name> is dL/d<name>, same shape as <name>"),
}

# The seed article calls the three weight matrices A, B and C.
SEED_NAMES = {"A": "Wx", "B": "Wh", "C": "Wy"}

# The equations, as the notebooks write them.
EQUATIONS = {
    "rnn": r"h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \quad y_t = h_t W_y + b_y",
    "lstm_gates": r"[i_t, f_t, g_t, o_t] = [\sigma, \sigma, \tanh, \sigma](x_t W_x + h_{t-1} W_h + b)",
    "lstm_cell": r"c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)",
}


def latex(name):
    """The LaTeX form of a symbol, e.g. latex("Wh") -> "W_h"."""
    return SYMBOLS[name][0]


def table_markdown():
    """The notation as a markdown table (notebook 00 shows it)."""
    rows = ["| symbol | in code | shape | meaning |", "|---|---|---|---|"]
    for name, (tex, shape, meaning) in SYMBOLS.items():
        rows.append(f"| ${tex}$ | `{name}` | {shape} | {meaning} |")
    return "\n".join(rows)
