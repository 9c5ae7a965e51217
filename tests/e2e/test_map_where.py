"""Issue 10, "the map must answer where?", on the real build in headless Chromium: place names and
water, zoom to a selected feature, the place report and area-wide outlines, stacked points, the
legend on the map, one language at a time, tiles that fail, nothing fetched from outside."""
from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import parse_qs, urlparse


from mapapp.app.text import UI
from mapapp.display import AREA_WIDE_KM2
from mapapp.provenance import _WORDS


def _url_id(p) -> str | None:
    return (parse_qs(urlparse(p.page.url).query).get("id") or [None])[0]


def _wait_url_id(p, want: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _url_id(p) != want:
        p.page.wait_for_timeout(200)
    assert _url_id(p) == want


def _click_at(p, lon: float, lat: float) -> None:
    """Click the map at (lon, lat) as a person does: the mouse at that point's pixel."""
    x, y = p.map_eval(f"() => {{ const q = window.map.latLngToContainerPoint([{lat}, {lon}]); return [q.x, q.y]; }}")
    box = p.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    p.page.mouse.click(box["x"] + x, box["y"] + y)


def _empty_spot(p, build) -> tuple[float, float]:
    """Return a point in the current view as far as possible from every precise feature (a click
    there is a click on empty ground, which gives a place report)."""
    import numpy as np
    import shapely

    b = p.map_eval("() => { const b = window.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
    w, s, e, n = b
    grid = [(w + (e - w) * i / 6, s + (n - s) * j / 6) for i in range(1, 6) for j in range(1, 6)]
    f = build.features
    precise = f[f.geometry.notna() & ~f["upper_bound"].astype(bool) & (f["method"] != "admin")].geometry.values
    tree = shapely.STRtree(precise)
    far = [float(shapely.distance(precise[tree.nearest(shapely.Point(x, y))], shapely.Point(x, y))) for x, y in grid]
    return grid[int(np.argmax(far))]


def _in_view(p, feature_id: str) -> bool:
    return p.map_eval(f"""() => {{ const l = window.mapapp.byId[{feature_id!r}];
        const b = l.getBounds ? l.getBounds() : L.latLngBounds(l.getLatLng(), l.getLatLng());
        return window.map.getBounds().contains(b); }}""")


def test_city_names_and_water_are_on_the_map_at_the_default_view(real_app, app_page):
    url, build = real_app
    p = app_page(url).open()
    cities = build.boundaries[build.boundaries["level"] == "city"]["name"].tolist()
    labels = p.map.locator(".mapapp-label-city")
    assert labels.count() == len(cities) == 11
    assert sorted(labels.all_inner_texts()) == sorted(cities)
    frame = p.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    for i in range(labels.count()):  # each name is drawn inside the visible map
        box = labels.nth(i).locator("span").bounding_box()
        assert box and frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
        assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    assert p.map.locator(".mapapp-label-county").count() == 0  # county names only when zoomed in
    water = build.context[build.context["kind"].isin(["lake", "river"])]
    assert p.map.locator("path.mapapp-water").count() == len(water) > 20
    # zoomed in, the county names replace the city names
    p.map_eval("() => window.map.setView([28.62, 115.915], 11, {animate: false})")
    p.map.locator(".mapapp-label-county").first.wait_for(timeout=5000)
    assert "青云谱区" in p.map.locator(".mapapp-label-county").all_inner_texts()
    assert p.map.locator(".mapapp-label-city").count() == 0
    p.screenshot("where-labels-zoom11")


def test_a_link_with_id_opens_zoomed_to_the_feature_and_highlights_it(real_app, app_page):
    url, build = real_app
    for fid, min_zoom in (("hongdu-new-town", 11), ("tengwang-pavilion", 12)):
        p = app_page(url).open(f"id={fid}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and p.map_eval("() => window.map.getZoom()") < min_zoom:
            p.page.wait_for_timeout(200)
        assert p.map_eval("() => window.map.getZoom()") >= min_zoom, fid
        assert _in_view(p, fid)
        assert p.map.locator(".mapapp-highlight").count() >= 1
        row = build.features[build.features["id"] == fid].iloc[0]
        assert p.page.locator(f".mapapp-panel[data-feature-id='{fid}']").count() == 1
        if row.geometry.geom_type == "Point" and row["uncertainty_m"] > 0:  # its uncertainty circle
            r = p.map_eval("() => { let r = null; window.map.eachLayer(l => { if (l instanceof L.Circle) r = l.getRadius(); }); return r; }")
            assert r == round(row["uncertainty_m"])
        p.screenshot(f"where-id-{fid}")


def test_picking_from_the_list_zooms_to_the_feature(real_app, app_page):
    url, _build = real_app
    p = app_page(url).open()
    assert p.map_eval("() => window.map.getZoom()") < 9
    p.page.locator("[data-testid='stSelectbox']").filter(has_text="或从列表选择要素").locator("input").click()
    p.page.keyboard.type("洪都新城")
    p.page.get_by_role("option").filter(has_text="洪都新城").first.click()
    _wait_url_id(p, "hongdu-new-town")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.map_eval("() => window.map.getZoom()") < 11:
        p.page.wait_for_timeout(200)
    assert p.map_eval("() => window.map.getZoom()") >= 11 and _in_view(p, "hongdu-new-town")


def test_a_search_with_one_hit_selects_and_shows_that_feature(real_app, app_page):
    url, build = real_app
    from mapapp.features import FeatureFilter, filter_features

    hits = filter_features(build.features, FeatureFilter(query="洪都新城"), build.boundaries)
    assert hits["id"].tolist() == ["hongdu-new-town"]
    p = app_page(url).open()
    box = p.page.get_by_label("按名称或别名搜索")
    box.fill("洪都新城")
    box.press("Enter")
    _wait_url_id(p, "hongdu-new-town")
    p.page.locator(".mapapp-panel[data-feature-id='hongdu-new-town']").wait_for(timeout=20000)
    assert p.wait_feature_count(1) == 1
    p.map.locator(".mapapp-highlight").first.wait_for(timeout=10000)   # drawn once the map has the selection
    assert _in_view(p, "hongdu-new-town")
    assert p.map_eval("() => window.map.getZoom()") >= 11


def _area_wide(build):
    f = build.features
    return f.geometry.notna() & (f["upper_bound"].astype(bool) | (f["method"] == "admin")
                                 | (f["area_km2"].fillna(0) > AREA_WIDE_KM2))


def test_a_click_in_xunwu_at_province_scale_reports_the_county_and_what_covers_it(real_app, app_page):
    url, build = real_app
    county = build.boundaries[build.boundaries["name"] == "寻乌县"].geometry.iloc[0]
    pt = county.representative_point()
    f = build.features
    covering = f[_area_wide(build) & f.geometry.covers(pt)]
    assert len(covering) >= 3 and (covering["area_km2"] > 100_000).any()  # province-wide ones too
    p = app_page(url).open()
    assert p.map_eval("() => window.map.getZoom()") < 8  # province scale
    _click_at(p, pt.x, pt.y)
    report = p.page.locator(".mapapp-report")
    report.wait_for(timeout=20000)
    assert "寻乌县" in report.locator(".mapapp-place").inner_text()
    body = p.page.inner_text("body")
    for name in covering["name"]:
        assert name in body, name
    assert f"规划将此地划入以下范围（{len(covering)} 个" in body
    # no feature was selected: the click landed inside area-wide features, which take no click there
    p.page.wait_for_timeout(1000)
    assert _url_id(p) is None and p.page.locator(".mapapp-panel").count() == 0
    assert p.map.locator(".mapapp-highlight").count() == 0
    p.screenshot("where-report-xunwu")
    # a row of the report opens that feature's evidence and the map fits it
    smallest = covering.sort_values("area_km2").iloc[0]
    p.page.get_by_role("button").filter(has_text=smallest["name"]).first.click()
    _wait_url_id(p, smallest["id"])
    p.page.locator(f".mapapp-panel[data-feature-id='{smallest['id']}']").wait_for(timeout=20000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _in_view(p, smallest["id"]):
        p.page.wait_for_timeout(200)
    assert _in_view(p, smallest["id"])


def test_area_wide_outlines_have_their_own_layer_and_take_clicks_only_on_the_outline(real_app, app_page):
    url, build = real_app
    p = app_page(url).open()
    n_area = int(_area_wide(build).sum())
    layers = p.map_eval("""() => window.mapapp.groups.map(g => [g.mapappCount, g._map ? 1 : 0])""")
    assert layers[0][0] == n_area  # drawn first (below), switchable in the layer control
    p.map.locator(".leaflet-control-layers").hover()
    toggle = p.map.locator(".leaflet-control-layers-overlays label").filter(has_text=f"整区范围与范围上限（{n_area}）")
    assert toggle.count() == 1
    # every area-wide polygon reaches the browser as lines: nothing inside them can take a click
    kinds = p.map_eval("""() => { const out = {}; Object.values(window.mapapp.byId).forEach(l => {
        if (l.feature.properties.w) { const t = l.toGeoJSON().geometry.type; out[t] = (out[t] || 0) + 1; } });
        return out; }""")
    assert set(kinds) <= {"LineString", "MultiLineString"} and sum(kinds.values()) == n_area
    toggle.locator("input").uncheck()
    assert p.map_eval("() => window.mapapp.groups[0]._map ? 1 : 0") == 0


def _largest_stack(build):
    f = build.features
    pts = f[f.geometry.geom_type == "Point"]
    keys = Counter(zip(pts.geometry.x.round(7), pts.geometry.y.round(7)))
    (lon, lat), _n = keys.most_common(1)[0]
    ids = pts[(pts.geometry.x.round(7) == lon) & (pts.geometry.y.round(7) == lat)]["id"].tolist()
    return lon, lat, ids


def test_every_point_of_the_largest_stack_can_be_opened(real_app, app_page):
    url, build = real_app
    lon, lat, ids = _largest_stack(build)
    assert len(ids) >= 2
    p = app_page(url).open()
    p.map_eval(f"() => window.map.setView([{lat}, {lon}], 13, {{animate: false}})")
    p.page.wait_for_timeout(800)
    zoom = p.map_eval("() => window.map.getZoom()")
    opened = set()
    for fid in ids:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", fid)
        marker = p.map.locator(f"path.mapapp-f-{safe}")
        if marker.count() == 0:  # folded: click the stack's count to spread it
            x, y = p.map_eval(f"() => {{ const q = window.map.latLngToContainerPoint([{lat}, {lon}]); return [q.x, q.y]; }}")
            box = p.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
            p.page.mouse.click(box["x"] + x, box["y"] + y)
            marker.wait_for(timeout=5000)
            p.page.wait_for_timeout(400)  # the spread animation
        marker.click()
        _wait_url_id(p, fid)
        p.page.locator(f".mapapp-panel[data-feature-id='{fid}']").wait_for(timeout=20000)
        opened.add(fid)
        # picking points of a spread stack one after the other never moves the map (a late URL
        # update of the previous pick must not pull the map back to it)
        assert p.map_eval("() => window.map.getZoom()") == zoom
    assert opened == set(ids)
    p.screenshot("where-stack-spread")


def test_legend_is_on_the_map_folds_and_speaks_the_ui_language(real_app, app_page):
    url, _ = real_app
    p = app_page(url).open()
    legend = p.map.locator("details.mapapp-legend")
    assert legend.count() == 1
    assert legend.locator("summary").inner_text().strip() == "图例"
    legend.locator("summary").click()
    opened = legend.evaluate("d => d.open")
    assert "范围上限" in legend.inner_text() and "点击展开" in legend.inner_text()
    legend.locator("summary").click()
    assert legend.evaluate("d => d.open") != opened
    en = app_page(url).open("lang=en")
    assert en.map.locator("details.mapapp-legend summary").inner_text().strip() == "Legend"


def _english_program_text() -> list[str]:
    """English phrases the program writes (UI strings and provenance wording) that differ from the
    Chinese wording; placeholders cut off."""
    out = []
    for entry in [*UI.values(), *({"en": v, "zh": _WORDS["zh"].get(k)} for k, v in _WORDS["en"].items())]:
        en = (entry.get("en") or "").split("{")[0].strip(" :;(")
        if en and en != entry.get("zh") and re.search(r"[A-Za-z]{4,}", en) and len(en) >= 6:
            out.append(en)
    return out


def test_the_chinese_ui_shows_no_program_written_english(real_app, app_page):
    url, build = real_app
    f = build.features
    fallback = f[(f["osm_fallback"] != "") & f.geometry.notna()]["id"].iloc[0]
    upper = f[f["upper_bound"].astype(bool) & (f["method"] == "admin")]["id"].iloc[0]
    phrases = _english_program_text()
    assert len(phrases) > 50
    free_text = set()  # annotators' own words are shown as written
    for col in ("source_note", "note", "name"):
        free_text |= {str(v) for v in f[col] if v}
    for fid in (fallback, upper):
        p = app_page(url).open(f"id={fid}")
        p.page.locator(f".mapapp-panel[data-feature-id='{fid}']").wait_for(timeout=20000)
        # a place report too: zoomed out far enough to show empty ground, clicked away from features
        p.map_eval("() => window.map.setZoom(Math.min(window.map.getZoom(), 9), {animate: false})")
        _click_at(p, *_empty_spot(p, build))
        p.page.locator(".mapapp-report").wait_for(timeout=20000)
        p.page.get_by_text("未定位记录").click()  # the ledger
        p.page.locator(".mapapp-ledger").wait_for(timeout=10000)
        p.map.locator("details.mapapp-legend summary").click()
        text = p.page.inner_text("body") + "\n" + p.map.locator("#map_div").inner_text()
        for own in sorted(free_text, key=len, reverse=True):
            text = text.replace(own, "")
        found = [ph for ph in phrases if ph in text]
        assert found == [], found
        for word in ("upper bound", "osm selector", "not located", "administrative units", "fallback"):
            assert word not in text.lower(), word


def test_a_tile_basemap_that_cannot_load_says_so_on_the_map(real_app, app_page):
    url, _ = real_app
    p = app_page(url)
    p.page.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    p.open("basemap=osm")
    message = p.map.locator(".mapapp-tile-error")
    message.wait_for(timeout=20000)
    assert "底图瓦片无法加载" in message.inner_text()


def test_default_basemap_fetches_nothing_outside_127_0_0_1_while_used(real_app, app_page):
    url, _build = real_app
    p = app_page(url).open()
    _click_at(p, 115.905, 28.665)
    p.page.locator(".mapapp-report").wait_for(timeout=20000)
    p.map_eval("() => window.map.setView([28.62, 115.915], 13, {animate: false})")
    p.page.wait_for_timeout(1500)
    assert p.outside_requests() == [], p.outside_requests()
    assert any("/app/static/markercluster/leaflet.markercluster.js" in u for u in p.requests)
    assert any("/app/static/mapapp/mapapp.js" in u for u in p.requests)
