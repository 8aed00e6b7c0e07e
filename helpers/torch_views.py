"""Notebook 09's speed measurements and views: numpy vs torch, one training step of the same model.

    python -m helpers.torch_views bench      # remakes helpers/data/torch_speed.npz (about 1 min)

``time_step(H, N)`` times one training step (forward, backward, clipping, Adam)
of the 07 language model, once with ``helpers.lm`` (numpy) and once with the
torch model of ``helpers.torch_bridge``: the same sizes, the same batch, float32,
one thread each. The shipped table holds it for a grid of hidden sizes H and
batch sizes N; the widget (``setup_speed``, ``draw_speed``) reads the table, so
it moves instantly; ``LossPlot`` is the live loss curve of the training cell.
"""
import argparse
import sys
import time
from pathlib import Path

import ipywidgets as W
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

from helpers import lm, optim, plots, torch_bridge, validate, widgets

TABLE_PATH = Path(__file__).resolve().parent / "data" / "torch_speed.npz"
GRID = dict(H=(16, 32, 64, 128, 256), N=(1, 4, 16, 64))
SIZES = dict(V=223, D=32, T=12)  # V and D of the 07 autocomplete; T: a typical query (11 words + </s>)


def time_step(H, N, repeats=7, steps=10, seed=0):
    """Seconds per training step (min over ``repeats`` of the mean of ``steps``) as (numpy, torch).

    The two are timed in turns, as CPU time of this process (time.process_time: on a
    busy machine, other programs' time is not counted).

    Both run float32 on one thread on the same random batch (N, T) of word ids.
    """
    torch = torch_bridge.require_torch()
    H, N = validate.integer("H", H, low=1), validate.integer("N", N, low=1)
    rng = np.random.default_rng(seed)
    params = lm.init_params(SIZES["V"], SIZES["D"], H, rng)
    x = rng.integers(0, SIZES["V"], (N, SIZES["T"]))
    targets = rng.integers(0, SIZES["V"], (N, SIZES["T"]))
    mask = np.ones((N, SIZES["T"]), dtype=np.int64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = torch_bridge.from_numpy(params)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        xt, tt, mt = (torch.from_numpy(a) for a in (x, targets, mask))
        state = None

        def numpy_step():
            nonlocal state
            _, grads, _ = lm.loss_and_grads(params, x, targets, mask)
            optim.clip_by_global_norm(grads, 5.0)
            state = optim.adam(params, grads, state, lr=1e-4)

        def torch_step():
            opt.zero_grad()
            torch_bridge.masked_loss(model(xt), tt, mt).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()

        steps_of = (numpy_step, torch_step)
        for step in steps_of:
            step()  # warm up (torch allocates its buffers on the first call)
        best = [np.inf, np.inf]
        for _ in range(repeats):  # interleaved: both see the same load from other programs
            for i, step in enumerate(steps_of):
                start = time.process_time()
                for _ in range(steps):
                    step()
                best[i] = min(best[i], (time.process_time() - start) / steps)
        out = best
        return tuple(out)
    finally:
        torch.set_num_threads(threads)


def make_table(progress=None):
    """Time every (H, N) of GRID: {"H", "N", "numpy_ms" (nH, nN), "torch_ms" (nH, nN), "torch_version"}."""
    torch = torch_bridge.require_torch()
    shape = (len(GRID["H"]), len(GRID["N"]))
    numpy_ms, torch_ms = np.zeros(shape), np.zeros(shape)
    for i, H in enumerate(GRID["H"]):
        for j, N in enumerate(GRID["N"]):
            numpy_ms[i, j], torch_ms[i, j] = (1e3 * s for s in time_step(H, N))
            if progress is not None:
                progress(H, N, numpy_ms[i, j], torch_ms[i, j])
    return {"H": np.array(GRID["H"]), "N": np.array(GRID["N"]), "numpy_ms": numpy_ms, "torch_ms": torch_ms,
            "torch_version": np.array(torch.__version__)}


def load_table(path=None):
    """The shipped timing table (see ``make_table``), as a dict of arrays."""
    path = Path(TABLE_PATH if path is None else path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no table at {path}; make it with `python -m helpers.torch_views bench`")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def lookup(table, H, N):
    """(numpy ms, torch ms) per step at grid point (H, N); a clear error off the grid."""
    for name, value in (("H", H), ("N", N)):
        if value not in table[name]:
            raise ValueError(f"{name} must be one of the measured sizes {list(table[name])}, got {value}")
    i, j = list(table["H"]).index(H), list(table["N"]).index(N)
    return float(table["numpy_ms"][i, j]), float(table["torch_ms"][i, j])


def verdict(H, N, numpy_ms, torch_ms):
    """One line: which one wins at (H, N), and by how much."""
    faster, ratio = ("numpy", torch_ms / numpy_ms) if numpy_ms < torch_ms else ("torch", numpy_ms / torch_ms)
    why = ("per-call overhead dominates: little arithmetic per operation" if faster == "numpy"
           else "the arithmetic dominates, and torch's fused kernels do it faster")
    return (f"H = {H}, N = {N}: numpy {numpy_ms:.1f} ms, torch {torch_ms:.1f} ms per step; "
            f"{faster} is {ratio:.1f}x faster ({why})")


# --------------------------------------------------------------------------
# The widget: time per step against H, for the chosen batch size N
# --------------------------------------------------------------------------

def setup_speed(fig, table=None):
    """Axes, lines and texts once; returns the parts ``draw_speed`` moves."""
    table = load_table() if table is None else table
    C = plots.PALETTE
    ax = fig.subplots()
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.16, top=0.9)
    Hs = table["H"]
    both = np.concatenate([table["numpy_ms"].ravel(), table["torch_ms"].ravel()])
    ax.set(xscale="log", yscale="log", xlim=(Hs[0] / 1.4, Hs[-1] * 1.4),
           ylim=(both.min() / 1.5, both.max() * 1.5), xlabel="hidden size H (log scale)",
           ylabel="time per training step (ms, log)")
    ax.xaxis.set_major_locator(FixedLocator(Hs))
    ax.xaxis.set_major_formatter(FixedFormatter([str(h) for h in Hs]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    parts = {"ax": ax, "table": table}
    for name, color, marker in (("numpy", C["blue"], "o"), ("torch", C["vermillion"], "s")):
        parts[name], = ax.plot([], [], marker + "-", color=color, label=f"{name} (one thread)")
        parts[name + "_now"], = ax.plot([], [], marker, ms=12, mfc="none", mew=2, color=color)
    ax.legend(loc="upper left", fontsize=9)
    parts["title"] = ax.set_title(" ")
    return parts


def draw_speed(parts, H, N):
    """Show the measured times for batch size N, ring the point at H; return the verdict line."""
    table = parts["table"]
    numpy_ms, torch_ms = lookup(table, H, N)
    j = list(table["N"]).index(N)
    parts["numpy"].set_data(table["H"], table["numpy_ms"][:, j])
    parts["torch"].set_data(table["H"], table["torch_ms"][:, j])
    parts["numpy_now"].set_data([H], [numpy_ms])
    parts["torch_now"].set_data([H], [torch_ms])
    H_win = crossover(table, N)
    batch = f"Batch of N = {N} {'query' if N == 1 else 'queries'}"
    parts["title"].set_text(f"{batch}: torch is faster from H = {H_win} on" if H_win is not None
                            else f"{batch}: numpy is faster at every H measured")
    return verdict(H, N, numpy_ms, torch_ms)


def crossover(table, N):
    """The smallest H of the table at which torch is faster for batch size N (None if never)."""
    j = list(table["N"]).index(N)
    wins = np.nonzero(table["torch_ms"][:, j] < table["numpy_ms"][:, j])[0]
    return int(table["H"][wins[0]]) if wins.size else None


# --------------------------------------------------------------------------
# The live loss plot of the training cell
# --------------------------------------------------------------------------

class LossPlot:
    """A loss curve that redraws every ``every`` steps: ``display(plot.image)``, then ``plot.update(step, loss)``."""

    def __init__(self, steps, every=10, figsize=(6, 2.6)):
        self.steps = validate.integer("steps", steps, low=1)
        self.every = validate.integer("every", every, low=1)
        self.fig = widgets.agg_figure(figsize)
        ax = self.fig.subplots()
        self.fig.subplots_adjust(left=0.12, right=0.97, bottom=0.2, top=0.88)
        self.line, = ax.plot([], [], color=plots.PALETTE["vermillion"])
        ax.set(xlim=(0, self.steps), xlabel="update", ylabel="training loss (nats)",
               title="Training loss, live: it should fall from log V")
        self.ax, self.losses = ax, []
        self.image = widgets.label_figure(W.Image(format="png", layout=W.Layout(max_width="100%")), self.fig)

    def update(self, step, loss):
        self.losses.append(float(loss))
        if step % self.every == 0 or step == self.steps:
            self.line.set_data(np.arange(1, len(self.losses) + 1), self.losses)
            lo, hi = min(self.losses), max(self.losses)
            self.ax.set_ylim(lo - 0.05 * (hi - lo + 1e-3), hi + 0.05 * (hi - lo + 1e-3))
            self.fig.canvas.draw()
            self.image.value = plots.png_bytes(np.asarray(self.fig.canvas.buffer_rgba()))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m helpers.torch_views",
                                 description="Time numpy vs torch training steps; write the shipped table.")
    ap.add_argument("command", choices=["bench"])
    ap.add_argument("--out", default=str(TABLE_PATH), help="where to write the .npz (default: %(default)s)")
    args = ap.parse_args(argv)

    def report(H, N, n_ms, t_ms):
        print(f"H {H:>4} N {N:>3}: numpy {n_ms:7.2f} ms  torch {t_ms:7.2f} ms  torch/numpy {t_ms / n_ms:.2f}",
              flush=True)

    table = make_table(progress=report)
    np.savez(args.out, **table)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
