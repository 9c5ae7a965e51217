"""The map's view-model (mapapp.app.viewmodel.MapData) on the real build, without a browser: the
area-wide rule, the layers and their drawing order, the place report, place names and water."""
from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pytest
import shapely

from mapapp.app.viewmodel import NEAR_M, MapData
from mapapp.display import AREA_WIDE_KM2, LAYERS, display_geometries
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


def _unpack(data: MapData, datum: str = "WGS84") -> dict:
    return json.loads(gzip.decompress(data.display_pack(datum)))


def _decode(seq: list[int], scale: int) -> np.ndarray:
    """The browser's reading of a delta-coded coordinate sequence (static/mapapp.js latLngs)."""
    return np.cumsum(np.array(seq, dtype=np.int64).reshape(-1, 2), axis=0) / scale


def _rings(geometry: list, scale: int) -> list[np.ndarray]:
    kind, c = geometry
    if kind in ("P", "L"):
        return [_decode(c, scale)]
    if kind in ("ML", "A"):
        return [_decode(s, scale) for s in c]
    if kind == "MA":
        return [_decode(s, scale) for part in c for s in part]
    raise AssertionError(kind)


def test_display_pack_holds_every_located_feature_once_in_drawing_order_with_its_display_geometry(data):
    pack = _unpack(data)
    order = data.display_order()
    f = data.features
    located = np.flatnonzero(f.geometry.notna().to_numpy())
    assert sorted(order.tolist()) == located.tolist()  # every located feature, once
    rows = data.layer_rows(located)
    assert pack["layers"] == [[name, len(rows[name])] for name in LAYERS]
    assert order.tolist() == np.concatenate([rows[name] for name in LAYERS]).tolist()
    assert [r[0] for r in pack["features"]] == f["id"].iloc[order].tolist()
    assert [r[1] for r in pack["features"]] == f["name"].iloc[order].tolist()  # names as written (escaped on the page)
    shown = display_geometries(f.geometry.iloc[order], "WGS84")
    seen = set()
    for row, pos, geom in zip(pack["features"], order, shown):
        kind = row[7][0]
        wide = data.is_area_wide(pos)
        assert bool(row[5] & 2) == wide and bool(row[5] & 1) == bool(f["upper_bound"].iloc[pos])
        if wide and geom.geom_type in ("Polygon", "MultiPolygon"):
            assert kind in ("L", "ML")  # an area-wide polygon travels as its outline
            geom = shapely.boundary(geom)
            seen.add("outline")
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            assert kind in ("A", "MA")
            seen.add("polygon")
        if kind == "P" and f["uncertainty_m"].iloc[pos] > 0:
            assert row[6] == round(f["uncertainty_m"].iloc[pos])
            seen.add("radius")
        # the coordinates the browser reads back are the display geometry's, to the last digit
        got = np.concatenate(_rings(row[7], pack["scale"]))
        want = shapely.get_coordinates(geom)
        assert got.shape == want.shape and np.abs(got - want).max() < 1e-9, row[0]
    assert seen == {"outline", "polygon", "radius"}


def test_display_pack_in_gcj02_is_shifted_about_600_m(data):
    wgs, gcj = _unpack(data, "WGS84"), _unpack(data, "GCJ-02")
    assert [r[0] for r in wgs["features"]] == [r[0] for r in gcj["features"]]
    i = next(i for i, r in enumerate(wgs["features"]) if r[7][0] == "P")
    (x0, y0), (x1, y1) = _decode(wgs["features"][i][7][1], 10**5)[0], _decode(gcj["features"][i][7][1], 10**5)[0]
    assert 0.003 < x1 - x0 < 0.007 and -0.005 < y1 - y0 < -0.002


def test_selection_is_a_bitmask_of_exactly_the_selected_located_features(data):
    f = data.features
    kind = f[f.geometry.notna()]["kind"].value_counts().index[0]
    positions = data.select(FeatureFilter(kinds=[kind]))
    bits = np.unpackbits(np.frombuffer(base64.b64decode(data.selection(positions)), dtype=np.uint8), bitorder="little")
    order = data.display_order()
    chosen = order[bits[:len(order)].astype(bool)]
    assert sorted(chosen.tolist()) == sorted(p for p in positions.tolist() if data.is_located(p))
    assert not bits[len(order):].any()
    assert len(data.selection(positions)) <= 4 * ((len(order) + 7) // 8 + 2) // 3 + 4  # 1 bit per feature
    everything = np.unpackbits(np.frombuffer(base64.b64decode(data.selection(data.select(FeatureFilter()))),
                                             dtype=np.uint8), bitorder="little")
    assert everything[:len(order)].all()
    assert not np.unpackbits(np.frombuffer(base64.b64decode(data.selection(np.array([], dtype=int))),
                                           dtype=np.uint8)).any()


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


def test_select_and_facet_counts_equal_the_library_filter_on_combined_filters(data):
    """select() and facet_counts() combine per-field conditions evaluated by filter_features: the
    result must be exactly filter_features' on the whole filter, and each facet the count of
    located features per choice among filter_features' rows without that field."""
    import pandas as pd
    from dataclasses import replace

    from mapapp.app.viewmodel import FILTER_FIELDS
    from mapapp.features import filter_features

    f = data.features
    located = f[f.geometry.notna()]
    kind = located["kind"].value_counts().index[0]
    sector = located["sectors"].explode().value_counts().index[1]
    city = located["cities"].explode().value_counts().index[0]
    plan = located["plans"].explode().value_counts().index[0]
    filters = [FeatureFilter(), FeatureFilter(kinds=[kind]), FeatureFilter(kinds=[kind], sectors=[sector]),
               FeatureFilter(within=[city], plans=[plan]), FeatureFilter(query="南昌", statuses=["planned"]),
               FeatureFilter(sectors=[sector], include_unlocated=True), FeatureFilter(query="没有这个名字")]
    for flt in filters:
        want = filter_features(f, flt, data.boundaries).index.to_numpy()
        assert data.select(flt).tolist() == want.tolist(), flt
        counts = data.facet_counts(flt)
        for name in FILTER_FIELDS:
            rows = f.loc[filter_features(f, replace(flt, **{name: []}), data.boundaries).index]
            rows = rows[rows.geometry.notna()]
            if name == "within":
                values = [u for cs, ks in zip(rows["cities"], rows["counties"]) for u in {*cs, *ks}]
            elif name in ("plans", "sectors"):
                values = [v for vs in rows[name] for v in set(vs)]
            else:
                values = list(rows[{"kinds": "kind", "statuses": "status", "precisions": "precision"}[name]])
            expected = {str(k): int(v) for k, v in pd.Series(values, dtype=object).value_counts().items()}
            assert counts[name] == expected, (flt, name)
