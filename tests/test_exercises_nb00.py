"""Notebook 00's warm-up checks: the reference passes, typical slips get a hint naming them, nothing raises."""
import numpy as np
import pytest

from helpers.exercises import nb00


def todo(*args):
    raise NotImplementedError


ODD_ANSWERS = [lambda *a: None, lambda *a: [1, 2], lambda *a: "p", lambda *a: np.full((2, 2), np.nan),
               lambda *a: [[1], [1, 2]], lambda *a: 1 / 0, 7]


@pytest.mark.parametrize("check", [nb00.check_one_hot, nb00.check_softmax])
def test_unattempted_starter_says_todo(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


@pytest.mark.parametrize("check", [nb00.check_one_hot, nb00.check_softmax, nb00.check_shape_answer])
@pytest.mark.parametrize("answer", ODD_ANSWERS)
def test_odd_answers_fail_without_raising(check, answer):
    r = check(answer)
    assert not r.ok and r.message


def test_shape_answer():
    assert nb00.check_shape_answer((8, 16)).ok
    assert nb00.check_shape_answer(...).status == "todo"
    assert "transposed" in nb00.check_shape_answer((16, 8)).message
    assert "shared D disappears" in nb00.check_shape_answer((8, 3)).message
    assert "2-D" in nb00.check_shape_answer((8, 3, 16)).message
    assert "tuple of two integers" in nb00.check_shape_answer("8x16").message


def test_one_hot():
    assert nb00.check_one_hot(nb00.one_hot_reference).ok
    assert nb00.check_one_hot(lambda ids, V: np.eye(V)[ids]).ok
    assert "transposed" in nb00.check_one_hot(lambda ids, V: np.eye(V)[ids].T).message
    assert "the width is V" in nb00.check_one_hot(lambda ids, V: np.eye(ids.max() + 1)[ids]).message
    wrong = nb00.check_one_hot(lambda ids, V: np.eye(V)[ids[::-1]])
    assert not wrong.ok and "a 1 in column ids[n]" in wrong.message


def test_softmax():
    assert nb00.check_softmax(nb00.softmax_reference).ok
    naive = lambda s: np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)  # noqa: E731
    assert "subtract each row's max" in nb00.check_softmax(naive).message
    cols = lambda s: np.exp(s) / np.exp(s).sum(axis=0, keepdims=True)  # noqa: E731
    assert "each *column* sums to 1" in nb00.check_softmax(cols).message
    whole = lambda s: np.exp(s) / np.exp(s).sum()  # noqa: E731
    assert "the whole array sums to 1" in nb00.check_softmax(whole).message
    nokeep = lambda s: np.exp(s).sum(axis=1)  # noqa: E731
    assert "keepdims=True" in nb00.check_softmax(nokeep).message
