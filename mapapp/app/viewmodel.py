"""The map's view-model: one build prepared for display, with no Streamlit and no browser in it.

`MapData` wraps one build. It selects features with the library's `filter_features` (one call per
filter field and choice, combined and memoised) or, when the build lives in a store that filters
where it keeps it (PostGIS), through `select_ids` (the store's `id_selector`), counts the features
behind each filter choice, splits a selection into the map's layers (area-wide outlines, precise
shapes, points), answers a click with a `PlaceReport`, and keeps one compact copy of every located
feature per datum for the browser (`display_pack`, made by the library's `mapapp.display`: the
drawing order, the area-wide rule and the display geometry are defined there), which the browser
fetches once; a filter change then sends only `selection`, a bitmask over that copy. Exports never
use it: they go through `mapapp.export` at full precision.
"""
from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..display import DisplayLayout, display_geometries, display_pack
from ..features import FeatureFilter, filter_features

# Boundaries and water are context, sent with the base map on every rerun: 4 decimals (about 11 m)
# and, for water, 0.0015° (about 150 m) keep them light.
CONTEXT_DECIMALS = 4
WATER_SIMPLIFY_DEG = 0.0015
FIT_MARGIN_DEG = 0.3  # the map fits the selection clipped to Jiangxi plus this margin
FILTER_FIELDS = ("plans", "sectors", "kinds", "statuses", "precisions", "within")
FILTER_COLUMNS = ("plans", "sectors", "kind", "status", "precision", "name", "aliases", "cities", "counties")
NEAR_M = 3000.0   # the place report lists selected features within this distance of the click
MAX_NEAR = 15     # … at most this many, nearest first

# 24 distinguishable colours, assigned to sectors in vocabulary order.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#e6550d", "#31a354", "#843c39", "#7b4173", "#3182bd",
           "#fd8d3c", "#74c476", "#ad494a", "#a55194", "#636363", "#8ca252", "#de9ed6", "#6b6ecf")



def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Return the metres per degree of longitude and of latitude at latitude `lat` (WGS84)."""
    phi = math.radians(lat)
    return (111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi),
            111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi))


@dataclass(frozen=True)
class PlaceReport:
    """What the map knows about one point: its county and city (None outside the boundaries), the
    selected precise features at or near it (row position, distance in metres; nearest first) and
    the selected area-wide features whose area covers it (row positions, smallest area first)."""

    lon: float
    lat: float
    county: str | None
    city: str | None
    near: list[tuple[int, float]]
    covering: list[int]


@dataclass(frozen=True)
class PlaceLabel:
    """A place name drawn on the map: name, level ('city' or 'county'), representative point."""

    name: str
    level: str
    lon: float
    lat: float


def sector_colors(manifest: dict) -> dict[str, str]:
    """Return a colour per sector key, stable for a given vocabulary."""
    keys = list(manifest["vocabulary"]["sectors"])
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def filter_key(flt: FeatureFilter) -> tuple:
    """Return a hashable key of a filter (order of choices does not matter)."""
    d = asdict(flt)
    return tuple((k, tuple(sorted(v)) if isinstance(v, list) else v) for k, v in sorted(d.items()))


def _metres(geoms: np.ndarray, lat0: float) -> np.ndarray:
    """Return geometries scaled to metres around latitude `lat0` (equirectangular; fine within a
    few kilometres, which is what distances in the place report are)."""
    return shapely.transform(geoms, lambda c: c * np.array(_metres_per_degree(lat0)))


@dataclass
class MapData:
    """One build prepared for the map. Thread-safe memoisation; build it once per build folder."""

    features: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    manifest: dict
    context: gpd.GeoDataFrame | None = None  # the build's water and place names (mapapp.context)
    # ids matching a filter, in table order (stores.BuildStore.id_selector); None: filter in memory
    select_ids: Callable[[FeatureFilter], list[str]] | None = None
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self.features = self.features.reset_index(drop=True)
        self.colors = sector_colors(self.manifest)
        f = self.features
        geoms = f.geometry.values
        self.layout = DisplayLayout.of(f)  # located, area-wide, point, size: how the map draws each row
        self._located = self.layout.located
        self._area_wide = self.layout.area_wide
        self._size = self.layout.size
        # Fit to what lies in and around Jiangxi: a rail line that runs on to Kunming should not
        # zoom the map out to all of China. Features wholly outside keep their own bounds.
        province = self.boundaries[self.boundaries["level"] == "province"]
        frame = province.total_bounds + FIT_MARGIN_DEG * np.array([-1, -1, 1, 1])
        near = shapely.bounds(shapely.clip_by_rect(geoms, *frame))
        own = f.geometry.bounds.to_numpy(dtype=float)  # NaN rows for missing geometry
        self._bounds = np.where(np.isnan(near).any(axis=1, keepdims=True), own, near)
        # ODbL: the map credits OpenStreetMap whenever the build holds OSM-derived geometry
        self.uses_osm = bool(f["osm_data"].any())
        located = np.flatnonzero(self._located)
        self._tree_rows = located
        self._tree = shapely.STRtree(geoms[located])
        self._position = {fid: i for i, fid in enumerate(f["id"])}
        # what filter_features reads of one field's choice (unlocated rows included, so it never
        # touches the geometry): subsetting it is much cheaper than the whole feature table
        self._filter_table = pd.DataFrame(f[list(FILTER_COLUMNS)])
        self.unlocated_count = int((~self._located).sum())

    # ---- selection -------------------------------------------------------------------------
    def select(self, flt: FeatureFilter) -> np.ndarray:
        """Return the row positions matching `flt`, in table order (memoised). With `select_ids` the
        store answers (raising BuildChanged once it holds another build); otherwise the library's
        filter_features ANDs one condition per filter field; each condition is evaluated once by
        filter_features itself (`_field_mask`) and combined here, so the choices are the library's
        and a filter change evaluates only the field that changed. Raises MapappError for an
        unknown unit."""
        key = ("select", filter_key(flt))
        hit = self._memo.get(key)
        if hit is None:
            if self.select_ids is not None:
                hit = np.sort(np.fromiter((self._position[i] for i in self.select_ids(flt)), dtype=int))
            else:
                mask = self._mask(flt)
                if not flt.include_unlocated:
                    mask &= self._located
                hit = np.flatnonzero(mask)
            self._remember(key, hit)
        return hit

    def _field_mask(self, name: str, value) -> np.ndarray:
        """Return the rows (located or not) that filter_features keeps for one field's choice."""
        key = ("field", name, value if name == "query" else tuple(sorted(value)))
        hit = self._memo.get(key)
        if hit is None:
            rows = filter_features(self._filter_table, FeatureFilter(include_unlocated=True, **{name: value}),
                                   self.boundaries)
            hit = np.zeros(len(self.features), dtype=bool)
            hit[rows.index.to_numpy()] = True
            self._remember(key, hit)
        return hit

    def _mask(self, flt: FeatureFilter, skip: str | None = None) -> np.ndarray:
        """Return the rows matching every field of `flt` but `skip` (unlocated rows included)."""
        mask = np.ones(len(self.features), dtype=bool)
        for name in (*FILTER_FIELDS, "query"):
            value = getattr(flt, name)
            if name != skip and (value.strip() if name == "query" else value):
                mask &= self._field_mask(name, value.strip() if name == "query" else value)
        return mask

    def frame(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        """Return the selected rows as a GeoDataFrame (full precision, for exports and tables): the
        view-model's `features.Select`."""
        return self.features.iloc[self.select(flt)]

    def position(self, feature_id: str | None) -> int | None:
        """Return the row position of a feature id, or None if the build has no such feature."""
        return self._position.get(feature_id) if feature_id else None

    def row(self, feature_id: str | None) -> pd.Series | None:
        """Return the feature-table row of `feature_id`, or None."""
        pos = self.position(feature_id)
        return None if pos is None else self.features.iloc[pos]

    def is_located(self, position: int) -> bool:
        """Return True if the row at `position` has a geometry."""
        return bool(self._located[position])

    def is_area_wide(self, position: int) -> bool:
        """Return True if the row at `position` is area-wide (display.AREA_WIDE_RULE)."""
        return bool(self._area_wide[position])

    def filter_options(self) -> dict[str, list[str]]:
        """Return the choices of each filter: the vocabulary entries and units that occur."""
        hit = self._memo.get(("options",))
        if hit is not None:
            return hit
        f, m = self.features, self.manifest
        located = f[self._located]
        present_sectors = {s for ss in f["sectors"] for s in ss}
        units = self.boundaries
        used_units = {u for cs, ks in zip(located["cities"], located["counties"]) for u in (*cs, *ks)}
        hit = {
            "plans": [p["id"] for p in m["plans"]],
            "sectors": [k for k in m["vocabulary"]["sectors"] if k in present_sectors],
            "kinds": [k for k in m["vocabulary"]["kinds"] if k in set(f["kind"])],
            "statuses": [k for k in m["vocabulary"]["statuses"] if k in set(f["status"])],
            "precisions": [k for k in m["vocabulary"]["precisions"] if k in set(located["precision"])],
            "within": [n for level in ("city", "county") for n in units[units["level"] == level]["name"]
                       if n in used_units],
        }
        self._remember(("options",), hit)
        return hit

    def facet_counts(self, flt: FeatureFilter) -> dict[str, dict[str, int]]:
        """Return, for each filter field, how many located features each choice would show given
        the other fields' current choices."""
        key = ("facets", filter_key(flt))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        out = {}
        for name in FILTER_FIELDS:
            rows, codes, choices = self._facet_pairs(name)
            keep = (self._mask(flt, skip=name) & self._located)[rows]
            counts = np.bincount(codes[keep], minlength=len(choices))
            out[name] = {choices[i]: int(counts[i]) for i in np.flatnonzero(counts)}
        self._remember(key, out)
        return out

    def _facet_pairs(self, name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Return (row, choice code, choices) pairs of one filter field: every value a row has
        (plans, sectors, and for `within` its cities and counties, each once per row)."""
        key = ("pairs", name)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        f = self.features
        if name == "within":
            per_row = [{*cs, *ks} for cs, ks in zip(f["cities"], f["counties"])]
        elif name in ("plans", "sectors"):
            per_row = [set(vs) for vs in f[name]]
        else:
            column = {"kinds": "kind", "statuses": "status", "precisions": "precision"}[name]
            per_row = [() if v is None or (isinstance(v, float) and math.isnan(v)) else (v,) for v in f[column]]
        rows = [i for i, vs in enumerate(per_row) for _ in vs]
        values = [str(v) for vs in per_row for v in vs]
        choices = sorted(set(values))
        code = {c: i for i, c in enumerate(choices)}
        hit = (np.array(rows, dtype=np.int64), np.array([code[v] for v in values], dtype=np.int64), choices)
        self._remember(key, hit)
        return hit

    def unlocated(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        """Return the records without geometry that match `flt` (the unmapped ledger)."""
        rows = self.features.iloc[self.select(replace(flt, include_unlocated=True))]
        return rows[rows.geometry.isna()]

    def bounds(self, positions: np.ndarray) -> tuple[float, float, float, float] | None:
        """Return (west, south, east, north) of the selected located features, or None."""
        b = self._bounds[positions]
        b = b[~np.isnan(b).any(axis=1)]
        if not len(b):
            return None
        return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())

    def layer_rows(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Return the selected located rows split into the map's layers, in drawing order (display.LAYERS:
        area-wide outlines, precise lines and polygons, points); within a layer larger features
        come first, so smaller ones are drawn above them (display.DisplayLayout.layer_rows)."""
        return self.layout.layer_rows(positions)

    def sectors_shown(self, positions: np.ndarray) -> list[str]:
        """Return the first sectors of the selected located features, in vocabulary order."""
        located = self.features["sectors"].to_numpy()[positions[self._located[positions]]]
        present = {ss[0] for ss in located if len(ss)}
        order = list(self.manifest["vocabulary"]["sectors"])
        return sorted(present, key=lambda s: (order.index(s) if s in order else len(order), s))

    # ---- the place report ------------------------------------------------------------------
    def place_report(self, lon: float, lat: float, positions: np.ndarray,
                     near_m: float = NEAR_M, limit: int = MAX_NEAR) -> PlaceReport:
        """Return the PlaceReport of the point (lon, lat) in WGS84 among the selected `positions`:
        county and city from the build's boundaries; precise features within `near_m` metres
        (at most `limit`, nearest first; 0 when the point is on or inside); area-wide features
        whose area covers the point (smallest first)."""
        pt = shapely.Point(lon, lat)
        county = city = None
        b = self.boundaries
        hits = b[(b["level"] == "county") & b.geometry.covers(pt)]
        if len(hits):
            county, city = str(hits["name"].iloc[0]), str(hits["city"].iloc[0]) or None
        else:
            cities = b[(b["level"] == "city") & b.geometry.covers(pt)]
            city = str(cities["name"].iloc[0]) if len(cities) else None
        selected = np.zeros(len(self.features), dtype=bool)
        selected[np.asarray(positions, dtype=int)] = True
        pad = near_m / min(_metres_per_degree(max(-80.0, min(80.0, lat))))
        cand = self._tree_rows[self._tree.query(shapely.box(lon - pad, lat - pad, lon + pad, lat + pad))]
        cand = cand[selected[cand]]
        geoms = self.features.geometry.values
        precise = cand[~self._area_wide[cand]]
        dist = (shapely.distance(_metres(geoms[precise], lat), _metres(np.array([pt]), lat)[0])
                if len(precise) else np.array([]))
        keep = dist <= near_m
        order = np.lexsort((self._size[precise][keep], dist[keep]))
        near = [(int(precise[keep][i]), float(dist[keep][i])) for i in order[:limit]]
        wide = self._tree_rows[self._tree.query(pt, predicate="intersects")]
        wide = wide[selected[wide] & self._area_wide[wide]]
        covering = [int(i) for i in wide[np.argsort(self._size[wide], kind="stable")]]
        return PlaceReport(lon=float(lon), lat=float(lat), county=county, city=city, near=near, covering=covering)

    # ---- place names -----------------------------------------------------------------------
    def place_labels(self, datum: str = "WGS84") -> list[PlaceLabel]:
        """Return the city and county names of the build's context, at their points in `datum`."""
        key = ("labels", datum)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        c = self.context
        places = c[c["kind"] == "place"] if c is not None else c
        out = []
        if places is not None and len(places):
            points = display_geometries(places.geometry, datum, decimals=CONTEXT_DECIMALS)
            out = [PlaceLabel(str(n), str(lv), float(p.x), float(p.y))
                   for n, lv, p in zip(places["name"], places["level"], points)]
        self._remember(key, out)
        return out

    def water_geojson(self, datum: str) -> str:
        """Return the build's lakes and rivers (property k: 'lake' or 'river') as GeoJSON text."""
        key = ("water", datum)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        c = self.context
        water = c[c["kind"].isin(["lake", "river"])] if c is not None else None
        parts = []
        if water is not None and len(water):
            geoms = shapely.to_geojson(display_geometries(water.geometry, datum, WATER_SIMPLIFY_DEG, CONTEXT_DECIMALS))
            parts = [f'{{"type":"Feature","properties":{{"k":{json.dumps(k)}}},"geometry":{g}}}'
                     for k, g in zip(water["kind"], geoms)]
        text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
        self._remember(key, text)
        return text

    # ---- what the browser holds -------------------------------------------------------------
    def display_order(self) -> np.ndarray:
        """Return the row positions of every located feature in the order the browser holds and
        draws them (display.DisplayLayout.order). A selection is a bitmask over this order."""
        hit = self._memo.get(("order",))
        if hit is None:
            hit = self.layout.order()
            self._remember(("order",), hit)
        return hit

    def display_pack(self, datum: str) -> bytes:
        """Return every located feature's display geometry and map properties in `display_order()`
        as gzip-compressed JSON (display.display_pack; made once per build and datum: the browser
        fetches it once and applies selections to it, see static/mapapp.js `mapapp.load`)."""
        key = ("pack", datum)
        hit = self._memo.get(key)
        if hit is None:
            hit = display_pack(self.features, self.layout, datum)
            self._remember(key, hit)
        return hit

    def selection(self, positions: np.ndarray) -> str:
        """Return the rows at `positions` as a bitmask over `display_order()` (bit i of byte i//8
        is feature i, least significant bit first), base64-encoded: what a filter change sends
        to the browser. Unlocated rows are not in the order and are left out."""
        order = self.display_order()
        slot = self._memo.get(("slot",))
        if slot is None:
            slot = np.full(len(self.features), -1, dtype=np.int64)
            slot[order] = np.arange(len(order))
            self._remember(("slot",), slot)
        at = slot[np.asarray(positions, dtype=np.int64)]
        mask = np.zeros(len(order), dtype=bool)
        mask[at[at >= 0]] = True
        return base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode("ascii")

    def boundary_geojson(self, level: str, datum: str) -> str:
        """Return the boundaries of one level ('province', 'city', 'county') as GeoJSON text."""
        key = ("boundary", level, datum)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        b = self.boundaries[self.boundaries["level"] == level]
        geoms = shapely.to_geojson(display_geometries(b.geometry, datum, decimals=CONTEXT_DECIMALS))
        parts = [f'{{"type":"Feature","properties":{json.dumps({"name": n}, ensure_ascii=False)},"geometry":{g}}}'
                 for n, g in zip(b["name"], geoms)]
        text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
        self._remember(key, text)
        return text

    def _remember(self, key, value) -> None:
        with self._lock:
            if len(self._memo) > 400:  # selections are small; keep memory bounded all the same
                for k in [k for k in self._memo if k[0] in ("select", "facets", "field")][:200]:
                    self._memo.pop(k, None)
            self._memo[key] = value
