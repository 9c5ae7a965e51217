"""Exporting features: GeoJSON (RFC 7946), GeoPackage and CSV, with full provenance per feature."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import mapping

from .errors import MapappError
from .schema import EXPORT_PROPERTIES, LIST_COLUMNS

FORMATS = ("geojson", "gpkg", "csv")
OSM_ATTRIBUTION = "Contains OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)"
_NESTED = tuple(c for c in EXPORT_PROPERTIES if c in LIST_COLUMNS)
_SUFFIX_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv"}


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def feature_properties(row) -> dict:
    """Return the exported properties of one feature-table row, in EXPORT_PROPERTIES order."""
    return {k: _clean(row[k]) for k in EXPORT_PROPERTIES}


def to_geojson(features: gpd.GeoDataFrame) -> dict:
    """Return an RFC 7946 FeatureCollection: lon/lat, counter-clockwise outer rings, no crs member."""
    if features.crs is not None and features.crs.to_epsg() != 4326:
        raise MapappError("features must be in EPSG:4326 to export GeoJSON")
    geoms = shapely.orient_polygons(features.geometry.values, exterior_cw=False)
    out = []
    for (_, row), geom in zip(features.iterrows(), geoms):
        out.append({"type": "Feature", "id": row["id"],
                    "geometry": mapping(geom) if geom is not None else None,
                    "properties": feature_properties(row)})
    collection = {"type": "FeatureCollection", "features": out}
    if len(features) and features["osm_data"].any():
        collection["attribution"] = OSM_ATTRIBUTION
    return collection


def geojson_text(features: gpd.GeoDataFrame) -> str:
    """Return the RFC 7946 GeoJSON of `features` as UTF-8 text."""
    return json.dumps(to_geojson(features), ensure_ascii=False)


def _flat(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    flat = features[list(EXPORT_PROPERTIES) + ["geometry"]].copy()
    for col in _NESTED:
        flat[col] = [json.dumps(v, ensure_ascii=False) for v in flat[col]]
    return flat


def write_export(features: gpd.GeoDataFrame, path: Path, fmt: str | None = None) -> str:
    """Write `features` to `path` in `fmt` (default: from the file suffix). Returns the format.

    The file is written next to its destination and moved into place, so a failed export leaves
    an existing file intact. Raises MapappError for an unknown format or an unwritable path."""
    path = Path(path)
    fmt = fmt or _SUFFIX_FORMATS.get(path.suffix.lower(), path.suffix.lstrip("."))
    if fmt not in FORMATS:
        raise MapappError(f"unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
    if not path.parent.is_dir():
        raise MapappError(f"cannot write {path}: folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        if fmt == "geojson":
            tmp.write_text(geojson_text(features), encoding="utf-8")
        elif fmt == "gpkg":
            _flat(features).to_file(tmp, driver="GPKG", layer="features")
        else:
            flat = _flat(features)
            flat["wkt"] = [g.wkt if g is not None else "" for g in flat.geometry]
            flat.drop(columns="geometry").to_csv(tmp, index=False, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise MapappError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return fmt


def write_bytes(data: bytes, path: Path) -> None:
    """Write `data` to `path` the way exports are written: next to the destination, then moved
    into place, so a failure leaves an existing file intact. Raises MapappError for an unwritable path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise MapappError(f"cannot write {path}: folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise MapappError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
