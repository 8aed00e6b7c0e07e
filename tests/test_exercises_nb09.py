"""The notebook 09 checks, proven against a catalogue of typical learner mistakes.

For every exercise: wrong answers that must get ❌ with a hint containing a
given word (the word names the mistake), right answers written differently
that must pass, and odd returns that must give ❌ without raising. The
learner's functions receive torch tensors, as in the notebook.
"""
from pathlib import Path

import numpy as np
import pytest

from exercise_cases import (ARRAY_ODD, assert_every_check_is_wrapped, catalogue, every_check, notebook_exercises,
                            odd_tuples, raising)
from helpers.exercises import nb09

torch = pytest.importorskip("torch", reason="notebook 09 needs torch: make torch")

ODD = {
    **ARRAY_ODD, **odd_tuples(2), **odd_tuples(4),
    "returns dict of None": lambda *a: dict.fromkeys(nb09.KEYS),
    "returns NaN tensor": lambda *a: torch.full((3, 7, 5), float("nan")),
    "raises RuntimeError": raising(RuntimeError, "mat1 and mat2 shapes cannot be multiplied"),
}
TestEveryCheck = every_check([nb09.check_lstm_to_torch, nb09.check_truncated_rnn, nb09.check_clip_global_norm,
                              nb09.check_train_step], ODD)


def test_every_check_is_wrapped():
    assert_every_check_is_wrapped(nb09)


# ---------------------------------------------------------------- Exercise 1: numpy weights -> nn.LSTM


def blocks(W, order):
    """Torch-layout W (4H, ...) with its gate blocks restacked from i, f, g, o into ``order``."""
    H = W.shape[0] // 4
    parts = dict(zip("ifgo", torch.split(W, H, dim=0)))
    return torch.cat([parts[n] for n in order], dim=0)


def learner_map(bug=None):
    def lstm_to_torch(Wx, Wh, b):
        w_ih, w_hh = Wx.T, Wh.T
        if bug == "no transpose":
            w_ih, w_hh = Wx, Wh
        if bug == "Wx not transposed":
            w_ih = Wx
        if bug == "reshape":
            w_ih, w_hh = Wx.reshape(Wx.shape[1], Wx.shape[0]), Wh.reshape(Wh.shape[1], Wh.shape[0])
        if bug == "swapped":
            w_ih, w_hh = Wh.T, Wx.T
        b_ih, b_hh = b, torch.zeros_like(b)
        if bug == "both b":
            b_hh = b
        if bug == "no bias":
            b_ih = torch.zeros_like(b)
        if bug and bug.startswith("order "):
            order = bug[6:]
            w_ih, w_hh = blocks(w_ih, order), blocks(w_hh, order)
            b_ih = blocks(b_ih[:, None], order)[:, 0]
        if bug == "ih doubled":
            w_ih = 2 * w_ih
        out = {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
        if bug == "torch names without _l0":
            return {k[:-3]: v for k, v in out.items()}
        if bug == "a tuple":
            return tuple(out.values())
        return out
    return lstm_to_torch


WRONG_MAP = [
    ("no transpose", learner_map("no transpose"), "transposes"),
    ("Wx not transposed", learner_map("Wx not transposed"), "Wx.T"),
    ("reshape instead of transpose", learner_map("reshape"), "reshaped, not transposed"),
    ("Wx and Wh swapped", learner_map("swapped"), "swapped"),
    ("b in both biases", learner_map("both b"), "counted twice"),
    ("no bias", learner_map("no bias"), "missing"),
    ("gate order i, f, o, g", learner_map("order ifog"), "i, f, o, g"),
    ("gate order f, i, g, o", learner_map("order figo"), "f, i, g, o"),
    ("gate order i, g, f, o", learner_map("order igfo"), "i, g, f, o"),
    ("weight_ih doubled", learner_map("ih doubled"), "weight_ih_l0"),
    ("names without _l0", learner_map("torch names without _l0"), "keys"),
    ("a tuple", learner_map("a tuple"), "dict"),
]


def map_bias_in_hh(Wx, Wh, b):
    return {"weight_ih_l0": Wx.T.contiguous(), "weight_hh_l0": Wh.T.clone(), "bias_ih_l0": torch.zeros_like(b),
            "bias_hh_l0": b}


def map_halves_numpy(Wx, Wh, b):
    return {"weight_ih_l0": Wx.numpy().T, "weight_hh_l0": Wh.numpy().T, "bias_ih_l0": b.numpy() / 2,
            "bias_hh_l0": b.numpy() / 2}


def map_permute_float32(Wx, Wh, b):
    return {"weight_ih_l0": Wx.permute(1, 0).float(), "weight_hh_l0": Wh.t().float(),
            "bias_ih_l0": b.float(), "bias_hh_l0": torch.zeros(b.shape)}


RIGHT_MAP = [
    ("the notebook's solution", learner_map()),
    ("bias in bias_hh", map_bias_in_hh),
    ("halves, numpy arrays", map_halves_numpy),
    ("permute, float32", map_permute_float32),
]


# ---------------------------------------------------------------- Exercise 2: detach = truncated BPTT


def learner_truncated(bug=None):
    def rnn_forward_truncated(x, h0, Wx, Wh, b, k):
        h, hs = (h0.detach() if bug == "detach h0 only" else h0), []
        T = x.shape[1]
        for t in range(T):
            xt = x[:, t].detach() if bug == "detach x" else x[:, t]
            if bug == "no_grad" and (t + 1) % k == 0:
                with torch.no_grad():  # "no gradient past here" written as no_grad on the chunk's last step
                    h = torch.tanh(xt @ Wx + h @ Wh + b)
            else:
                h = torch.tanh(xt @ Wx + h @ Wh + b)
            hs.append(h.detach() if bug == "detach outputs" else h)
            if bug in ("never", "detach x", "detach h0 only"):
                continue
            cut = {"every step": True, "late": t % k == 0, "early": (t + 2) % k == 0,
                   "k - 1": (t + 1) % (k - 1) == 0, "at the end only": t == T - 1}.get(bug, (t + 1) % k == 0)
            if cut:
                if bug == "not assigned":
                    h.detach()
                elif bug == "detach_ in place":
                    h.detach_()
                else:
                    h = h.detach()
        if bug == "list":
            return hs
        if bug == "stack dim 0":
            return torch.stack(hs, dim=0)
        if bug == "last only":
            return h
        return torch.stack(hs, dim=1)
    return rnn_forward_truncated


WRONG_TRUNCATED = [
    ("never detached: full BPTT", learner_truncated("never"), "full BPTT"),
    ("h.detach() not assigned", learner_truncated("not assigned"), "without assigning"),
    ("detach the input x", learner_truncated("detach x"), "detaching x"),
    ("detached at the last step only", learner_truncated("at the end only"), "full BPTT"),
    ("detached every step", learner_truncated("every step"), "every step"),
    ("cut one step late", learner_truncated("late"), "one step late"),
    ("cut one step early", learner_truncated("early"), "one step early"),
    ("chunks of k - 1", learner_truncated("k - 1"), "k - 1 steps"),
    ("outputs detached", learner_truncated("detach outputs"), "detached the outputs"),
    ("detach_ in place cuts the output too", learner_truncated("detach_ in place"), "in place"),
    ("chunk's last step under no_grad", learner_truncated("no_grad"), "no_grad"),
    ("detach h0 only", learner_truncated("detach h0 only"), "full BPTT"),
    ("stacked along dim 0", learner_truncated("stack dim 0"), "dim 1"),
    ("a list of steps", learner_truncated("list"), "torch.stack"),
    ("the last h only", learner_truncated("last only"), "shape"),
]


def truncated_detach_at_chunk_start(x, h0, Wx, Wh, b, k):
    hs, h = [], h0
    for t in range(x.shape[1]):
        if t % k == 0:
            h = h.detach()  # cutting at the start of each chunk is the same cut
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return torch.stack(hs, 1)


def truncated_by_chunks(x, h0, Wx, Wh, b, k):
    outs, h = [], h0
    for s in range(0, x.shape[1], k):
        for t in range(s, min(s + k, x.shape[1])):
            h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
            outs.append(h)
        h = h.detach()
    return torch.stack(outs, dim=1)


RIGHT_TRUNCATED = [
    ("the notebook's solution", learner_truncated()),
    ("detach at each chunk's start", truncated_detach_at_chunk_start),
    ("a loop over chunks", truncated_by_chunks),
]


# ---------------------------------------------------------------- Exercise 3: clipping by global norm


def learner_clip(bug=None):
    def clip_global_norm(parameters, max_norm):
        grads = [p.grad for p in parameters]
        if bug == "norm of the parameters":
            norm = torch.sqrt(sum((p.detach() ** 2).sum() for p in parameters))
        elif bug == "no sqrt":
            norm = sum((g ** 2).sum() for g in grads)
        elif bug == "largest":
            norm = max(g.norm() for g in grads)
        else:
            norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
        if bug == "per parameter":
            for g in grads:
                g.mul_(min(1.0, max_norm / float(g.norm())))
            return norm
        if bug == "by value":
            for g in grads:
                g.clamp_(-max_norm, max_norm)
            return norm
        factor = {"always": max_norm / norm, "upside down": min(1.0, float(norm / max_norm))}.get(
            bug, min(1.0, float(max_norm / norm)))
        for p in parameters:
            if bug == "not in place":
                g = p.grad * factor  # noqa: F841 (a copy, then dropped)
            elif bug == "scales p":
                p.data.mul_(factor)
            else:
                p.grad.mul_(factor)
        if bug == "norm after":
            return norm * factor
        if bug == "returns nothing":
            return None
        return norm
    return clip_global_norm


WRONG_CLIP = [
    ("each parameter on its own norm", learner_clip("per parameter"), "on its own"),
    ("clip by value", learner_clip("by value"), "by value"),
    ("no square root", learner_clip("no sqrt"), "square root"),
    ("always rescaled", learner_clip("always"), "even when"),
    ("norm after clipping returned", learner_clip("norm after"), "before"),
    ("factor upside down", learner_clip("upside down"), "upside down"),
    ("largest parameter's norm", learner_clip("largest"), "largest"),
    ("a copy scaled, p.grad unchanged", learner_clip("not in place"), "unchanged"),
    ("the parameters scaled", learner_clip("scales p"), "parameters themselves"),
    ("the parameters' norm", learner_clip("norm of the parameters"), "norm"),
    ("returns nothing", learner_clip("returns nothing"), "None"),
]


def clip_with_torch(parameters, max_norm):
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm)  # torch's (with its 1e-6 in the denominator)


def clip_with_cat(parameters, max_norm):
    flat = torch.cat([p.grad.flatten() for p in parameters])
    norm = flat.norm().item()
    if norm > max_norm:
        for p in parameters:
            p.grad *= max_norm / norm
    return norm


RIGHT_CLIP = [
    ("the notebook's solution", learner_clip()),
    ("torch's clip_grad_norm_", clip_with_torch),
    ("one flat vector, a float", clip_with_cat),
]


# ---------------------------------------------------------------- Exercise 4: a training step


def learner_step(bug=None):
    def train_step(model, optimizer, loss_fn, x, y):
        if bug not in ("no zero_grad", "zero_grad after backward"):
            optimizer.zero_grad()
        if bug == "step first":
            optimizer.step()
        if bug == "no_grad forward":
            with torch.no_grad():
                loss = loss_fn(model(x), y)
        elif bug == "arguments swapped":
            loss = loss_fn(y, model(x))
        else:
            loss = loss_fn(model(x), y)
        if bug != "no backward":
            loss.backward()
        if bug == "backward twice":
            loss.backward()
        if bug == "zero_grad after backward":
            optimizer.zero_grad()
        if bug == "param update by hand, sign flipped":
            with torch.no_grad():
                for p in model.parameters():
                    p += 0.5 * p.grad
        elif bug not in ("no step", "step first"):
            optimizer.step()
        if bug == "loss after the update":
            return loss_fn(model(x), y).item()
        if bug == "no return":
            return None
        if bug == "mean of the batch losses, wrong reduction":
            return loss_fn(model(x), y, reduction="sum").item()
        return loss.item()
    return train_step


WRONG_STEP = [
    ("zero_grad forgotten: gradients accumulate", learner_step("no zero_grad"), "accumulate"),
    ("step before backward", learner_step("step first"), "before loss.backward()"),
    ("no step", learner_step("no step"), "optimizer.step() is missing"),
    ("no backward", learner_step("no backward"), "loss.backward() is missing"),
    ("zero_grad between backward and step", learner_step("zero_grad after backward"), "erases them"),
    ("forward under no_grad", learner_step("no_grad forward"), "no_grad"),
    ("backward twice", learner_step("backward twice"), "backward() was called twice"),
    ("loss_fn(y, prediction): torch raises NotImplementedError", learner_step("arguments swapped"), "raised"),
    ("update by hand with the wrong sign", learner_step("param update by hand, sign flipped"), "wrong values"),
    ("loss after the update returned", learner_step("loss after the update"), "before"),
    ("no return", learner_step("no return"), "None"),
]


def step_model_zero_grad(model, optimizer, loss_fn, x, y):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss  # a tensor: the check reads it as a number


def step_by_hand(model, optimizer, loss_fn, x, y):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad  # what SGD(lr=0.5) does
    return float(loss.detach())


RIGHT_STEP = [
    ("the notebook's solution", learner_step()),
    ("model.zero_grad(), a tensor returned", step_model_zero_grad),
    ("SGD by hand", step_by_hand),
]


TestCatalogue = catalogue([
    (nb09.check_lstm_to_torch, WRONG_MAP, RIGHT_MAP),
    (nb09.check_truncated_rnn, WRONG_TRUNCATED, RIGHT_TRUNCATED),
    (nb09.check_clip_global_norm, WRONG_CLIP, RIGHT_CLIP),
    (nb09.check_train_step, WRONG_STEP, RIGHT_STEP),
])


def test_clip_cases_clip_and_do_not_clip():
    """At least one case is clipped and one is left alone (a check on only one kind passes 'always' or 'never')."""
    kinds = set()
    for seed, shapes, max_norm in nb09.CLIP_CASES:
        rng = np.random.default_rng(seed)
        [rng.standard_normal(s) for s in shapes]
        norm = np.sqrt(sum(np.sum((2.0 * rng.standard_normal(s)) ** 2) for s in shapes))
        kinds.add(norm > max_norm)
    assert kinds == {True, False}


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "09-numpy-to-pytorch.ipynb"


def namespace():
    return {"__name__": "__main__", "np": np, "torch": torch, "nb09": nb09}


TestNotebookExercises = notebook_exercises(NOTEBOOK, namespace)
