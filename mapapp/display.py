"""The map's display geometry: how a build's located features are drawn, as a library with no UI.

Both the app's view-model (`mapapp.app.viewmodel.MapData`, the browser's copy of the features) and
the build pipeline (`pipeline.write_vector_tiles`, the vector tiles of large builds) draw from here,
so the two paths number and draw every feature the same way:

- `DisplayLayout.of(features)`: per row whether it is located, area-wide (`AREA_WIDE_RULE`), a
  point, and its size; `layer_rows` splits rows into the map's layers (`LAYERS`, bottom to top)
  and `order()` gives every located row in drawing order (a selection is a bitmask over it);
- `display_geometries`: geometry as drawn (shifted to GCJ-02 on such a basemap, simplified,
  rounded);
- `display_features`: every located feature's display geometry and map properties in that order;
- `display_pack`: the same as compact gzip-compressed JSON, the form the browser fetches once.

Area-wide features (`AREA_WIDE_RULE`): an upper bound (the entity lies somewhere inside), a
geometry made of whole administrative units (method `admin`: counties, cities, the province), or a
polygon of more than `AREA_WIDE_KM2`. On this project's data (2026-12) the admin features run from
34.8 km² (a city district) to 167,051 km² (the province); four hand-drawn polygons lie above the
threshold (鄱阳湖, two basin-wide water projects of 7,958 and 12,170 km², and 1,152 km² drawn for
江西飞行学院); the largest precise polygon is 赣江新区 at 474 km², well below it. Area-wide
features say where a plan puts something only at the scale of a county or more, so the map draws
them as outlines in their own layer and the place report lists them as "covering" a point.

Exports never use display geometry: they go through `mapapp.export` at full precision.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .gcj02 import shift_geometries

SIMPLIFY_DEG = 0.001
DECIMALS = 5
AREA_WIDE_KM2 = 1000.0
AREA_WIDE_RULE = (f"upper bound, or method 'admin' (whole counties, cities or the province), "
                  f"or a polygon larger than {AREA_WIDE_KM2:,.0f} km²")
LAYERS = ("area", "shapes", "points")  # drawing order, bottom to top
PACK_FORMAT = "mapapp-features-1"  # the layout of display_pack(); static/mapapp.js reads it
PACK_SCALE = 10 ** DECIMALS        # display coordinates are integers in 1/PACK_SCALE degrees


def display_geometries(geoms, datum: str, tolerance: float = SIMPLIFY_DEG, decimals: int = DECIMALS) -> np.ndarray:
    """Return geometries as drawn: shifted to GCJ-02 if `datum` says so, simplified by `tolerance`
    degrees (topology preserved), rounded to `decimals`."""
    values = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    if datum == "GCJ-02":
        values = shift_geometries(values)
    simple = shapely.simplify(values, tolerance, preserve_topology=True)
    return shapely.transform(simple, lambda c: np.round(c, decimals))


@dataclass(frozen=True)
class DisplayLayout:
    """How the map draws the rows of one feature table: per row whether it is located, area-wide
    (AREA_WIDE_RULE), a point, and its size (polygons by area, above lines, above points: larger
    features are drawn first, below smaller ones)."""

    located: np.ndarray
    area_wide: np.ndarray
    is_point: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, features: gpd.GeoDataFrame) -> DisplayLayout:
        """Return the layout of a feature table (with the schema's columns, any index)."""
        f = features
        geoms = f.geometry.values
        located = f.geometry.notna().to_numpy()
        area_km2 = pd.to_numeric(f["area_km2"], errors="coerce").fillna(0.0).to_numpy()
        wide = located & (f["upper_bound"].fillna(False).astype(bool).to_numpy()
                          | (f["method"] == "admin").to_numpy() | (area_km2 > AREA_WIDE_KM2))
        area = np.nan_to_num(shapely.area(geoms), nan=0.0)
        length = np.nan_to_num(shapely.length(geoms), nan=0.0)
        size = np.where(area > 0, area + 1.0, np.where(length > 0, 0.5, 0.0))
        point = located & np.isin(f.geometry.geom_type.fillna("").to_numpy(), ["Point", "MultiPoint"])
        return cls(located=located, area_wide=wide, is_point=point, size=size)

    def layer_rows(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Return the located rows among `positions` split into the map's layers, in drawing order
        (`LAYERS`: area-wide outlines, precise lines and polygons, points); within a layer larger
        features come first, so smaller ones are drawn above them."""
        positions = np.asarray(positions, dtype=int)
        positions = positions[self.located[positions]]
        wide = self.area_wide[positions]
        point = self.is_point[positions]
        out = {}
        for name, mask in (("area", wide), ("shapes", ~wide & ~point), ("points", ~wide & point)):
            rows = positions[mask]
            out[name] = rows[np.argsort(-self.size[rows], kind="stable")]
        return out

    def order(self) -> np.ndarray:
        """Return the row positions of every located feature in the order the browser holds and
        draws them (`layer_rows` of the whole table, layer after layer)."""
        return np.concatenate(list(self.layer_rows(np.arange(len(self.located))).values())).astype(np.int64)


@dataclass(frozen=True)
class DisplayFeatures:
    """The map's located features in display order (display_features): per feature its id, name,
    kind, first sector, precision, flags (1 upper bound, 2 area-wide), uncertainty radius in metres
    of a point (0 when unknown) and display geometry (shapely)."""

    ids: list[str]
    names: list[str]
    kinds: list[str]
    sectors: list[str]
    precisions: list[str]
    flags: np.ndarray
    radius: np.ndarray
    geometries: np.ndarray

    def geojson_features(self) -> list[str]:
        """Return one GeoJSON Feature string per feature ('' where the geometry is missing or empty),
        its top-level `id` the feature's index in display order. Properties: id, name, k (kind),
        s (sector), p (precision), and when set: u (upper bound), w (area-wide: the outline of its
        area), r (uncertainty radius in metres)."""
        geoms = self.geometries
        present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
        texts = np.full(len(geoms), None, dtype=object)
        texts[present] = shapely.to_geojson(geoms[present])
        out = []
        for i, (fid, name, kind, sector, prec, fl, r, g) in enumerate(zip(
                self.ids, self.names, self.kinds, self.sectors, self.precisions, self.flags.tolist(),
                self.radius.tolist(), texts)):
            if g is None:
                out.append("")
                continue
            props = {"id": fid, "name": name, "k": kind, "s": sector, "p": prec}
            if fl & 1:
                props["u"] = 1
            if fl & 2:
                props["w"] = 1
            if r:
                props["r"] = r
            out.append(f'{{"type":"Feature","id":{i},"properties":{json.dumps(props, ensure_ascii=False)},'
                       f'"geometry":{g}}}')
        return out


def display_features(features: gpd.GeoDataFrame, layout: DisplayLayout, datum: str) -> DisplayFeatures:
    """Return every located feature's display geometry and map properties in `layout.order()`.
    Display geometry: shifted to GCJ-02 if `datum` says so, simplified, rounded; area-wide polygons
    as their outline (only the outline takes a click)."""
    f = features
    order = layout.order()
    shown = display_geometries(f.geometry.iloc[order], datum)
    wide = layout.area_wide[order]
    outline = wide & (shapely.get_type_id(shown) >= 3)
    shown[outline] = shapely.boundary(shown[outline])
    upper = f["upper_bound"].fillna(False).astype(bool).to_numpy()[order]
    unc = pd.to_numeric(f["uncertainty_m"], errors="coerce").fillna(0.0).to_numpy()[order]
    return DisplayFeatures(
        ids=[str(x) for x in f["id"].iloc[order]], names=[str(x) for x in f["name"].iloc[order]],
        kinds=[str(x) for x in f["kind"].iloc[order]],
        sectors=[str(ss[0]) if len(ss) else "" for ss in f["sectors"].iloc[order]],
        precisions=[str(x or "") for x in f["precision"].iloc[order]],
        flags=upper.astype(int) | (2 * wide.astype(int)),
        radius=np.where(layout.is_point[order] & (unc > 0), np.round(unc), 0).astype(int),
        geometries=shown)


def display_pack(features: gpd.GeoDataFrame, layout: DisplayLayout, datum: str) -> bytes:
    """Return every located feature's display geometry and map properties in `layout.order()` as
    gzip-compressed JSON (the browser fetches it once and applies selections to it, see
    app/static/mapapp.js `mapapp.load`).

    {"format": "mapapp-features-1", "scale": 100000,
     "layers": [[layer name, feature count], ...]   consecutive runs of the order, LAYERS order
     "features": [[id, name, kind, first sector, precision, flags, radius, geometry], ...]}
    flags: 1 upper bound, 2 area-wide (drawn as the outline of its area); radius: uncertainty
    in metres of a point (0 when unknown). Geometry (display_features' geometry):
    ["P", [x, y]] point, ["L", seq] line, ["ML", [seq, ...]], ["A", [ring, ...]] polygon,
    ["MA", [[ring, ...], ...]], or ["G", GeoJSON geometry] for any other type. A seq or ring
    is a flat list of integers in 1/scale degrees: x0, y0, then the differences dx, dy to the
    previous vertex."""
    d = display_features(features, layout, datum)
    rows = [[fid, name, kind, sector, prec, fl, r, g] for fid, name, kind, sector, prec, fl, r, g in zip(
            d.ids, d.names, d.kinds, d.sectors, d.precisions, d.flags.tolist(), d.radius.tolist(),
            _encode_geometries(d.geometries))]
    layers = [[name, len(rows_)] for name, rows_ in layout.layer_rows(np.arange(len(features))).items()]
    doc = {"format": PACK_FORMAT, "scale": PACK_SCALE, "layers": layers, "features": rows}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=3, mtime=0)


def _delta_seqs(seqs: np.ndarray) -> list[list[int]]:
    """Return each coordinate sequence (LineStrings or LinearRings) as integers in 1/PACK_SCALE
    degrees: the first x, y, then the differences to the previous vertex (display_pack's seq)."""
    coords, owner = shapely.get_coordinates(seqs, return_index=True)
    q = np.rint(coords * PACK_SCALE).astype(np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    counts = np.bincount(owner, minlength=len(seqs))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    d[starts[counts > 0]] = q[starts[counts > 0]]
    flat = d.ravel().tolist()
    return [flat[2 * a:2 * (a + c)] for a, c in zip(starts.tolist(), counts.tolist())]


def _encode_geometries(geoms: np.ndarray) -> list:
    """Return display geometries in display_pack's form (None for a missing or empty one); the
    coordinates of all of them are converted at once."""
    out: list = [None] * len(geoms)
    types = shapely.get_type_id(geoms)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    idx = np.flatnonzero(present & (types == 0))
    if len(idx):
        for i, xy in zip(idx.tolist(), _delta_seqs(geoms[idx])):
            out[i] = ["P", xy]
    for family, multi, single_code, multi_code in (((1, 5), 5, "L", "ML"), ((3, 6), 6, "A", "MA")):
        idx = np.flatnonzero(present & np.isin(types, family))
        if not len(idx):
            continue
        parts, part_owner = shapely.get_parts(geoms[idx], return_index=True)
        if single_code == "L":
            seqs, seq_owner = parts, np.arange(len(parts))
        else:
            seqs, seq_owner = shapely.get_rings(parts, return_index=True)
        per_part: list[list] = [[] for _ in range(len(parts))]
        for owner, seq in zip(seq_owner.tolist(), _delta_seqs(seqs)):
            per_part[owner].append(seq)
        per_feature: list[list] = [[] for _ in range(len(idx))]
        for owner, part in zip(part_owner.tolist(), per_part):
            per_feature[owner].append(part[0] if single_code == "L" else part)
        for i, kind, parts_ in zip(idx.tolist(), types[idx].tolist(), per_feature):
            out[i] = [multi_code, parts_] if kind == multi else [single_code, parts_[0]]
    for i in np.flatnonzero(present & ~np.isin(types, (0, 1, 3, 5, 6))).tolist():
        out[i] = ["G", json.loads(shapely.to_geojson(geoms[i]))]
    return out
