"""Checks for notebook 09, from numpy to PyTorch.

The learner's functions are called with torch tensors (float64). Each check
compares with the course's numpy reference (helpers.lstm, helpers.bptt,
helpers.optim) on small cases with N, T, D, H all different, two seeds, and
when the answer is wrong recomputes the usual slips to name the one it sees:
a weight not transposed (or reshaped), the gate blocks reordered, the bias
counted twice; the graph never cut, cut at the wrong step, or the outputs cut
too; clipping each parameter on its own, by value, without the square root,
or always. Checks never raise, and need torch only when they run.

Exercise 4's check, ``check_train_step``, is in ``nb09_training``.
"""
from itertools import permutations

import numpy as np

from helpers import bptt, lstm, optim, rnn
from helpers.exercises.core import call, compare, failed, name_slip, never_raise, passed, same
from helpers.exercises.nb09_training import _np, check_train_step  # noqa: F401 (Exercise 4, in its own module)
from helpers.torch_bridge import require_torch

ORDER = "ifgo"
KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _tensor(a, grad=False):
    torch = require_torch()
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# --------------------------------------------------------------------------
# Exercise 1: the numpy LSTM weights into torch.nn.LSTM
# --------------------------------------------------------------------------

MAP_CASES = [(0, (2, 4, 3, 5)), (1, (3, 5, 6, 2))]  # seed, (N, T, D, H): D != H, D != 4H


def _blocks(W, order):
    """The gate blocks of W (4H, ...) (torch's layout), restacked in ``order`` (read as i, f, g, o)."""
    H = W.shape[0] // 4
    parts = {name: W[k * H:(k + 1) * H] for k, name in enumerate(ORDER)}
    return np.concatenate([parts[n] for n in order], axis=0)


def _map_slips(Wx, Wh, b):
    D, H4 = Wx.shape
    z = np.zeros_like(b)
    slips = [((Wx, Wh.T, b, z), "weight_ih_l0 is Wx as it is: torch stores it as (4H, D), the transpose Wx.T"),
             ((Wx.T, Wh, b, z), "weight_hh_l0 is Wh as it is: torch wants its transpose, Wh.T (4H, H)"),
             ((Wx, Wh, b, z), "both weights are as numpy stores them: torch wants the transposes Wx.T and Wh.T"),
             ((Wx.reshape(H4, D), Wh.T, b, z), "weight_ih_l0 is Wx reshaped, not transposed: reshape keeps the "
                                               "order of the numbers, a transpose (Wx.T) swaps rows and columns"),
             ((Wx.T, Wh.reshape(H4, -1), b, z), "weight_hh_l0 is Wh reshaped, not transposed: use Wh.T"),
             ((Wx.reshape(H4, D), Wh.reshape(H4, -1), b, z), "the weights are reshaped, not transposed: reshape "
                                                             "keeps the order of the numbers; use Wx.T and Wh.T"),
             ((Wh.T, Wx.T, b, z), "Wx and Wh are swapped: weight_ih multiplies the input x, weight_hh the state h"),
             ((Wx.T, Wh.T, b, b), "the bias is counted twice: torch adds bias_ih and bias_hh, so together they must "
                                  "make b (e.g. b and zeros)"),
             ((Wx.T, Wh.T, z, z), "the bias b is missing: bias_ih + bias_hh must equal b")]
    for order in permutations(ORDER):
        if order != tuple(ORDER):
            ro = "".join(order)
            slips.append(((_blocks(Wx.T, ro), _blocks(Wh.T, ro), _blocks(b[:, None], ro)[:, 0], z),
                          f"the gate blocks are stacked as {', '.join(order)}: the course's order is already "
                          "torch's, i, f, g, o, so no reordering is needed"))
    return slips


@never_raise
def check_lstm_to_torch(lstm_to_torch):
    """lstm_to_torch(Wx, Wh, b) -> {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}."""
    torch = require_torch()
    for seed, (N, T, D, H) in MAP_CASES:
        rng = np.random.default_rng(seed)
        Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
        out, err = call(lstm_to_torch, "lstm_to_torch", _tensor(Wx), _tensor(Wh), _tensor(b))
        if err is not None:
            return err
        if not isinstance(out, dict) or set(out) != set(KEYS):
            got = sorted(map(str, out)) if isinstance(out, dict) else type(out).__name__
            return failed(f"lstm_to_torch must return a dict with the keys {list(KEYS)}, got {got}")
        got = tuple(_np(out[k]) for k in KEYS)
        want_shapes = [(4 * H, D), (4 * H, H), (4 * H,), (4 * H,)]
        right = (Wx.T, Wh.T, b, np.zeros(4 * H))
        hint = name_slip(got, _map_slips(Wx, Wh, b), right=right)
        if hint:
            return failed(hint)
        for k, g, shape in zip(KEYS, got, want_shapes):
            if np.shape(g) != shape:
                return failed(f"{k} has shape {np.shape(g)}, torch.nn.LSTM({D}, {H}) wants {shape}")
        m = torch.nn.LSTM(D, H, batch_first=True).double()
        with torch.no_grad():
            for k, g in zip(KEYS, got):
                getattr(m, k).copy_(torch.as_tensor(np.asarray(g, dtype=np.float64)))
        x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
        c0 = rng.standard_normal((N, H))
        with torch.no_grad():
            h_torch, _ = m(_tensor(x), (_tensor(h0[None]), _tensor(c0[None])))
        h_ours, _ = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
        if not same(h_torch.numpy(), h_ours):
            for k, g, w in zip(KEYS[:2], got, right):
                r = compare(k, g, w, hint="torch's layout is (4H, in): the transpose of the course's, gates i, f, g, o")
                if r is not None:
                    return r
            return compare("bias_ih_l0 + bias_hh_l0", np.asarray(got[2]) + np.asarray(got[3]), b,
                           hint="torch adds the two biases: together they must make b")
    return passed("right: torch's weights are the transposes (4H, in), same gate order, and the two biases "
                  "add up to b. torch.nn.LSTM now gives helpers.lstm's outputs.")


# --------------------------------------------------------------------------
# Exercise 2: truncated BPTT with detach
# --------------------------------------------------------------------------

DETACH_CASES = [(0, (3, 7, 4, 5), 3), (1, (2, 9, 3, 4), 4)]  # seed, (N, T, D, H), k: T not a multiple of k


def _detach_after(x, h0, Wx, Wh, b, cut, in_place=False):
    """The RNN on tensors with h detached after every step t where cut(t) is true (in place: h.detach_())."""
    torch = require_torch()
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
        if cut(t):
            h = h.detach_() if in_place else h.detach()
    return torch.stack(hs, dim=1)


def _grads(forward, x, h0, Wx, Wh, b, dh):
    """(dWx, dWh, db) of sum(forward(x, h0, Wx, Wh, b) * dh), by autograd."""
    leaves = [_tensor(v, grad=True) for v in (Wx, Wh, b)]
    (forward(_tensor(x), _tensor(h0), *leaves) * _tensor(dh)).sum().backward()
    return tuple(v.grad.numpy() for v in leaves)


DETACH_SLIPS = {
    "never": ("the gradient still flows back through all T steps: this is full BPTT. Cut with h = h.detach() "
              "after every k-th step, and keep the result (h.detach() returns a new tensor; detaching x or "
              "calling it without assigning cuts nothing)", lambda k: (lambda t: False)),
    "every step": ("the graph is cut after every step (k = 1): cut only after steps k-1, 2k-1, ...",
                   lambda k: (lambda t: True)),
    "late": ("the cuts are one step late: the chunks are steps 0..k-1, k..2k-1, ..., so cut after step t when "
             "(t + 1) % k == 0", lambda k: (lambda t: t % k == 0)),
    "early": ("the cuts are one step early: cut after step t when (t + 1) % k == 0",
              lambda k: (lambda t: (t + 2) % k == 0)),
    "every k-1": ("the chunks are k - 1 steps long: cut after step t when (t + 1) % k == 0",
                  lambda k: (lambda t: (t + 1) % (k - 1) == 0)),
}


@never_raise
def check_truncated_rnn(rnn_forward_truncated):
    """rnn_forward_truncated(x, h0, Wx, Wh, b, k) -> h (N, T, H), its graph cut every k steps."""
    for seed, (N, T, D, H), k in DETACH_CASES:
        rng = np.random.default_rng(seed)
        x, h0 = rng.standard_normal((N, T, D)), np.zeros((N, H))
        Wx, Wh, b = rng.standard_normal((D, H)) / np.sqrt(D), 0.9 * rng.standard_normal((H, H)) / np.sqrt(H), \
            0.1 * rng.standard_normal(H)
        dh = rng.standard_normal((N, T, H))
        h_ref, cache = rnn.forward(x, h0, Wx, Wh, b)
        want = bptt.chunked_backward(dh, cache, k)
        torch = require_torch()
        leaves = [_tensor(v, grad=True) for v in (Wx, Wh, b)]
        h, err = call(rnn_forward_truncated, "rnn_forward_truncated", _tensor(x), _tensor(h0), *leaves, k)
        if err is not None:
            return err
        if h is None:
            return failed("rnn_forward_truncated returned None: did you forget to `return` the stacked h?")
        if isinstance(h, (list, tuple)):
            return failed(f"rnn_forward_truncated returned a {type(h).__name__}: stack the steps into one tensor "
                          "(N, T, H) with torch.stack(hs, dim=1)")
        if not torch.is_tensor(h):
            return failed(f"rnn_forward_truncated must return a torch tensor (N, T, H), got {type(h).__name__}")
        if tuple(h.shape) == (T, N, H):
            return failed(f"h has shape {(T, N, H)}: the steps are stacked along dim 0; "
                          f"stack them along dim 1 to get (N, T, H) = {(N, T, H)}")
        r = compare("h", _np(h), h_ref, hint="Detaching never changes the values: check the step "
                                             "h = tanh(x_t Wx + h Wh + b)")
        if r is not None:
            return r
        if h.requires_grad:
            (h * _tensor(dh)).sum().backward()
        got = {n: (None if v.grad is None else v.grad.numpy()) for n, v in zip(("dWx", "dWh", "db"), leaves)}
        if any(v is None for v in got.values()):
            return failed("no gradient reaches the weights from h: you detached the outputs themselves (or "
                          "computed them under torch.no_grad()). Detach only the h carried into the next step; "
                          "the h you return keeps its graph")
        got_t = tuple(got[n] for n in ("dWx", "dWh", "db"))
        slips = []
        for name, (hint, cut) in DETACH_SLIPS.items():
            if name == "every k-1" and k < 3:
                continue
            slips.append((_grads(lambda *a: _detach_after(*a, cut(k)), x, h0, Wx, Wh, b, dh), hint))
        slips.append((_grads(lambda *a: _detach_after(*a, lambda t: (t + 1) % k == 0, in_place=True),
                             x, h0, Wx, Wh, b, dh),
                      "the h you stored as an output at each cut has lost its gradient: h.detach_() (in place) or "
                      "torch.no_grad() cut the output too. Use h = h.detach(), a new tensor for the next step only"))
        hint = name_slip(got_t, slips, right=tuple(want[n] for n in ("dWx", "dWh", "db")))
        if hint:
            return failed(hint)
        for n in ("dWh", "dWx", "db"):
            r = compare(n, got[n], want[n], hint="The gradient must stop at each chunk's first step: detach "
                                                 "the carried h after steps k-1, 2k-1, ...")
            if r is not None:
                return r
    return passed("right: detaching the carried h every k steps gives exactly 04's chunked truncated BPTT "
                  "(bptt.chunked_backward).")


# --------------------------------------------------------------------------
# Exercise 3: clipping by global norm in torch
# --------------------------------------------------------------------------

# the first case is not clipped (its norm is below max_norm), the others are
CLIP_CASES = [(2, [(2, 3), (6,)], 50.0), (0, [(3, 4), (4,), (2, 5)], 2.0), (1, [(5, 2), (3,)], 1.5)]


def _clip_slips(grads, max_norm):
    """(clipped grads, norm) of typical wrong clippings, with their hints."""
    norms = [np.linalg.norm(g) for g in grads]
    total = float(np.sqrt(sum(n * n for n in norms)))
    scale = min(1.0, max_norm / total)
    sq = sum(n * n for n in norms)
    return [
        (([g * min(1.0, max_norm / n) for g, n in zip(grads, norms)], total),
         "each parameter is clipped on its own norm: the global norm is one number over all gradients, "
         "sqrt(sum of every squared entry), and every gradient is scaled by the same factor"),
        (([np.clip(g, -max_norm, max_norm) for g in grads], total),
         "this clips each entry by value: clipping by norm rescales whole gradients, keeping their direction"),
        (([g * min(1.0, max_norm / sq) for g in grads], sq), "the norm lacks its square root: sqrt(sum of squares)"),
        (([g * (max_norm / total) for g in grads], total),
         "the gradients are rescaled even when their norm is below max_norm: clip only when the norm is above"),
        (([g * scale for g in grads], total * scale), "return the global norm *before* clipping (what "
                                                     "clip_grad_norm_ returns): it tells how big the gradient was"),
        (([g for g in grads], total), "the gradients are unchanged: scale p.grad in place (p.grad.mul_(factor) "
                                      "or p.grad *= factor), not a copy or p itself"),
        (([g * min(1.0, total / max_norm) for g in grads], total),
         "the factor is upside down: multiply by max_norm / norm"),
        (([g * min(1.0, max_norm / max(norms)) for g in grads], max(norms)),
         "the norm is the largest parameter's: the global norm sums the squares of all of them"),
    ]


@never_raise
def check_clip_global_norm(clip_global_norm):
    """clip_global_norm(parameters, max_norm) -> total norm; scales each p.grad in place."""
    for seed, shapes, max_norm in CLIP_CASES:
        rng = np.random.default_rng(seed)
        values = [rng.standard_normal(s) for s in shapes]
        grads = [2.0 * rng.standard_normal(s) for s in shapes]
        params = []
        for v, g in zip(values, grads):
            p = _tensor(v, grad=True)
            p.grad = _tensor(g)
            params.append(p)
        want = {str(i): g.copy() for i, g in enumerate(grads)}
        want_norm = optim.clip_by_global_norm(want, max_norm)
        want = [want[str(i)] for i in range(len(grads))]
        out, err = call(clip_global_norm, "clip_global_norm", params, max_norm)
        if err is not None:
            return err
        if out is None:
            return failed("clip_global_norm returned None: return the global norm before clipping")
        norm = _np(out)
        got = [_np(p.grad) for p in params]
        if not all(same(_np(p), v) for p, v in zip(params, values)):
            return failed("the parameters themselves changed: clipping scales the gradients p.grad, not p")
        hint = name_slip((got, norm), _clip_slips(grads, max_norm), right=(want, want_norm), rtol=1e-6, atol=1e-7)
        if hint:
            return failed(hint)
        for i, (g, w) in enumerate(zip(got, want)):
            r = compare(f"parameters[{i}].grad", g, w, rtol=1e-6, atol=1e-7,
                        hint="every gradient is multiplied by max_norm / global norm when that is below 1")
            if r is not None:
                return r
        r = compare("the returned norm", norm, want_norm, rtol=1e-6, atol=1e-7,
                    hint="return sqrt(sum over all gradients of their squared entries), before clipping")
        if r is not None:
            return r
    return passed("right: one global norm over every gradient, one common factor, and only when it is above "
                  "max_norm: what optim.clip_by_global_norm and torch.nn.utils.clip_grad_norm_ do.")
