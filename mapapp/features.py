"""Filtering the feature table: by plan, sector, kind, status, precision, area and name.

`FeatureFilter` says what to select. `filter_features` applies it to a table in memory; a store
applies it where it keeps the build (`BuildStore.select`: PostGIS in SQL). The analyses (statistics,
comparison, brief) and the app take a `Select` function, so they ask for exactly the rows they need
from whichever of the two answers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .errors import UnknownUnit


@dataclass
class FeatureFilter:
    """A selection of features. Empty lists mean 'any'; lists combine with OR inside a field and
    AND across fields. `within` names administrative units (a feature intersecting any of them
    matches, by the overlap lists the build computed); `query` matches the name or an alias as a substring."""

    plans: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    precisions: list[str] = field(default_factory=list)
    within: list[str] = field(default_factory=list)
    query: str = ""
    include_unlocated: bool = False


def _any_in(values: pd.Series, wanted: list[str]) -> pd.Series:
    wanted_set = set(wanted)
    return values.map(lambda vs: bool(wanted_set.intersection(vs)))


def _within_mask(features: gpd.GeoDataFrame, names: list[str], boundaries: gpd.GeoDataFrame | None) -> pd.Series:
    """Features that overlap any of the named units, by the build's precomputed city/county lists."""
    wanted, whole_province = set(), False
    for name in names:
        hit = None if boundaries is None else boundaries[
            (boundaries["name"] == name) | (boundaries["adcode"].astype(str) == str(name))]
        if hit is None or hit.empty:
            raise UnknownUnit(f"unknown administrative unit '{name}' for --within "
                              f"(use a full name such as 南昌市, 青云谱区 or 江西省)")
        unit = hit.iloc[0]
        whole_province |= unit["level"] == "province"
        wanted.add(unit["name"])
    if whole_province:
        return features["cities"].map(bool)
    return pd.Series([bool(wanted.intersection(c)) or bool(wanted.intersection(k))
                      for c, k in zip(features["cities"], features["counties"])], index=features.index)


def filter_features(features: gpd.GeoDataFrame, flt: FeatureFilter,
                    boundaries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Return the rows of `features` that match `flt`, in table order.

    Raises UnknownUnit (a MapappError) for an unknown administrative unit in `within`."""
    mask = pd.Series(True, index=features.index)
    if not flt.include_unlocated:
        mask &= features.geometry.notna()
    if flt.plans:
        mask &= _any_in(features["plans"], flt.plans)
    if flt.sectors:
        mask &= _any_in(features["sectors"], flt.sectors)
    if flt.kinds:
        mask &= features["kind"].isin(flt.kinds)
    if flt.statuses:
        mask &= features["status"].isin(flt.statuses)
    if flt.precisions:
        mask &= features["precision"].isin(flt.precisions)
    if flt.query.strip():
        q = flt.query.strip().lower()
        mask &= pd.Series([q in name.lower() or any(q in a.lower() for a in aliases)
                           for name, aliases in zip(features["name"], features["aliases"])], index=features.index)
    if flt.within:
        mask &= _within_mask(features, flt.within, boundaries)
    return features[mask.astype(bool)]


Select = Callable[[FeatureFilter], gpd.GeoDataFrame]
"""A function returning the features that match a filter, in table order (all schema columns).
Raises MapappError (UnknownUnit) for an unknown unit in `within`."""


def selecting_from(features: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame | None = None) -> Select:
    """Return a Select that filters `features` in memory with `filter_features`."""
    return lambda flt: filter_features(features, flt, boundaries)
