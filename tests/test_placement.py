"""The precision profile counts what issue 11 measures: within 2 km, stacked points, upper bounds."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point, box

from mapapp.placement import placement_profile


def _row(fid, geom, precision, unc, plans, upper=False, method="point"):
    return {"id": fid, "geometry": geom, "precision": precision, "uncertainty_m": unc, "plans": plans,
            "upper_bound": upper, "method": method}


def test_profile_counts_each_rule():
    p = Point(115.9, 28.7)
    rows = [
        _row("a", p, "point", 500.0, ["x"]),            # within 2 km, stacked (3 share p)
        _row("b", p, "point", 5000.0, ["x"]),           # stacked, too coarse
        _row("c", p, "point", None, ["y"]),             # stacked, no radius
        _row("d", Point(116, 28), "point", 2000.0, ["y"]),   # exactly 2 km counts
        _row("e", LineString([(115, 27), (116, 28)]), "derived", 6000.0, ["x", "y"]),  # derived counts
        _row("f", box(114, 26, 115, 27), "approximate", None, ["y"], upper=True, method="admin"),
        _row("h", box(115, 28, 115.01, 28.01), "approximate", 500.0, ["y"], upper=True, method="manual"),
        _row("g", None, None, None, ["x"]),
    ]
    f = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    prof = placement_profile(f).set_index("plan")
    assert prof.loc["all", "records"] == 8 and prof.loc["all", "within_2km"] == 3
    assert prof.loc["all", "points"] == 4 and prof.loc["all", "stacked_points"] == 3
    assert prof.loc["all", "upper_bounds"] == 1 and prof.loc["all", "unlocated"] == 1
    assert prof.loc["x", "records"] == 4 and prof.loc["x", "within_2km"] == 2 and prof.loc["x", "unlocated"] == 1
    assert prof.loc["y", "records"] == 5 and prof.loc["y", "stacked_points"] == 1
