"""The WGS84 -> GCJ-02 shift used only for drawing on the AMap basemap (no browser needed)."""
from __future__ import annotations

import numpy as np
import shapely

from mapapp.gcj02 import gcj02_to_wgs84, shift_geometries, wgs84_to_gcj02


def test_forward_shift_in_jiangxi_is_about_600_m_north_west_to_south_east():
    lon, lat = wgs84_to_gcj02(115.9, 28.68)  # Nanchang
    assert 0.0045 < lon - 115.9 < 0.0055
    assert -0.0038 < lat - 28.68 < -0.0030


def test_inverse_is_exact_by_fixed_point_iteration():
    rng = np.random.default_rng(1)
    lon = rng.uniform(113.5, 118.5, 10_000)
    lat = rng.uniform(24.5, 30.1, 10_000)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    # 1e-8 degrees is about 1 mm
    assert np.abs(w_lon - lon).max() < 1e-8 and np.abs(w_lat - lat).max() < 1e-8


def test_outside_china_nothing_moves():
    lon, lat = wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])


def test_shift_geometries_moves_every_vertex_and_keeps_none():
    square = shapely.box(115.0, 28.0, 115.1, 28.1)
    moved, missing = shift_geometries([square, None])
    assert missing is None
    a = shapely.get_coordinates(square)
    b = shapely.get_coordinates(moved)
    assert a.shape == b.shape
    assert np.all(b[:, 0] - a[:, 0] > 0.004) and np.all(b[:, 1] - a[:, 1] < -0.002)
    # the original is untouched (stored and exported data stay WGS84)
    assert shapely.get_coordinates(square)[0].tolist() == [115.1, 28.0]
