"""Exporting features: GeoJSON (RFC 7946), GeoPackage and CSV, with full provenance per feature."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio.errors
import shapely
from shapely.geometry import mapping

from .atomic import write_file
from .errors import MapappError
from .schema import EXPORT_PROPERTIES, LIST_COLUMNS

FORMATS = ("geojson", "gpkg", "csv")
OSM_ATTRIBUTION = "Contains OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)"
_NESTED = tuple(c for c in EXPORT_PROPERTIES if c in LIST_COLUMNS)
_SUFFIX_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv"}


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def neutralise_cell(value):
    """Return a CSV cell value a spreadsheet will not run as a formula: text starting with = + - @,
    tab or carriage return gets a leading apostrophe (as OWASP recommends); numbers are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
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
    json.dumps(collection, allow_nan=False)     # raises ValueError on a non-finite number: never invalid JSON
    if len(features) and features["osm_data"].any():
        collection["attribution"] = OSM_ATTRIBUTION
    return collection


def geojson_text(features: gpd.GeoDataFrame) -> str:
    """Return the RFC 7946 GeoJSON of `features` as UTF-8 text."""
    return json.dumps(to_geojson(features), ensure_ascii=False, allow_nan=False)


def _flat(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    flat = features[[*EXPORT_PROPERTIES, "geometry"]].copy()
    for col in _NESTED:
        flat[col] = [json.dumps(v, ensure_ascii=False) for v in flat[col]]
    return flat


def csv_frame(features: gpd.GeoDataFrame):
    """Return the CSV export table: flat properties, geometry as WKT, every text cell neutralised."""
    flat = _flat(features)
    flat["wkt"] = [g.wkt if g is not None else "" for g in flat.geometry]
    flat = flat.drop(columns="geometry")
    for col in flat.columns:
        if pd.api.types.is_object_dtype(flat[col]) or pd.api.types.is_string_dtype(flat[col]):
            flat[col] = [neutralise_cell(v) for v in flat[col]]
    return flat


def write_export(features: gpd.GeoDataFrame, path: Path, fmt: str | None = None) -> str:
    """Write `features` to `path` in `fmt` (default: from the file suffix). Returns the format.

    The file is written next to its destination and moved into place, so a failed export leaves
    an existing file intact. CSV follows RFC 4180 (CRLF rows, fields holding a line break quoted).
    Raises MapappError for an unknown format, OutputRefused for a target that is not a writable
    regular file or a failed write (disk full)."""
    path = Path(path)
    fmt = fmt or _SUFFIX_FORMATS.get(path.suffix.lower(), path.suffix.lstrip("."))
    if fmt not in FORMATS:
        raise MapappError(f"unknown export format '{fmt}' (known: {', '.join(FORMATS)})")

    def write(tmp: Path) -> None:
        if fmt == "geojson":
            tmp.write_text(geojson_text(features), encoding="utf-8")
        elif fmt == "gpkg":
            try:
                _flat(features).to_file(tmp, driver="GPKG", layer="features")
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise OSError(str(exc)) from None
        else:
            csv_frame(features).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n",
                                       quoting=csv.QUOTE_MINIMAL)
    write_file(path, write)
    return fmt


def write_bytes(data: bytes, path: Path) -> None:
    """Write `data` to `path` the way exports are written (atomic.write_file): a failure leaves an
    existing file intact. Raises OutputRefused for a target that is not a writable regular file."""
    write_file(Path(path), lambda tmp: tmp.write_bytes(data))
