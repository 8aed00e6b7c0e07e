"""Notebook 09's Exercise 4: one training step in torch (zero_grad, forward, backward, step).

The check runs the learner's step three times on a small linear classifier with
torch.optim.SGD, and compares the parameters, their gradients and the returned
losses with the right steps and with the usual slips: zero_grad forgotten (the
gradients accumulate), step missing or before backward, backward missing or its
gradients erased by a zero_grad before the step. Checks never raise.
"""
import functools

import numpy as np

from helpers.exercises.core import call, compare, explain_error, failed, name_slip, never_raise, passed, same, scalar
from helpers.torch_bridge import require_torch


def _np(v):
    """A tensor (even one that requires grad) as a float64 numpy array; other objects as they are."""
    if hasattr(v, "detach") and hasattr(v, "numpy"):
        return v.detach().cpu().double().numpy()
    return v


def _tensor(a):
    return require_torch().tensor(np.asarray(a, dtype=np.float64))


STEP_CASES = [(0, (5, 4, 3)), (1, (6, 3, 5))]  # seed, (N, D, C): a linear classifier, 3 steps each


def _step(model, opt, loss_fn, x, y, slip=None):
    """The reference step (or one with a typical slip); returns the loss before the update."""
    if slip != "no zero_grad":
        opt.zero_grad()
    loss = loss_fn(model(x), y)
    if slip != "no backward":
        loss.backward()
    if slip != "no step":
        opt.step()
    return loss.item()


def _state(model):
    """What a step leaves behind: the parameters, their gradients (zeros if None) and whether there are any."""
    ps = list(model.parameters())
    return ([p.detach().numpy().copy() for p in ps]
            + [np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy().copy() for p in ps]
            + [np.array([float(p.grad is not None) for p in ps])])


STEP_SLIPS = {
    "no zero_grad": "the gradients accumulate from step to step: .grad adds up until you clear it, so call "
                    "optimizer.zero_grad() at the start of every step",
    "no step": "the parameters never change although the gradients are there: optimizer.step() is missing, or it "
               "runs before loss.backward(), when there is nothing to use yet",
    "no backward": "the parameters never change and have no gradients: loss.backward() is missing, or zero_grad() "
                   "runs between backward() and step() and erases them. The order is zero_grad, forward, backward, "
                   "step",
}


def _torch_errors_are_errors(fn):
    """fn, except that a NotImplementedError *with* a message (torch raises them, e.g. for a loss given its
    arguments swapped) becomes a RuntimeError: only the starter's bare one means "not attempted yet"."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def attempt(*args):
        try:
            return fn(*args)
        except NotImplementedError as err:
            if str(err):
                raise RuntimeError(f"NotImplementedError: {err}") from None
            raise
    return attempt


def _classifier(seed, D, C):
    torch = require_torch()
    torch.manual_seed(seed)
    return torch.nn.Linear(D, C).double()


@never_raise
def check_train_step(train_step):
    """train_step(model, optimizer, loss_fn, x, y) -> the loss (a float) before the update."""
    torch = require_torch()
    loss_fn = torch.nn.functional.cross_entropy
    for seed, (N, D, C) in STEP_CASES:
        rng = np.random.default_rng(seed)
        batches = [(_tensor(rng.standard_normal((N, D))), torch.as_tensor(rng.integers(0, C, N))) for _ in range(3)]
        runs = {}
        for slip in (None, *STEP_SLIPS):
            m = _classifier(seed, D, C)
            opt = torch.optim.SGD(m.parameters(), lr=0.5)
            losses = [_step(m, opt, loss_fn, x, y, slip) for x, y in batches]
            runs[slip] = (losses, _state(m))
        model = _classifier(seed, D, C)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        losses = []
        for x, y in batches:
            out, err = call(_torch_errors_are_errors(train_step), "train_step", model, optimizer, loss_fn, x, y)
            if err is not None:
                return explain_error(err, "the forward pass ran without recording the tape (torch.no_grad()?), "
                                          "or backward() was called twice on one graph",
                                     words=("does not require grad", "backward through the graph"))
            value, err = scalar(_np(out), "train_step", "the loss (loss.item())")
            if err is not None:
                return err
            losses.append(value)
        got = _state(model)
        hint = name_slip(got, [(state, STEP_SLIPS[s]) for s, (_, state) in runs.items() if s], right=runs[None][1])
        if hint:
            return failed(hint)
        for name, g, w in zip(("weight", "bias"), got, runs[None][1]):
            r = compare(f"model.{name} after 3 steps", g, w, hint="each step: zero_grad, forward, loss, "
                                                                  "backward, step")
            if r is not None:
                return r
        if not same(losses, runs[None][0]):
            return failed("the parameters are right but the returned losses are not: return the loss of this "
                          "batch computed *before* the update, as a number (loss.item())")
    return passed("right: zero_grad, forward, loss, backward, step, in that order, every step.")
