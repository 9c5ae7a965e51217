"""Geometry suggestions for a candidate, from what the project has: a station of the station
tables, an existing record whose name the candidate contains, the administrative units (or the
townships that name them, `towns.py`) named in the candidate's own name, right before it, in its
clause, the counties of a known record named in its clause (`neighbours.py`), the units named in
its sentence or paragraph, or in the lines just above it (its section; all as an upper bound; read
from the tightest scope outwards, a scope naming only cities does not end the search for a
county), the plan's own region, and an OSM selector when an OSM cache is configured. Each
suggestion says why; no clue gives `none`.

Two readings of plan language keep a unit named nearby from being taken for the candidate's:
a unit inside a parenthesis qualifies the word the parenthesis follows (G353（安义方向）), and a
county named after a mountain (井冈山市) lends its name to things far beyond it, so that short
form in the candidate's name gives way to a county named around it, and elsewhere is no clue."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..admin import AdminUnit
from ..model import Plan
from .candidates import Candidate, Occurrence
from .document import NormLine
from .gazetteer import Gazetteer
from .neighbours import RecordPlaces
from .towns import SOURCE as TOWNS_SOURCE

Boundaries = Callable[[str], frozenset[int]]
Spans = tuple[tuple[int, int], ...] | list[tuple[int, int]]
PARENTHESIS = re.compile(r"[（(][^（()）]*[）)]")
MAX_UNITS = 3
NATURAL_FEATURES = set("湖江河山溪水")   # after a short unit name: a lake, river or mountain named after it
SECTION_LINES = 3   # non-empty lines above a mention read as its section
# A unit's short form ending so is also a mountain's name (井冈山 for 井冈山市): a brand that names
# things far beyond the county (井冈山大学, 井冈山机场, 井冈山经开区 lie elsewhere).
FEATURE_ENDS = set("山")
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
    and the clue used (station|record|name|clause|sentence|paragraph|section|region|osm|none)."""

    spec: dict
    why: str
    clue: str


def _units_in(gaz: Gazetteer, text: str, start: int = 0, end: int | None = None,
              home: AdminUnit | None = None, bounds: frozenset[int] | None = None,
              feature_names: bool = True, skip: Spans = (),
              ending_at: int | None = None) -> list[tuple[AdminUnit, str]]:
    """Return the cities and counties named in text[start:end], in order, each with the name as
    written, without a city whose county is also named. A township (向塘, 樵舍镇) names its county
    when it stands as a word of its own (it starts and ends at word `bounds` of the segmenter:
    城南|新溪 does not name 南新) and only one county of the plan's region (`home`) has a
    township so named.

    A unit written only by its short form (鄱阳 for 鄱阳县) does not count when the next character
    makes it a lake, river or mountain (鄱阳湖, 昌江航道 stays 昌江), nor, in a plan of one city or
    county (`home`), when it lies outside that city: there a bare short name of a distant place
    is part of another name far more often than the place itself. Without `feature_names`, a
    short form that is also a mountain's name (井冈山) does not count either.

    Names inside the `skip` spans are left out; with `ending_at`, only a name ending there counts."""
    end = len(text) if end is None else end

    def wanted(s: int, e: int) -> bool:   # not in a skipped span; ending at `ending_at` if given
        return not _inside(s, e, skip) and (ending_at is None or e == ending_at)

    units: list[tuple[AdminUnit, str]] = []
    spans = []
    for m in gaz.admin.finditer(text, start, end):
        u = m.value
        spans.append((m.start, m.end))
        if not wanted(m.start, m.end):
            continue
        if u.level == "province" or any(u == v for v, _ in units):
            continue
        if m.name != u.name:
            if m.end < len(text) and text[m.end] in NATURAL_FEATURES:
                continue
            if not feature_names and m.name[-1] in FEATURE_ENDS:
                continue
            if home is not None and home.level != "province" and (u.city or u.name) != (home.city or home.name):
                continue
        units.append((u, m.name))
    for m in gaz.towns.finditer(text, start, end):
        if any(s < m.end and m.start < e for s, e in spans):
            continue
        if bounds is not None and not (m.start in bounds and m.end in bounds):
            continue
        if not wanted(m.start, m.end):
            continue
        region = (home.city or home.name) if home is not None and home.level != "province" else None
        counties = [u for u in m.value if region is None or u.city == region]
        if len(counties) == 1 and not any(counties[0] == v for v, _ in units):
            units.append((counties[0], f"{m.name} (a township of {counties[0].name}, {TOWNS_SOURCE})"))
    # A county and its own city named together: the county is the tighter bound.
    counties = {u.city for u, _ in units if u.level == "county"}
    return [(u, w) for u, w in units if not (u.level == "city" and u.name in counties)]


def _inside(start: int, end: int, spans: Spans) -> bool:
    """Return whether [start, end) lies inside one of `spans`."""
    return any(s <= start and end <= e for s, e in spans)


def _asides(cand: Candidate, line: NormLine | None) -> list[tuple[int, int]]:
    """Return the spans of the parentheses on `line` that qualify another word than the
    candidate (G353（安义方向）: 安义 says where G353 goes, not where its list neighbours lie): every
    parenthesis but one opening right after an occurrence of the candidate."""
    if line is None:
        return []
    ends = {o.end for o in cand.occurrences if o.line.number == line.number}
    return [(m.start(), m.end()) for m in PARENTHESIS.finditer(line.text) if m.start() not in ends]


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
                     lines_by_number: dict[int, NormLine] | None = None,
                     boundaries: Boundaries | None = None, places: RecordPlaces | None = None) -> Suggestion:
    """Return the best geometry suggestion for `cand` (the first clue that applies, in the order
    of the module docstring). `boundaries(text)` gives the word boundaries of a line's text
    (`Segmenter.boundaries`); without it a township name counts wherever it stands."""
    base = _first_clue(cand, gaz, plan, lines_by_number or {}, boundaries, places)
    if osm_configured and cand.kind in OSM_TAGS:
        fallback = dict(base.spec)
        return Suggestion({"type": "osm", "select": {"tags": OSM_TAGS[cand.kind], "name": cand.name},
                           "fallback": fallback},
                          f"OSM cache configured: {OSM_TAGS[cand.kind]} named {cand.name}; fallback: {base.why}", "osm")
    return base


def _scopes(cand: Candidate, lines_by_number: dict[int, NormLine]):
    """Yield (clue, where, text, start, end, line) from the tightest scope outwards: the
    candidate's own name (as it stands in its first line when it is written there in one piece),
    the text right before each mention, the clause and the sentence of each mention, its paragraph
    (line), then the lines above it (its section). The "prefix" scope is the clause up to a
    mention (only a unit named right before it counts); the "neighbour" scope is the clause again,
    read for known records. `line` is the NormLine the text is from, None for a name written in
    pieces."""
    first = cand.occurrences[0]
    if first.end - first.start == len(cand.name):
        yield "name", "its name", first.line.text, first.start, first.end, first.line
    else:
        yield "name", "its name", cand.name, 0, len(cand.name), None
    for occ in cand.occurrences:
        s, _ = occ.line.clause(occ.start, occ.end)
        yield "prefix", f"the text right before it on line {occ.line.number}", occ.line.text, s, occ.start, occ.line
    for occ in cand.occurrences:
        s, e = occ.line.clause(occ.start, occ.end)
        yield "clause", f"the clause of line {occ.line.number}", occ.line.text, s, e, occ.line
    for occ in cand.occurrences:
        s, e = occ.line.clause(occ.start, occ.end)
        yield "neighbour", f"the clause of line {occ.line.number}", occ.line.text, s, e, occ.line
    for occ in cand.occurrences:
        s, e = occ.line.sentence(occ.start, occ.end)
        yield "sentence", f"the sentence of line {occ.line.number}", occ.line.text, s, e, occ.line
    for occ in cand.occurrences:
        yield ("paragraph", f"the paragraph of line {occ.line.number}", occ.line.text, 0, len(occ.line.text),
               occ.line)
    for occ in cand.occurrences:
        for above in _lines_above(occ.line.number, lines_by_number):
            where = f"line {above.number}, {occ.line.number - above.number} lines above line {occ.line.number}"
            yield "section", f"{where} (its section)", above.text, 0, len(above.text), above


def _admin_clue(cand: Candidate, gaz: Gazetteer, home: AdminUnit | None,
                lines_by_number: dict[int, NormLine], boundaries: Boundaries | None,
                places: RecordPlaces | None = None) -> Suggestion | None:
    """Return the administrative upper bound read around the candidate, or None.

    Scopes are read from the tightest outwards (`_scopes`); the first that names one to
    MAX_UNITS counties gives them (counties of a city named in the candidate's own name only). A
    scope naming only cities (or more counties than that) does not stop the search: its cities
    are kept as the bound should no later scope name a county. Counties named in the candidate's
    name only by a mountain's name (井冈山经开区) are kept as the answer should no later scope name
    a county. The "neighbour" scope gives the counties of the known record named nearest the
    candidate in its clause (`places`)."""
    bound: set[str] | None = None
    fallback: Suggestion | None = None
    brand: Suggestion | None = None
    for clue, where, text, s, e, line in _scopes(cand, lines_by_number):
        if clue == "neighbour":
            found = _neighbour(cand, gaz, places, text, s, e, line, bound) if places is not None else None
            if found is not None:
                counties, why = found
                why = f"{where} {why}"
                if bound is not None:
                    why = f"its name contains {'、'.join(sorted(bound))}; {why} in it"
                return _admin_spec(counties, why + _brand_note(brand, cand, gaz, home), clue)
            continue
        bounds = boundaries(text) if boundaries is not None and line is not None else None
        skip = _asides(cand, line) if clue != "name" else ()
        named = _units_in(gaz, text, s, e, home, bounds, feature_names=clue == "name", skip=skip,
                          ending_at=e if clue == "prefix" else None)
        if not named:
            continue
        units = [u for u, _ in named]
        counties = [u for u in units if u.level == "county" and (bound is None or u.city in bound)]
        names = "、".join(w for _, w in named)
        if 0 < len(counties) <= MAX_UNITS:
            why = f"{where} names {'、'.join(w for u, w in named if u in counties)}"
            if bound is not None:
                why = f"its name contains {'、'.join(sorted(bound))}; {why} in it"
            if clue == "name" and all(_feature_named(u, w) for u, w in named if u in counties):
                brand = _admin_spec(counties, why, clue)
                continue
            return _admin_spec(counties, why + _brand_note(brand, cand, gaz, home), clue)
        if fallback is None:
            fallback = _admin_spec(units, f"{where} names {names}", clue)
        if clue == "name":
            bound = {u.city or u.name for u in units}
    return brand or fallback


def _neighbour(cand: Candidate, gaz: Gazetteer, places: RecordPlaces, text: str, start: int, end: int,
               line: NormLine, bound: set[str] | None) -> tuple[list[AdminUnit], str] | None:
    """Return the counties of the known record named nearest the candidate in text[start:end]
    (not inside the candidate's own name) when they are one to MAX_UNITS (of the cities in `bound`,
    if any), with the words saying so; else None."""
    mine = [(o.start, o.end) for o in cand.occurrences if o.line.number == line.number]
    own = next(((s, e) for s, e in mine if start <= s < end), (start, start))
    best = None
    for m in gaz.known.finditer(text, start, end):
        if any(m.start < e and s < m.end for s, e in mine):
            continue
        distance = own[0] - m.end if m.end <= own[0] else m.start - own[1]
        if best is None or distance < best[0]:
            best = (distance, m)
    if best is None:
        return None
    m = best[1]
    counties = [u for u in places.counties(m.value) if bound is None or u.city in bound]
    if not 0 < len(counties) <= MAX_UNITS:
        return None
    names = "、".join(u.name for u in counties)
    return counties, f"names {m.name}, a known place (record {m.value}) that lies in {names}"


def _feature_named(unit: AdminUnit, written: str) -> bool:
    """Return whether a unit is written only by a short form that is also a mountain's name
    (井冈山 for 井冈山市)."""
    return written != unit.name and written[-1] in FEATURE_ENDS


def _brand_note(brand: Suggestion | None, cand: Candidate, gaz: Gazetteer, home: AdminUnit | None) -> str:
    """Return the words saying why the mountain's name in the candidate's name was passed over
    ('' when there is none)."""
    if brand is None:
        return ""
    names = [w for u, w in _units_in(gaz, cand.name, 0, len(cand.name), home) if _feature_named(u, w)]
    return f" (its name's {'、'.join(names)} is also the name of a mountain, which names things far beyond the county)"


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
                lines_by_number: dict[int, NormLine], boundaries: Boundaries | None,
                places: RecordPlaces | None) -> Suggestion:
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
    home = gaz.admin.get(plan.region) if plan is not None else None
    sugg = _admin_clue(cand, gaz, home, lines_by_number, boundaries, places)
    if sugg is not None and not (home is not None and home.level == "county"
                                 and sugg.spec.get("units") == [home.city]):
        return sugg   # (the plan's own county is tighter than its city named around the candidate)
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
