"""End-to-end fixtures: Debian's chromium driven by Playwright, and the real Streamlit app served on
a free 127.0.0.1 port against a build made in a temporary folder.

Everything skips cleanly (with the reason) when chromium is not installed; nothing else skips.
Screenshots go to test-artifacts/ at the repository root."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from mapapp.app.launch import start_server, stop_server, wait_until_up
from mapapp.project import Project

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
FEATURE = "path.mapapp-feature"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:  # Playwright gives each launch a fresh temporary profile
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(project: Project, log: Path, extra_env: dict | None = None):
    """Serve the app for `project` on a free port; yield its URL; stop the server by its pid."""
    port = free_port()
    with open(log, "w") as out:
        proc = start_server(project, "127.0.0.1", port, extra_env=extra_env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            if not wait_until_up(url, timeout=90, proc=proc):
                raise RuntimeError(f"streamlit did not start; log:\n{log.read_text()[-3000:]}")
            yield url
        finally:
            stop_server(proc)


class AppPage:
    """A browser page on the app that records every request it makes."""

    def __init__(self, browser, url: str, viewport=(1500, 1100)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = url

    @property
    def map(self):
        return self.page.frame_locator(MAP_FRAME)

    def map_frame(self):
        for f in self.page.frames:
            if "streamlit_folium" in f.url:
                return f
        raise AssertionError("no map frame")

    def open(self, query: str = "", wait_features: bool = True):
        self.page.goto(self.url + "/" + (f"?{query}" if query else ""))
        self.page.get_by_text("江西规划项目地图").or_(self.page.get_by_text("Jiangxi plan projects map")).first \
            .wait_for(timeout=60000)
        if wait_features:  # until the map has drawn its features (SVG or canvas)
            deadline = time.monotonic() + 60
            while self.drawn_count() < 0 and time.monotonic() < deadline:
                self.page.wait_for_timeout(200)
            assert self.drawn_count() >= 0, "the map did not draw"
            self.wait_idle()
        return self

    def wait_idle(self, quiet_ms: int = 600, timeout: float = 30) -> None:
        """Wait until Streamlit has run no script for `quiet_ms`: the page draws the map before the
        sidebar, so the map can be drawn while the first run is still sending the sidebar's widgets."""
        state = "[data-testid='stApp']"
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            running = self.page.locator(state).get_attribute("data-test-script-state") in ("running",
                                                                                         "rerunRequested")
            now = time.monotonic()
            if running:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif (now - quiet_since) * 1000 >= quiet_ms:
                return
            self.page.wait_for_timeout(100)

    def path_count(self) -> int:
        """SVG paths of features (the app draws SVG up to layers.CANVAS_ABOVE features)."""
        return self.map.locator(FEATURE).count()

    def map_eval(self, js: str):
        """Evaluate `js` (a function expression) in the map's frame and return its value."""
        return self.map.locator("#map_div").evaluate(js, timeout=10000)

    def paths_and_clustered(self) -> int:
        """Zoom out until everything is in view; return the SVG feature paths plus the points that
        clusters stand for (a cluster shows its count instead of its stacked points)."""
        self.map_eval("() => window.map.setZoom(4, {animate: false})")
        self.page.wait_for_timeout(800)
        clustered = sum(int(t) for t in self.map.locator(".mapapp-cluster").all_inner_texts())
        return self.path_count() + clustered

    def drawn_count(self) -> int:
        """Features on the map after the frame that drew them (SVG or canvas), as the page counts
        them from Leaflet's own layer list; -1 while the map is not there."""
        try:
            return int(self.map.locator("#map_div").evaluate(
                "() => (window.mapappDrawn === undefined ? -1 : window.mapappDrawn)", timeout=2000))
        except Exception:
            return -1

    def wait_feature_count(self, n: int, timeout: float = 30) -> int:
        """Wait until exactly n features are drawn; return the last count seen."""
        deadline = time.monotonic() + timeout
        got = -1
        while time.monotonic() < deadline:
            got = self.drawn_count()
            if got == n:
                return got
            self.page.wait_for_timeout(200)
        return got

    def wait_url(self, test, timeout: float = 15) -> str:
        """Wait until `test(url)` is true of the page's link (the page writes its state into the
        link at the end of a rerun, after the map has been sent); return the link."""
        deadline = time.monotonic() + timeout
        while not test(self.page.url) and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        return self.page.url

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests
                if not u.startswith(("http://127.0.0.1:", "data:", "blob:", "about:"))]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def app_page(browser):
    pages = []

    def _make(url: str, **kw) -> AppPage:
        p = AppPage(browser, url, **kw)
        pages.append(p)
        return p

    yield _make
    for p in pages:
        p.close()


@pytest.fixture(scope="session")
def real_app(browser, real_build, tmp_path_factory):
    """The app served on the repository's real annotations (built once into a temporary folder)."""
    project = Project.from_settings(data_dir=REPO, build_dir=real_build.where)
    with serve(project, tmp_path_factory.mktemp("logs") / "real.log") as url:
        yield url, real_build


# ---- a small data folder with records written here -------------------------------------------

XSS = "<img src=x onerror=alert(1)>"
PLAN = "nanchang-14th"


def _square(lon: float, lat: float, half: float = 0.02) -> str:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
            f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}')


SMALL_RECORDS = f"""
- id: test-airport-town
  name: 测试空港新城
  aliases: [空港测试区]
  kind: zone
  sectors: [aviation, logistics]
  status: planned
  geometry: {{type: manual, file: manual/test-airport-town.geojson, uncertainty_m: 800, source: drawn for the test}}
  mentions:
    - {{plan: {PLAN}, line: 3, quote: 测试空港新城}}
- id: test-station
  name: "测试车站 {{{{ 7*7 }}}}"
  kind: rail_station
  sectors: [transport]
  status: under_construction
  geometry: {{type: point, lon: 115.70, lat: 28.40, uncertainty_m: 300, source: test point}}
  mentions:
    - {{plan: {PLAN}, line: 5, quote: 测试车站}}
- id: test-xss
  name: "{XSS}"
  kind: park
  sectors: [manufacturing]
  status: existing
  geometry: {{type: point, lon: 116.20, lat: 28.40, uncertainty_m: 500, source: "{XSS}"}}
  mentions:
    - {{plan: {PLAN}, line: 7, quote: "{XSS}"}}
- id: test-unlocated-xss
  name: "{XSS} 未定位"
  kind: park
  sectors: [manufacturing]
  status: planned
  geometry: {{type: none, reason: "{XSS}"}}
  mentions:
    - {{plan: {PLAN}, line: 7, quote: "{XSS}"}}
"""

SMALL_DOC_LINES = ["第一行", "", "规划建设测试空港新城，打造临空经济示范。", "",
                   "加快测试车站建设。", "", f"奇怪的名字 {XSS} 出现在这里。", ""]


@pytest.fixture(scope="session")
def small_project(tmp_path_factory):
    """A data folder with 3 located records (a hand-drawn square, a station point, a point whose
    name is an HTML injection) and 1 unlocated one, plus a corpus folder whose plan document has
    the quoted lines. Built into its own build folder."""
    from mapapp.pipeline import build

    root = tmp_path_factory.mktemp("small")
    data = root / "data"
    (data / "corpus_annotations" / "records").mkdir(parents=True)
    (data / "geodata" / "manual").mkdir(parents=True)
    (data / "geodata" / "stations").mkdir(parents=True)
    for name in ("plans.yaml", "vocabulary.yaml"):
        shutil.copy(REPO / "corpus_annotations" / name, data / "corpus_annotations" / name)
    (data / "corpus_annotations" / "records" / "test.yaml").write_text(textwrap.dedent(SMALL_RECORDS), encoding="utf-8")
    (data / "geodata" / "manual" / "test-airport-town.geojson").write_text(_square(115.9, 28.7), encoding="utf-8")
    import yaml

    plans = yaml.safe_load((data / "corpus_annotations" / "plans.yaml").read_text(encoding="utf-8"))["plans"]
    corpus = root / "corpus"
    corpus.mkdir()
    for plan in plans:  # every registered plan needs its document; only PLAN's is cited
        lines = SMALL_DOC_LINES if plan["id"] == PLAN else ["（空）"]
        (corpus / plan["doc"]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project.from_settings(data_dir=data, build_dir=root / "build", corpus_dir=corpus)
    build(project)
    return project


@pytest.fixture(scope="session")
def small_app(browser, small_project, tmp_path_factory):
    with serve(small_project, tmp_path_factory.mktemp("logs") / "small.log") as url:
        yield url, small_project
