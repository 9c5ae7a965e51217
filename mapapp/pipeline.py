"""The build pipeline: load and validate annotations -> resolve geometry -> one WGS84 feature table.

`check` validates without writing anything; `build` writes the feature table (GeoParquet), the
boundaries and a manifest into the build folder atomically: a failed build leaves the previous
one intact. `load_build` reads a build back.
"""
from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np

from .admin import AdminBoundaries, load_admin_boundaries
from .annotation_warnings import name_containment_warnings, shape_radius_warnings
from .annotations import load_annotations
from .context import context_layers
from .corpus import Corpus, check_mentions
from .display import DisplayLayout, display_features
from .errors import BuildUnusable, Problem, ValidationFailed
from .stores import BuildStore, BuildTables, open_store
from .stores.folder import BOUNDARIES_FILE, CONTEXT_FILE, FEATURES_FILE, MANIFEST_FILE, Build, load_build  # noqa: F401
from .measure import area_km2, length_km
from .model import Annotations
from .osm.cache import OsmCache
from .project import Project
from .schema import FORMAT_VERSION, check_columns
from .resolve import ResolveContext, ResolvedGeometry, resolve_record
from .stations import load_stations
from . import vector_tiles

Progress = Callable[[str], None]


@dataclass
class CheckResult:
    """The outcome of validation: annotations, resolved geometry per record id, problems (errors)
    and warnings (see annotation_warnings)."""

    annotations: Annotations | None
    resolved: dict[str, ResolvedGeometry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
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
        result.warnings += name_containment_warnings(annotations, Corpus(project.corpus_dir))
    result.warnings += shape_radius_warnings(annotations)
    result.warnings.sort()
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
    """Return the feature table (schema.COLUMNS): one row per record (geometry None when
    unlocated), EPSG:4326."""
    rows = []
    for rec in annotations.records.values():
        res = resolved[rec.id]
        rows.append({
            "id": rec.id, "name": rec.name, "aliases": list(rec.aliases), "kind": rec.kind,
            "sectors": list(rec.sectors), "status": rec.status, "plans": rec.plans,
            "mentions": [{"plan": m.plan, "doc": annotations.plans[m.plan].doc, "line": m.line, "quote": m.quote,
                          "status": m.status} for m in rec.mentions],
            "geometry_source": res.geometry_source, **res.provenance.columns(), "precision": res.precision,
            "uncertainty_m": res.uncertainty_m, "stated_area_km2": rec.stated_area_km2,
            "stated_length_km": rec.stated_length_km, "note": rec.note, "geometry": res.geometry,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["area_km2"] = np.round(area_km2(gdf.geometry), 3)
    gdf["length_km"] = np.round(length_km(gdf.geometry), 3)
    for level, column in (("city", "cities"), ("county", "counties")):
        gdf[column] = overlapping_units(gdf.geometry, admin.frame[admin.frame.level == level])
    return check_columns(gdf)


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
    """Validate, resolve and write the build into the project's store atomically. Returns the manifest.

    Raises ForeignFolder (before any work) when the build folder holds anything but a build,
    BuildBusy (before any work) when another build is writing the same folder, ValidationFailed
    (nothing written) when any input has a problem, and MapappError when writing fails (disk full,
    an unreachable store); the previous build is then intact."""
    store = open_store(project)
    with store.writing():
        return _build(project, store, progress)


def _build(project: Project, store: BuildStore, progress: Progress | None) -> dict:
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    store.check_replaceable()
    result = check(project, progress)
    if result.problems:
        raise ValidationFailed(result.problems)
    admin = load_admin_boundaries()
    say("computing areas and lengths")
    gdf = feature_table(result.annotations, result.resolved, admin)
    say("extracting water and place names for the map")
    context, context_meta = context_layers(admin)
    manifest = {
        "format_version": FORMAT_VERSION,
        "build_id": uuid.uuid4().hex,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "crs": "EPSG:4326 (WGS84)",
        "records": len(gdf),
        "located": int(gdf.geometry.notna().sum()),
        "by_precision": {str(k): int(v) for k, v in gdf.precision.value_counts().items()},
        "boundaries": admin.metadata,
        "context": context_meta,
        "plans": [vars(p) for p in result.annotations.plans.values()],
        "vocabulary": {g: {k: {"zh": t.zh, "en": t.en} for k, t in getattr(result.annotations.vocabulary, g).items()}
                       for g in ("kinds", "sectors", "statuses", "precisions")},
        "corpus_checked": bool(project.corpus_dir),
        "osm": result.osm,
    }
    with tempfile.TemporaryDirectory(prefix="mapapp-tiles-") as tmp:
        files = write_vector_tiles(gdf, manifest, Path(tmp), say)
        say(f"writing {store.where}")
        store.write(BuildTables(gdf, admin.frame, context, files), manifest, say)
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest


def write_vector_tiles(features: gpd.GeoDataFrame, manifest: dict, folder: Path,
                       progress: Progress | None = None, above: int | None = None) -> dict[str, Path]:
    """When the build has more than `above` (default vector_tiles.TILES_ABOVE) located features,
    write the map's vector tiles (one PMTiles archive per datum, of the map's display geometry,
    mapapp.display) into `folder`, record them in `manifest["vector_tiles"]` and return
    {file name: path}; otherwise return {}. Raises TilesUnavailable when tippecanoe is missing or
    fails."""
    above = vector_tiles.TILES_ABOVE if above is None else above
    located = int(features.geometry.notna().sum())
    if located <= above:
        return {}
    say = progress or (lambda _msg: None)
    layout = DisplayLayout.of(features)
    files = {}
    for datum in vector_tiles.DATUMS:  # MVT id = index in layout.order(), what the map's selection counts
        say(f"writing vector tiles ({datum}, {located:,} features)")
        written = vector_tiles.write_pmtiles(display_features(features, layout, datum).geojson_features(),
                                             Path(folder) / vector_tiles.file_name(datum), datum)
        files[written.path.name] = written.path
    manifest["vector_tiles"] = {"files": {d: vector_tiles.file_name(d) for d in vector_tiles.DATUMS},
                                "features": located, "above": above, "layer": vector_tiles.LAYER,
                                "zooms": [vector_tiles.MIN_ZOOM, vector_tiles.MAX_ZOOM]}
    return files


def ensure_store(project: Project, progress: Progress | None = None) -> BuildStore:
    """Return the project's store holding a current build, building it first when there is none
    or it has another format. Raises MapappError."""
    store = open_store(project)
    try:
        store.manifest()
    except BuildUnusable:
        build(project, progress=progress)
    return store


def ensure_build(project: Project, progress: Progress | None = None) -> Build:
    """Return the project's build, building it first when there is none or it has another format.

    Raises MapappError."""
    store = open_store(project)
    try:
        return store.load()
    except BuildUnusable:
        build(project, progress=progress)
        return store.load()
