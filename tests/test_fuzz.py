"""Property-based fuzzing (hypothesis) of every input class: record files, manual GeoJSON, station
CSVs, plans.yaml, vocabulary.yaml and OSM XML/PBF, each mutated from real data.

The property: validation and build either succeed with valid output (the GeoJSON export parses as
RFC 7946 JSON with finite lon/lat numbers) or fail with clear problems (file and message) and no
other exception, within a time bound; after any failure the previous build (or OSM cache) is
byte-identical. Mutations that are certainly invalid (an unknown key, a non-finite number, a
control or bidirectional-override character) must be refused: acceptance counts as "silent".

Profiles: `fast` (the default, part of `make test`) and `long` (MAPAPP_FUZZ=long, >= 5,000 cases
per input class: `make fuzz`). With MAPAPP_FUZZ_REPORT=FILE the figures per class are written there.
"""
from __future__ import annotations

import copy
import json
import math
import os
import re
import resource
import shutil
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapapp.errors import MapappError, Problem, ValidationFailed
from mapapp.export import geojson_text
from mapapp.osm.cache import OsmCache
from mapapp.osm.pbf_import import import_extract
from mapapp.pipeline import build, check, load_build
from mapapp.project import Project

REPO = Path(__file__).resolve().parent.parent
PROFILE = os.environ.get("MAPAPP_FUZZ", "fast")
settings.register_profile("fast", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile(PROFILE)
TIME_BOUND_S = 30.0
MEMORY_BOUND_KB = 3 * 1024 * 1024
# One real record per geometry type (and an osm spec with each fallback), from the real files.
SAMPLE_IDS = ("jitai-corridor", "jian-high-speed-rail-new-area", "jingjiu-hsr-economic-belt",
              "jingjiu-jiangxi-electronics-belt", "jingcai-fund-town", "nanchang-changbei-airport",
              "shanghai-kunming-hsr")
BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
STATS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


# --- Hostile values and structured mutations ------------------------------------------------------

def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_TEXT = st.sampled_from(["", " ", "\u202e", "\u202eabc", "a\x00b", "\ud800", "a\rb", "a\r\rb", "x\x1b[31m",
                                "=HYPERLINK(\"x\")", "+1", "-1", "@A1", "../../etc/passwd", "/etc/passwd",
                                "<script>alert(1)</script>", "{{7*7}}", "\u2028", "\ufeff", "名" * 500, "a\nb",
                                "n123", "w1", "*", "南昌西", "吉州区", "115.9", "nan", "1e400"])
HOSTILE = st.one_of(
    HOSTILE_TEXT,
    st.text(max_size=12),
    st.integers(), st.sampled_from([0, -1, 10 ** 20, 10 ** 400, -(10 ** 400), 2 ** 63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from([_nested(45), _nested(60)]),
)


def _paths(value, prefix=(), max_depth=6) -> list[tuple]:
    """Every path (tuple of keys/indexes) into a nested structure, containers included, at most
    `max_depth` deep (not into the deeply nested hostile values themselves)."""
    out = [prefix]
    if len(prefix) >= max_depth:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _get(value, path):
    for key in path:
        value = value[key]
    return value


def _certainly_invalid(value) -> bool:
    """Whether a value can never be accepted anywhere in the annotation format (walked without
    recursion: hostile values nest deeply)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return True
        if isinstance(v, str) and BAD_CHARS.search(v):
            return True
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


@st.composite
def mutated(draw, original, free_keys=("tags",)):
    """Return (a mutated deep copy of `original`, whether the result is certainly invalid).

    Invalidity is judged on the final document (a later operation may delete or overwrite what an
    earlier one added): a non-finite number or forbidden character anywhere (the real data has
    none), or an added unknown key still present outside the free-form mappings (OSM tags)."""
    doc = copy.deepcopy(original)
    added: list[tuple[tuple, str]] = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "delete", "add_key", "duplicate"]))
        if not path:
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if op == "replace":                        # a copy: sampled values are shared between cases
            parent[key] = copy.deepcopy(draw(HOSTILE))
        elif op == "delete":
            del parent[key]
        elif op == "add_key" and isinstance(parent, dict):
            where = path if isinstance(parent[key], dict) else path[:-1]
            target = _get(doc, where)
            name = draw(st.sampled_from(["colour", "soruce", "typ", "extra_key", "id2"]))
            if name not in target:
                target[name] = copy.deepcopy(draw(HOSTILE))
                if not any(k in free_keys for k in where):
                    added.append((where, name))
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc, _certainly_invalid(doc) or any(_still_there(doc, where, name) for where, name in added)


def _still_there(doc, where: tuple, name: str) -> bool:
    try:
        target = _get(doc, where)
    except (KeyError, IndexError, TypeError):
        return False
    return isinstance(target, dict) and name in target


def _yaml(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=False, sort_keys=False, width=10 ** 6)


@st.composite
def text_mutated(draw, text: str):
    """Return `text` with a few characters inserted, deleted or swapped (byte-level noise)."""
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        op = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(["\"", "'", "[", "{", ":", "-", "&a", "*a", "\n", "\t", "\x00",
                                                       "!!python/object:os.system", "\\", ","])) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + 1:]
        else:
            text = text[:pos]
    return text


# --- The data folder under test ------------------------------------------------------------------

def _real_records() -> list[dict]:
    found = {}
    for path in sorted((REPO / "corpus_annotations" / "records").glob("*.yaml")):
        for rec in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if rec.get("id") in SAMPLE_IDS:
                found[rec["id"]] = rec
    return [found[i] for i in SAMPLE_IDS]


class Target:
    """A small real data folder with a previous build; one file is replaced per example."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(REPO / "geodata", root / "geodata")
        (root / "corpus_annotations" / "records").mkdir(parents=True)
        for name in ("plans.yaml", "vocabulary.yaml"):
            shutil.copy(REPO / "corpus_annotations" / name, root / "corpus_annotations" / name)
        self.records = _real_records()
        self.records_file = root / "corpus_annotations" / "records" / "sample.yaml"
        self.records_file.write_text(_yaml(self.records), encoding="utf-8")
        self.project = Project.from_settings(data_dir=root, build_dir=root / "build")
        build(self.project)
        self.snapshot = self._snapshot()

    def _snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.root / "build").iterdir())}

    def run(self, cls: str, path: Path, content: str | bytes, certainly_invalid: bool) -> None:
        """Write `content` to `path`, validate and build, check the property, restore the file."""
        original = path.read_bytes()
        started = time.perf_counter()
        try:
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
            self._check(cls, certainly_invalid)
        finally:
            path.write_bytes(original)
            elapsed = time.perf_counter() - started
            STATS[cls]["cases"] += 1
            if elapsed > TIME_BOUND_S:
                STATS[cls]["hangs"] += 1
            STATS[cls]["max_ms"] = max(STATS[cls]["max_ms"], int(elapsed * 1000))
            _write_report()
        assert elapsed <= TIME_BOUND_S, f"{cls}: one case took {elapsed:.1f} s"
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss <= MEMORY_BOUND_KB

    def _check(self, cls: str, certainly_invalid: bool) -> None:
        """Build (which validates first): refused with named problems and the previous build intact,
        or accepted with a valid export."""
        try:
            build(self.project)
        except ValidationFailed as exc:
            STATS[cls]["rejected"] += 1
            assert exc.problems and all(isinstance(p, Problem) and p.file and p.message for p in exc.problems)
            assert self._snapshot() == self.snapshot, "a failed build changed the previous build"
            return
        except MapappError as exc:
            STATS[cls]["rejected"] += 1
            assert str(exc) and self._snapshot() == self.snapshot
            return
        except Exception:
            STATS[cls]["crashes"] += 1
            raise
        if certainly_invalid:
            STATS[cls]["silent"] += 1
            self.snapshot = self._snapshot()       # it was built: later cases compare with this build
            raise AssertionError(f"{cls}: a certainly invalid mutation was accepted")
        STATS[cls]["accepted"] += 1
        assert check(self.project).problems == []
        _assert_valid_geojson(geojson_text(load_build(self.root / "build").features))
        self.snapshot = self._snapshot()


def _no_constant(name):
    raise AssertionError(f"the export holds {name}")


def _assert_valid_geojson(text: str) -> None:
    data = json.loads(text, parse_constant=_no_constant)
    assert data["type"] == "FeatureCollection"
    for f in data["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        geom = f["geometry"]
        if geom is None:
            continue
        flat = json.dumps(geom["coordinates"])
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", flat)]
        assert numbers and all(math.isfinite(x) for x in numbers)
        lons, lats = numbers[0::2], numbers[1::2]
        assert all(-180 <= x <= 180 for x in lons) and all(-90 <= y <= 90 for y in lats)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return Target(tmp_path_factory.mktemp("fuzz") / "data")


def _write_report() -> None:
    """Write the figures so far to MAPAPP_FUZZ_REPORT (after every case: a long run may be stopped)."""
    out = os.environ.get("MAPAPP_FUZZ_REPORT")
    if out:
        Path(out).write_text(json.dumps({"profile": PROFILE, "classes": STATS}, indent=2), encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    _write_report()


# --- The input classes ---------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_fuzz_record_files(target, data):
    if data.draw(st.booleans()):
        doc, invalid = data.draw(mutated(target.records))
        content = _yaml(doc)
    else:
        content, invalid = data.draw(text_mutated(_yaml(target.records))), False
    target.run("records", target.records_file, content, invalid)


MANUAL_FILE = "geodata/manual/jingjiu-jiangxi-electronics-belt.geojson"


@FUZZ
@given(data=st.data())
def test_fuzz_manual_geojson(target, data):
    path = target.root / MANUAL_FILE
    original = json.loads((REPO / MANUAL_FILE).read_text(encoding="utf-8"))
    if data.draw(st.booleans()):
        doc, invalid = data.draw(mutated(original, free_keys=("properties",)))
        try:
            content = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
        except (ValueError, RecursionError):
            content, invalid = json.dumps(original), False
        # NaN/Infinity and strings as coordinates are certainly invalid; unknown keys are not (GeoJSON
        # allows foreign members), control characters only where mapapp reads text (it reads none)
        invalid = "NaN" in content or "Infinity" in content or _string_coordinates(doc)
    else:
        content, invalid = data.draw(text_mutated(json.dumps(original, ensure_ascii=False))), False
    target.run("manual_geojson", path, content, invalid)


def _string_coordinates(doc) -> bool:
    found = []

    def walk(v, inside):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, inside or k == "coordinates")
        elif isinstance(v, list):
            for x in v:
                walk(x, inside)
        elif inside and isinstance(v, str):
            found.append(v)
    walk(doc, False)
    return bool(found)


@FUZZ
@given(data=st.data())
def test_fuzz_station_csv(target, data):
    path = target.root / "geodata" / "stations" / "rail.csv"
    text = (REPO / "geodata" / "stations" / "rail.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    invalid = False
    if data.draw(st.booleans()):
        for _ in range(data.draw(st.integers(1, 3))):
            row = data.draw(st.integers(1, len(lines) - 2))
            cells = lines[row].split(",")
            col = data.draw(st.integers(0, len(cells) - 1))
            value = data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from(["nan", "inf", "-inf", "1e999", "\"", "",
                                                                      "\"" + "x" * 140_000])))
            cells[col] = value
            lines[row] = ",".join(cells)
            used = row <= len(lines) - 2 and cells[0] == "rail"
            invalid |= used and col in (2, 3) and value.strip().lower() in ("nan", "inf", "-inf", "1e999")
        content = "\n".join(lines)
    else:
        content = data.draw(text_mutated(text))
    target.run("station_csv", path, content, invalid)


@FUZZ
@given(data=st.data())
def test_fuzz_plans_yaml(target, data):
    path = target.root / "corpus_annotations" / "plans.yaml"
    original = yaml.safe_load((REPO / "corpus_annotations" / "plans.yaml").read_text(encoding="utf-8"))
    if data.draw(st.booleans()):
        doc, invalid = data.draw(mutated(original))
        content = _yaml(doc)
    else:
        content, invalid = data.draw(text_mutated(path.read_text(encoding="utf-8"))), False
    target.run("plans_yaml", path, content, invalid)


@FUZZ
@given(data=st.data())
def test_fuzz_vocabulary_yaml(target, data):
    path = target.root / "corpus_annotations" / "vocabulary.yaml"
    original = yaml.safe_load((REPO / "corpus_annotations" / "vocabulary.yaml").read_text(encoding="utf-8"))
    if data.draw(st.booleans()):
        doc, invalid = data.draw(mutated(original))
        content = _yaml(doc)
    else:
        content, invalid = data.draw(text_mutated(path.read_text(encoding="utf-8"))), False
    target.run("vocabulary_yaml", path, content, invalid)


# --- OSM extracts ---------------------------------------------------------------------------------

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="mapapp-fuzz">
 <node id="1" version="1" timestamp="2024-01-01T00:00:00Z" lat="28.865" lon="115.900">
  <tag k="aeroway" v="aerodrome"/><tag k="name" v="南昌昌北国际机场"/></node>
 <node id="2" version="1" timestamp="2024-01-01T00:00:00Z" lat="28.6257" lon="115.7877">
  <tag k="railway" v="station"/><tag k="name" v="南昌西"/></node>
 <node id="3" version="1" timestamp="2024-01-01T00:00:00Z" lat="28.60" lon="115.80"/>
 <node id="4" version="1" timestamp="2024-01-01T00:00:00Z" lat="28.70" lon="115.90"/>
 <way id="10" version="1" timestamp="2024-02-01T00:00:00Z"><nd ref="3"/><nd ref="4"/>
  <tag k="railway" v="rail"/><tag k="name" v="沪昆高速铁路"/></way>
</osm>
"""


class OsmTarget:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True)
        self.cache = root / "osm-cache"
        good = root / "good.osm"
        good.write_text(OSM_XML, encoding="utf-8")
        import_extract(good, self.cache)
        self.snapshot = self._snapshot()
        self.pbf = root / "good.osm.pbf"
        import osmium
        writer = osmium.SimpleWriter(str(self.pbf))
        for obj in osmium.FileProcessor(str(good)):
            writer.add(obj)
        writer.close()

    def _snapshot(self):
        return {p.name: p.read_bytes() for p in sorted(self.cache.iterdir())}

    def run(self, cls: str, name: str, content: bytes) -> None:
        path = self.root / name
        path.write_bytes(content)
        started = time.perf_counter()
        try:
            import_extract(path, self.cache)
        except MapappError as exc:
            STATS[cls]["rejected"] += 1
            assert str(exc)
            assert self._snapshot() == self.snapshot, "a failed import changed the previous cache"
        except Exception:
            STATS[cls]["crashes"] += 1
            raise
        else:
            STATS[cls]["accepted"] += 1
            cache = OsmCache.open(self.cache)
            for select in ({"ids": ["n1"]}, {"tags": {"railway": "rail"}, "name": "沪昆高速铁路"}):
                cache.lookup(select)
            self.snapshot = self._snapshot()
        finally:
            path.unlink()
            elapsed = time.perf_counter() - started
            STATS[cls]["cases"] += 1
            STATS[cls]["max_ms"] = max(STATS[cls]["max_ms"], int(elapsed * 1000))
            if elapsed > TIME_BOUND_S:
                STATS[cls]["hangs"] += 1
            _write_report()
        assert elapsed <= TIME_BOUND_S
        assert sorted(p.name for p in self.root.iterdir()) == ["good.osm", "good.osm.pbf", "osm-cache"]


@pytest.fixture(scope="module")
def osm_target(tmp_path_factory):
    return OsmTarget(tmp_path_factory.mktemp("fuzz-osm") / "osm")


OSM_VALUES = st.sampled_from(['999', 'nan', '-91', '1e400', '', 'yesterday', '2024-13-45T99:00:00Z', '-1',
                              '99999999999999999999999', 'x' * 70_000, '&amp;', '<', '"', '\u202e', '\x01'])


@FUZZ
@given(data=st.data())
def test_fuzz_osm_xml(osm_target, data):
    text = OSM_XML
    if data.draw(st.booleans()):
        attrs = list(re.finditer(r'(\w+)="([^"]*)"', text))
        for _ in range(data.draw(st.integers(1, 3))):
            m = data.draw(st.sampled_from(attrs))
            value = data.draw(OSM_VALUES).replace('"', "&quot;") if data.draw(st.booleans()) else data.draw(OSM_VALUES)
            text = text.replace(m.group(0), f'{m.group(1)}="{value}"', 1)
    else:
        text = data.draw(text_mutated(text))
    osm_target.run("osm_xml", "fuzz.osm", text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(data=st.data())
def test_fuzz_osm_pbf(osm_target, data):
    blob = bytearray(osm_target.pbf.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        op = data.draw(st.sampled_from(["flip", "flip", "truncate", "insert"]))
        if op == "flip":
            blob[pos] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "truncate":
            del blob[pos:]
            if not blob:
                blob = bytearray(b"\x00")
        else:
            blob[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    osm_target.run("osm_pbf", "fuzz.osm.pbf", bytes(blob))
