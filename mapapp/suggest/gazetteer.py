"""The gazetteer `mapapp suggest` works from: the names of known records (with the variants plans
use), the administrative units of the boundary package, their townships (`towns.py`) and the
station tables.

A record is known when a plan other than the excluded ones mentions it; only its name and the
aliases quoted by those plans' mentions count, so an excluded plan leaks nothing into the
gazetteer.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..admin import AdminBoundaries, AdminUnit
from ..model import Annotations, Record
from ..stations import Station
from .document import normalise
from .lexicon import ABBREVIATIONS, EQUIVALENT_HEADS, GENERIC_WORDS, HEAD_KIND, STOP_WORDS
from .names import NameIndex
from .towns import Town

ADMIN_SUFFIXES = ("市", "县", "区")
HEAD_ENDINGS = tuple(HEAD_KIND)
FUNCTION_WORD_CHARS = set("在和与及的等对把将为从是了于被让")   # a township's short form does not start with one
PAREN = re.compile(r"[（(][^）)]*[）)]")
# A name left after taking a unit's name off its front must not begin with these: the unit's name
# was then the start of a longer word (鄱阳|湖区), one end of a route (南昌|至武汉) or a place named
# by a compass point from it (吉安|南500千伏输变电工程, 南昌|西站).
WORD_INNER_STARTS = set("湖江河山区县市至-—与和及东西南北")


def is_generic(name: str) -> bool:
    """Return whether `name` is made only of generic modifiers and head words (not a name)."""
    rest = name
    while rest:
        for n in range(min(len(rest), 6), 0, -1):
            if rest[:n] in GENERIC_WORDS or rest[:n] in HEAD_KIND or rest[:n] in STOP_WORDS:
                rest = rest[n:]
                break
        else:
            return False
    return True


def name_variants(name: str, admin_prefixes: list[str],
                  common_word: Callable[[str], bool] = lambda _w: False) -> set[str]:
    """Return the normalised forms plans use for `name`: itself, without a parenthesised part
    (长征国家文化公园（江西段）), abbreviated (经开区, 高铁, 机场 for 国际机场), with an equivalent
    head (昌九高铁 / 昌九客专, 改扩建工程 / 改扩建项目) and without a leading administrative name
    (南昌昌北国际机场 -> 昌北国际机场; not when the rest would begin inside a word: 鄱阳|湖区,
    南昌|至武汉, nor when the rest is a common word, `common_word`: 南昌市|档案馆 names every
    city's archive). Generic forms are left out, also when a record uses one as an alias (经开区,
    临空经济区 name a different place in every plan)."""
    base = normalise(name)
    forms = {base, normalise(PAREN.sub("", name))}
    for long, short in ABBREVIATIONS:
        forms |= {f.replace(long, short) for f in forms if long in f}
    for group in EQUIVALENT_HEADS:
        for f in list(forms):
            for head in group:
                if f.endswith(head) and len(f) - len(head) >= 2:
                    forms |= {f[:-len(head)] + other for other in group}
    for f in list(forms):
        for prefix in admin_prefixes:
            rest = f[len(prefix):]
            if (f.startswith(prefix) and len(rest) >= 3 and rest[0] not in WORD_INNER_STARTS
                    and not common_word(rest)):
                forms.add(rest)
    return {f for f in forms if len(f) >= 2 and not is_generic(f)}


@dataclass
class Gazetteer:
    """Known names (normalised) -> record id, administrative units by name and short name,
    townships by name and short name (-> the counties of the townships so named), and stations
    by name (without 站)."""

    records: dict[str, Record]
    known: NameIndex[str] = field(default_factory=NameIndex)
    admin: NameIndex[AdminUnit] = field(default_factory=NameIndex)
    towns: NameIndex[tuple[AdminUnit, ...]] = field(default_factory=NameIndex)
    stations: dict[str, Station] = field(default_factory=dict)

    def user_words(self) -> list[tuple[str, str]]:
        """Return (word, part-of-speech tag) pairs for the segmenter's user dictionary."""
        words = [(n, "nz") for n in self.known.names()]
        words += [(n, "ns") for n in self.admin.names()]
        words += [(n + "站", "ns") for n in self.stations] + [(n, "ns") for n in self.stations if len(n) >= 2]
        return words + self.town_words()

    def town_words(self) -> list[tuple[str, str]]:
        """Return (township name, 'ns') pairs for the segmenter's user dictionary."""
        return [(n, "ns") for n in self.towns.names()]

    def add_towns(self, towns: Iterable[Town], common_word: Callable[[str], bool] = lambda _w: False) -> None:
        """Add townships by full name and by short form (向塘 for 向塘镇). A short form is left out
        when it is a word of the segmenter's dictionary (`common_word`: 公园, 铁路, 八一 — or a
        better-known place elsewhere, 长沙), a generic or stop word, the name of an administrative
        unit or known record, when it begins with a function word (在中) or ends in a head word: a
        township named after a road, lake or hill (上海路, 白水湖, 西山) shares the name with a
        thing that runs beyond it. A name shared by townships of several counties maps to all of
        them."""
        counties: dict[str, list[AdminUnit]] = {}
        for town in towns:
            forms = [town.name]
            s = town.short
            if (s and s not in GENERIC_WORDS and s not in STOP_WORDS and s not in self.admin and s not in self.known
                    and not s.endswith(HEAD_ENDINGS) and s[0] not in FUNCTION_WORD_CHARS and not common_word(s)):
                forms.append(s)
            for form in forms:
                units = counties.setdefault(form, [])
                if town.county not in units:
                    units.append(town.county)
        for form, units in counties.items():
            if form not in self.admin:
                self.towns.add(form, tuple(units))


def admin_names(unit: AdminUnit) -> list[str]:
    """Return the names a plan uses for a unit: its full name and, when not a common word, the
    name without 市/县/区 (南昌市 -> 南昌; 新建区 keeps only 新建区 since 新建 means 'newly built')."""
    names = [unit.name]
    if unit.level == "province":
        names.append(unit.name.removesuffix("省"))
    elif unit.name.endswith(ADMIN_SUFFIXES) and len(unit.name) >= 3:
        short = unit.name[:-1]
        if short not in STOP_WORDS and short not in GENERIC_WORDS:
            names.append(short)
    return names


def build_gazetteer(annotations: Annotations, admin: AdminBoundaries, stations: dict[tuple[str, str], Station],
                    exclude_plans: set[str] = frozenset(),
                    common_word: Callable[[str], bool] = lambda _w: False) -> Gazetteer:
    """Return the gazetteer of `annotations` without what only `exclude_plans` contributed
    (`common_word`: see name_variants)."""
    gaz = Gazetteer(records={})
    # Cities before counties, full names before short ones: a short name shared by a city and a
    # county (吉安) means the city.
    for level in ("province", "city", "county"):
        for unit in admin.units(level):
            for i, name in enumerate(admin_names(unit)):
                if name in gaz.admin and i > 0:
                    continue
                gaz.admin.add(name, unit)
    for (network, name), st in sorted(stations.items()):
        if network == "rail":
            gaz.stations.setdefault(normalise(name), st)
    prefixes = sorted(gaz.admin.names(), key=len, reverse=True)

    owners: dict[str, set[str]] = {}
    for rec in annotations.records.values():
        kept = [m for m in rec.mentions if m.plan not in exclude_plans]
        if not kept:
            continue
        gaz.records[rec.id] = rec
        quotes = [normalise(m.quote) for m in kept]
        names = [rec.name] + [a for a in rec.aliases if any(normalise(a) in q for q in quotes)]
        for name in names:
            for form in name_variants(name, prefixes, common_word):
                owners.setdefault(form, set()).add(rec.id)
    # A form shared by two records is ambiguous unless it is one record's exact name or alias.
    exact = {normalise(n): rec.id for rec in gaz.records.values() for n in [rec.name, *rec.aliases]}
    for form, ids in owners.items():
        if len(ids) == 1:
            gaz.known.add(form, next(iter(ids)))
        elif form in exact:
            gaz.known.add(form, exact[form])
    return gaz

