"""Deep recurrent networks built from single layers: stacked layers, two directions.

Stacked (num_layers = L): the hidden states of one layer are the input of the next,

    out_0 = layer(x, h0[0], params[0]),   out_l = layer(out_{l-1}, h0[l], params[l]),   out = out_{L-1}

Bidirectional: a second layer, with its own weights, reads the sequence backwards
(x reversed in time, its hidden states reversed back), so that at step t one
half has seen x_0..x_t and the other x_t..x_{T-1}:

    out[:, t] = [forward h_t, backward h_t]     (N, T, 2H), the forward half first

Both together (torch's num_layers=L, bidirectional=True): every layer is
bidirectional and the next layer reads its (N, T, 2H) output.

``module`` is the single-layer module: helpers.rnn, helpers.lstm or helpers.gru
(any module whose forward(x, h0, *weights, **kw) returns (h, cache) and whose
backward(dh, cache) returns (dx, dh0, *dweights)). Its functions do all the
maths; this file only wires the layers and directions together. An LSTM (a
module whose forward takes c0) carries two states, so h0 is then the pair
(h0, c0) and the final states the pair (h_n, c_n), as torch.nn.LSTM has them.

Layout, as torch.nn.RNN/LSTM/GRU(batch_first=True) returns it, with
K = num_layers * num_directions and k = layer * num_directions + direction
(direction 0 forward, 1 backward):
    x (N, T, D),  h0 (K, N, H),  out (N, T, num_directions * H),  h_n (K, N, H)
    params: a list of K weight tuples, params[k] as the module takes them,
            e.g. (Wx, Wh, bx, bh) for helpers.gru. params[k] maps to torch's
            weight_ih_l{layer}{suffix}.T etc., suffix "_reverse" for direction 1.
    Layer 0's Wx has D rows; later layers' Wx have num_directions * H rows.

``out`` is read-only (the next layer's cache keeps it as its x); the final
states are new arrays of your own. The backward passes take the gradients on
out and on the final states (None: zeros) and return the gradients on x, on
h0 (a pair for an LSTM) and one tuple per entry of params, in the forward's dtype.
"""
import inspect

import numpy as np

from helpers import validate


def _has_cell(module):
    """True for an LSTM-like module: its forward takes a cell state c0."""
    if not (callable(getattr(module, "forward", None)) and callable(getattr(module, "backward", None))):
        raise TypeError("module must be helpers.rnn, helpers.lstm or helpers.gru (a module with forward and "
                        f"backward), got {getattr(module, '__name__', type(module).__name__)}")
    return "c0" in inspect.signature(module.forward).parameters


def _states(name, value, cell, letters):
    """h0 (or dh_n) -> a tuple of (K, N, H) arrays: (h,) or, for an LSTM, (h, c)."""
    if not cell:
        return (validate.array(name, value, ndim=3, letters=letters),)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (h, c) for an LSTM, as torch.nn.LSTM takes it, "
                        f"got {type(value).__name__}")
    h = validate.array(f"{name}[0]", value[0], ndim=3, letters=letters)
    c = validate.array(f"{name}[1]", value[1], ndim=3, letters=letters)
    validate.shape(f"{name}[1]", c, h.shape, letters, match=f"{name}[0]")
    return h, c


def _one_forward(module, cell, x, state, weights, kw, reverse):
    """One layer, one direction. Returns h (N, T, H) in x's time order, the final state tuple, the cache."""
    xs = x[:, ::-1] if reverse else x
    if cell:
        h, cache = module.forward(xs, state[0], *weights, c0=state[1], **kw)
        final = (h[:, -1], cache["c"][:, -1])
    else:
        h, cache = module.forward(xs, state[0], *weights, **kw)
        final = (h[:, -1],)
    return (h[:, ::-1] if reverse else h), final, cache


def _one_backward(module, cell, dh, dfinal, cache, reverse):
    """Backward of _one_forward: dh (N, T, H) in x's time order, dfinal the gradients on the final state."""
    dh = (dh[:, ::-1] if reverse else dh).copy()
    dh[:, -1] += dfinal[0]  # the final h is the last step's h
    if cell:
        dc = np.zeros_like(dh)
        dc[:, -1] = dfinal[1]
        dx, dh0, *dW, dc0 = module.backward(dh, cache, dc=dc)
        dstate = (dh0, dc0)
    else:
        dx, dh0, *dW = module.backward(dh, cache)
        dstate = (dh0,)
    return (dx[:, ::-1] if reverse else dx), dstate, tuple(dW)


def _layer_forward(module, cell, x, states, params, first, kw, layer):
    """One layer in num_directions = len(params) directions; states[j][d] is direction d's state j."""
    outs, finals, caches = [], [], []
    for d, weights in enumerate(params):
        k = first + d
        try:
            h, final, cache = _one_forward(module, cell, x, [s[d] for s in states], weights, kw, reverse=d == 1)
        except (ValueError, TypeError) as err:
            where = f"layer {layer}, {'backward' if d else 'forward'} direction (params[{k}], h0[{k}])"
            raise type(err)(f"{where}: {err}") from None
        outs.append(h)
        finals.append(final)
        caches.append(cache)
    out = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=2)
    out.flags.writeable = False
    return out, finals, caches


def _layer_backward(module, cell, dout, dfinals, caches):
    """Backward of _layer_forward: dx summed over the directions, and per direction (dstate, dweights)."""
    H = dout.shape[2] // len(caches)
    dx, per_direction = 0.0, []
    for d, cache in enumerate(caches):
        dxd, dstate, dW = _one_backward(module, cell, dout[..., d * H:(d + 1) * H], dfinals[d], cache, reverse=d == 1)
        dx = dx + dxd
        per_direction.append((dstate, dW))
    return dx, per_direction


def stacked_forward(module, x, h0, params, bidirectional=False, **kw):
    """num_layers = len(params) / num_directions layers of ``module``, each reading the one below.

    x (N, T, D); h0 (K, N, H) (an LSTM: the pair (h0, c0)); params: K weight tuples,
    K = num_layers * num_directions; kw goes to module.forward (e.g. activation="relu").
    Returns out (N, T, num_directions * H), the final states h_n (K, N, H) (an LSTM:
    the pair (h_n, c_n)) and a cache for stacked_backward.
    """
    cell = _has_cell(module)
    letters = "(num_layers * num_directions, N, H)"
    x = validate.array("x", x, ndim=3, letters="(N, T, D)")
    states = _states("h0", h0, cell, letters)
    dirs = 2 if bidirectional else 1
    K = states[0].shape[0]
    if K == 0 or K % dirs:
        raise ValueError(f"h0 must have shape {letters} with num_directions = {dirs} and num_layers >= 1, so a first "
                         f"size that is a multiple of {dirs}, got {states[0].shape}")
    if not isinstance(params, (list, tuple)) or len(params) != K:
        got = f"{len(params)} entries" if isinstance(params, (list, tuple)) else type(params).__name__
        raise ValueError(f"params must hold one weight tuple per layer and direction, num_layers * num_directions "
                         f"= {K} to match h0 {states[0].shape}, got {got}")
    H = states[0].shape[2]
    caches, finals, out = [], [], x
    for layer in range(K // dirs):
        first = layer * dirs
        if layer > 0:  # this layer reads the one below: num_directions * H features
            for k in range(first, first + dirs):
                rows = np.shape(params[k][0])[0] if np.ndim(params[k][0]) else None
                if rows != dirs * H:
                    raise ValueError(f"params[{k}][0] (Wx of layer {layer}) must have num_directions * H = "
                                     f"{dirs * H} rows to match h0, as layer {layer} reads the output of layer "
                                     f"{layer - 1}, got shape {np.shape(params[k][0])}")
        layer_states = [s[first:first + dirs] for s in states]
        out, layer_finals, layer_caches = _layer_forward(module, cell, out, layer_states, params[first:first + dirs],
                                                         first, kw, layer)
        caches.append(layer_caches)
        finals.extend(layer_finals)
    hn = tuple(np.stack([f[j] for f in finals]) for j in range(len(states)))
    cache = dict(module=module, cell=cell, dirs=dirs, caches=caches, out=out, hn_shape=hn[0].shape)
    return out, (hn if cell else hn[0]), cache


def stacked_backward(dout, dhn, cache):
    """Backward of stacked_forward. dout (N, T, num_directions * H): the gradient on out;
    dhn (K, N, H) (an LSTM: the pair (dh_n, dc_n)), or None for zeros: the gradient on the
    final states. Returns (dx, dh0, dparams): dh0 as h0 (a pair for an LSTM), dparams a
    list of K tuples like params.
    """
    module, cell, dirs, caches, out = (cache[k] for k in ("module", "cell", "dirs", "caches", "out"))
    letters = "(num_layers * num_directions, N, H)"
    dout = validate.array("dout", dout, ndim=3, letters="(N, T, num_directions * H)")
    validate.shape("dout", dout, out.shape, "(N, T, num_directions * H)", match="out from forward")
    if dhn is None:
        dstates = tuple(np.zeros(cache["hn_shape"], out.dtype) for _ in range(2 if cell else 1))
    else:
        dstates = _states("dhn", dhn, cell, letters)
        validate.shape("dhn" + ("[0]" if cell else ""), dstates[0], cache["hn_shape"], letters, match="h_n from forward")
    dstates = tuple(s.astype(out.dtype, copy=False) for s in dstates)

    d, dh0, dparams = dout.astype(out.dtype, copy=False), [None] * len(caches) * dirs, [None] * len(caches) * dirs
    for layer in reversed(range(len(caches))):
        first = layer * dirs
        dfinals = [tuple(s[k] for s in dstates) for k in range(first, first + dirs)]
        d, per_direction = _layer_backward(module, cell, d, dfinals, caches[layer])
        for j, (dstate, dW) in enumerate(per_direction):
            dh0[first + j], dparams[first + j] = dstate, dW
    dh0 = tuple(np.stack([s[j] for s in dh0]) for j in range(len(dstates)))
    return d, (dh0 if cell else dh0[0]), dparams


def bidirectional_forward(module, x, h0, params, **kw):
    """One bidirectional layer of ``module``: params = [forward weights, backward weights].

    x (N, T, D); h0 (2, N, H) (an LSTM: the pair (h0, c0)), h0[0] for the forward
    direction, h0[1] for the backward one. Returns out (N, T, 2H) (forward half
    first), h_n (2, N, H) (an LSTM: (h_n, c_n)) and a cache for bidirectional_backward.
    """
    if not isinstance(params, (list, tuple)) or len(params) != 2:
        got = f"{len(params)} entries" if isinstance(params, (list, tuple)) else type(params).__name__
        raise ValueError(f"params must be [forward weights, backward weights] (2 entries), got {got}")
    return stacked_forward(module, x, h0, params, bidirectional=True, **kw)


def bidirectional_backward(dout, dhn, cache):
    """Backward of bidirectional_forward: (dx, dh0, [forward dweights, backward dweights])."""
    return stacked_backward(dout, dhn, cache)
