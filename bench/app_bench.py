"""Benchmark of the map app against a naive st_folium page, in headless Chromium.

For each size (default 1,000 / 10,000 / 50,000 synthetic polygons of 50 vertices inside Jiangxi)
and each page (the real app, `mapapp.app.page`; the naive page, bench/app_naive_page.py), it starts
Streamlit on a free 127.0.0.1 port and measures, as a person would see it:

- first page: from navigation until every feature is drawn (cold = first visit after the server
  started, so the app's one-time caching is included; warm = a second visit);
- filter change: from clicking one kind in the sidebar multiselect until the map shows exactly
  that kind's features;
- server time of the reruns that the filter change caused (written by the page when
  MAPAPP_TIMING_LOG is set);
- bytes the page received: HTTP response bodies and websocket frames, for the first page and for
  the filter change.

Usage:  .venv/bin/python bench/app_bench.py [--sizes 1000 10000 50000] [--pages app naive]
        [--timeout 240] [--real BUILD_DIR]
With --real, it measures one existing build instead (e.g. the repository's real annotations built
with `mapapp build`); the filter change keeps the kind with the most located features.
Needs chromium (/usr/bin/chromium). Prints a table; paste it into bench/RESULTS.md.
"""
from __future__ import annotations

import contextlib

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from app_synthetic import make_build  # noqa: E402  (found through the sys.path entry above)

from mapapp.app.assets import runtime_dir  # noqa: E402
from mapapp.app.launch import stop_server, streamlit_command, wait_until_up  # noqa: E402
from mapapp.pipeline import load_build  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FILTER_KIND = "park"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def naive_script(tmp: Path) -> Path:
    folder = tmp / "naive"
    if not folder.exists():
        shutil.copytree(runtime_dir() / "static", folder / "static")
        shutil.copy(HERE / "app_naive_page.py", folder / "naive_page.py")
    return folder / "naive_page.py"


class Meter:
    """Counts the bytes a page receives (HTTP bodies + websocket frames)."""

    def __init__(self, page):
        self.bytes = 0
        page.on("requestfinished", self._finished)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _finished(self, request):
        with contextlib.suppress(Exception):  # a request whose sizes are gone (navigated away)
            self.bytes += max(0, request.sizes()["responseBodySize"])

    def _frame(self, payload):
        self.bytes += len(payload)


COUNT_JS = """(el) => (window.mapappDrawn !== undefined ? window.mapappDrawn
    : document.querySelectorAll('path.leaflet-interactive').length)"""


def map_count(page) -> int:
    """Features on the map: the app reports them (window.mapappDrawn, set after the frame that drew
    them, SVG or canvas); the naive page draws one SVG path per feature."""
    try:
        return page.frame_locator(MAP_FRAME).locator("#map_div").evaluate(COUNT_JS, timeout=2000)
    except Exception:  # no map frame yet, or it is being replaced
        return -1


def wait_count(page, n: int, timeout: float) -> float | None:
    """Poll (letting Playwright process events) until the map shows exactly n features."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if map_count(page) == n:
            return time.perf_counter() - start
        page.wait_for_timeout(50)
    return None


def timing_lines(log: Path) -> list[float]:
    if not log.exists():
        return []
    return [float(line.split()[1]) for line in log.read_text().splitlines() if line.strip()]


def measure(browser, url: str, n: int, expected: int, label: str, log: Path, timeout: float) -> dict:
    out = {}
    for visit in ("cold", "warm"):
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = ctx.new_page()
        meter = Meter(page)
        t0 = time.perf_counter()
        page.goto(url)
        waited = wait_count(page, n, timeout)
        out[f"first_{visit}_s"] = None if waited is None else time.perf_counter() - t0
        page.wait_for_timeout(500)
        out[f"first_{visit}_bytes"] = meter.bytes
        if visit == "cold":
            ctx.close()
            continue
        if waited is None:
            ctx.close()
            break
        before_lines = len(timing_lines(log))
        before_bytes = meter.bytes
        box = page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
        box.locator("input").click()
        page.keyboard.type(label.split(" (")[0])  # the list shows only what fits: narrow it first
        option = page.get_by_role("option").filter(has_text=label).first
        option.wait_for()
        t1 = time.perf_counter()
        option.click()
        waited = wait_count(page, expected, timeout)
        out["filter_s"] = None if waited is None else time.perf_counter() - t1
        page.wait_for_timeout(1000)
        reruns = timing_lines(log)[before_lines:]
        out["filter_reruns"] = len(reruns)
        out["filter_server_s"] = sum(reruns)
        out["filter_bytes"] = meter.bytes - before_bytes
        ctx.close()
    return out


def _builds(tmp: Path, sizes: list[int], real: Path | None):
    """Yield (n located, build folder, kind kept by the filter) for each build to measure."""
    if real is not None:
        b = load_build(real)
        located = b.features[b.features.geometry.notna()]
        kind = located["kind"].value_counts().index[0]
        print(f"# real build {real}: {len(located)} located; filter keeps {kind}", flush=True)
        yield len(located), real, kind
        return
    for n in sizes:
        t = time.perf_counter()
        folder = make_build(tmp / f"build-{n}", n)
        print(f"# {n} polygons: synthetic build in {time.perf_counter() - t:.1f} s", flush=True)
        yield n, folder, FILTER_KIND


def run(sizes: list[int], pages: list[str], timeout: float, real: Path | None = None) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="mapapp-bench-") as tmpdir, sync_playwright() as pw:
        tmp = Path(tmpdir)
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        for n, folder, kind in _builds(tmp, sizes, real):
            b = load_build(folder)
            located = b.features[b.features.geometry.notna()]
            expected = int((located["kind"] == kind).sum())
            label = f'{b.manifest["vocabulary"]["kinds"][kind]["zh"]} ({expected})'
            for which in pages:
                port = free_port()
                log = tmp / f"timing-{which}-{n}.log"
                env = dict(os.environ, MAPAPP_BUILD=str(folder), MAPAPP_DATA=str(HERE.parent),
                           MAPAPP_TIMING_LOG=str(log))
                env.pop("MAPAPP_CORPUS", None)
                script = None if which == "app" else naive_script(tmp)
                with open(tmp / f"server-{which}-{n}.log", "w") as server_log:
                    proc = subprocess.Popen(streamlit_command("127.0.0.1", port, script), env=env,
                                            stdout=server_log, stderr=subprocess.STDOUT)
                try:
                    url = f"http://127.0.0.1:{port}"
                    if not wait_until_up(url, proc=proc):
                        raise RuntimeError(f"server for {which} did not start")
                    r = measure(browser, url, n, expected, label, log, timeout)
                finally:
                    stop_server(proc, timeout=20)
                r.update(size=n, page=which)
                results.append(r)
                print(row(r), flush=True)
        browser.close()
    return results


def _s(v):
    return "timeout" if v is None else f"{v:.2f}"


def _mb(v):
    return "–" if v is None else f"{v / 1e6:.2f}"


HEADER = ("| features | page | first page cold (s) | first page warm (s) | filter change (s) | "
          "server per rerun (s) | reruns | first page MB | filter change MB |\n"
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|")


def row(r: dict) -> str:
    reruns = r.get("filter_reruns") or 0
    per = (r.get("filter_server_s") or 0) / reruns if reruns else None
    return (f"| {r['size']:,} | {r['page']} | {_s(r.get('first_cold_s'))} | {_s(r.get('first_warm_s'))} | "
            f"{_s(r.get('filter_s'))} | {_s(per)} | {reruns} | {_mb(r.get('first_warm_bytes'))} | "
            f"{_mb(r.get('filter_bytes'))} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--pages", nargs="+", default=["app", "naive"], choices=["app", "naive"])
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for a map (default 240)")
    ap.add_argument("--real", type=Path, default=None, help="measure this existing build folder instead")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; chromium {shutil.which('chromium')}", flush=True)
    results = run(args.sizes, args.pages, args.timeout, args.real)
    print()
    print(HEADER)
    for r in results:
        print(row(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
