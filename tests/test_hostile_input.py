"""Every reproducer of issue 16 (hostile but fair input): each gives a clear `file:line: [record] what`
error with exit 1 and no traceback, never a hang, a memory bomb, a crash or silent acceptance.
The previous build and the user's files stay as they were."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_input import GOOD_STATIONS, record, square

from mapapp.cli import main
from mapapp.corpus import Corpus, split_lines
from mapapp.errors import BuildUnreadable, BuildWrongCRS, OsmDataError
from mapapp.export import write_export
from mapapp.osm.pbf_import import import_extract
from mapapp.pipeline import build, check, load_build

REPO = Path(__file__).resolve().parent.parent
POINT = "{type: point, lon: 115.90, lat: 28.86, uncertainty_m: 500, source: test}"
MANUAL = "{type: manual, file: manual/m.geojson, uncertainty_m: 500, source: test}"


def cli(capsys, *args) -> tuple[int, str]:
    """Run the CLI in-process; return (exit code, stdout + stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def validate_fails(data, capsys, expected: str) -> str:
    code, text = cli(capsys, "validate", "--data", str(data.root))
    assert code == 1, text
    assert expected in text, text
    return text


def run_cli(*args, timeout=120) -> subprocess.CompletedProcess:
    """Run `mapapp` in a subprocess (for hangs and memory bombs: a bound on time and memory)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3,) * 2); "
            "from mapapp.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, env=env)


# --- Tracebacks --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, expected", [
    ({"mentions": "[{plan: [nanchang-14th, jian-14th], line: 1585, quote: 南昌空港新城}]"},
     "test.yaml:7: [test-zone] mention: 'plan' must be text, got ['nanchang-14th', 'jian-14th']"),
    ({"geometry": "{type: point, lon: 1" + "0" * 400 + ", lat: 28.86, uncertainty_m: 500, source: test}"},
     "[test-zone] geometry type 'point': 'lon' must be between -1e+09 and 1e+09 degrees, got a 401-digit number"),
    ({"geometry": "{type: point, lon: 115.9, lat: 28.86, uncertainty_m: 1" + "0" * 400 + ", source: test}"},
     "[test-zone] geometry type 'point': 'uncertainty_m' must be between 0 and 500000 metres, got a 401-digit number"),
    ({"extra": "  stated_area_km2: 1" + "0" * 400 + "\n"},
     "[test-zone] record: 'stated_area_km2' must be between 0 and 1e+07 km², got a 401-digit number"),
    ({"mentions": "[{plan: nanchang-14th, line: 100000000000000000000, quote: 南昌空港新城}]"},
     "test.yaml:7: [test-zone] mention: 'line' must be between 1 and 10000000"),
    ({"mentions": "[{plan: nanchang-14th, line: 1e20, quote: 南昌空港新城}]"},
     "test.yaml:7: [test-zone] mention: 'line' must be a whole number"),
    ({"name": '"\\ud800"'}, "test.yaml:2: refused YAML: text holds the control or invalid character U+D800"),
    ({"geometry": '{type: manual, file: "manual/a\\0b.geojson", uncertainty_m: 500, source: test}'},
     "test.yaml:6: refused YAML: text holds the control or invalid character U+0000"),
])
def test_former_tracebacks_are_named_problems(data, capsys, kwargs, expected):
    data.records(record(**kwargs))
    validate_fails(data, capsys, expected)


def test_yaml_key_that_is_a_list(data, capsys):
    data.records(record(extra="  ? [a, b]\n  : x\n"))
    validate_fails(data, capsys, "test.yaml:8: malformed YAML: a mapping key must be plain text, not a list or mapping")


def test_plan_doc_given_as_a_list(data, capsys):
    plans = data.root / "corpus_annotations" / "plans.yaml"
    plans.write_text(plans.read_text(encoding="utf-8").replace("doc: 004_8e5210381ffd19f4.txt",
                                                               "doc: [004_8e5210381ffd19f4.txt]", 1), encoding="utf-8")
    data.records(record())
    validate_fails(data, capsys, "plans.yaml:4: [nanchang-14th] plan: 'doc' must be text, got ['004_8e5210381ffd19f4.txt']")


def test_plan_title_with_a_lone_surrogate(data, capsys):
    plans = data.root / "corpus_annotations" / "plans.yaml"
    text = plans.read_text(encoding="utf-8")
    plans.write_text(text.replace("title_en: Nanchang 14th", 'title_en: "\\udc80" # Nanchang 14th', 1), encoding="utf-8")
    data.records(record())
    validate_fails(data, capsys, "plans.yaml:7: refused YAML: text holds the control or invalid character U+DC80")


def test_a_build_with_no_corpus_and_huge_line_writes_nothing(data, capsys):
    data.records(record(mentions="[{plan: nanchang-14th, line: 100000000000000000000, quote: x}]"))
    code, text = cli(capsys, "build", "--data", str(data.root))
    assert code == 1 and "'line' must be between 1 and 10000000" in text and "nothing was written" in text
    assert not (data.root / "build").exists()


def test_yaml_nested_2000_deep(data, capsys):
    data.records("- " + "[" * 2000 + "]" * 2000 + "\n")
    validate_fails(data, capsys, "test.yaml: refused YAML: nested more than 40 levels deep")


@pytest.mark.parametrize("content, expected", [
    ('{"type": "Polygon", "coordinates": ' + "[" * 2000 + "]" * 2000 + "}", "m.geojson: JSON nested too deeply"),
    ('{"type": "Polygon", "coordinates": [[[1' + "0" * 5000 + ', 28]]]}', "m.geojson: a whole number of 5001 digits"),
    ('{"type": "FeatureCollection", "features": 5}', "m.geojson: 'features' must be a list of Feature objects"),
    ('{"type": "Polygon", "coordinates": [[[115.8, 28.6], [115.9, 28.6], [115.9, NaN], [115.8, 28.6]]]}',
     "m.geojson: NaN is not a number JSON allows"),
    ('{"type": "Polygon", "coordinates": [[[115.8, 28.6], [115.9, 28.6], [115.9, 1e999], [115.8, 28.6]]]}',
     "m.geojson: the number 1e999 is out of range"),
])
def test_geojson_that_used_to_crash(data, capsys, content, expected):
    data.file("geodata/manual/m.geojson", content)
    data.records(record(geometry=MANUAL))
    validate_fails(data, capsys, "test.yaml:6: [test-zone] geometry (manual): geodata/" + expected.replace("m.geojson", "manual/m.geojson"))


def test_every_records_file_empty(data, capsys):
    data.records("")
    data.records("# nothing yet\n", "b.yaml")
    code, text = cli(capsys, "build", "--data", str(data.root))
    assert code == 1 and "corpus_annotations/records: the records files hold no record" in text


# --- Hang and memory bomb ----------------------------------------------------------------------

def test_manual_file_that_is_a_fifo_does_not_hang(data):
    os.mkfifo(data.root / "geodata" / "manual" / "m.geojson")
    data.records(record(geometry=MANUAL))
    done = run_cli("validate", "--data", str(data.root), timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "[test-zone] geometry (manual): geodata/manual/m.geojson: not a regular file" in done.stdout


def test_records_file_that_is_a_fifo_does_not_hang(data):
    data.records(record())
    os.mkfifo(data.root / "corpus_annotations" / "records" / "pipe.yaml")
    done = run_cli("validate", "--data", str(data.root), timeout=60)
    assert done.returncode == 1 and "records/pipe.yaml: not a regular file" in done.stdout


@pytest.mark.parametrize("levels", [9, 10])
def test_yaml_alias_bomb_is_refused_quickly(data, levels):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    data.records("- id: bomb\n  " + "\n  ".join(lines) + "\n")
    done = run_cli("validate", "--data", str(data.root), timeout=60)   # 2 GB address-space bound
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "refused YAML: aliases expand the document beyond 200,000 values" in done.stdout


# --- Silently accepted bad data -----------------------------------------------------------------

@pytest.mark.parametrize("kwargs, expected", [
    ({"geometry": "{type: point, lon: 115.9, lat: 28.86, uncertainty_m: .inf, source: test}"},
     "'uncertainty_m' must be a finite number, got inf"),
    ({"geometry": "{type: point, lon: 115.9, lat: 28.86, uncertainty_m: .nan, source: test}"},
     "'uncertainty_m' must be a finite number, got nan"),
    ({"geometry": "{type: point, lon: 115.9, lat: 28.86, uncertainty_m: 1.0e+15, source: test}"},
     "'uncertainty_m' must be between 0 and 500000 metres, got 1e+15"),
    ({"extra": "  stated_area_km2: .nan\n"}, "record: 'stated_area_km2' must be a finite number, got nan"),
    ({"name": "[a, b]"}, "test.yaml:1: [test-zone] record: 'name' must be text, got ['a', 'b']"),
    ({"name": '"   "'}, "test.yaml:1: [test-zone] record: 'name' must not be blank"),
    ({"name": '"\\u202e"'}, "record: 'name' must not be blank (only spaces or invisible characters)"),
    ({"name": '"测试\\u202e新城"'}, "record: 'name' must not hold bidirectional override characters"),
    ({"extra": '  aliases: ["空港\\x07"]\n'}, "refused YAML: text holds the control or invalid character U+0007"),
    ({"extra": '  aliases: ["空港\\n新城"]\n'}, "record: 'aliases' item 1 must not hold the control character U+000A"),
    ({"geometry": "{type: point, lon: 115.9, lat: 28.86, uncertainty_m: 500, source: {url: x}}"},
     "geometry type 'point': 'source' must be text, got {'url': 'x'}"),
])
def test_formerly_accepted_records_are_refused(data, capsys, kwargs, expected):
    data.records(record(**kwargs))
    validate_fails(data, capsys, expected)


RING = square(115.80, 28.60, 0.05)


@pytest.mark.parametrize("geojson, expected", [
    ({"type": "Point", "coordinates": [115.9, 28.6]},
     "feature 1 is a Point: a manual file holds areas or lines; use a `point` spec for a place"),
    ({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [115.9, 28.6]},
                                                   {"type": "Polygon", "coordinates": [RING]}]},
     "feature 1 is a GeometryCollection"),
    ({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "GCJ-02 (EPSG:4326-like)"}},
      "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [RING]}}]},
     'crs {"type": "name", "properties": {"name": "GCJ-02 (EPSG:4326-like)"}} is not WGS84 lon/lat; '
     "digitise in WGS84 (EPSG:4326), not GCJ-02"),
    ({"type": "Polygon", "coordinates": [[[str(x), str(y)] for x, y in RING]]},
     "feature 1 (Polygon): a position must be [lon, lat] numbers, got [\"115.8\", \"28.6\"]"),
    ({"type": "Polygon", "coordinates": [RING[:-1]]}, "feature 1 (Polygon): ring is not closed"),
    ({"type": "LineString", "coordinates": [[115.9, 28.6]]}, "feature 1 (LineString): a line needs at least 2 positions"),
    ({"type": ["Polygon"], "coordinates": [RING]},            # found by the fuzzer (unhashable type)
     "feature 1: geometry 'type' must be a name like Polygon, got [\"Polygon\"]"),
])
def test_bad_manual_geojson_is_refused(data, capsys, geojson, expected):
    data.file("geodata/manual/m.geojson", json.dumps(geojson))
    data.records(record(geometry=MANUAL))
    validate_fails(data, capsys, "[test-zone] geometry (manual): geodata/manual/m.geojson: " + expected)


def test_typo_in_plans_yaml(data, capsys):
    plans = data.root / "corpus_annotations" / "plans.yaml"
    plans.write_text(plans.read_text(encoding="utf-8").replace("    region: 南昌市", "    regoin: 南昌市", 1),
                     encoding="utf-8")
    data.records(record())
    text = validate_fails(data, capsys, "plans.yaml:4: [nanchang-14th] plan has unknown keys: regoin")
    assert "plan is missing region" in text


@pytest.mark.parametrize("doc", ["/etc/passwd", "../../../etc/passwd", "sub/../../x.txt"])
def test_plan_doc_stays_inside_the_corpus(data, capsys, doc, corpus_dir):
    plans = data.root / "corpus_annotations" / "plans.yaml"
    plans.write_text(plans.read_text(encoding="utf-8").replace("doc: 004_8e5210381ffd19f4.txt", f"doc: {doc}", 1),
                     encoding="utf-8")
    data.records(record())
    code, text = cli(capsys, "validate", "--data", str(data.root), "--corpus", str(corpus_dir))
    assert code == 1
    assert "plans.yaml:4: [nanchang-14th] plan: 'doc' must be a file name in the corpus folder (no folder part)" in text
    assert "root:" not in text


def test_corpus_refuses_documents_outside_its_folder(corpus_dir):
    with pytest.raises(Exception, match="lies outside the corpus folder"):
        Corpus(corpus_dir).lines("../reference/x")
    assert not Corpus(corpus_dir).has("/etc/passwd")


def test_vocabulary_may_not_drop_a_precision(data, capsys):
    vocab = data.root / "corpus_annotations" / "vocabulary.yaml"
    lines = [ln for ln in vocab.read_text(encoding="utf-8").splitlines() if not ln.startswith("  derived:")]
    vocab.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data.records(record())
    validate_fails(data, capsys, "vocabulary.yaml:108: precisions: derived missing; mapapp assigns every one of exact, "
                                 "derived, approximate, point")


def test_vocabulary_unknown_keys(data, capsys):
    vocab = data.root / "corpus_annotations" / "vocabulary.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "colours:\n  red: {zh: 红, en: Red}\n", encoding="utf-8")
    data.records(record())
    validate_fails(data, capsys, "vocabulary.yaml:5: unknown vocabularies: colours")


@pytest.mark.parametrize("select, expected", [
    ("{ids: 5}", "'select' 'ids' must be a list of OSM ids like n123, w456, r789, got 5"),
    ("{tags: railway}", "'select' 'tags' must be a mapping of OSM keys to a value"),
    ("{tags: {railway: rail}, name: [a]}", "'select' must be text, got ['a']"),
    ("{ids: [w1], colour: red}", "'select' has unknown keys: colour"),
    ("{}", "geometry type 'osm' is missing select"),
])
def test_osm_select_shape_is_checked_at_validate_time(data, capsys, select, expected):
    data.records(record(geometry=f"{{type: osm, select: {select}, fallback: {POINT}}}"))
    validate_fails(data, capsys, expected)


def test_osm_fallback_that_is_osm(data, capsys):
    data.records(record(geometry=f"{{type: osm, select: {{ids: [n1]}}, fallback: {{type: osm, select: {{ids: [n2]}}, "
                                 f"fallback: {POINT}}}}}"))
    validate_fails(data, capsys, "an osm fallback cannot itself be an osm spec")


# --- Output paths and the CSV export ------------------------------------------------------------

@pytest.fixture
def built(data):
    data.file("geodata/stations/rail.csv", GOOD_STATIONS)
    data.records(record())
    build(data.project())
    return data


def test_export_refuses_a_read_only_file(built, tmp_path, capsys):
    target = tmp_path / "out.geojson"
    target.write_text("keep me", encoding="utf-8")
    target.chmod(0o444)
    code, text = cli(capsys, "export", "--data", str(built.root), "-o", str(target))
    assert code == 1 and f"{target} is read-only: refusing to replace it" in text
    assert target.read_text(encoding="utf-8") == "keep me"


def test_export_refuses_a_symlink(built, tmp_path, capsys):
    real = tmp_path / "real.csv"
    real.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, text = cli(capsys, "export", "--data", str(built.root), "-o", str(link))
    assert code == 1 and "is a symbolic link: refusing to replace it" in text
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "keep me"


def test_export_refuses_a_device_or_fifo(built, tmp_path, capsys):
    fifo = tmp_path / "pipe.geojson"
    os.mkfifo(fifo)
    code, text = cli(capsys, "export", "--data", str(built.root), "-o", str(fifo))
    assert code == 1 and "is not a regular file" in text
    code, text = cli(capsys, "export", "--data", str(built.root), "-o", "/dev/null", "--format", "csv")
    assert code == 1 and "/dev/null is not a regular file" in text
    assert Path("/dev/null").is_char_device()


def test_csv_export_neutralises_formulas_and_keeps_line_breaks_inside_cells(built, tmp_path):
    features = load_build(built.root / "build").features
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "a\rb\r\nc", "普通"]
    features = features.loc[[features.index[0]] * len(names)].reset_index(drop=True)
    features["name"] = names
    out = tmp_path / "out.csv"
    write_export(features, out)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx",
                                         "a\rb\r\nc", "普通"]
    assert all(r["uncertainty_m"] == "500.0" for r in rows)      # numbers are not prefixed


def test_gpkg_export_disk_full_is_a_clear_error(built, tmp_path, monkeypatch, capsys):
    import geopandas as gpd

    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.gpkg"
    target.write_bytes(b"previous")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", disk_full)
    code, text = cli(capsys, "export", "--data", str(built.root), "-o", str(target))
    assert code == 1 and "No space left on device; the previous file is unchanged" in text
    assert target.read_bytes() == b"previous" and sorted(p.name for p in target.parent.iterdir()) == ["out.gpkg"]


def test_build_with_a_file_size_limit_fails_cleanly(built):
    """A real write failure (RLIMIT_FSIZE: the kernel refuses to grow a file, like a full disk)."""
    before = {p.name: p.read_bytes() for p in (built.root / "build").iterdir()}
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000)); "
            "from mapapp.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "build", "--data", str(built.root)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write the build" in done.stderr and "the previous build is intact" in done.stderr
    assert {p.name: p.read_bytes() for p in (built.root / "build").iterdir()} == before
    assert sorted(p.name for p in built.root.iterdir()) == ["build", "corpus_annotations", "geodata"]


def test_build_errors_are_named(built):
    (built.root / "build" / "features.parquet").write_bytes(b"garbage")
    with pytest.raises(BuildUnreadable):
        load_build(built.root / "build")
    build(built.project())
    features = load_build(built.root / "build").features.set_crs("EPSG:3857", allow_override=True)
    features.to_parquet(built.root / "build" / "features.parquet")
    with pytest.raises(BuildWrongCRS):
        load_build(built.root / "build")


# --- Corrupt OSM files, station CSV, line numbering ---------------------------------------------

def _osm_xml(node='lat="28.6" lon="115.9"', timestamp="2024-01-01T00:00:00Z", name="南昌站") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
            f' <node id="1" version="1" timestamp="{timestamp}" {node}><tag k="railway" v="station"/>'
            f'<tag k="name" v="{name}"/></node>\n</osm>\n')


@pytest.mark.parametrize("content, expected", [
    (_osm_xml(node='lat="999" lon="115.9"'), "wrong format for coordinate: '999'"),
    (_osm_xml(node='lat="nan" lon="115.9"'), "wrong format for coordinate: 'nan'"),
    (_osm_xml(timestamp="yesterday"), "can not parse timestamp: 'yesterday'"),
    (_osm_xml(name="x" * 1_000_000), "OSM tag value is too long"),
    (_osm_xml()[:120], "XML parsing error"),
    (b"\x00\x00\x00\x0dnot a pbf at all" * 10, "corrupt OSM data"),
])
def test_corrupt_osm_files_are_refused_and_keep_the_cache(tmp_path, content, expected):
    cache = tmp_path / "osm-cache"
    good = tmp_path / "good.osm"
    good.write_text(_osm_xml(), encoding="utf-8")
    import_extract(good, cache)
    before = {p.name: p.read_bytes() for p in cache.iterdir()}
    bad = tmp_path / ("bad.osm.pbf" if isinstance(content, bytes) else "bad.osm")
    bad.write_bytes(content) if isinstance(content, bytes) else bad.write_text(content, encoding="utf-8")
    with pytest.raises(OsmDataError, match="corrupt OSM data") as info:
        import_extract(bad, cache)
    assert expected in str(info.value) and "the previous cache is intact" in str(info.value)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([bad.name, "good.osm", "osm-cache"])


def test_station_csv_with_a_stray_quote_and_a_long_tail(data, capsys):
    data.file("geodata/stations/rail.csv", GOOD_STATIONS + 'rail,"坏的,115.8,28.6,x\n' + "y" * 200_000 + "\n")
    data.records(record())
    validate_fails(data, capsys, "geodata/stations/rail.csv:4: malformed CSV: field larger than field limit (131072) "
                                 "(a stray '\"'?)")


def test_station_csv_fields_are_checked_text(data, capsys):
    data.file("geodata/stations/rail.csv", GOOD_STATIONS + "rail,南昌\u202e东,115.8,28.6,x\n")
    data.records(record())
    validate_fails(data, capsys, "rail.csv:4: [南昌\u202e东] name must not hold bidirectional override characters")


def test_lines_are_counted_on_newline_only():
    assert split_lines("a\fb\nc\rd\ne\u2028f\r\ng\n") == ["a\fb", "c\rd", "e\u2028f", "g"]
    assert split_lines("no final newline") == ["no final newline"]
    assert split_lines("") == []


def test_quote_after_a_form_feed_line_keeps_grep_numbering(data, capsys, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = "第一行\f仍是第一行\n第二行\u2028同一行\r还是第二行\n南昌空港新城在第三行\n"
    (corpus / "004_8e5210381ffd19f4.txt").write_text(doc, encoding="utf-8")
    grep = subprocess.run(["grep", "-n", "南昌空港新城", str(corpus / "004_8e5210381ffd19f4.txt")],
                          capture_output=True, text=True)
    assert grep.stdout.startswith("3:")
    data.records(record(mentions="[{plan: nanchang-14th, line: 3, quote: 南昌空港新城}]"))
    problems = [str(p) for p in check(data.project(corpus)).problems]
    assert not any("test-zone" in p for p in problems), problems


def test_raw_control_character_in_yaml(data, capsys):
    """Found by the fuzzer: a raw NUL in a YAML file raised from the YAML reader's constructor."""
    data.records(record() + "\x00\n")
    validate_fails(data, capsys, "test.yaml:8: refused YAML: the control character U+0000 is not allowed in YAML")


def test_build_dir_that_cannot_be_made(data, capsys):
    data.records(record())
    code, text = cli(capsys, "build", "--data", str(data.root), "--build-dir", "/proc/no-such/build")
    assert code == 1 and "cannot write the mapapp build /proc/no-such/build: No such file or directory" in text
