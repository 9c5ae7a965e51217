"""Areas in km² (Albers equal-area) and lengths in km (geodesic on WGS84) of EPSG:4326 geometries."""
from __future__ import annotations

import numpy as np
from pyproj import CRS, Geod
from shapely.geometry.base import BaseGeometry
import geopandas as gpd

# Albers equal-area conic with standard parallels bracketing Jiangxi (24.5°N–30.1°N).
EQUAL_AREA = CRS.from_proj4("+proj=aea +lat_0=0 +lon_0=116 +lat_1=25 +lat_2=30 +x_0=0 +y_0=0 "
                            "+ellps=WGS84 +units=m +no_defs")
_GEOD = Geod(ellps="WGS84")


def area_km2(geoms: gpd.GeoSeries) -> np.ndarray:
    """Return each polygon's area in km² (NaN for points, lines and missing geometry: not applicable)."""
    areas = geoms.to_crs(EQUAL_AREA).area.to_numpy(dtype=float) / 1e6
    polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    areas[~polygonal] = np.nan
    return areas


def length_km(geoms: gpd.GeoSeries) -> np.ndarray:
    """Return each line's geodesic length in km (NaN for points, polygons and missing geometry)."""
    out = np.full(len(geoms), np.nan)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        if g.geom_type in ("LineString", "MultiLineString"):
            out[i] = _GEOD.geometry_length(g) / 1000
    return out


def geometry_area_km2(geom: BaseGeometry) -> float:
    """Return one WGS84 geometry's area in km²."""
    return float(area_km2(gpd.GeoSeries([geom], crs="EPSG:4326"))[0])
