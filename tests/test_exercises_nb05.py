"""The notebook 05 checks: right answers pass, typical slips get a hint that names them."""
import numpy as np
import pytest

from helpers import optim
from helpers.exercises import nb05
from helpers.layers import ACTIVATIONS, GAMMA


def bound_ref(Wh, activation, steps):
    return (GAMMA[activation] * np.linalg.norm(Wh, 2)) ** steps


def chain_ref(dh_T, a, Wh, activation):
    f, fp = ACTIVATIONS[activation]
    T = a.shape[0]
    out = np.zeros((T + 1, len(dh_T)))
    out[T] = dh_T
    for t in range(T, 0, -1):
        out[t - 1] = (out[t] * fp(a[t - 1], f(a[t - 1]))) @ Wh.T
    return out


def clip_ref(grads, max_norm):
    grads = {k: v.copy() for k, v in grads.items()}
    norm = optim.clip_by_global_norm(grads, max_norm)
    return grads, norm


def todo(*args):
    raise NotImplementedError


def test_jacobian_bound():
    assert nb05.check_jacobian_bound(bound_ref).ok
    assert nb05.check_jacobian_bound(todo).status == "todo"
    eig = lambda Wh, act, s: (GAMMA[act] * np.max(np.abs(np.linalg.eigvals(Wh)))) ** s  # noqa: E731
    assert "eigenvalue" in nb05.check_jacobian_bound(eig).message
    fro = lambda Wh, act, s: (GAMMA[act] * np.linalg.norm(Wh)) ** s  # noqa: E731
    assert "Frobenius" in nb05.check_jacobian_bound(fro).message
    no_gamma = lambda Wh, act, s: np.linalg.norm(Wh, 2) ** s  # noqa: E731
    assert "gamma is missing" in nb05.check_jacobian_bound(no_gamma).message
    no_power = lambda Wh, act, s: GAMMA[act] * np.linalg.norm(Wh, 2) * s  # noqa: E731
    assert "power" in nb05.check_jacobian_bound(no_power).message


def test_backprop_hidden():
    assert nb05.check_backprop_hidden(chain_ref).ok
    assert nb05.check_backprop_hidden(lambda d, a, Wh, act: chain_ref(d, a, Wh, act).tolist()).ok
    assert "Wh.T" in nb05.check_backprop_hidden(lambda d, a, Wh, act: chain_ref(d, a, Wh.T, act)).message

    def no_deriv(dh_T, a, Wh, activation):
        T = a.shape[0]
        out = np.zeros((T + 1, len(dh_T)))
        out[T] = dh_T
        for t in range(T, 0, -1):
            out[t - 1] = out[t] @ Wh.T
        return out

    assert "f'(a_t) is missing" in nb05.check_backprop_hidden(no_deriv).message
    rev = lambda d, a, Wh, act: chain_ref(d, a, Wh, act)[::-1]  # noqa: E731
    assert "reverse order" in nb05.check_backprop_hidden(rev).message

    def off_by_one(dh_T, a, Wh, activation):
        f, fp = ACTIVATIONS[activation]
        T = a.shape[0]
        out = np.zeros((T + 1, len(dh_T)))
        out[T] = dh_T
        for t in range(T, 0, -1):
            k = max(t - 2, 0)  # uses a_{t-1} instead of a_t
            out[t - 1] = (out[t] * fp(a[k], f(a[k]))) @ Wh.T
        return out

    assert not nb05.check_backprop_hidden(off_by_one).ok
    assert "shape" in nb05.check_backprop_hidden(lambda d, a, Wh, act: chain_ref(d, a, Wh, act)[1:]).message


def test_clip_by_global_norm():
    assert nb05.check_clip_by_global_norm(clip_ref).ok

    def per_tensor(grads, max_norm):
        out = {k: v * min(1.0, max_norm / np.linalg.norm(v)) for k, v in grads.items()}
        return out, optim.global_norm(grads)

    def by_value(grads, max_norm):
        return {k: np.clip(v, -max_norm, max_norm) for k, v in grads.items()}, optim.global_norm(grads)

    def always_scale(grads, max_norm):
        n = optim.global_norm(grads)
        return {k: v * max_norm / n for k, v in grads.items()}, n

    def post_norm(grads, max_norm):
        g, n = clip_ref(grads, max_norm)
        return g, min(n, max_norm)

    assert "each gradient by its own norm" in nb05.check_clip_by_global_norm(per_tensor).message
    assert "clipping by value" in nb05.check_clip_by_global_norm(by_value).message
    assert "only rescale when norm > max_norm" in nb05.check_clip_by_global_norm(always_scale).message
    assert "before* clipping" in nb05.check_clip_by_global_norm(post_norm).message


@pytest.mark.parametrize("bad", [None, todo, lambda *a: None, lambda *a: [1, 2], lambda *a: np.nan,
                                 lambda *a: (None, None), lambda *a: ({"x": 1}, 2.0), lambda *a: 1 / 0,
                                 lambda *a: np.full((5, 4), np.nan), 3.0])
def test_checks_never_raise(bad):
    for check in (nb05.check_jacobian_bound, nb05.check_backprop_hidden, nb05.check_clip_by_global_norm):
        r = check(bad)
        assert not r.ok and isinstance(r.message, str) and r.message
