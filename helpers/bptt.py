"""Truncated backpropagation through time, and what BPTT costs.

Full BPTT (``helpers.rnn.backward``) sends the gradient of every loss term
back to the first step. Truncated BPTT stops it early. Two variants:

- ``truncated_backward(dh, cache, k)``: every loss term at step t is sent back
  through its last k steps only (t, t-1, ..., t-k+1). What it throws away is
  exactly the paths that are k or more steps long.
- ``chunked_backward(dh, cache, k)``: the sequence is cut into chunks of k
  steps and the gradient stops at each chunk's first step (the hidden state is
  still carried forward). This is what training on ``data.lm_batches`` does.
  A loss term near a chunk's end keeps up to k steps, one at its start keeps 1.

Both are built on ``lag_contributions``: the full gradient split by how many
steps j each piece travelled back (lag j = 0, 1, ..., T-1). The full gradient
is the sum over all lags; truncation at k keeps lags j < k.

Notebook 04's truncation widget: ``truncation_lab(k, scale)`` computes what
it shows, ``setup_truncation(fig)`` and ``draw_truncation(parts, k, scale)``
draw it (a ``helpers.widgets.Experiment``'s setup and draw; the static figure
under the widget calls the same two).

Shapes: N batch, T time steps, D input size, H hidden size; ``cache`` is the
one ``helpers.rnn.forward`` returns, ``dh`` (N, T, H) the upstream gradient on
every hidden state.
"""
import time
import tracemalloc

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from helpers import plots, rnn, validate, widgets
from helpers.gradients import recurrent_matrix
from helpers.layers import ACTIVATIONS


def _unpack(dh, cache):
    if not (isinstance(cache, tuple) and len(cache) == 7):
        raise TypeError("cache must be the cache returned by helpers.rnn.forward (a tuple of 7 items)")
    x, h0, Wx, Wh, a, h, activation = cache
    dh = validate.array("dh", dh, ndim=3, letters="(N, T, H)")
    validate.shape("dh", dh, h.shape, "(N, T, H)")
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1} per step
    fprime = ACTIVATIONS[activation][1](a, h)  # (N, T, H): f'(a_t)
    return x, h_prev, Wh, fprime, dh


def lag_contributions(dh, cache):
    """The BPTT weight gradients split by lag: how far back each piece travelled.

    Returns a dict with "dWx" (T, D, H), "dWh" (T, H, H), "db" (T, H), where
    entry j is the part of the gradient that reached step t - j from the loss
    term at step t, summed over t. Summing over j gives the full gradient of
    ``rnn.backward``; summing j < k gives ``truncated_backward(..., k)``.

    For each lag the work is vectorised over all (loss step, reached step)
    pairs, so the whole split costs T batched products.
    """
    x, h_prev, Wh, fprime, dh = _unpack(dh, cache)
    N, T, H = dh.shape
    D = x.shape[2]
    out = {"dWx": np.zeros((T, D, H)), "dWh": np.zeros((T, H, H)), "db": np.zeros((T, H))}
    g = dh  # (N, T - j, H): gradient on h_s from the loss at step s + j
    for j in range(T):
        S = T - j  # the steps s = 0 .. S-1 that lag j reaches
        da = g * fprime[:, :S]  # (N, S, H)
        da2 = da.reshape(N * S, H)
        out["dWx"][j] = x[:, :S].reshape(N * S, D).T @ da2  # sum_s x_s^T da_s
        out["dWh"][j] = h_prev[:, :S].reshape(N * S, H).T @ da2  # sum_s h_{s-1}^T da_s
        out["db"][j] = da2.sum(axis=0)
        g = (da @ Wh.T)[:, 1:]  # (N, S - 1, H): one more step back
    return out


def truncated_backward(dh, cache, k):
    """BPTT where each loss term flows back through its last k steps only.

    k = 1 keeps only each step's own term; k >= T is full BPTT.
    Returns a dict {"dWx": (D, H), "dWh": (H, H), "db": (H,)}.
    """
    k = validate.integer("k", k, low=1)
    parts = lag_contributions(dh, cache)
    return {name: p[:k].sum(axis=0) for name, p in parts.items()}


def chunked_backward(dh, cache, k):
    """BPTT in chunks of k steps: the gradient is cut at every chunk boundary.

    Steps [0, k), [k, 2k), ... are separate chunks; within a chunk the gradient
    flows back as in full BPTT, and dh_next is reset to zero when it would
    cross into the previous chunk. Returns the same dict as ``truncated_backward``.
    """
    k = validate.integer("k", k, low=1)
    x, h_prev, Wh, fprime, dh = _unpack(dh, cache)
    N, T, H = dh.shape
    da = np.empty_like(dh)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        if (t + 1) % k == 0:  # t is the last step of a chunk: nothing arrives from later
            dh_next = np.zeros((N, H))
        da[:, t] = (dh[:, t] + dh_next) * fprime[:, t]
        dh_next = da[:, t] @ Wh.T
    da2 = da.reshape(N * T, H)
    return {"dWx": x.reshape(N * T, -1).T @ da2,
            "dWh": h_prev.reshape(N * T, H).T @ da2,
            "db": da2.sum(axis=0)}


def relative_errors(grads, full):
    """||grads[p] - full[p]|| / ||full[p]|| for every parameter p (Frobenius norms)."""
    out = {}
    for name, ref in full.items():
        if name not in grads:
            raise ValueError(f"grads is missing {name!r}; expected the keys {sorted(full)}")
        got = validate.array(f"grads[{name!r}]", grads[name])
        validate.shape(f"grads[{name!r}]", got, np.shape(ref), "(same as the full gradient)")
        denom = np.linalg.norm(ref)
        out[name] = float(np.linalg.norm(got - ref) / denom) if denom > 0 else float(np.linalg.norm(got))
    return out


def truncation_curve(dh, cache):
    """Relative error of truncated BPTT for every k = 1..T, for each parameter.

    Returns (ks (T,), errors: dict name -> (T,) array), from one lag split.
    """
    parts = lag_contributions(dh, cache)
    T = parts["db"].shape[0]
    errors = {}
    for name, p in parts.items():
        cum = np.cumsum(p, axis=0)  # cum[k-1] = truncated gradient at k
        full = cum[-1]
        denom = np.linalg.norm(full)
        diff = (cum - full).reshape(T, -1)
        errors[name] = np.linalg.norm(diff, axis=1) / denom if denom > 0 else np.linalg.norm(diff, axis=1)
    return np.arange(1, T + 1), errors


def cache_nbytes(cache):
    """Bytes held by the numpy arrays in a cache (nested tuples/lists/dicts too)."""
    if isinstance(cache, np.ndarray):
        return int(cache.nbytes)
    if isinstance(cache, (tuple, list)):
        return sum(cache_nbytes(c) for c in cache)
    if isinstance(cache, dict):
        return sum(cache_nbytes(c) for c in cache.values())
    return 0


def random_problem(N, T, D, H, rng, scale=1.0):
    """A random RNN, input and upstream gradient for experiments.

    Wh is a random orthogonal matrix times ``scale`` (so every singular value
    of Wh equals scale); Wx has entries N(0, 1/D); b is zero; x and dh are
    N(0, 1). Returns (x (N, T, D), h0 (N, H), Wx, Wh, b, dh (N, T, H)).
    """
    N = validate.integer("N", N, low=1)
    T = validate.integer("T", T, low=1)
    D = validate.integer("D", D, low=1)
    H = validate.integer("H", H, low=1)
    rng = validate.rng("rng", rng)
    scale = validate.number("scale", scale, low=0, low_open=True)
    Wh = recurrent_matrix(H, scale, rng)  # (H, H): orthogonal times scale
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    b = np.zeros(H)
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    dh = rng.standard_normal((N, T, H))
    return x, h0, Wx, Wh, b, dh


def measure_cost(Ts, rng, N=8, D=16, H=64, repeats=5):
    """Time and memory of one forward + full backward pass as T grows.

    Ts: sequence lengths to try. Returns a dict of arrays (one entry per T):
    "T"; "seconds" (the fastest of ``repeats`` runs of forward + backward,
    measured with time.perf_counter: the minimum is the run least disturbed by
    other programs); "cache_bytes" (what forward stores for backward, summed
    with nbytes); and "peak_bytes" (the most memory newly allocated at any
    moment of one forward + backward, measured with tracemalloc).
    """
    Ts = [validate.integer("T", T, low=1) for T in Ts]
    if not Ts:
        raise ValueError("Ts must list at least one sequence length, got none")
    repeats = validate.integer("repeats", repeats, low=1)
    seconds, nbytes, peaks = [], [], []
    for T in Ts:
        x, h0, Wx, Wh, b, dh = random_problem(N, T, D, H, rng)
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            h, cache = rnn.forward(x, h0, Wx, Wh, b)
            rnn.backward(dh, cache)
            runs.append(time.perf_counter() - start)
        seconds.append(float(min(runs)))
        nbytes.append(cache_nbytes(cache))
        del h, cache
        peaks.append(_peak_bytes(lambda: rnn.backward(dh, rnn.forward(x, h0, Wx, Wh, b)[1])))
    return {"T": np.array(Ts), "seconds": np.array(seconds), "cache_bytes": np.array(nbytes),
            "peak_bytes": np.array(peaks)}


def _peak_bytes(fn):
    """Peak of the memory fn() allocates on top of what is already in use (tracemalloc)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    if started:
        tracemalloc.stop()
    return peak


# --------------------------------------------------------------------------
# Notebook 04's widget: truncated vs full BPTT
# --------------------------------------------------------------------------

LAB = dict(N=4, T=40, D=3, H=8, seed=1)  # the problem the widget truncates


def truncation_lab(k, scale, T=LAB["T"]):
    """What truncation at k drops, on a fixed random problem whose Wh has singular values ``scale``.

    Returns a dict: "lag_norms" (T,), the norm of the lag-j part of dWh (NaN
    where it is exactly 0: the last lag ends at h0 = 0), and "errors", the
    relative error {"dWx", "dWh", "db"} of per-loss-term truncation at k.
    """
    k = validate.integer("k", k, low=1)
    x, h0, Wx, Wh, b, dh = random_problem(LAB["N"], T, LAB["D"], LAB["H"], np.random.default_rng(LAB["seed"]),
                                          scale=scale)
    _, cache = rnn.forward(x, h0, Wx, Wh, b)
    lags = lag_contributions(dh, cache)
    full = {name: p.sum(axis=0) for name, p in lags.items()}
    truncated = {name: p[:k].sum(axis=0) for name, p in lags.items()}
    norms = np.linalg.norm(lags["dWh"], axis=(1, 2))
    return {"lag_norms": np.where(norms > 0, norms, np.nan), "errors": relative_errors(truncated, full)}


def setup_truncation(fig, T=LAB["T"]):
    """Build the widget's axes once; return the parts ``draw_truncation`` changes."""
    T = validate.integer("T", T, low=2)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.15, top=0.9)  # fixed layout: faster than tight_layout
    lags_line, = ax.plot([], [], "o-", ms=3, color=plots.PALETTE["blue"], label="lag-j part of dWh")
    dropped = ax.add_patch(Rectangle((0, 0), 0, 1, transform=ax.get_xaxis_transform(),  # full height
                                     color=plots.PALETTE["vermillion"], alpha=0.15, label="dropped (j >= k)"))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # few ticks: each costs redraw time
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:.0f}"))  # log10 on a linear axis: fast
    errors_text = ax.text(0.72, 0.62, "", transform=ax.transAxes, ha="left", va="top", family="monospace",
                          fontsize=9)
    ax.set(xlabel="lag j (steps travelled back)", ylabel="norm (log scale)", xlim=(-0.5, T - 0.5))
    ax.legend(loc="upper right", fontsize=9)
    return {"ax": ax, "T": T, "lags": lags_line, "dropped": dropped, "errors": errors_text,
            "title": ax.set_title(" ")}


def draw_truncation(parts, k, scale):
    """Show truncation at k for Wh's scale ``scale``; return the one-line verdict."""
    T = parts["T"]
    lab = truncation_lab(k, scale, T)
    pct = {n: f"{100 * e:.2g}%" for n, e in lab["errors"].items()}
    log_norms = np.log10(lab["lag_norms"])
    parts["lags"].set_data(np.arange(T), log_norms)
    lo, hi = np.nanmin(log_norms), np.nanmax(log_norms)
    widgets.set_limits(parts["ax"], ylim=(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)))
    parts["dropped"].set_bounds(k - 0.5, 0, max(T - k, 0), 1)  # lags k .. T-1 are dropped
    legend = parts["ax"].get_legend()
    for artist in (parts["dropped"], legend.legend_handles[1], legend.texts[1]):
        if artist.get_visible() != (k < T):  # a legend entry is not a moving part: changing it redraws all
            artist.set_visible(k < T)  # at k >= T nothing is dropped
    parts["errors"].set_text(f"error vs full BPTT\ndWx {pct['dWx']}\ndWh {pct['dWh']}\ndb  {pct['db']}")
    parts["title"].set_text(f"Truncation at k = {k} keeps lags j < k")
    if k >= T:
        return f"k = {k} >= T = {T}: this is full BPTT, nothing is dropped"
    return (f"k = {k}: dWh differs from the full gradient by {pct['dWh']} "
            f"(dWx {pct['dWx']}, db {pct['db']}) at scale {scale:.2f}")
