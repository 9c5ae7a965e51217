"""Benchmark of the tiled map path (issue 14 item 2): a synthetic build above the vector-tile
threshold, served by the real app, measured in headless Chromium as a person would see it.

Figures (medians of --repeat runs; each a fresh browser context unless said):
- first page, cold (first visit after the server started) and warm: from navigation until the page
  counts every selected feature (window.mapappDrawn) and the tile layer has painted its tiles;
- pan (256 px) and zoom in / out: from the call in the page until the tiles of the new view are
  painted, timed inside the page (performance.now);
- filter change narrowing (one kind, still above the threshold) and widening (back to all): from
  the click in the sidebar until the count is right and the visible tiles are repainted;
- click to evidence: from a click on a feature until its evidence panel shows;
- bytes of the PMTiles range requests and of the websocket frames of one filter change.

Usage:  .venv/bin/python bench/app_tiles_bench.py --size 200000 [--build DIR] [--repeat 3]
Without --build it makes the synthetic build (with its tiles: minutes at 200k) in a temporary
folder. Needs chromium. Prints a table; paste it into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from app_synthetic import make_build  # noqa: E402
from browser_setup import CHROMIUM_ARGS, MAP_FRAME, chromium_path, free_port  # noqa: E402

from mapapp.app.launch import start_server, stop_server, wait_until_up  # noqa: E402
from mapapp.pipeline import load_build  # noqa: E402
from mapapp.project import PACKAGE_ROOT, Project  # noqa: E402

KIND = "zone"



class Page:
    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1500, "height": 1100})
        self.page = self.context.new_page()
        self.url = url
        self.range_bytes = 0
        self.ws_bytes = 0
        self.page.on("response", self._response)
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _response(self, r):
        if ".pmtiles" in r.url:
            rng = r.headers.get("content-range", "")
            if "-" in rng:
                a, b = rng.split(" ")[-1].split("/")[0].split("-")
                self.range_bytes += int(b) - int(a) + 1

    def _frame(self, payload):
        self.ws_bytes += len(payload)

    def frame(self):
        for f in self.page.frames:
            if "streamlit_folium" in f.url:
                return f
        return None

    def eval(self, js: str):
        return self.frame().evaluate(js)

    def until(self, js: str, timeout: float = 120.0) -> None:
        """Wait until the expression `js` is true in the map's frame (polled inside the page)."""
        self.frame().wait_for_function(js, polling=10, timeout=timeout * 1000)

    def value(self, js: str, default=None):
        try:
            return self.eval(js)
        except Exception:
            return default

    def loads(self) -> int:
        return self.value("() => window.mapappTilesLoaded || 0", 0)

    def wait(self, test, timeout: float = 120.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if test():
                return time.perf_counter() - start
            self.page.wait_for_timeout(25)
        raise RuntimeError("timed out")

    def close(self):
        self.context.close()


def first_page(browser, url: str, n: int) -> tuple[float, Page]:
    p = Page(browser, url)
    t0 = time.perf_counter()
    p.page.goto(url)
    p.wait(lambda: p.frame() is not None, timeout=600)
    p.until(f"window.mapappDrawn === {n} && (window.mapappTilesLoaded || 0) > 0", timeout=600)
    return time.perf_counter() - t0, p


def view_change(p: Page, js: str) -> float:
    """Run `js` (a statement changing the view) in the map's frame; return the seconds, measured in
    the page, until the tiles of the new view are painted."""
    return p.eval(f"""async () => {{ const before = window.mapappTilesLoaded || 0; const t0 = performance.now();
        {js};
        while ((window.mapappTilesLoaded || 0) <= before) {{ await new Promise(r => setTimeout(r, 5)); }}
        return (performance.now() - t0) / 1000; }}""")


def choose_kind(p: Page, label: str, count: int) -> float:
    box = p.page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
    box.locator("input").click()
    p.page.keyboard.type(label)
    option = p.page.get_by_role("option").filter(has_text=f"{label} (")
    before = p.loads()
    t0 = time.perf_counter()
    option.first.click()
    p.until(f"window.mapappDrawn === {count} && (window.mapappTilesLoaded || 0) > {before}")
    took = time.perf_counter() - t0
    p.page.keyboard.press("Escape")
    return took


def clear_kind(p: Page, count: int) -> float:
    box = p.page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
    box.locator("input").click()
    before = p.loads()
    t0 = time.perf_counter()
    p.page.keyboard.press("Backspace")  # removes the chosen kind
    p.until(f"window.mapappDrawn === {count} && (window.mapappTilesLoaded || 0) > {before}")
    return time.perf_counter() - t0


def click_to_evidence(p: Page, build, kind: str) -> float:
    f = build.features
    row = f[f["kind"] == kind].iloc[len(f) // 7 % 1000]
    pt = row.geometry.representative_point()
    view_change(p, f"window.map.setView([{pt.y}, {pt.x}], 13, {{animate: false}})")
    xy = p.eval(f"() => {{ const q = window.map.latLngToContainerPoint([{pt.y}, {pt.x}]); return [q.x, q.y]; }}")
    box = p.page.locator(MAP_FRAME).bounding_box()
    t0 = time.perf_counter()
    p.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    p.page.locator(".mapapp-panel[data-feature-id]").first.wait_for(timeout=60000)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=200000)
    ap.add_argument("--build", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    folder = args.build or make_build(Path(tempfile.mkdtemp()) / "build", args.size)
    build = load_build(folder)
    if "vector_tiles" not in build.manifest:
        raise SystemExit(f"{folder} has no vector tiles (the build is below MAPAPP_TILES_ABOVE)")
    n = int(build.features.geometry.notna().sum())
    kind_n = int((build.features["kind"] == KIND).sum())
    label = build.manifest["vocabulary"]["kinds"][KIND]["zh"]
    project = Project.from_settings(data_dir=PACKAGE_ROOT, build_dir=folder)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rows: dict[str, list[float]] = {}
    with open(Path(tempfile.gettempdir()) / "mapapp-tiles-bench.log", "w") as log:
        proc = start_server(project, "127.0.0.1", port, stdout=log, stderr=subprocess.STDOUT)
        try:
            if not wait_until_up(url, timeout=120, proc=proc):
                raise SystemExit("streamlit did not start")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                cold, p = first_page(browser, url, n)
                rows["first page, cold"] = [cold]
                rows["tile bytes, first page (MB)"] = [p.range_bytes / 1e6]
                p.close()
                for _ in range(args.repeat):
                    warm, p = first_page(browser, url, n)
                    rows.setdefault("first page, warm", []).append(warm)
                    for name, js in (("pan 256 px", "window.map.panBy([256, 0], {animate: false})"),
                                     ("zoom in", "window.map.zoomIn(1, {animate: false})"),
                                     ("zoom in again", "window.map.zoomIn(1, {animate: false})"),
                                     ("pan 256 px, zoomed in", "window.map.panBy([0, 256], {animate: false})"),
                                     ("zoom out", "window.map.zoomOut(2, {animate: false})")):
                        rows.setdefault(name, []).append(view_change(p, js))
                    ws0 = p.ws_bytes
                    rows.setdefault(f"filter narrowing (to {kind_n:,})", []).append(choose_kind(p, label, kind_n))
                    rows.setdefault("websocket bytes, narrowing (KB)", []).append((p.ws_bytes - ws0) / 1e3)
                    rows.setdefault(f"filter widening (to {n:,})", []).append(clear_kind(p, n))
                    rows.setdefault("click to evidence", []).append(click_to_evidence(p, build, KIND))
                    p.close()
                browser.close()
        finally:
            stop_server(proc)
    print(f"| {n:,} features, tiled | median | runs |")
    print("|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {statistics.median(values):.2f} | {', '.join(f'{v:.2f}' for v in values)} |")


if __name__ == "__main__":
    main()
