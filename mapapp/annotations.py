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
from .fieldtypes import (Field, FieldError, check_mapping, file_name, one_of, positive_number, text, text_list,
                         whole_number)
from .geometry_types import parse_spec
from .model import PRECISIONS, Annotations, Mention, Plan, Record, Term, Vocabulary
from .yamlio import LineDict, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TERM_KEY = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
MAX_QUOTE_CHARS = 60
MAX_LINE = 10_000_000
PLAN_LEVELS = ("province", "city", "district")
VOCABULARY_GROUPS = ("kinds", "sectors", "statuses", "precisions")


def slug(value) -> str:
    """Check an id: a lowercase ascii slug [a-z0-9-]."""
    s = text(max_chars=100)(value)
    if not ID_PATTERN.match(s):
        raise FieldError(f"must be a lowercase ascii slug [a-z0-9-], got {s[:40]!r}")
    return s


_NAME = text(max_chars=200)
PLAN_FIELDS = {"id": Field(slug, required=True), "doc": Field(file_name, required=True),
               "title": Field(_NAME, required=True), "title_en": Field(_NAME),
               "level": Field(one_of(PLAN_LEVELS), required=True), "region": Field(_NAME, required=True),
               "period": Field(text(max_chars=40)), "date": Field(text(max_chars=40))}
TERM_FIELDS = {"zh": Field(_NAME, required=True), "en": Field(_NAME, required=True),
               "note": Field(text(max_chars=2000, allow="\n\t"))}
RECORD_FIELDS = {
    "id": Field(text(max_chars=100), required=True), "name": Field(_NAME, required=True),
    "aliases": Field(text_list(_NAME)), "kind": Field(text(max_chars=100), required=True),
    "sectors": Field(text_list(text(max_chars=100), min_items=1), required=True),
    "status": Field(text(max_chars=100), required=True),
    "stated_area_km2": Field(positive_number(10_000_000, "km²")),
    "stated_length_km": Field(positive_number(100_000, "km")),
    "within": Field(text_list(_NAME)), "note": Field(text(max_chars=5000, allow="\n\t")),
    "geometry": Field(lambda v: v, required=True), "mentions": Field(lambda v: v, required=True),
}
EXTENSION_FIELDS = {"add_mentions_to": Field(slug, required=True), "aliases": Field(text_list(_NAME)),
                    "mentions": Field(lambda v: v), "note": Field(text(max_chars=5000, allow="\n\t"))}
MENTION_FIELDS = {"plan": Field(text(max_chars=100), required=True),
                  "line": Field(whole_number(1, MAX_LINE), required=True),
                  "quote": Field(text(max_chars=MAX_QUOTE_CHARS, allow="\t"), required=True),
                  "status": Field(text(max_chars=100))}


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
    """Return the vocabularies of `vocabulary.yaml` and the problems found in it.

    Every precision mapapp assigns (model.PRECISIONS) must be defined."""
    data, problems = load_yaml(path, display)
    if problems:
        return None, problems
    r = _Reader(display)
    if not isinstance(data, dict):
        r.problem(0, "", f"expected a mapping with {', '.join(VOCABULARY_GROUPS)}")
        return None, r.problems
    unknown = sorted(str(k) for k in data if k not in VOCABULARY_GROUPS)
    if unknown:
        r.problem(_line(data), "", f"unknown vocabularies: {', '.join(unknown)} "
                                   f"(allowed: {', '.join(VOCABULARY_GROUPS)})")
    groups: dict[str, dict[str, Term]] = {}
    for group in VOCABULARY_GROUPS:
        entries = data.get(group)
        if not isinstance(entries, dict) or not entries:
            r.problem(_line(data), "", f"missing or empty vocabulary '{group}'")
            groups[group] = {}
            continue
        terms = {}
        for key, value in entries.items():
            line = _line(value, _line(entries))
            if not isinstance(key, str) or not TERM_KEY.match(key):
                r.problem(line, "", f"{group}: key {str(key)[:40]!r} must be lowercase ascii [a-z0-9_-]")
                continue
            clean, found = check_mapping(value, TERM_FIELDS, f"{group}.{key}")
            for message in found:
                r.problem(line, "", message)
            if not found:
                terms[key] = Term(key, clean["zh"], clean["en"], clean.get("note", ""))
        groups[group] = terms
    dropped = [p for p in PRECISIONS if groups["precisions"] and p not in groups["precisions"]]
    if dropped:
        r.problem(_line(data.get("precisions"), _line(data)), "",
                  f"precisions: {', '.join(dropped)} missing; mapapp assigns every one of {', '.join(PRECISIONS)}")
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
    unknown = sorted(str(k) for k in data if k != "plans")
    if unknown:
        r.problem(_line(data), "", f"unknown keys: {', '.join(unknown)} (allowed: plans)")
    plans: dict[str, Plan] = {}
    docs: dict[str, str] = {}
    for entry in entries:
        line = _line(entry)
        pid = str(entry.get("id", ""))[:100] if isinstance(entry, dict) else ""
        clean, found = check_mapping(entry, PLAN_FIELDS, "plan")
        for message in found:
            r.problem(line, pid, message)
        if found:
            continue
        pid = clean["id"]
        if pid in plans:
            r.problem(line, pid, "duplicate plan id")
        if clean["doc"] in docs:
            r.problem(line, pid, f"document {clean['doc']} is already registered as plan '{docs[clean['doc']]}'")
        docs[clean["doc"]] = pid
        plans[pid] = Plan(**{k: clean.get(k, "") for k in PLAN_FIELDS})
    return plans, r.problems


def _mentions(r: _Reader, line: int, rid: str, value: Any, plans: dict[str, Plan],
              statuses: dict[str, Term]) -> list[Mention]:
    if not isinstance(value, list):
        r.problem(line, rid, "'mentions' must be a list of {plan, line, quote}")
        return []
    result = []
    for m in value:
        mline = _line(m, line)
        clean, found = check_mapping(m, MENTION_FIELDS, "mention")
        for message in found:
            r.problem(mline, rid, message)
        if found:
            continue
        if clean["plan"] not in plans:
            r.problem(mline, rid, f"mention cites unknown plan '{clean['plan']}' (known: {', '.join(plans)})")
            continue
        status = clean.get("status", "")
        if status and status not in statuses:
            r.problem(mline, rid, f"mention has unknown status {status!r} (known: {', '.join(statuses)})")
            continue
        result.append(Mention(clean["plan"], clean["line"], clean["quote"], r.display, mline, status))
    return result


def _record(r: _Reader, entry: LineDict, plans: dict[str, Plan], vocab: Vocabulary) -> Record | None:
    line = _line(entry)
    rid = str(entry.get("id", ""))[:100] if isinstance(entry.get("id", ""), (str, int)) else ""
    clean, found = check_mapping(entry, RECORD_FIELDS, "record")
    for message in found:
        r.problem(line, rid, message)
    if any(k not in clean for k, f in RECORD_FIELDS.items() if f.required):
        return None
    if not ID_PATTERN.match(rid):
        r.problem(line, rid, "id must be a lowercase ascii slug [a-z0-9-]")
    kind, status, sectors = clean["kind"], clean["status"], clean["sectors"]
    if kind not in vocab.kinds:
        r.problem(line, rid, f"unknown kind '{kind}' (known: {', '.join(vocab.kinds)})")
    if status not in vocab.statuses:
        r.problem(line, rid, f"unknown status '{status}' (known: {', '.join(vocab.statuses)})")
    for s in sectors:
        if s not in vocab.sectors:
            r.problem(line, rid, f"unknown sector '{s}' (known: {', '.join(vocab.sectors)})")
    geometry, found = parse_spec(entry["geometry"], r.display, line)
    for message in found:
        r.problem(_line(entry["geometry"], line), rid, message)
    if geometry is None:
        return None
    return Record(
        id=rid, name=clean["name"], kind=kind, sectors=sectors, status=status, geometry=geometry,
        aliases=clean.get("aliases", []), mentions=_mentions(r, line, rid, entry["mentions"], plans, vocab.statuses),
        stated_area_km2=clean.get("stated_area_km2"), stated_length_km=clean.get("stated_length_km"),
        within=clean.get("within", []), note=clean.get("note", ""), source_file=r.display, source_line=line)


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
                    r.problem(_line(entry), str(entry.get("id") or entry.get("add_mentions_to") or "")[:100],
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
        clean, found = check_mapping(entry, EXTENSION_FIELDS, "add_mentions_to entry")
        target = clean.get("add_mentions_to", str(entry.get("add_mentions_to"))[:100])
        for message in found:
            r.problem(line, target, message)
        rec = records.get(target)
        if rec is None:
            if "add_mentions_to" in clean:
                r.problem(line, target, f"add_mentions_to names unknown record '{target}'")
        elif not found:
            rec.mentions += _mentions(r, line, target, entry.get("mentions") or [], plans, vocab.statuses)
            for alias in clean.get("aliases", []):
                if alias not in rec.aliases and alias != rec.name:
                    rec.aliases.append(alias)
        problems += r.problems
        r.problems = []

    if files and not records and not problems:
        problems.append(Problem(_display(root / "records", root), 0, "", "the records files hold no record"))
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
    if "add_mentions_to" not in entry:
        return _record(r, entry, annotations.plans, annotations.vocabulary), r.problems
    line = _line(entry)
    clean, found = check_mapping(entry, EXTENSION_FIELDS, "add_mentions_to entry")
    target = clean.get("add_mentions_to", str(entry.get("add_mentions_to"))[:100])
    for message in found:
        r.problem(line, target, message)
    if "add_mentions_to" in clean and target not in annotations.records:
        r.problem(line, target, f"add_mentions_to names unknown record '{target}'")
    _mentions(r, line, target, entry.get("mentions") or [], annotations.plans, annotations.vocabulary.statuses)
    return None, r.problems
