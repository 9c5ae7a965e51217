"""Reading corpus_annotations/: the plan registry, the vocabularies and the records.

`load_annotations` returns the parsed annotations together with every structural problem it
found (unknown keys, unknown plan/kind/sector/status, duplicate ids and names, bad mentions, bad
geometry specs). Geometry is resolved elsewhere (`mapapp.resolve`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import Problem
from .geocheck import coordinate_problem
from .model import GEOMETRY_TYPES, Annotations, GeometrySpec, Mention, Plan, Record, Term, Vocabulary
from .yamlio import LineDict, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUOTE_CHARS = 60
PLAN_LEVELS = ("province", "city", "district")

RECORD_KEYS = {"id", "name", "aliases", "kind", "sectors", "status", "stated_area_km2",
               "stated_length_km", "within", "note", "geometry", "mentions"}
EXTENSION_KEYS = {"add_mentions_to", "aliases", "mentions", "note"}
MENTION_KEYS = {"plan", "line", "quote"}
MENTION_OPTIONAL_KEYS = {"status"}
GEOMETRY_KEYS = {
    "admin": {"units", "upper_bound", "uncertainty_m", "source"},
    "manual": {"file", "upper_bound", "uncertainty_m", "source"},
    "stations": {"stations", "network", "uncertainty_m", "source"},
    "point": {"lon", "lat", "uncertainty_m", "source"},
    "water": {"river", "lake_at", "uncertainty_m", "source"},
    "osm": {"select", "fallback", "uncertainty_m", "source"},
    "none": {"reason"},
}
GEOMETRY_REQUIRED = {
    "admin": {"units"},
    "manual": {"file", "uncertainty_m", "source"},
    "stations": {"stations", "uncertainty_m"},
    "point": {"lon", "lat", "uncertainty_m", "source"},
    "water": {"uncertainty_m", "source"},
    "osm": {"select", "fallback"},
    "none": {"reason"},
}


class _Reader:
    """Collects problems while reading one file."""

    def __init__(self, display: str):
        self.display = display
        self.problems: list[Problem] = []

    def problem(self, line: int, record: str, message: str) -> None:
        self.problems.append(Problem(self.display, line, record, message))


def _line(obj: Any, default: int = 0) -> int:
    return getattr(obj, "line", default) or default


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_vocabulary(path: Path, display: str) -> tuple[Vocabulary | None, list[Problem]]:
    """Return the vocabularies of `vocabulary.yaml` and the problems found in it."""
    data, problems = load_yaml(path, display)
    if problems:
        return None, problems
    r = _Reader(display)
    groups: dict[str, dict[str, Term]] = {}
    if not isinstance(data, dict):
        r.problem(0, "", "expected a mapping with kinds, sectors, statuses, precisions")
        return None, r.problems
    for group in ("kinds", "sectors", "statuses", "precisions"):
        entries = data.get(group)
        if not isinstance(entries, dict) or not entries:
            r.problem(_line(data), "", f"missing or empty vocabulary '{group}'")
            groups[group] = {}
            continue
        terms = {}
        for key, value in entries.items():
            line = _line(value, _line(entries))
            if not isinstance(value, dict) or not value.get("zh") or not value.get("en"):
                r.problem(line, "", f"{group}.{key}: needs both a 'zh' and an 'en' label")
                continue
            terms[str(key)] = Term(str(key), str(value["zh"]), str(value["en"]), str(value.get("note", "")))
        groups[group] = terms
    if r.problems:
        return None, r.problems
    return Vocabulary(**groups), []


def load_plans(path: Path, display: str) -> tuple[dict[str, Plan], list[Problem]]:
    """Return the plans of `plans.yaml` by id and the problems found in it."""
    data, problems = load_yaml(path, display)
    if problems:
        return {}, problems
    r = _Reader(display)
    entries = data.get("plans") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        r.problem(0, "", "expected a mapping with a non-empty list 'plans'")
        return {}, r.problems
    plans: dict[str, Plan] = {}
    docs: dict[str, str] = {}
    for entry in entries:
        line = _line(entry)
        if not isinstance(entry, dict):
            r.problem(line, "", "each plan must be a mapping")
            continue
        missing = [k for k in ("id", "doc", "title", "level", "region") if not entry.get(k)]
        if missing:
            r.problem(line, str(entry.get("id", "")), f"plan is missing {', '.join(missing)}")
            continue
        pid = str(entry["id"])
        if not ID_PATTERN.match(pid):
            r.problem(line, pid, "plan id must be a lowercase slug [a-z0-9-]")
        if entry["level"] not in PLAN_LEVELS:
            r.problem(line, pid, f"unknown level '{entry['level']}' (known: {', '.join(PLAN_LEVELS)})")
        if pid in plans:
            r.problem(line, pid, "duplicate plan id")
        if entry["doc"] in docs:
            r.problem(line, pid, f"document {entry['doc']} is already registered as plan '{docs[entry['doc']]}'")
        docs[str(entry["doc"])] = pid
        plans[pid] = Plan(id=pid, doc=str(entry["doc"]), title=str(entry["title"]), level=str(entry["level"]),
                          region=str(entry["region"]), period=str(entry.get("period", "")),
                          date=str(entry.get("date", "")), title_en=str(entry.get("title_en", "")))
    return plans, r.problems


def _str_list(r: _Reader, line: int, rid: str, value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
        r.problem(line, rid, f"'{what}' must be a list of non-empty strings")
        return []
    return [str(v).strip() for v in value]


def _number(r: _Reader, line: int, rid: str, value: Any, what: str, positive: bool = True) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        r.problem(line, rid, f"'{what}' must be a number, got {value!r}")
        return None
    if positive and value <= 0:
        r.problem(line, rid, f"'{what}' must be positive, got {value}")
        return None
    return float(value)


def _mentions(r: _Reader, line: int, rid: str, value: Any, plans: dict[str, Plan],
              statuses: dict[str, Term]) -> list[Mention]:
    if not isinstance(value, list):
        r.problem(line, rid, "'mentions' must be a list of {plan, line, quote}")
        return []
    result = []
    for m in value:
        mline = _line(m, line)
        if not isinstance(m, dict):
            r.problem(mline, rid, "a mention must be a mapping {plan, line, quote}")
            continue
        unknown = set(m) - MENTION_KEYS - MENTION_OPTIONAL_KEYS
        if unknown:
            r.problem(mline, rid, f"mention has unknown keys: {', '.join(sorted(map(str, unknown)))}")
        missing = MENTION_KEYS - set(m)
        if missing:
            r.problem(mline, rid, f"mention is missing {', '.join(sorted(missing))}")
            continue
        plan, lineno, quote = m["plan"], m["line"], m["quote"]
        ok = True
        if plan not in plans:
            r.problem(mline, rid, f"mention cites unknown plan '{plan}' (known: {', '.join(plans)})")
            ok = False
        if isinstance(lineno, bool) or not isinstance(lineno, int) or lineno < 1:
            r.problem(mline, rid, f"mention line must be a positive whole number, got {lineno!r}")
            ok = False
        if not isinstance(quote, (str, int)) or not str(quote).strip():
            r.problem(mline, rid, "mention quote must be a non-empty string")
            ok = False
        elif len(str(quote)) > MAX_QUOTE_CHARS:
            r.problem(mline, rid, f"mention quote is {len(str(quote))} characters (at most {MAX_QUOTE_CHARS}: quote a short span)")
        status = m.get("status")
        if status is not None and str(status) not in statuses:
            r.problem(mline, rid, f"mention has unknown status {status!r} (known: {', '.join(statuses)})")
            ok = False
        if ok:
            result.append(Mention(str(plan), lineno, str(quote), r.display, mline, str(status or "")))
    return result


def _lonlat(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and coordinate_problem(float(value[0]), float(value[1])) is None)


def _water_fields_ok(r: _Reader, gline: int, rid: str, fields: dict) -> bool:
    """Check a `water` spec: exactly one of `river` (two or more [lon, lat] waypoints) or `lake_at`
    ([lon, lat]). Reports the problem and returns False when not."""
    if ("river" in fields) == ("lake_at" in fields):
        r.problem(gline, rid, "a water geometry needs exactly one of 'river' (waypoints [[lon, lat], …]) "
                              "or 'lake_at' ([lon, lat])")
        return False
    if "river" in fields:
        points = fields["river"]
        if not isinstance(points, list) or len(points) < 2 or not all(_lonlat(p) for p in points):
            r.problem(gline, rid, "'river' must list two or more waypoints [lon, lat] inside the region, "
                                  f"got {points!r}")
            return False
    elif not _lonlat(fields["lake_at"]):
        r.problem(gline, rid, f"'lake_at' must be one point [lon, lat] inside the region, got {fields['lake_at']!r}")
        return False
    return True


def parse_geometry_spec(r: _Reader, line: int, rid: str, value: Any, depth: int = 0) -> GeometrySpec | None:
    """Return the GeometrySpec of a record's `geometry:` mapping, or None after reporting problems."""
    if not isinstance(value, dict):
        r.problem(line, rid, f"'geometry' must be a mapping with a 'type' ({', '.join(GEOMETRY_TYPES)})")
        return None
    gline = _line(value, line)
    gtype = value.get("type")
    if gtype not in GEOMETRY_TYPES:
        r.problem(gline, rid, f"unknown geometry type {gtype!r} (known: {', '.join(GEOMETRY_TYPES)})")
        return None
    fields = {k: v for k, v in value.items() if k != "type"}
    unknown = set(fields) - GEOMETRY_KEYS[gtype]
    if unknown:
        r.problem(gline, rid, f"geometry type '{gtype}' has unknown keys: {', '.join(sorted(map(str, unknown)))} "
                              f"(allowed: {', '.join(sorted(GEOMETRY_KEYS[gtype]))})")
    missing = GEOMETRY_REQUIRED[gtype] - set(k for k, v in fields.items() if v not in (None, "", []))
    if missing:
        r.problem(gline, rid, f"geometry type '{gtype}' is missing {', '.join(sorted(missing))}")
        return None
    if "uncertainty_m" in fields:
        u = fields["uncertainty_m"]
        if isinstance(u, bool) or not isinstance(u, (int, float)) or u < 0:
            r.problem(gline, rid, f"uncertainty_m must be a number of metres >= 0, got {u!r}")
            return None
    if not isinstance(fields.get("upper_bound", False), bool):
        r.problem(gline, rid, f"upper_bound must be true or false, got {fields['upper_bound']!r}")
        return None
    if gtype in ("admin", "stations"):
        key = "units" if gtype == "admin" else "stations"
        items = fields[key]
        if not isinstance(items, list) or not all(isinstance(v, (str, int)) for v in items):
            r.problem(gline, rid, f"'{key}' must be a list of names")
            return None
        if gtype == "stations" and len(items) < 2:
            r.problem(gline, rid, "a station line needs at least two stations")
            return None
    if gtype == "water" and not _water_fields_ok(r, gline, rid, fields):
        return None
    if gtype == "osm":
        select = fields["select"]
        if not isinstance(select, dict) or not (select.get("ids") or select.get("tags")):
            r.problem(gline, rid, "osm 'select' needs 'ids' (e.g. [w123, n456]) or 'tags' (with an optional 'name')")
            return None
        if depth > 0:
            r.problem(gline, rid, "an osm fallback cannot itself be an osm spec")
            return None
        fallback = parse_geometry_spec(r, gline, rid, fields["fallback"], depth + 1)
        if fallback is None:
            return None
        fields = dict(fields, fallback=fallback)
    return GeometrySpec(gtype, dict(fields), r.display, gline)


def _record(r: _Reader, entry: LineDict, plans: dict[str, Plan], vocab: Vocabulary) -> Record | None:
    line = _line(entry)
    rid = str(entry.get("id", ""))
    unknown = set(entry) - RECORD_KEYS
    if unknown:
        r.problem(line, rid, f"unknown keys: {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(RECORD_KEYS))})")
    missing = [k for k in ("id", "name", "kind", "sectors", "status", "geometry", "mentions") if entry.get(k) in (None, "", [])]
    if missing:
        r.problem(line, rid, f"record is missing {', '.join(missing)}")
        return None
    if not ID_PATTERN.match(rid):
        r.problem(line, rid, "id must be a lowercase ascii slug [a-z0-9-]")
    kind, status = str(entry["kind"]), str(entry["status"])
    if kind not in vocab.kinds:
        r.problem(line, rid, f"unknown kind '{kind}' (known: {', '.join(vocab.kinds)})")
    if status not in vocab.statuses:
        r.problem(line, rid, f"unknown status '{status}' (known: {', '.join(vocab.statuses)})")
    sectors = _str_list(r, line, rid, entry["sectors"], "sectors")
    for s in sectors:
        if s not in vocab.sectors:
            r.problem(line, rid, f"unknown sector '{s}' (known: {', '.join(vocab.sectors)})")
    geometry = parse_geometry_spec(r, line, rid, entry["geometry"])
    if geometry is None:
        return None
    return Record(
        id=rid, name=str(entry["name"]).strip(), kind=kind, sectors=sectors, status=status, geometry=geometry,
        aliases=_str_list(r, line, rid, entry.get("aliases"), "aliases"),
        mentions=_mentions(r, line, rid, entry["mentions"], plans, vocab.statuses),
        stated_area_km2=_number(r, line, rid, entry.get("stated_area_km2"), "stated_area_km2"),
        stated_length_km=_number(r, line, rid, entry.get("stated_length_km"), "stated_length_km"),
        within=_str_list(r, line, rid, entry.get("within"), "within"),
        note=str(entry.get("note") or ""), source_file=r.display, source_line=line)


def load_annotations(root: Path) -> tuple[Annotations | None, list[Problem]]:
    """Read `root` (a corpus_annotations/ folder).

    Returns (annotations, problems). Annotations is None when the registry or the vocabulary
    cannot be read; otherwise it holds every record that parsed, and `problems` lists everything
    wrong, each with its file and line.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), 0, "", "annotations folder not found")]
    vocab, p = load_vocabulary(root / "vocabulary.yaml", _display(root / "vocabulary.yaml", root))
    problems += p
    plans, p = load_plans(root / "plans.yaml", _display(root / "plans.yaml", root))
    problems += p
    if vocab is None or not plans:
        return None, problems

    records: dict[str, Record] = {}
    extensions: list[tuple[_Reader, LineDict]] = []
    files = sorted((root / "records").rglob("*.yaml")) + sorted((root / "records").rglob("*.yml"))
    if not files:
        problems.append(Problem(_display(root / "records", root), 0, "", "no records files (*.yaml) found"))
    for path in files:
        display = _display(path, root)
        data, p = load_yaml(path, display)
        problems += p
        if p:
            continue
        r = _Reader(display)
        if data is None:
            data = []
        if not isinstance(data, list):
            r.problem(_line(data, 1), "", "a records file must be a YAML list of records")
        else:
            for entry in data:
                if not isinstance(entry, dict):
                    r.problem(_line(entry), "", "each entry must be a mapping (a record or an add_mentions_to)")
                elif "proposed" in entry:
                    r.problem(_line(entry), str(entry.get("id") or entry.get("add_mentions_to") or ""),
                              "a draft entry (proposed by `mapapp suggest`) in records/: drafts never enter "
                              "the build; keep it in corpus_annotations/drafts/ and accept it with `mapapp review`")
                elif "add_mentions_to" in entry:
                    extensions.append((r, entry))
                else:
                    rec = _record(r, entry, plans, vocab)
                    if rec is None:
                        continue
                    if rec.id in records:
                        other = records[rec.id]
                        r.problem(rec.source_line, rec.id,
                                  f"duplicate id: already defined at {other.source_file}:{other.source_line}")
                        continue
                    records[rec.id] = rec
        problems += r.problems

    for r, entry in extensions:
        line = _line(entry)
        target = str(entry["add_mentions_to"])
        unknown = set(entry) - EXTENSION_KEYS
        if unknown:
            r.problem(line, target, f"add_mentions_to entry has unknown keys: {', '.join(sorted(map(str, unknown)))} "
                                    f"(allowed: {', '.join(sorted(EXTENSION_KEYS))})")
        rec = records.get(target)
        if rec is None:
            r.problem(line, target, f"add_mentions_to names unknown record '{target}'")
        else:
            rec.mentions += _mentions(r, line, target, entry.get("mentions") or [], plans, vocab.statuses)
            for alias in _str_list(r, line, target, entry.get("aliases"), "aliases"):
                if alias not in rec.aliases and alias != rec.name:
                    rec.aliases.append(alias)
        problems += r.problems
        r.problems = []

    problems += _check_names_and_mentions(records)
    return Annotations(plans=plans, vocabulary=vocab, records=records), problems


def _check_names_and_mentions(records: dict[str, Record]) -> list[Problem]:
    """Each name or alias belongs to one record; each record has mentions, none repeated."""
    problems = []
    owner: dict[str, Record] = {}
    for rec in records.values():
        for name in dict.fromkeys([rec.name, *rec.aliases]):
            other = owner.get(name)
            if other is not None and other is not rec:
                problems.append(Problem(rec.source_file, rec.source_line, rec.id,
                                        f"name '{name}' is also a name of record '{other.id}' "
                                        f"({other.source_file}:{other.source_line}): one entity is one record "
                                        f"(merge them, or use add_mentions_to)"))
            owner.setdefault(name, rec)
        if not rec.mentions:
            problems.append(Problem(rec.source_file, rec.source_line, rec.id, "record has no valid mention"))
        seen = set()
        for m in rec.mentions:
            key = (m.plan, m.line, m.quote)
            if key in seen:
                problems.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"mention {m.plan} line {m.line} '{m.quote}' is listed twice"))
            seen.add(key)
    return problems


def parse_entry(entry: LineDict, display: str, annotations: Annotations) -> tuple[Record | None, list[Problem]]:
    """Check one records-file entry against `annotations` (its plans, vocabulary and records)
    without adding it. Returns (the Record, or None for an add_mentions_to entry or an invalid
    record; the problems found), each problem naming `display` and the entry's line."""
    r = _Reader(display)
    line = _line(entry)
    if "add_mentions_to" not in entry:
        return _record(r, entry, annotations.plans, annotations.vocabulary), r.problems
    target = str(entry["add_mentions_to"])
    unknown = set(entry) - EXTENSION_KEYS
    if unknown:
        r.problem(line, target, f"add_mentions_to entry has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    if target not in annotations.records:
        r.problem(line, target, f"add_mentions_to names unknown record '{target}'")
    _mentions(r, line, target, entry.get("mentions") or [], annotations.plans, annotations.vocabulary.statuses)
    _str_list(r, line, target, entry.get("aliases"), "aliases")
    return None, r.problems
