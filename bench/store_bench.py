"""Filter queries against the two stores: the GeoParquet folder (the table in memory, filtered in
pandas) and PostGIS (filters in SQL on the indexes), on synthetic builds of N polygons
(bench/app_synthetic.py: 50 vertices each, 11 plans, 5 kinds, 4 statuses, 3 precisions, one county
and city each).

For each size and store it prints, per filter kind (plan, sector, kind, status, precision, within a
unit, name search, all combined), the median of 5 runs of:
- **app: ids** — what the app asks on a filter change (`MapData.select`, not memoised): the folder
  store filters the table the app holds, PostGIS answers `select_ids` in SQL;
- **rows** — what `export`, `stats`, `compare` and `report` ask (`store.reading()` then `select`):
  the folder store loads the build and filters it, PostGIS returns only the matching rows.

Then, each in a fresh process: the resident memory (RSS) an app instance holds for the build
(`load` + `MapData` + the display strings the page warms), and a command that opens the store and
answers one query (its time and RSS growth over the imported libraries).

Usage: python bench/store_bench.py [N ...] [--stores folder postgis]   (default: 10000 200000).
Needs Debian's PostgreSQL 15 and PostGIS (see the README); it starts its own server on 127.0.0.1.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests"), str(HERE.parent)]

from app_synthetic import make_build  # noqa: E402
from pg_server import Server, unavailable  # noqa: E402

from mapapp.app.viewmodel import MapData  # noqa: E402
from mapapp.features import FeatureFilter  # noqa: E402
from mapapp.stores import BuildTables, FolderStore  # noqa: E402
from mapapp.stores.postgis import PostgisStore  # noqa: E402

QUERIES = {
    "plan": FeatureFilter(plans=["jian-14th"]),
    "sector": FeatureFilter(sectors=["transport"]),
    "kind": FeatureFilter(kinds=["park"]),
    "status": FeatureFilter(statuses=["planned"]),
    "precision": FeatureFilter(precisions=["exact"]),
    "within a county": FeatureFilter(within=["南昌县"]),
    "within a city": FeatureFilter(within=["吉安市"]),
    "name search": FeatureFilter(query="000123"),
    "all combined": FeatureFilter(plans=["jian-14th", "nanchang-14th"], kinds=["park", "zone"],
                                  statuses=["planned"], within=["吉安市"]),
}
RSS = 'int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024'
APP_CHILD = """
import sys, json
sys.path[:0] = {paths!r}
import geopandas, psycopg, shapely, pyarrow.parquet  # noqa: the libraries both stores use
from mapapp.app.viewmodel import MapData
from mapapp.features import FeatureFilter
from mapapp.stores import FolderStore
from mapapp.stores.postgis import PostgisStore
rss = lambda: {rss}
base = rss()
where = {where!r}
store = PostgisStore(where) if where.startswith("postgresql") else FolderStore(__import__("pathlib").Path(where))
b = store.load()
data = MapData(b.features, b.boundaries, b.manifest, b.context, select_ids=store.id_selector(b))
data.display_pack("WGS84")
del b
n = len(data.select(FeatureFilter(kinds=["park"], statuses=["planned"])))
print(json.dumps({{"rows": n, "app_mb": rss() - base}}))
"""
ONE_QUERY_CHILD = """
import sys, time, json
sys.path[:0] = {paths!r}
import geopandas, psycopg, shapely, pyarrow.parquet  # noqa: the libraries both stores use
from mapapp.features import FeatureFilter
from mapapp.stores import FolderStore
from mapapp.stores.postgis import PostgisStore
rss = lambda: {rss}
base = rss()
where = {where!r}
store = PostgisStore(where) if where.startswith("postgresql") else FolderStore(__import__("pathlib").Path(where))
t = time.perf_counter()
with store.reading() as view:
    n = len(view.select(FeatureFilter(kinds=["park"], statuses=["planned"])))
print(json.dumps({{"rows": n, "s": time.perf_counter() - t, "mb": rss() - base}}))
"""


def _median(fn, runs: int = 5) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        n = len(fn())
        times.append(time.perf_counter() - t)
    return statistics.median(times), n


def _child(template: str, where: str) -> dict:
    code = template.format(paths=[str(HERE.parent)], where=where, rss=RSS)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _rows(store, flt):
    with store.reading() as view:
        return view.select(flt)


def _app_ids(data: MapData, flt):
    data._memo.clear()   # a fresh filter each time: what a filter change costs the first time
    return data.select(flt)


def main(sizes: list[int], stores: list[str]) -> int:
    why = unavailable()
    if why:
        print(f"skipped: {why}")
        return 0
    server = Server()
    out = []
    try:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                folder = make_build(Path(tmp) / "build", n)
                fstore = FolderStore(folder)
                b = fstore.load()
                print(f"synthetic build of {n:,} features: {time.perf_counter() - t:.0f} s", flush=True)
                url = server.create_database(f"bench_{n}")
                pstore = PostgisStore(url)
                t = time.perf_counter()
                pstore.write(BuildTables(b.features, b.boundaries, b.context), b.manifest, lambda _m: None)
                print(f"PostGIS write of {n:,} features (COPY, indexes, swap): {time.perf_counter() - t:.0f} s",
                      flush=True)
                for name, store in (("folder", fstore), ("postgis", pstore)):
                    if name not in stores:
                        continue
                    data = MapData(b.features, b.boundaries, b.manifest, b.context, select_ids=store.id_selector(b))
                    for qname, flt in QUERIES.items():
                        ids_s, matched = _median(lambda data=data, flt=flt: _app_ids(data, flt))
                        rows_s, rows = _median(lambda store=store, flt=flt: _rows(store, flt), runs=3)
                        assert rows == matched, (qname, rows, matched)
                        out.append({"n": n, "store": name, "query": qname, "matched": matched, "ids_s": ids_s,
                                    "rows_s": rows_s})
                        print(f"{n:>7,} {name:8} {qname:16} {matched:>7,} rows  app ids {ids_s:7.3f} s  "
                              f"rows {rows_s:7.3f} s", flush=True)
                    where = url if name == "postgis" else str(folder)
                    app = _child(APP_CHILD, where)
                    one = _child(ONE_QUERY_CHILD, where)
                    out.append({"n": n, "store": name, "app_mb": app["app_mb"], "one_s": one["s"],
                                "one_mb": one["mb"], "one_rows": one["rows"]})
                    print(f"{n:>7,} {name:8} app process holds +{app['app_mb']} MB; one query in a fresh process: "
                          f"{one['s']:.3f} s, +{one['mb']} MB ({one['rows']} rows)", flush=True)
                del b
    finally:
        server.stop()
    _tables(out, sizes, stores)
    return 0


def _tables(out: list[dict], sizes: list[int], stores: list[str]) -> None:
    print()
    cols = [(n, s) for n in sizes for s in ("folder", "postgis") if s in stores]
    print("| filter | matched | " + " | ".join(f"{n:,} {s}: app ids / rows (s)" for n, s in cols) + " |")
    print("|---|---:|" + "---:|" * len(cols))
    for q in QUERIES:
        cells = []
        matched = []
        for n, s in cols:
            r = next(r for r in out if r["n"] == n and r["store"] == s and r.get("query") == q)
            cells.append(f"{r['ids_s']:.3f} / {r['rows_s']:.3f}")
            if s == stores[0]:
                matched.append(f"{r['matched']:,}")
        print(f"| {q} | {' / '.join(matched)} | " + " | ".join(cells) + " |")
    print()
    print("| features | store | app process: build held (MB RSS) | one query, fresh process: time (s) | RSS (MB) |")
    print("|---:|---|---:|---:|---:|")
    for n, s in cols:
        r = next(r for r in out if r["n"] == n and r["store"] == s and "app_mb" in r)
        print(f"| {n:,} | {s} | +{r['app_mb']} | {r['one_s']:.3f} | +{r['one_mb']} |")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", type=int, nargs="*", default=[10_000, 200_000])
    ap.add_argument("--stores", nargs="+", choices=("folder", "postgis"), default=["folder", "postgis"])
    args = ap.parse_args()
    sys.exit(main(args.sizes, args.stores))
