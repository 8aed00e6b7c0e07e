"""helpers.torch_bridge and helpers.torch_views: numpy and torch agree, and the course works without torch.

Without torch: the helpers import, and notebook 09 stops at its Setup cell with
the one command to run (no traceback). With torch: the 07 model gives the same
probabilities in torch, autograd equals the hand-written backward passes,
detach equals 04's chunked truncation, and torch training follows numpy's.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import autocomplete, bptt, corpus, layers, lm, lstm, rnn, torch_bridge, torch_views
from reference import rnn_problem

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "09-numpy-to-pytorch.ipynb"
NO_TORCH = """
import sys

class _NoTorch:
    # Makes `import torch` fail, as on a machine without PyTorch.
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return None

sys.meta_path.insert(0, _NoTorch())
"""


@pytest.fixture
def no_torch_env(tmp_path, monkeypatch):
    """PYTHONPATH with a sitecustomize that hides torch from every Python started from here on."""
    (tmp_path / "sitecustomize.py").write_text(NO_TORCH)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT)]))
    return tmp_path


def test_helpers_import_without_torch(no_torch_env):
    code = textwrap.dedent("""
        from helpers import torch_bridge, torch_views
        from helpers.exercises import nb09
        try:
            torch_bridge.require_torch()
        except torch_bridge.TorchMissing as err:
            print(err)
        r = nb09.check_clip_global_norm(lambda p, m: 1.0)
        print(r.ok)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert torch_bridge.INSTALL in out.stdout and "restart the kernel" in out.stdout
    assert out.stdout.strip().endswith("False")  # a check without torch says so, it does not crash


def test_notebook_without_torch_stops_at_setup_with_the_command(no_torch_env):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with pytest.raises(CellExecutionError):
        client.execute()
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count is not None]
    assert len(ran) == 1 and "require_torch()" in ran[0].source, "Run All must stop at the Setup cell"
    errors = [o for o in ran[0].outputs if o.output_type == "error"]
    assert len(errors) == 1
    shown = "\n".join(errors[0].traceback)  # what the learner sees: only the message lines
    assert torch_bridge.INSTALL in shown and "restart the kernel" in shown
    assert "Traceback" not in shown and "File " not in shown and len(errors[0].traceback) <= 8, shown


torch = pytest.importorskip("torch", reason="torch==2.13.0: make torch")


@pytest.fixture(scope="module")
def model_np():
    return autocomplete.load_pretrained()


def params64(model):
    return {k: v.astype(np.float64) for k, v in model.params.items()}


def test_same_probabilities_in_float64(model_np):
    params = params64(model_np)
    model = torch_bridge.from_numpy(params)
    for prefix in ("what's the best food to eat in las", "best beaches to visit in las", "cheap"):
        ids = model_np.ids(prefix)
        with torch.no_grad():
            p_torch = torch.softmax(model(torch.from_numpy(ids)), dim=-1).numpy()
        p_numpy = layers.softmax(lm.forward(params, ids)[0], axis=-1)
        assert np.abs(p_torch - p_numpy).max() < 1e-12


def test_round_trip_and_dtype(model_np):
    m32 = torch_bridge.from_numpy(model_np.params)
    assert m32.lstm.weight_ih_l0.dtype == torch.float32
    back = torch_bridge.to_numpy(m32)
    for k, v in model_np.params.items():
        assert back[k].shape == v.shape and np.array_equal(back[k], v.astype(np.float64))


def test_masked_loss_is_the_course_loss(model_np):
    params = params64(model_np)
    train, _, _ = corpus.load_split(seed=0)
    x, t, m = lm.encode(train[:9], model_np.vocab)
    logits, _ = lm.forward(params, x)
    want, _ = layers.softmax_cross_entropy(logits, t, m)
    got = torch_bridge.masked_loss(torch.from_numpy(logits), t, m).item()
    assert abs(got - want) < 1e-12


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 7, 4, 5), (2, 30, 3, 6)], ids=lambda s: "N%d-T%d-D%d-H%d" % s)
def test_autograd_equals_hand_written_rnn_and_lstm(shape):
    rng = np.random.default_rng(sum(shape))
    x, h0, Wx, Wh, b = rnn_problem(rng, *shape, scale=0.4)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    for ours, theirs in zip(rnn.backward(dh, cache),
                            torch_bridge.autograd_grads(torch_bridge.rnn_forward, dh, x, h0, Wx, Wh, b)):
        assert torch_bridge.max_relative_error(ours, theirs) < 1e-12
    x, h0, Wx, Wh, b = rnn_problem(rng, *shape, scale=0.4, gates=4)
    c0 = rng.standard_normal(h0.shape)
    h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
    dx, dh0, dWx, dWh, db, dc0 = lstm.backward(dh, cache)
    theirs = torch_bridge.autograd_grads(torch_bridge.lstm_forward, dh, x, h0, c0, Wx, Wh, b)
    for ours, t in zip((dx, dh0, dc0, dWx, dWh, db), theirs):
        assert torch_bridge.max_relative_error(ours, t) < 1e-12


@pytest.mark.parametrize("k", [1, 3, 7, 8, 50])
def test_detach_every_k_is_chunked_truncated_bptt(k):
    rng = np.random.default_rng(k)
    x, h0, Wx, Wh, b = rnn_problem(rng, 3, 7, 4, 5, scale=0.9)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    want = bptt.chunked_backward(dh, cache, k)
    _, _, *got = torch_bridge.autograd_grads(lambda *a: torch_bridge.rnn_forward(*a, detach_every=k),
                                             dh, x, h0, Wx, Wh, b)
    for name, g in zip(("dWx", "dWh", "db"), got):
        assert torch_bridge.max_relative_error(g, want[name]) < 1e-12
    full = rnn.backward(dh, cache)[3]
    assert (torch_bridge.max_relative_error(got[1], full) < 1e-12) == (k >= 7)  # k >= T: nothing is cut


def test_torch_training_follows_numpy_training():
    train, _, _ = corpus.load_split(seed=0)
    vocab = lm.build_vocab(train)
    data = lm.encode(train[:400], vocab)
    start = lm.init_params(len(vocab), 6, 7, np.random.default_rng(3), dtype=np.float64)
    p = {k: v.copy() for k, v in start.items()}
    hist_np = lm.train(p, *data, N=8, lr=1e-2, max_norm=0.3, rng=np.random.default_rng(4), max_steps=8)
    model = torch_bridge.from_numpy(start)
    hist_t = torch_bridge.train(model, *data, 8, np.random.default_rng(4), N=8, lr=1e-2, max_norm=0.3)
    assert max(hist_np["grad_norm"]) > 0.3  # clipping was active: torch's 1e-6 guard makes the small gap below
    assert np.allclose(hist_np["loss"], hist_t["loss"], rtol=1e-6, atol=0)
    assert np.allclose(hist_np["grad_norm"], hist_t["grad_norm"], rtol=1e-6, atol=0)
    back = torch_bridge.to_numpy(model)
    assert max(np.abs(p[k] - back[k]).max() for k in p) < 1e-6
    assert not model.lstm.bias_hh_l0.requires_grad and not model.lstm.bias_hh_l0.any()


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match="H"):
        torch_bridge.language_model(10, 3, 0)
    with pytest.raises(ValueError, match="params"):
        torch_bridge.from_numpy({"W_embed": np.zeros((3, 2))})


# ---------------------------------------------------------------- speed table and widget


def test_shipped_table_backs_the_notebooks_claim():
    """The table the notebook prints: numpy faster for the smallest model, torch for the largest."""
    table = torch_views.load_table()
    assert list(table["H"]) == list(torch_views.GRID["H"]) and list(table["N"]) == list(torch_views.GRID["N"])
    ratio = table["torch_ms"] / table["numpy_ms"]
    assert ratio.shape == (5, 4) and np.all(table["numpy_ms"] > 0)
    assert ratio[0, 0] > 1.5 and ratio[-1, -1] < 1
    assert torch_views.crossover(table, 1) is None and torch_views.crossover(table, 64) is not None


def test_time_step_measures_both():
    t_np, t_t = torch_views.time_step(4, 2, repeats=1, steps=1)
    assert 0 < t_np < 1 and 0 < t_t < 1
    assert torch.get_num_threads() >= 1


def test_make_table_writes_what_load_table_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(torch_views, "GRID", {"H": (3, 5), "N": (1, 2)})
    monkeypatch.setattr(torch_views, "time_step", lambda H, N: (H * 1e-3, N * 1e-3))
    assert torch_views.main(["bench", "--out", str(tmp_path / "t.npz")]) == 0
    table = torch_views.load_table(tmp_path / "t.npz")
    assert table["numpy_ms"].tolist() == [[3, 3], [5, 5]] and table["torch_ms"].tolist() == [[1, 2], [1, 2]]


def test_widget_draws_every_setting_and_rejects_off_grid():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.8))
    parts = torch_views.setup_speed(fig)
    table = parts["table"]
    for H in table["H"]:
        for N in table["N"]:
            text = torch_views.draw_speed(parts, int(H), int(N))
            assert f"H = {H}, N = {N}" in text and "faster" in text
    assert "numpy" in torch_views.draw_speed(parts, 16, 1).split(";")[1]
    with pytest.raises(ValueError, match="H must be one of"):
        torch_views.draw_speed(parts, 100, 1)


def test_loss_plot_redraws():
    plot = torch_views.LossPlot(20, every=5)
    for step in range(1, 21):
        plot.update(step, 5.0 - 0.1 * step)
    assert plot.image.value[:4] == b"\x89PNG" and len(plot.line.get_xdata()) == 20
