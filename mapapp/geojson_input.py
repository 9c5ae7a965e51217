"""Reading a hand-drawn (manual) GeoJSON file strictly: every structure and number is checked before
shapely sees it, so a malformed file gives a clear SpecError instead of a wrong shape or a crash.

Accepted: a FeatureCollection, a Feature or a bare geometry, holding (Multi)Polygons or
(Multi)LineStrings of one kind, WGS84 lon/lat (an optional `crs` must name CRS84, EPSG:4326 or
EPSG:4490). Refused: points (a single place is a `point` spec), GeometryCollections, other or
projected datums (GCJ-02 included), strings or non-finite numbers as coordinates, unclosed rings.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .errors import InputFileError, SpecError
from .geocheck import coordinate_problem
from .inputfile import read_text_file

MAX_GEOJSON_BYTES = 16 * 1024 * 1024
MAX_DIGITS = 30
WGS84_CRS_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
                   "EPSG:4326", "urn:ogc:def:crs:EPSG::4490", "EPSG:4490"}
SHAPE_TYPES = {"LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


class _Bad(ValueError):
    pass


def _parse_int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_DIGITS:
        raise _Bad(f"a whole number of {len(s)} digits")
    return int(s)


def _parse_float(s: str) -> float:
    value = float(s)
    if not math.isfinite(value):
        raise _Bad(f"the number {s[:40]} is out of range")
    return value


def _parse_constant(s: str):
    raise _Bad(f"{s} is not a number JSON allows")


def read_geojson_geometry(path: Path, display: str | None = None) -> BaseGeometry:
    """Return the file's geometry merged into one (Multi)Polygon or (Multi)LineString.

    Raises SpecError naming the file (`display`, default its name) and what is wrong."""
    name = display or path.name
    try:
        text = read_text_file(path, name, max_bytes=MAX_GEOJSON_BYTES)
    except InputFileError as exc:
        raise SpecError(str(exc)) from None
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON in {name} line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except _Bad as exc:
        raise SpecError(f"{name}: {exc}") from None
    except RecursionError:
        raise SpecError(f"{name}: JSON nested too deeply") from None
    try:
        geoms = _geometries(data)
        shapes = [_shape(g, i) for i, g in enumerate(geoms, start=1)]
    except _Bad as exc:
        raise SpecError(f"{name}: {exc}") from None
    if not shapes:
        raise SpecError(f"{name}: no features")
    dims = {s.geom_type.replace("Multi", "") for s in shapes}
    if len(dims) > 1:
        raise SpecError(f"{name}: mixes geometry types {sorted(dims)}; one file holds one kind of shape")
    for s in shapes:
        for lon, lat in shapely.get_coordinates(s):
            problem = coordinate_problem(float(lon), float(lat))
            if problem:
                raise SpecError(f"{name}: {problem}")
    if len(shapes) == 1:
        return shapes[0]
    if dims == {"Polygon"}:
        return shapely.union_all(shapes)
    return shapely.multilinestrings([p for s in shapes for p in getattr(s, "geoms", [s])])


def _geometries(data: Any) -> list[Any]:
    """Return the geometry objects of a FeatureCollection, Feature or bare geometry."""
    if not isinstance(data, dict):
        raise _Bad("not a GeoJSON object")
    _check_crs(data.get("crs"))
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise _Bad("'features' must be a list of Feature objects")
        out = []
        for i, f in enumerate(features, start=1):
            if not isinstance(f, dict) or f.get("type") != "Feature":
                raise _Bad(f"feature {i} is not a Feature object")
            _check_crs(f.get("crs"))
            out.append(f.get("geometry"))
        return out
    if kind == "Feature":
        return [data.get("geometry")]
    return [data]


def _check_crs(crs: Any) -> None:
    if crs is None:
        return
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or name.strip() not in WGS84_CRS_NAMES:
        shown = json.dumps(crs, ensure_ascii=False)[:120]
        raise _Bad(f"crs {shown} is not WGS84 lon/lat; digitise in WGS84 (EPSG:4326), not GCJ-02, BD-09 or "
                   f"projected metres")


def _shape(geom: Any, i: int) -> BaseGeometry:
    """Return the shapely geometry of one checked GeoJSON geometry object (feature number `i`)."""
    if not geom:
        raise _Bad(f"feature {i} has no geometry")
    if not isinstance(geom, dict):
        raise _Bad(f"feature {i}: geometry must be a GeoJSON object")
    kind = geom.get("type")
    if not isinstance(kind, str):
        raise _Bad(f"feature {i}: geometry 'type' must be a name like Polygon, got {json.dumps(kind)[:40]}")
    if kind in ("Point", "MultiPoint"):
        raise _Bad(f"feature {i} is a {kind}: a manual file holds areas or lines; use a `point` spec for a place")
    if kind == "GeometryCollection":
        raise _Bad(f"feature {i} is a GeometryCollection: use one Feature per shape, or a Multi* geometry")
    if kind not in SHAPE_TYPES:
        raise _Bad(f"feature {i}: unknown geometry type {str(kind)[:40]!r}")
    _check_coordinates(geom.get("coordinates"), kind, SHAPE_TYPES[kind], i)
    try:
        return shape({"type": kind, "coordinates": geom["coordinates"]})
    except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:
        raise _Bad(f"feature {i} is not valid GeoJSON geometry ({exc})") from None


def _check_coordinates(coords: Any, kind: str, depth: int, i: int) -> None:
    """Check nesting, positions (2 or 3 finite numbers), line lengths and closed rings."""
    where = f"feature {i} ({kind})"
    if depth == 0:
        if (not isinstance(coords, list) or len(coords) not in (2, 3)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in coords)):
            shown = json.dumps(coords, ensure_ascii=False)[:60]
            raise _Bad(f"{where}: a position must be [lon, lat] numbers, got {shown}")
        return
    if not isinstance(coords, list) or not coords:
        raise _Bad(f"{where}: coordinates must be a non-empty list, nested {depth} deep")
    for c in coords:
        _check_coordinates(c, kind, depth - 1, i)
    if depth == 1 and kind.endswith("Polygon"):
        if len(coords) < 4:
            raise _Bad(f"{where}: a ring needs at least 4 positions, got {len(coords)}")
        if coords[0][:2] != coords[-1][:2]:
            raise _Bad(f"{where}: ring is not closed (its first position {coords[0]} is not its last {coords[-1]})")
    if depth == 1 and kind.endswith("LineString") and len(coords) < 2:
        raise _Bad(f"{where}: a line needs at least 2 positions")
