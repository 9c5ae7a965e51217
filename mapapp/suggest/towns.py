"""Townships (乡镇, 街道 and the units the statistics office lists beside them: 管理处, 开发区,
垦殖场 …) of the provinces in the boundary package, each with the county it belongs to, for
`mapapp suggest`'s geometry suggestions: a candidate named after a town (向塘物流枢纽) or in a
sentence naming one lies in that town's county.

Source: the division list shipped in the PyPI package `jionlp` (Apache-2.0), read through its
public loader `jionlp.china_location_loader(detail=True)` (province, city, county with its
GB/T 2260 code, township, village). Nothing is fetched at run time. A township is tied to a
county of the boundary package by the county's code; townships of counties the package does not
have (a district abolished since, e.g. 湾里区) are left out. Villages are not used: their names
repeat too often (新村, 胜利村) to say where a thing is.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from functools import lru_cache

from ..admin import AdminBoundaries, AdminUnit

SOURCE = "jionlp division list (PyPI jionlp, Apache-2.0)"
# Endings of a township's full name; the name without one is its short form (向塘镇 -> 向塘).
TOWN_SUFFIXES = ("街道办事处", "办事处", "街道", "管理处", "镇", "乡")


@dataclass(frozen=True)
class Town:
    """A township: its full name, its short form ('' when it has none) and its county."""

    name: str
    short: str
    county: AdminUnit


def short_form(name: str) -> str:
    """Return the township's name without 镇/乡/街道/管理处 when at least two characters are left,
    else ''."""
    for suffix in TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[:-len(suffix)]
    return ""


@lru_cache(maxsize=1)
def _division_tree() -> dict:
    with contextlib.redirect_stdout(io.StringIO()):   # jionlp prints a banner when imported
        import jionlp
    return jionlp.china_location_loader(detail=True)


def load_towns(admin: AdminBoundaries) -> list[Town]:
    """Return the townships of every province of `admin` whose county `admin` has (matched by
    county code). Raises nothing: a province the division list lacks gives no townships."""
    by_code = {u.adcode: u for u in admin.units("county")}
    provinces = {u.name for u in admin.units("province")}
    towns = []
    for province, cities in _division_tree().items():
        if province not in provinces:
            continue
        for city, counties in cities.items():
            if city.startswith("_"):
                continue
            for county, entries in counties.items():
                if county.startswith("_"):
                    continue
                unit = by_code.get(int(entries.get("_admin_code") or 0))
                if unit is None:
                    continue
                towns += [Town(name, short_form(name), unit) for name in entries if not name.startswith("_")]
    return towns
