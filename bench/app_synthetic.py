"""Synthetic builds for the app benchmark: N irregular polygons of about 50 vertices inside Jiangxi,
written as a real build folder (features.parquet, boundaries.parquet, manifest.json, and the vector
tiles above the threshold, as `mapapp build` writes them) so the real app (and the naive page) read
them exactly as they read a build of the annotations."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from mapapp.admin import load_admin_boundaries
from mapapp.annotations import load_annotations
from mapapp.measure import area_km2
from mapapp.context import context_layers
from mapapp.pipeline import BOUNDARIES_FILE, CONTEXT_FILE, FEATURES_FILE, MANIFEST_FILE, write_vector_tiles
from mapapp.project import PACKAGE_ROOT
from mapapp.provenance import Provenance
from mapapp.schema import FORMAT_VERSION, check_columns

KINDS = ("zone", "park", "ecology", "tourism", "building")
STATUSES = ("planned", "under_construction", "completed", "existing")
PRECISIONS = ("exact", "derived", "approximate")
VERTICES = 50
PROVENANCE = Provenance("manual", data_source="synthetic", source_note="synthetic benchmark polygon").columns()


def _polygons(n: int, province, rng: np.random.Generator) -> list:
    """n star-shaped polygons (50 vertices) centred at random points inside the province."""
    minx, miny, maxx, maxy = province.bounds
    centres = []
    prepared = shapely.prepared.prep(province)
    while len(centres) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        inside = [prepared.contains(shapely.Point(x, y)) for x, y in zip(xs, ys)]
        centres += [(x, y) for x, y, ok in zip(xs, ys, inside) if ok]
    centres = np.array(centres[:n])
    angles = np.linspace(0, 2 * np.pi, VERTICES, endpoint=False)
    radius = rng.uniform(0.01, 0.05, (n, 1)) * rng.uniform(0.7, 1.0, (n, VERTICES))
    xs = centres[:, :1] + radius * np.cos(angles)
    ys = centres[:, 1:] + radius * np.sin(angles) * 0.9
    rings = np.stack([xs, ys], axis=-1)
    rings = np.concatenate([rings, rings[:, :1]], axis=1)
    return list(shapely.polygons(rings))


def make_build(folder: Path, n: int, seed: int = 7, tiles_above: int | None = None) -> Path:
    """Write a synthetic build of n polygons into `folder` and return it; with vector tiles when n is
    above `tiles_above` (default: mapapp.vector_tiles.TILES_ABOVE)."""
    rng = np.random.default_rng(seed)
    admin = load_admin_boundaries()
    annotations, problems = load_annotations(PACKAGE_ROOT / "corpus_annotations")
    if annotations is None:
        raise RuntimeError(f"cannot read plans/vocabulary: {problems[:3]}")
    plans = list(annotations.plans)
    sectors = list(annotations.vocabulary.sectors)
    geoms = _polygons(n, admin.province, rng)
    kind = rng.choice(KINDS, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    rows = []
    for i in range(n):
        plan = plans[i % len(plans)]
        rows.append({
            "id": f"syn-{i:06d}", "name": f"合成要素{i:06d}", "aliases": [f"别名{i}"], "kind": str(kind[i]),
            "sectors": [sectors[i % len(sectors)]], "status": STATUSES[i % len(STATUSES)], "plans": [plan],
            "mentions": [{"plan": plan, "doc": annotations.plans[plan].doc, "line": 1 + i % 500,
                          "quote": f"合成要素{i:06d}"}],
            "geometry_source": "synthetic benchmark polygon", **PROVENANCE,
            "precision": PRECISIONS[i % len(PRECISIONS)],
            "uncertainty_m": None, "stated_area_km2": None, "stated_length_km": None, "note": "",
        })
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    gdf["area_km2"] = np.round(area_km2(gdf.geometry), 3)
    gdf["length_km"] = np.nan
    units = admin.frame
    cents = gpd.GeoDataFrame(geometry=shapely.centroid(gdf.geometry.values), crs="EPSG:4326")
    for level, column in (("city", "cities"), ("county", "counties")):
        hits = gpd.sjoin(cents, units[units.level == level][["name", "geometry"]], predicate="within")
        names = hits.groupby(level=0)["name"].first()
        gdf[column] = [[names[i]] if i in names.index else [] for i in gdf.index]
    gdf = check_columns(gdf)
    folder.mkdir(parents=True, exist_ok=True)
    gdf.to_parquet(folder / FEATURES_FILE)
    units.to_parquet(folder / BOUNDARIES_FILE)
    context, context_meta = context_layers(admin)
    context.to_parquet(folder / CONTEXT_FILE)
    manifest = {
        "format_version": FORMAT_VERSION, "build_id": f"synthetic-{n}-{seed}", "context": context_meta,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "crs": "EPSG:4326 (WGS84)",
        "records": n, "located": n, "by_precision": {p: int((gdf.precision == p).sum()) for p in PRECISIONS},
        "boundaries": admin.metadata, "plans": [vars(p) for p in annotations.plans.values()],
        "vocabulary": {g: {k: {"zh": t.zh, "en": t.en} for k, t in getattr(annotations.vocabulary, g).items()}
                       for g in ("kinds", "sectors", "statuses", "precisions")},
        "corpus_checked": False, "synthetic": True,
    }
    write_vector_tiles(gdf, manifest, folder, above=tiles_above)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder
