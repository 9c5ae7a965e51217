"""The map's view-model (mapapp.app.viewmodel.MapData) on the real build, without a browser: the
area-wide rule, the layers and their drawing order, the place report, place names and water."""
from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from mapapp.app.viewmodel import AREA_WIDE_KM2, LAYERS, NEAR_M, MapData
from mapapp.features import FeatureFilter

UTM50 = "EPSG:32650"  # metres, for distances computed independently of the view-model


@pytest.fixture(scope="module")
def data(real_build) -> MapData:
    b = real_build
    return MapData(b.features, b.boundaries, b.manifest, b.context)


def _expected_area_wide(f) -> np.ndarray:
    located = f.geometry.notna().to_numpy()
    return located & (f["upper_bound"].to_numpy(dtype=bool) | (f["method"] == "admin").to_numpy()
                      | (f["area_km2"].fillna(0).to_numpy() > AREA_WIDE_KM2))


def test_area_wide_rule_covers_upper_bounds_admin_units_and_huge_polygons_only(data):
    f = data.features
    expected = _expected_area_wide(f)
    got = np.array([data.is_area_wide(i) for i in range(len(f))])
    assert (got == expected).all()
    assert got[f["upper_bound"].to_numpy(dtype=bool)].all()
    # the province-wide features are area-wide; no point and nothing unlocated is
    province_wide = (f["area_km2"].fillna(0) > 100_000).to_numpy()  # Jiangxi is about 167,000 km²
    assert province_wide.any() and got[province_wide].all()
    assert not got[(f.geometry.geom_type == "Point").to_numpy()].any()
    assert not got[f.geometry.isna().to_numpy()].any()


def test_layers_partition_the_selection_and_draw_smaller_above_larger(data):
    everything = data.select(FeatureFilter())
    rows = data.layer_rows(everything)
    assert list(rows) == list(LAYERS)
    joined = np.concatenate(list(rows.values()))
    located = [p for p in everything if data.is_located(p)]
    assert sorted(joined.tolist()) == sorted(located)
    assert all(data.is_area_wide(p) for p in rows["area"])
    assert not any(data.is_area_wide(p) for p in rows["shapes"]) and not any(data.is_area_wide(p) for p in rows["points"])
    for name in ("area", "shapes"):  # first drawn = largest; the browser draws later ones on top
        areas = shapely.area(data.features.geometry.values[rows[name]])
        polys = areas[areas > 0]
        assert (np.diff(polys) <= 1e-12).all(), name


def test_display_strings_send_area_wide_polygons_as_outlines_and_points_with_their_radius(data):
    strings = data.feature_strings("WGS84")
    f = data.features
    seen_outline = seen_polygon = seen_radius = False
    for i in range(len(f)):
        if not strings[i]:
            assert not data.is_located(i)
            continue
        feat = json.loads(strings[i])
        kind = feat["geometry"]["type"]
        if data.is_area_wide(i) and f.geometry.iloc[i].geom_type in ("Polygon", "MultiPolygon"):
            assert kind in ("LineString", "MultiLineString") and feat["properties"]["w"] == 1
            seen_outline = True
        elif f.geometry.iloc[i].geom_type in ("Polygon", "MultiPolygon"):
            assert kind in ("Polygon", "MultiPolygon") and "w" not in feat["properties"]
            seen_polygon = True
        if kind == "Point" and f["uncertainty_m"].iloc[i] > 0:
            assert feat["properties"]["r"] == round(f["uncertainty_m"].iloc[i])
            seen_radius = True
    assert seen_outline and seen_polygon and seen_radius


def _expected_report(data, lon, lat, flt=None):
    """The place report computed independently with geopandas in UTM metres."""
    flt = flt or FeatureFilter()
    import geopandas as gpd

    sel = data.features.iloc[data.select(flt)]
    sel = sel[sel.geometry.notna()]
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(UTM50).iloc[0]
    wide = np.array([data.is_area_wide(i) for i in sel.index])
    metric = sel.to_crs(UTM50)
    dist = metric.geometry.distance(pt)
    near = dist[~wide & (dist <= NEAR_M)].sort_values(kind="stable")
    covering = sel[wide & sel.geometry.covers(shapely.Point(lon, lat)).to_numpy()]
    return near, covering


def test_place_report_in_xunwu_names_the_county_and_every_area_wide_feature_covering_it(data):
    county = data.boundaries[data.boundaries["name"] == "寻乌县"].geometry.iloc[0]
    pt = county.representative_point()
    report = data.place_report(pt.x, pt.y, data.select(FeatureFilter()))
    assert (report.county, report.city) == ("寻乌县", "赣州市")
    near, covering = _expected_report(data, pt.x, pt.y)
    assert sorted(report.covering) == sorted(covering.index.tolist())
    assert len(report.covering) >= 3  # the province-wide and 赣州-wide features at least
    areas = [data.features["area_km2"].iloc[i] for i in report.covering]
    assert areas == sorted(areas)  # smallest first
    assert {i for i, _ in report.near} == set(near.index.tolist()[:len(report.near)])


def test_place_report_in_nanchang_lists_near_features_nearest_first_with_distances(data):
    lon, lat = 115.905, 28.665  # central 南昌
    report = data.place_report(lon, lat, data.select(FeatureFilter()))
    assert report.city == "南昌市" and report.county
    near, _ = _expected_report(data, lon, lat)
    assert len(report.near) == min(len(near), 15) and len(report.near) > 3
    dists = [d for _, d in report.near]
    assert dists == sorted(dists)
    # the local equirectangular distance agrees with UTM within 3 % (long straight segments
    # bend differently in the two projections, which moves the nearest point a little)
    for pos, d in report.near:
        assert abs(d - near.loc[pos]) < max(5.0, 0.03 * d)


def test_place_report_follows_the_filters(data):
    lon, lat = 115.905, 28.665
    kind = data.features.iloc[[p for p, _ in data.place_report(lon, lat, data.select(FeatureFilter())).near]]["kind"].iloc[0]
    flt = FeatureFilter(kinds=[kind])
    report = data.place_report(lon, lat, data.select(flt))
    assert report.near and all(data.features["kind"].iloc[p] == kind for p, _ in report.near)
    assert all(data.features["kind"].iloc[p] == kind for p in report.covering)
    near, covering = _expected_report(data, lon, lat, flt)
    assert len(report.near) == min(len(near), 15)
    assert {p for p, _ in report.near} <= set(near.index)
    assert sorted(report.covering) == sorted(covering.index.tolist())


def test_place_report_outside_jiangxi_has_no_county(data):
    report = data.place_report(121.47, 31.23, data.select(FeatureFilter()))  # Shanghai
    assert report.county is None and report.city is None


def test_place_labels_put_every_city_name_inside_its_city(data):
    labels = data.place_labels()
    cities = data.boundaries[data.boundaries["level"] == "city"]
    by_name = {x.name: x for x in labels if x.level == "city"}
    assert set(by_name) == set(cities["name"])
    for name, geom in zip(cities["name"], cities.geometry):
        assert geom.covers(shapely.Point(by_name[name].lon, by_name[name].lat)), name
    assert sum(x.level == "county" for x in labels) == (data.boundaries["level"] == "county").sum()
    shifted = {x.name: x for x in data.place_labels("GCJ-02")}
    assert 0.003 < shifted["南昌市"].lon - by_name["南昌市"].lon < 0.008  # drawn on AMap: shifted


def test_water_is_drawn_from_the_build_context_with_poyang_lake(data):
    water = json.loads(data.water_geojson("WGS84"))
    kinds = [f["properties"]["k"] for f in water["features"]]
    assert kinds.count("lake") >= 1 and kinds.count("river") >= 20
    lakes = [shapely.geometry.shape(f["geometry"]) for f in water["features"] if f["properties"]["k"] == "lake"]
    assert any(lake.covers(shapely.Point(116.25, 29.05)) for lake in lakes)  # open water of 鄱阳湖
