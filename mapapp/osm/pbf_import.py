"""`mapapp osm import`: one streaming pass over a .osm.pbf or .osm XML file into the OSM cache."""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import osmium
import osmium.filter
import shapely

from ..errors import MapappError, OsmDataError
from .cache import JIANGXI_BBOX, CacheWriter
from .tags import is_linear, is_wanted, osm_filter_keys

Progress = Callable[[float, int, int], None]   # (fraction of bytes read or -1, objects seen, objects kept)


def _read_position(path: Path) -> Callable[[], int]:
    """Return a function giving how many bytes of `path` the reader has consumed (Linux /proc; else -1)."""
    target = os.path.realpath(path)
    fd_cache: dict[str, str] = {}

    def position() -> int:
        try:
            if "fd" not in fd_cache:
                for fd in os.listdir("/proc/self/fd"):
                    try:
                        if os.readlink(f"/proc/self/fd/{fd}") == target:
                            fd_cache["fd"] = fd
                            break
                    except OSError:
                        continue
            if "fd" in fd_cache:
                with open(f"/proc/self/fdinfo/{fd_cache['fd']}") as f:
                    return int(f.readline().split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return -1
    return position


def terminal_progress(label: str) -> Progress:
    """Return a Progress callback that draws a one-line progress bar on stderr."""
    def show(fraction: float, seen: int, kept: int) -> None:
        if fraction >= 0:
            bar = "#" * int(30 * fraction)
            sys.stderr.write(f"\r{label} [{bar:<30}] {fraction:5.1%}  {seen:,} objects read, {kept:,} kept")
        else:
            sys.stderr.write(f"\r{label} {seen:,} objects read, {kept:,} kept")
        sys.stderr.flush()
    return show


def import_extract(path: Path, cache_dir: Path, bbox=JIANGXI_BBOX, node_index: str = "flex_mem",
                   progress: Progress | None = None) -> dict:
    """Import the objects mapapp needs from an OSM extract into `cache_dir`. Returns the cache metadata.

    One streaming pass (node locations in `node_index`, e.g. 'sparse_file_array,/tmp/idx' for
    bounded memory on a national extract); rows go to disk in batches. A failure or interruption
    leaves the previous cache intact (rerun to restart). The metadata counts the objects skipped
    because their nodes lie outside the extract (`skipped_objects`). Raises MapappError for a
    missing file, OsmDataError for corrupt data."""
    path = Path(path)
    if not path.exists():
        raise MapappError(f"OSM file not found: {path}")
    if not path.is_file():
        raise MapappError(f"{path}: not a regular file (a folder, FIFO or device): refusing to read it")
    if not path.name.endswith((".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        raise MapappError(f"{path.name}: expected an OSM extract (.osm.pbf or .osm)")
    total = path.stat().st_size
    position = _read_position(path)
    writer = CacheWriter(cache_dir, source=f"extract {path.name} ({total / 1e6:.1f} MB)", bbox=bbox)
    wkb = osmium.geom.WKBFactory()
    seen = kept = skipped = 0
    header_ts = ""
    last = time.monotonic()
    try:
        processor = (osmium.FileProcessor(str(path)).with_locations(osmium.index.create_map(node_index))
                     .with_areas().with_filter(osmium.filter.KeyFilter(*osm_filter_keys())))
        header_ts = processor.header.get("osmosis_replication_timestamp", "") or ""
        for obj in processor:
            seen += 1
            tags = {t.k: t.v for t in obj.tags}
            if not is_wanted(tags):
                continue
            geom_wkb, oid = None, None
            try:
                if obj.is_node():
                    geom_wkb, oid = wkb.create_point(obj), f"n{obj.id}"
                elif obj.is_way():
                    if is_linear(tags) or not obj.is_closed():
                        geom_wkb, oid = wkb.create_linestring(obj), f"w{obj.id}"
                elif obj.is_area() and not is_linear(tags):
                    oid = f"w{obj.orig_id()}" if obj.from_way() else f"r{obj.orig_id()}"
                    geom_wkb = wkb.create_multipolygon(obj)
            except (osmium.InvalidLocationError, RuntimeError):
                skipped += 1   # an object whose nodes are outside the extract
                continue
            if geom_wkb is None:
                continue
            geom = shapely.from_wkb(bytes.fromhex(geom_wkb) if isinstance(geom_wkb, str) else geom_wkb)
            ts = obj.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ") if obj.timestamp else ""
            before = writer.count + len(writer.rows)
            writer.add(oid, tags, geom, ts)
            kept += (writer.count + len(writer.rows)) - before
            if progress and time.monotonic() - last > 0.5:
                pos = position()
                progress(min(pos / total, 1.0) if pos >= 0 and total else -1, seen, kept)
                last = time.monotonic()
        meta = writer.commit(header_ts, skipped_objects=skipped)
    except BaseException as exc:
        writer.abort()
        corrupt = isinstance(exc, (RuntimeError, ValueError, osmium.InvalidLocationError))
        if corrupt and not isinstance(exc, MapappError):
            raise OsmDataError(f"{path.name}: corrupt OSM data after {seen:,} objects ({exc}); nothing imported, "
                               f"the previous cache is intact") from None
        raise
    if progress:
        progress(1.0, seen, kept)
        sys.stderr.write("\n")
    return meta
