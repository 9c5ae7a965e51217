"""Geometry suggestions for a candidate, from what the project has: a station of the station
tables, an existing record whose name the candidate contains, the administrative units named in
the candidate's own name, sentence or paragraph, or in the lines just above it (its section; all
as an upper bound), the plan's own region, and an
OSM selector when an OSM cache is configured. Each suggestion says why; no clue gives `none`."""
from __future__ import annotations

from dataclasses import dataclass

from ..admin import AdminUnit
from ..model import Plan
from .candidates import Candidate, Occurrence
from .document import NormLine
from .gazetteer import Gazetteer

MAX_UNITS = 3
SECTION_LINES = 3   # non-empty lines above a mention read as its section
STATION_UNCERTAINTY_M = 500
# OSM tags that select each kind (used only when an OSM cache is configured).
OSM_TAGS = {
    "rail_line": {"railway": "rail"}, "metro_line": {"railway": "subway"}, "rail_station": {"railway": "station"},
    "road": {"highway": ["motorway", "trunk", "primary", "secondary", "tertiary"]}, "bridge": {"bridge": "yes"},
    "airport": {"aeroway": "aerodrome"}, "water": {"waterway": ["river", "canal", "dam"]},
    "ecology": {"leisure": "park"}, "tourism": {"tourism": "attraction"},
}


@dataclass
class Suggestion:
    """A geometry spec for the draft (the annotation format's `geometry:` mapping), the reason,
    and the clue used (station|record|name|sentence|paragraph|region|osm|none)."""

    spec: dict
    why: str
    clue: str


def _units_in(gaz: Gazetteer, text: str, start: int = 0, end: int | None = None) -> list[AdminUnit]:
    units = []
    for m in gaz.admin.finditer(text, start, end):
        if m.value.level != "province" and m.value not in units:
            units.append(m.value)
    # A county and its own city named together: the county is the tighter bound.
    counties = {u.city for u in units if u.level == "county"}
    return [u for u in units if not (u.level == "city" and u.name in counties)]


def _admin_spec(units: list[AdminUnit], why: str, clue: str) -> Suggestion | None:
    if not units:
        return None
    if len(units) > MAX_UNITS:
        cities = {u.city or u.name for u in units}
        if len(cities) != 1:
            return None
        city = next(iter(cities))
        return Suggestion({"type": "admin", "units": [city], "upper_bound": True,
                           "source": f"{why}: {len(units)} units of {city}, as an upper bound"}, why, clue)
    labels = [u.label for u in units]
    return Suggestion({"type": "admin", "units": labels, "upper_bound": True,
                       "source": f"{why}, as an upper bound"}, why, clue)


def _stations_in(gaz: Gazetteer, occ: Occurrence) -> list[str]:
    s, e = occ.line.sentence(occ.start, occ.end)
    text = occ.line.text[s:e]
    found = []
    for name in gaz.stations:
        i = text.find(name + "站")
        if i >= 0:
            found.append((i, name))
    return [n for _, n in sorted(found)]


def suggest_geometry(cand: Candidate, gaz: Gazetteer, plan: Plan | None, osm_configured: bool,
                     lines_by_number: dict[int, NormLine] | None = None) -> Suggestion:
    """Return the best geometry suggestion for `cand` (the first clue that applies, in the order
    of the module docstring)."""
    base = _first_clue(cand, gaz, plan, lines_by_number or {})
    if osm_configured and cand.kind in OSM_TAGS:
        fallback = dict(base.spec)
        return Suggestion({"type": "osm", "select": {"tags": OSM_TAGS[cand.kind], "name": cand.name},
                           "fallback": fallback},
                          f"OSM cache configured: {OSM_TAGS[cand.kind]} named {cand.name}; fallback: {base.why}", "osm")
    return base


def _counties_around(cand: Candidate, gaz: Gazetteer, cities: set[str],
                     lines_by_number: dict[int, NormLine]) -> tuple[list[AdminUnit], str] | None:
    """Return (counties of `cities`, where) named in a sentence, paragraph or section of the
    candidate (at most MAX_UNITS), or None."""
    def inside(units):
        counties = [u for u in units if u.level == "county" and u.city in cities]
        return counties if 0 < len(counties) <= MAX_UNITS else None
    for occ in cand.occurrences:
        s, e = occ.line.sentence(occ.start, occ.end)
        found = inside(_units_in(gaz, occ.line.text, s, e))
        if found:
            return found, f"the sentence of line {occ.line.number}"
    for occ in cand.occurrences:
        found = inside(_units_in(gaz, occ.line.text))
        if found:
            return found, f"the paragraph of line {occ.line.number}"
        for above in _lines_above(occ.line.number, lines_by_number):
            found = inside(_units_in(gaz, above.text))
            if found:
                return found, f"line {above.number} above it"
    return None


def _lines_above(number: int, lines_by_number: dict[int, NormLine]) -> list[NormLine]:
    """Return the non-empty lines above `number`, nearest first, up to SECTION_LINES of them."""
    out, n = [], number - 1
    while n >= 1 and len(out) < SECTION_LINES:
        line = lines_by_number.get(n)
        if line is not None and line.text:
            out.append(line)
        n -= 1
    return out


def _first_clue(cand: Candidate, gaz: Gazetteer, plan: Plan | None,
                lines_by_number: dict[int, NormLine]) -> Suggestion:
    stem = cand.name.removesuffix("站").removesuffix("火车").removesuffix("高铁")
    if cand.kind == "rail_station" and stem in gaz.stations:
        st = gaz.stations[stem]
        why = f"station {st.name} of the station table {st.file}:{st.line}"
        return Suggestion({"type": "point", "lon": st.lon, "lat": st.lat, "uncertainty_m": STATION_UNCERTAINTY_M,
                           "source": f"{why} ({st.source})"}, why, "station")
    if cand.kind in ("rail_line", "metro_line"):
        for occ in cand.occurrences:
            names = _stations_in(gaz, occ)
            if len(names) >= 2:
                why = f"the sentence of line {occ.line.number} names the stations {'、'.join(names)}"
                return Suggestion({"type": "stations", "stations": names, "uncertainty_m": 2000,
                                   "source": f"{why} (order as written; check it)"}, why, "station")
    contained = [m for m in gaz.known.finditer(cand.name) if m.end - m.start < len(cand.name)]
    if contained:
        m = max(contained, key=lambda m: m.end - m.start)
        rec = gaz.records[m.value]
        why = f"its name contains {m.name}, the name of record {rec.id}"
        spec = _spec_dict(rec.geometry)
        if spec["type"] in ("admin", "point", "manual", "stations"):
            if spec["type"] == "admin":
                spec["upper_bound"] = True
            if spec["type"] in ("point", "manual", "stations"):
                spec["source"] = f"{why}: geometry of {rec.id}, check the extent"
            else:
                spec["source"] = f"{why}: the units of {rec.id}, as an upper bound"
            return Suggestion(spec, why, "record")
    own = _units_in(gaz, cand.name)
    if own:
        why = f"its name contains {'、'.join(u.name for u in own)}"
        cities = {u.name for u in own if u.level == "city"}
        if cities and all(u.level == "city" for u in own):
            # A city in the name: a county of that city named around it is a tighter bound.
            tighter = _counties_around(cand, gaz, cities, lines_by_number)
            if tighter:
                units, where = tighter
                return _admin_spec(units, f"{why}; {where} names {'、'.join(u.name for u in units)} in it", "name")
        return _admin_spec(own, why, "name")
    for occ in cand.occurrences:
        s, e = occ.line.sentence(occ.start, occ.end)
        sugg = _admin_spec(_units_in(gaz, occ.line.text, s, e),
                           f"the sentence of line {occ.line.number} names "
                           f"{'、'.join(u.name for u in _units_in(gaz, occ.line.text, s, e))}", "sentence")
        if sugg:
            return sugg
    for occ in cand.occurrences:
        units = _units_in(gaz, occ.line.text)
        sugg = _admin_spec(units, f"the paragraph of line {occ.line.number} names "
                                  f"{'、'.join(u.name for u in units)}", "paragraph")
        if sugg:
            return sugg
    for occ in cand.occurrences:
        for above in _lines_above(occ.line.number, lines_by_number):
            units = _units_in(gaz, above.text)
            if units and len(units) <= MAX_UNITS:
                return _admin_spec(units, f"line {above.number}, {occ.line.number - above.number} lines above the "
                                          f"first mention (its section), names {'、'.join(u.name for u in units)}",
                                   "section")
    if plan is not None and plan.level in ("city", "district"):
        unit = gaz.admin.get(plan.region)
        if unit is not None:
            why = f"no place named around it; the plan covers {plan.region} (plans.yaml)"
            return Suggestion({"type": "admin", "units": [unit.label], "upper_bound": True,
                               "source": f"{why}, as an upper bound"}, why, "region")
    reason = "no station, known record or administrative unit named in its name, sentence or paragraph"
    return Suggestion({"type": "none", "reason": reason}, reason, "none")


def _spec_dict(spec) -> dict:
    """Return a record's GeometrySpec as the mapping of the annotation format."""
    fields = {k: (_spec_dict(v) if hasattr(v, "fields") else v) for k, v in spec.fields.items()}
    return {"type": spec.type, **fields}
