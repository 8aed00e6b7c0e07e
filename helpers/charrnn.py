"""A character RNN on real text (notebook 03, sections 8 and 9): min-char-rnn's model, in batches.

The text is the running Python's standard-library docstrings (``helpers.stdlib_text``),
one-hot coded over ``stdlib_text.CHARS`` (V = 96 characters). The model is notebook 03's
recurrent layer (``helpers.rnn``) with an output layer (``helpers.layers``) on top:

    h_t = tanh(x_t Wx + h_{t-1} Wh + b),    p_t = softmax(h_t Wy + c)

trained to predict character t + 1 (cross-entropy in nats per character) with Adam
(``helpers.optim``), the gradient clipped to global norm 5.

Two ways to cut the text into batches of N rows and T steps (``batches``):
- "sequential" (``stdlib_text.sequential_batches``): N streams read in order; the hidden
  state at the end of one batch starts the next (the gradient stops there: truncated
  BPTT), so the model is trained on context longer than T;
- "random" (``stdlib_text.random_windows``): windows at random places, each from a zero
  state, so it never sees more than T characters of context while training.

The shipped run ``helpers/data/charrnn.npz`` (``SHIPPED`` settings: one model per mode) is
rebuilt by ``python -m helpers.charrnn``; it stores the text's fingerprint, because
the text, and so the weights, differ between Python versions.

Shapes: N rows (batch), T steps, V = 96 characters, H hidden units; weights float32.
"""
import os
import time
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: extra BLAS threads only wait

import numpy as np  # noqa: E402

from helpers import layers, optim, rnn, stdlib_text, validate  # noqa: E402

V = len(stdlib_text.CHARS)
MODES = ("sequential", "random")
KEYS = ("Wx", "Wh", "b", "Wy", "c")
DATA_FILE = Path(__file__).resolve().parent / "data" / "charrnn.npz"
_EYE = np.eye(V, dtype=np.float32)  # row i: the one-hot code of character i

# The shipped run: both modes from the same initial weights, for the same number of updates.
SHIPPED = dict(H=256, N=32, T=64, lr=2e-3, clip=5.0, updates=8000, record_every=100, seed=0, valid_frac=0.1)


def split(text=None, frac=0.1):
    """(train_ids, valid_ids): the text cut by document (``stdlib_text.train_valid_split``), as int ids.

    text: a corpus string (default: all of ``stdlib_text.corpus()``).
    """
    text = stdlib_text.corpus() if text is None else text
    train, valid = stdlib_text.train_valid_split(text, frac)
    return encode(train), encode(valid)


def encode(text):
    """A str of ``stdlib_text.CHARS`` -> int ids (len(text),), the same on every machine."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    try:
        ids = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - 31
        ids[ids == -21] = 0  # "\n" (10 - 31) has id 0; the printable characters 32..126 have ids 1..95
        bad = int(np.argmax((ids < 0) | (ids >= V))) if ((ids < 0) | (ids >= V)).any() else None
    except UnicodeEncodeError as err:
        bad = err.start
    if bad is not None:
        raise ValueError(f"text must hold only stdlib_text.CHARS (printable ASCII and newline), "
                         f"got {text[bad]!r} at position {bad}")
    return ids


def decode(ids):
    """Int ids -> str."""
    return "".join(stdlib_text.CHARS[i] for i in np.asarray(ids).ravel())


def init_params(H, rng):
    """Small random weights (N(0, 1/fan_in)) and zero biases, float32.

    Returns {"Wx" (V, H), "Wh" (H, H), "b" (H,), "Wy" (H, V), "c" (V,)}.
    """
    H = validate.integer("H", H, low=1, high=4096)
    rng = validate.rng("rng", rng)
    p = {"Wx": rng.normal(0, 1 / np.sqrt(V), (V, H)), "Wh": rng.normal(0, 1 / np.sqrt(H), (H, H)),
         "b": np.zeros(H), "Wy": rng.normal(0, 1 / np.sqrt(H), (H, V)), "c": np.zeros(V)}
    return {k: v.astype(np.float32) for k, v in p.items()}


def _check_params(params):
    if not isinstance(params, dict) or set(params) != set(KEYS):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with the keys {list(KEYS)} (from init_params or load), got {got}")
    if params["Wx"].shape[0] != V:
        raise ValueError(f"params['Wx'] must have shape (V, H) with V = {V} characters, got {params['Wx'].shape}")
    return params["Wh"].shape[0]


def _ids(name, ids, ndim):
    ids = np.asarray(ids)
    if ids.ndim != ndim or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must be a {ndim}-D array of character ids, got {ids.dtype} with shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name} must hold ids in [0, V) = [0, {V}), got {ids.min()} to {ids.max()}")
    return ids


def forward(params, x, h0):
    """x ids (N, T), h0 (N, H) -> logits (N, T, V), h (N, T, H), caches for backward."""
    _check_params(params)
    x = _ids("x", x, 2)
    h, rnn_cache = rnn.forward(_EYE[x], h0, params["Wx"], params["Wh"], params["b"])
    logits, out_cache = layers.affine_forward(h, params["Wy"], params["c"])
    return logits, h, (rnn_cache, out_cache)


def loss_and_grads(params, x, y, h0):
    """Mean cross-entropy of the next characters y (N, T) given x (N, T) from state h0 (N, H).

    Returns (loss in nats/char, grads keyed like params, h_T (N, H): the state to carry on).
    """
    logits, h, (rnn_cache, out_cache) = forward(params, x, h0)
    y = _ids("y", y, 2)
    loss, dlogits = layers.softmax_cross_entropy(logits, y)
    dh, dWy, dc = layers.affine_backward(dlogits, out_cache)
    _, _, dWx, dWh, db = rnn.backward(dh, rnn_cache)
    return loss, dict(Wx=dWx, Wh=dWh, b=db, Wy=dWy, c=dc), h[:, -1].copy()


def batches(ids, N, T, mode, rng=None):
    """Endless (x, y, fresh) batches, x and y (N, T); fresh: start this batch from a zero state.

    "sequential": pass after pass over the text, fresh only at the start of a pass;
    "random": windows at random places (rng needed), every batch fresh.
    """
    validate.choice("mode", mode, MODES)
    ids = _ids("ids", ids, 1)
    if mode == "random":
        rng = validate.rng("rng", rng)
    while True:
        if mode == "sequential":
            for k, (x, y) in enumerate(stdlib_text.sequential_batches(ids, N, T)):
                yield x, y, k == 0
        else:
            for x, y in stdlib_text.random_windows(ids, N, T, rng):
                yield x, y, True


def train(params, ids, updates, N=32, T=64, lr=2e-3, mode="sequential", rng=None, clip=5.0, record_every=100,
          on_record=None):
    """Adam on ``updates`` batches of ids; params change in place.

    The state is carried from batch to batch in "sequential" mode (reset at each new
    pass) and zero for every batch in "random" mode. Returns dict(step (K,), loss (K,):
    the mean training loss of each record_every updates, in nats/char; seconds: CPU time).
    on_record(step, loss): called at each recorded step (e.g. to evaluate or sample).
    """
    H = _check_params(params)
    updates = validate.integer("updates", updates, low=1)
    record_every = validate.integer("record_every", record_every, low=1)
    lr = validate.number("lr", lr, low=0, low_open=True)
    stream = batches(ids, N, T, mode, rng)
    state, h, steps, losses, window = None, None, [], [], []
    start = time.process_time()  # CPU time: the same on a busy or an idle machine
    for s in range(1, updates + 1):
        x, y, fresh = next(stream)
        h = np.zeros((N, H), np.float32) if fresh else h
        loss, grads, h = loss_and_grads(params, x, y, h)
        optim.clip_by_global_norm(grads, clip)
        state = optim.adam(params, grads, state, lr=lr)
        window.append(loss)
        if s % record_every == 0 or s == updates:
            steps.append(s)
            losses.append(float(np.mean(window)))
            window = []
            if on_record is not None:
                on_record(s, losses[-1])
    return dict(step=np.array(steps), loss=np.array(losses), seconds=time.process_time() - start)


def evaluate(params, ids, carried=True, N=16, T=50, per_position=False):
    """Mean loss in nats/char on held-out ids, read as N streams in windows of T.

    carried=True: the state flows from window to window (the model sees all the text
    before); False: every window starts from a zero state (at most T characters of context).
    per_position=True: the mean loss at each position 1..T of a window instead, shape (T,)
    (its mean is the overall loss).
    """
    H = _check_params(params)
    total, count, h = np.zeros(validate.integer("T", T, low=1)), 0, np.zeros((N, H), np.float32)
    for x, y in stdlib_text.sequential_batches(_ids("ids", ids, 1), N, T):
        logits, hs, _ = forward(params, x, h if carried else np.zeros((N, H), np.float32))
        logp = layers.log_softmax(logits.astype(np.float64))
        total -= np.take_along_axis(logp, y[..., None], axis=-1)[..., 0].sum(axis=0)  # (T,)
        count += y.shape[0]
        h = hs[:, -1]
    return total / count if per_position else float(total.sum() / (count * T))


def real_word_share(sample_text, text, min_letters=3):
    """(share, count): of the words in sample_text, the share that occur as words in text.

    A word is a run of at least min_letters letters (shorter runs such as "a" or "s" are
    words of the text by chance too often to tell anything).
    """
    import re

    min_letters = validate.integer("min_letters", min_letters, low=1)
    pattern = re.compile(rf"(?<![A-Za-z])[A-Za-z]{{{min_letters},}}(?![A-Za-z])")
    known = set(pattern.findall(text))
    words = pattern.findall(sample_text)
    if not words:
        raise ValueError(f"sample_text must hold at least one word of {min_letters}+ letters, got {sample_text[:60]!r}")
    return float(np.mean([w in known for w in words])), len(words)


def sample(params, n, temperature, rng, prime="\n"):
    """n characters drawn one at a time from softmax(logits / temperature), after reading prime.

    temperature > 0: 1 samples the model's own probabilities, lower is more cautious.
    Returns the n new characters (a str, prime not included).
    """
    H = _check_params(params)
    n = validate.integer("n", n, low=1, high=100_000)
    temperature = validate.number("temperature", temperature, low=0, low_open=True, high=100)
    rng = validate.rng("rng", rng)
    if not isinstance(prime, str) or not prime:
        raise ValueError("prime must be a non-empty str of stdlib_text.CHARS (\"\\n\" starts a docstring), "
                         f"got {prime!r}")
    ids = encode(prime)
    _, hs, _ = forward(params, ids[None, :-1], np.zeros((1, H), np.float32)) if len(ids) > 1 else (0, None, 0)
    h = np.zeros((1, H), np.float32) if hs is None else hs[:, -1]
    i, out = int(ids[-1]), []
    for _ in range(n):
        h, _ = rnn.step_forward(_EYE[[i]], h, params["Wx"], params["Wh"], params["b"])
        z = (h @ params["Wy"] + params["c"])[0].astype(np.float64) / temperature
        q = np.exp(z - z.max())
        i = int(rng.choice(V, p=q / q.sum()))
        out.append(stdlib_text.CHARS[i])
    return "".join(out)


def shipped_run(mode, updates=None, train_ids=None, settings=SHIPPED):
    """Train one model as the shipped run does (same seeds): returns (params, curve).

    updates: fewer than settings["updates"] gives the first part of the same run.
    train_ids: the training ids (default: ``split()[0]`` of this Python's text).
    """
    validate.choice("mode", mode, MODES)
    s = settings
    train_ids = split(frac=s["valid_frac"])[0] if train_ids is None else train_ids
    params = init_params(s["H"], np.random.default_rng(s["seed"]))
    curve = train(params, train_ids, s["updates"] if updates is None else updates, N=s["N"], T=s["T"],
                  lr=s["lr"], mode=mode, rng=np.random.default_rng(s["seed"] + 1), clip=s["clip"],
                  record_every=s["record_every"])
    return params, curve


def load(path=DATA_FILE):
    """The shipped run: ({mode: (params, curve)}, info) with info["fingerprint"], info["seconds"], settings."""
    with np.load(path, allow_pickle=False) as z:
        runs = {m: ({k: z[f"{m}_{k}"] for k in KEYS}, dict(step=z[f"{m}_step"], loss=z[f"{m}_loss"]))
                for m in MODES}
        arrays = {f"{m}_{k}" for m in MODES for k in KEYS + ("step", "loss")}
        info = {k: z[k].item() for k in z.files if k not in arrays}  # settings, fingerprint, {mode}_seconds
    return runs, info


def make(path=DATA_FILE, settings=SHIPPED):
    """Train both modes with SHIPPED and save them (what ``python -m helpers.charrnn`` runs)."""
    train_ids, valid_ids = split(frac=settings["valid_frac"])
    arrays = {k: np.array(v) for k, v in settings.items()}
    arrays["fingerprint"] = np.array(stdlib_text.fingerprint())
    for mode in MODES:
        params, curve = shipped_run(mode, train_ids=train_ids, settings=settings)
        arrays.update({f"{mode}_{k}": v for k, v in params.items()})
        arrays.update({f"{mode}_step": curve["step"], f"{mode}_loss": curve["loss"]})
        arrays[f"{mode}_seconds"] = np.array(round(curve["seconds"]))
        print(f"{mode}: {curve['step'][-1]} updates in {curve['seconds'] / 60:.1f} min of CPU time, training loss "
              f"{curve['loss'][-1]:.3f}, valid {evaluate(params, valid_ids[:100_001]):.3f} nats/char", flush=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({Path(path).stat().st_size / 1e6:.2f} MB) for {arrays['fingerprint']}")


if __name__ == "__main__":
    make()
