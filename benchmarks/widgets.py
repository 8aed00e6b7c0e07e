"""Run each notebook, then time every widget experiment it created.

For every ``helpers.widgets.Experiment`` alive in the notebook's kernel, each
control is moved to a few values (a slider's ends and middle, every dropdown
option, a few texts); we time the whole update the learner waits for
(recompute + draw + render + PNG), and separately the recompute-and-draw part
alone (``Experiment.recompute``: no rendering).
Budget: 100 ms for the whole update (aim for 30 ms).
"""
import json
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import make_notebooks  # noqa: E402  (the course's own way to run a notebook)

PROBE = r'''
import json, time, statistics
import ipywidgets as _W
from helpers import widgets as _widgets
_out = []
for _exp in _widgets.live_experiments():
    _full, _draw = [], []
    for _name, _c in _exp.controls.items():
        if isinstance(_c, (_W.IntSlider, _W.FloatSlider, _W.FloatLogSlider)):
            _vals = [_c.max, _c.min, _c.min + (_c.max - _c.min) / 2 if not isinstance(_c, _W.IntSlider) else (_c.min + _c.max) // 2]
        elif isinstance(_c, (_W.Dropdown, _W.ToggleButtons, _W.RadioButtons, _W.SelectionSlider)):
            _vals = list(_c.options)[:4]
            _vals = [v[1] if isinstance(v, tuple) else v for v in _vals]
        elif isinstance(_c, (_W.Text, _W.Textarea)):
            _vals = [_c.value + " a", _c.value]
        elif isinstance(_c, _W.Checkbox):
            _vals = [not _c.value, _c.value]
        else:
            continue
        for _v in _vals:
            _t0 = time.perf_counter(); _c.value = _v; _full.append(time.perf_counter() - _t0)
            _t0 = time.perf_counter()
            try:
                _exp.recompute()  # draw without rendering: update's first half
            except (ValueError, FloatingPointError):  # a setting the widget reports as a message
                pass
            _draw.append(time.perf_counter() - _t0)
    if _full:
        _out.append({"controls": ", ".join(_exp.controls), "n": len(_full),
                     "full_median": statistics.median(_full), "full_max": max(_full),
                     "draw_median": statistics.median(_draw)})
print(json.dumps(_out))
'''


def time_notebook(path):
    """Execute a notebook; return (seconds, [widget timings])."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    seconds = make_notebooks.execute(nb, path)
    probe_out = nb.cells[-1].outputs
    text = "".join(o.get("text", "") for o in probe_out if o.output_type == "stream")
    return seconds, json.loads(text.strip().splitlines()[-1])


def run(report):
    print("notebook execution (fresh kernel each) and widget updates")
    total = 0.0
    for path in make_notebooks.notebooks():
        # Timing the probe inside the run would bias the notebook time a little; it is small.
        seconds, widgets = time_notebook(path)
        total += seconds
        report(f"{path.name} executes", f"{seconds:.1f}", "<= 30 s", seconds <= 30, " s")
        for w in widgets:
            label = f"  widget [{w['controls']}]"
            label = label if len(label) <= 44 else label[:41] + "...]"
            report(f"{label} update, median", f"{w['full_median'] * 1e3:.0f}", "<= 100 ms", w["full_median"] <= 0.100,
                   f" ms (max {w['full_max'] * 1e3:.0f}, compute alone {w['draw_median'] * 1e3:.0f})")
    report("whole course executes", f"{total:.1f}", "<= 180 s", total <= 180, " s")
