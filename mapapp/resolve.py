"""Resolving a record's geometry spec into a WGS84 geometry with its source and precision."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from .admin import AdminBoundaries
from .errors import Problem
from .geocheck import coordinate_problem, geometry_problems
from .measure import geometry_area_km2
from .model import GeometrySpec, Record
from .provenance import Provenance, describe
from .stations import Station
from .water import lake_at, river_course, water_package

STATED_AREA_TOLERANCE = 0.25
WITHIN_MIN_SHARE = 0.90


@dataclass(frozen=True)
class OsmMiss:
    """Why an OSM selector matched nothing usable: `reason` is one of provenance.OSM_FALLBACKS,
    `message` says it in English for the command line."""

    reason: str
    message: str


@dataclass
class ResolvedGeometry:
    """A record's geometry (None when unlocated), how precise it is, and where it came from."""

    geometry: BaseGeometry | None
    precision: str | None
    uncertainty_m: float | None
    provenance: Provenance
    osm_miss: OsmMiss | None = None      # why an `osm` spec kept its fallback, for the build report

    @property
    def method(self) -> str:
        """The spec type that produced the geometry."""
        return self.provenance.method

    @property
    def geometry_source(self) -> str:
        """The provenance as one English sentence (the exported `geometry_source`)."""
        return describe(self.provenance.columns(), "en")


@dataclass(frozen=True)
class OsmMatch:
    """What an OSM lookup found for a selector: the geometry, its OSM ids and the data's timestamp."""

    geometry: BaseGeometry
    osm_ids: list[str]
    timestamp: str


OsmLookup = Callable[[dict], "OsmMatch | OsmMiss | None"]


class SpecError(Exception):
    """A geometry spec cannot be resolved; the message says why."""


@dataclass
class ResolveContext:
    """What resolution needs: boundaries, stations, the geodata folder and an optional OSM lookup.

    `osm_lookup(select)` returns an OsmMatch, an OsmMiss saying why nothing matched, or None when no
    OSM source is configured."""

    admin: AdminBoundaries
    stations: dict[tuple[str, str], Station]
    geodata_dir: Path
    osm_lookup: OsmLookup | None = None


def read_geojson_geometry(path: Path) -> BaseGeometry:
    """Return the geometry of a GeoJSON file (FeatureCollection, Feature or bare geometry), merged
    into one (Multi)Polygon, (Multi)LineString or (Multi)Point. Raises SpecError when unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON in {path.name} line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path.name}: not a GeoJSON object")
    crs = data.get("crs")
    if crs is not None:
        name = json.dumps(crs)
        if not any(k in name for k in ("CRS84", "4326", "4490")):
            raise SpecError(f"{path.name}: crs {name} is not WGS84 lon/lat; digitise in WGS84 (EPSG:4326)")
    kind = data.get("type")
    if kind == "FeatureCollection":
        geoms = [f.get("geometry") for f in data.get("features") or [] if isinstance(f, dict)]
    elif kind == "Feature":
        geoms = [data.get("geometry")]
    else:
        geoms = [data]
    shapes = []
    for i, g in enumerate(geoms):
        if not g:
            raise SpecError(f"{path.name}: feature {i + 1} has no geometry")
        try:
            shapes.append(shape(g))
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise SpecError(f"{path.name}: feature {i + 1} is not valid GeoJSON geometry ({exc})") from None
    if not shapes:
        raise SpecError(f"{path.name}: no features")
    dims = {s.geom_type.replace("Multi", "") for s in shapes}
    if len(dims) > 1:
        raise SpecError(f"{path.name}: mixes geometry types {sorted(dims)}; one file holds one kind of shape")
    for s in shapes:
        for lon, lat in shapely.get_coordinates(s):
            problem = coordinate_problem(float(lon), float(lat))
            if problem:
                raise SpecError(f"{path.name}: {problem}")
    if len(shapes) == 1:
        return shapes[0]
    if dims == {"Polygon"}:
        return shapely.union_all(shapes)
    parts = [p for s in shapes for p in getattr(s, "geoms", [s])]
    return shapely.multilinestrings(parts) if dims == {"LineString"} else shapely.multipoints(parts)


def _resolve_spec(spec: GeometrySpec, ctx: ResolveContext) -> ResolvedGeometry:
    f = spec.fields
    unc = float(f["uncertainty_m"]) if f.get("uncertainty_m") is not None else None
    note = str(f.get("source") or "")
    if spec.type == "none":
        return ResolvedGeometry(None, None, None, Provenance("none", source_note=str(f["reason"])))
    if spec.type == "admin":
        try:
            geom, units = ctx.admin.union(f["units"])
        except KeyError as exc:
            raise SpecError(exc.args[0]) from None
        upper = bool(f.get("upper_bound"))
        prov = Provenance("admin", upper_bound=upper, units=[u.label for u in units],
                          data_source=ctx.admin.metadata["dataset"], data_version=ctx.admin.metadata["version"],
                          source_note=note)
        precision = "approximate" if upper else "exact" if len(units) == 1 else "derived"
        return ResolvedGeometry(geom, precision, unc, prov)
    if spec.type == "manual":
        rel = str(f["file"])
        path = ctx.geodata_dir / rel
        if not path.resolve().is_relative_to(ctx.geodata_dir.resolve()):
            raise SpecError(f"manual file '{rel}' must be inside geodata/")
        geom = read_geojson_geometry(path)
        return ResolvedGeometry(geom, "approximate", unc,
                                Provenance("manual", upper_bound=bool(f.get("upper_bound")),
                                           data_source=f"geodata/{rel}", source_note=note))
    if spec.type == "stations":
        network = str(f.get("network") or "rail")
        names = [str(n) for n in f["stations"]]
        missing = [n for n in names if (network, n) not in ctx.stations]
        if missing:
            raise SpecError(f"unknown station{'s' if len(missing) > 1 else ''} in network '{network}': "
                            f"{', '.join(missing)} (add them to a geodata/stations/*.csv table)")
        used = [ctx.stations[(network, n)] for n in names]
        osm = any("OpenStreetMap" in s.source for s in used)
        source = f"geodata/stations ({network})" + (", positions from OpenStreetMap" if osm else "")
        return ResolvedGeometry(LineString([(s.lon, s.lat) for s in used]), "derived", unc,
                                Provenance("stations", stations=names, data_source=source, source_note=note,
                                           osm_data=osm))
    if spec.type == "point":
        lon, lat = f["lon"], f["lat"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat)):
            raise SpecError(f"point lon/lat must be numbers, got {lon!r}, {lat!r}")
        problem = coordinate_problem(float(lon), float(lat))
        if problem:
            raise SpecError(problem)
        return ResolvedGeometry(Point(float(lon), float(lat)), "point", unc, Provenance("point", source_note=note))
    if spec.type == "water":
        try:
            if "river" in f:
                geom = river_course([(float(x), float(y)) for x, y in f["river"]])
            else:
                geom = lake_at(float(f["lake_at"][0]), float(f["lake_at"][1]))
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        pkg = water_package()["package"]
        return ResolvedGeometry(geom, "approximate", unc,
                                Provenance("water", data_source="WDBII rivers (GSHHG)" if "river" in f else
                                           "GSHHS lakes (GSHHG)", data_version=pkg, source_note=note))
    if spec.type == "osm":
        fallback = _resolve_spec(f["fallback"], ctx)
        result = ctx.osm_lookup(f["select"]) if ctx.osm_lookup else None
        if isinstance(result, OsmMatch):
            return ResolvedGeometry(result.geometry, "exact", unc,
                                    Provenance("osm", osm_ids=list(result.osm_ids), data_source="OpenStreetMap",
                                               data_version=result.timestamp, osm_data=True))
        fallback.osm_miss = result if isinstance(result, OsmMiss) else OsmMiss("no_cache", "no OSM cache configured")
        fallback.provenance.osm_fallback = fallback.osm_miss.reason
        return fallback
    raise SpecError(f"unknown geometry type {spec.type}")  # unreachable: the loader checks types


def resolve_record(rec: Record, ctx: ResolveContext) -> tuple[ResolvedGeometry | None, list[Problem]]:
    """Return the record's resolved geometry (None if it failed) and the problems found with it:
    unresolvable spec, invalid/empty/out-of-region geometry, stated area or `within` mismatch."""
    spec = rec.geometry
    where = (spec.source_file, spec.source_line, rec.id)
    try:
        resolved = _resolve_spec(spec, ctx)
    except SpecError as exc:
        return None, [Problem(*where, f"geometry ({spec.type}): {exc}")]
    geom = resolved.geometry
    if geom is None:
        return resolved, []
    problems = [Problem(*where, f"geometry ({spec.type}): {p}") for p in
                geometry_problems(geom, ctx.admin.province, "Jiangxi")]
    if problems:
        return None, problems
    if (resolved.method == "manual" and not resolved.provenance.upper_bound and rec.stated_area_km2
            and geom.geom_type.endswith("Polygon")):
        area = geometry_area_km2(geom)
        off = abs(area - rec.stated_area_km2) / rec.stated_area_km2
        if off > STATED_AREA_TOLERANCE:
            problems.append(Problem(*where, f"manual polygon area {area:.1f} km² is {off:.0%} off the stated "
                                            f"{rec.stated_area_km2:g} km² (at most {STATED_AREA_TOLERANCE:.0%})"))
    if rec.within:
        try:
            region, _ = ctx.admin.union(rec.within)
        except KeyError as exc:
            problems.append(Problem(rec.source_file, rec.source_line, rec.id, f"within: {exc.args[0]}"))
        else:
            share = _share_inside(geom, region)
            if share < WITHIN_MIN_SHARE:
                problems.append(Problem(*where, f"only {share:.0%} of the geometry lies within "
                                                f"{', '.join(rec.within)} (at least {WITHIN_MIN_SHARE:.0%} required)"))
    return (None if problems else resolved), problems


def _share_inside(geom: BaseGeometry, region: BaseGeometry) -> float:
    """Return the share of `geom` (by area, length or point count) that lies inside `region`."""
    if geom.geom_type.endswith("Polygon"):
        return geom.intersection(region).area / geom.area if geom.area else 0.0
    if geom.geom_type.endswith("LineString"):
        return geom.intersection(region).length / geom.length if geom.length else 0.0
    points = getattr(geom, "geoms", [geom])
    return sum(region.covers(p) for p in points) / len(points)
