"""What the map draws: cached display GeoJSON per feature, the folium map and its layers.

`MapData` wraps one build. It selects features with the library's `filter_features` (memoised per
filter), counts the features behind each filter choice, and keeps one small GeoJSON string per
located feature and datum (simplified 0.001° with topology preserved, rounded to 5 decimals,
properties reduced to what the map needs). A layer is a join of those strings, so a rerun never
goes through json.dumps of geometry. Exports never use these strings: they go through
`mapapp.export` at full precision.

Everything an annotator wrote reaches the browser as JSON data and is put on the page with
`textContent` (tooltips, popups): never as HTML.
"""
from __future__ import annotations

import html
import json
import os
import threading
from dataclasses import asdict, dataclass, field, replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from ..features import FeatureFilter, filter_features
from ..gcj02 import shift_geometries
from . import assets

SIMPLIFY_DEG = 0.001
DECIMALS = 5
JIANGXI_CENTER = (27.3, 115.7)
FIT_MARGIN_DEG = 0.3  # the map fits the selection clipped to Jiangxi plus this margin
# Selections larger than this draw on one canvas instead of one SVG path per feature (setting:
# MAPAPP_CANVAS_ABOVE, e.g. 0 to always use the canvas).
CANVAS_ABOVE = int(os.environ.get("MAPAPP_CANVAS_ABOVE", "3000"))
FILTER_FIELDS = ("plans", "sectors", "kinds", "statuses", "precisions", "within")

# 24 distinguishable colours, assigned to sectors in vocabulary order.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#e6550d", "#31a354", "#843c39", "#7b4173", "#3182bd",
           "#fd8d3c", "#74c476", "#ad494a", "#a55194", "#636363", "#8ca252", "#de9ed6", "#6b6ecf")


@dataclass(frozen=True)
class Basemap:
    """A background tile layer: its key, tile URL template, attribution and datum."""

    key: str
    url: str | None
    attribution: str
    datum: str                      # "WGS84" or "GCJ-02": what the overlays are drawn in
    subdomains: str = "abc"
    overlay_url: str | None = None  # a second tile layer drawn on top (labels), if any


def basemaps(tianditu_key: str | None) -> dict[str, Basemap]:
    """Return the basemaps, in menu order. 天地图 is present only when a key is given."""
    out = {
        "none": Basemap("none", None, "", "WGS84"),
        "osm": Basemap("osm", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                       "&copy; OpenStreetMap contributors", "WGS84"),
        "amap": Basemap("amap", "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
                        "&copy; 高德地图 AutoNavi", "GCJ-02", subdomains="1234"),
    }
    if tianditu_key:
        tk = html.escape(tianditu_key.strip(), quote=True)
        base = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk=" + tk
        out["tianditu"] = Basemap("tianditu", base.format(s="{s}", layer="vec"), "&copy; 天地图 Tianditu", "WGS84",
                                  subdomains="01234567", overlay_url=base.format(s="{s}", layer="cva"))
    return out


def sector_colors(manifest: dict) -> dict[str, str]:
    """Return a colour per sector key, stable for a given vocabulary."""
    keys = list(manifest["vocabulary"]["sectors"])
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def filter_key(flt: FeatureFilter) -> tuple:
    """Return a hashable key of a filter (order of choices does not matter)."""
    d = asdict(flt)
    return tuple((k, tuple(sorted(v)) if isinstance(v, list) else v) for k, v in sorted(d.items()))


def _display_geometries(geoms: gpd.GeoSeries, datum: str) -> np.ndarray:
    arr = geoms.values
    values = np.asarray(arr, dtype=object)
    if datum == "GCJ-02":
        values = shift_geometries(values)
    simple = shapely.simplify(values, SIMPLIFY_DEG, preserve_topology=True)
    return shapely.transform(simple, lambda c: np.round(c, DECIMALS))


@dataclass
class MapData:
    """One build prepared for the map. Thread-safe memoisation; build it once per build folder."""

    features: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    manifest: dict
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self.features = self.features.reset_index(drop=True)
        self.colors = sector_colors(self.manifest)
        self._literals: dict = {}
        located = self.features.geometry.notna()
        # Fit to what lies in and around Jiangxi: a rail line that runs on to Kunming should not
        # zoom the map out to all of China. Features wholly outside keep their own bounds.
        frame = self.boundaries[self.boundaries["level"] == "province"].total_bounds + FIT_MARGIN_DEG * np.array([-1, -1, 1, 1])
        clipped = shapely.clip_by_rect(self.features.geometry.values, *frame)
        own = self.features.geometry.bounds.to_numpy(dtype=float)  # NaN rows for missing geometry
        near = shapely.bounds(clipped)
        self._bounds = np.where(np.isnan(near).any(axis=1, keepdims=True), own, near)
        self._located = located.to_numpy()
        # ODbL: the map credits OpenStreetMap whenever the build holds OSM-derived geometry
        self.uses_osm = bool(self.features["osm_data"].any())
        # drawing order key: polygon area in square degrees, lines a little, points nothing
        geoms = self.features.geometry.values
        area = np.nan_to_num(shapely.area(geoms), nan=0.0)
        length = np.nan_to_num(shapely.length(geoms), nan=0.0)
        self._size = np.where(area > 0, area + 1.0, np.where(length > 0, 0.5, 0.0))

    # ---- selection -------------------------------------------------------------------------
    def select(self, flt: FeatureFilter) -> np.ndarray:
        """Return the row positions matching `flt` (the library's filter_features, memoised)."""
        key = ("select", filter_key(flt))
        hit = self._memo.get(key)
        if hit is None:
            rows = filter_features(self.features, flt, self.boundaries)
            hit = rows.index.to_numpy()
            self._remember(key, hit)
        return hit

    def frame(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        """Return the selected rows as a GeoDataFrame (full precision, for exports and tables)."""
        return self.features.iloc[self.select(flt)]

    def facet_counts(self, flt: FeatureFilter) -> dict[str, dict[str, int]]:
        """Return, for each filter field, how many located features each choice would show given
        the other fields' current choices."""
        key = ("facets", filter_key(flt))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        out = {}
        for name in FILTER_FIELDS:
            rows = self.features.iloc[self.select(replace(flt, **{name: []}))]
            if name == "within":
                values = [u for cs, ks in zip(rows["cities"], rows["counties"]) for u in {*cs, *ks}]
            elif name in ("plans", "sectors"):
                values = [v for vs in rows[name] for v in set(vs)]
            else:
                column = {"kinds": "kind", "statuses": "status", "precisions": "precision"}[name]
                values = list(rows[column])
            out[name] = {str(k): int(v) for k, v in pd.Series(values, dtype=object).value_counts().items()}
        self._remember(key, out)
        return out

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

    # ---- display strings -------------------------------------------------------------------
    def feature_strings(self, datum: str) -> np.ndarray:
        """Return one GeoJSON Feature string per row ('' for unlocated rows), for `datum`."""
        key = ("strings", datum)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        f = self.features
        out = np.full(len(f), "", dtype=object)
        idx = np.flatnonzero(self._located)
        geoms = shapely.to_geojson(_display_geometries(f.geometry.iloc[idx], datum))
        for i, g, fid, name, kind, sectors, prec, upper in zip(
                idx, geoms, f["id"].iloc[idx], f["name"].iloc[idx], f["kind"].iloc[idx],
                f["sectors"].iloc[idx], f["precision"].iloc[idx], f["upper_bound"].iloc[idx]):
            props = {"id": fid, "name": name, "k": kind, "s": sectors[0] if len(sectors) else "", "p": prec}
            if upper:
                props["u"] = 1
            props = json.dumps(props, ensure_ascii=False)
            out[i] = f'{{"type":"Feature","properties":{props},"geometry":{g}}}'
        self._remember(key, out)
        return out

    def layer_geojson(self, positions: np.ndarray, datum: str) -> str:
        """Return a FeatureCollection string of the given rows (display geometry)."""
        strings = self.feature_strings(datum)[positions]
        return '{"type":"FeatureCollection","features":[' + ",".join(s for s in strings if s) + "]}"

    def layer_literal(self, positions: np.ndarray, datum: str) -> str:
        """Return layer_geojson() as a JS string literal, memoised for the last few layers."""
        key = (datum, hash(positions.tobytes()), len(positions))
        with self._lock:
            hit = self._literals.get(key)
        if hit is None:
            hit = json.dumps(self.layer_geojson(positions, datum), ensure_ascii=False).replace("</", "<\\/")
            with self._lock:
                self._literals[key] = hit
                while len(self._literals) > 24:
                    self._literals.pop(next(iter(self._literals)))
        return hit

    def layers_by_kind(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Return the selected located rows grouped by kind. Large shapes are drawn first (below)
        and points last (on top): kinds by their largest area, rows by area, descending."""
        kinds = self.features["kind"].to_numpy()[positions]
        located = self._located[positions]
        groups = {}
        for k in set(kinds[located]):
            rows = positions[(kinds == k) & located]
            order = np.argsort(-self._size[rows], kind="stable")
            groups[k] = rows[order]
        ranked = sorted(groups, key=lambda k: (-float(self._size[groups[k]].max()), str(k)))
        return {k: groups[k] for k in ranked}

    def boundary_geojson(self, level: str, datum: str) -> str:
        """Return the boundaries of one level ('province', 'city', 'county') as GeoJSON text."""
        key = ("boundary", level, datum)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        b = self.boundaries[self.boundaries["level"] == level]
        geoms = shapely.to_geojson(_display_geometries(b.geometry, datum))
        parts = [f'{{"type":"Feature","properties":{json.dumps({"name": n}, ensure_ascii=False)},"geometry":{g}}}'
                 for n, g in zip(b["name"], geoms)]
        text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
        self._remember(key, text)
        return text

    def _remember(self, key, value) -> None:
        with self._lock:
            if len(self._memo) > 400:  # selections are small; keep memory bounded all the same
                for k in [k for k in self._memo if k[0] in ("select", "facets")][:200]:
                    self._memo.pop(k, None)
            self._memo[key] = value


# ---- folium elements ------------------------------------------------------------------------

_BASE_JS = """
window.mapappOptions = %(options)s;
window.mapappStyle = function (p) {
  var o = window.mapappOptions, c = o.colors[p.s] || '#555555';
  var st = {color: c, fillColor: c, weight: 2, opacity: 0.95, fillOpacity: 0.35, dashArray: null};
  if (p.p === 'exact') { st.fillOpacity = 0.25; }
  if (p.p === 'derived') { st.fillOpacity = 0.2; }
  if (p.p === 'approximate') { st.dashArray = '6 5'; st.opacity = 0.7; st.fillOpacity = 0.12; }
  if (p.u) { st.dashArray = '2 5'; st.weight = 1.5; st.fillOpacity = 0.02; }
  if (p.p === 'point') { st.radius = 6; st.fillOpacity = 0.85; st.weight = 1.5; st.color = '#222222'; }
  return st;
};
window.mapappText = function (lines) {
  var box = document.createElement('div');
  box.className = 'mapapp-tip';
  lines.forEach(function (t, i) {
    var row = document.createElement(i === 0 ? 'b' : 'div');
    row.textContent = t;
    box.appendChild(row);
  });
  return box;
};
window.mapappCountDrawn = function () {
  // after the next frame is painted: how many features are on the map (read by tests and bench)
  requestAnimationFrame(function () { setTimeout(function () {
    var n = 0;
    for (var k in window.map._layers) {
      var l = window.map._layers[k];
      if (l.feature && !l._layers && l.feature.properties && l.feature.properties.k !== undefined) { n += 1; }
    }
    window.mapappDrawn = n;
  }, 0); });
};
window.mapappLines = function (p) {
  var o = window.mapappOptions;
  return [String(p.name), (o.kinds[p.k] || p.k) + ' · ' + (o.sectors[p.s] || p.s),
          o.precisionWord + ': ' + (o.precisions[p.p] || p.p)];
};
window.mapappLayer = function (data, canvas) {
  var group = null, opts = {};
  if (canvas) {
    window.mapappCanvas = window.mapappCanvas || L.canvas({padding: 0.3});
    opts.renderer = window.mapappCanvas;
  }
  group = L.geoJSON(data, {
    renderer: opts.renderer,
    style: function (f) { return window.mapappStyle(f.properties); },
    pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({}, opts, window.mapappStyle(f.properties))); },
    onEachFeature: function (f, layer) {
      var id = String(f.properties.id).replace(/[^A-Za-z0-9_-]/g, '_');
      layer.options.className = 'mapapp-feature mapapp-f-' + id;
      layer.bindTooltip(function () { return window.mapappText(window.mapappLines(f.properties)); },
                        {sticky: true});
      layer.bindPopup(function () { return window.mapappText(window.mapappLines(f.properties).concat([window.mapappOptions.popupHint])); },
                      {autoPan: true, maxWidth: 280});
      layer.on('click', function () {
        if (window.mapappSelected && window.mapappSelected.layer !== layer) {
          window.mapappSelected.group.resetStyle(window.mapappSelected.layer);
        }
        layer.setStyle({weight: 4, opacity: 1});
        layer.closeTooltip();
        window.mapappSelected = {group: group, layer: layer};
      });
    }
  });
  return group;
};
(function () {
  var Datum = L.Control.extend({
    options: {position: 'bottomleft'},
    onAdd: function () {
      var d = L.DomUtil.create('div', 'mapapp-datum');
      d.textContent = window.mapappOptions.datumText;
      return d;
    }
  });
  window.mapappDatum = Datum;
})();
"""

_BASE_CSS = """
<style>
.leaflet-container { background: #eef2f5; font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; }
.mapapp-tip { font-size: 13px; line-height: 1.35; min-width: 170px; max-width: 280px; white-space: normal; }
.mapapp-datum { background: rgba(255,255,255,0.85); padding: 2px 6px; font-size: 12px; border-radius: 3px; }
</style>
"""


class MapappBase(MacroElement):
    """Defines the page's JS helpers (styles, text-only tooltips, the layer factory) and the datum
    label. Added to the base map once; the filtered layers call into it."""

    _template = Template("""
        {% macro header(this, kwargs) %}""" + _BASE_CSS + """{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.js }}
        new window.mapappDatum().addTo({{ this._parent.get_name() }});
        if (window.mapappOptions.osmAttribution) {
          {{ this._parent.get_name() }}.attributionControl.addAttribution(window.mapappOptions.osmAttribution);
        }
        {% endmacro %}
    """)

    def render(self, **kwargs):
        # Only the static stylesheet goes to the figure's header; the script (which carries labels)
        # is taken by st_folium from the macro and never compiled as a Jinja template.
        self.get_root().header.add_child(Element(_BASE_CSS), name=self.get_name())

    def __init__(self, options: dict):
        super().__init__()
        self._name = "MapappBase"
        self.options = options

        self.js = _BASE_JS % {"options": json.dumps(options, ensure_ascii=False).replace("</", "<\\/")}


class _ScriptOnly(MacroElement):
    """An element whose script st_folium takes straight from the template macro. branca's render()
    would also copy the rendered script into the figure by compiling it as a Jinja template, which
    for megabytes of GeoJSON costs most of a rerun; st_folium never uses that copy, so skip it."""

    def render(self, **kwargs):
        return None


class RawGeoJson(_ScriptOnly):
    """A GeoJSON layer whose data is an already serialised string (no json round trip)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {% if this.first %}window.mapappDrawn = -1;{% endif %}
        var {{ this.get_name() }} = window.mapappLayer(JSON.parse({{ this.data }}), {{ this.canvas }})
            .addTo({{ this._parent.get_name() }});
        {% if this.last %}window.mapappCountDrawn();{% endif %}
        {% endmacro %}
    """)

    def __init__(self, data_literal: str, canvas: bool, first: bool, last: bool):
        super().__init__()
        self._name = "RawGeoJson"
        self.data = data_literal  # a JS string literal holding the GeoJSON text (JSON.parse is faster than a literal)
        self.canvas = "true" if canvas else "false"
        self.first, self.last = first, last


class BoundaryGeoJson(_ScriptOnly):
    """A non-interactive outline layer (administrative boundaries)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {interactive: false,
            style: function () { return {{ this.style }}; }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data: str, style: dict):
        super().__init__()
        self._name = "BoundaryGeoJson"
        self.data = data.replace("</", "<\\/")
        self.style = json.dumps(style)


class FitBounds(_ScriptOnly):
    """Fits the live map to a box when the filtered content is (re)drawn."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        if (window.map) { window.map.fitBounds({{ this.box }}, {padding: [24, 24], maxZoom: 13, animate: false}); }
        {% endmacro %}
    """)

    def __init__(self, bounds: tuple[float, float, float, float]):
        super().__init__()
        self._name = "FitBounds"
        w, s, e, n = bounds
        pad = 0.005
        self.box = json.dumps([[s - pad, w - pad], [n + pad, e + pad]])


BOUNDARY_STYLES = {
    "province": {"color": "#222222", "weight": 2.2, "fill": False, "opacity": 0.9},
    "city": {"color": "#555555", "weight": 1.4, "fill": False, "opacity": 0.8},
    "county": {"color": "#888888", "weight": 0.8, "fill": False, "opacity": 0.7, "dashArray": "3 3"},
}


def base_map(data: MapData, basemap: Basemap, options: dict, boundary_names: dict[str, str],
             boundary_shown: tuple[str, ...] = ("province", "city")) -> folium.Map:
    """Return the folium map that stays the same across filter changes: basemap, local assets,
    JS helpers and the boundary layers (switchable in the layer control)."""
    m = folium.Map(location=JIANGXI_CENTER, zoom_start=7, tiles=None, control_scale=True, zoom_snap=0.5,
                   prefer_canvas=False, min_zoom=4, max_zoom=18)
    m.default_js = assets.js_links()
    m.default_css = assets.css_links()
    if basemap.url:
        folium.TileLayer(basemap.url, attr=basemap.attribution, name=basemap.key, subdomains=basemap.subdomains,
                         max_zoom=18, control=False).add_to(m)
        if basemap.overlay_url:
            folium.TileLayer(basemap.overlay_url, attr=basemap.attribution, name=basemap.key + "-labels",
                             subdomains=basemap.subdomains, max_zoom=18, control=False, overlay=True).add_to(m)
    MapappBase(options).add_to(m)
    for level in ("county", "city", "province"):
        fg = folium.FeatureGroup(name=html.escape(boundary_names[level]), show=level in boundary_shown)
        BoundaryGeoJson(data.boundary_geojson(level, basemap.datum), BOUNDARY_STYLES[level]).add_to(fg)
        fg.add_to(m)
    return m


def kind_groups(data: MapData, positions: np.ndarray, datum: str, kind_label) -> list[folium.FeatureGroup]:
    """Return one FeatureGroup per kind with the selected features (for feature_group_to_add);
    the first one also fits the map to the selection."""
    groups = []
    box = data.bounds(positions)
    by_kind = data.layers_by_kind(positions)
    canvas = len(positions) > CANVAS_ABOVE
    for i, (kind, rows) in enumerate(by_kind.items()):
        fg = folium.FeatureGroup(name=html.escape(f"{kind_label(kind)} ({len(rows)})"))
        if not groups and box is not None:  # fit first: drawing then refitting would draw twice
            if datum == "GCJ-02":
                lo, la = shift_geometries([shapely.Point(box[0], box[1]), shapely.Point(box[2], box[3])])
                box = (lo.x, lo.y, la.x, la.y)
            FitBounds(box).add_to(fg)
        RawGeoJson(data.layer_literal(rows, datum), canvas, first=i == 0, last=i == len(by_kind) - 1).add_to(fg)
        groups.append(fg)
    if not groups:  # nothing selected: still swap the old layers out and report 0 drawn
        fg = folium.FeatureGroup(name="empty", control=False)
        RawGeoJson(json.dumps('{"type":"FeatureCollection","features":[]}'), False, first=True, last=True).add_to(fg)
        groups.append(fg)
    return groups
