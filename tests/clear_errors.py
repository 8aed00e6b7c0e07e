"""One way to test that a bad input gets a clear error (tests/test_bad_inputs.py, test_gru.py, test_deep.py).

A case is (what is wrong, a call that must fail, the exception type, words the message must contain);
a word wrapped in Not(...) must be absent.
"""
import pytest


class Not(str):
    """A word the message must not contain."""


def assert_clear_error(what, call, exc, words):
    """call() raises exc, whose message has every word of ``words`` (and none wrapped in Not)."""
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for w in words:
        if isinstance(w, Not):
            assert w not in message, f"{what}: message {message!r} should not say {w!r}"
        else:
            assert w in message, f"{what}: message {message!r} lacks {w!r}"
