"""Sanity checks for coordinates and geometries: WGS84 ranges, swapped (lat, lon), validity, region."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Generous bounds of mainland China; anything outside is an error, not a place in a Chinese plan.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (17.0, 54.0)


def coordinate_problem(lon: float, lat: float) -> str | None:
    """Return what is wrong with a WGS84 (lon, lat) pair for a place in China, or None."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return f"coordinate ({lon}, {lat}) is not a finite number"
    if CHINA_LAT[0] <= lon <= CHINA_LAT[1] and CHINA_LON[0] <= lat <= CHINA_LON[1]:
        return (f"coordinate ({lon}, {lat}) looks swapped: lon/lat must be in that order "
                f"(lon ≈ 113-119, lat ≈ 24-31 in Jiangxi)")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"coordinate ({lon}, {lat}) is outside WGS84 lon/lat ranges (are these projected metres?)"
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        return f"coordinate ({lon}, {lat}) is outside China"
    return None


def geometry_problems(geom: BaseGeometry | None, region: BaseGeometry, region_name: str,
                      max_distance_deg: float = 0.05) -> list[str]:
    """Return what is wrong with a resolved geometry: empty, invalid, swapped, or not touching the region.

    A geometry counts as in the region when it intersects the region buffered by max_distance_deg."""
    if geom is None or geom.is_empty:
        return ["geometry is empty"]
    coords = shapely.get_coordinates(geom)
    for lon, lat in coords:
        problem = coordinate_problem(float(lon), float(lat))
        if problem:
            return [problem]
    problems = []
    if not geom.is_valid:
        problems.append(f"geometry is invalid: {shapely.is_valid_reason(geom)}")
    if not geom.intersects(region.buffer(max_distance_deg)):
        c = geom.centroid
        problems.append(f"geometry (around {c.x:.4f}, {c.y:.4f}) lies outside {region_name}")
    return problems
