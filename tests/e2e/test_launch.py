"""`mapapp app` builds first when there is no build, then serves the page."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from mapapp.app.launch import wait_until_up

from .conftest import free_port


def test_mapapp_app_builds_first_then_serves(small_project, tmp_path, app_page):
    build_dir = tmp_path / "fresh-build"
    port = free_port()
    cmd = [sys.executable, "-c", "import sys; from mapapp.cli import main; sys.exit(main())", "app",
           "--data", str(small_project.data_dir), "--build-dir", str(build_dir), "--port", str(port),
           "--no-browser"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAPAPP_")}
    with open(tmp_path / "app.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_until_up(url, timeout=120, proc=proc), (tmp_path / "app.log").read_text()
        assert (build_dir / "manifest.json").is_file()
        p = app_page(url).open()
        assert p.wait_feature_count(3) == 3
    finally:
        proc.send_signal(signal.SIGINT)  # the launcher stops its Streamlit child on Ctrl+C
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.5)
    log = (tmp_path / "app.log").read_text()
    assert "running at" in log
    # started without plan documents: says so plainly, and what the user loses
    assert "no plan documents configured" in log and "without the paragraph" in log


def test_mapapp_app_on_a_busy_port_says_so_once_and_exits_1(small_project, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cmd = [sys.executable, "-c", "import sys; from mapapp.cli import main; sys.exit(main())", "app",
               "--data", str(small_project.data_dir), "--build-dir", str(small_project.build_dir),
               "--port", str(port), "--no-browser"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in done.stderr
