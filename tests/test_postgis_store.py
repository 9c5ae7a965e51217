"""The PostGIS store against a real PostgreSQL + PostGIS server: the same build as the folder store,
byte-identical exports under every filter, atomic swaps, readers that never see a mix, clear errors."""
from __future__ import annotations

import threading

import pytest

from conftest import REPO, DataFolder
from mapapp.cli import main
from mapapp.errors import BuildMissing, StoreError
from mapapp.pipeline import build
from mapapp.project import Project
from mapapp.stores import open_store
from mapapp.stores import postgis as postgis_module

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
