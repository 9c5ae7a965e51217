"""Statistics by area (issue 12): on the real build, `stats` counts what `export --within` writes,
and the clipped areas and lengths match an independent computation."""
from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import shapely
from pyproj import Geod

from mapapp.area_stats import BASE_COLUMNS, area_statistics, breakdown_columns, statistics_csv
from mapapp.cli import main
from mapapp.features import FeatureFilter, filter_features, selecting_from

GEOD = Geod(ellps="WGS84")


def _counties(build):
    b = build.boundaries
    return b[b["level"] == "county"]


@pytest.mark.parametrize("plans", [[], ["jian-14th"], ["nanchang-14th", "jiangxi-livelihood-2025"]])
def test_stats_counts_what_export_within_selects_for_every_county(real_build, plans):
    f, b, m = real_build.features, real_build.boundaries, real_build.manifest
    table = area_statistics(selecting_from(f, b), b, m, "county", FeatureFilter(plans=plans)).set_index("name")
    checked = 0
    for name in _counties(real_build)["name"]:
        # the filter `mapapp export --within NAME --plan …` builds (by name; stats goes by adcode)
        exported = filter_features(f, FeatureFilter(plans=plans, within=[name]), b)
        expected = len(exported)
        got = int(table.loc[name, "features"]) if name in table.index else 0
        assert got == expected, (name, plans, got, expected)
        if expected:
            upper = int(exported["upper_bound"].sum())
            assert (table.loc[name, "precise"], table.loc[name, "upper_bound"]) == (expected - upper, upper)
            for plan in m["plans"]:
                n = sum(plan["id"] in ps for ps in exported["plans"])
                assert table.loc[name, "plan:" + plan["id"]] == n
            checked += 1
    assert checked == len(table) and checked > (60 if not plans else 10)
    print(f"plans={plans}: {checked} counties with features, all equal to export --within")


@pytest.mark.parametrize("county, plan", [("泰和县", "jian-14th"), ("青云谱区", None), ("进贤县", "nanchang-14th")])
def test_cli_stats_csv_agrees_with_cli_export_within(real_build, tmp_path, county, plan):
    build = ["--build-dir", str(real_build.where)]
    extra = ["--plan", plan] if plan else []
    assert main(["stats", *build, *extra, "-o", str(tmp_path / "s.csv")]) == 0
    assert main(["export", *build, *extra, "--within", county, "-o", str(tmp_path / "e.csv")]) == 0
    stats = {r["name"]: r for r in csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8")))}
    exported = list(csv.DictReader(io.StringIO((tmp_path / "e.csv").read_text(encoding="utf-8"))))
    assert len(exported) > 0
    assert int(stats[county]["features"]) == len(exported)
    assert int(stats[county]["upper_bound"]) == sum(r["upper_bound"] == "True" for r in exported)


def test_stats_columns_and_rows(real_build):
    m = real_build.manifest
    table = area_statistics(selecting_from(real_build.features, real_build.boundaries), real_build.boundaries, m, "city")
    assert list(table.columns) == [*BASE_COLUMNS, *breakdown_columns(m)]
    assert list(table.columns[len(BASE_COLUMNS):len(BASE_COLUMNS) + len(m["plans"])]) == \
        ["plan:" + p["id"] for p in m["plans"]]
    assert (table["features"] >= 1).all() and (table["level"] == "city").all()
    assert (table["features"] == table["precise"] + table["upper_bound"]).all()
    assert list(table["adcode"]) == sorted(table["adcode"])
    # every feature lies in at least one city; a city's sector counts never exceed its features
    located = real_build.features.geometry.notna().sum()
    assert table["features"].sum() >= located
    sectors = [c for c in table.columns if c.startswith("sector:")]
    assert (table[sectors].max(axis=1) <= table["features"]).all()


def _geodesic_area_km2(geom) -> float:
    total = 0.0
    for part in shapely.get_parts(shapely.get_parts(geom)):
        if part.geom_type == "Polygon":
            total += abs(GEOD.geometry_area_perimeter(part)[0])
    return total / 1e6


def _geodesic_length_km(geom) -> float:
    total = 0.0
    for part in shapely.get_parts(shapely.get_parts(geom)):
        if part.geom_type == "LineString":
            coords = np.asarray(part.coords)
            total += GEOD.line_length(coords[:, 0], coords[:, 1])
    return total / 1000


@pytest.mark.parametrize("county", ["青云谱区", "泰和县"])
def test_clipped_area_and_length_match_a_hand_computation(real_build, county):
    """Independently of mapapp.measure: clip each polygon and line of the unit by hand, measure
    polygons on the ellipsoid (geodesic area, not the Albers projection) and lines with pyproj."""
    f, b = real_build.features, real_build.boundaries
    table = area_statistics(selecting_from(f, b), b, real_build.manifest, "county").set_index("name")
    unit = b[b["name"] == county].geometry.iloc[0]
    inside = f[[county in cs for cs in f["counties"]]]
    area = sum(_geodesic_area_km2(g.intersection(unit)) for g, up in zip(inside.geometry, inside["upper_bound"])
               if g.geom_type.endswith("Polygon") and not up)
    length = sum(_geodesic_length_km(g.intersection(unit)) for g in inside.geometry if g.geom_type.endswith("LineString"))
    print(f"{county}: stats {table.loc[county, 'area_km2']} km², {table.loc[county, 'length_km']} km; "
          f"by hand {area:.2f} km², {length:.2f} km")
    assert area > 1 and length > 1
    assert table.loc[county, "area_km2"] == pytest.approx(area, rel=2e-3, abs=0.02)
    assert table.loc[county, "length_km"] == pytest.approx(length, rel=1e-4, abs=0.02)
    # an upper bound adds to the count but never to the area: the unit's area bounds each zone
    unit_area = _geodesic_area_km2(unit)
    zones = [g for g, up in zip(inside.geometry, inside["upper_bound"]) if g.geom_type.endswith("Polygon") and not up]
    assert all(_geodesic_area_km2(g.intersection(unit)) <= unit_area * 1.0001 for g in zones)


def test_stats_csv_is_the_cli_output(real_build, tmp_path):
    flt = FeatureFilter(plans=["jian-14th"], sectors=["transport"])
    table = area_statistics(selecting_from(real_build.features, real_build.boundaries), real_build.boundaries, real_build.manifest, "county", flt)
    out = tmp_path / "s.csv"
    assert main(["stats", "--build-dir", str(real_build.where), "--plan", "jian-14th", "--sector", "transport",
                 "-o", str(out)]) == 0
    assert out.read_bytes() == statistics_csv(table)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["name"] for r in rows} >= {"泰和县", "吉州区"}


def test_cli_stats_prints_a_table_and_refuses_bad_input(real_build, capsys, tmp_path):
    build = ["--build-dir", str(real_build.where)]
    assert main(["stats", *build, "--by", "city"]) == 0
    out = capsys.readouterr().out
    assert "吉安市" in out and "features" in out and "area_km2" in out
    assert main(["stats", *build, "--plan", "no-such-plan"]) == 1
    assert "unknown plan no-such-plan" in capsys.readouterr().err
    assert main(["stats", *build, "-o", str(tmp_path / "missing" / "s.csv")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
