"""Start and stop the servers the browser tests drive: JupyterLab and Voila.

Each server runs on a free loopback port, in its own process group (so its
kernels go with it), with its log in a file that failure messages quote.
Nothing here opens a browser window or touches the user's JupyterLab
settings: settings and workspaces live in a temporary folder.
"""
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's jupyter, voila, ...

# JupyterLab user settings for a quiet, deterministic test session:
# every cell stays in the DOM (no virtual scrolling), no news toast, and
# never autosave (the tests must not rewrite the committed notebooks).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    """GET url; return (status, body text), or (None, error text) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, str(err)
    except (urllib.error.URLError, OSError) as err:
        return None, str(err)


class Server:
    """A server process we started: ``url``, ``log`` (path), ``stop()``."""

    def __init__(self, cmd, url, log, env=None, cwd=ROOT, shell=False):
        self.url, self.log = url, Path(log)
        self.cmd = cmd
        self._log_file = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, shell=shell, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def log_tail(self, n=25):
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def wait_until_up(self, path, timeout):
        """Poll url+path until it answers 200; raise RuntimeError with the log tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}:\n"
                                   f"  {self.cmd}\n{self.log_tail()}")
            status, _ = http_get(self.url + path, timeout=timeout)
            if status == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"server did not answer {path} within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        """Terminate our process group (the server and its kernels), then close the log."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self._log_file.close()


class LabServer(Server):
    """JupyterLab on a free port with a token, root dir = ``root``."""

    def __init__(self, root, workdir):
        workdir = Path(workdir)
        settings, workspaces = workdir / "lab-settings", workdir / "lab-workspaces"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        workspaces.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(workspaces))
        self.port, self.token = free_port(), secrets.token_hex(16)
        cmd = [str(BIN / "jupyter-lab"), "--no-browser", "--ServerApp.open_browser=False",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly",
               # checkpoints (made when a notebook opens) go to the temp folder, not notebooks/
               f"--FileCheckpoints.checkpoint_dir={workdir / 'checkpoints'}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI runs as root
            cmd.append("--allow-root")
        super().__init__(cmd, f"http://127.0.0.1:{self.port}", workdir / "jupyterlab.log", env=env)
        self.wait_until_up(f"/api/status?token={self.token}", timeout=90)

    def api(self, path, method="GET"):
        """Call the REST API with the token; return parsed JSON (or None for empty replies)."""
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def session_for(self, name):
        """The /api/sessions entry for notebook ``name``, or None."""
        for s in self.api("sessions"):
            if s.get("path") == name or s.get("notebook", {}).get("path") == name:
                return s
        return None

    def kernel_ready(self, name):
        """True when the notebook's kernel exists, is idle and has a browser connection."""
        s = self.session_for(name)
        if not s:
            return False
        k = self.api(f"kernels/{s['kernel']['id']}")
        return k.get("execution_state") == "idle" and k.get("connections", 0) >= 1

    def kernel_state(self, name):
        s = self.session_for(name)
        return self.api(f"kernels/{s['kernel']['id']}").get("execution_state") if s else None

    def close_session(self, name):
        s = self.session_for(name)
        if s:
            self.api(f"sessions/{s['id']}", method="DELETE")

    def stop(self):
        try:  # a polite shutdown first: it stops the kernels too
            self.api("shutdown", method="POST")
            self.proc.wait(timeout=15)
        except Exception:
            pass
        super().stop()


def present_command(nb, port, nbdir=None):
    """The shell command `make present NB=.. PORT=..` runs (read with `make -n`)."""
    args = ["make", "-n", "-s", "present", f"NB={nb}", f"PORT={port}", f"BIN={BIN}",
            "VOILA_ARGS=--no-browser"]
    if nbdir:
        args.append(f"NBDIR={nbdir}")
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in out.splitlines() if "voila" in ln and "--strip_sources=True" in ln]
    if not lines:
        raise RuntimeError(f"`{shlex.join(args)}` printed no voila command:\n{out}")
    return lines[-1]


class VoilaServer(Server):
    """`make present NB=..` (Voila, sources stripped) on a free port, no browser."""

    def __init__(self, nb, workdir, nbdir=None):
        self.port = free_port()
        cmd = present_command(nb, self.port, nbdir)
        super().__init__(cmd, f"http://127.0.0.1:{self.port}", Path(workdir) / f"voila-{nb}.log",
                         shell=True)
        self.wait_until_listening(timeout=60)

    def wait_until_listening(self, timeout):
        """Wait for the port to accept connections (a GET of / would start a kernel)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited with code {self.proc.returncode}:\n"
                                   f"  {self.cmd}\n{self.log_tail()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"voila did not listen on port {self.port} within {timeout} s:\n{self.log_tail()}")
