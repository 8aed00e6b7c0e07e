"""Start and stop the servers the browser tests drive: JupyterLab and Voila.

Each server runs on a free loopback port, in its own process group (so its
kernels go with it), with its log in a file that failure messages quote.
Nothing here opens a browser window or touches the user's JupyterLab
settings: settings and workspaces live in a temporary folder.
"""
import json
import os
import re
import secrets
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
    """`make lab` as the README gives it (NBDIR=student for the student edition).

    Only what a user's machine would differ in is set, through the environment:
    a free port and a known token (JUPYTER_PORT, JUPYTER_TOKEN), a fresh
    Jupyter profile with quiet settings (JUPYTER_CONFIG_DIR,
    JUPYTERLAB_SETTINGS_DIR, JUPYTERLAB_WORKSPACES_DIR), and instead of a
    browser window (BROWSER) a script that writes down what it was asked to
    open. ``opened()`` is that address: the page `make lab` opens for a user.
    """

    def __init__(self, workdir, nbdir=None):
        workdir = Path(workdir)
        settings, workspaces = workdir / "lab-settings", workdir / "lab-workspaces"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        workspaces.mkdir(parents=True, exist_ok=True)
        (workdir / "jupyter-config").mkdir(exist_ok=True)
        self._opened = workdir / "browser-opened.txt"
        browser = workdir / "browser.sh"
        browser.write_text(f'#!/bin/sh\necho "$1" >> "{self._opened}"\n')
        browser.chmod(0o755)
        self.port, self.token = free_port(), secrets.token_hex(16)
        env = dict(os.environ, JUPYTER_PORT=str(self.port), JUPYTER_TOKEN=self.token, BROWSER=str(browser),
                   JUPYTER_CONFIG_DIR=str(workdir / "jupyter-config"),
                   JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces))
        cmd = ["make", "lab"] + ([f"NBDIR={nbdir}"] if nbdir else [])
        super().__init__(cmd, f"http://127.0.0.1:{self.port}", workdir / "jupyterlab.log", env=env)
        self.wait_until_up(f"/api/status?token={self.token}", timeout=120)

    def opened(self, timeout=10):
        """The address `make lab` asked the browser to open (a file:// redirect page), or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._opened.exists() and self._opened.read_text().strip():
                return self._opened.read_text().split()[0]
            time.sleep(0.2)
        return None

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


class VoilaServer(Server):
    """`make present NB=.. PORT=.. VOILA_ARGS=--no-browser`, as the README gives it."""

    def __init__(self, nb, workdir, nbdir=None):
        self.port = free_port()
        cmd = ["make", "present", f"NB={nb}", f"PORT={self.port}", "VOILA_ARGS=--no-browser"]
        if nbdir:
            cmd.append(f"NBDIR={nbdir}")
        super().__init__(cmd, f"http://127.0.0.1:{self.port}", Path(workdir) / f"voila-{nb}.log")
        self.wait_until_listening(timeout=120)

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


HTTP_ERROR = re.compile(r"\b([45]\d\d) (GET|POST|PUT|PATCH|DELETE|HEAD) (\S+)")


def http_errors(log_text):
    """The 4xx/5xx lines a Jupyter or Voila server logged (status, method, path)."""
    return [m.group(0) for m in HTTP_ERROR.finditer(log_text)]
