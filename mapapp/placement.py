"""How precisely the records are placed: the precision profile of a feature table, per plan.

A record counts as *within 2 km* when its geometry is exact or derived, or its stated
`uncertainty_m` is at most 2,000 m, and it is not an upper bound (an entity known only to lie
somewhere within a shape is not placed, whatever the shape's own precision). A point is *stacked*
when two or more other points share its exact coordinates. `upper_bounds` counts admin upper
bounds ("somewhere in this county or city").
"""
from __future__ import annotations

from collections import Counter

import geopandas as gpd
import pandas as pd

WITHIN_M = 2000.0
COLUMNS = ("plan", "records", "within_2km", "within_2km_share", "points", "stacked_points",
           "stacked_share", "upper_bounds", "unlocated")


def within_2km(features: gpd.GeoDataFrame) -> pd.Series:
    """Return a boolean Series: the feature is placed within 2 km (see module docstring)."""
    located = features.geometry.notna() & ~features["upper_bound"].astype(bool)
    radius_m = features["uncertainty_m"].fillna(float("inf"))
    tight = features["precision"].isin(["exact", "derived"]) | (radius_m <= WITHIN_M)
    return located & tight


def stacked_points(features: gpd.GeoDataFrame) -> pd.Series:
    """Return a boolean Series: the feature is a point sharing its exact coordinates with >= 2 others."""
    points = features.geometry.notna() & (features.geometry.geom_type == "Point")
    keys = [(g.x, g.y) if p else None for g, p in zip(features.geometry, points)]
    counts = Counter(k for k in keys if k is not None)
    return pd.Series([k is not None and counts[k] >= 3 for k in keys], index=features.index)


def placement_profile(features: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return one row per plan and a final row `all` with the COLUMNS of the precision profile.

    A record cited by several plans counts once in each of them, and once in `all`."""
    f = features.assign(_within=within_2km(features), _stacked=stacked_points(features),
                        _point=features.geometry.notna() & (features.geometry.geom_type == "Point"),
                        _upper=features["upper_bound"].astype(bool) & (features["method"] == "admin"),
                        _unlocated=features.geometry.isna())
    rows = []
    plans = list(dict.fromkeys(p for ps in f["plans"] for p in ps))
    for plan in [*plans, "all"]:
        part = f if plan == "all" else f[[plan in ps for ps in f["plans"]]]
        n, points = len(part), int(part["_point"].sum())
        rows.append({"plan": plan, "records": n, "within_2km": int(part["_within"].sum()),
                     "within_2km_share": round(part["_within"].sum() / n, 3) if n else 0.0,
                     "points": points, "stacked_points": int(part["_stacked"].sum()),
                     "stacked_share": round(part["_stacked"].sum() / points, 3) if points else 0.0,
                     "upper_bounds": int(part["_upper"].sum()), "unlocated": int(part["_unlocated"].sum())})
    return pd.DataFrame(rows, columns=list(COLUMNS))
