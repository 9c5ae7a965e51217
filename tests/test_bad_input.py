"""Each class of bad input is rejected with a message naming the file, the line or record, and
what is wrong — through the library and through the CLI (exit 1, no traceback)."""
from __future__ import annotations

import json

import pytest

from mapapp.cli import main
from mapapp.pipeline import check

GOOD_STATIONS = """\
network,name,lon,lat,source
rail,南昌西,115.787711,28.625729,OpenStreetMap node 2266601966
rail,吉安西,114.928390,27.139470,OpenStreetMap node (test)
"""


def record(rid="test-zone", name="测试新城", kind="zone", sectors="[urban]", status="planned",
           geometry="{type: point, lon: 115.90, lat: 28.86, uncertainty_m: 500, source: test}",
           mentions="[{plan: nanchang-14th, line: 1585, quote: 南昌空港新城}]", extra=""):
    return (f"- id: {rid}\n  name: {name}\n  kind: {kind}\n  sectors: {sectors}\n  status: {status}\n"
            f"  geometry: {geometry}\n  mentions: {mentions}\n{extra}")


def problems_of(data, corpus=None):
    return [str(p) for p in check(data.project(corpus)).problems]


def square(lon, lat, size=0.01):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def test_valid_folder_has_no_problems(data, corpus_dir):
    data.records(record())
    assert problems_of(data, corpus_dir) == []


@pytest.mark.parametrize("kwargs, expected", [
    ({"kind": "zonee"}, "test.yaml:1: [test-zone] unknown kind 'zonee'"),
    ({"sectors": "[urban, spaceport]"}, "test.yaml:1: [test-zone] unknown sector 'spaceport'"),
    ({"status": "maybe"}, "test.yaml:1: [test-zone] unknown status 'maybe'"),
    ({"mentions": "[{plan: shanghai-15th, line: 3, quote: x}]"}, "[test-zone] mention cites unknown plan 'shanghai-15th'"),
    ({"mentions": "[{plan: nanchang-14th, line: 0, quote: x}]"}, "mention: 'line' must be between 1 and 10000000, got 0"),
    ({"rid": "Bad_Id"}, "[Bad_Id] id must be a lowercase ascii slug"),
    ({"geometry": "{type: admin, units: [南昌新区]}"}, "[test-zone] geometry (admin): unknown administrative unit '南昌新区'"),
    ({"geometry": "{type: stations, stations: [南昌西, 火星站], uncertainty_m: 2000}"},
     "[test-zone] geometry (stations): unknown station in network 'rail': 火星站"),
    ({"geometry": "{type: point, lon: 28.86, lat: 115.90, uncertainty_m: 500, source: test}"}, "looks swapped"),
    ({"geometry": "{type: point, lon: 121.47, lat: 31.23, uncertainty_m: 500, source: Shanghai}"}, "lies outside Jiangxi"),
    ({"geometry": "{type: polygon, file: x}"}, "unknown geometry type 'polygon'"),
    ({"geometry": "{type: point, lon: 115.9, lat: 28.8}"}, "geometry type 'point' is missing source, uncertainty_m"),
    ({"extra": "  colour: red\n"}, "[test-zone] record has unknown keys: colour"),
])
def test_record_problems_are_named(data, kwargs, expected):
    data.file("geodata/stations/rail.csv", GOOD_STATIONS)
    data.records(record(**kwargs))
    found = problems_of(data)
    assert any(expected in p for p in found), found


def test_duplicate_id_names_both_places(data):
    data.records(record() + record(name="另一个"))
    found = problems_of(data)
    assert any("test.yaml:8: [test-zone] duplicate id: already defined at corpus_annotations/records/test.yaml:1" in p
               for p in found), found


def test_same_name_in_two_records_is_one_entity(data):
    data.records(record(rid="a-zone"), "a.yaml")
    data.records(record(rid="b-zone"), "b.yaml")
    found = problems_of(data)
    assert any("b.yaml:1: [b-zone] name '测试新城' is also a name of record 'a-zone'" in p for p in found), found


def test_add_mentions_to_unknown_record(data):
    data.records(record() + "- add_mentions_to: no-such-record\n  mentions: [{plan: jian-14th, line: 1, quote: x}]\n")
    assert any("test.yaml:8: [no-such-record] add_mentions_to names unknown record" in p for p in problems_of(data))


def test_add_mentions_to_merges_into_one_record(data, corpus_dir):
    data.records(record(), "a.yaml")
    data.records("- add_mentions_to: test-zone\n  aliases: [空港]\n"
                 "  mentions: [{plan: nanchang-14th, line: 273, quote: 南昌空港新城}]\n", "b.yaml")
    result = check(data.project(corpus_dir))
    assert result.problems == []
    rec = result.annotations.records["test-zone"]
    assert [m.line for m in rec.mentions] == [1585, 273] and rec.aliases == ["空港"]


def test_quote_not_on_its_line(data, corpus_dir):
    data.records(record(mentions="[{plan: nanchang-14th, line: 1586, quote: 南昌空港新城}]"))
    found = problems_of(data, corpus_dir)
    assert any("[test-zone] quote '南昌空港新城' is not on 004_8e5210381ffd19f4.txt line 1586 (it is on line 1585)" in p
               for p in found), found


def test_line_beyond_document(data, corpus_dir):
    data.records(record(mentions="[{plan: jiangxi-gov-2024, line: 9999, quote: 江西}]"))
    assert any("cites 002_9ec3a814245b7342.txt line 9999, but it has 87 lines" in p for p in problems_of(data, corpus_dir))


def test_malformed_yaml_names_line(data):
    data.records("- id: x\n  name: [unclosed\n  kind: zone\n")
    found = problems_of(data)
    assert len(found) == 1 and "corpus_annotations/records/test.yaml:" in found[0] and "malformed YAML" in found[0]


def test_duplicate_yaml_key(data):
    data.records(record(extra="  kind: park\n"))
    assert any("test.yaml:8: malformed YAML: duplicate key 'kind'" in p for p in problems_of(data))


def test_malformed_geojson_names_file_and_line(data):
    data.file("geodata/manual/bad.geojson", '{"type": "Feature",\n "geometry": {"type": "Polygon" "coordinates": []}}')
    data.records(record(geometry="{type: manual, file: manual/bad.geojson, uncertainty_m: 500, source: test}"))
    found = problems_of(data)
    assert any("[test-zone] geometry (manual): malformed JSON in geodata/manual/bad.geojson line 2" in p for p in found), found


def test_invalid_polygon(data):
    bowtie = [[115.80, 28.60], [115.90, 28.70], [115.90, 28.60], [115.80, 28.70], [115.80, 28.60]]
    data.file("geodata/manual/bow.geojson", json.dumps({"type": "Polygon", "coordinates": [bowtie]}))
    data.records(record(geometry="{type: manual, file: manual/bow.geojson, uncertainty_m: 500, source: test}"))
    assert any("geometry is invalid: Self-intersection" in p for p in problems_of(data))


def test_empty_geometry(data):
    data.file("geodata/manual/empty.geojson", json.dumps({"type": "FeatureCollection", "features": []}))
    data.records(record(geometry="{type: manual, file: manual/empty.geojson, uncertainty_m: 500, source: test}"))
    assert any("empty.geojson: no features" in p for p in problems_of(data))


def test_swapped_manual_polygon(data):
    ring = [[lat, lon] for lon, lat in square(115.8, 28.6)]
    data.file("geodata/manual/sw.geojson", json.dumps({"type": "Polygon", "coordinates": [ring]}))
    data.records(record(geometry="{type: manual, file: manual/sw.geojson, uncertainty_m: 500, source: test}"))
    assert any("sw.geojson: coordinate (28.6, 115.8) looks swapped" in p for p in problems_of(data))


def test_missing_manual_file(data):
    data.records(record(geometry="{type: manual, file: manual/nope.geojson, uncertainty_m: 500, source: test}"))
    assert any("file not found" in p and "nope.geojson" in p for p in problems_of(data))


def test_stated_area_mismatch(data):
    data.file("geodata/manual/sq.geojson", json.dumps({"type": "Polygon", "coordinates": [square(115.8, 28.6, 0.1)]}))
    data.records(record(geometry="{type: manual, file: manual/sq.geojson, uncertainty_m: 500, source: test}",
                        extra="  stated_area_km2: 160.2\n"))
    found = problems_of(data)
    assert any("manual polygon area 108.4 km² is 32% off the stated 160.2 km²" in p for p in found), found


def test_within_violation(data):
    data.records(record(extra="  within: [吉州区]\n"))
    assert any("only 0% of the geometry lies within 吉州区" in p for p in problems_of(data))


@pytest.mark.parametrize("csv_text, expected", [
    ("network,name,lon,lat\nrail,a,115,28\n", "rail.csv:1: station table header must be exactly"),
    (GOOD_STATIONS + "rail,南昌西,115.8,28.6,again\n", "rail.csv:4: [南昌西] station '南昌西' (rail) is already defined at geodata/stations/rail.csv:2"),
    (GOOD_STATIONS + "rail,反了,28.6,115.8,x\n", "rail.csv:4: [反了] coordinate (28.6, 115.8) looks swapped"),
    (GOOD_STATIONS + "rail,空的,115.8,28.6,\n", "rail.csv:4: [空的] source is empty"),
    (GOOD_STATIONS + "rail,坏的,abc,28.6,x\n", "rail.csv:4: [坏的] lon/lat must be numbers"),
])
def test_station_table_problems(data, csv_text, expected):
    data.file("geodata/stations/rail.csv", csv_text)
    data.records(record())
    found = problems_of(data)
    assert any(expected in p for p in found), found


def test_cli_validate_reports_and_exits_1_without_traceback(data, capsys):
    data.records(record(kind="zonee"))
    code = main(["validate", "--data", str(data.root)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "corpus_annotations/records/test.yaml:1: [test-zone] unknown kind 'zonee'" in out
    assert "Traceback" not in out + err


def test_cli_build_refuses_bad_input(data, capsys):
    data.records(record(status="maybe"))
    assert main(["build", "--data", str(data.root)]) == 1
    _, err = capsys.readouterr()
    assert "unknown status 'maybe'" in err and "nothing was written" in err
    assert not (data.root / "build").exists()


def test_cli_unknown_corpus_folder(data, capsys):
    data.records(record())
    assert main(["validate", "--data", str(data.root), "--corpus", str(data.root / "nope")]) == 1
    assert "corpus folder not found" in capsys.readouterr().err
