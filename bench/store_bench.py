"""Filter queries against the two stores: the GeoParquet folder (load the table, filter in pandas)
and PostGIS (filters in SQL on the indexes), on synthetic builds of N polygons.

For each size it prints the median of 5 runs per query, and for a fresh process that opens the
store and answers one query: its time and how much its resident memory (RSS) grew over what the
imported libraries already take — the data an app instance has to hold for the answer.

Usage: python bench/store_bench.py [N ...]   (default: 10000 200000). Needs Debian's PostgreSQL 15
and PostGIS (scripts/install-system-deps.sh); the benchmark starts its own server on 127.0.0.1.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from app_synthetic import make_build  # noqa: E402
from pg_server import Server, unavailable  # noqa: E402

from mapapp.features import FeatureFilter  # noqa: E402
from mapapp.stores import BuildTables, FolderStore  # noqa: E402
from mapapp.stores.postgis import PostgisStore  # noqa: E402

QUERIES = {
    "one plan": FeatureFilter(plans=["jian-14th"]),
    "kind + status": FeatureFilter(kinds=["park"], statuses=["planned"]),
    "within a county": FeatureFilter(within=["南昌县"]),
    "name search": FeatureFilter(query="000123"),
}
CHILD = """
import sys, time
sys.path[:0] = {paths!r}
from mapapp.features import FeatureFilter
from mapapp.stores import FolderStore
from mapapp.stores.postgis import PostgisStore
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
import geopandas, psycopg, shapely, pyarrow.parquet  # noqa: the libraries both stores use
base = rss()
store = PostgisStore({where!r}) if {where!r}.startswith("postgresql") else FolderStore(__import__("pathlib").Path({where!r}))
t = time.perf_counter()
n = len(store.select(FeatureFilter(kinds=["park"], statuses=["planned"])))
print(n, round(time.perf_counter() - t, 3), rss() - base)
"""  # noqa: E501


def _median(fn, runs: int = 5) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        n = len(fn())
        times.append(time.perf_counter() - t)
    return statistics.median(times), n


def _child(where: str) -> str:
    code = CHILD.format(paths=[str(HERE.parent)], where=where)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return f"{out[1]} s, {out[0]} rows, +{out[2]} MB RSS"


def main(sizes: list[int]) -> int:
    why = unavailable()
    if why:
        print(f"skipped: {why}")
        return 0
    server = Server()
    try:
        print("| features | store | " + " | ".join(QUERIES) + " | fresh process: one query |")
        print("|---:|---|" + "---:|" * (len(QUERIES) + 1))
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                folder = make_build(Path(tmp) / "build", n)
                fstore = FolderStore(folder)
                b = fstore.load()
                url = server.create_database(f"bench_{n}")
                pstore = PostgisStore(url)
                t = time.perf_counter()
                pstore.write(BuildTables(b.features, b.boundaries, b.context), b.manifest, lambda _m: None)
                write_s = time.perf_counter() - t
                for name, store in (("folder", fstore), ("postgis", pstore)):
                    cells = []
                    for flt in QUERIES.values():
                        s, rows = _median(lambda store=store, flt=flt: store.select(flt))
                        cells.append(f"{s:.3f} s ({rows})")
                    child = _child(store.where if name == "postgis" else str(folder))
                    print(f"| {n:,} | {name} | " + " | ".join(cells) + f" | {child} |",
                          flush=True)
                print(f"(PostGIS write of {n:,} features: {write_s:.1f} s)", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [10_000, 200_000]))
