"""Where the known records lie, for `mapapp suggest`'s geometry suggestions: a candidate named in
the same clause as a known record (a place of another plan, 昌北机场) likely lies in the same
county. `RecordPlaces.counties(record_id)` resolves the record's own geometry spec once and
returns the counties it lies in."""
from __future__ import annotations

from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from ..admin import AdminUnit
from ..errors import SpecError
from ..geometry_types import ResolveContext, resolve_spec
from ..model import Record

# A record drawn from the water package (a river's course, a lake) runs through or borders several
# counties: what is named beside it may lie in any of them (and the course is slow to read).
SKIPPED_TYPES = ("water",)
MIN_SHARE = 0.05   # a county holding less of a line or polygon than this does not count as one it lies in


class RecordPlaces:
    """The counties of known records, resolved on first use and cached."""

    def __init__(self, records: dict[str, Record], ctx: ResolveContext):
        self._records = records
        self._ctx = ctx
        self._counties = ctx.admin.units("county")
        self._tree = STRtree([u.geometry for u in self._counties])
        self._cache: dict[str, list[AdminUnit]] = {}

    def counties(self, record_id: str) -> list[AdminUnit]:
        """Return the counties the record's geometry lies in ([] when it cannot be resolved or has
        no geometry)."""
        if record_id not in self._cache:
            self._cache[record_id] = self._resolve(self._records[record_id])
        return self._cache[record_id]

    def _resolve(self, rec: Record) -> list[AdminUnit]:
        if rec.geometry.type in SKIPPED_TYPES:
            return []
        if rec.geometry.type == "admin":   # its units say it without any geometry work
            try:
                units = [self._ctx.admin.lookup(n) for n in rec.geometry.fields.get("units", [])]
            except KeyError:
                return []
            return [c for c in self._counties
                    if any(c == u or (u.level == "city" and c.city == u.name) for u in units)]
        try:
            geom = resolve_spec(rec.geometry, self._ctx).geometry
        except (SpecError, KeyError, ValueError, OSError):
            return []
        return counties_of(geom, self._counties, self._tree) if geom is not None and not geom.is_empty else []


def counties_of(geom: BaseGeometry, counties: list[AdminUnit], tree: STRtree) -> list[AdminUnit]:
    """Return the counties holding a point of `geom`, or at least MIN_SHARE of its length or area."""
    found = [counties[i] for i in tree.query(geom, predicate="intersects")]
    if geom.geom_type in ("Point", "MultiPoint"):
        p = geom.representative_point()
        return [u for u in found if u.geometry.covers(p)]
    size = geom.area if geom.area > 0 else geom.length
    if not size:
        return found
    measure = (lambda g: g.area) if geom.area > 0 else (lambda g: g.length)
    return [u for u in found if measure(u.geometry.intersection(geom)) / size >= MIN_SHARE]

