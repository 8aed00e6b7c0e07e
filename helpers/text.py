"""How the course turns text into words: one definition for every model.

The n-gram table (notebook 02), the LSTM language model and the autocomplete
box (notebook 07) all prepare text with these two functions, so a prefix
typed by the learner is split exactly as the training text was.
"""
import re

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalize(text):
    """Lower-case, curly apostrophes to straight ones, surrounding space trimmed."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text.replace("\u2019", "'").replace("\u2018", "'").lower().strip()


def tokenize(text):
    """Split text into words: "What's the best food in Las" -> ["what's", "the", "best", "food", "in", "las"].

    Words are runs of letters and digits, optionally with one apostrophe part
    ("what's", "don't"); punctuation is dropped.
    """
    return _WORD.findall(normalize(text))
