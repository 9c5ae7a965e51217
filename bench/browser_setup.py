"""What the browser benchmarks share: how headless Chromium is started, where the map
frame is, and a free local port for an app server."""
from __future__ import annotations

import shutil
import socket

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the map's frame: st_folium's, or the one of the prototype map host (bench/map_host_prototype.py)
MAP_FRAME = "iframe[title='streamlit_folium.st_folium'], iframe[name='mapapp-map']"
# Evaluate a function's source (a string) in the map's frame, from the page (the frame is
# same-origin). Playwright does not list a frame made from srcdoc by a script (page.frames), so the
# map host's frame is reached through its element.
FRAME_EVAL_JS = """([selector, source]) => {
    const frame = document.querySelector(selector);
    const w = frame && frame.contentWindow;
    if (!w || !w.document || !w.document.getElementById('map_div')) { return null; }
    return w.eval('(' + source + ')()');
}"""


def frame_eval(page, source: str):
    """Return the value of the function `source` (JavaScript source text) run in the map's frame,
    or None while there is no map frame with a map."""
    return page.evaluate(FRAME_EVAL_JS, [MAP_FRAME, source])


def chromium_path() -> str:
    """Return the Debian chromium binary (scripts/install-system-deps.sh installs it)."""
    return shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
