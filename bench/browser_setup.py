"""What the browser benchmarks share: how headless Chromium is started, where st_folium's map
frame is, and a free local port for an app server."""
from __future__ import annotations

import shutil
import socket

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def chromium_path() -> str:
    """Return the Debian chromium binary (scripts/install-system-deps.sh installs it)."""
    return shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
