"""The map app on the repository's real annotations, in headless Chromium."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

from mapapp.app.layers import CANVAS_ABOVE
from mapapp.cli import main as cli_main
from mapapp.features import FeatureFilter, filter_features


def _located(build, **flt) -> int:
    return len(filter_features(build.features, FeatureFilter(**flt), build.boundaries))


def test_page_loads_with_every_located_feature_drawn_and_nothing_fetched_outside(real_app, app_page):
    url, build = real_app
    p = app_page(url).open()
    expected = int(build.features.geometry.notna().sum())
    assert p.wait_feature_count(expected) == expected
    if expected <= CANVAS_ABOVE:  # one SVG path per feature, or a point counted by its cluster
        assert p.paths_and_clustered() == expected
    time.sleep(1.0)  # let late requests (fonts, images) happen before judging them
    shot = p.screenshot("real-first-page")
    assert shot.stat().st_size > 20_000
    assert p.outside_requests() == [], p.outside_requests()
    body = p.page.inner_text("body")
    assert f"地图显示 {expected} 个要素" in body
    assert "坐标系：WGS84" in body
    assert "Traceback" not in body
    # Leaflet came from the app's own static folder; nothing on the map needs jQuery, and a map
    # without vector tiles does not load their library
    assert any(u.endswith("/app/static/leaflet/leaflet.js") for u in p.requests)
    assert not any("jquery" in u or "protomaps" in u for u in p.requests)
    # the datum label is drawn on the map
    assert p.map.locator(".mapapp-datum").inner_text() == "WGS84"
    # the real stations are OpenStreetMap positions: the map credits OSM (ODbL)
    assert build.features.geometry_source.str.contains("OpenStreetMap").any()
    assert "© OpenStreetMap 贡献者（ODbL）" in p.map.locator(".leaflet-control-attribution").inner_text()


def _choose(page, label: str, option_prefix: str):
    """Pick an option of a sidebar multiselect as a person does: open it, click the option."""
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text=label).first
    box.locator("input").click()
    page.keyboard.type(option_prefix.split(" (")[0])  # the list shows only what fits: narrow it first
    page.get_by_role("option").filter(has_text=option_prefix).first.click()
    page.keyboard.press("Escape")


def test_filter_changes_drawn_features_counts_and_url(real_app, app_page):
    url, build = real_app
    f = build.features
    kinds = f[f.geometry.notna()]["kind"].value_counts()
    kind = kinds.index[0]
    label = build.manifest["vocabulary"]["kinds"][kind]["zh"]
    expected = _located(build, kinds=[kind])
    total = int(f.geometry.notna().sum())
    assert 0 < expected < total
    p = app_page(url).open()
    p.wait_feature_count(total)
    _choose(p.page, "类型", f"{label} ({expected})")
    assert p.wait_feature_count(expected) == expected
    if total <= CANVAS_ABOVE:
        assert p.paths_and_clustered() == expected
    p.page.get_by_text(f"地图显示 {expected} 个要素").wait_for(timeout=10000)
    # the other facets now count within the chosen kind: the plan counts add up to at least it
    p.screenshot("real-filtered-kind")
    q = parse_qs(urlparse(p.wait_url(lambda u: "kind=" in u)).query)
    assert q.get("kind") == [kind]


def test_url_reopens_the_same_view(real_app, app_page):
    url, build = real_app
    f = build.features
    located = f[f.geometry.notna()]
    sector = located["sectors"].explode().value_counts().index[0]
    status = located["status"].value_counts().index[0]
    expected = _located(build, sectors=[sector], statuses=[status])
    p = app_page(url).open(f"sector={sector}&status={status}&lang=en")
    assert p.wait_feature_count(expected) == expected
    body = p.page.inner_text("body")
    assert f"{expected} features on the map" in body
    label = build.manifest["vocabulary"]["sectors"][sector]["en"]
    assert label in body  # the chosen sector shows as a chip in its multiselect
    p.screenshot("real-url-english")
    # the page keeps the state in its URL; opening that URL again gives the same view
    again = app_page(url)
    again.url = p.page.url.split("/?")[0]
    again.open(p.page.url.split("?", 1)[1])
    assert again.wait_feature_count(expected) == expected
    q = parse_qs(urlparse(again.page.url).query)
    assert q["sector"] == [sector] and q["status"] == [status] and q["lang"] == ["en"]


def test_geojson_and_csv_downloads_equal_the_cli_export(real_app, app_page, tmp_path):
    url, build = real_app
    f = build.features
    located = f[f.geometry.notna()]
    kind = located["kind"].value_counts().index[0]
    p = app_page(url).open(f"kind={kind}")
    p.wait_feature_count(_located(build, kinds=[kind]))
    with p.page.expect_download() as dl:
        p.page.get_by_role("button", name="下载 GeoJSON").click()
    got = tmp_path / "app.geojson"
    dl.value.save_as(got)
    cli = tmp_path / "cli.geojson"
    data_dir = build.where  # the build folder is enough: export reads the existing build
    assert cli_main(["export", "--build-dir", str(data_dir), "--kind", kind, "-o", str(cli)]) == 0
    assert got.read_text(encoding="utf-8") == cli.read_text(encoding="utf-8")
    assert len(json.loads(got.read_text(encoding="utf-8"))["features"]) == _located(build, kinds=[kind])
    with p.page.expect_download() as dl:
        p.page.get_by_role("button", name="下载 CSV").click()
    got_csv = tmp_path / "app.csv"
    dl.value.save_as(got_csv)
    cli_csv = tmp_path / "cli.csv"
    assert cli_main(["export", "--build-dir", str(data_dir), "--kind", kind, "-o", str(cli_csv)]) == 0
    assert got_csv.read_bytes() == cli_csv.read_bytes()


DRAWN_IDS_JS = """() => {
    // the ids of the plan features Leaflet has on the map, plus the points a cluster on the map
    // stands for (on a canvas, unselected lines and areas stay on the map hidden: not counted);
    // boundaries, water and the highlight are not plan features
    const ids = [], own = l => l.feature && window.mapapp.byId[l.feature.properties.id] === l;
    window.map.eachLayer(l => {
        if (l.getAllChildMarkers) { l.getAllChildMarkers().forEach(m => ids.push(m.feature.properties.id)); }
        else if (own(l) && !l._mapappHidden) { ids.push(l.feature.properties.id); }
    });
    return ids;
}"""


def _drawn_ids(p, timeout: float = 10) -> list[str]:
    """The drawn ids once the map has settled: the point cluster animates a zoom change (for a
    moment a point is both a marker on the map and a cluster's child), so read until two reads
    0.4 s apart agree."""
    deadline = time.monotonic() + timeout
    ids = sorted(p.map_eval(DRAWN_IDS_JS))
    while time.monotonic() < deadline:
        p.page.wait_for_timeout(400)
        again = sorted(p.map_eval(DRAWN_IDS_JS))
        if again == ids:
            break
        ids = again
    return ids


def _expected_ids(build, **flt) -> list[str]:
    return sorted(filter_features(build.features, FeatureFilter(**flt), build.boundaries)["id"])


def test_after_a_filter_change_exactly_the_selected_features_are_drawn(real_app, app_page):
    """The browser holds every feature and shows a selection: after narrowing, widening and a
    search, the features on the map are exactly the filter's, each once."""
    url, build = real_app
    f = build.features
    located = f[f.geometry.notna()]
    total = len(located)
    p = app_page(url).open()
    assert p.wait_feature_count(total) == total
    assert _drawn_ids(p) == sorted(located["id"])
    kind = located["kind"].value_counts().index[0]
    label = build.manifest["vocabulary"]["kinds"][kind]["zh"]
    want = _expected_ids(build, kinds=[kind])
    _choose(p.page, "类型", f"{label} ({len(want)})")  # narrowing
    assert p.wait_feature_count(len(want)) == len(want)
    assert _drawn_ids(p) == want
    # a second field narrows within the first: the sector with most features of that kind
    sector = located[located["kind"] == kind]["sectors"].explode().value_counts().index[0]
    both = _expected_ids(build, kinds=[kind], sectors=[sector])
    assert 0 < len(both) < len(want)
    _choose(p.page, "行业", f"{build.manifest['vocabulary']['sectors'][sector]['zh']} ({len(both)})")
    assert p.wait_feature_count(len(both)) == len(both)
    assert _drawn_ids(p) == both
    # widening: remove the kind again
    box = p.page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
    box.locator("button[aria-label^='Remove']").last.click()
    wide = _expected_ids(build, sectors=[sector])
    assert p.wait_feature_count(len(wide)) == len(wide)
    assert _drawn_ids(p) == wide
    # a search narrows what the other filters leave
    q = located[located["id"].isin(wide)]["name"].iloc[0][:2]
    search = p.page.get_by_label("按名称或别名搜索")
    search.fill(q)
    search.press("Enter")
    hits = _expected_ids(build, sectors=[sector], query=q)
    assert p.wait_feature_count(len(hits)) == len(hits)
    assert _drawn_ids(p) == hits
    p.screenshot("real-filter-drawn-exactly")
    # the features' geometry reached the browser once, as one file, for all these changes
    assert len([u for u in p.requests if urlparse(u).path.startswith("/app/static/data/features-")]) == 1


def test_a_language_switch_keeps_the_map_and_its_features_and_changes_the_words(real_app, app_page):
    url, build = real_app
    f = build.features
    total = int(f.geometry.notna().sum())
    p = app_page(url).open()
    assert p.wait_feature_count(total) == total
    p.map_eval("() => { window.mapappProbe = 'same map'; }")
    assert p.map.locator("details.mapapp-legend summary").inner_text().strip() == "图例"
    p.page.get_by_text("English").click()
    p.page.get_by_text(f"{total} features on the map").wait_for(timeout=30000)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and p.map.locator("details.mapapp-legend summary").inner_text().strip() != "Legend":
        p.page.wait_for_timeout(200)
    assert p.map.locator("details.mapapp-legend summary").inner_text().strip() == "Legend"
    assert p.map_eval("() => window.mapappProbe") == "same map"  # not reloaded
    assert p.wait_feature_count(total) == total
    # a tooltip speaks English now
    point = f[f.geometry.geom_type == "Point"].iloc[0]
    tip = p.map_eval(f"""() => {{ const l = window.mapapp.byId[{point['id']!r}];
        return window.mapapp.lines(l.feature.properties).join(' | '); }}""")
    kind_en = build.manifest["vocabulary"]["kinds"][point["kind"]]["en"]
    assert kind_en in tip and "Precision" in tip, tip
    assert len([u for u in p.requests if urlparse(u).path.startswith("/app/static/data/features-")]) == 1
