"""Statistics by administrative unit (查询统计): how many features lie in each county or city, how
precisely, and how much zone area and line length falls inside it.

Counting rule: a feature lies in a unit exactly when `filter_features` with `within=[unit]` keeps
it, i.e. by the overlap lists the build computed (`pipeline.overlapping_units`: at least 1% of a
polygon's or the unit's area, 1% of a line's length, or a point the unit covers). So a unit's
`features` always equals the number of rows `mapapp export --within UNIT` writes for the same
filters. A feature in several units counts once in each of them.

Clipping rule: `area_km2` sums, over the unit's features whose geometry is a polygon and not an
upper bound, the area of the polygon's intersection with the unit (Albers equal-area);
`length_km` sums the geodesic length of the unit's line features clipped to the unit. Overlapping
features are summed, not merged: two zones on the same ground count twice. An upper bound only
says that the entity lies somewhere within its units, so it adds to the counts but not to area.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import MapappError
from .features import FeatureFilter, Select
from .measure import area_km2, length_km

LEVELS = ("county", "city")
BASE_COLUMNS = ("adcode", "name", "city", "level", "features", "precise", "upper_bound", "area_km2", "length_km")
PLAN_PREFIX = "plan:"
SECTOR_PREFIX = "sector:"
DECIMALS = 2  # km² and km: 0.01 km² is 10,000 m², far below any geometry's uncertainty


def breakdown_columns(manifest: dict) -> list[str]:
    """Return the breakdown columns after BASE_COLUMNS: one per plan, then one per sector, in the
    build's registry and vocabulary order."""
    return ([PLAN_PREFIX + p["id"] for p in manifest["plans"]]
            + [SECTOR_PREFIX + s for s in manifest["vocabulary"]["sectors"]])


def _parts(geoms: np.ndarray, type_ids: tuple[int, ...]) -> np.ndarray:
    """Return the single parts of `geoms` (multi-parts and collections split) of the given types."""
    parts = shapely.get_parts(shapely.get_parts(geoms))
    return parts[np.isin(shapely.get_type_id(parts), type_ids)]


def clipped_measures(rows: gpd.GeoDataFrame, unit: BaseGeometry) -> tuple[float, float]:
    """Return (area_km2, length_km) of `rows` clipped to `unit`: polygons that are not upper
    bounds by equal area, lines by geodesic length (see the module docstring)."""
    geoms = rows.geometry
    polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy() & ~rows["upper_bound"].to_numpy(dtype=bool)
    linear = geoms.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    area = length = 0.0
    if polygonal.any():
        pieces = _parts(shapely.intersection(geoms.values[polygonal], unit), (3,))  # Polygon
        area = float(np.nansum(area_km2(gpd.GeoSeries(pieces, crs=rows.crs))))
    if linear.any():
        pieces = _parts(shapely.intersection(geoms.values[linear], unit), (1,))  # LineString
        length = float(np.nansum(length_km(gpd.GeoSeries(pieces, crs=rows.crs))))
    return area, length


def unit_row(unit: pd.Series, rows: gpd.GeoDataFrame, breakdowns: list[str]) -> dict:
    """Return the statistics row of one unit (a boundaries row) whose features are `rows`."""
    upper = rows["upper_bound"].to_numpy(dtype=bool)
    area, length = clipped_measures(rows, unit.geometry)
    out = {"adcode": int(unit["adcode"]), "name": unit["name"], "city": unit["city"], "level": unit["level"],
           "features": len(rows), "precise": int((~upper).sum()), "upper_bound": int(upper.sum()),
           "area_km2": round(area, DECIMALS), "length_km": round(length, DECIMALS)}
    plans = [set(ps) for ps in rows["plans"]]
    sectors = [set(ss) for ss in rows["sectors"]]
    for col in breakdowns:
        if col.startswith(PLAN_PREFIX):
            key = col[len(PLAN_PREFIX):]
            out[col] = sum(key in ps for ps in plans)
        else:
            key = col[len(SECTOR_PREFIX):]
            out[col] = sum(key in ss for ss in sectors)
    return out


def area_statistics(select: Select, boundaries: gpd.GeoDataFrame, manifest: dict, level: str = "county",
                    flt: FeatureFilter | None = None) -> pd.DataFrame:
    """Return one row per unit of `level` ('county' or 'city') holding at least one feature that
    matches `flt`, in adcode order, with BASE_COLUMNS then `breakdown_columns(manifest)`. The
    features come from `select` (a store's select, or `features.selecting_from` a table), asked
    once for `flt`; they are then grouped by unit in memory.

    Raises MapappError for an unknown level or an unknown unit in `flt.within`."""
    if level not in LEVELS:
        raise MapappError(f"unknown level '{level}' for statistics (known: {', '.join(LEVELS)})")
    flt = flt or FeatureFilter()
    breakdowns = breakdown_columns(manifest)
    selected = select(flt)
    members = units_of(selected)
    units = boundaries[boundaries["level"] == level].sort_values("adcode")
    rows = []
    for _, unit in units.iterrows():
        inside = members.get(unit["name"])
        if inside:
            rows.append(unit_row(unit, selected.iloc[inside], breakdowns))
    return pd.DataFrame(rows, columns=[*BASE_COLUMNS, *breakdowns])


def units_of(features: gpd.GeoDataFrame) -> dict[str, list[int]]:
    """Return, per unit name, the row positions of the located `features` that lie in it (the unit
    is in their `cities` or `counties`: the rows `filter_features` with `within=[unit]` keeps)."""
    members: dict[str, list[int]] = {}
    located = features.geometry.notna().to_numpy()
    for i, (cities, counties) in enumerate(zip(features["cities"], features["counties"])):
        if located[i]:
            for name in {*cities, *counties}:
                members.setdefault(name, []).append(i)
    return members


def statistics_csv(table: pd.DataFrame) -> bytes:
    """Return the statistics table as UTF-8 CSV (the bytes `mapapp stats -o` writes and the app
    offers for download)."""
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def readable_table(table: pd.DataFrame) -> str:
    """Return the table as text for a terminal: breakdown columns that are zero everywhere are left out."""
    if table.empty:
        return "(no unit holds a feature that matches the filters)"
    keep = [c for c in table.columns if c in BASE_COLUMNS or table[c].any()]
    return table[keep].to_string(index=False)
