"""The network guard that every kernel of the test suite runs under (tests/offline)."""
import os
import subprocess
import sys
from pathlib import Path

GUARD = Path(__file__).resolve().parent / "offline"


def run_guarded(code):
    env = dict(os.environ, PYTHONPATH=str(GUARD))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def test_guard_blocks_outside_addresses_and_lookups():
    out = run_guarded(
        "import socket\n"
        "for target in [('93.184.216.34', 80), ('example.org', 443)]:\n"
        "    try:\n"
        "        socket.create_connection(target, timeout=2)\n"
        "    except OSError as e:\n"
        "        assert 'blocked' in str(e), e\n"
        "    else:\n"
        "        raise SystemExit('connection was not blocked')\n"
        "print('blocked')\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "blocked"


def test_guard_leaves_loopback_open():
    out = run_guarded(
        "import socket\n"
        "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
        "c = socket.create_connection(srv.getsockname(), timeout=2); c.close(); print('ok')\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_suite_runs_under_the_guard():
    """conftest.py puts the guard on PYTHONPATH, so nbval's kernels inherit it."""
    assert str(GUARD) in os.environ.get("PYTHONPATH", "").split(os.pathsep)
