"""Every bad input gets a ValueError or TypeError whose message names the argument.

Each row: (what is wrong, a call that must fail, the exception type, words the
message must contain). The message must name the argument so a learner knows
which one to fix, and shapes show expected and given.
"""
import numpy as np
import pytest

from helpers import autocomplete, bptt, data, ffn, gradcheck, gradients, layers, lstm, ngram, optim, rnn, text

rng = np.random.default_rng(0)
N, T, D, H = 3, 4, 5, 6
x = rng.standard_normal((N, T, D))
h0 = np.zeros((N, H))
Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), np.zeros(H)
LWx, LWh, Lb = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), np.zeros(4 * H)
_, rnn_cache = rnn.forward(x, h0, Wx, Wh, b)
_, lstm_cache = lstm.forward(x, h0, LWx, LWh, Lb)
nan_x = x.copy()
nan_x[0, 0, 0] = np.nan
P = {"p": np.ones(3)}
MODEL = autocomplete.load_pretrained()

CASES = [
    # --- helpers.rnn
    ("h0 wrong H", lambda: rnn.forward(x, np.zeros((N, H + 1)), Wx, Wh, b), ValueError, ["h0", "(N, H)", "(3, 6)", "(3, 7)"]),
    ("h0 wrong N", lambda: rnn.forward(x, np.zeros((N + 1, H)), Wx, Wh, b), ValueError, ["h0", "(3, 6)"]),
    ("Wh not square", lambda: rnn.forward(x, h0, Wx, np.zeros((H, H - 1)), b), ValueError, ["Wh", "(H, H)", "(6, 6)"]),
    ("b wrong size", lambda: rnn.forward(x, h0, Wx, Wh, np.zeros(H + 2)), ValueError, ["b", "(H,)", "(6,)"]),
    ("x wrong D", lambda: rnn.forward(x[..., :-1], h0, Wx, Wh, b), ValueError, ["x", "(N, T, D)", "(3, 4, 5)"]),
    ("x 2-D for a sequence", lambda: rnn.forward(x[:, 0], h0, Wx, Wh, b), ValueError, ["x", "3 dimensions"]),
    ("empty sequence", lambda: rnn.forward(x[:, :0], h0, Wx, Wh, b), ValueError, ["x", "T >= 1"]),
    ("NaN in x", lambda: rnn.forward(nan_x, h0, Wx, Wh, b), ValueError, ["x", "NaN"]),
    ("unknown activation", lambda: rnn.forward(x, h0, Wx, Wh, b, activation="softplus"), ValueError, ["activation", "softplus"]),
    ("x is None", lambda: rnn.forward(None, h0, Wx, Wh, b), TypeError, ["x", "None"]),
    ("x of strings", lambda: rnn.forward(np.array([["a"]]), h0, Wx, Wh, b), TypeError, ["x", "numeric"]),
    ("Wx 1-D", lambda: rnn.forward(x, h0, np.zeros(D), Wh, b), ValueError, ["Wx", "(D, H)"]),
    ("step h_prev wrong", lambda: rnn.step_forward(x[:, 0], np.zeros((N, 2)), Wx, Wh, b), ValueError, ["h_prev", "(N, H)"]),
    ("step x wrong D", lambda: rnn.step_forward(np.zeros((N, 2)), h0, Wx, Wh, b), ValueError, ["x", "(N, D)"]),
    ("backward dh wrong", lambda: rnn.backward(np.zeros((N, T, H + 1)), rnn_cache), ValueError, ["dh", "(N, T, H)", "(3, 4, 6)"]),
    ("backward dh NaN", lambda: rnn.backward(np.full((N, T, H), np.nan), rnn_cache), ValueError, ["dh", "NaN"]),
    # --- helpers.lstm
    ("lstm Wx not 4H", lambda: lstm.forward(x, h0, np.zeros((D, 10)), LWh, Lb), ValueError, ["Wx", "4H"]),
    ("lstm Wh wrong", lambda: lstm.forward(x, h0, LWx, np.zeros((H, H)), Lb), ValueError, ["Wh", "(H, 4H)", "(6, 24)"]),
    ("lstm b wrong", lambda: lstm.forward(x, h0, LWx, LWh, np.zeros(H)), ValueError, ["b", "(4H,)", "(24,)"]),
    ("lstm c0 wrong", lambda: lstm.forward(x, h0, LWx, LWh, Lb, c0=np.zeros((N, 1))), ValueError, ["c0", "(N, H)"]),
    ("lstm h0 wrong", lambda: lstm.forward(x, np.zeros((1, H)), LWx, LWh, Lb), ValueError, ["h0", "(3, 6)"]),
    ("lstm empty sequence", lambda: lstm.forward(x[:, :0], h0, LWx, LWh, Lb), ValueError, ["x", "T >= 1"]),
    ("lstm step c_prev wrong", lambda: lstm.step_forward(x[:, 0], h0, np.zeros((N, 2)), LWx, LWh, Lb), ValueError, ["c_prev"]),
    ("lstm backward dh wrong", lambda: lstm.backward(np.zeros((N, T + 1, H)), lstm_cache), ValueError, ["dh", "(N, T, H)"]),
    ("lstm backward dc wrong", lambda: lstm.backward(np.zeros((N, T, H)), lstm_cache, dc=np.zeros((N, H))), ValueError, ["dc"]),
    # --- helpers.layers
    ("affine b wrong", lambda: layers.affine_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(5)), ValueError, ["b", "(4,)"]),
    ("affine x wrong D", lambda: layers.affine_forward(np.zeros((2, 2)), np.zeros((3, 4)), np.zeros(4)), ValueError, ["x", "D = 3"]),
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
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w in message, f"{what}: message {message!r} lacks {w!r}"


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40
