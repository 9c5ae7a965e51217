"""One `mapapp suggest` run: read the document, find the known entities it names and the new
candidates, suggest geometry, rank, and turn the result into draft entries."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from ..admin import load_admin_boundaries
from ..annotations import ID_PATTERN, load_annotations
from ..errors import MapappError
from ..geometry_types import ResolveContext
from ..model import Annotations, Record
from ..project import Project
from ..stations import load_stations
from .candidates import Candidate, Occurrence, Segmenter, extract_candidates
from .document import NormLine, read_document
from .drafts import entry_of, stable_id
from .gazetteer import Gazetteer, build_gazetteer
from .geometry import Suggestion, suggest_geometry
from .lexicon import KIND_SECTORS
from .neighbours import RecordPlaces
from .ranking import guess_status, score, status_words
from .towns import load_towns

MAX_QUOTE = 60
Progress = Callable[[str, float], None]


@dataclass
class KnownMention:
    """A known record named in the document, with every occurrence and the form used."""

    record: Record
    occurrences: list[Occurrence] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[int]:
        return sorted({o.line.number for o in self.occurrences})


@dataclass
class Proposal:
    """A new candidate with its geometry suggestion, status words, guessed status and score."""

    candidate: Candidate
    suggestion: Suggestion
    status_words: list[str]
    status: str
    score: float


@dataclass
class SuggestResult:
    """What `suggest` found in one document for one plan."""

    plan_id: str
    doc: Path
    characters: int
    known: list[KnownMention]
    proposals: list[Proposal]
    seconds: float
    gazetteer: Gazetteer


def load_inputs(project: Project) -> tuple[Annotations, dict]:
    """Return the annotations and station tables of the project. Raises MapappError when the
    annotations cannot be read at all."""
    annotations, problems = load_annotations(project.annotations_dir)
    if annotations is None:
        raise MapappError("cannot read the annotations: " + "; ".join(str(p) for p in problems[:5]))
    stations, _ = load_stations(project.geodata_dir / "stations", project.data_dir)
    return annotations, stations


def suggest(project: Project, doc: Path, plan_id: str, exclude_plans: list[str] = (),
            progress: Progress | None = None, annotations: Annotations | None = None,
            stations: dict | None = None) -> SuggestResult:
    """Find the known entities and new candidates of the document `doc` for plan `plan_id`, with
    the records of `exclude_plans` left out of the gazetteer. Raises MapappError for a bad
    document, an unknown plan id or an unknown excluded plan."""
    say = progress or (lambda _stage, _fraction: None)
    t0 = time.perf_counter()
    if not ID_PATTERN.match(plan_id or ""):
        raise MapappError(f"--plan-id '{plan_id}' must be a lowercase slug [a-z0-9-]")
    lines = read_document(doc)
    say("reading the gazetteer", 0.0)
    if annotations is None:
        annotations, stations = load_inputs(project)
    if plan_id not in annotations.plans:
        raise MapappError(f"plan '{plan_id}' is not registered in {project.annotations_dir / 'plans.yaml'}: add it "
                          f"(id, doc: {Path(doc).name}, title, level, region) so the draft's mentions can cite it")
    unknown = [p for p in exclude_plans if p not in annotations.plans]
    if unknown:
        raise MapappError(f"--exclude-plan: unknown plan {', '.join(unknown)} (known: {', '.join(annotations.plans)})")
    admin = load_admin_boundaries()
    say("loading the segmenter", 0.05)
    seg = Segmenter()
    gaz = build_gazetteer(annotations, admin, stations or {}, set(exclude_plans), common_word=seg.is_common_word)
    seg.add_words(gaz.user_words())
    gaz.add_towns(load_towns(admin), common_word=seg.in_dictionary)
    seg.add_words(gaz.town_words())
    known = _known_mentions(lines, gaz)
    cands = extract_candidates(lines, seg, gaz, progress=lambda d, t: say("finding names", 0.1 + 0.8 * d / t))
    cands, known = _reconcile(cands, known, gaz, lines)
    say("suggesting geometry", 0.9)
    plan = annotations.plans[plan_id]
    from ..osm.cache import OsmCache
    osm = OsmCache.open(project.osm_cache_dir) is not None
    proposals = []
    by_number = {line.number: line for line in lines}
    places = RecordPlaces(gaz.records, ResolveContext(admin, stations or {}, project.geodata_dir, None))
    for cand in cands:
        sugg = suggest_geometry(cand, gaz, plan, osm, by_number, seg.boundaries, places)
        words = status_words(cand)
        proposals.append(Proposal(cand, sugg, words, guess_status(words), score(cand, sugg, words)))
    proposals.sort(key=lambda p: (-p.score, p.candidate.lines[0]))
    say("done", 1.0)
    return SuggestResult(plan_id, Path(doc), sum(len(line.original) for line in lines), list(known.values()), proposals,
                         time.perf_counter() - t0, gaz)


def _known_mentions(lines: list[NormLine], gaz: Gazetteer) -> dict[str, KnownMention]:
    known: dict[str, KnownMention] = {}
    for line in lines:
        for m in gaz.known.finditer(line.text):
            km = known.setdefault(m.value, KnownMention(gaz.records[m.value]))
            km.occurrences.append(Occurrence(line, m.start, m.end))
            if m.name not in km.forms:
                km.forms.append(m.name)
    return known


def _reconcile(cands: list[Candidate], known: dict[str, KnownMention], gaz: Gazetteer,
               lines: list[NormLine]) -> tuple[list[Candidate], dict[str, KnownMention]]:
    """Drop candidates that are known names or names of administrative units (峡江 is the county
    峡江县; a lake named like a district, 青山湖, is lost with them); drop known mentions that
    stand inside a longer candidate (梅岭越野挑战赛 is not a mention of 梅岭); give each candidate
    every line that names it."""
    spans: dict[int, list[tuple[int, int]]] = {}
    kept = []
    for c in cands:
        if c.name in gaz.known or c.name in gaz.admin or _known_with_junk(c.name, gaz):
            continue
        kept.append(c)
        for o in c.occurrences:
            spans.setdefault(o.line.number, []).append((o.start, o.end))
    for km in list(known.values()):
        km.occurrences = [o for o in km.occurrences
                          if not any(s <= o.start and o.end <= e and (e - s) > (o.end - o.start)
                                     for s, e in spans.get(o.line.number, ()))]
        if not km.occurrences:
            del known[km.record.id]
    for c in kept:
        have = {(o.line.number, o.start) for o in c.occurrences}
        for line in lines:
            i = line.text.find(c.name)
            while i >= 0:
                if (line.number, i) not in have:
                    c.occurrences.append(Occurrence(line, i, i + len(c.name)))
                i = line.text.find(c.name, i + 1)
        c.occurrences.sort(key=lambda o: (o.line.number, o.start))
    return kept, known


def _known_with_junk(name: str, gaz: Gazetteer) -> bool:
    """Whether `name` is a known name with words before it that name no place (研判南昌都市圈):
    then it is that known name (kept as its mention), not a new entity."""
    for m in gaz.known.finditer(name):
        if m.end == len(name) and m.start > 0:
            return not any(True for _ in gaz.admin.finditer(name, 0, m.start))
    return False


def _mentions(plan_id: str, occurrences: list[Occurrence]) -> list[dict]:
    out, seen = [], set()
    for o in occurrences:
        quote = o.line.quote(o.start, o.end)[:MAX_QUOTE]
        key = (o.line.number, quote)
        if key not in seen:
            seen.add(key)
            out.append({"plan": plan_id, "line": o.line.number, "quote": quote})
    return out


def draft_entries(result: SuggestResult, annotations: Annotations, min_score: float = 0.0) -> list[dict]:
    """Return the draft entries: add_mentions_to for known records (score 1 for a name or alias
    as written, 0.9 for a variant), then the candidates with score >= min_score, best first."""
    entries = []
    for km in sorted(result.known, key=lambda k: k.lines[0]):
        rec = km.record
        exact = {rec.name, *rec.aliases}
        variant = [f for f in km.forms if f not in set(exact)]
        why = (f"names record {rec.id} ({rec.name}) as {'、'.join(km.forms)}"
               + (" (a variant of its name)" if variant else ""))
        entries.append(entry_of({"add_mentions_to": rec.id, "mentions": _mentions(result.plan_id, km.occurrences)},
                                {"score": 0.9 if variant else 1.0, "why": why}))
    taken = set(annotations.records)
    for p in result.proposals:
        if p.score < min_score:
            continue
        c = p.candidate
        rid = stable_id(result.plan_id, c.name, taken)
        taken.add(rid)
        record = {"id": rid, "name": c.name, "kind": c.kind, "sectors": list(KIND_SECTORS.get(c.kind, ["urban"])),
                  "status": p.status, "geometry": p.suggestion.spec,
                  "mentions": _mentions(result.plan_id, c.occurrences)}
        how = (f"ends in {c.head} ({c.kind})" if c.name.endswith(c.head)
               else f"a place name listed next to a {c.head} ({c.kind})")
        proposed = {"score": p.score, "why": f"{how}; geometry: {p.suggestion.why}",
                    "clue": p.suggestion.clue, "kind_from": c.head}
        if p.status_words:
            proposed["status_words"] = p.status_words[:5]
        entries.append(entry_of(record, proposed))
    return entries
