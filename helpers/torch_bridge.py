"""From the course's numpy models to PyTorch: the same weights, the same gradients, the same training.

torch is optional for the course and needed only by notebook 09; this module
imports without it (torch is imported inside the functions). ``require_torch()``
returns the torch module, or raises ``TorchMissing``, whose message says the one
command that installs the CPU build (IPython shows only that message, no traceback).

How the numpy language model (``helpers.lm``) maps onto torch modules:

    W_embed (V, D)  -> nn.Embedding(V, D).weight                  (same matrix)
    Wx (D, 4H)      -> nn.LSTM(D, H, batch_first=True).weight_ih_l0 (4H, D) = Wx.T
    Wh (H, 4H)      -> .weight_hh_l0 (4H, H) = Wh.T
    b (4H,)         -> .bias_ih_l0 = b and .bias_hh_l0 = 0          (torch adds the two)
    Wy (H, V), by   -> nn.Linear(H, V).weight (V, H) = Wy.T, .bias = by

The gate order is i, f, g, o in both. torch stores weights as (out, in) and
computes x @ W.T; the course stores (in, out) and computes x @ W.
"""
import numpy as np

from helpers import lm, validate

INSTALL = "make torch"
PIP_INSTALL = "python -m pip install torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu"


class TorchMissing(ImportError):
    """torch cannot be imported. In IPython only the message shows, without a traceback."""

    def _render_traceback_(self):
        return str(self).splitlines()


def require_torch():
    """The torch module, or TorchMissing with the command to run."""
    try:
        import torch
    except ImportError as err:
        raise TorchMissing(
            f"PyTorch is not installed ({err}). This notebook needs it; the rest of the course does not.\n"
            f"In a terminal, in the course folder, run:\n\n    {INSTALL}\n\n"
            f"(it runs `{PIP_INSTALL}` in .venv: the CPU build, about 200 MB), "
            "then restart the kernel and run this notebook again.") from None
    return torch


# --------------------------------------------------------------------------
# The language model of notebook 07, as torch modules
# --------------------------------------------------------------------------

def language_model(V, D, H, dtype=None):
    """nn.Sequential-like module: Embedding(V, D) -> LSTM(D, H, batch_first) -> Linear(H, V).

    model(x) with word ids x (N, T) returns logits (N, T, V); model(x, state)
    with state = (h, c), each (1, N, H), starts from that state. The last
    state is kept in model.last_state.
    """
    torch = require_torch()
    V, D, H = (validate.integer(k, v, low=1) for k, v in (("V", V), ("D", D), ("H", H)))

    class LanguageModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(V, D)
            self.lstm = torch.nn.LSTM(D, H, batch_first=True)
            self.out = torch.nn.Linear(H, V)
            self.last_state = None

        def forward(self, x, state=None):
            h, self.last_state = self.lstm(self.embed(x), state)  # (N, T, H)
            return self.out(h)  # (N, T, V)

    model = LanguageModel()
    return model if dtype is None else model.to(dtype)


def from_numpy(params, dtype=None):
    """A torch language model holding the numpy ``params`` of ``helpers.lm`` (a copy).

    dtype: torch.float64 or torch.float32 (default: the dtype of params["Wh"]).
    """
    torch = require_torch()
    V, D, H = lm.sizes(params)
    if dtype is None:
        dtype = torch.float64 if np.asarray(params["Wh"]).dtype == np.float64 else torch.float32
    model = language_model(V, D, H, dtype)
    with torch.no_grad():
        for name, value in torch_state(params).items():
            model.get_parameter(name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return model


def torch_state(params):
    """The numpy arrays that go into each torch parameter, by torch's name (transposed where torch wants)."""
    P = params
    return {"embed.weight": P["W_embed"], "lstm.weight_ih_l0": P["Wx"].T, "lstm.weight_hh_l0": P["Wh"].T,
            "lstm.bias_ih_l0": P["b"], "lstm.bias_hh_l0": np.zeros_like(P["b"]),
            "out.weight": P["Wy"].T, "out.bias": P["by"]}


def to_numpy(model):
    """The model's weights as a ``helpers.lm`` params dict (float64 copies; b = bias_ih + bias_hh)."""
    s = {k: v.detach().cpu().double().numpy() for k, v in model.state_dict().items()}
    return {"W_embed": s["embed.weight"], "Wx": s["lstm.weight_ih_l0"].T.copy(),
            "Wh": s["lstm.weight_hh_l0"].T.copy(), "b": s["lstm.bias_ih_l0"] + s["lstm.bias_hh_l0"],
            "Wy": s["out.weight"].T.copy(), "by": s["out.bias"]}


def grads_of(model):
    """The gradients autograd left in model's parameters, by the course's names (numpy float64).

    b gets bias_ih's gradient (bias_hh's is the same: both enter as a sum).
    """
    g = {k: p.grad.detach().double().numpy() for k, p in model.named_parameters() if p.grad is not None}
    return {"W_embed": g["embed.weight"], "Wx": g["lstm.weight_ih_l0"].T, "Wh": g["lstm.weight_hh_l0"].T,
            "b": g["lstm.bias_ih_l0"], "Wy": g["out.weight"].T, "by": g["out.bias"]}


def masked_loss(logits, targets, mask):
    """Mean cross-entropy over the positions where mask is 1, as ``layers.softmax_cross_entropy``.

    logits (N, T, V) tensor; targets, mask (N, T) integer arrays or tensors.
    """
    torch = require_torch()
    targets, mask = torch.as_tensor(targets), torch.as_tensor(mask).to(logits.dtype)
    nll = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
    return (nll * mask.flatten()).sum() / mask.sum()


# --------------------------------------------------------------------------
# The course's recurrences written with torch operations: autograd records them
# --------------------------------------------------------------------------

def rnn_forward(x, h0, Wx, Wh, b, detach_every=None):
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b) on tensors: x (N, T, D), h0 (N, H) -> h (N, T, H).

    detach_every = k cuts the graph after every k steps (h.detach()): truncated
    BPTT in chunks of k steps, as ``bptt.chunked_backward``.
    """
    torch = require_torch()
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)  # (N, H)
        hs.append(h)
        if detach_every is not None and (t + 1) % detach_every == 0:
            h = h.detach()  # the next chunk starts from this value, but no gradient flows back through it
    return torch.stack(hs, dim=1)


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """The LSTM of ``helpers.lstm`` on tensors (gate order i, f, g, o): -> h (N, T, H)."""
    torch = require_torch()
    H = h0.shape[1]
    h, c, hs = h0, c0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b  # (N, 4H)
        i, f, o = (torch.sigmoid(a[:, k * H:(k + 1) * H]) for k in (0, 1, 3))
        g = torch.tanh(a[:, 2 * H:3 * H])
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs, dim=1)


def autograd_grads(forward, dh, *inputs):
    """Gradients of sum(forward(*inputs) * dh) with respect to every input, by autograd.

    inputs are numpy arrays (float64); returns a list of numpy arrays, one per input.
    The loss sum(h * dh) has gradient dh on h: the same upstream gradient the
    hand-written backward receives.
    """
    torch = require_torch()
    leaves = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    h = forward(*leaves)
    (h * torch.from_numpy(np.asarray(dh, dtype=np.float64))).sum().backward()
    return [v.grad.numpy() if v.grad is not None else np.zeros(v.shape) for v in leaves]


def max_relative_error(a, b):
    """max |a - b| / max(|a|, |b|) over all entries (0 when both are 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return float(np.max(np.abs(a - b), initial=0)) / scale if scale > 0 else 0.0


# --------------------------------------------------------------------------
# Training the language model in torch (the same steps as lm.train)
# --------------------------------------------------------------------------

def train(model, x, targets, mask, steps, rng, N=32, lr=3e-3, max_norm=5.0, progress=None):
    """Adam + clipping by global norm on the batches ``lm.batches`` draws with ``rng``.

    Trains ``model`` in place for ``steps`` updates; progress(step, loss) after
    each. bias_hh_l0 is frozen at its value: the course's model has one bias b,
    and training two biases with Adam would move their sum twice as fast.
    Returns {"loss": [...], "grad_norm": [...]}.
    """
    torch = require_torch()
    steps = validate.integer("steps", steps, low=1)
    model.lstm.bias_hh_l0.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    history = {"loss": [], "grad_norm": []}
    while len(history["loss"]) < steps:
        for xb, tb, mb in lm.batches(x, targets, mask, N, rng):
            opt.zero_grad()
            loss = masked_loss(model(torch.from_numpy(xb)), tb, mb)
            loss.backward()
            history["grad_norm"].append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)))
            opt.step()
            history["loss"].append(loss.item())
            if progress is not None:
                progress(len(history["loss"]), history["loss"][-1])
            if len(history["loss"]) >= steps:
                break
    return history
