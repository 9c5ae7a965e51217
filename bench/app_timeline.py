"""Where the time of the map page goes: a timeline of the first page and of one filter change
(narrowing to one kind, then widening back), from marks taken inside the browser, in headless
Chromium against the real app on a synthetic build (or --build DIR).

Every mark is a wall-clock time in milliseconds (performance.timeOrigin + performance.now() in the
page or in the map's frame, so both frames share one clock), and the server's script start and end
come from the page's MAPAPP_TIMING_LOG (same machine, same clock). Marks:

first page (from navigation start):   Streamlit connected (its first websocket message sent),
  server script start / end, Streamlit's element scripts (the lazily loaded /static/js/ chunks of
  the page's widgets) first requested and all loaded (resource timing; their count and bytes are
  printed under the table), the map frame created (its navigation start), its page (st_folium's
  index.html) read, st_folium's script read, the map's arguments arrive (st_folium's first render
  message; for the prototype host, the component's data: its 'mapapp-host-data' mark), the map's
  script ran (mapapp.times.load), features read (the pack fetched and decoded, mapapp.times.parsed), layers built
  (mapapp.times.built), selection applied (mapapp.times.applied: features on the map, before the
  redraw), painted (mapapp.times.painted: after the frame that drew them);
filter change (from the pointerdown on the widget): message sent (Streamlit's BackMsg), server
  script start / end, the last websocket message the page handled before the map's arguments
  arrive, the map's arguments arrive (st_folium's render message or the host's data: the new
  feature-group script),
  selection script ran (mapapp.times.received), apply done (mapapp.times.applied), st_folium done
  (it re-binds click handlers, then sets its frame height), painted.

Each visit is a new browser context (an empty HTTP cache, as a first-time visitor); with
--browser-cache each measured visit is the second one in its context (a returning visitor: the
scripts come from the browser's cache; the server's caches are warm in both).

With --hosts st_folium component, the app is measured with st_folium (as it is) and with the
prototype map host of bench/map_host_prototype.py, each on its own server, visits alternating.
The host none is the same page with its st_folium call answered by nothing: no map at all, so its
times are what Streamlit alone costs for the page (on a filter change, a floor under any map
code; on a first page the page without a map was not lighter, see bench/RESULTS.md). For every host,
"page settled" is the page's last DOM change (Streamlit drawing; a frame's size excluded).

Usage:  .venv/bin/python bench/app_timeline.py [--size 10000 | --build DIR] [--repeat 5] [--browser-cache]
        [--hosts st_folium component none]
Prints one table per scenario and host: each mark's median and its runs. Needs chromium.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from app_synthetic import make_build  # noqa: E402
from browser_setup import CHROMIUM_ARGS, chromium_path, frame_eval, free_port  # noqa: E402
from map_host_prototype import page_script  # noqa: E402

from mapapp.app.launch import stop_server, streamlit_command, wait_until_up  # noqa: E402
from mapapp.pipeline import load_build  # noqa: E402

KIND = "park"

# In every frame: wall-clock marks of websocket sends (the page), render messages (the map frame),
# pointerdown (the page), and st_folium's frame-height call (after it has re-bound its handlers).
MARKS_JS = r"""
(() => {
  const marks = window.__marks = [];
  if (performance.setResourceTimingBufferSize) { performance.setResourceTimingBufferSize(5000); }
  const now = () => performance.timeOrigin + performance.now();
  const WS = window.WebSocket;
  if (WS && window === window.top) {
    const Wrapped = function (...args) {
      const ws = new WS(...args);
      const send = ws.send.bind(ws);
      ws.send = (d) => { marks.push([now(), 'ws-send']); return send(d); };
      ws.addEventListener('message', () => marks.push([now(), 'ws-recv']));
      return ws;
    };
    Wrapped.prototype = WS.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(k => { Wrapped[k] = WS[k]; });
    window.WebSocket = Wrapped;
  }
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'streamlit:render') { marks.push([now(), 'render-msg']); }
  }, true);
  document.addEventListener('pointerdown', () => marks.push([now(), 'pointerdown']), true);
  if (window === window.top) {   // the page's own DOM changes (Streamlit drawing), not a frame's size
    new MutationObserver((list) => {
      if (list.some(m => !(m.target instanceof HTMLIFrameElement))) { marks.push([now(), 'dom']); }
      list.filter(m => m.attributeName === 'data-test-script-state').forEach(
        m => marks.push([now(), 'state-' + m.target.getAttribute('data-test-script-state')]));
    }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  }
  const hook = setInterval(() => {
    const S = window.Streamlit;
    if (!S || !S.setFrameHeight || !window.mapapp) { return; }
    clearInterval(hook);
    const f = S.setFrameHeight;
    S.setFrameHeight = function () { marks.push([now(), 'set-height']); return f.apply(this, arguments); };
  }, 2);
})();
"""

# Resource timing of a frame, wall-clock ms: [name, start, response end, transfer bytes] of each
# resource, and the frame's own navigation (its start is the frame's timeOrigin).
RESOURCES_JS = """() => {
  const o = performance.timeOrigin;
  const nav = performance.getEntriesByType('navigation')[0];
  return {origin: o, page: nav ? o + nav.responseEnd : null,
          resources: performance.getEntriesByType('resource').map(
            e => [e.name, o + e.startTime, o + e.responseEnd, e.transferSize])};
}"""

TIMES_JS = """() => (window.mapapp && window.mapapp.times)
    ? Object.assign({origin: performance.timeOrigin}, window.mapapp.times) : null"""


# The map host's marks in the page: each time the component got new data (map_host_prototype.js).
HOST_MARKS_JS = """() => performance.getEntriesByName('mapapp-host-data').map(
    e => [performance.timeOrigin + e.startTime, 'host-data'])"""


def _marks(page) -> tuple[list, dict]:
    """Return ([(ms, name)] of both frames, sorted; the map's mapapp.times as wall-clock ms)."""
    out = [(t, n) for t, n in page.evaluate("() => window.__marks")]
    out += [(t, n) for t, n in page.evaluate(HOST_MARKS_JS)]
    out += [(t, n) for t, n in frame_eval(page, "() => window.__marks || []") or []]
    raw = frame_eval(page, TIMES_JS) or {}
    origin = raw.pop("origin", 0)
    times = {k: origin + v for k, v in raw.items() if k != "apply"}  # (apply: a duration)
    return sorted(out), times


def _loading(page, after: float) -> dict:
    """Return the loading marks between the script's end and the map frame's first render message
    (wall-clock ms): Streamlit's element scripts (the lazily loaded /static/js/ chunks of the
    elements on the page, requested after `after`) first requested and all loaded, how many and
    their bytes; the map frame created (its navigation start), its page (index.html) read, and
    st_folium's script read."""
    top = page.evaluate(RESOURCES_JS)
    chunks = [r for r in top["resources"] if "/static/js/" in r[0] and "/component/" not in r[0] and r[1] >= after]
    out = {"chunks first requested": min((r[1] for r in chunks), default=None),
           "chunks loaded": max((r[2] for r in chunks), default=None),
           "chunks": len(chunks), "chunk bytes": sum(r[3] for r in chunks)}
    own = frame_eval(page, RESOURCES_JS)
    if own is not None:
        out["frame created"] = own["origin"]
        out["frame page read"] = own["page"]
        out["st_folium script read"] = next((r[2] for r in own["resources"] if "/static/js/main." in r[0]), None)
    return out


def _server_runs(log: Path) -> list[tuple[float, float]]:
    """(start, end) in wall-clock ms of each rerun in the page's timing log."""
    if not log.exists():
        return []
    runs = []
    for line in log.read_text().splitlines():
        end, took = (float(x) for x in line.split())
        runs.append(((end - took) * 1000, end * 1000))
    return runs


def _first_after(marks, names, t0):
    names = (names,) if isinstance(names, str) else names
    return next((t for t, n in marks if n in names and t >= t0), None)


def _last_before(marks, name, t1):
    return None if t1 is None else next((t for t, n in reversed(marks) if n == name and t <= t1), None)


ARGUMENTS = ("render-msg", "host-data")  # the map's arguments arrive: st_folium's render message, or the host's data


def _idle(page, quiet_ms: int = 500, timeout_s: float = 60.0) -> None:
    """Wait until Streamlit has run no script for `quiet_ms` (the page without a map)."""
    quiet = 0
    for _ in range(int(timeout_s * 20)):
        state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
        quiet = 0 if state in ("running", "rerunRequested", None) else quiet + 50
        if quiet >= quiet_ms:
            return
        page.wait_for_timeout(50)
    raise RuntimeError("the page did not finish its script")


def _settled(page, timeout_s: float = 240.0) -> None:
    if page.evaluate("() => window.__noMap === true"):
        _idle(page)
        return
    for _ in range(int(timeout_s * 20)):
        try:
            if frame_eval(page, "() => window.mapappDrawn") not in (None, -1):
                return
        except Exception:  # the frame is being replaced
            pass
        page.wait_for_timeout(50)
    raise RuntimeError("the map did not draw")


def first_page(page, url: str, log: Path) -> dict:
    page.goto(url)
    _settled(page)
    page.wait_for_timeout(500)
    t0 = page.evaluate("() => performance.timeOrigin")
    marks, times = _marks(page)
    runs = [r for r in _server_runs(log) if r[0] >= t0 - 50]
    rel = lambda t: None if t is None else t - t0  # noqa: E731
    connected = _first_after(marks, "ws-send", t0)
    load = _loading(page, connected or t0)
    return {"Streamlit connected": rel(connected),
            "server script start": rel(runs[0][0] if runs else None),
            "server script end": rel(runs[0][1] if runs else None),
            "element scripts first requested": rel(load["chunks first requested"]),
            "element scripts all loaded": rel(load["chunks loaded"]),
            "map frame created": rel(load.get("frame created")),
            "map frame: its page read (index.html)": rel(load.get("frame page read")),
            "map frame: st_folium's script read": rel(load.get("st_folium script read")),
            "map's arguments arrive (st_folium: render message; host: component data)":
                rel(_first_after(marks, ARGUMENTS, t0)),
            "map script ran (mapapp.load)": rel(times.get("load")),
            "features read (pack fetched, decoded)": rel(times.get("parsed")),
            "layers built": rel(times.get("built")),
            "selection applied": rel(times.get("applied")),
            "painted": rel(times.get("painted")),
            "Streamlit's run over in the page (script state: not running)":
                rel(_last_before(marks, "state-notRunning", float("inf"))),
            "page settled (its last DOM change)": rel(_last_before(marks, "dom", float("inf"))),
            "_note": f"element scripts: {load['chunks']} files, {load['chunk bytes'] / 1e3:.0f} kB"}


def filter_change(page, log: Path, act) -> dict:
    before = len(_server_runs(log))
    act()
    page.wait_for_timeout(300)
    _settled(page)
    page.wait_for_timeout(700)
    marks, times = _marks(page)
    t0 = [t for t, n in marks if n == "pointerdown"][-1]
    runs = _server_runs(log)[before:]
    rel = lambda t: None if t is None else t - t0  # noqa: E731
    args = _first_after(marks, ARGUMENTS, t0)
    return {"message sent": rel(_first_after(marks, "ws-send", t0)),
            "server script start": rel(runs[0][0] if runs else None),
            "server script end": rel(runs[0][1] if runs else None),
            "last message received before the map's arguments arrive": rel(_last_before(marks, "ws-recv", args)),
            "map's arguments arrive (st_folium: render message; host: component data)": rel(args),
            "selection script ran": rel(times.get("received")),
            "apply done": rel(times.get("applied")),
            "st_folium done (handlers re-bound)": rel(_first_after(marks, "set-height", t0)),
            "painted": rel(times.get("painted")),
            "Streamlit's run over in the page (script state: not running)":
                rel(_last_before(marks, "state-notRunning", float("inf"))),
            "page settled (its last DOM change)": rel(_last_before(marks, "dom", float("inf")))}


def run(folder: Path, repeat: int, browser_cache: bool = False,
        hosts: tuple[str, ...] = ("st_folium",)) -> dict[str, dict[str, list[dict]]]:
    """Return, per map host (st_folium, the app's; or component, the prototype of
    bench/map_host_prototype.py), the marks of
    `repeat` first pages, narrowings and widenings, each in a new browser context (an empty HTTP
    cache: Streamlit's own scripts are fetched again), or with `browser_cache` after a first visit
    in the same context (a returning user: Streamlit's scripts, st_folium's and the map's files
    come from the browser's cache). Each host has its own server, all started at once; their
    visits alternate (and which goes first)."""
    from playwright.sync_api import sync_playwright

    b = load_build(folder)
    label = b.manifest["vocabulary"]["kinds"][KIND]["zh"]
    out = {host: {"first page (warm)": [], "narrowing": [], "widening": []} for host in hosts}
    with tempfile.TemporaryDirectory(prefix="mapapp-timeline-") as tmp:
        servers = {}
        try:
            for host in hosts:
                log = Path(tmp) / f"timing-{host}.log"
                port = free_port()
                env = dict(os.environ, MAPAPP_BUILD=str(folder), MAPAPP_DATA=str(HERE.parent),
                           MAPAPP_TIMING_LOG=str(log))
                env.pop("MAPAPP_CORPUS", None)
                script = page_script() if host == "component" else _no_map_script() if host == "none" else None
                with open(Path(tmp) / f"server-{host}.log", "w") as server_log:
                    proc = subprocess.Popen(streamlit_command("127.0.0.1", port, script), env=env,
                                            stdout=server_log, stderr=subprocess.STDOUT, cwd=HERE.parent)
                servers[host] = (proc, f"http://127.0.0.1:{port}", log)
            for host, (proc, url, _) in servers.items():
                if not wait_until_up(url, proc=proc):
                    raise RuntimeError(f"the server ({host}) did not start")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                for visit in range(repeat + 1):  # the first visit warms the server's caches
                    order = list(servers.items())
                    for host, (_, url, log) in order if visit % 2 else order[::-1]:  # who goes first alternates
                        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
                        ctx.add_init_script(MARKS_JS)
                        if host == "none":
                            ctx.add_init_script("window.__noMap = true;")
                        page = ctx.new_page()
                        if browser_cache:
                            first_page(page, url, log)
                            page.close()
                            page = ctx.new_page()
                        first = first_page(page, url, log)
                        if visit:
                            runs = out[host]
                            runs["first page (warm)"].append(first)
                            box = page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
                            box.locator("input").click()
                            page.keyboard.type(label)
                            option = page.get_by_role("option").filter(has_text=label).first
                            option.wait_for()
                            runs["narrowing"].append(filter_change(page, log, option.click))
                            page.keyboard.press("Escape")
                            page.wait_for_timeout(300)
                            chip = box.locator("button[aria-label^='Remove']").last
                            runs["widening"].append(filter_change(page, log, chip.click))
                        ctx.close()
                browser.close()
        finally:
            for proc, _, _ in servers.values():
                stop_server(proc)
    return out


_NO_MAP_STUB = """from mapapp.app import page
page.st_folium = lambda *args, **kwargs: {}   # the app's page without its map: Streamlit's own part
page.main()
"""


def _no_map_script() -> Path:
    """Write the app's page with its st_folium call answered by nothing (no map element) into the
    app's runtime folder and return its path: what Streamlit alone costs for the same page."""
    from mapapp.app.assets import runtime_dir

    script = runtime_dir() / "bench_no_map_page.py"
    script.write_text(_NO_MAP_STUB, encoding="utf-8")
    return script


def table(name: str, runs: list[dict]) -> str:
    lines = [f"| {name} | median (ms) | step (ms) | runs (ms) |", "|---|---:|---:|---|"]
    previous = 0.0
    notes = sorted({r["_note"] for r in runs if "_note" in r})
    for mark in (m for m in runs[0] if not m.startswith("_")):
        values = [r[mark] for r in runs if r.get(mark) is not None]
        if not values:
            lines.append(f"| {mark} | – | – | – |")
            continue
        m = statistics.median(values)
        lines.append(f"| {mark} | {m:.0f} | {m - previous:+.0f} | {', '.join(f'{v:.0f}' for v in values)} |")
        previous = m
    return "\n".join(lines + ([""] + [f"({n})" for n in notes] if notes else []))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=10000, help="synthetic features (default 10,000)")
    ap.add_argument("--build", type=Path, default=None, help="measure this build folder instead")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--browser-cache", action="store_true",
                    help="measure a returning browser (second visit in the same context), not a fresh one")
    ap.add_argument("--hosts", nargs="+", default=["st_folium"], choices=["st_folium", "component", "none"],
                    help="map hosts to measure in the same run, visits alternating: st_folium (the app's) "
                         "component (the prototype of bench/map_host_prototype.py) and none (the same page "
                         "without a map: Streamlit's own part)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mapapp-timeline-build-") as tmp:
        folder = args.build or make_build(Path(tmp) / "build", args.size)
        results = run(folder, args.repeat, args.browser_cache, tuple(args.hosts))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}; {args.repeat} runs"
          f"{' (browser cache warm: second visit of each context)' if args.browser_cache else ''}; "
          f"times from navigation start (first page) or from the pointerdown (filter changes)")
    for host, scenarios in results.items():
        for name, runs in scenarios.items():
            print()
            print(table(f"{name}, host {host}", runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
