"""The feature table's schema: every column, its type and meaning, in one place.

The build writes exactly these columns in this order (`check_columns`), `load_build` restores
their Python types after reading GeoParquet (`normalise`), the exports take the columns marked
`export`, and `format_version` in every build's manifest names this schema's version.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

# Version 2: structured provenance columns (method … osm_data) replaced parsing geometry_source.
# Version 3: each mention may carry the status its plan states (mentions[].status).
FORMAT_VERSION = 3

# Column types: str (text, '' when empty), str? (text or None), bool, float? (number or NaN),
# list (list of str), mentions (list of {plan, doc, line, quote}), geometry (WGS84 or None).
TYPES = ("str", "str?", "bool", "float?", "list", "mentions", "geometry")


@dataclass(frozen=True)
class Column:
    """One column of the feature table: its name, type (one of TYPES), meaning, and whether the
    exports (GeoJSON properties, GeoPackage and CSV columns) carry it."""

    name: str
    type: str
    meaning: str
    export: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("id", "str", "the record's stable id"),
    Column("name", "str", "the entity's name as the plans write it"),
    Column("aliases", "list", "other names the plans use"),
    Column("kind", "str", "kind of entity (vocabulary.yaml kinds)"),
    Column("sectors", "list", "sectors (vocabulary.yaml sectors)"),
    Column("status", "str", "latest known status (vocabulary.yaml statuses)"),
    Column("plans", "list", "ids of the plans that name it, in order of first mention"),
    Column("mentions", "mentions", "every line naming it: plan, document file, 1-based line, quote, and the "
                                   "status that plan states there (or None)"),
    Column("geometry_source", "str", "the provenance below as one English sentence (provenance.describe)"),
    Column("method", "str", "the spec type that produced the geometry: admin, manual, stations, point, water, "
                            "osm, none"),
    Column("upper_bound", "bool", "the entity lies somewhere within the geometry, not on all of it"),
    Column("units", "list", "administrative units used (admin method), as 'city/county' labels"),
    Column("stations", "list", "stations the line runs through (stations method)", export=False),
    Column("osm_ids", "list", "OpenStreetMap object ids (osm method)"),
    Column("data_source", "str", "the data set the geometry comes from"),
    Column("data_version", "str", "its version or date"),
    Column("source_note", "str", "the annotator's own words: the spec's source, or why it is unlocated"),
    Column("osm_fallback", "str", "why an osm selector kept its fallback: '', no_cache, missing_ids, unmatched, "
                                  "ambiguous", export=False),
    Column("osm_data", "bool", "OpenStreetMap data went into the geometry (ODbL attribution)", export=False),
    Column("precision", "str?", "exact, derived, approximate or point; None when unlocated"),
    Column("uncertainty_m", "float?", "an honest radius in metres, when stated"),
    Column("stated_area_km2", "float?", "the area the plan states"),
    Column("stated_length_km", "float?", "the length the plan states", export=False),
    Column("note", "str?", "the annotator's note", export=False),
    Column("area_km2", "float?", "computed area of a polygon (Albers equal-area)"),
    Column("length_km", "float?", "computed length of a line (geodesic)"),
    Column("cities", "list", "cities the geometry overlaps by at least 1%", export=False),
    Column("counties", "list", "counties the geometry overlaps by at least 1%", export=False),
    Column("geometry", "geometry", "the geometry, EPSG:4326, None when unlocated", export=False),
)
NAMES = tuple(c.name for c in COLUMNS)
EXPORT_PROPERTIES = tuple(c.name for c in COLUMNS if c.export)
LIST_COLUMNS = tuple(c.name for c in COLUMNS if c.type in ("list", "mentions"))


def check_columns(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return `frame` with exactly the schema's columns in schema order.

    Raises ValueError naming the missing or unexpected columns (a programming error, not user input)."""
    missing, extra = set(NAMES) - set(frame.columns), set(frame.columns) - set(NAMES)
    if missing or extra:
        raise ValueError(f"feature table columns differ from the schema: missing {sorted(missing)}, "
                         f"unexpected {sorted(extra)}")
    return frame[list(NAMES)]


def _plain(value):
    """Turn pyarrow/numpy nested values back into plain lists and dicts."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    return value


def normalise(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return `frame` (as read from GeoParquet) with each column in its schema type: lists as plain
    lists, booleans as bool, optional text as str or None, numbers as float."""
    for col in COLUMNS:
        values = frame[col.name]
        if col.type in ("list", "mentions"):
            frame[col.name] = [_plain(v) if v is not None else [] for v in values]
        elif col.type == "bool":
            frame[col.name] = values.astype(bool)
        elif col.type == "str?":
            frame[col.name] = values.astype(object).where(values.notna(), None)
        elif col.type == "float?":
            frame[col.name] = pd.to_numeric(values).astype(float)
    return frame
