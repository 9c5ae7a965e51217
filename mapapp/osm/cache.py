"""The local OSM cache: a GeoParquet-like table of the OSM objects mapapp needs, plus metadata.

Written by a streaming `CacheWriter` (bounded memory: rows go to disk in batches) into a temporary
folder that replaces the previous cache only when the writer is committed, so a failed import or
fetch leaves the previous cache intact. Read by `OsmCache`, whose `lookup(select)` resolves an
`osm` geometry spec.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry.base import BaseGeometry

from ..atomic import FolderKind, FolderLock, staging_folder, swap_in
from ..errors import OsmDataError
from ..geometry_types import OsmMatch, OsmMiss
from .tags import names_of

TABLE_FILE = "objects.parquet"
META_FILE = "cache.json"
# Jiangxi (24.49–30.08 N, 113.57–118.48 E) with a margin, for lines that run out of the province.
JIANGXI_BBOX = (112.5, 23.5, 119.5, 31.0)
SCHEMA = pa.schema([("osm_id", pa.string()), ("kind", pa.string()), ("name", pa.string()),
                    ("names", pa.string()), ("tags", pa.string()), ("geometry", pa.binary())])
AMBIGUITY_M = 2000.0
CACHE_FOLDER = FolderKind("mapapp OSM cache", ".mapapp-osm-cache", frozenset({TABLE_FILE, META_FILE}))


class CacheWriter:
    """Streams OSM objects into a new cache folder; `commit()` swaps it in, `abort()` discards it."""

    def __init__(self, cache_dir: Path, source: str, bbox: tuple[float, float, float, float] | None = JIANGXI_BBOX,
                 batch_size: int = 20_000):
        self.cache_dir = Path(cache_dir)
        self.lock = FolderLock(self.cache_dir, CACHE_FOLDER).__enter__()
        try:
            self.tmp = staging_folder(self.cache_dir, CACHE_FOLDER)
        except BaseException:
            self.lock.__exit__()
            raise
        self.source = source
        self.bbox = shapely.box(*bbox) if bbox else None
        self.batch_size = batch_size
        self.rows: list[tuple] = []
        self.count = 0
        self.timestamp = ""
        self.writer = pq.ParquetWriter(self.tmp / TABLE_FILE, SCHEMA)

    def add(self, osm_id: str, tags: dict[str, str], geometry: BaseGeometry, timestamp: str = "") -> None:
        """Add one object (tags as a dict, geometry in WGS84); objects outside the bbox are skipped."""
        if geometry is None or geometry.is_empty or (self.bbox is not None and not self.bbox.intersects(geometry)):
            return
        gtype = geometry.geom_type
        kind = "point" if gtype == "Point" else "area" if gtype.endswith("Polygon") else "line"
        names = names_of(tags)
        self.rows.append((osm_id, kind, names[0] if names else "", "|".join(names),
                          json.dumps(tags, ensure_ascii=False), shapely.to_wkb(geometry)))
        if timestamp > self.timestamp:
            self.timestamp = timestamp
        if len(self.rows) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            cols = list(zip(*self.rows))
            self.writer.write_table(pa.table([pa.array(c, type=f.type) for c, f in zip(cols, SCHEMA)], schema=SCHEMA))
            self.count += len(self.rows)
            self.rows = []

    def commit(self, timestamp: str = "", skipped_objects: int = 0) -> dict:
        """Finish writing and replace the previous cache. Returns the cache metadata (with the count of
        objects the reader had to skip)."""
        self._flush()
        self.writer.close()
        meta = {"source": self.source, "data_timestamp": timestamp or self.timestamp or "unknown",
                "objects": self.count, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "bbox": list(self.bbox.bounds) if self.bbox is not None else None,
                "licence": "© OpenStreetMap contributors, ODbL 1.0", "skipped_objects": skipped_objects}
        try:
            (self.tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            swap_in(self.tmp, self.cache_dir, CACHE_FOLDER)
        finally:
            self.lock.__exit__()
        return meta

    def abort(self) -> None:
        """Discard what was written; the previous cache stays as it was."""
        try:
            self.writer.close()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.lock.__exit__()


@dataclass
class OsmCache:
    """A cache read back: arrays of ids, kinds, names, tags and shapely geometries, and metadata."""

    folder: Path
    meta: dict
    ids: np.ndarray
    kinds: np.ndarray
    names: list[set[str]]
    tags: list[dict]
    geometries: np.ndarray
    by_name: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self):
        for i, names in enumerate(self.names):
            for name in names:
                self.by_name.setdefault(name, []).append(i)

    @classmethod
    def open(cls, folder: Path) -> OsmCache | None:
        """Return the cache in `folder`, or None when there is none. Raises OsmDataError if unreadable."""
        folder = Path(folder)
        if not (folder / META_FILE).is_file():
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            table = pq.read_table(folder / TABLE_FILE)
        except Exception as exc:
            raise OsmDataError(f"the OSM cache in {folder} is unreadable ({exc}): import or fetch again") from None
        d = table.to_pydict()
        return cls(folder, meta, np.array(d["osm_id"], dtype=object), np.array(d["kind"], dtype=object),
                   [set(n.split("|")) if n else set() for n in d["names"]], [json.loads(t) for t in d["tags"]],
                   shapely.from_wkb(np.array(d["geometry"], dtype=object)))

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, select: dict) -> list[int]:
        """Return the row indexes the selector matches (by ids, or by tags and an optional name)."""
        if select.get("ids"):
            wanted = {str(i) for i in select["ids"]}
            return [i for i, oid in enumerate(self.ids) if oid in wanted]
        tags = select.get("tags") or {}
        name = select.get("name")
        rows = self.by_name.get(name, []) if name else range(len(self.tags))
        return [i for i in rows if all(_tag_matches(self.tags[i].get(k), v) for k, v in tags.items())]

    def lookup(self, select: dict) -> OsmMatch | OsmMiss:
        """Return the OsmMatch for a selector, or an OsmMiss saying why it is unmatched or ambiguous.

        Lines (rail lines are many ways) are merged into one (Multi)LineString. Several areas or
        points further apart than 2 km are ambiguous; nearer ones are one object drawn twice
        (a station node and its building) and the area, else the first point, is used."""
        rows = self.find(select)
        what = _describe(select)
        if select.get("ids"):
            missing = sorted({str(i) for i in select["ids"]} - {self.ids[i] for i in rows})
            if missing:
                return OsmMiss("missing_ids", f"OSM ids not in the cache: {', '.join(missing)}")
        if not rows:
            return OsmMiss("unmatched", f"no OSM object matches {what}")
        kinds = {self.kinds[i] for i in rows}
        if "line" in kinds:
            lines = [self.geometries[i] for i in rows if self.kinds[i] == "line"]
            merged = shapely.line_merge(shapely.union_all(lines))
            return OsmMatch(merged, [self.ids[i] for i in rows if self.kinds[i] == "line"], self.meta["data_timestamp"])
        best = "area" if "area" in kinds else "point"
        picked = [i for i in rows if self.kinds[i] == best]
        spread = _spread_m([self.geometries[i] for i in rows])
        if spread > AMBIGUITY_M:
            ids = ", ".join(f"{self.ids[i]} ({min(self.names[i]) if self.names[i] else 'unnamed'})" for i in rows[:8])
            return OsmMiss("ambiguous",
                           f"ambiguous: {len(rows)} OSM objects {spread / 1000:.1f} km apart match {what}: {ids}")
        geom = shapely.union_all([self.geometries[i] for i in picked]) if best == "area" else self.geometries[picked[0]]
        return OsmMatch(geom, [self.ids[i] for i in picked], self.meta["data_timestamp"])


def _tag_matches(actual: str | None, wanted) -> bool:
    if actual is None:
        return False
    if wanted in ("*", None):
        return True
    if isinstance(wanted, list):
        return actual in [str(w) for w in wanted]
    return actual == str(wanted)


def _describe(select: dict) -> str:
    if select.get("ids"):
        return "ids " + ", ".join(map(str, select["ids"]))
    tags = ", ".join(f"{k}={v}" for k, v in (select.get("tags") or {}).items())
    return tags + (f" and name={select['name']}" if select.get("name") else "")


def _spread_m(geoms: list[BaseGeometry]) -> float:
    """Return the largest distance in metres between the geometries' centroids (approximate)."""
    if len(geoms) < 2:
        return 0.0
    pts = np.array([[g.centroid.x, g.centroid.y] for g in geoms])
    lat = np.radians(pts[:, 1].mean())
    xy = pts * np.array([111_320 * np.cos(lat), 110_540])
    diff = xy[:, None, :] - xy[None, :, :]
    return float(np.sqrt((diff ** 2).sum(-1)).max())
