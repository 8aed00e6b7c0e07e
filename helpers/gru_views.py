"""The lag experiment's pictures (notebook 08): the shipped learning curves of a
vanilla RNN, an LSTM and a GRU on the adding problem, one lag at a time.

``setup_lag(fig)`` builds two panels once: left, test MSE against training step
at the chosen lag (one curve per model, the constant-guess baseline dashed);
right, where each model ended against the lag, with the chosen lag marked.
``draw_lag(parts, T)`` moves them to lag T and returns a one-line verdict.
Both read the shipped runs (helpers/data/lag_runs.npz, helpers.lag_lab).
"""
import functools

import numpy as np

from helpers import lag_lab, plots, validate

BASELINE = 1 / 6  # MSE of the best constant guess: the variance of a sum of two U(0, 1) numbers
LEARNED = 0.1  # a model "learned" the task when it ends below this share of the baseline
FLOOR = 1e-5  # the bottom of the log axes: every shipped curve ends above it
NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
COLOURS = {"rnn": "black", "lstm": "blue", "gru": "orange"}
STYLES = {"rnn": ":", "lstm": "-", "gru": "--"}


@functools.lru_cache(maxsize=2)
def shipped_runs(path=lag_lab.DATA_FILE):
    """The shipped runs, loaded once per path (see lag_lab.load_lag_runs)."""
    return lag_lab.load_lag_runs(path)


def lags(runs):
    """The lags T of the runs, sorted."""
    return sorted({key[1] for key in runs if isinstance(key, tuple)})


def summary(runs):
    """{kind: array of where each run ended (lag_lab.final_mse), one per lag in lags(runs)}."""
    return {kind: np.array([lag_lab.final_mse(runs, kind, T) for T in lags(runs)]) for kind in lag_lab.KINDS}


def steps_to_learn(runs, kind, T):
    """The first evaluated step at which the run (kind, T) is below LEARNED x the baseline, or None."""
    curve = runs[kind, T][1]
    below = np.flatnonzero(curve["test_mse"] < LEARNED * BASELINE)
    return int(curve["step"][below[0]]) if below.size else None


def lag_verdict(runs, T):
    """One line: where each model ended at lag T (share of the baseline), and when the learners learned."""
    parts = []
    for kind in lag_lab.KINDS:
        share, step = lag_lab.final_mse(runs, kind, T) / BASELINE, steps_to_learn(runs, kind, T)
        how = f" (below a tenth from step {step})" if share < LEARNED and step else " (not learned)"
        parts.append(f"{NAMES[kind]} ends at {100 * share:.2g}% of the baseline{how}")
    return f"lag T={T}: " + "; ".join(parts) + "."


def _check_lag(runs, T):
    options = lags(runs)
    T = validate.integer("T", T)
    if T not in options:
        raise ValueError(f"T must be one of the shipped lags {options}, got {T}")
    return T


def setup_lag(fig, runs=None):
    """Build both panels once; return the parts ``draw_lag`` changes (and the runs)."""
    runs = shipped_runs() if runs is None else runs
    pal = plots.PALETTE
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=(3, 2)))
    curves = {}
    for kind in lag_lab.KINDS:
        curves[kind], = ax1.semilogy([], [], STYLES[kind], color=pal[COLOURS[kind]], lw=2, label=NAMES[kind])
    steps = runs[lag_lab.KINDS[0], lags(runs)[0]][1]["step"]
    for ax in (ax1, ax2):
        ax.axhline(BASELINE, color=pal["vermillion"], ls="-.", lw=1)
        ax.set_ylim(FLOOR, 0.5)
    ax1.set(xlim=(0, steps[-1]), xlabel="training step", ylabel="test MSE (log scale)")
    ax1.legend(fontsize=9, loc="lower left")
    title = ax1.set_title("", fontsize=10)
    T_all, ends = lags(runs), summary(runs)
    for kind in lag_lab.KINDS:
        ax2.loglog(T_all, ends[kind], STYLES[kind], marker="o", ms=4, color=pal[COLOURS[kind]], lw=1.5)
    ax2.text(T_all[0], BASELINE * 1.15, "constant guess", ha="left", va="bottom", fontsize=9)
    marker = ax2.axvline(T_all[0], color=pal["green"], lw=6, alpha=0.3)
    ax2.set_xticks(T_all, [str(T) for T in T_all])
    ax2.minorticks_off()
    fails = [T for T, e in zip(T_all, ends["rnn"]) if e >= LEARNED * BASELINE]
    ax2.set(xlabel="lag T (steps)", ylabel="final test MSE (log scale)")
    ax2.set_title("Where each run ended:\n" + (f"the RNN fails from T = {fails[0]}" if fails else "all learn"),
                  fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.86, wspace=0.35)
    return {"runs": runs, "curves": curves, "title": title, "marker": marker}


def draw_lag(parts, T):
    """Show the learning curves at lag T (one of the shipped lags); return the verdict."""
    runs = parts["runs"]
    T = _check_lag(runs, T)
    for kind, line in parts["curves"].items():
        curve = runs[kind, T][1]
        line.set_data(curve["step"], np.maximum(curve["test_mse"], FLOOR))  # on the chart, whatever a run reaches
    learned = [NAMES[k] for k in lag_lab.KINDS if lag_lab.final_mse(runs, k, T) < LEARNED * BASELINE]
    who = "all three learn" if len(learned) == 3 else (" and ".join(learned) + " learn" if learned else "none learns")
    parts["title"].set_text(f"Lag T = {T}: {who}")
    parts["marker"].set_xdata([T, T])
    return lag_verdict(runs, T)
