"""The map app on a small data folder written here: evidence panel, escaping, broken builds."""
from __future__ import annotations

import json
import time

from mapapp.project import Project
from mapapp.schema import FORMAT_VERSION

from .conftest import XSS, serve


def test_click_opens_evidence_panel_with_quote_and_highlighted_paragraph(small_app, app_page):
    url, _ = small_app
    p = app_page(url).open()
    assert p.wait_feature_count(3) == 3
    assert p.path_count() == 3
    square = p.map.locator("path.mapapp-f-test-airport-town")
    # the hand-drawn (approximate) square is drawn dashed
    assert square.get_attribute("stroke-dasharray") not in (None, "", "none")
    station = p.map.locator("path.mapapp-f-test-station")
    assert station.get_attribute("stroke-dasharray") in (None, "", "none")
    station.hover()
    tip = p.map.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5000)
    assert "测试车站 {{ 7*7 }}" in tip.inner_text()  # template syntax in a name stays text
    station.click()
    panel = p.page.locator(".mapapp-panel[data-feature-id='test-station']")
    panel.wait_for(timeout=20000)
    text = panel.inner_text()
    assert "测试车站" in text
    assert "第 5 行" in text
    assert "「测试车站」" in text
    assert "南昌市国民经济和社会发展第十四个五年规划" in text  # the plan's title
    assert "point" in text and "300 米" in text  # geometry source and uncertainty
    mark = panel.locator(".mapapp-paragraph mark")
    assert mark.first.inner_text() == "测试车站"
    assert "加快测试车站建设" in panel.locator(".mapapp-paragraph").inner_text()
    p.screenshot("small-evidence-panel")
    # the selected feature is in the URL too
    p.page.wait_for_url("**id=test-station*", timeout=10000)  # the page writes the link after drawing

    # the polygon's panel shows stated/computed area facts and its precision
    p.page.locator("[data-testid='stSelectbox']").filter(has_text="或从列表选择要素").locator("input").click()
    p.page.get_by_role("option", name="测试空港新城").click()
    panel = p.page.locator(".mapapp-panel[data-feature-id='test-airport-town']")
    panel.wait_for(timeout=20000)
    text = panel.inner_text()
    assert "近似" in text and "计算面积" in text and "平方公里" in text
    assert panel.locator(".mapapp-paragraph mark").first.inner_text() == "测试空港新城"


def test_annotation_text_is_shown_literally_and_never_runs(small_app, app_page):
    url, _ = small_app
    p = app_page(url).open()
    p.wait_feature_count(3)
    xss = p.map.locator("path.mapapp-f-test-xss")
    xss.hover()
    tip = p.map.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5000)
    assert XSS in tip.inner_text()
    xss.click()
    panel = p.page.locator(".mapapp-panel[data-feature-id='test-xss']")
    panel.wait_for(timeout=20000)
    assert XSS in panel.locator(".mapapp-name").inner_text()
    assert XSS in panel.inner_text()  # quote, geometry source and paragraph
    # the unmapped ledger lists the unlocated record, literally
    p.page.get_by_text("未定位记录（1 条）").click()
    ledger = p.page.locator(".mapapp-ledger")
    ledger.wait_for(timeout=10000)
    assert f"{XSS} 未定位" in ledger.inner_text()
    time.sleep(1.0)
    p.screenshot("small-xss-literal")
    assert p.dialogs == []
    # no <img src=x> element was created anywhere: not in the page, not in the map frame
    assert p.page.locator("img[src='x']").count() == 0
    assert p.map.locator("img[src='x']").count() == 0
    assert not [u for u in p.requests if u.rstrip("/").endswith("/x")]
    assert p.outside_requests() == []


def test_search_by_alias_filters_the_map(small_app, app_page):
    url, _ = small_app
    p = app_page(url).open()
    p.wait_feature_count(3)
    box = p.page.get_by_label("按名称或别名搜索")
    box.fill("空港测试")
    box.press("Enter")
    assert p.wait_feature_count(1) == 1
    assert p.map.locator("path.mapapp-f-test-airport-town").count() == 1
    assert "q=" in p.wait_url(lambda u: "q=" in u)
    box.fill("没有这个名字")
    box.press("Enter")
    assert p.wait_feature_count(0) == 0
    p.page.get_by_text("没有符合筛选条件的要素。").wait_for(timeout=10000)


def test_amap_basemap_shifts_overlays_to_gcj02_and_says_so(small_app, app_page):
    url, _ = small_app
    p = app_page(url)
    p.page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
                 else route.continue_())
    p.open("basemap=amap")
    p.wait_feature_count(3)
    assert "GCJ-02" in p.page.inner_text("body")
    assert "GCJ-02" in p.map.locator(".mapapp-datum").inner_text()
    # the station point is drawn shifted: compare with the WGS84 map at the same view
    frame = p.map_frame()
    ll = frame.evaluate("""() => { let out = null; window.map.eachLayer(l => {
        if (l.feature && l.feature.properties.id === 'test-station' && l.getLatLng) out = l.getLatLng(); });
        return out; }""")
    assert abs(ll["lng"] - 115.70 - 0.0049) < 0.0008 and abs(ll["lat"] - 28.40 + 0.0034) < 0.0008
    assert any("autonavi" in u for u in p.requests)  # tiles were asked for (and blocked here)


def test_missing_and_corrupt_build_give_a_message_not_a_traceback(browser, app_page, tmp_path):
    empty = Project.from_settings(data_dir=tmp_path, build_dir=tmp_path / "no-build")
    with serve(empty, tmp_path / "missing.log") as url:
        p = app_page(url).open(wait_features=False)
        p.page.get_by_text("无法读取构建结果").wait_for(timeout=30000)
        body = p.page.inner_text("body")
        assert "mapapp build" in body and "Traceback" not in body
        p.screenshot("missing-build")
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("features.parquet", "boundaries.parquet", "context.parquet"):
        (broken / name).write_bytes(b"not a parquet file")
    # a manifest of this format version, so that reading goes on to the broken tables
    (broken / "manifest.json").write_text(json.dumps({"format_version": FORMAT_VERSION}), encoding="utf-8")
    with serve(Project.from_settings(data_dir=tmp_path, build_dir=broken), tmp_path / "broken.log") as url:
        p = app_page(url).open(wait_features=False)
        p.page.get_by_text("无法读取构建结果").wait_for(timeout=30000)
        body = p.page.inner_text("body")
        assert "unreadable" in body and "Traceback" not in body


def test_boundary_layers_switch_on_and_off(small_app, app_page):
    url, _ = small_app
    p = app_page(url).open()
    p.wait_feature_count(3)
    outlines = p.map.locator("path:not(.mapapp-feature)")
    shown = outlines.count()  # province and city outlines are on by default
    assert shown >= 12
    p.map.locator(".leaflet-control-layers").hover()
    p.map.get_by_label("县（区）界").check()
    assert outlines.count() >= shown + 100  # Jiangxi has 100 counties
    p.map.get_by_label("市界").uncheck()
    p.map.get_by_label("县（区）界").uncheck()
    assert 1 <= outlines.count() < shown  # only the province remains
    p.screenshot("small-layer-control")


def test_unknown_values_in_the_link_are_ignored_and_shown_literally(small_app, app_page):
    url, _ = small_app
    p = app_page(url)
    p.page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
                 else route.continue_())
    bad = "![x](http://evil.example/x.png)"
    from urllib.parse import quote

    p.open(f"kind={quote(bad)}&kind=rail_station")
    assert p.wait_feature_count(1) == 1  # the known value applies
    warning = p.page.locator("[data-testid='stAlert']").filter(has_text="已忽略")
    warning.wait_for(timeout=10000)
    assert bad in warning.inner_text()
    assert p.outside_requests() == []


def test_a_link_over_streamlits_limits_says_its_filters_were_not_applied(small_app, app_page):
    """Issue 16: Streamlit drops a query string of more than 1,000 parameters (~20 KB of filter
    values) without a word. A link just under the limit still applies; one over it shows every
    feature and a notice saying the link's filters were not applied."""
    url, _ = small_app
    p = app_page(url)
    unknown = [f"zzzz-{i:05d}" for i in range(998)]
    p.open("&".join(f"kind={v}" for v in unknown) + "&kind=rail_station")
    assert p.wait_feature_count(1) == 1  # 999 parameters: applied, and the unknown ones are counted
    warning = p.page.locator("[data-testid='stAlert']").filter(has_text="已忽略")
    warning.wait_for(timeout=10000)
    assert "998" in warning.inner_text()

    again = app_page(url)
    unknown = [f"zzzz-{i:05d}" for i in range(3000)]
    again.open("&".join(f"kind={v}" for v in unknown) + "&kind=rail_station")
    notice = again.page.locator("#mapapp-link-dropped")
    notice.wait_for(timeout=15000)
    assert "3001 个参数" in notice.inner_text() and "未应用" in notice.inner_text()
    assert notice.get_attribute("role") == "alert"
    assert again.drawn_count() == 3  # nothing was filtered, and the page says so
    again.screenshot("small-link-too-long")
    # the notice goes once the page writes a new link: a filter chosen (the map stays) ...
    box = again.page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
    box.locator("input").click()
    again.page.get_by_role("option").filter(has_text="铁路车站").first.click()
    again.page.keyboard.press("Escape")
    assert again.wait_feature_count(1) == 1
    notice.wait_for(state="detached", timeout=10000)

    # ... or another view (the map's frame, which showed it, goes away)
    third = app_page(url)
    third.open("&".join(f"kind={v}" for v in unknown))
    third.page.locator("#mapapp-link-dropped").wait_for(timeout=15000)
    third.page.get_by_text("统计", exact=True).click()
    third.page.wait_for_url("**view=stats*", timeout=15000)
    third.page.locator("#mapapp-link-dropped").wait_for(state="detached", timeout=10000)


def test_canvas_mode_draws_hovers_and_clicks_like_svg(small_project, app_page, tmp_path):
    """Large selections draw on a canvas (MAPAPP_CANVAS_ABOVE, 0 here): no SVG path per feature,
    yet the tooltip and the click to the evidence panel work the same."""
    with serve(small_project, tmp_path / "canvas.log", extra_env={"MAPAPP_CANVAS_ABOVE": "0"}) as url:
        p = app_page(url).open()
        assert p.wait_feature_count(3) == 3
        assert p.path_count() == 0
        assert p.map.locator("canvas").count() >= 1
        frame = p.map_frame()
        xy = frame.evaluate("""() => { let out = null; window.map.eachLayer(l => {
            if (l.feature && l.feature.properties.id === 'test-station') {
                const pt = window.map.latLngToContainerPoint(l.getLatLng()); out = [pt.x, pt.y]; } });
            return out; }""")
        box = p.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        x, y = box["x"] + xy[0], box["y"] + xy[1]
        p.page.mouse.move(x, y)
        tip = p.map.locator(".leaflet-tooltip")
        tip.wait_for(timeout=5000)
        assert "测试车站" in tip.inner_text()
        p.page.mouse.click(x, y)
        p.page.locator(".mapapp-panel[data-feature-id='test-station']").wait_for(timeout=20000)
        p.screenshot("small-canvas-mode")

        # the hand-drawn square is a canvas area kept as flat numbers (mapapp.js Flat.Polygon): its
        # outline, box, hover, click and highlight are those of the square it was drawn from
        square = frame.evaluate("""() => { let l = null; window.map.eachLayer(x => {
            if (x.feature && x.feature.properties.id === 'test-airport-town') l = x; });
            const b = l.getBounds();
            window.map.setView(b.getCenter(), 12, {animate: false});  // (the click zoomed to the station)
            const c = window.map.latLngToContainerPoint(b.getCenter());
            return {flat: l._v0 !== undefined, geometry: l.toGeoJSON().geometry, xy: [c.x, c.y],
                    box: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]}; }""")
        assert square["flat"]
        assert square["geometry"]["type"] == "Polygon"
        ring = square["geometry"]["coordinates"][0]
        assert len(ring) == 5 and ring[0] == ring[-1]
        assert sorted({round(x, 5) for x, _ in ring}) == [115.88, 115.92]
        assert sorted({round(y, 5) for _, y in ring}) == [28.68, 28.72]
        assert [round(v, 5) for v in square["box"]] == [115.88, 28.68, 115.92, 28.72]
        x, y = box["x"] + square["xy"][0], box["y"] + square["xy"][1]
        p.page.mouse.move(x, y)
        tip = p.map.locator(".leaflet-tooltip").filter(has_text="测试空港新城")
        tip.wait_for(timeout=5000)
        p.page.mouse.click(x, y)
        p.page.locator(".mapapp-panel[data-feature-id='test-airport-town']").wait_for(timeout=20000)
        assert p.map.locator("path.mapapp-highlight").count() == 1


def test_online_basemaps_ask_their_own_tiles_in_wgs84(small_project, app_page, tmp_path):
    """OpenStreetMap and 天地图 (with a key from MAPAPP_TIANDITU_KEY) draw the overlays unshifted."""
    with serve(small_project, tmp_path / "tdt.log", extra_env={"MAPAPP_TIANDITU_KEY": "testkey123"}) as url:
        for basemap, host in (("osm", "tile.openstreetmap.org"), ("tianditu", "tianditu.gov.cn")):
            p = app_page(url)
            p.page.route("**/*", lambda route: route.abort()
                         if not route.request.url.startswith("http://127.0.0.1") else route.continue_())
            p.open(f"basemap={basemap}")
            assert p.wait_feature_count(3) == 3
            assert p.map.locator(".mapapp-datum").inner_text() == "WGS84"
            asked = [u for u in p.outside_requests() if host in u]
            assert asked, p.outside_requests()
            if basemap == "tianditu":
                assert all("tk=testkey123" in u for u in asked)
            ll = p.map_frame().evaluate("""() => { let out = null; window.map.eachLayer(l => {
                if (l.feature && l.feature.properties.id === 'test-station' && l.getLatLng) out = l.getLatLng(); });
                return out; }""")
            assert abs(ll["lng"] - 115.70) < 1e-6 and abs(ll["lat"] - 28.40) < 1e-6


CANVAS_PIXELS = "() => window.mapapp.renderer._container.toDataURL()"


def test_canvas_shows_the_same_after_a_filter_is_switched_off_again(small_project, app_page, tmp_path):
    """On a canvas, a whole redraw back to a selection already drawn in the same view puts back a
    copy of that drawing (mapapp.js HidingCanvas): what it shows must be exactly what drawing every
    feature again shows, and the narrowed selection must look different."""
    with serve(small_project, tmp_path / "copies.log", extra_env={"MAPAPP_CANVAS_ABOVE": "0"}) as url:
        p = app_page(url).open()
        assert p.wait_feature_count(3) == 3
        p.page.wait_for_timeout(500)
        view = "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]"
        first, first_view = p.map_eval(CANVAS_PIXELS), p.map_eval(view)
        box = p.page.get_by_label("按名称或别名搜索")
        box.fill("空港测试")
        box.press("Enter")
        assert p.wait_feature_count(1) == 1
        p.page.wait_for_timeout(500)
        assert p.map_eval(CANVAS_PIXELS) != first
        p.map_eval("() => window.map.setView(" + str(first_view[1:]) + ", " + str(first_view[0]) + ", {animate: false})")
        box.fill("")
        box.press("Enter")
        assert p.wait_feature_count(3) == 3
        p.page.wait_for_timeout(500)
        again = p.map_eval(CANVAS_PIXELS)
        p.map_eval("() => { const r = window.mapapp.renderer; r._mapappCopies = []; r.redrawAll(); }")
        p.page.wait_for_timeout(500)
        fresh = p.map_eval(CANVAS_PIXELS)
        assert again == fresh  # the copy (or the redraw) shows what drawing everything shows
        if p.map_eval(view) == first_view:
            assert again == first
