"""The notebook 05 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers, each of which must get ❌ with a
hint containing a given word (the word names the mistake); a table of right
answers written differently (and with rounding-level noise) that must pass;
and odd returns that must give ❌ without raising.
"""
from pathlib import Path

import numpy as np

from exercise_cases import (ARRAY_ODD, catalogue, every_check, notebook_exercises, odd_tuples, raising)
from helpers import layers, optim, rnn
from helpers.exercises import nb05
from helpers.layers import ACTIVATIONS, GAMMA


ODD = {
    **ARRAY_ODD, **odd_tuples(2),
    "returns str": lambda *a: "big",
    "returns dict": lambda *a: {"x": 1},
    "returns dict and str": lambda *a: ({"Wh": np.ones(2)}, "norm"),
    "returns dict of str and a norm": lambda *a: ({"Wx": "a", "b": "b", "Wh": "c", "Wy": "d"}, 2.0),
    "returns NaN table": lambda *a: np.full((6, 3), np.nan),
    "returns ragged list": lambda *a: [[1.0], [1.0, 2.0]],
    "raises KeyError": raising(KeyError, "Wh"),
}
TestEveryCheck = every_check([nb05.check_jacobian_bound, nb05.check_backprop_hidden, nb05.check_clip_by_global_norm],
                             ODD)


# ---------------------------------------------------------------- Exercise 1: the bound


def sigma_max(Wh):
    return np.linalg.norm(Wh, 2)


WRONG_BOUND = [
    ("spectral radius", lambda Wh, act, s: (GAMMA[act] * np.max(np.abs(np.linalg.eigvals(Wh)))) ** s, "eigenvalue"),
    ("Frobenius norm", lambda Wh, act, s: (GAMMA[act] * np.linalg.norm(Wh)) ** s, "Frobenius"),
    ("smallest singular value", lambda Wh, act, s: (GAMMA[act] * np.linalg.svd(Wh)[1][-1]) ** s, "smallest"),
    ("1-norm", lambda Wh, act, s: (GAMMA[act] * np.linalg.norm(Wh, 1)) ** s, "column sum"),
    ("inf-norm", lambda Wh, act, s: (GAMMA[act] * np.linalg.norm(Wh, np.inf)) ** s, "row sum"),
    ("largest entry", lambda Wh, act, s: (GAMMA[act] * np.abs(Wh).max()) ** s, "largest entry"),
    ("gamma missing", lambda Wh, act, s: sigma_max(Wh) ** s, "gamma is missing"),
    ("sigmoid' taken as 1/2", lambda Wh, act, s: ({"sigmoid": 0.5}.get(act, 1.0) * sigma_max(Wh)) ** s, "1/4"),
    ("gamma outside the power", lambda Wh, act, s: GAMMA[act] * sigma_max(Wh) ** s, "each brings its own gamma"),
    ("sigma outside the power", lambda Wh, act, s: GAMMA[act] ** s * sigma_max(Wh), "its own sigma_max"),
    ("times steps", lambda Wh, act, s: GAMMA[act] * sigma_max(Wh) * s, "not a multiple"),
    ("one step too many", lambda Wh, act, s: (GAMMA[act] * sigma_max(Wh)) ** (s + 1), "off by one"),
    ("one step too few", lambda Wh, act, s: (GAMMA[act] * sigma_max(Wh)) ** (s - 1), "off by one"),
    ("something else", lambda Wh, act, s: 2 * (GAMMA[act] * sigma_max(Wh)) ** s, "(gamma * sigma_max) ** steps"),
    ("the bound per step", lambda Wh, act, s: [(GAMMA[act] * sigma_max(Wh)) ** k for k in range(s + 1)],
     "one number"),
]


RIGHT_BOUND = [
    ("norm ord 2", lambda Wh, act, s: (GAMMA[act] * np.linalg.norm(Wh, 2)) ** s),
    ("svd", lambda Wh, act, s: (GAMMA[act] * np.linalg.svd(Wh, compute_uv=False)[0]) ** s),
    ("eigenvalues of Wh^T Wh", lambda Wh, act, s: (GAMMA[act] * np.sqrt(np.linalg.eigvalsh(Wh.T @ Wh).max())) ** s),
    ("of Wh.T, powers apart", lambda Wh, act, s: GAMMA[act] ** s * np.linalg.norm(Wh.T, 2) ** s),
    ("a numpy float, rounding noise", lambda Wh, act, s: np.float64((GAMMA[act] * sigma_max(Wh)) ** s * (1 + 1e-10))),
    ("a 0-d array", lambda Wh, act, s: np.array((GAMMA[act] * sigma_max(Wh)) ** s)),
]


def test_bound_inputs_tell_the_norms_apart():
    """No case may be symmetric (eigenvalues = singular values) or have gamma = 1 everywhere."""
    Wh = nb05._non_normal(4, 0)
    assert not np.allclose(Wh, Wh.T)
    assert not np.isclose(np.max(np.abs(np.linalg.eigvals(Wh))), np.linalg.norm(Wh, 2))


# ---------------------------------------------------------------- Exercise 2: backprop_hidden


def learner_chain(bug=None):
    def backprop_hidden(dh_T, a, Wh, activation):
        f, fprime = layers.ACTIVATIONS[activation]
        T, H = a.shape
        out = np.zeros((T + 1, H))
        out[T] = dh_T
        for t in (range(T) if bug == "forward" else reversed(range(T))):  # row t from row t+1, via a[t]
            at = a[t - 1] if bug == "a_t" else a[t]
            d = {"no f'": 1.0, "f": f(at), "fprime(a, a)": fprime(at, at)}.get(bug, fprime(at, f(at)))
            g = dh_T if bug == "not carried" else out[t + 1]
            W = Wh if bug == "Wh" else Wh.T
            out[t] = (g @ W) * d if bug == "f' after" else (g * d) @ W
        if bug == "reversed":
            return out[::-1]
        if bug == "no row T":
            return out[:T]
        if bug == "no row 0":
            return out[1:]
        if bug == "transposed":
            return out.T
        return out
    return backprop_hidden


WRONG_CHAIN = [
    ("Wh instead of Wh.T", learner_chain("Wh"), "Wh.T"),
    ("f' skipped", learner_chain("no f'"), "f'(a_t) is missing"),
    ("f instead of f'", learner_chain("f"), "derivative"),
    ("fprime(a, a)", learner_chain("fprime(a, a)"), "output"),
    ("not carried: each row from dh_T", learner_chain("not carried"), "running gradient"),
    ("f' after Wh.T (wrong order)", learner_chain("f' after"), "order is wrong"),
    ("a_{t-1} instead of a_t (wraps at t = 1)", learner_chain("a_t"), "off by one in time"),
    ("loop forward in time", learner_chain("forward"), "forward in time"),
    ("a[t] at t = T (index error)", lambda d, a, Wh, act: [a[t] for t in range(a.shape[0] + 1)], "a[t-1]"),
    ("rows reversed", learner_chain("reversed"), "reverse order"),
    ("row T left out", learner_chain("no row T"), "row T is missing"),
    ("row 0 left out", learner_chain("no row 0"), "row 0 is missing"),
    ("transposed table", learner_chain("transposed"), "transposed"),
    ("row T changed", lambda d, a, Wh, act: np.vstack([learner_chain()(d, a, Wh, act)[:-1], 2 * d]), "row T is off"),
    ("one step wrong", lambda d, a, Wh, act: learner_chain()(d, a, Wh, act) * np.array([[1.0]] * 2 + [[1.5]]
     + [[1.0]] * (a.shape[0] - 2)), "first one off"),
]


def chain_columns(dh_T, a, Wh, activation):
    """Column vectors: dh_{t-1} = Wh diag(f'(a_t)) dh_t."""
    f, fp = ACTIVATIONS[activation]
    rows = [dh_T]
    for t in range(a.shape[0], 0, -1):
        rows.append(Wh @ (np.diag(fp(a[t - 1], f(a[t - 1]))) @ rows[-1]))
    return np.array(rows[::-1])


def chain_jacobians(dh_T, a, Wh, activation):
    """Every row from the product of full Jacobians."""
    f, fp = ACTIVATIONS[activation]
    T, H = a.shape
    out, J = [dh_T], np.eye(H)
    for t in range(T, 0, -1):
        J = J @ (np.diag(fp(a[t - 1], f(a[t - 1]))) @ Wh.T)
        out.append(dh_T @ J)
    return out[::-1]  # a list of arrays


RIGHT_CHAIN = [
    ("the notebook's loop", learner_chain(None)),
    ("column vectors", chain_columns),
    ("products of Jacobians, a list", chain_jacobians),
    ("nested lists", lambda *a: learner_chain(None)(*a).tolist()),
    ("rounding-level noise", lambda *a: learner_chain(None)(*a) * (1 + 1e-9)),
]


# ---------------------------------------------------------------- Exercise 3: clip by global norm


def clip_ref(grads, max_norm):
    grads = {k: v.copy() for k, v in grads.items()}
    norm = optim.clip_by_global_norm(grads, max_norm)
    return grads, norm


def global_norm(grads):
    return np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))


def clip_with(norm_of, factor_of=lambda n, m: min(1.0, m / n), returned_norm=None):
    def clip(grads, max_norm):
        n = norm_of(grads)
        c = factor_of(n, max_norm)
        out = {k: g * c for k, g in grads.items()}
        return out, (n if returned_norm is None else returned_norm(n, max_norm))
    return clip


def per_tensor(grads, max_norm):
    return {k: v * min(1.0, max_norm / np.linalg.norm(v)) for k, v in grads.items()}, global_norm(grads)


def last_norm(grads, max_norm):
    for g in grads.values():
        norm = np.sqrt(np.sum(g ** 2))  # overwritten at every pass: only the last one is left
    return {k: g * min(1.0, max_norm / norm) for k, g in grads.items()}, norm


WRONG_CLIP = [
    ("each by its own norm", per_tensor, "its own norm"),
    ("by value", lambda g, m: ({k: np.clip(v, -m, m) for k, v in g.items()}, global_norm(g)), "clipping by value"),
    ("always rescaled", clip_with(global_norm, lambda n, m: m / n), "only rescale when norm > max_norm"),
    ("norm after clipping", clip_with(global_norm, returned_norm=lambda n, m: min(n, m)), "before* clipping"),
    ("no sqrt", clip_with(lambda g: sum(np.sum(v ** 2) for v in g.values())), "sqrt"),
    ("no sqrt in the returned norm", clip_with(global_norm, returned_norm=lambda n, m: n ** 2), "without its sqrt"),
    ("sum of the norms", clip_with(lambda g: sum(np.linalg.norm(v) for v in g.values())), "added up the norms"),
    ("mean of squares", clip_with(lambda g: np.sqrt(np.mean(np.concatenate([v.ravel() for v in g.values()]) ** 2))),
     "mean of the squares"),
    ("factor upside down", clip_with(global_norm, lambda n, m: max(1.0, n / m)), "upside down"),
    ("norm of the last gradient only", last_norm, "last gradient"),
    ("results swapped", lambda g, m: clip_ref(g, m)[::-1], "swapped"),
    ("only the dict", lambda g, m: clip_ref(g, m)[0], "two things"),
    ("keys lost (a list)", lambda g, m: (list(clip_ref(g, m)[0].values()), clip_ref(g, m)[1]), "dict"),
    ("a key missing", lambda g, m: ({k: v for k, v in clip_ref(g, m)[0].items() if k != "b"}, clip_ref(g, m)[1]),
     "keys"),
    ("one gradient reshaped", lambda g, m: ({k: v.ravel() for k, v in clip_ref(g, m)[0].items()}, clip_ref(g, m)[1]),
     "shape"),
    ("norm as an array", lambda g, m: (clip_ref(g, m)[0], np.ones(2)), "one number"),
    ("factor off", clip_with(global_norm, lambda n, m: min(1.0, 0.9 * m / n)), "one factor"),
    ("norm off", clip_with(global_norm, returned_norm=lambda n, m: n + 1), "the norm is"),
]


def clip_in_place(grads, max_norm):
    norm = optim.global_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return grads, norm


RIGHT_CLIP = [
    ("helpers.optim", clip_ref),
    ("the notebook's solution", clip_with(global_norm)),
    ("in place", clip_in_place),
    ("concatenated norm, max form", clip_with(lambda g: np.linalg.norm(np.concatenate([v.ravel() for v in g.values()])),
                                              lambda n, m: m / max(n, m))),
    ("a list pair", lambda g, m: list(clip_ref(g, m))),
    ("rounding-level noise", lambda g, m: ({k: v * (1 + 1e-10) for k, v in clip_ref(g, m)[0].items()},
                                           clip_ref(g, m)[1] * (1 + 1e-10))),
]


def test_clip_keys_are_not_in_sorted_order():
    keys = list(nb05._grads(5))
    assert keys != sorted(keys) and keys != sorted(keys, key=str.lower)


# ---------------------------------------------------------------- every catalogue, one test each way

TestCatalogue = catalogue([
    (nb05.check_jacobian_bound, WRONG_BOUND, RIGHT_BOUND),
    (nb05.check_backprop_hidden, WRONG_CHAIN, RIGHT_CHAIN),
    (nb05.check_clip_by_global_norm, WRONG_CLIP, RIGHT_CLIP),
])


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05-vanishing-and-exploding-gradients.ipynb"


def namespace():
    return {"__name__": "__main__", "np": np, "rnn": rnn, "layers": layers, "nb05": nb05}


TestNotebookExercises = notebook_exercises(NOTEBOOK, namespace)


def test_cases_leave_no_room_for_a_lucky_transpose():
    """Several cases; a (T, H) never square; Wh never symmetric, so Wh.T and eigenvalues give other numbers."""
    assert len(nb05.BOUND_CASES) >= 3 and len(nb05.CHAIN_CASES) >= 2 and len(nb05.CLIP_CASES) >= 3
    for Wh, _, _ in nb05.BOUND_CASES:
        assert not np.allclose(Wh, Wh.T)
        assert not np.isclose(np.max(np.abs(np.linalg.eigvals(Wh))), np.linalg.norm(Wh, 2))
    assert {act for _, act, _ in nb05.BOUND_CASES} == {"tanh", "sigmoid", "relu"}
    for _, (T, H), _ in nb05.CHAIN_CASES:
        assert T != H
