"""Resolving a record's geometry spec (see `mapapp.geometry_types`) into a WGS84 geometry, and
checking it against the record: valid, in the region, near its stated area, inside `within`."""
from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from .errors import Problem, SpecError
from .geocheck import geometry_problems
from .geometry_types import OsmLookup, OsmMatch, OsmMiss, ResolveContext, ResolvedGeometry, resolve_spec  # noqa: F401  (re-exported: the resolution types live with the registry)
from .measure import geometry_area_km2
from .model import Record

STATED_AREA_TOLERANCE = 0.25
WITHIN_MIN_SHARE = 0.90


def resolve_record(rec: Record, ctx: ResolveContext) -> tuple[ResolvedGeometry | None, list[Problem]]:
    """Return the record's resolved geometry (None if it failed) and the problems found with it:
    unresolvable spec, invalid/empty/out-of-region geometry, stated area or `within` mismatch."""
    spec = rec.geometry
    where = (spec.source_file, spec.source_line, rec.id)
    try:
        resolved = resolve_spec(spec, ctx)
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
