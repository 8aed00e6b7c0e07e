"""Notebook 06, Exercise 3: the LSTM's backward pass over a whole sequence, built on a step function.

The learner writes ``lstm_backward(dh, caches, step_backward)``: a loop back in
time over the T step caches of ``lstm.step_forward`` that calls the step
function it is given (their own Exercise 2 ``lstm_step_backward``, or
``lstm.step_backward``), carries dh_next and dc_next from step to step and
adds up the weight gradients. The check tells the loop's slips from the step
function's: it checks the step with Exercise 2's check, and runs the loop with
a right step function too. So a learner whose loop is right but whose step is
wrong is told that the step is the problem, and a wrong loop gets the name of
its slip (the step's own dh[:, t] dropped, as if the step added it; a carry
lost; the loop's direction; gradients not summed over t; a wrong start for
dh_next or dc_next; the forget gate applied twice or not at all; an index off
by one). It never raises. A notebook calls it as ``nb06.check_lstm_backward``;
it lives here to keep nb06.py small.
"""
import numpy as np

from helpers import lstm
from helpers.exercises.core import (Result, call, compare, course_function, explain_error, failed, name_slip,
                                    never_raise, passed, reordered, same)
from helpers.exercises.core import as_tuple
from helpers.exercises.nb06 import _backward, check_lstm_step_backward


SEQ_NAMES = ("dx", "dh0", "dc0", "dWx", "dWh", "db")
SEQ_CASES = [(3, (3, 5, 4, 2)), (4, (2, 4, 3, 5))]  # seed, (N, T, D, H): all different


def _sequence(seed, N, T, D, H):
    """An LSTM run step by step with lstm.step_forward: dh (N, T, H) and the T step caches."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    h, c = 0.5 * rng.standard_normal((N, H)), 0.5 * rng.standard_normal((N, H))  # h0, c0 not zero
    Wx, Wh, b = (0.7 * rng.standard_normal((D, 4 * H)), 0.7 * rng.standard_normal((H, 4 * H)),
                 0.5 * rng.standard_normal(4 * H))
    caches = []
    for t in range(T):
        h, c, cache = lstm.step_forward(x[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
    return rng.standard_normal((N, T, H)), caches


def _right_step(dh_total, dc_next, cache):
    return _backward(dh_total, dc_next, cache)


def _lstm_backward(dh, caches, step=_right_step, slip=None):
    """The loop over the step function -> (dx, dh0, dc0, dWx, dWh, db), or with one typical slip."""
    N, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_next = dh[:, -1].copy() if slip == "dh_next starts at dh[:, -1]" else np.zeros((N, H))
    dc_next = np.ones((N, H)) if slip == "dc_next starts at 1" else np.zeros((N, H))
    times = {"forward in time": range(T), "step 0 skipped": range(T - 1, 0, -1)}.get(slip, reversed(range(T)))
    for t in times:
        own = {"own dh dropped": 0.0, "own dh after the step": 0.0, "dh[:, t - 1]": dh[:, t - 1]}.get(slip, dh[:, t])
        carry_h = 0.0 if slip == "no dh carry" else dh_next
        carry_c = 0.0 * dc_next if slip == "no dc carry" else dc_next
        cache = caches[t - 1] if slip == "caches[t - 1]" else caches[t]
        dx_t, dh_next, dc_next, dWx_t, dWh_t, db_t = step(own + carry_h, carry_c, cache)
        if slip == "own dh after the step":  # the step's own loss joins what goes to step t-1
            dh_next = dh_next + dh[:, t]
        f = cache[6]
        dc_next = {"f twice": dc_next * f, "dc without f": dc_next / f}.get(slip, dc_next)
        dx[:, T - 1 - t if slip == "dx reversed" else t] = dx_t
        if slip == "not summed over t":
            dWx, dWh, db = dWx_t, dWh_t, db_t
        else:
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dc_next, dWx, dWh, db


SEQ_SLIPS = {
    "own dh dropped": "each step gets only what comes back from step t+1: the step's own loss, dh[:, t], is "
                      "missing. Your step function wants all the gradient on h_t (dh_total), so dh[:, t] must be "
                      "added to dh_next before the call (as notebook 04 added it before the tanh')",
    "own dh after the step": "each step's own dh[:, t] reaches the wrong step: added to what step t returns, "
                             "it goes into step t-1. It belongs in step t's own call, with dh_next",
    "no dh carry": "the gradient on h_t from later steps is missing: the dh_prev that step t+1 returns is what "
                   "arrives at h_t (dh_next), and it must go into step t's call together with dh[:, t]",
    "no dc carry": "dc_next is never carried: the dc_prev that step t+1 returns is the gradient arriving at c_t "
                   "along the belt, and step t's call needs it (it is zero only after the last step)",
    "forward in time": "the loop runs forward in time: step t needs what step t+1 sends back, so go from the "
                       "last step to the first (reversed(range(T)))",
    "step 0 skipped": "the loop stops before step 0 (t = 0 is the first step): dx[:, 0] is left at zero and dh0, "
                      "dc0 are one step short. Loop over every t from T-1 down to 0",
    "not summed over t": "dWx, dWh and db hold one step's gradients only (the last call's, t = 0): the weights are "
                         "shared by every step, so add up the step gradients over t",
    "dh_next starts at dh[:, -1]": "the last step's own gradient is counted twice: dh_next starts at zero "
                                   "(nothing arrives from after the last step), and dh[:, T-1] is added in the "
                                   "loop like every other dh[:, t]",
    "dc_next starts at 1": "dc_next starts at zero: nothing arrives along the belt from after the last step (the "
                           "loss reaches c_T only through h_T, and the step function adds that path itself)",
    "f twice": "the cell gradient is multiplied by the forget gate twice: the dc_prev your step function returns "
               "already includes f, so carry it back as it is",
    "dc without f": "the cell gradient you carry back lacks the forget gate: carry the dc_prev the step returns "
                    "(it already went through f), not the gradient on c_t itself",
    "dx reversed": "dx is in reversed time order: dx[:, t] must be the gradient on x[:, t]. (Appending to a list "
                   "while the loop runs backwards stores step T-1 first)",
    "caches[t - 1]": "step t must use its own cache, caches[t]: yours is shifted by one step (and at t = 0, "
                     "caches[-1] is the last step's)",
    "dh[:, t - 1]": "dh[:, t] goes with caches[t], the same step: your dh is shifted by one step (and at t = 0, "
                    "dh[:, -1] is the last step's)",
}
SEQ_ONLY_WRONG = {
    "dx": "dx is off, the rest is right: dx[:, t] is the dx that step t's call returns",
    "dh0": "dh0 is off, the rest is right: dh0 is the dh_prev that the last call (step 0) returns",
    "dc0": "dc0 is off, the rest is right: dc0 is the dc_prev that the last call (step 0) returns",
    "dWx": "dWx is off, the rest is right: it is the sum of the steps' dWx",
    "dWh": "dWh is off, the rest is right: it is the sum of the steps' dWh",
    "db": "db is off, the rest is right: it is the sum of the steps' db",
}
PER_STEP = ("{name} holds one gradient per step (shape {shape}): the weights are shared by every step, so return "
            "the sum over t, shape {want}")


def _per_step(dh, caches):
    """The steps' own weight gradients, stacked in time order: [(T, D, 4H), (T, H, 4H), (T, 4H)]."""
    outs = []

    def record(*args):
        outs.append(_right_step(*args))
        return outs[-1]
    _lstm_backward(dh, caches, record)
    steps = outs[::-1]  # the loop ran from t = T-1 down to 0
    return [np.stack([s[j] for s in steps]) for j in (3, 4, 5)]


def _counted(step):
    """``step`` wrapped so that its calls are counted (a list that grows by one per call)."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return step(*args, **kwargs)
    return counted, calls


def _loop_hint(out, want, dh, caches, calls):
    """Why a loop (run with a right step function) gives ``out`` instead of ``want``; None when it is right."""
    if same(out, want):
        return None
    hint = name_slip(out, [(_lstm_backward(dh, caches, slip=slip), h) for slip, h in SEQ_SLIPS.items()])
    if hint:
        return hint
    T = dh.shape[1]
    if not calls:
        return ("your lstm_backward never calls the step_backward it is given: build the loop on it, one call "
                "per step, step_backward(dh_total, dc_next, caches[t])")
    if reordered(out, want):
        return f"the six gradients are right but in the wrong order: return ({', '.join(SEQ_NAMES)})"
    for name, g, stacked in zip(SEQ_NAMES[3:], out[3:], _per_step(dh, caches)):
        if same(g, stacked) or same(g, stacked[::-1]):
            return PER_STEP.format(name=name, shape=stacked.shape, want=stacked.shape[1:])
    for name, g, w in zip(SEQ_NAMES, out, want):
        r = compare(name, g, w)
        if r is not None and "right shape" not in r.message:
            return r.message
    if len(calls) != T:
        return f"your loop calls the step function {len(calls)} times for T = {T} steps: once per step, t = T-1 .. 0"
    wrong = [n for n, g, w in zip(SEQ_NAMES, out, want) if not same(g, w)]
    if len(wrong) == 1:
        return SEQ_ONLY_WRONG[wrong[0]]
    if "dx" in wrong and same(np.asarray(out[0], dtype=float)[:, -1], want[0][:, -1]):
        return (f"{', '.join(wrong)} are off, but dx is right at the last step, t = T-1 (the first call, where "
                "nothing has come back yet): look at what each call passes on to the next one, dh_next and dc_next")
    return (f"{', '.join(wrong)} are off, and dx already at the last step, t = T-1: its call gets dh[:, T-1] and "
            "zeros for what comes back from later steps; start there")


@never_raise
def _check_sequence(attempt):
    lstm_backward, step = attempt
    if step is None:
        return failed("pass your step function too: nb06.check_lstm_backward(lstm_backward, lstm_step_backward)")
    if not callable(step):
        return failed(f"the second argument must be a step function such as Exercise 2's lstm_step_backward, got "
                      f"{type(step).__name__}")
    step_result = None if course_function(step) else check_lstm_step_backward(step)  # the course's step is right
    for seed, shape in SEQ_CASES:
        dh, caches = _sequence(seed, *shape)
        want = _lstm_backward(dh, caches)
        fresh = lambda: [tuple(a.copy() for a in c) for c in caches]  # noqa: E731 - the learner may edit them
        right_step, calls = _counted(_right_step)
        on_right, err = call(lstm_backward, "lstm_backward", dh.copy(), fresh(), right_step)
        if err is not None:
            if err.status == "todo" and step_result is not None and step_result.status == "todo":
                return Result(False, "`lstm_backward` (or the lstm_step_backward it calls) still raises "
                                     "NotImplementedError: write them, then run this check again", status="todo")
            return explain_error(err, "steps are t = 0 .. T-1: caches[t] and dh[:, t] belong to step t",
                                 words=("index", "out of range", "out of bounds", "matmul", "broadcast"))
        on_right, err = as_tuple(on_right, "lstm_backward", ", ".join(SEQ_NAMES))
        if err is not None:
            return err
        loop = _loop_hint(on_right, want, dh, caches, calls)
        if step_result is not None and not step_result.ok:
            if loop is None:
                return failed("your loop is right: given a right step function it returns every gradient right. "
                              "The step function you passed is the problem, fix it first (Exercise 2's check says: "
                              f"{step_result.message})")
            return failed(f"the step function you passed is not right yet (Exercise 2's check says: "
                          f"{step_result.message}); and your loop, given a right step function, is off too: {loop}")
        if loop is not None:
            return failed(loop)
        mine, err = call(lstm_backward, "lstm_backward", dh.copy(), fresh(), step)
        if err is not None:
            return err
        if not same(mine, want):  # right with our step, wrong with the learner's (a step right only on its own cases)
            return failed("your loop is right with a right step function, but not with the one you passed: "
                          "look at your step function (Exercise 2) on these shapes")
    return passed("right: the loop carries dh_next and dc_next back through time and adds up the weight gradients.")


def check_lstm_backward(lstm_backward, step_backward=None):
    """lstm_backward(dh, caches, step_backward) -> (dx, dh0, dc0, dWx, dWh, db); see the module docstring.

    (A notebook calls it as nb06.check_lstm_backward.)
    """
    return _check_sequence((lstm_backward, step_backward))
