"""Notebook 03's checks, proven against a catalogue of typical learner slips.

For each exercise: a table of wrong answers (each must get ❌ with a hint that
names the slip: the word asserted), a table of right answers written
differently (each must get ✅), and a table of odd returns (each must get ❌,
never an exception). Finally the notebook's own solution cells must pass.
"""
import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

from exercise_cases import COMMON_ODD_RETURNS, Hostile, assert_every_check_is_wrapped, solution_results, todo
from helpers import rnn
from helpers.exercises import nb03

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03-recurrent-networks.ipynb"


def _gen(*args):
    yield from (1, 2)


ODD_RETURNS = COMMON_ODD_RETURNS + [
    ("string", lambda *a: "x"),
    ("dict", lambda *a: {"h": 1}),
    ("wrong-length list", lambda *a: [1, 2]),
    ("ragged list", lambda *a: [[1], [1, 2]]),
    ("generator", _gen),
    ("pair of arrays", lambda *a: (np.ones(3), np.ones(3))),
    ("dict of odd shapes", lambda *a: {p: 3 for p in nb03.PATTERNS}),
    ("dict of hostile shapes", lambda *a: {p: Hostile() for p in nb03.PATTERNS}),
    ("not a function", 5),
]

CHECKS = [nb03.check_rnn_step, nb03.check_rnn_forward, nb03.check_output_shapes, nb03.check_count_params,
          nb03.check_text_batches]


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted_starters_say_not_attempted(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name, answer", ODD_RETURNS, ids=[o[0] for o in ODD_RETURNS])
def test_odd_returns_fail_without_raising(check, name, answer):
    r = check(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


# ---- Exercise 1: the step ---------------------------------------------------------

def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


STEP_WRONG = [
    ("no tanh", lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "np.tanh"),
    ("no memory", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "ignores h_prev"),
    ("h_prev without Wh", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h + b), "recurrent weights Wh"),
    ("Wh transposed", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "transposed"),
    ("no bias", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "bias b is missing"),
    ("bias after the tanh", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b, "after the tanh"),
    ("tanh of x Wx only", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + h @ Wh + b, "whole sum"),
    ("sigmoid", lambda x, h, Wx, Wh, b: _sigmoid(x @ Wx + h @ Wh + b), "sigmoid"),
    ("ReLU", lambda x, h, Wx, Wh, b: np.maximum(0, x @ Wx + h @ Wh + b), "ReLU"),
    ("weights swapped", lambda x, h, Wx, Wh, b: np.tanh(x @ Wh + h @ Wx + b), "shape"),
    ("weights on the left", lambda x, h, Wx, Wh, b: np.tanh((Wx.T @ x.T + Wh @ h.T).T + b), "transposed"),
    ("column-vector convention", lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + Wh @ h + b), "shape"),
    ("output transposed", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T, "transposed"),
    ("returns (h, cache)", lambda x, h, Wx, Wh, b: (np.tanh(x @ Wx + h @ Wh + b), None), "h_next alone"),
    ("bias doubled", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + 2 * b), "wrong values"),
]


@pytest.mark.parametrize("name, wrong, word", STEP_WRONG, ids=[w[0] for w in STEP_WRONG])
def test_rnn_step_wrong(name, wrong, word):
    r = nb03.check_rnn_step(wrong)
    assert not r.ok and word in r.message, r.message


def test_swapped_weights_named_when_their_shapes_allow_it(monkeypatch):
    monkeypatch.setattr(nb03, "STEP_CASES", [c for c in nb03.STEP_CASES if c[1] == c[2]])
    r = nb03.check_rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wh + h @ Wx + b))
    assert not r.ok and "swapped" in r.message, r.message


STEP_RIGHT = [
    ("one line", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b)),
    ("helpers.rnn", lambda x, h, Wx, Wh, b: rnn.step_forward(x, h, Wx, Wh, b)[0]),
    ("np.dot", lambda x, h, Wx, Wh, b: np.tanh(np.dot(x, Wx) + np.dot(h, Wh) + b)),
    ("stacked weights", lambda x, h, Wx, Wh, b: np.tanh(np.concatenate([x, h], 1) @ np.vstack([Wx, Wh]) + b)),
    ("tanh from exp", lambda x, h, Wx, Wh, b: (lambda a: (np.exp(2 * a) - 1) / (np.exp(2 * a) + 1))(x @ Wx + h @ Wh + b)),
    ("float32", lambda x, h, Wx, Wh, b: np.tanh(x.astype(np.float32) @ Wx.astype(np.float32)
                                                + h.astype(np.float32) @ Wh.astype(np.float32) + b.astype(np.float32))),
]


@pytest.mark.parametrize("name, right", STEP_RIGHT, ids=[r[0] for r in STEP_RIGHT])
def test_rnn_step_right(name, right):
    r = nb03.check_rnn_step(right)
    assert r.ok, r.message


# ---- Exercise 2: the loop -------------------------------------------------------------

def forward_right(x, h0, Wx, Wh, b):
    h = []
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)
        h.append(h_prev)
    return np.stack(h, axis=1)


def _loop(steps=lambda T: range(T), start=lambda h0: h0, Wh_t=False, squash=np.tanh, batch_axis=False):
    """A loop over time with one switch per typical slip (all defaults: right)."""
    def rnn_forward(x, h0, Wx, Wh, b):
        N, T, _ = x.shape
        h = np.zeros((N, T, h0.shape[1]))
        h_prev = start(h0)
        for t in steps(T):
            x_t = x[t] if batch_axis else x[:, t]
            h_prev = squash(x_t @ Wx + h_prev @ (Wh.T if Wh_t else Wh) + b)
            h[:, t] = h_prev
        return h
    return rnn_forward


def _like_x(x, h0, Wx, Wh, b):
    h = np.zeros_like(x)  # (N, T, D): the wrong width when D != H
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev = h[:, t] = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)
    return h


FORWARD_WRONG = [
    ("time-major result", lambda *a: np.transpose(forward_right(*a), (1, 0, 2)), "(T, N, H)"),
    ("a list of states", lambda *a: [forward_right(*a)[:, t] for t in range(a[0].shape[1])], "(T, N, H)"),
    ("h0 included", lambda x, h0, *w: np.concatenate([h0[:, None], forward_right(x, h0, *w)], axis=1), "without h0"),
    ("every step from h0", lambda x, h0, Wx, Wh, b: np.stack(
        [np.tanh(x[:, t] @ Wx + h0 @ Wh + b) for t in range(x.shape[1])], axis=1), "every step uses h0"),
    ("no memory", lambda x, h0, Wx, Wh, b: np.tanh(x @ Wx + b), "previous hidden state"),
    ("shifted by one step", lambda x, h0, *w: np.concatenate([h0[:, None], forward_right(x, h0, *w)], axis=1)[:, :-1],
     "shifted by one step"),
    ("only the last state", lambda *a: forward_right(*a)[:, -1], "every hidden state"),
    ("starts from zeros", _loop(start=np.zeros_like), "starts from zeros"),
    ("range(T - 1)", _loop(steps=lambda T: range(T - 1)), "last step is missing"),
    ("range(1, T)", _loop(steps=lambda T: range(1, T)), "first step is missing"),
    ("backwards in time", _loop(steps=lambda T: range(T - 1, -1, -1)), "backwards"),
    ("Wh transposed", _loop(Wh_t=True), "transposed"),
    ("no tanh", _loop(squash=lambda a: a), "np.tanh"),
    ("x[t] instead of x[:, t]", _loop(batch_axis=True), "x[:, t]"),
    ("h preallocated like x", _like_x, "(N, T, H)"),
]


@pytest.mark.parametrize("name, wrong, word", FORWARD_WRONG, ids=[w[0] for w in FORWARD_WRONG])
def test_rnn_forward_wrong(name, wrong, word):
    r = nb03.check_rnn_forward(wrong)
    assert not r.ok and word in r.message, r.message


def _forward_with_step(x, h0, Wx, Wh, b):
    h = np.empty((x.shape[0], x.shape[1], Wh.shape[0]))
    for t in range(x.shape[1]):
        h0 = h[:, t, :] = np.tanh(x[:, t, :] @ Wx + h0 @ Wh + b)
    return h


def _forward_projected(x, h0, Wx, Wh, b):
    xw, states = x @ Wx, []  # (N, T, H): every input through Wx at once
    for t in range(x.shape[1]):
        h0 = np.tanh(xw[:, t] + h0 @ Wh + b)
        states.append(h0)
    return np.stack(states, axis=1)


FORWARD_RIGHT = [
    ("stack a list", forward_right),
    ("switches all off", _loop()),
    ("helpers.rnn", lambda x, h0, Wx, Wh, b: rnn.forward(x, h0, Wx, Wh, b)[0]),
    ("preallocated, h0 reused as h_prev", _forward_with_step),
    ("inputs projected first", _forward_projected),
    ("float32", lambda x, h0, Wx, Wh, b: forward_right(*(a.astype(np.float32) for a in (x, h0, Wx, Wh, b)))),
]


@pytest.mark.parametrize("name, right", FORWARD_RIGHT, ids=[r[0] for r in FORWARD_RIGHT])
def test_rnn_forward_right(name, right):
    r = nb03.check_rnn_forward(right)
    assert r.ok, r.message


# ---- Exercise 3: the four patterns ---------------------------------------------------------

def shapes_right(N, T, V):
    return {"one-to-one": (N, V), "one-to-many": (N, T, V), "many-to-one": (N, V), "many-to-many": (N, T, V)}


def _with(**changes):
    return lambda N, T, V: {**shapes_right(N, T, V), **{k.replace("_", "-"): v(N, T, V) for k, v in changes.items()}}


SHAPES_WRONG = [
    ("many-to-one keeps T", _with(many_to_one=lambda N, T, V: (N, T, V)), "no T axis"),
    ("many-to-one keeps a T of 1", _with(many_to_one=lambda N, T, V: (N, 1, V)), "no T axis"),
    ("one-to-many without T", _with(one_to_many=lambda N, T, V: (N, V)), "has a T axis"),
    ("time-major many-to-many", _with(many_to_many=lambda N, T, V: (T, N, V)), "batch N, then time T"),
    ("scores before time", _with(many_to_many=lambda N, T, V: (N, V, T)), "batch N, then time T"),
    ("one-to-one without the batch", _with(one_to_one=lambda N, T, V: (V,)), "batch axis is missing"),
    ("everything (N, T, V)", lambda N, T, V: {p: (N, T, V) for p in nb03.PATTERNS}, "no T axis"),
    ("one-to-many and many-to-one swapped", _with(one_to_many=lambda N, T, V: (N, V),
                                                  many_to_one=lambda N, T, V: (N, T, V)), "T axis"),
    ("key names with spaces", lambda N, T, V: {k.replace("-", " "): v for k, v in shapes_right(N, T, V).items()},
     "lacks the key"),
    ("a list", lambda N, T, V: [(N, V)] * 4, "dict"),
    ("a string shape", _with(one_to_one=lambda N, T, V: "N, V"), "tuple of ints"),
    ("float sizes", _with(one_to_one=lambda N, T, V: (N / 1, V / 1)), "tuple of ints"),
    ("a number instead of a shape", _with(one_to_one=lambda N, T, V: N * V), "tuple of ints"),
]


@pytest.mark.parametrize("name, wrong, word", SHAPES_WRONG, ids=[w[0] for w in SHAPES_WRONG])
def test_output_shapes_wrong(name, wrong, word):
    r = nb03.check_output_shapes(wrong)
    assert not r.ok and word in r.message, r.message


SHAPES_RIGHT = [
    ("tuples", shapes_right),
    ("lists", lambda N, T, V: {k: list(v) for k, v in shapes_right(N, T, V).items()}),
    ("numpy ints", lambda N, T, V: {k: tuple(np.int64(s) for s in v) for k, v in shapes_right(N, T, V).items()}),
    ("extra keys", lambda N, T, V: {**shapes_right(N, T, V), "note": "batch first"}),
]


@pytest.mark.parametrize("name, right", SHAPES_RIGHT, ids=[r[0] for r in SHAPES_RIGHT])
def test_output_shapes_right(name, right):
    r = nb03.check_output_shapes(right)
    assert r.ok, r.message


# ---- Exercise 4: counting parameters ---------------------------------------------------------

COUNT_WRONG = [
    ("multiplied by T", lambda D, H, V, T: T * (D * H + H * H + H + H * V + V), "grows with T"),
    ("recurrent part multiplied by T", lambda D, H, V, T: T * (D * H + H * H + H) + H * V + V, "grows with T"),
    ("plus T", lambda D, H, V, T: D * H + H * H + H + H * V + V + T, "changes with T"),
    ("no biases", lambda D, H, V, T: D * H + H * H + H * V, "biases are missing"),
    ("no output layer", lambda D, H, V, T: D * H + H * H + H, "output layer Wy (H, V) and by (V,)"),
    ("no Wh", lambda D, H, V, T: D * H + H * V + H + V, "Wh is missing"),
    ("Wh counted as H", lambda D, H, V, T: D * H + H + H + H * V + V, "(H, H) matrix"),
    ("no by", lambda D, H, V, T: D * H + H * H + H + H * V, "by (V,) is missing"),
    ("no b", lambda D, H, V, T: D * H + H * H + H * V + V, "b (H,) is missing"),
    ("lengths added", lambda D, H, V, T: D + H + H + H + V, "products"),
    ("D and V confused", lambda D, H, V, T: V * H + H * H + H + H * D + D, "expected"),
    ("a string", lambda D, H, V, T: str(D * H + H * H + H + H * V + V), "number"),
    ("None", lambda D, H, V, T: None, "return"),
]


@pytest.mark.parametrize("name, wrong, word", COUNT_WRONG, ids=[w[0] for w in COUNT_WRONG])
def test_count_params_wrong(name, wrong, word):
    r = nb03.check_count_params(wrong)
    assert not r.ok and word in r.message, r.message


COUNT_RIGHT = [
    ("the sum", lambda D, H, V, T: D * H + H * H + H + H * V + V),
    ("factored", lambda D, H, V, T: (D + H + 1) * H + (H + 1) * V),
    ("from arrays", lambda D, H, V, T: sum(np.zeros(s).size for s in [(D, H), (H, H), (H,), (H, V), (V,)])),
    ("a float", lambda D, H, V, T: float(D * H + H * H + H + H * V + V)),
    ("a numpy int", lambda D, H, V, T: np.int64(D * H + H * H + H + H * V + V)),
]


@pytest.mark.parametrize("name, right", COUNT_RIGHT, ids=[r[0] for r in COUNT_RIGHT])
def test_count_params_right(name, right):
    r = nb03.check_count_params(right)
    assert r.ok, r.message


# ---- Exercise 5: cutting a text into batches ------------------------------------------------------

def batches_right(ids, N, T):
    steps = (len(ids) - 1) // N
    x = ids[:N * steps].reshape(N, steps)
    y = ids[1:N * steps + 1].reshape(N, steps)
    return [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, steps - T + 1, T)]


def _batches(length=lambda L, N: (L - 1) // N, target=1, deal=False, step=lambda T: T, last=0, order="NT"):
    """A learner's text_batches with one switch per typical slip (all defaults: right)."""
    def attempt(ids, N, T):
        steps = length(len(ids), N)
        if deal:  # row n gets ids[n], ids[n + N], ...
            x, y = ids[:N * steps].reshape(steps, N).T, ids[target:N * steps + target].reshape(steps, N).T
        else:
            x, y = ids[:N * steps].reshape(N, steps), ids[target:N * steps + target].reshape(N, steps)
        out = [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, steps - T + 1, step(T))]
        out = out[:len(out) - last]
        return [(a.T, b.T) for a, b in out] if order == "TN" else out
    return attempt


def _chunks(ids, N, T):
    # each batch is the next N * T characters, cut into rows
    K = (len(ids) - 1) // (N * T)
    return [(ids[k * N * T:(k + 1) * N * T].reshape(N, T), ids[k * N * T + 1:(k + 1) * N * T + 1].reshape(N, T))
            for k in range(K)]


def _random_windows(ids, N, T):
    rng = np.random.default_rng(0)
    out = []
    for _ in range((len(ids) - 1) // N // T):
        starts = rng.integers(0, len(ids) - T, N)
        idx = starts[:, None] + np.arange(T)
        out.append((ids[idx], ids[idx + 1]))
    return out


def _partial_last(ids, N, T):
    steps = (len(ids) - 1) // N
    x, y = ids[:N * steps].reshape(N, steps), ids[1:N * steps + 1].reshape(N, steps)
    return [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, steps, T)]  # the last batch may be short


BATCHES_WRONG = [
    ("y not shifted", _batches(target=0), "shifted by one"),
    ("x and y swapped", lambda ids, N, T: [(y, x) for x, y in batches_right(ids, N, T)], "swapped"),
    ("y two ahead", _batches(target=2), "shifted by two"),
    ("characters dealt like cards", _batches(deal=True), "not contiguous"),
    ("each batch the next N*T characters", _chunks, "does not continue"),
    ("overlapping windows, stride 1", _batches(step=lambda T: 1), "overlap"),
    ("overlapping windows, stride T-1", _batches(step=lambda T: T - 1), "overlap"),
    ("last batch dropped", _batches(last=1), "missing"),
    ("(T, N) batches", _batches(order="TN"), "transposed"),
    ("streams of len // N", _batches(length=lambda L, N: L // N), "(len(ids) - 1) // N"),
    ("random windows", _random_windows, "does not start where"),
    ("partial last batch", _partial_last, "batches, expected"),
    ("only x", lambda ids, N, T: [x for x, _ in batches_right(ids, N, T)], "pair"),
    ("stacked arrays", lambda ids, N, T: np.stack([x for x, _ in batches_right(ids, N, T)]), "list of (x, y) pairs"),
    ("one batch", lambda ids, N, T: batches_right(ids, N, T)[0], "pair"),
    ("returns None", lambda ids, N, T: None, "return"),
    ("index error inside", lambda ids, N, T: [ids[len(ids) + 5]], "IndexError"),
]


@pytest.mark.parametrize("name, wrong, word", BATCHES_WRONG, ids=[w[0] for w in BATCHES_WRONG])
def test_text_batches_wrong(name, wrong, word):
    r = nb03.check_text_batches(wrong)
    assert not r.ok and word in r.message, r.message


def _batches_generator(ids, N, T):
    steps = (len(ids) - 1) // N
    for k in range(steps // T):
        rows = [ids[n * steps + k * T: n * steps + k * T + T + 1] for n in range(N)]
        yield np.array([r[:-1] for r in rows]), np.array([r[1:] for r in rows])


def _batches_lists(ids, N, T):
    ids = [int(i) for i in ids]
    steps = (len(ids) - 1) // N
    out = []
    for k in range(steps // T):
        x = [[ids[n * steps + k * T + t] for t in range(T)] for n in range(N)]
        y = [[ids[n * steps + k * T + t + 1] for t in range(T)] for n in range(N)]
        out.append((x, y))
    return out


BATCHES_RIGHT = [
    ("reshape and slice", batches_right),
    ("generator of pairs", _batches_generator),
    ("nested lists", _batches_lists),
    ("pairs as lists", lambda ids, N, T: [[x, y] for x, y in batches_right(ids, N, T)]),
    ("np.split", lambda ids, N, T: list(zip(*(np.split(a[:, :(a.shape[1] // T) * T], a.shape[1] // T, axis=1)
                                            for a in (ids[:N * ((len(ids) - 1) // N)].reshape(N, -1),
                                                      ids[1:N * ((len(ids) - 1) // N) + 1].reshape(N, -1)))))),
]


@pytest.mark.parametrize("name, right", BATCHES_RIGHT, ids=[r[0] for r in BATCHES_RIGHT])
def test_text_batches_right(name, right):
    r = nb03.check_text_batches(right)
    assert r.ok, r.message


def test_text_batches_check_agrees_with_stdlib_text():
    from helpers import stdlib_text
    ids = np.random.default_rng(0).integers(0, 96, 1000)
    for N, T in [(4, 7), (3, 50), (1, 9)]:
        got = list(stdlib_text.sequential_batches(ids, N, T))
        want = nb03._batches_ref(ids, N, T)
        assert len(got) == len(want) and all(np.array_equal(a, c) and np.array_equal(b, d)
                                             for (a, b), (c, d) in zip(got, want))


# ---- the notebook's own solutions ---------------------------------------------------------------


def test_notebook_solutions_pass_their_checks():
    results = list(solution_results(NOTEBOOK, {"np": np, "nb03": nb03}))
    assert len(results) == 5
    for source, r in results:
        assert r.ok, (source, r.message)


def test_every_check_is_wrapped_so_it_never_raises():
    assert_every_check_is_wrapped(nb03)


# ---- exercise starters never shadow the notebook's own names --------------------------------------


def _top_level_names(tree):
    """The names a cell binds at the top level: defs, classes, assignments, imports."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _every_name(tree):
    """Every name a cell reads, binds or defines anywhere (conservative: locals count too)."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names | {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def shadowed_names(path):
    """[(exercise cell index, name, index of another cell that uses it)] for the notebook at ``path``.

    An exercise is its starter cell (tag "exercise") and the check and solution cells that follow it.
    After Run All the starter's definitions win; a lesson cell (or another exercise) that uses the
    same name then breaks when it is run again (notebook 03's rnn_step once did exactly that).
    """
    cells = nbformat.read(path, as_version=4).cells
    group, owner = {}, None  # code cell index -> index of the exercise it belongs to (None: lesson)
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            owner = i
        elif not ({"check", "solution"} & set(tags)):
            owner = None
        group[i] = owner
    trees = {i: ast.parse(cells[i].source) for i in group}
    found = []
    for ex in (i for i in group if group[i] == i):
        for name in sorted(_top_level_names(trees[ex])):
            for j in group:
                if group[j] != ex and name in _every_name(trees[j]):
                    found.append((ex, name, j))
    return found


NOTEBOOKS_WITH_EXERCISES = [NOTEBOOK.parent / "02-sequential-data.ipynb", NOTEBOOK]


@pytest.mark.parametrize("path", NOTEBOOKS_WITH_EXERCISES, ids=lambda p: p.name[:2])
def test_exercise_starters_never_shadow_a_name_the_notebook_uses(path):
    found = shadowed_names(path)
    assert not found, "\n".join(f"{path.name}: the exercise cell {ex} defines {name!r}, which cell {j} uses too: "
                                "after Run All the starter (raise NotImplementedError) replaces it; rename one"
                                for ex, name, j in found)


def test_the_shadowing_test_catches_a_starter_that_redefines_a_lesson_function(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def step(x):\n    return 2 * x"),
                nbformat.v4.new_code_cell("y = step(3)"),
                nbformat.v4.new_markdown_cell("### Exercise 1"),
                nbformat.v4.new_code_cell("def step(x):\n    raise NotImplementedError", metadata={"tags": ["exercise"]}),
                nbformat.v4.new_code_cell("check_step(step)", metadata={"tags": ["check"]}),
                nbformat.v4.new_code_cell("def step_solution(x):\n    return 2 * x\ncheck_step(step_solution)",
                                          metadata={"tags": ["solution"]}),
                nbformat.v4.new_code_cell("def double(x):\n    raise NotImplementedError", metadata={"tags": ["exercise"]}),
                nbformat.v4.new_code_cell("check_double(double)", metadata={"tags": ["check"]})]
    nbformat.write(nb, tmp_path / "99-tiny.ipynb")
    assert shadowed_names(tmp_path / "99-tiny.ipynb") == [(3, "step", 0), (3, "step", 1)]
