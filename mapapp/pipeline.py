"""The build pipeline: load and validate annotations -> resolve geometry -> one WGS84 feature table.

`check` validates without writing anything; `build` writes the feature table (GeoParquet), the
boundaries and a manifest into the build folder atomically: a failed build leaves the previous
one intact. `load_build` reads a build back.
"""
from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .admin import AdminBoundaries, load_admin_boundaries
from .annotations import load_annotations
from .atomic import FolderKind, FolderLock, check_replaceable, recover, staging_folder, swap_in
from .corpus import Corpus, check_mentions
from .errors import (BuildMissing, BuildOutdated, BuildUnreadable, BuildUnusable, BuildWrongCRS, MapappError, Problem,
                     ValidationFailed)
from .measure import area_km2, length_km
from .model import Annotations
from .osm.cache import OsmCache
from .project import Project
from .provenance import LIST_COLUMNS as PROVENANCE_LISTS
from .resolve import ResolveContext, ResolvedGeometry, resolve_record
from .stations import load_stations

FEATURES_FILE = "features.parquet"
BOUNDARIES_FILE = "boundaries.parquet"
MANIFEST_FILE = "manifest.json"
# The feature table's format; a build of another format is refused with BuildOutdated.
FORMAT_VERSION = 2
BUILD_FOLDER = FolderKind("mapapp build", ".mapapp-build", frozenset({FEATURES_FILE, BOUNDARIES_FILE, MANIFEST_FILE}))
LIST_COLUMNS = ("aliases", "sectors", "plans", "mentions", "cities", "counties", *PROVENANCE_LISTS)

Progress = Callable[[str], None]


@dataclass
class CheckResult:
    """The outcome of validation: annotations, resolved geometry per record id, and problems."""

    annotations: Annotations | None
    resolved: dict[str, ResolvedGeometry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    mentions_checked: int = 0
    osm: dict = field(default_factory=dict)


def check(project: Project, progress: Progress | None = None) -> CheckResult:
    """Validate every annotation and geodata file (and each quote, when a corpus is set), resolving
    `osm` specs from the project's OSM cache when there is one.

    Returns a CheckResult; its `problems` is empty when everything is valid, and `osm` reports
    which selectors matched. Raises MapappError when the corpus folder or OSM cache is unusable."""
    say = progress or (lambda _msg: None)
    say("reading annotations")
    annotations, problems = load_annotations(project.annotations_dir)
    result = CheckResult(annotations, problems=list(problems))
    if annotations is None:
        return result
    if project.corpus_dir is not None:
        say(f"checking quotes against {project.corpus_dir}")
        result.problems += check_mentions(annotations, Corpus(project.corpus_dir))
        result.mentions_checked = sum(len(r.mentions) for r in annotations.records.values())
    stations, p = load_stations(project.geodata_dir / "stations", project.data_dir)
    result.problems += p
    say("loading administrative boundaries")
    cache = OsmCache.open(project.osm_cache_dir)
    ctx = ResolveContext(load_admin_boundaries(), stations, project.geodata_dir, cache.lookup if cache else None)
    n = len(annotations.records)
    for i, rec in enumerate(annotations.records.values(), start=1):
        resolved, p = resolve_record(rec, ctx)
        result.problems += p
        if resolved is not None:
            result.resolved[rec.id] = resolved
        if i % 50 == 0 or i == n:
            say(f"resolved geometry {i}/{n}")
    result.problems.sort()
    result.osm = _osm_report(annotations, result.resolved, cache)
    return result


def _osm_report(annotations: Annotations, resolved: dict[str, ResolvedGeometry], cache) -> dict:
    """Return which `osm` selectors matched, and why the others did not (fallback kept)."""
    report = {"cache": cache.meta if cache else None, "matched": [], "unmatched": []}
    for rec in annotations.records.values():
        res = resolved.get(rec.id)
        if rec.geometry.type != "osm" or res is None:
            continue
        entry = {"record": rec.id, "select": rec.geometry.fields["select"], "geometry_source": res.geometry_source}
        if res.osm_miss is None:
            report["matched"].append(entry)
        else:
            report["unmatched"].append({**entry, "why": res.osm_miss.message})
    return report


def feature_table(annotations: Annotations, resolved: dict[str, ResolvedGeometry],
                  admin: AdminBoundaries) -> gpd.GeoDataFrame:
    """Return the feature table: one row per record (geometry None when unlocated), EPSG:4326."""
    rows = []
    for rec in annotations.records.values():
        res = resolved[rec.id]
        rows.append({
            "id": rec.id, "name": rec.name, "aliases": list(rec.aliases), "kind": rec.kind,
            "sectors": list(rec.sectors), "status": rec.status, "plans": rec.plans,
            "mentions": [{"plan": m.plan, "doc": annotations.plans[m.plan].doc, "line": m.line, "quote": m.quote}
                         for m in rec.mentions],
            "geometry_source": res.geometry_source, **res.provenance.columns(), "precision": res.precision,
            "uncertainty_m": res.uncertainty_m, "stated_area_km2": rec.stated_area_km2,
            "stated_length_km": rec.stated_length_km, "note": rec.note, "geometry": res.geometry,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["area_km2"] = np.round(area_km2(gdf.geometry), 3)
    gdf["length_km"] = np.round(length_km(gdf.geometry), 3)
    for level, column in (("city", "cities"), ("county", "counties")):
        gdf[column] = overlapping_units(gdf.geometry, admin.frame[admin.frame.level == level])
    return gdf


MIN_OVERLAP_SHARE = 0.01


def overlapping_units(geoms: gpd.GeoSeries, units: gpd.GeoDataFrame) -> list[list[str]]:
    """Return, for each geometry, the names of the units it really overlaps: at least 1% of the
    polygon's (or the unit's) area, at least 1% of a line's length, or covering a point. Units that
    only touch along a shared border do not count."""
    out: list[list[str]] = [[] for _ in range(len(geoms))]
    located = gpd.GeoDataFrame(geometry=geoms.reset_index(drop=True), crs=geoms.crs)
    hits = gpd.sjoin(located[located.geometry.notna()], units[["name", "geometry"]].reset_index(drop=True),
                     predicate="intersects")
    unit_geoms = units.geometry.reset_index(drop=True)
    for i, j, name in zip(hits.index, hits["index_right"], hits["name"]):
        geom, unit = located.geometry.iloc[i], unit_geoms.iloc[j]
        if geom.geom_type.endswith("Polygon"):
            shared = geom.intersection(unit).area
            keep = shared >= MIN_OVERLAP_SHARE * min(geom.area, unit.area)
        elif geom.geom_type.endswith("LineString"):
            keep = geom.intersection(unit).length >= MIN_OVERLAP_SHARE * geom.length
        else:
            keep = unit.covers(geom)
        if keep:
            out[i].append(name)
    return out


def build(project: Project, progress: Progress | None = None) -> dict:
    """Validate, resolve and write the build folder atomically. Returns the manifest.

    Raises ForeignFolder (before any work) when the build folder holds anything but a build,
    BuildBusy (before any work) when another build is writing it, ValidationFailed (nothing
    written) when any input has a problem, and MapappError when writing fails (disk full); the
    previous build is then intact."""
    with FolderLock(project.build_dir, BUILD_FOLDER):
        return _build(project, progress)


def _build(project: Project, progress: Progress | None) -> dict:
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    check_replaceable(project.build_dir, BUILD_FOLDER)
    result = check(project, progress)
    if result.problems:
        raise ValidationFailed(result.problems)
    admin = load_admin_boundaries()
    say("computing areas and lengths")
    gdf = feature_table(result.annotations, result.resolved, admin)
    manifest = {
        "format_version": FORMAT_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "crs": "EPSG:4326 (WGS84)",
        "records": len(gdf),
        "located": int(gdf.geometry.notna().sum()),
        "by_precision": {str(k): int(v) for k, v in gdf.precision.value_counts().items()},
        "boundaries": admin.metadata,
        "plans": [vars(p) for p in result.annotations.plans.values()],
        "vocabulary": {g: {k: {"zh": t.zh, "en": t.en} for k, t in getattr(result.annotations.vocabulary, g).items()}
                       for g in ("kinds", "sectors", "statuses", "precisions")},
        "corpus_checked": bool(project.corpus_dir),
        "osm": result.osm,
    }
    _write_atomically(project.build_dir, gdf, admin.frame, manifest, say)
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest


def _write_atomically(build_dir: Path, gdf: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame,
                      manifest: dict, say: Progress) -> None:
    try:
        tmp = staging_folder(build_dir, BUILD_FOLDER)
    except OSError as exc:
        raise MapappError(f"cannot write the build next to {build_dir}: {exc.strerror or exc}") from None
    try:
        say(f"writing {build_dir}")
        gdf.to_parquet(tmp / FEATURES_FILE)
        boundaries.to_parquet(tmp / BOUNDARIES_FILE)
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, allow_nan=False),
                                         encoding="utf-8")
        swap_in(tmp, build_dir, BUILD_FOLDER)
    except OSError as exc:
        raise MapappError(f"cannot write the build {build_dir}: {exc.strerror or exc}; "
                          f"the previous build is intact") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _plain(value):
    """Turn pyarrow/numpy nested values back into plain lists and dicts."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


@dataclass
class Build:
    """A build read back: the feature table, the boundaries and the manifest."""

    features: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    manifest: dict
    folder: Path


def load_build(build_dir: Path) -> Build:
    """Return the build in `build_dir`.

    Raises BuildMissing when there is none, BuildUnreadable when its files cannot be decoded,
    BuildWrongCRS when it is not in EPSG:4326 and BuildOutdated when it has another format version
    (all BuildUnusable). A build a killed writer left beside the folder is put back first."""
    if not build_dir.exists():
        recover(build_dir, BUILD_FOLDER)
    paths = [build_dir / f for f in (FEATURES_FILE, BOUNDARIES_FILE, MANIFEST_FILE)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise BuildMissing(f"no build in {build_dir} (missing {', '.join(missing)}): run `mapapp build`")
    try:
        features = gpd.read_parquet(paths[0])
        boundaries = gpd.read_parquet(paths[1])
        manifest = json.loads(paths[2].read_text(encoding="utf-8"))
    except Exception as exc:  # any decoding failure means the same thing to the user
        raise BuildUnreadable(f"the build in {build_dir} is unreadable ({type(exc).__name__}: {exc}): "
                           f"run `mapapp build` again") from None
    found = manifest.get("format_version", 1) if isinstance(manifest, dict) else None
    if found != FORMAT_VERSION:
        raise BuildOutdated(f"the build in {build_dir} has format version {found}, this mapapp reads format "
                            f"version {FORMAT_VERSION}: run `mapapp build` again")
    try:
        for col in LIST_COLUMNS:
            features[col] = [_plain(v) if v is not None else [] for v in features[col]]
        for col in ("upper_bound", "osm_data"):
            features[col] = features[col].astype(bool)
        for col in ("precision", "note"):
            features[col] = features[col].astype(object).where(features[col].notna(), None)
        for col in ("uncertainty_m", "stated_area_km2", "stated_length_km", "area_km2", "length_km"):
            features[col] = pd.to_numeric(features[col]).astype(float)
    except (KeyError, ValueError, TypeError) as exc:
        raise BuildUnreadable(f"the build in {build_dir} lacks or garbles a column ({type(exc).__name__}: {exc}): "
                              f"run `mapapp build` again") from None
    if features.crs is None or features.crs.to_epsg() != 4326:
        raise BuildWrongCRS(f"the build in {build_dir} is not in EPSG:4326: run `mapapp build` again")
    return Build(features, boundaries, manifest, build_dir)


def ensure_build(project: Project, progress: Progress | None = None) -> Build:
    """Return the project's build, building it first when there is none or it has another format.

    Raises MapappError."""
    try:
        return load_build(project.build_dir)
    except BuildUnusable:
        build(project, progress=progress)
        return load_build(project.build_dir)
