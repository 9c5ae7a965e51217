"""The tiled path: above the vector-tile threshold (MAPAPP_TILES_ABOVE, set low here so a small
synthetic build made in the test is above it) the map draws from the build's PMTiles archive, read
by range requests from the app's static folder; a filter change repaints only the selected features;
a click on a feature opens its evidence."""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest
import shapely

from mapapp.project import Project

from .conftest import MAP_FRAME, REPO, serve

sys.path.insert(0, str(REPO / "bench"))
from app_synthetic import make_build  # the benchmark's synthetic builds

N = 1500
ABOVE = 300   # the build and the filtered selection (about 450 zones) are both above it
KIND = "zone"


@pytest.fixture(scope="module")
def tiled_app(browser, tmp_path_factory):
    folder = make_build(tmp_path_factory.mktemp("tiled") / "build", N, tiles_above=ABOVE)
    from mapapp.pipeline import load_build

    build = load_build(folder)
    project = Project.from_settings(data_dir=REPO, build_dir=folder)
    with serve(project, tmp_path_factory.mktemp("logs") / "tiled.log", extra_env={"MAPAPP_TILES_ABOVE": str(ABOVE)}) as url:
        yield url, build


def _alone(features, kind: str | None, exclude_kind: str | None = None) -> tuple[str, float, float]:
    """Return (id, lon, lat) of a feature (of `kind`, or not of `exclude_kind`) and a point inside it
    that no other feature covers, so what the map shows and picks there is that feature alone."""
    geoms = features.geometry.values
    tree = shapely.STRtree(geoms)
    for i, row in features.iterrows():
        if (kind and row["kind"] != kind) or (exclude_kind and row["kind"] == exclude_kind):
            continue
        pt = geoms[i].representative_point()
        if len(tree.query(pt.buffer(0.01), predicate="intersects")) == 1:
            return str(row["id"]), pt.x, pt.y
    raise AssertionError("no feature stands alone")


def _settle(p, before: int, timeout: float = 30) -> None:
    """Wait until the tile layer has loaded its tiles again after `before` loads, then a frame more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (p.map_eval("() => window.mapappTilesLoaded || 0") or 0) > before:
            p.page.wait_for_timeout(400)  # protomaps paints after its per-tile delay
            return
        p.page.wait_for_timeout(150)
    raise AssertionError("the tile layer did not load")


def _loads(p) -> int:
    return p.map_eval("() => window.mapappTilesLoaded || 0") or 0


def _zoom_to(p, lon: float, lat: float, zoom: int = 12) -> None:
    before = _loads(p)
    p.map_eval(f"() => window.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    _settle(p, before)


def _pixel(p, lon: float, lat: float) -> list[int]:
    """Return the RGBA of the tile canvas pixel under (lon, lat)."""
    return p.map_eval(f"""() => {{
        const pt = window.map.latLngToContainerPoint([{lat}, {lon}]);
        const box = window.map.getContainer().getBoundingClientRect();
        const x = box.left + pt.x, y = box.top + pt.y;
        for (const c of document.querySelectorAll('canvas.leaflet-tile')) {{
            const r = c.getBoundingClientRect();
            if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
            const px = Math.floor((x - r.left) * c.width / r.width), py = Math.floor((y - r.top) * c.height / r.height);
            return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data);
        }}
        return null; }}""")


def _click(p, lon: float, lat: float) -> None:
    xy = p.map_eval(f"() => {{ const pt = window.map.latLngToContainerPoint([{lat}, {lon}]); return [pt.x, pt.y]; }}")
    box = p.page.locator(MAP_FRAME).bounding_box()
    p.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def test_tiled_path_draws_filters_and_clicks_above_the_threshold(tiled_app, app_page):
    url, build = tiled_app
    f = build.features
    p = app_page(url)
    ranges, packs = [], []
    p.page.on("response", lambda r: ranges.append((r.status, r.request.headers.get("range")))
              if ".pmtiles" in r.url else None)
    p.page.on("request", lambda r: packs.append(r.url) if ".json.gz" in r.url else None)
    p.open()
    assert p.wait_feature_count(N) == N
    assert p.path_count() == 0  # no SVG or GeoJSON features: everything is in the tiles
    assert ranges and all(status == 206 and rng for status, rng in ranges)  # read by range requests
    assert packs == []  # the build's features are not sent whole above the threshold
    assert p.outside_requests() == []

    park_id, park_lon, park_lat = _alone(f, KIND)
    _, other_lon, other_lat = _alone(f, None, exclude_kind=KIND)
    _zoom_to(p, park_lon, park_lat)
    assert _pixel(p, park_lon, park_lat)[3] > 0  # drawn
    _zoom_to(p, other_lon, other_lat)
    assert _pixel(p, other_lon, other_lat)[3] > 0

    # a filter change sends the selection only: the same tiles, repainted with the parks alone
    label = build.manifest["vocabulary"]["kinds"][KIND]["zh"]
    parks = int((f["kind"] == KIND).sum())
    assert parks > ABOVE  # still drawn from the tiles
    box = p.page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
    box.locator("input").click()
    p.page.keyboard.type(label)
    p.page.get_by_role("option").filter(has_text=f"{label} ({parks})").first.click()
    p.page.keyboard.press("Escape")
    assert p.wait_feature_count(parks) == parks
    before = _loads(p)
    _zoom_to(p, other_lon + 0.3, other_lat)  # move away and back: the tiles are painted afresh
    _zoom_to(p, other_lon, other_lat)
    assert _loads(p) > before
    assert _pixel(p, other_lon, other_lat)[3] == 0  # not a park: hidden
    _zoom_to(p, park_lon, park_lat)
    assert _pixel(p, park_lon, park_lat)[3] > 0
    p.screenshot("vector-tiles-filtered")

    # the layer control's entry for precise shapes switches their tile features off and on
    for on in (False, True):
        before = _loads(p)
        p.map_eval(f"() => window.map.{'addLayer' if on else 'removeLayer'}(window.mapapp.toggles.shapes)")
        _settle(p, before)
        assert (_pixel(p, park_lon, park_lat)[3] > 0) == on

    # a click on the park opens its evidence, and the URL names it
    _click(p, park_lon, park_lat)
    panel = p.page.locator(f".mapapp-panel[data-feature-id='{park_id}']")
    panel.wait_for(timeout=30000)
    assert f["name"][f["id"] == park_id].iloc[0] in panel.inner_text()
    assert f"id={park_id}" in p.wait_url(lambda u: f"id={park_id}" in u)
    # the selected feature is highlighted in the tiles (yellow outline painted near its edge)
    geom = f.geometry[f["id"] == park_id].iloc[0]
    edge = np.asarray(geom.exterior.coords)[0]
    p.page.wait_for_timeout(1500)
    px = _pixel(p, float(edge[0]), float(edge[1]))
    assert px[0] > 200 and px[1] > 150 and px[2] < 120, px
    p.screenshot("vector-tiles-clicked")

    # the URL names the feature: a new visit zooms the map to it (the page sends its box) and
    # highlights it, though the browser holds no geometry of it
    q = p.page.url.split("?", 1)[1]
    p2 = app_page(url)
    p2.open(q)
    assert p2.wait_feature_count(parks) == parks
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p2.map_eval("() => window.mapapp.focusedId") != park_id:
        p2.page.wait_for_timeout(200)
    assert p2.map_eval("() => window.mapapp.focusedId") == park_id
    inside = p2.map_eval(f"() => window.map.getBounds().contains([{park_lat}, {park_lon}]) && window.map.getZoom()")
    assert inside and inside >= 9, inside
