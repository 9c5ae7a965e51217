"""The PostGIS store against a real PostgreSQL + PostGIS server: the same build as the folder store,
byte-identical exports, statistics, comparisons and briefs under every filter (answered in SQL,
without loading the table), atomic swaps, readers that never see a mix, clear errors."""
from __future__ import annotations

import threading

import pytest

from conftest import REPO, DataFolder
from mapapp.cli import main
from mapapp.app.viewmodel import MapData
from mapapp.errors import BuildChanged, BuildMissing, StoreError
from mapapp.features import FeatureFilter, filter_features
from mapapp.pipeline import build
from mapapp.project import Project
from mapapp.stores import FolderStore, open_store
from mapapp.stores import postgis as postgis_module
from mapapp.stores.postgis import PostgisStore

FILTERS = [
    [],
    ["--include-unlocated"],
    ["--plan", "jian-14th"],
    ["--plan", "qingyunpu-14th", "--plan", "jiangxi-gov-2024"],
    ["--sector", "transport"],
    ["--kind", "rail_line", "--kind", "zone"],
    ["--status", "completed"],
    ["--precision", "exact", "--precision", "derived"],
    ["--within", "青云谱区"],
    ["--within", "吉安市", "--kind", "park"],
    ["--within", "江西省"],
    ["--name", "高铁"],
    ["--name", "洪都", "--include-unlocated"],
]


@pytest.fixture(scope="module")
def stores(pg_server, tmp_path_factory):
    """The real annotations built once into a folder and once into PostGIS."""
    url = pg_server.create_database("mapapp_real")
    folder = tmp_path_factory.mktemp("folder") / "build"
    build(Project.from_settings(data_dir=REPO, build_dir=folder))
    build(Project.from_settings(data_dir=REPO, build_dir=folder, store=url))
    return folder, url


@pytest.mark.parametrize("args", FILTERS, ids=[" ".join(a) or "all" for a in FILTERS])
@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_export_from_postgis_equals_the_folder_export(stores, tmp_path, args, fmt):
    folder, url = stores
    a, b = tmp_path / f"folder.{fmt}", tmp_path / f"postgis.{fmt}"
    assert main(["export", "--build-dir", str(folder), "-o", str(a), *args]) == 0
    assert main(["export", "--build-dir", str(folder), "--store", url, "-o", str(b), *args]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_bytes()) > 200


def test_the_store_is_readable_from_qgis(stores, pg_server):
    import psycopg

    _, url = stores
    with psycopg.connect(url) as conn:
        srid = conn.execute("SELECT srid, type FROM geometry_columns WHERE f_table_schema = 'mapapp' "
                            "AND f_table_name = 'features'").fetchone()
        assert srid == (4326, "GEOMETRY")
        pk = conn.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                          "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'mapapp.features'::regclass "
                          "AND i.indisprimary").fetchall()
        assert pk == [("id",)]
        types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = 'mapapp' AND table_name = 'features'").fetchall())
        assert types["plans"] == types["sectors"] == types["aliases"] == "ARRAY"
        text = conn.execute("SELECT mentions_text FROM mapapp.features_qgis WHERE id = 'hongdu-new-town'").fetchone()[0]
        assert "qingyunpu-14th:33 洪都新城" in text
        indexes = " ".join(r[0] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'mapapp' AND tablename = 'features'"))
        assert "USING gist (geometry)" in indexes and "USING gin (plans)" in indexes


def _small_data(data, n: int):
    """Write `n` records into the throw-away data folder (each build has its own count)."""
    recs = "".join(f"""
- id: park-{i}
  name: 测试园区{i}
  kind: park
  sectors: [logistics]
  status: planned
  geometry: {{type: point, lon: {115.8 + i * 0.001}, lat: 28.6, uncertainty_m: 500, source: test point}}
  mentions: [{{plan: nanchang-14th, line: {1 + i}, quote: 园区}}]
""" for i in range(n))
    data.records(recs)


def test_a_failed_build_keeps_the_previous_one_serving(pg_server, data, monkeypatch):
    url = pg_server.create_database("mapapp_fail")
    _small_data(data, 3)
    project = Project.from_settings(data_dir=data.root, build_dir=data.root / "build", store=url)
    build(project)
    store = open_store(project)
    first = store.build_id()

    def broken(self, cur, schema, name, frame, types):
        cur.execute(f'CREATE TABLE "{schema}".half (x int)')      # something written, then the disk fills
        raise postgis_module.psycopg.errors.DiskFull("could not extend file: No space left on device")

    monkeypatch.setattr(postgis_module.PostgisStore, "_write_simple", broken)
    _small_data(data, 5)
    with pytest.raises(StoreError):
        build(project)
    assert store.build_id() == first and len(store.load().features) == 3
    import psycopg

    with psycopg.connect(url) as conn:
        left = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mapapp%'").fetchall()
    assert left == [("mapapp",)]


def test_readers_during_rebuilds_see_the_old_or_the_new_build_never_a_mix(pg_server, tmp_path):
    url = pg_server.create_database("mapapp_race")
    a, b = DataFolder(tmp_path / "a"), DataFolder(tmp_path / "b")
    _small_data(a, 2)
    _small_data(b, 7)
    pa = Project.from_settings(data_dir=a.root, build_dir=a.root / "build", store=url)
    pb = Project.from_settings(data_dir=b.root, build_dir=b.root / "build", store=url)
    build(pa)
    store = open_store(pa)
    seen, errors, stop = [], [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                got = store.load()
                seen.append((got.manifest["records"], len(got.features)))
            except Exception as exc:
                errors.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for p in (pb, pa, pb, pa):
        build(p)
    stop.set()
    for t in readers:
        t.join()
    assert not errors
    assert seen and all(records == rows for records, rows in seen)
    assert {records for records, _ in seen} <= {2, 7}


def test_a_rebuild_changes_the_build_id_that_instances_watch(pg_server, data):
    url = pg_server.create_database("mapapp_ids")
    _small_data(data, 2)
    project = Project.from_settings(data_dir=data.root, build_dir=data.root / "build", store=url)
    store = open_store(project)
    assert store.build_id() is None
    with pytest.raises(BuildMissing):
        store.load()
    build(project)
    first = store.build_id()
    build(project)
    assert first and store.build_id() and store.build_id() != first


def test_bad_or_unreachable_store_urls_give_a_clear_error(pg_server, data, capsys):
    _small_data(data, 1)
    secret = "s3cr3t-pw"
    for url in (f"postgresql://postgres:{secret}@127.0.0.1:1/nowhere",      # nothing listens there
                f"postgresql://postgres:{secret}@127.0.0.1:{pg_server.port}/no_such_db",
                "mysql://root@localhost/x",
                f"postgresql://postgres:{secret}@127.0.0.1:notaport/x"):
        assert main(["export", "--data", str(data.root), "--store", url, "-o", str(data.root / "x.geojson")]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err and secret not in err, err
    assert not (data.root / "x.geojson").exists()


def test_a_schema_that_is_not_a_build_is_refused(pg_server, data, capsys):
    import psycopg

    url = pg_server.create_database("mapapp_foreign")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE SCHEMA mapapp")
        conn.execute("CREATE TABLE mapapp.thesis (chapter text)")
    _small_data(data, 1)
    assert main(["build", "--data", str(data.root), "--store", url]) == 1
    assert "not a mapapp build" in capsys.readouterr().err
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM mapapp.thesis").fetchone() == (0,)


# ---- filters pushed down: stats, compare, report and the app ask the store ---------------------

SELECTIONS = {
    "plan": FeatureFilter(plans=["jian-14th"]),
    "two plans": FeatureFilter(plans=["qingyunpu-14th", "jiangxi-gov-2024"]),
    "sector": FeatureFilter(sectors=["transport"]),
    "kind": FeatureFilter(kinds=["rail_line", "zone"]),
    "status": FeatureFilter(statuses=["completed"]),
    "precision": FeatureFilter(precisions=["exact", "derived"]),
    "within a county": FeatureFilter(within=["青云谱区"]),
    "within a city by adcode": FeatureFilter(within=["360800"]),
    "within the province": FeatureFilter(within=["江西省"]),
    "name": FeatureFilter(query="高铁"),
    "name, unlocated too": FeatureFilter(query="洪都", include_unlocated=True),
    "everything combined": FeatureFilter(plans=["nanchang-14th"], sectors=["transport"], kinds=["rail_line"],
                                         statuses=["planned", "under_construction"], within=["南昌市"]),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_each_filter_selects_the_same_ids_in_sql_as_in_memory(stores, name):
    folder, url = stores
    flt = SELECTIONS[name]
    local = FolderStore(folder).load()
    expected = filter_features(local.features, flt, local.boundaries)["id"].tolist()
    pg = PostgisStore(url)
    assert pg.select_ids(flt) == expected
    assert pg.select(flt)["id"].tolist() == expected
    assert expected, f"{name}: the real data should match something"
    view = MapData(local.features, local.boundaries, local.manifest, local.context,
                   select_ids=pg.id_selector(pg.load()))
    assert local.features["id"].iloc[view.select(flt)].tolist() == expected


@pytest.mark.parametrize("query", ["%", "_", "\\", "高铁%", "洪_", "Hong", "HONGDU"])
def test_the_name_search_takes_like_wildcards_and_case_as_the_folder_does(stores, query):
    folder, url = stores
    local = FolderStore(folder).load()
    flt = FeatureFilter(query=query, include_unlocated=True)
    assert PostgisStore(url).select_ids(flt) == filter_features(local.features, flt, local.boundaries)["id"].tolist()


def test_the_filter_columns_are_answered_by_their_indexes(stores):
    import psycopg

    _, url = stores
    pg = PostgisStore(url)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET enable_seqscan = off")   # 900 rows: the planner would rather scan; is an index usable?
        for flt, index in ((FeatureFilter(plans=["jian-14th"]), "plans"), (FeatureFilter(kinds=["park"]), "kind"),
                           (FeatureFilter(within=["吉安市"]), "cities"),
                           (FeatureFilter(precisions=["exact"]), "precision"),
                           (FeatureFilter(query="洪都新城"), "search")):
            where, params = pg._where(cur, flt)
            cur.execute(f"EXPLAIN SELECT id FROM mapapp.features {where}", params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            assert f"features_{index}_idx" in plan, plan


STATS_ARGS = [[], ["--by", "city"], ["--plan", "jian-14th"], ["--sector", "transport", "--kind", "rail_line"],
              ["--status", "planned", "--precision", "approximate"], ["--name", "新城"]]


@pytest.mark.parametrize("args", STATS_ARGS, ids=[" ".join(a) or "all" for a in STATS_ARGS])
def test_stats_from_postgis_equal_the_folder_stats(stores, tmp_path, args, monkeypatch):
    folder, url = stores
    a, b = tmp_path / "folder.csv", tmp_path / "postgis.csv"
    assert main(["stats", "--build-dir", str(folder), "-o", str(a), *args]) == 0
    _no_whole_load(monkeypatch)
    assert main(["stats", "--build-dir", str(folder), "--store", url, "-o", str(b), *args]) == 0
    assert a.read_bytes() == b.read_bytes() and a.read_bytes().count(b"\n") > 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("pair", [("jiangxi-gov-2024", "nanchang-14th"), ("jian-14th", "qingyunpu-14th")])
def test_compare_from_postgis_equals_the_folder_comparison(stores, tmp_path, pair, fmt, monkeypatch):
    folder, url = stores
    a, b = tmp_path / f"folder.{fmt}", tmp_path / f"postgis.{fmt}"
    assert main(["compare", *pair, "--build-dir", str(folder), "-o", str(a)]) == 0
    _no_whole_load(monkeypatch)
    assert main(["compare", *pair, "--build-dir", str(folder), "--store", url, "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes() and len(a.read_bytes()) > 200


REPORT_ARGS = [["--within", "青云谱区"], ["--within", "吉安市", "--plan", "jian-14th", "--lang", "en"],
               ["--within", "江西省", "--kind", "rail_line", "--format", "html"]]


@pytest.mark.parametrize("args", REPORT_ARGS, ids=[" ".join(a) for a in REPORT_ARGS])
def test_report_from_postgis_equals_the_folder_report(stores, tmp_path, args, monkeypatch):
    folder, url = stores
    a, b = tmp_path / "folder.out", tmp_path / "postgis.out"
    assert main(["report", "--build-dir", str(folder), "-o", str(a), *args]) == 0
    _no_whole_load(monkeypatch)
    assert main(["report", "--build-dir", str(folder), "--store", url, "-o", str(b), *args]) == 0
    # the two builds were made a few seconds apart: the brief's last line names each one's time
    when_a, when_b = FolderStore(folder).manifest()["built_at"], PostgisStore(url).manifest()["built_at"]
    text_a, text_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
    assert text_a.count(when_a) == 1 and text_b.count(when_b) == 1
    assert text_a.replace(when_a, "BUILT") == text_b.replace(when_b, "BUILT") and len(text_a) > 500


def _no_whole_load(monkeypatch):
    """From here on, reading the whole build from PostGIS fails the test: the commands must ask SQL."""
    def refuse(self):
        raise AssertionError("the whole build was loaded from PostGIS")

    monkeypatch.setattr(PostgisStore, "load", refuse)


def test_a_snapshot_reads_one_build_while_a_rebuild_waits(pg_server, tmp_path):
    url = pg_server.create_database("mapapp_snapshot")
    a, b = DataFolder(tmp_path / "a"), DataFolder(tmp_path / "b")
    _small_data(a, 2)
    _small_data(b, 6)
    pa = Project.from_settings(data_dir=a.root, build_dir=a.root / "build", store=url)
    pb = Project.from_settings(data_dir=b.root, build_dir=b.root / "build", store=url)
    build(pa)
    store = open_store(pa)
    rebuilt = threading.Event()
    with store.reading() as view:
        first = view.manifest()["build_id"]
        writer = threading.Thread(target=lambda: (build(pb), rebuilt.set()))
        writer.start()
        rebuilt.wait(8)              # the new schema is written; its swap waits for this reader
        assert not rebuilt.is_set()
        assert view.manifest()["build_id"] == first
        assert len(view.select(FeatureFilter())) == 2 and len(view.boundaries())
    writer.join(60)
    assert rebuilt.is_set() and store.build_id() != first and len(store.select(FeatureFilter())) == 6


def test_the_apps_selection_notices_a_swapped_in_rebuild(pg_server, data):
    url = pg_server.create_database("mapapp_changed")
    _small_data(data, 2)
    project = Project.from_settings(data_dir=data.root, build_dir=data.root / "build", store=url)
    build(project)
    store = open_store(project)
    held = store.load()
    select_ids = store.id_selector(held)
    assert select_ids(FeatureFilter()) == ["park-0", "park-1"]
    build(project)
    with pytest.raises(BuildChanged):
        select_ids(FeatureFilter())
