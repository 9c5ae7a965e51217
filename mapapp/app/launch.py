"""Starting the map app: `mapapp app` -> `streamlit run` on the page, with the project's settings."""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path

from ..errors import MapappError
from ..pipeline import ensure_store
from ..project import Project
from .assets import STUB_NAME, runtime_dir

TIANDITU_KEY_ENV = "MAPAPP_TIANDITU_KEY"


def streamlit_command(host: str = "127.0.0.1", port: int = 8501, script: Path | None = None) -> list[str]:
    """Return the argv that serves the page (headless, static serving on, no usage statistics)."""
    script = script or runtime_dir() / STUB_NAME
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true", "--server.address", host, "--server.port", str(port),
            "--server.enableStaticServing", "true", "--server.fileWatcherType", "none",
            "--server.runOnSave", "false", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "minimal", "--theme.base", "light"]


def streamlit_env(project: Project, base: dict | None = None) -> dict[str, str]:
    """Return the environment that tells the page which project to show
    (MAPAPP_DATA/BUILD/CORPUS/STORE)."""
    env = dict(os.environ if base is None else base)
    env["MAPAPP_DATA"] = str(project.data_dir)
    env["MAPAPP_BUILD"] = str(project.build_dir)
    if project.store:
        env["MAPAPP_STORE"] = project.store
    else:
        env.pop("MAPAPP_STORE", None)
    if project.corpus_dir is not None:
        env["MAPAPP_CORPUS"] = str(project.corpus_dir)
    else:
        env.pop("MAPAPP_CORPUS", None)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


def start_server(project: Project, host: str = "127.0.0.1", port: int = 8501, extra_env: dict | None = None,
                 **popen) -> subprocess.Popen:
    """Start the Streamlit server in the background and return its process (the caller stops it).
    `extra_env` adds settings such as MAPAPP_TIANDITU_KEY or MAPAPP_CANVAS_ABOVE."""
    env = streamlit_env(project)
    env.update(extra_env or {})
    return subprocess.Popen(streamlit_command(host, port), env=env, **popen)


def stop_server(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop a server started by start_server: terminate, then kill if it has not exited in `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_until_up(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> bool:
    """Return True once `url`/_stcore/health answers, False after `timeout` s or if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


NO_CORPUS_NOTE = ("note: no plan documents configured (--corpus DIR, MAPAPP_CORPUS, or make app CORPUS=DIR). "
                  "The map works, but the evidence panel shows each quote alone, without the paragraph "
                  "around it, and the quotes are not checked against the documents. README.md "
                  "(\"Plan documents\") says where each document is officially published.")


def check_port_free(host: str, port: int) -> None:
    """Raise MapappError with one clear message when `port` on `host` cannot be served (in use,
    or not allowed)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise MapappError(f"port {port} on {host} is already in use (another mapapp or another program); "
                                  f"stop it, or choose another port: mapapp app --port 8600 "
                                  f"(or make app PORT=8600)") from None
            raise MapappError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def launch(project: Project, host: str = "127.0.0.1", port: int = 8501, open_browser: bool = True) -> int:
    """Build if there is no build, serve the app until interrupted, open the browser unless told
    not to. Returns Streamlit's exit code. Raises MapappError when the port is taken or the build
    fails."""
    check_port_free(host, port)
    if project.corpus_dir is None:
        print(NO_CORPUS_NOTE, file=sys.stderr, flush=True)
    print("  … checking the build", file=sys.stderr, flush=True)
    ensure_store(project, progress=lambda msg: print(f"  … {msg}", file=sys.stderr, flush=True))
    proc = start_server(project, host, port)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{shown_host}:{port}"

    def _open():
        if wait_until_up(url, proc=proc):
            print(f"mapapp is running at {url} (Ctrl+C to stop)", file=sys.stderr, flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=_open, daemon=True).start()
    try:
        code = proc.wait()
        if code:
            print(f"error: the Streamlit server stopped with exit code {code} (its messages are above)",
                  file=sys.stderr)
        return code
    except KeyboardInterrupt:
        stop_server(proc, timeout=10)
        raise
