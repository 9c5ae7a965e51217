"""The 统计 and 对比 views on the real annotations, in headless Chromium (issue 12)."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

from mapapp.area_stats import area_statistics, statistics_csv
from mapapp.cli import main as cli_main
from mapapp.features import FeatureFilter, filter_features, selecting_from
from mapapp.plan_compare import compare_plans, group_counts

from .conftest import MAP_FRAME

GOV, NANCHANG = "jiangxi-gov-2024", "nanchang-14th"


def _wait_url(page, key: str, value: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    q = {}
    while time.monotonic() < deadline:
        q = parse_qs(urlparse(page.url).query)
        if q.get(key) == [value]:
            return q
        page.wait_for_timeout(200)
    return q


def _open_view(p, query: str):
    p.open(query, wait_features=False)
    return p


def test_choropleth_draws_every_county_coloured_by_features(real_app, app_page):
    url, build = real_app
    p = _open_view(app_page(url), "view=stats")
    frame = p.map
    frame.locator("path.mapapp-choropleth").first.wait_for(timeout=60000)
    counties = build.boundaries[build.boundaries["level"] == "county"]
    assert frame.locator("path.mapapp-choropleth").count() == len(counties)
    assert frame.locator("#map_div").evaluate("() => window.mapappChoropleth") == len(counties)
    # the county with the most features has the darkest class; one without features is grey
    table = area_statistics(selecting_from(build.features, build.boundaries), build.boundaries, build.manifest, "county")
    top = table.sort_values("features").iloc[-1]
    fill = frame.locator(f"path.mapapp-county-{top['adcode']}").get_attribute("fill")
    assert fill == "#bd0026", (top["name"], fill)
    fills = {frame.locator("path.mapapp-choropleth").nth(i).get_attribute("fill") for i in range(len(counties))}
    assert len(fills) >= 4
    body = p.page.inner_text("body")
    assert f"{len(table)} 个县（区）有符合当前筛选条件的要素" in body and "Traceback" not in body
    assert p.outside_requests() == [], p.outside_requests()
    p.screenshot("stats-view")


def test_county_click_on_the_map_and_a_table_row_set_the_area_filter(real_app, app_page):
    url, build = real_app
    p = _open_view(app_page(url), "view=stats")
    county = build.boundaries[build.boundaries["name"] == "泰和县"].iloc[0]
    path = p.map.locator(f"path.mapapp-county-{county['adcode']}")
    path.wait_for(timeout=60000)
    path.click(force=True)
    q = _wait_url(p.page, "area", "泰和县")
    assert q.get("area") == ["泰和县"] and q.get("view") == ["stats"], q
    expected = len(filter_features(build.features, FeatureFilter(within=["泰和县"]), build.boundaries))
    p.page.get_by_text(f"地图显示 {expected} 个要素").wait_for(timeout=20000)
    p.map.locator(f"path.mapapp-county-{county['adcode']}").wait_for(timeout=30000)
    p.screenshot("stats-view-county-clicked")
    # a row of the table: the first row (lowest adcode) of the statistics under the new filter
    table = area_statistics(selecting_from(build.features, build.boundaries), build.boundaries, build.manifest, "county",
                            FeatureFilter(within=["泰和县"]))
    first = table.iloc[0]["name"]
    grid = p.page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=20000)
    grid.click(position={"x": 16, "y": 54})  # the selection box of the first data row
    q = _wait_url(p.page, "area", first)
    assert q.get("area") == [first], q


def test_stats_csv_download_equals_the_cli_output(real_app, app_page, tmp_path):
    url, build = real_app
    p = _open_view(app_page(url), "view=stats&plan=jian-14th&sector=transport")
    button = p.page.get_by_role("button", name="下载统计表 CSV")
    button.wait_for(timeout=60000)
    with p.page.expect_download(timeout=60000) as info:
        button.click()
    downloaded = tmp_path / "app.csv"
    info.value.save_as(downloaded)
    cli = tmp_path / "cli.csv"
    assert cli_main(["stats", "--build-dir", str(build.where), "--plan", "jian-14th", "--sector", "transport",
                     "-o", str(cli)]) == 0
    assert downloaded.read_bytes() == cli.read_bytes()
    flt = FeatureFilter(plans=["jian-14th"], sectors=["transport"])
    assert cli.read_bytes() == statistics_csv(area_statistics(selecting_from(build.features, build.boundaries), build.boundaries, build.manifest,
                                                              "county", flt))


def _pick(page, label: str, option: str):
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.get_by_role("option").filter(has_text=option).first.click()


def test_comparison_view_shows_the_three_groups_and_both_plans_evidence(real_app, app_page):
    url, build = real_app
    plans = {pl["id"]: pl["title"] for pl in build.manifest["plans"]}
    counts = group_counts(compare_plans(selecting_from(build.features), GOV, NANCHANG, list(plans)))
    p = _open_view(app_page(url), "view=compare")
    p.page.get_by_text("两个规划的对比").wait_for(timeout=60000)
    _pick(p.page, "规划 A", plans[GOV])
    p.page.wait_for_timeout(1000)
    _pick(p.page, "规划 B", plans[NANCHANG])
    p.page.get_by_text(f"（其中状态变化 {counts['changed']}）").wait_for(timeout=30000)
    groups = p.page.locator(".mapapp-cmp-group")
    assert groups.count() == 3
    shown = {groups.nth(i).get_attribute("data-group"): int(groups.nth(i).locator(".mapapp-cmp-count").inner_text())
             for i in range(3)}
    assert shown == {"both": counts["changed"] + counts["both"], "only_a": counts["only_a"], "only_b": counts["only_b"]}
    # the map draws each group in its colour (status changes are shared records with a red outline);
    # while the rerun that follows a plan change finishes, the previous map may still be on the page
    deadline = time.monotonic() + 30
    while p.page.locator(MAP_FRAME).count() != 1 and time.monotonic() < deadline:
        p.page.wait_for_timeout(200)
    frame = p.map
    frame.locator("path.mapapp-cmp-changed").first.wait_for(timeout=30000)
    drawn = frame.locator("#map_div").evaluate("() => window.mapappCompare")
    assert all(drawn.get(g, 0) > 0 for g in ("changed", "both", "only_a", "only_b")), drawn
    assert frame.locator("path.mapapp-cmp-only_a").first.get_attribute("fill") != \
        frame.locator("path.mapapp-cmp-only_b").first.get_attribute("fill")
    # the first row is a status change; selecting it opens both plans' evidence side by side
    grid = p.page.locator("[data-testid='stDataFrame']").first
    grid.click(position={"x": 16, "y": 54})
    panels = p.page.locator(".mapapp-cmp-evidence")
    panels.nth(1).wait_for(timeout=20000)
    assert [panels.nth(i).get_attribute("data-plan") for i in range(panels.count())] == [GOV, NANCHANG]
    assert panels.nth(0).locator(".mapapp-quote").count() >= 1 and panels.nth(1).locator(".mapapp-quote").count() >= 1
    assert "Traceback" not in p.page.inner_text("body")
    p.screenshot("compare-view")
