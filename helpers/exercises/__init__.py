"""Self-checking exercises: one module per notebook (nb01, nb02, ...).

Each ``check_*`` function takes the learner's attempt (usually a function),
tries it on small cases against the reference, and returns a ``Result``
whose text says what is right, what is wrong and where to look. A check never
raises, whatever the attempt returns (None, a list, the wrong shape, NaN).
"""
