"""Benchmark: `mapapp osm import` throughput on a large synthetic PBF, next to Debian's
`osmium tags-filter` on the same file in the same run. Prints MB/s, objects/s, peak memory, ratio.

    .venv/bin/python bench/bench_osm_import.py [--nodes 3000000]

The synthetic extract looks like real OSM data for a province: most nodes untagged, many
unnamed residential ways, and a few per cent of objects that mapapp keeps (named roads, rail
ways, stations, parks, water)."""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import osmium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mapapp.osm.cache import OsmCache
from mapapp.osm.tags import osm_filter_keys


def write_synthetic(path: Path, n_nodes: int, seed: int = 7) -> tuple[int, int]:
    """Write a PBF with n_nodes nodes and ways of 10 nodes each. Returns (nodes, ways)."""
    rnd = random.Random(seed)
    ways = 0
    with osmium.SimpleWriter(str(path)) as w:
        for i in range(1, n_nodes + 1):
            tags = {}
            if i % 2000 == 0:
                tags = {"railway": "station", "name": f"站{i}"}
            elif i % 500 == 0:
                tags = {"amenity": "restaurant", "name": f"店{i}"}
            w.add_node(osmium.osm.mutable.Node(id=i, location=(113.6 + 4.8 * rnd.random(), 24.5 + 5.5 * rnd.random()),
                                               tags=tags))
        for start in range(1, n_nodes - 10, 10):
            ways += 1
            r = ways % 100
            if r < 2:
                tags = {"railway": "rail", "name": f"铁路{ways % 50}"}
            elif r < 6:
                tags = {"highway": "primary", "name": f"大道{ways}"}
            elif r < 8:
                tags = {"leisure": "park", "name": f"公园{ways}"}
            elif r < 9:
                tags = {"natural": "water", "name": f"湖{ways}"}
            elif r < 60:
                tags = {"highway": "residential"}
            else:
                tags = {"building": "yes"}
            nodes = list(range(start, start + 10))
            if tags.get("leisure") or tags.get("natural") or tags.get("building"):
                nodes = [*nodes[:4], nodes[0]]
            w.add_way(osmium.osm.mutable.Way(id=ways, nodes=nodes, tags=tags))
    return n_nodes, ways


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak resident memory in MB read from /proc VmHWM)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak_kb = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return time.perf_counter() - t0, peak_kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=3_000_000)
    ap.add_argument("--node-index", default="flex_mem",
                    help="libosmium index, e.g. sparse_file_array,/tmp/nodes.idx (default flex_mem)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mapapp-bench-osm-"))
    try:
        pbf = work / "synthetic.osm.pbf"
        t0 = time.perf_counter()
        n_nodes, n_ways = write_synthetic(pbf, args.nodes)
        size_mb = pbf.stat().st_size / 1e6
        objects = n_nodes + n_ways
        print(f"synthetic extract: {n_nodes:,} nodes, {n_ways:,} ways, {size_mb:.1f} MB "
              f"(written in {time.perf_counter() - t0:.1f} s)")

        code = ("import sys; from pathlib import Path; from mapapp.osm.pbf_import import import_extract; "
                f"import_extract(Path({str(pbf)!r}), Path({str(work / 'cache')!r}), bbox=None, "
                f"node_index={args.node_index!r})")
        t_mapapp, rss_mapapp = run_measured([sys.executable, "-c", code])
        kept = OsmCache.open(work / "cache").meta["objects"]
        print(f"mapapp osm import : {t_mapapp:6.2f} s  {size_mb / t_mapapp:6.1f} MB/s  "
              f"{objects / t_mapapp:10,.0f} objects/s  kept {kept:,}  peak RSS {rss_mapapp:.0f} MB "
              f"(incl. Python start-up and imports; node index {args.node_index})")

        osmium_cli = shutil.which("osmium")
        if osmium_cli is None:
            print("osmium tags-filter: not installed (apt-get install osmium-tool) — no comparison")
            return
        expr = [f"nwr/{k}" for k in osm_filter_keys()]
        t_osmium, rss_osmium = run_measured([osmium_cli, "tags-filter", str(pbf), *expr, "-o",
                                             str(work / "filtered.osm.pbf"), "--overwrite", "--no-progress"])
        print(f"osmium tags-filter: {t_osmium:6.2f} s  {size_mb / t_osmium:6.1f} MB/s  "
              f"{objects / t_osmium:10,.0f} objects/s  peak RSS {rss_osmium:.0f} MB")
        print(f"ratio (mapapp / osmium tags-filter time): {t_mapapp / t_osmium:.1f}x — mapapp also builds "
              f"geometries (node locations, areas) and writes the cache; tags-filter only copies objects")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
