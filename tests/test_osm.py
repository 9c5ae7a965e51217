"""The OSM join: importing extracts (our own small PBF and the real fixtures), the Overpass client
against a local server, resolving `osm` specs in the build, and refreshing station tables."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import osmium
import pytest
import shapely

from mapapp.cli import main
from mapapp.errors import MapappError
from mapapp.export import to_geojson
from mapapp.osm.cache import OsmCache
from mapapp.osm.overpass import fetch_overpass, fetch_query
from mapapp.osm.pbf_import import import_extract
from mapapp.pipeline import build, load_build
from mapapp.resolve import OsmMiss

STAMP = datetime(2026, 9, 4, 12, 0, tzinfo=timezone.utc)
# 昌九城际 from 南昌 (115.9148, 28.6653) north towards 九江, cut into three ways like real OSM data.
RAIL = [(115.9148, 28.6653), (115.89, 28.80), (115.86, 28.95), (115.80, 29.10), (115.85, 29.35), (116.0, 29.70)]


def write_fixture_pbf(path, station_lon=115.787711):
    """Write a small PBF: a rail line in 3 ways, two stations, a same-named station far away, an airport."""
    node_id = 1
    with osmium.SimpleWriter(str(path)) as w:
        ids = []
        for lon, lat in RAIL:
            w.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1, timestamp=STAMP))
            ids.append(node_id)
            node_id += 1
        w.add_node(osmium.osm.mutable.Node(id=2266601966, location=(station_lon, 28.6257294), version=1,
                                           timestamp=STAMP, tags={"railway": "station", "name": "南昌西站"}))
        w.add_node(osmium.osm.mutable.Node(id=500, location=(116.0017, 29.7066), version=1, timestamp=STAMP,
                                           tags={"railway": "station", "name": "九江站"}))
        w.add_node(osmium.osm.mutable.Node(id=501, location=(114.9, 27.1), version=1, timestamp=STAMP,
                                           tags={"railway": "halt", "name": "九江站"}))   # a namesake far away
        ring = [(115.88, 28.85), (115.92, 28.85), (115.92, 28.88), (115.88, 28.88)]
        ring_ids = []
        for lon, lat in ring:
            w.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1, timestamp=STAMP))
            ring_ids.append(node_id)
            node_id += 1
        rail_tags = {"railway": "rail", "name": "昌九城际铁路", "usage": "main"}
        for way_id, (a, b) in zip((11, 12, 13), ((0, 2), (2, 4), (4, 5))):
            w.add_way(osmium.osm.mutable.Way(id=way_id, nodes=ids[a:b + 1], version=1, timestamp=STAMP, tags=rail_tags))
        w.add_way(osmium.osm.mutable.Way(id=20, nodes=ring_ids + ring_ids[:1], version=1, timestamp=STAMP,
                                         tags={"aeroway": "aerodrome", "name": "南昌昌北国际机场", "iata": "KHN"}))
        w.add_way(osmium.osm.mutable.Way(id=21, nodes=ids[:2], version=1, timestamp=STAMP,
                                         tags={"highway": "residential", "name": "无关路"}))   # not wanted


@pytest.fixture
def pbf(tmp_path):
    path = tmp_path / "jiangxi-like.osm.pbf"
    write_fixture_pbf(path)
    return path


def test_import_keeps_what_mapapp_needs(pbf, tmp_path):
    meta = import_extract(pbf, tmp_path / "cache")
    cache = OsmCache.open(tmp_path / "cache")
    assert meta["objects"] == len(cache) == 7     # 3 rail ways, 3 stations, 1 aerodrome area
    assert sorted(cache.ids) == sorted(["w11", "w12", "w13", "n2266601966", "n500", "n501", "w20"])
    assert meta["data_timestamp"] == "2026-09-04T12:00:00Z"
    airport = list(cache.ids).index("w20")
    assert cache.kinds[airport] == "area" and cache.geometries[airport].area > 0


def test_lookup_merges_rail_ways_and_reports_problems(pbf, tmp_path):
    import_extract(pbf, tmp_path / "cache")
    cache = OsmCache.open(tmp_path / "cache")
    line = cache.lookup({"tags": {"railway": "rail"}, "name": "昌九城际铁路"})
    assert line.geometry.geom_type == "LineString" and sorted(line.osm_ids) == ["w11", "w12", "w13"]
    assert list(line.geometry.coords) in (RAIL, RAIL[::-1])
    assert cache.lookup({"ids": ["n2266601966"]}).geometry.equals(shapely.Point(115.787711, 28.6257294))
    assert cache.lookup({"tags": {"aeroway": "aerodrome"}, "name": "南昌昌北国际机场"}).geometry.geom_type.endswith("Polygon")
    assert cache.lookup({"tags": {"railway": "station"}, "name": "火星站"}) == \
        OsmMiss("unmatched", "no OSM object matches railway=station and name=火星站")
    ambiguous = cache.lookup({"tags": {"railway": ["station", "halt"]}, "name": "九江站"})
    assert ambiguous.reason == "ambiguous" and ambiguous.message.startswith("ambiguous: 2 OSM objects")
    assert "n500" in ambiguous.message and "n501" in ambiguous.message
    assert cache.lookup({"ids": ["w999"]}) == OsmMiss("missing_ids", "OSM ids not in the cache: w999")


def test_failed_import_keeps_previous_cache(pbf, tmp_path):
    import_extract(pbf, tmp_path / "cache")
    before = (tmp_path / "cache" / "objects.parquet").read_bytes()
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(pbf.read_bytes()[:300])
    with pytest.raises(MapappError, match=r"broken\.osm\.pbf"):
        import_extract(broken, tmp_path / "cache")
    assert (tmp_path / "cache" / "objects.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.osm.pbf", "cache", "jiangxi-like.osm.pbf"]


OSM_RECORDS = """\
- id: changjiu-intercity
  name: 昌九城际铁路
  kind: rail_line
  sectors: [transport]
  status: existing
  geometry:
    type: osm
    select: {tags: {railway: rail}, name: 昌九城际铁路}
    fallback: {type: point, lon: 115.9, lat: 29.1, uncertainty_m: 60000, source: midpoint}
  mentions: [{plan: nanchang-14th, line: 1786, quote: 昌九客专}]
- id: changbei
  name: 南昌昌北国际机场
  kind: airport
  sectors: [aviation]
  status: existing
  geometry:
    type: osm
    select: {tags: {aeroway: aerodrome}, name: 南昌昌北国际机场}
    fallback: {type: point, lon: 115.90, lat: 28.865, uncertainty_m: 1500, source: airport centre}
  mentions: [{plan: nanchang-14th, line: 1786, quote: 昌北国际机场}]
- id: jiujiang-station
  name: 九江站
  kind: rail_station
  sectors: [transport]
  status: existing
  geometry:
    type: osm
    select: {tags: {railway: [station, halt]}, name: 九江站}
    fallback: {type: point, lon: 116.0017, lat: 29.7066, uncertainty_m: 200, source: station}
  mentions: [{plan: nanchang-14th, line: 1786, quote: 昌九}]
"""


def test_build_resolves_osm_specs_from_the_cache(pbf, data, tmp_path, capsys):
    data.records(OSM_RECORDS)
    project = data.project()
    build(project)                                   # no cache yet: fallbacks
    f = load_build(project.build_dir).features.set_index("id")
    assert f.loc["changbei", "precision"] == "point"
    assert f.loc["changbei", "osm_fallback"] == "no_cache" and not f.loc["changbei", "osm_data"]

    assert main(["osm", "import", str(pbf), "--data", str(data.root)]) == 0
    assert main(["build", "--data", str(data.root)]) == 0
    out = capsys.readouterr().out
    assert "OSM selectors (OSM cache of 2026-09-04T12:00:00Z): 2 matched, 1 kept their fallback." in out
    assert "jiujiang-station: osm selector unresolved (ambiguous: 2 OSM objects" in out
    b = load_build(project.build_dir)
    f = b.features.set_index("id")
    line = f.loc["changjiu-intercity"]
    assert line.precision == "exact" and line.geometry.geom_type == "LineString"
    assert (line.method, line.osm_ids, line.data_version) == ("osm", ["w11", "w12", "w13"], "2026-09-04T12:00:00Z")
    assert line.osm_data and line.geometry_source.startswith("OpenStreetMap: w11, w12, w13 (data as of 2026-09-04T12:00:00Z")
    assert f.loc["jiujiang-station", "osm_fallback"] == "ambiguous"
    assert 100 < line.length_km < 140
    assert f.loc["changbei", "precision"] == "exact" and f.loc["changbei", "area_km2"] > 5
    assert f.loc["jiujiang-station", "precision"] == "point"       # fallback kept
    assert b.manifest["osm"]["cache"]["objects"] == 7
    assert to_geojson(b.features)["attribution"].startswith("Contains OpenStreetMap data")


def test_station_refresh_reports_moved_stations(tmp_path, data, capsys):
    pbf = tmp_path / "moved.osm.pbf"
    write_fixture_pbf(pbf, station_lon=115.7917)     # 南昌西 ≈ 390 m east of the table's position
    data.file("geodata/stations/rail.csv", "network,name,lon,lat,source\n"
                                           "rail,南昌西,115.787711,28.625729,test\nrail,吉安西,114.92839,27.13947,test\n")
    data.records(OSM_RECORDS)
    assert main(["osm", "import", str(pbf), "--data", str(data.root)]) == 0
    assert main(["osm", "stations", "--data", str(data.root)]) == 0
    out = capsys.readouterr().out
    assert "1 stations found in OSM, 1 not found, 1 moved by more than 200 m:" in out
    assert "南昌西: 39" in out and "not in OSM: 吉安西" in out
    assert "115.787711" in (data.root / "geodata/stations/rail.csv").read_text()   # report only
    assert main(["osm", "stations", "--write", "--data", str(data.root)]) == 0
    table = (data.root / "geodata/stations/rail.csv").read_text()
    assert "rail,南昌西,115.7917000,28.6257294,\"OpenStreetMap node 2266601966 (data as of 2026-09-04T12:00:00Z" in table
    assert "rail,吉安西,114.92839,27.13947,test" in table


@pytest.mark.parametrize("name", ["beijing_haidian_cau_map.osm.pbf", "beijing_haidian_cau_map.osm"])
def test_real_haidian_extract(reference_dir, tmp_path, name):
    meta = import_extract(reference_dir / "osm-xml-fixtures" / name, tmp_path / "cache", bbox=None)
    cache = OsmCache.open(tmp_path / "cache")
    assert meta["objects"] == len(cache) > 30
    line15 = cache.lookup({"tags": {"railway": "subway"}, "name": "北京地铁15号线"})
    assert line15.geometry.length > 0.005 and all(i.startswith("w") for i in line15.osm_ids)
    station = cache.lookup({"tags": {"railway": "station"}, "name": "六道口"})
    assert station.osm_ids == ["n5687426566"]
    assert 116.34 < station.geometry.x < 116.36 and 39.99 < station.geometry.y < 40.01


def test_real_ninghua_extract_outside_default_region(reference_dir, tmp_path):
    path = reference_dir / "osm-xml-fixtures/fujian_ninghua_map.osm"
    meta = import_extract(path, tmp_path / "all", bbox=None)
    assert meta["objects"] > 5
    assert import_extract(path, tmp_path / "west", bbox=(113.5, 24.5, 116.0, 30.1))["objects"] == 0  # 宁化 is at 116.65 E


# ---- Overpass against a local server -------------------------------------------------------

ANSWER = {"osm3s": {"timestamp_osm_base": "2026-11-01T00:00:00Z"}, "elements": [
    {"type": "node", "id": 2266601966, "lat": 28.6257294, "lon": 115.7877114, "tags": {"railway": "station", "name": "南昌西"}},
    {"type": "way", "id": 11, "tags": {"railway": "rail", "name": "昌九城际铁路"},
     "geometry": [{"lat": lat, "lon": lon} for lon, lat in RAIL[:3]]},
    {"type": "way", "id": 12, "tags": {"railway": "rail", "name": "昌九城际铁路"},
     "geometry": [{"lat": lat, "lon": lon} for lon, lat in RAIL[2:]]},
    {"type": "way", "id": 20, "tags": {"aeroway": "aerodrome", "name": "南昌昌北国际机场"},
     "geometry": [{"lat": 28.85, "lon": 115.88}, {"lat": 28.85, "lon": 115.92}, {"lat": 28.88, "lon": 115.92},
                  {"lat": 28.88, "lon": 115.88}, {"lat": 28.85, "lon": 115.88}]},
]}


class _Script:
    """A local Overpass stand-in: answers each POST with the next scripted status."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []


def serve(script):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            script.requests.append(body)
            status = script.statuses.pop(0) if script.statuses else 200
            payload = json.dumps(ANSWER).encode() if status == 200 else b"busy"
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/api/interpreter"


def test_overpass_retries_429_and_504_then_caches(tmp_path):
    script = _Script([429, 504, 200])
    server, url = serve(script)
    sleeps = []
    try:
        answer = fetch_query(url, "[out:json];node(1);out;", tmp_path / "answers", sleep=sleeps.append)
        assert answer["elements"][0]["id"] == 2266601966
        assert len(script.requests) == 3 and sleeps == [0.0, 4.0]     # Retry-After 0, then backoff 2 s * 2^1
        fetch_query(url, "[out:json];node(1);out;", tmp_path / "answers", sleep=sleeps.append)
        assert len(script.requests) == 3                               # answered from the answers cache
    finally:
        server.shutdown()


def test_overpass_gives_up_with_a_clear_error(tmp_path):
    server, url = serve(_Script([503] * 10))
    try:
        with pytest.raises(MapappError, match=r"still failing after 3 attempts \(HTTP 503"):
            fetch_query(url, "q", tmp_path, retries=2, sleep=lambda s: None)
    finally:
        server.shutdown()
    server, url = serve(_Script([400]))
    try:
        with pytest.raises(MapappError, match="Overpass refused the request: HTTP 400"):
            fetch_query(url, "q2", tmp_path, sleep=lambda s: None)
    finally:
        server.shutdown()


def test_overpass_offline(tmp_path, capsys):
    server, url = serve(_Script([]))
    server.shutdown()
    server.server_close()                                              # nothing listens there now
    assert main(["osm", "fetch", "--endpoint", url, "--data", str(tmp_path)]) == 1
    assert "cannot reach Overpass" in capsys.readouterr().err
    assert not (tmp_path / "osm-cache").exists()


def test_overpass_fetch_fills_the_cache(tmp_path):
    script = _Script([])
    server, url = serve(script)
    try:
        meta = fetch_overpass(tmp_path / "osm-cache", endpoint=url, sleep=lambda s: None)
    finally:
        server.shutdown()
    assert len(script.requests) >= 10 and all("data=" in r for r in script.requests)   # one query per tag key
    cache = OsmCache.open(tmp_path / "osm-cache")
    assert meta["data_timestamp"] == "2026-11-01T00:00:00Z" and len(cache) == 4
    assert cache.lookup({"tags": {"railway": "rail"}, "name": "昌九城际铁路"}).geometry.geom_type == "LineString"
    assert cache.lookup({"ids": ["w20"]}).geometry.geom_type == "Polygon"
