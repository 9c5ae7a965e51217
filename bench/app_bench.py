"""Benchmark of the map app against a naive st_folium page, in headless Chromium.

For each size (default 1,000 / 10,000 / 50,000 synthetic polygons of 50 vertices inside Jiangxi)
and each page (the real app, `mapapp.app.page`; the naive page, bench/app_naive_page.py), it starts
Streamlit on a free 127.0.0.1 port and measures, as a person would see it:

- first page: from navigation until every feature is drawn (cold = first visit after the server
  started, so the app's one-time caching is included; warm = a second visit);
- narrowing filter change: from clicking one kind in the sidebar multiselect until the map shows
  exactly that kind's features;
- widening filter change: from removing that kind again (the chip's remove button) until the map
  shows every feature again;
- click to evidence (the app only; the naive page has no evidence panel): from a click on the
  smallest drawn polygon (fired on its Leaflet layer, so the same handlers run as for a mouse
  click) until that feature's evidence panel is on the page;
- server time of the reruns that the filter changes caused (written by the page when
  MAPAPP_TIMING_LOG is set);
- bytes the page received: HTTP response bodies and websocket frames, for the first page and for
  each filter change;
- memory: the server's resident set (VmRSS after the scenario, VmHWM its peak, from /proc) and
  the browser's JavaScript heap of the page and its map frame after a garbage collection (CDP
  Runtime.getHeapUsage), after the first page and after the filter changes.

Usage:  .venv/bin/python bench/app_bench.py [--sizes 1000 10000 50000] [--pages app host naive before]
        [--timeout 240] [--real BUILD_DIR] [--repeat N] [--before SOURCE_DIR]
The page "host" is the app with its map drawn by the prototype host of
bench/map_host_prototype.py (a Streamlit v2 component) instead of st_folium.
With --before DIR (a checkout of an earlier commit, e.g. `git worktree add` or `git archive`), the
page "before" is that commit's app, served from its own code and static files in the same run.
With --repeat N every page is measured N times (a fresh server each time) and the table gives the
medians.
With --real, it measures one existing build instead (e.g. the repository's real annotations built
with `mapapp build`); the filter change keeps the kind with the most located features.
Needs chromium (/usr/bin/chromium). Prints a table; paste it into bench/RESULTS.md.
"""
from __future__ import annotations


import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from app_synthetic import make_build  # noqa: E402  (found through the sys.path entry above)
from browser_setup import CHROMIUM_ARGS, MAP_FRAME, chromium_path, free_port  # noqa: E402
from map_host_prototype import page_script  # noqa: E402

from mapapp.app.assets import runtime_dir  # noqa: E402
from mapapp.app.launch import stop_server, streamlit_command, wait_until_up  # noqa: E402
from mapapp.pipeline import load_build  # noqa: E402

FILTER_KIND = "park"



def naive_script(tmp: Path) -> Path:
    folder = tmp / "naive"
    if not folder.exists():
        shutil.copytree(runtime_dir() / "static", folder / "static")
        shutil.copy(HERE / "app_naive_page.py", folder / "naive_page.py")
    return folder / "naive_page.py"


class Meter:
    """Counts the bytes a page receives, as the browser's network layer reports them (DevTools
    protocol): every HTTP response (encoded length, headers included) and websocket frame."""

    def __init__(self, page):
        self.bytes = 0
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.send("Network.enable")

    def _finished(self, event):
        self.bytes += int(event.get("encodedDataLength") or 0)

    def _frame(self, event):
        frame = event["response"]
        data = frame["payloadData"]  # binary frames (opcode 2) come base64-encoded
        self.bytes += len(data) * 3 // 4 if frame.get("opcode") == 2 else len(data.encode("utf-8"))


# Features on the map, read from the page (the map frame is same-origin) so that the browser itself can
# poll it on every animation frame: Playwright learns the count within a frame (~17 ms) instead of
# one locator round trip plus 50 ms.
SHOWS_JS = """([n, selector]) => {
    const frame = document.querySelector(selector);
    const w = frame && frame.contentWindow, d = w && w.document;
    if (!d || !d.getElementById('map_div')) { return false; }
    const count = w.mapappDrawn !== undefined ? w.mapappDrawn
        : d.querySelectorAll('path.leaflet-interactive, .leaflet-marker-icon').length;
    return count === n;
}"""


def wait_count(page, n: int, timeout: float) -> float | None:
    """Wait until the map shows exactly n features (polled by the browser on every animation
    frame); return the seconds waited, or None after `timeout`."""
    start = time.perf_counter()
    try:
        page.wait_for_function(SHOWS_JS, arg=[n, MAP_FRAME], polling="raf", timeout=timeout * 1000)
    except Exception:  # Playwright's TimeoutError (or the page closed)
        return None
    return time.perf_counter() - start


def timing_lines(log: Path) -> list[float]:
    if not log.exists():
        return []
    return [float(line.split()[1]) for line in log.read_text().splitlines() if line.strip()]


CLICK_JS = """() => {
    // a click on the smallest polygon on the map, fired on its Leaflet layer: the same handlers a
    // mouse click reaches (the page's and st_folium's), without depending on what covers it
    let best = null, area = Infinity;
    window.map.eachLayer(l => {
        if (!(l instanceof L.Polygon) || !l.feature || l.feature.properties.w) { return; }
        const b = l.getBounds(), a = (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
        if (a < area) { area = a; best = l; }
    });
    if (!best) { return null; }
    best.fire('click', {latlng: best.getCenter()}, true);
    return best.feature.properties.id;
}"""


def apply_ms(page) -> float | None:
    """Milliseconds the map spent applying the last selection (mapapp.times.apply: show/hide and
    fit, before the browser paints), or None for a page that does not report it."""
    try:
        return page.frame_locator(MAP_FRAME).locator("#map_div").evaluate(
            "() => (window.mapapp && window.mapapp.times ? window.mapapp.times.apply : null)", timeout=5000)
    except Exception:
        return None


def heap_mb(cdp) -> float | None:
    """The page's JavaScript heap in use after a garbage collection (MB; the map frame is
    same-origin, so it shares the page's heap)."""
    try:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
    except Exception:
        return None


def server_memory(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of a process in MB, from /proc."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1e3, int(fields["VmHWM"].split()[0]) / 1e3
    except (OSError, KeyError, ValueError):
        return None, None


def _filter_change(page, meter, log: Path, expected: int, timeout: float, act) -> tuple:
    """Run `act` (a click), wait until the map shows `expected` features; return (seconds, reruns,
    server seconds, bytes)."""
    before_lines = len(timing_lines(log))
    before_bytes = meter.bytes
    t1 = time.perf_counter()
    act()
    waited = wait_count(page, expected, timeout)
    elapsed = None if waited is None else time.perf_counter() - t1
    page.wait_for_timeout(1000)
    reruns = timing_lines(log)[before_lines:]
    return elapsed, len(reruns), sum(reruns), meter.bytes - before_bytes


def measure(browser, url: str, n: int, expected: int, label: str, log: Path, timeout: float, which: str) -> dict:
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
        cdp = meter.cdp
        out["heap_first_mb"] = heap_mb(cdp)
        box = page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
        box.locator("input").click()
        page.keyboard.type(label.split(" (")[0])  # the list shows only what fits: narrow it first
        # the naive page's options show the kind's name only, the app's also its count
        option = page.get_by_role("option").filter(has_text=label if which != "naive" else label.split(" (")[0]).first
        option.wait_for()
        s, k, srv, b = _filter_change(page, meter, log, expected, timeout, option.click)
        out.update(narrow_s=s, narrow_reruns=k, narrow_server_s=srv, narrow_bytes=b, narrow_apply_ms=apply_ms(page))
        if s is None:
            ctx.close()
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        chip = box.locator("button[aria-label^='Remove']").last  # the chip's own remove button
        s, k, srv, b = _filter_change(page, meter, log, n, timeout, chip.click)
        out.update(widen_s=s, widen_reruns=k, widen_server_s=srv, widen_bytes=b, widen_apply_ms=apply_ms(page))
        out["heap_after_mb"] = heap_mb(cdp)
        if which != "naive" and s is not None:
            t2 = time.perf_counter()
            fid = page.frame_locator(MAP_FRAME).locator("#map_div").evaluate(CLICK_JS, timeout=10000)
            if fid:
                try:
                    page.locator(f".mapapp-panel[data-feature-id='{fid}']").wait_for(timeout=timeout * 1000)
                    out["click_s"] = time.perf_counter() - t2
                except Exception:
                    out["click_s"] = None
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


def before_script(source: Path) -> Path:
    """The page stub of the app in the source folder `source` (its own runtime folder)."""
    out = subprocess.run([sys.executable, "-c", "from mapapp.app.assets import runtime_dir, STUB_NAME; "
                          "print(runtime_dir() / STUB_NAME)"], env=dict(os.environ, PYTHONPATH=str(source)),
                         capture_output=True, text=True, check=True, cwd=source)
    return Path(out.stdout.strip())


def run(sizes: list[int], pages: list[str], timeout: float, real: Path | None = None, repeat: int = 1,
        before: Path | None = None) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="mapapp-bench-") as tmpdir, sync_playwright() as pw:
        tmp = Path(tmpdir)
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for n, folder, kind in _builds(tmp, sizes, real):
            b = load_build(folder)
            located = b.features[b.features.geometry.notna()]
            expected = int((located["kind"] == kind).sum())
            label = f'{b.manifest["vocabulary"]["kinds"][kind]["zh"]} ({expected})'
            for which, attempt in [(w, a) for a in range(repeat) for w in pages]:
                port = free_port()
                log = tmp / f"timing-{which}-{n}-{attempt}.log"
                env = dict(os.environ, MAPAPP_BUILD=str(folder), MAPAPP_DATA=str(HERE.parent),
                           MAPAPP_TIMING_LOG=str(log))
                env.pop("MAPAPP_CORPUS", None)
                script = naive_script(tmp) if which == "naive" else None
                if which == "host":
                    script = page_script()
                if which == "before":
                    env["PYTHONPATH"] = str(before)
                    script = before_script(before)
                with open(tmp / f"server-{which}-{n}-{attempt}.log", "w") as server_log:
                    # `python -m streamlit` puts its working folder first on sys.path: run each page
                    # from the source folder it is meant to serve
                    proc = subprocess.Popen(streamlit_command("127.0.0.1", port, script), env=env,
                                            stdout=server_log, stderr=subprocess.STDOUT,
                                            cwd=before if which == "before" else HERE.parent)
                try:
                    url = f"http://127.0.0.1:{port}"
                    if not wait_until_up(url, proc=proc):
                        raise RuntimeError(f"server for {which} did not start")
                    r = measure(browser, url, n, expected, label, log, timeout, which)
                    r["server_rss_mb"], r["server_peak_mb"] = server_memory(proc.pid)
                finally:
                    stop_server(proc, timeout=20)
                r.update(size=n, page=which, load=os.getloadavg()[0])
                results.append(r)
                print(row(r), flush=True)
        browser.close()
    return results


def _s(v):
    return "timeout" if v is None else f"{v:.2f}"


def _mb(v):
    return "–" if v is None else f"{v / 1e6:.2f}"


def _kb(v):
    return "–" if v is None else f"{v / 1e3:,.0f}"


def _m(v):
    return "–" if v is None else f"{v:.0f}"


HEADER = ("| features | page | first page cold (s) | first page warm (s) | narrowing (s) | widening (s) | "
          "click to evidence (s) | server per rerun (s) | map apply narrowing / widening (ms) | first page MB | "
          "narrowing KB | widening KB | server RSS / peak (MB) | browser heap first / after (MB) | load |\n"
          "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|---:|")


def row(r: dict) -> str:
    reruns = (r.get("narrow_reruns") or 0) + (r.get("widen_reruns") or 0)
    per = ((r.get("narrow_server_s") or 0) + (r.get("widen_server_s") or 0)) / reruns if reruns else None
    click = _s(r.get("click_s")) if r["page"] != "naive" else "–"
    return (f"| {r['size']:,} | {r['page']} | {_s(r.get('first_cold_s'))} | {_s(r.get('first_warm_s'))} | "
            f"{_s(r.get('narrow_s'))} | {_s(r.get('widen_s'))} | {click} | {_s(per)} | "
            f"{_m(r.get('narrow_apply_ms'))} / {_m(r.get('widen_apply_ms'))} | {_mb(r.get('first_warm_bytes'))} | "
            f"{_kb(r.get('narrow_bytes'))} | {_kb(r.get('widen_bytes'))} | "
            f"{_m(r.get('server_rss_mb'))} / {_m(r.get('server_peak_mb'))} | "
            f"{_m(r.get('heap_first_mb'))} / {_m(r.get('heap_after_mb'))} | {r.get('load', 0):.1f} |")


def median_rows(results: list[dict]) -> list[dict]:
    """One row per (size, page): the median of each figure over the repeats (None counts as
    slowest: a timeout is never hidden by the median)."""
    import statistics

    out = []
    keys = list(dict.fromkeys((r["size"], r["page"]) for r in results))
    for size, page in keys:
        runs = [r for r in results if (r["size"], r["page"]) == (size, page)]
        m = {"size": size, "page": page}
        for k in {k for r in runs for k in r} - {"size", "page"}:
            values = [r.get(k) for r in runs]
            if any(v is None for v in values):
                m[k] = None
            else:
                m[k] = statistics.median(values)
        m["runs"] = len(runs)
        out.append(m)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--pages", nargs="+", default=["app", "naive"], choices=["app", "host", "naive", "before"])
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for a map (default 240)")
    ap.add_argument("--real", type=Path, default=None, help="measure this existing build folder instead")
    ap.add_argument("--repeat", type=int, default=1, help="measure each page N times; print the medians")
    ap.add_argument("--before", type=Path, default=None, help="source folder of the earlier app (page 'before')")
    args = ap.parse_args()
    if "before" in args.pages and args.before is None:
        ap.error("--pages before needs --before SOURCE_DIR")
    print(f"machine: {os.cpu_count()} cores; chromium {shutil.which('chromium')}", flush=True)
    results = run(args.sizes, args.pages, args.timeout, args.real, args.repeat, args.before)
    print()
    print(f"medians of {args.repeat}; load = 1-minute load average when the page's run ended")
    print(HEADER)
    for r in median_rows(results):
        print(row(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
