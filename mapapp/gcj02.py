"""WGS84 <-> GCJ-02 ("Mars coordinates"), for drawing on GCJ-02 basemaps (AMap) only.

GCJ-02 is the obfuscated datum Chinese web maps use; PROJ cannot express it. The forward shift
WGS84 -> GCJ-02 is the published closed formula (Krasovsky ellipsoid constants). The inverse has no
closed form: `gcj02_to_wgs84` runs fixed-point iterations w -= forward(w) - g, which converge to
well under a millimetre in 4 steps (the common one-step inverse is off by 1-3 m in Jiangxi).

Stored and exported data are always WGS84; apply `shift_geometries` only to what is drawn on a
GCJ-02 basemap.
"""
from __future__ import annotations

import numpy as np
import shapely

_A = 6378245.0                      # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323        # its first eccentricity squared


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return GCJ-02 (lon, lat) arrays for WGS84 lon/lat (scalars or arrays). Outside China the
    coordinates are returned unchanged, as the datum defines."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    inside = _in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon, lat, iterations: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 (lon, lat) for GCJ-02 lon/lat by fixed-point iteration of the forward shift
    (exact to < 1 mm after 4 iterations)."""
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon - (f_lon - g_lon)
        w_lat = w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def shift_geometries(geoms, to_gcj02: bool = True) -> np.ndarray:
    """Return a copy of the shapely geometries (array-like, None allowed) shifted WGS84 -> GCJ-02
    (or back with to_gcj02=False), vectorised over all vertices."""
    func = wgs84_to_gcj02 if to_gcj02 else gcj02_to_wgs84

    def _move(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), _move)
