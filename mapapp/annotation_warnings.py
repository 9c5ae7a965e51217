"""Checks across records that `mapapp validate` reports as warnings: the data is readable, but
probably says something it does not mean.

- Name containment: a line that names an entity only inside another entity's name (梅岭 inside
  梅岭国家森林公园) is not a mention of it.
- One shape, one radius: a hand-drawn shape used by several records carries one `uncertainty_m`.
"""
from __future__ import annotations

from collections import defaultdict

from .corpus import Corpus
from .errors import Problem
from .model import Annotations, Record


def _names(rec: Record) -> list[str]:
    return [n for n in dict.fromkeys([rec.name, *rec.aliases]) if n]


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    out, start = [], text.find(needle)
    while start >= 0:
        out.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return out


def name_containment_warnings(annotations: Annotations, corpus: Corpus) -> list[Problem]:
    """Return a warning for each mention whose line names its record only inside the name of
    another record (every occurrence of the record's names lies within a longer name of another
    record on that line). Mentions whose line holds none of the record's names are not judged."""
    records = list(annotations.records.values())
    all_names = [(other.id, n) for other in records for n in _names(other)]
    warnings = []
    for rec in records:
        own = _names(rec)
        longer = [(oid, n) for oid, n in all_names if oid != rec.id and any(o in n and o != n for o in own)]
        for m in rec.mentions:
            doc = annotations.plans[m.plan].doc
            if not longer or not corpus.has(doc):
                continue
            lines = corpus.lines(doc)
            if not 1 <= m.line <= len(lines):
                continue
            text = lines[m.line - 1]
            hits = [(s, n) for n in own for s in _spans(text, n)]
            if not hits:
                continue
            covers = [(s, oid, n) for oid, n in longer for s in _spans(text, n)]
            inside = [next(((oid, n) for (a, b), oid, n in covers if a <= h0 and h1 <= b), None)
                      for (h0, h1), _ in hits]
            if all(inside):
                (oid, outer), name = inside[0], hits[0][1]
                warnings.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"warning: {doc} line {m.line} names '{name}' only inside '{outer}' "
                                        f"(record {oid}): not a mention of it"))
    return warnings


def shape_radius_warnings(annotations: Annotations) -> list[Problem]:
    """Return a warning for each hand-drawn shape that records use with different `uncertainty_m`."""
    uses = defaultdict(list)
    for rec in annotations.records.values():
        spec = rec.geometry
        if spec.type == "osm":
            spec = spec.fields.get("fallback") or spec
        if spec.type == "manual" and spec.fields.get("uncertainty_m") is not None:
            uses[str(spec.fields.get("file"))].append((rec, spec))
    warnings = []
    for file, used in sorted(uses.items()):
        radii = sorted({float(spec.fields["uncertainty_m"]) for _, spec in used})
        if len(radii) > 1:
            for rec, spec in used:
                warnings.append(Problem(spec.source_file, spec.source_line, rec.id,
                                        f"warning: shape {file} is used with radii "
                                        f"{', '.join(f'{r:g}' for r in radii)} m "
                                        f"by {len(used)} records; one shape has one radius (this record: "
                                        f"{float(spec.fields['uncertainty_m']):g} m)"))
    return warnings
