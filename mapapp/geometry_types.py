"""The geometry spec types, in one registry: each type declares its fields and their types, how it is
checked and how it is resolved into a WGS84 geometry with its provenance.

The loader (`mapapp.annotations`) checks a record's `geometry:` mapping with `parse_spec`; the
resolver (`mapapp.resolve`) calls the type's `resolve`. Adding a type means adding one
`GeometryType` to `REGISTRY`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from .admin import AdminBoundaries
from .errors import SpecError
from .fieldtypes import Field, FieldError, boolean, check_mapping, number, relative_path, text, text_list
from .geocheck import coordinate_problem
from .geojson_input import read_geojson_geometry
from .model import GeometrySpec
from .provenance import Provenance, describe
from .stations import Station
from .water import lake_at, river_course, water_package

MAX_UNCERTAINTY_M = 500_000.0      # wider than Jiangxi: beyond that a record is unlocated, not approximate
OSM_ID = re.compile(r"^[nwr][0-9]{1,15}$")


@dataclass(frozen=True)
class OsmMiss:
    """Why an OSM selector matched nothing usable: `reason` is one of provenance.OSM_FALLBACKS,
    `message` says it in English for the command line."""

    reason: str
    message: str


@dataclass(frozen=True)
class OsmMatch:
    """What an OSM lookup found for a selector: the geometry, its OSM ids and the data's timestamp."""

    geometry: BaseGeometry
    osm_ids: list[str]
    timestamp: str


OsmLookup = Callable[[dict], "OsmMatch | OsmMiss | None"]


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


@dataclass
class ResolveContext:
    """What resolution needs: boundaries, stations, the geodata folder and an optional OSM lookup.

    `osm_lookup(select)` returns an OsmMatch, an OsmMiss saying why nothing matched, or None when no
    OSM source is configured."""

    admin: AdminBoundaries
    stations: dict[tuple[str, str], Station]
    geodata_dir: Path
    osm_lookup: OsmLookup | None = None


@dataclass(frozen=True)
class GeometryType:
    """One geometry spec type: its fields (with their checkers) and its resolver.

    `resolve(fields, ctx)` gets the checked field values and returns a ResolvedGeometry, or raises
    SpecError saying why the spec cannot be resolved."""

    name: str
    fields: dict[str, Field]
    resolve: Callable[[dict, ResolveContext], ResolvedGeometry]
    nested: bool = True          # may serve as an `osm` fallback
    check: Callable[[dict], str | None] | None = None   # a rule across fields: the problem, or None


def _uncertainty(f: dict) -> float | None:
    return f.get("uncertainty_m")


def _resolve_none(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    return ResolvedGeometry(None, None, None, Provenance("none", source_note=f["reason"]))


def _resolve_admin(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    try:
        geom, units = ctx.admin.union(f["units"])
    except KeyError as exc:
        raise SpecError(str(exc.args[0])) from None
    upper = f.get("upper_bound", False)
    prov = Provenance("admin", upper_bound=upper, units=[u.label for u in units],
                      data_source=ctx.admin.metadata["dataset"], data_version=ctx.admin.metadata["version"],
                      source_note=f.get("source", ""))
    precision = "approximate" if upper else "exact" if len(units) == 1 else "derived"
    return ResolvedGeometry(geom, precision, _uncertainty(f), prov)


def _resolve_manual(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    rel = f["file"]
    path = ctx.geodata_dir / rel
    if not path.resolve().is_relative_to(ctx.geodata_dir.resolve()):
        raise SpecError(f"manual file '{rel}' must be inside geodata/")
    geom = read_geojson_geometry(path, f"geodata/{rel}")
    return ResolvedGeometry(geom, "approximate", _uncertainty(f),
                            Provenance("manual", upper_bound=f.get("upper_bound", False), data_source=f"geodata/{rel}",
                                       source_note=f.get("source", "")))


def lonlat(value: Any) -> tuple[float, float]:
    """Check one point [lon, lat] inside the region; return it as a tuple of floats."""
    if not isinstance(value, list) or len(value) != 2:
        raise FieldError(f"must be one point [lon, lat], got {value!r:.60}")
    lon, lat = (number(-1e9, 1e9, "degrees")(v) for v in value)
    problem = coordinate_problem(lon, lat)
    if problem:
        raise FieldError(problem)
    return lon, lat


def _waypoints(value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list) or len(value) < 2:
        raise FieldError(f"must list two or more waypoints [lon, lat], got {value!r:.60}")
    return [lonlat(p) for p in value]


def _one_water_shape(f: dict) -> str | None:
    if ("river" in f) == ("lake_at" in f):
        return "a water geometry needs exactly one of 'river' (waypoints [[lon, lat], …]) or 'lake_at' ([lon, lat])"
    return None


def _resolve_water(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    try:
        geom = river_course(f["river"]) if "river" in f else lake_at(*f["lake_at"])
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    source = "WDBII rivers (GSHHG)" if "river" in f else "GSHHS lakes (GSHHG)"
    return ResolvedGeometry(geom, "approximate", _uncertainty(f),
                            Provenance("water", data_source=source, data_version=water_package()["package"],
                                       source_note=f.get("source", "")))


def _resolve_stations(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    network = f.get("network", "rail")
    names = f["stations"]
    missing = [n for n in names if (network, n) not in ctx.stations]
    if missing:
        raise SpecError(f"unknown station{'s' if len(missing) > 1 else ''} in network '{network}': "
                        f"{', '.join(missing)} (add them to a geodata/stations/*.csv table)")
    used = [ctx.stations[(network, n)] for n in names]
    osm = any("OpenStreetMap" in s.source for s in used)
    source = f"geodata/stations ({network})" + (", positions from OpenStreetMap" if osm else "")
    return ResolvedGeometry(LineString([(s.lon, s.lat) for s in used]), "derived", _uncertainty(f),
                            Provenance("stations", stations=names, data_source=source,
                                       source_note=f.get("source", ""), osm_data=osm))


def _resolve_point(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    problem = coordinate_problem(f["lon"], f["lat"])
    if problem:
        raise SpecError(problem)
    return ResolvedGeometry(Point(f["lon"], f["lat"]), "point", _uncertainty(f),
                            Provenance("point", source_note=f.get("source", "")))


def _resolve_osm(f: dict, ctx: ResolveContext) -> ResolvedGeometry:
    fallback_spec: GeometrySpec = f["fallback"]
    fallback = REGISTRY[fallback_spec.type].resolve(fallback_spec.fields, ctx)
    result = ctx.osm_lookup(f["select"]) if ctx.osm_lookup else None
    if isinstance(result, OsmMatch):
        return ResolvedGeometry(result.geometry, "exact", _uncertainty(f),
                                Provenance("osm", osm_ids=list(result.osm_ids), data_source="OpenStreetMap",
                                           data_version=result.timestamp, osm_data=True))
    fallback.osm_miss = result if isinstance(result, OsmMiss) else OsmMiss("no_cache", "no OSM cache configured")
    fallback.provenance.osm_fallback = fallback.osm_miss.reason
    return fallback


def osm_select(value: Any) -> dict:
    """Check an `osm` selector: {ids: [n123, w456]} or {tags: {key: value | [values] | '*'}, name: text}."""
    if not isinstance(value, dict):
        raise FieldError("must be a mapping with 'ids' (e.g. [w123, n456]) or 'tags' (with an optional 'name')")
    unknown = sorted(str(k) for k in value if k not in ("ids", "tags", "name"))
    if unknown:
        raise FieldError(f"has unknown keys: {', '.join(unknown)} (allowed: ids, name, tags)")
    out: dict[str, Any] = {}
    if value.get("ids") is not None:
        ids = value["ids"]
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and OSM_ID.match(i) for i in ids):
            raise FieldError(f"'ids' must be a list of OSM ids like n123, w456, r789, got {ids!r:.60}")
        out["ids"] = list(ids)
    if value.get("tags") is not None:
        tags = value["tags"]
        if not isinstance(tags, dict) or not tags:
            raise FieldError(f"'tags' must be a mapping of OSM keys to a value, a list of values or '*', "
                             f"got {tags!r:.60}")
        out["tags"] = {}
        for k, v in tags.items():
            key = text(max_chars=100)(k)
            out["tags"][key] = text_list(text(max_chars=200), min_items=1, single_ok=False)(v) \
                if isinstance(v, list) else text(max_chars=200)(v)
    if value.get("name") is not None:
        out["name"] = text(max_chars=200)(value["name"])
    if not (out.get("ids") or out.get("tags")):
        raise FieldError("needs 'ids' (e.g. [w123, n456]) or 'tags' (with an optional 'name')")
    if out.get("ids") and (out.get("tags") or out.get("name")):
        raise FieldError("gives 'ids' together with 'tags'/'name': choose one way to select")
    return out


def _fallback(value: Any) -> GeometrySpec:
    """Check an `osm` fallback: a geometry spec of any type that may be nested."""
    spec, problems = parse_spec(value, nested=True)
    if problems:
        raise FieldError("; ".join(problems))
    return spec


_UNCERTAINTY = Field(number(0, MAX_UNCERTAINTY_M, "metres"))
_SOURCE = Field(text(max_chars=2000, allow="\n\t"))

REGISTRY: dict[str, GeometryType] = {t.name: t for t in (
    GeometryType("water", {"river": Field(_waypoints), "lake_at": Field(lonlat),
                           "uncertainty_m": Field(_UNCERTAINTY.check, required=True),
                           "source": Field(_SOURCE.check, required=True)},
                 _resolve_water, check=_one_water_shape),
    GeometryType("admin", {"units": Field(text_list(min_items=1, single_ok=False), required=True),
                           "upper_bound": Field(boolean), "uncertainty_m": _UNCERTAINTY, "source": _SOURCE},
                 _resolve_admin),
    GeometryType("manual", {"file": Field(relative_path, required=True), "upper_bound": Field(boolean),
                            "uncertainty_m": Field(_UNCERTAINTY.check, required=True),
                            "source": Field(_SOURCE.check, required=True)},
                 _resolve_manual),
    GeometryType("stations", {"stations": Field(text_list(min_items=2, single_ok=False), required=True),
                              "network": Field(text(max_chars=100)),
                              "uncertainty_m": Field(_UNCERTAINTY.check, required=True), "source": _SOURCE},
                 _resolve_stations),
    GeometryType("point", {"lon": Field(number(-1e9, 1e9, "degrees"), required=True),
                           "lat": Field(number(-1e9, 1e9, "degrees"), required=True),
                           "uncertainty_m": Field(_UNCERTAINTY.check, required=True),
                           "source": Field(_SOURCE.check, required=True)},
                 _resolve_point),
    GeometryType("osm", {"select": Field(osm_select, required=True), "fallback": Field(_fallback, required=True),
                         "uncertainty_m": _UNCERTAINTY, "source": _SOURCE},
                 _resolve_osm, nested=False),
    GeometryType("none", {"reason": Field(text(max_chars=2000, allow="\n\t"), required=True)}, _resolve_none),
)}


def parse_spec(value: Any, file: str = "", line: int = 0,
               nested: bool = False) -> tuple[GeometrySpec | None, list[str]]:
    """Return (the checked GeometrySpec, or None, and the problems found) for a `geometry:` mapping.

    `nested` is True for an `osm` fallback, which may not itself be an `osm` spec."""
    names = ", ".join(REGISTRY)
    if not isinstance(value, dict):
        return None, [f"'geometry' must be a mapping with a 'type' ({names})"]
    gtype = value.get("type")
    kind = REGISTRY.get(gtype) if isinstance(gtype, str) else None
    if kind is None:
        return None, [f"unknown geometry type {str(gtype)[:40]!r} (known: {names})"]
    if nested and not kind.nested:
        return None, [f"an {kind.name} fallback cannot itself be an {kind.name} spec"]
    rest = {k: v for k, v in value.items() if k != "type"}
    fields, problems = check_mapping(rest, kind.fields, f"geometry type '{kind.name}'")
    if not problems and kind.check is not None:
        problems = [p for p in [kind.check(fields)] if p]
    if problems:
        return None, problems
    return GeometrySpec(kind.name, fields, file, getattr(value, "line", 0) or line), []


def resolve_spec(spec: GeometrySpec, ctx: ResolveContext) -> ResolvedGeometry:
    """Return the resolved geometry of a checked spec. Raises SpecError when it cannot be resolved."""
    return REGISTRY[spec.type].resolve(spec.fields, ctx)
