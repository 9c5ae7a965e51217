"""The data model: plans, vocabularies, records, their mentions and geometry specs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRECISIONS = ("exact", "derived", "approximate", "point")


@dataclass(frozen=True)
class Plan:
    """A plan document of the corpus, cited by its file name (`doc`) and 1-based line."""

    id: str
    doc: str
    title: str
    level: str
    region: str
    period: str = ""
    date: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class Term:
    """One entry of a controlled vocabulary."""

    key: str
    zh: str
    en: str
    note: str = ""


@dataclass
class Vocabulary:
    """The controlled vocabularies (kinds, sectors, statuses, precisions), keyed by term key."""

    kinds: dict[str, Term]
    sectors: dict[str, Term]
    statuses: dict[str, Term]
    precisions: dict[str, Term]

    def label(self, group: str, key: str, lang: str = "zh") -> str:
        """Return the label of `key` in vocabulary `group` ('kinds', …) in `lang`, or the key."""
        term = getattr(self, group).get(key)
        return getattr(term, lang) if term else key


@dataclass(frozen=True)
class Mention:
    """A record named on one line of one plan: the quote is an exact span of that line. `status`
    (optional, a vocabulary status key) is the record's status as this line states it; '' when
    not annotated."""

    plan: str
    line: int
    quote: str
    source_file: str = ""
    source_line: int = 0
    status: str = ""


@dataclass
class GeometrySpec:
    """How a record gets its geometry: `type` names a geometry_types.REGISTRY entry; `fields` holds
    its checked field values (an `osm` spec's `fallback` is itself a GeometrySpec)."""

    type: str
    fields: dict[str, Any]
    source_file: str = ""
    source_line: int = 0


@dataclass
class Record:
    """One real-world entity named by the plans, with every mention of it."""

    id: str
    name: str
    kind: str
    sectors: list[str]
    status: str
    geometry: GeometrySpec
    aliases: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    stated_area_km2: float | None = None
    stated_length_km: float | None = None
    within: list[str] = field(default_factory=list)
    note: str = ""
    source_file: str = ""
    source_line: int = 0

    @property
    def plans(self) -> list[str]:
        """The ids of the plans that mention this record, in order of first mention."""
        return list(dict.fromkeys(m.plan for m in self.mentions))


@dataclass
class Annotations:
    """Everything read from corpus_annotations/: plans by id, vocabulary, records by id."""

    plans: dict[str, Plan]
    vocabulary: Vocabulary
    records: dict[str, Record]
