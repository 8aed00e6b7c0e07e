"""Every bad input gets a ValueError or TypeError whose message names the argument.

Each row: (what is wrong, a call that must fail, the exception type, words the
message must contain; a word wrapped in Not(...) must be absent). The message
must name the argument so a learner knows which one to fix, and shapes show
expected and given. When two arguments disagree on a size, the message names
both, and says "looks transposed" when the blamed one does (and only then).
"""
import numpy as np
import pytest
from clear_errors import Not, assert_clear_error

from helpers import autocomplete, bptt, data, ffn, gradcheck, gradients, layers, lstm, ngram, optim, rnn, text, validate

rng = np.random.default_rng(0)
N, T, D, H = 3, 4, 5, 6
x = rng.standard_normal((N, T, D))
h0 = np.zeros((N, H))
Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), np.zeros(H)
LWx, LWh, Lb = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), np.zeros(4 * H)
_, rnn_cache = rnn.forward(x, h0, Wx, Wh, b)
_, rnn_step_cache = rnn.step_forward(x[:, 0], h0, Wx, Wh, b)
_, lstm_cache = lstm.forward(x, h0, LWx, LWh, Lb)
_, _, lstm_step_cache = lstm.step_forward(x[:, 0], h0, h0, LWx, LWh, Lb)
AW = rng.standard_normal((D, H))  # an affine layer's weight (D, H)
_, affine_cache = layers.affine_forward(x, AW, b)
_, embed_cache = layers.embedding_forward(np.zeros((N, T), int), AW)
_, act_cache = layers.activation_forward(np.zeros((N, H)))


nan_x = x.copy()
nan_x[0, 0, 0] = np.nan
P = {"p": np.ones(3)}
MODEL = autocomplete.load_pretrained()

CASES = [
    # --- helpers.rnn: forward
    ("rnn Wx transposed (issue 15)", lambda: rnn.forward(x, h0, Wx.T, Wh, b), ValueError,
     ["Wx must have shape (D, H) = (5, 6)", "to match x and Wh", "got (6, 5)", "looks transposed"]),
    ("rnn Wh wrong H, square", lambda: rnn.forward(x, h0, Wx, np.zeros((H + 1, H + 1)), b), ValueError,
     ["Wh must have shape (H, H) = (6, 6)", "to match Wx", "got (7, 7)", Not("transposed")]),
    ("Wh not square", lambda: rnn.forward(x, h0, Wx, np.zeros((H, H - 1)), b), ValueError,
     ["Wh", "(H, H) = (6, 6)", "to match Wx", "got (6, 5)", Not("transposed")]),
    ("h0 wrong H", lambda: rnn.forward(x, np.zeros((N, H + 1)), Wx, Wh, b), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 7)", Not("transposed")]),
    ("h0 wrong N", lambda: rnn.forward(x, np.zeros((N + 1, H)), Wx, Wh, b), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match x", "got (4, 6)",
      "or x (3, 4, 5) looks transposed"]),  # a tie: x with N and T swapped would fit h0 too
    ("h0 transposed", lambda: rnn.forward(x, np.zeros((H, N)), Wx, Wh, b), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match x and Wh", "got (6, 3)", "looks transposed"]),
    ("b wrong size", lambda: rnn.forward(x, h0, Wx, Wh, np.zeros(H + 2)), ValueError,
     ["b must have shape (H,) = (6,)", "to match Wh", "got (8,)"]),
    ("x wrong D", lambda: rnn.forward(x[..., :-1], h0, Wx, Wh, b), ValueError,
     ["x must have shape (N, T, D) = (3, 4, 5)", "to match Wx", "got (3, 4, 4)", Not("transposed")]),
    ("x time-major (T, N, D)", lambda: rnn.forward(x.transpose(1, 0, 2), h0, Wx, Wh, b), ValueError,
     ["h0", "to match x", "x (4, 3, 5) looks transposed"]),
    ("x (N, D, T)", lambda: rnn.forward(x.transpose(0, 2, 1), h0, Wx, Wh, b), ValueError,
     ["x must have shape (N, T, D) = (3, 4, 5)", "to match Wx", "got (3, 5, 4)", "looks transposed"]),
    ("x 2-D for a sequence", lambda: rnn.forward(x[:, 0], h0, Wx, Wh, b), ValueError, ["x", "3 dimensions"]),
    ("empty sequence", lambda: rnn.forward(x[:, :0], h0, Wx, Wh, b), ValueError, ["x", "T >= 1"]),
    ("NaN in x", lambda: rnn.forward(nan_x, h0, Wx, Wh, b), ValueError, ["x", "NaN"]),
    ("unknown activation", lambda: rnn.forward(x, h0, Wx, Wh, b, activation="softplus"), ValueError, ["activation", "softplus"]),
    ("x is None", lambda: rnn.forward(None, h0, Wx, Wh, b), TypeError, ["x", "None"]),
    ("x of strings", lambda: rnn.forward(np.array([["a"]]), h0, Wx, Wh, b), TypeError, ["x", "numeric"]),
    ("Wx 1-D", lambda: rnn.forward(x, h0, np.zeros(D), Wh, b), ValueError, ["Wx", "(D, H)"]),
    ("two wrong: h0 and b", lambda: rnn.forward(x, np.zeros((N, H + 1)), Wx, Wh, np.zeros(H + 2)), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 7)"]),  # one at a time, the earlier first
    # --- helpers.validate.agree on its own: an argument that disagrees with itself
    ("agree: not square, alone", lambda: validate.agree(("W", np.zeros((2, 3)), "(H, H)")), ValueError,
     ["W must have shape (H, H) = (2, 2), got (2, 3)"]),
    ("agree: not a multiple of 4, alone", lambda: validate.agree(("b", np.zeros(6), "(4H,)")), ValueError,
     ["b must have shape (4H,), got (6,)", "multiple of 4"]),
    # --- helpers.rnn: one step, and the backward passes
    ("step Wx transposed", lambda: rnn.step_forward(x[:, 0], h0, Wx.T, Wh, b), ValueError,
     ["Wx must have shape (D, H) = (5, 6)", "to match x and Wh", "got (6, 5)", "looks transposed"]),
    ("step h_prev wrong", lambda: rnn.step_forward(x[:, 0], np.zeros((N, 2)), Wx, Wh, b), ValueError,
     ["h_prev must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 2)"]),
    ("step x wrong D", lambda: rnn.step_forward(np.zeros((N, 2)), h0, Wx, Wh, b), ValueError,
     ["x must have shape (N, D) = (3, 5)", "to match Wx", "got (3, 2)"]),
    ("step x transposed", lambda: rnn.step_forward(x[:, 0].T, h0, Wx, Wh, b), ValueError,
     ["x must have shape (N, D) = (3, 5)", "to match h_prev and Wx", "got (5, 3)", "looks transposed"]),
    ("step_backward dh_next wrong", lambda: rnn.step_backward(np.zeros((N, H + 1)), rnn_step_cache), ValueError,
     ["dh_next must have shape (N, H) = (3, 6)", "to match h_next from step_forward", "got (3, 7)"]),
    ("step_backward dh_next transposed", lambda: rnn.step_backward(np.zeros((H, N)), rnn_step_cache), ValueError,
     ["dh_next", "h_next from step_forward", "got (6, 3)", "looks transposed"]),
    ("backward dh wrong", lambda: rnn.backward(np.zeros((N, T, H + 1)), rnn_cache), ValueError,
     ["dh must have shape (N, T, H) = (3, 4, 6)", "to match h from forward", "got (3, 4, 7)", Not("transposed")]),
    ("backward dh time-major", lambda: rnn.backward(np.zeros((T, N, H)), rnn_cache), ValueError,
     ["dh", "(3, 4, 6)", "h from forward", "got (4, 3, 6)", "looks transposed"]),
    ("backward dh NaN", lambda: rnn.backward(np.full((N, T, H), np.nan), rnn_cache), ValueError, ["dh", "NaN"]),
    # --- helpers.lstm: forward
    ("lstm Wx transposed", lambda: lstm.forward(x, h0, LWx.T, LWh, Lb), ValueError,
     ["Wx must have shape (D, 4H) = (5, 24)", "to match x and Wh", "got (24, 5)", "looks transposed"]),
    ("lstm Wh transposed", lambda: lstm.forward(x, h0, LWx, LWh.T, Lb), ValueError,
     ["Wh must have shape (H, 4H) = (6, 24)", "to match Wx", "got (24, 6)", "looks transposed"]),
    ("lstm Wx not 4H", lambda: lstm.forward(x, h0, np.zeros((D, 10)), LWh, Lb), ValueError,
     ["Wx must have shape (D, 4H) = (5, 24)", "to match Wh", "got (5, 10)"]),
    ("lstm Wh wrong", lambda: lstm.forward(x, h0, LWx, np.zeros((H, H)), Lb), ValueError,
     ["Wh must have shape (H, 4H) = (6, 24)", "to match Wx", "got (6, 6)"]),
    ("lstm b wrong", lambda: lstm.forward(x, h0, LWx, LWh, np.zeros(H)), ValueError,
     ["b must have shape (4H,) = (24,)", "to match Wh", "got (6,)"]),
    ("lstm c0 wrong", lambda: lstm.forward(x, h0, LWx, LWh, Lb, c0=np.zeros((N, 1))), ValueError,
     ["c0 must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 1)"]),
    ("lstm c0 transposed", lambda: lstm.forward(x, h0, LWx, LWh, Lb, c0=np.zeros((H, N))), ValueError,
     ["c0 must have shape (N, H) = (3, 6)", "got (6, 3)", "looks transposed"]),
    ("lstm h0 wrong", lambda: lstm.forward(x, np.zeros((1, H)), LWx, LWh, Lb), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match x", "got (1, 6)"]),
    ("lstm empty sequence", lambda: lstm.forward(x[:, :0], h0, LWx, LWh, Lb), ValueError, ["x", "T >= 1"]),
    # --- helpers.lstm: one step, and the backward passes
    ("lstm step Wx transposed", lambda: lstm.step_forward(x[:, 0], h0, h0, LWx.T, LWh, Lb), ValueError,
     ["Wx must have shape (D, 4H) = (5, 24)", "to match x and Wh", "looks transposed"]),
    ("lstm step Wh transposed", lambda: lstm.step_forward(x[:, 0], h0, h0, LWx, LWh.T, Lb), ValueError,
     ["Wh must have shape (H, 4H) = (6, 24)", "to match Wx", "looks transposed"]),
    ("lstm step c_prev wrong", lambda: lstm.step_forward(x[:, 0], h0, np.zeros((N, 2)), LWx, LWh, Lb), ValueError,
     ["c_prev must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 2)"]),
    ("lstm step h_prev transposed", lambda: lstm.step_forward(x[:, 0], np.zeros((H, N)), h0, LWx, LWh, Lb), ValueError,
     ["h_prev must have shape (N, H) = (3, 6)", "got (6, 3)", "looks transposed"]),
    ("lstm step c_prev None", lambda: lstm.step_forward(x[:, 0], h0, None, LWx, LWh, Lb), TypeError, ["c_prev", "None"]),
    ("lstm step_backward dh_next wrong", lambda: lstm.step_backward(np.zeros((N, 1)), h0, lstm_step_cache), ValueError,
     ["dh_next must have shape (N, H) = (3, 6)", "to match h_next from step_forward", "got (3, 1)"]),
    ("lstm step_backward dc_next transposed", lambda: lstm.step_backward(h0, np.zeros((H, N)), lstm_step_cache),
     ValueError, ["dc_next must have shape (N, H) = (3, 6)", "to match c_next from step_forward", "looks transposed"]),
    ("lstm backward dh wrong", lambda: lstm.backward(np.zeros((N, T + 1, H)), lstm_cache), ValueError,
     ["dh must have shape (N, T, H) = (3, 4, 6)", "to match h from forward", "got (3, 5, 6)"]),
    ("lstm backward dh time-major", lambda: lstm.backward(np.zeros((T, N, H)), lstm_cache), ValueError,
     ["dh", "h from forward", "looks transposed"]),
    ("lstm backward dc wrong", lambda: lstm.backward(np.zeros((N, T, H)), lstm_cache, dc=np.zeros((N, H))), ValueError, ["dc"]),
    ("lstm backward dc transposed", lambda: lstm.backward(np.zeros((N, T, H)), lstm_cache, dc=np.zeros((N, H, T))),
     ValueError, ["dc must have shape (N, T, H) = (3, 4, 6)", "to match c from forward", "looks transposed"]),
    # --- helpers.layers
    ("affine W transposed", lambda: layers.affine_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(4)), ValueError,
     ["W must have shape (D, H) = (3, 4)", "to match x and b", "got (4, 3)", "looks transposed"]),
    ("affine W transposed, time axis", lambda: layers.affine_forward(x, AW.T, b), ValueError,
     ["W must have shape (D, H) = (5, 6)", "to match x and b", "looks transposed"]),
    ("affine b wrong", lambda: layers.affine_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(5)), ValueError,
     ["b must have shape (H,) = (4,)", "to match W", "got (5,)"]),
    ("affine x wrong D", lambda: layers.affine_forward(np.zeros((2, 2)), np.zeros((3, 4)), np.zeros(4)), ValueError,
     ["x must have shape (N, D) = (2, 3)", "to match W", "got (2, 2)"]),
    ("affine x 1-D", lambda: layers.affine_forward(np.zeros(3), np.zeros((3, 4)), np.zeros(4)), ValueError,
     ["x", "(N, D) or (N, T, D)", "(3,)"]),
    ("affine_backward dout wrong", lambda: layers.affine_backward(np.zeros((N, T, H + 1)), affine_cache), ValueError,
     ["dout must have shape (N, T, H) = (3, 4, 6)", "to match out from affine_forward", "got (3, 4, 7)"]),
    ("embedding_backward dout wrong", lambda: layers.embedding_backward(np.zeros((N, T, H - 1)), embed_cache),
     ValueError, ["dout must have shape (N, T, D) = (3, 4, 6)", "to match out from embedding_forward"]),
    ("activation_backward dy transposed", lambda: layers.activation_backward(np.zeros((H, N)), act_cache), ValueError,
     ["dy", "(3, 6)", "to match y from activation_forward", "got (6, 3)", "looks transposed"]),
    ("cross-entropy y out of range", lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError, ["y", "[0, 3)"]),
    ("cross-entropy y float", lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, ["y", "integer"]),
    ("cross-entropy y wrong shape", lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])), ValueError, ["y"]),
    ("cross-entropy mask all zero", lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), mask=np.zeros(2)), ValueError, ["mask"]),
    ("embedding id too large", lambda: layers.embedding_forward(np.array([[5]]), np.zeros((5, 2))), ValueError, ["ids", "[0, 5)"]),
    ("embedding float ids", lambda: layers.embedding_forward(np.array([[1.0]]), np.zeros((5, 2))), TypeError, ["ids"]),
    ("activation name", lambda: layers.activation_forward(np.zeros(2), "gelu"), ValueError, ["activation"]),
    # --- helpers.optim
    ("lr zero", lambda: optim.sgd({"p": np.ones(3)}, {"p": np.ones(3)}, lr=0), ValueError, ["lr", "> 0"]),
    ("lr negative", lambda: optim.adam({"p": np.ones(3)}, {"p": np.ones(3)}, lr=-1e-3), ValueError, ["lr"]),
    ("grads missing key", lambda: optim.adam(dict(P), {"q": np.ones(3)}), ValueError, ["grads", "keys"]),
    ("grads wrong shape", lambda: optim.momentum(dict(P), {"p": np.ones(4)}), ValueError, ["grads['p']", "(3,)"]),
    ("params not a dict", lambda: optim.adagrad([np.ones(3)], [np.ones(3)]), TypeError, ["params", "dicts"]),
    ("beta1 above 1", lambda: optim.adam({"p": np.ones(3)}, {"p": np.ones(3)}, beta1=1.5), ValueError, ["beta1"]),
    ("clip threshold zero", lambda: optim.clip_by_global_norm({"p": np.ones(3)}, 0.0), ValueError, ["max_norm", "> 0"]),
    ("clip value negative", lambda: optim.clip_by_value({"p": np.ones(3)}, -1), ValueError, ["limit", "> 0"]),
    ("clip threshold NaN", lambda: optim.clip_by_global_norm({"p": np.ones(3)}, float("nan")), ValueError, ["max_norm", "finite"]),
    # --- helpers.data and helpers.text
    ("vocab from a str", lambda: data.Vocab("hello"), TypeError, ["tokens", "str"]),
    ("vocab empty", lambda: data.Vocab([]), ValueError, ["tokens"]),
    ("one_hot V zero", lambda: data.one_hot(np.array([0]), 0), ValueError, ["V", ">= 1"]),
    ("one_hot id too big", lambda: data.one_hot(np.array([3]), 3), ValueError, ["ids", "[0, 3)"]),
    ("windows too short", lambda: data.windows(np.arange(3), 3), ValueError, ["seq", "width = 3"]),
    ("lm_batches too short", lambda: list(data.lm_batches(np.arange(5), 2, 4)), ValueError, ["ids", "N = 2", "T = 4"]),
    ("adding problem T=1", lambda: data.adding_problem(5, 1, rng), ValueError, ["T", ">= 2"]),
    ("adding problem no rng", lambda: data.adding_problem(5, 10, 42), TypeError, ["rng", "Generator"]),
    ("adding problem n float", lambda: data.adding_problem(2.5, 10, rng), TypeError, ["n", "integer"]),
    ("copy task lag mismatch", lambda: data.copy_task(2, 10, 2, rng, lag=3), ValueError, ["T", "2K + lag"]),
    ("tokenize bytes", lambda: text.tokenize(b"las vegas"), TypeError, ["text", "str"]),
    # --- helpers.gradcheck
    ("numerical_gradient float32 x", lambda: gradcheck.numerical_gradient(np.sin, np.ones(3, np.float32), np.ones(3)), TypeError, ["x", "float64"]),
    ("numerical_gradient h zero", lambda: gradcheck.numerical_gradient(np.sin, np.ones(3), np.ones(3), h=0), ValueError, ["h", "> 0"]),
    ("numerical_gradient df shape", lambda: gradcheck.numerical_gradient(np.sin, np.ones(3), np.ones(2)), ValueError, ["df", "(3,)"]),
    ("numerical_gradient f not callable", lambda: gradcheck.numerical_gradient(3, np.ones(3), np.ones(3)), TypeError, ["f"]),
    ("rel_error shapes differ", lambda: gradcheck.rel_error(np.ones(3), np.ones(2)), ValueError, ["a and b", "(3,)", "(2,)"]),
    # --- topic modules behind the notebooks and their widgets
    ("ngram n zero", lambda: ngram.NGram([["a", "b"]], n=0), ValueError, ["n", ">= 1"]),
    ("ngram empty corpus", lambda: ngram.NGram([], n=2), ValueError, ["sentences"]),
    ("ngram k zero", lambda: ngram.NGram([["a", "b"]], n=2).complete("a", k=0), ValueError, ["k", ">= 1"]),
    ("ngram non-str tokens", lambda: ngram.NGram([[1, 2]], n=2), TypeError, ["sentences[0]", "str"]),
    ("autocomplete k zero", lambda: MODEL.complete("las", k=0), ValueError, ["k", ">= 1"]),
    ("autocomplete k float", lambda: MODEL.complete("las", k=2.5), TypeError, ["k", "integer"]),
    ("autocomplete prefix None", lambda: MODEL.complete(None), TypeError, ["prefix", "str"]),
    ("sampling temperature zero", lambda: MODEL.sample("las", rng, temperature=0), ValueError, ["temperature", "> 0"]),
    ("gradient lab scale negative", lambda: gradients.gradient_norms(-1, "tanh", 10, rng), ValueError, ["scale", "> 0"]),
    ("gradient lab T zero", lambda: gradients.gradient_norms(1.0, "tanh", 0, rng), ValueError, ["T", ">= 1"]),
    ("gradient lab activation", lambda: gradients.gradient_norms(1.0, "gelu", 10, rng), ValueError, ["activation", "gelu"]),
    ("gradient lab rng", lambda: gradients.gradient_norms(1.0, "tanh", 10, 3), TypeError, ["rng", "Generator"]),
    ("ffn lr zero", lambda: ffn.train(np.zeros((4, 2)), np.zeros(4, int), 3, 0.0, 10, rng), ValueError, ["lr", "> 0"]),
    ("ffn H zero", lambda: ffn.train(np.zeros((4, 2)), np.zeros(4, int), 0, 0.1, 10, rng), ValueError, ["H", ">= 1"]),
    ("truncation k zero", lambda: bptt.truncated_backward(np.zeros((N, T, H)), rnn_cache, 0), ValueError, ["k", ">= 1"]),
]


@pytest.mark.parametrize("what,call,exc,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(what, call, exc, words):
    assert_clear_error(what, call, exc, words)


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40
