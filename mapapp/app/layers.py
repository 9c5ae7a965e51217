"""The folium side of the map: basemaps, the base map that stays across reruns, and the feature
layers swapped in on each filter change. The drawing itself is `static/mapapp.js`; what is drawn
comes from the view-model (`viewmodel.MapData`).

Everything an annotator wrote reaches the browser as JSON data and is put on the page with
`textContent` (tooltips, labels): never as HTML.
"""
from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from dataclasses import dataclass

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from .. import vector_tiles
from ..gcj02 import shift_geometries
from . import assets
from .viewmodel import MapData

JIANGXI_CENTER = (27.3, 115.7)
# Selections larger than this draw on one canvas instead of one SVG path per feature (setting:
# MAPAPP_CANVAS_ABOVE, e.g. 0 to always use the canvas).
CANVAS_ABOVE = int(os.environ.get("MAPAPP_CANVAS_ABOVE", "3000"))


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
        base = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk=" + tk  # noqa: E501
        out["tianditu"] = Basemap("tianditu", base.format(s="{s}", layer="vec"), "&copy; 天地图 Tianditu", "WGS84",
                                  subdomains="01234567", overlay_url=base.format(s="{s}", layer="cva"))
    return out


# ---- folium elements ------------------------------------------------------------------------

class MapappBase(MacroElement):
    """Calls mapapp.init (static/mapapp.js) on the map with the page's options (place labels,
    datum, legend box, tile-failure message, the URL of the water). Added to the base map once."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.mapapp.init({{ this._parent.get_name() }}, {{ this.options }});
        {% endmacro %}
    """)

    def render(self, **kwargs):  # the script is taken by st_folium from the macro
        return None

    def __init__(self, options: dict):
        super().__init__()
        self._name = "MapappBase"
        self.options = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")


class _ScriptOnly(MacroElement):
    """An element whose script st_folium takes straight from the template macro. branca's render()
    would also copy the rendered script into the figure by compiling it as a Jinja template, which
    for megabytes of GeoJSON costs most of a rerun; st_folium never uses that copy, so skip it."""

    def render(self, **kwargs):
        return None


class MapappLayer(_ScriptOnly):
    """One of the map's feature layers (viewmodel.LAYERS), its data an already serialised string
    (no json round trip). The first layer of a drawing resets the page's feature index; the last
    one sets the legend and lets the page order, highlight and count what was drawn."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {% if this.first %}window.mapapp.reset();{% endif %}
        var {{ this.get_name() }} = window.mapapp.layer({{ this.layer }}, JSON.parse({{ this.data }}), {{ this.canvas }})
            .addTo({{ this._parent.get_name() }});
        {% if this.last %}window.mapapp.setLegend({{ this.legend }}); window.mapapp.drawn();{% endif %}
        {% endmacro %}
    """)  # noqa: E501

    def __init__(self, layer: str, data_literal: str, canvas: bool, first: bool, last: bool, legend_html: str = ""):
        super().__init__()
        self._name = "MapappLayer"
        self.layer = json.dumps(layer)
        self.data = data_literal  # a JS string literal holding the GeoJSON text (JSON.parse is faster than a literal)
        self.canvas = "true" if canvas else "false"
        self.first, self.last = first, last
        self.legend = json.dumps(legend_html, ensure_ascii=False).replace("</", "<\\/")


class TiledLayer(_ScriptOnly):
    """The map's features drawn from the build's vector tiles (static/mapapp.js `mapapp.tiled`): only
    the selection (a bitmask over row positions), its count and the selected feature's box are sent;
    the browser fetches the tiles it needs by range requests and keeps them across filter changes."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.mapapp.reset();
        var {{ this.get_name() }} = window.mapapp.tiled({{ this.url }}, {{ this.options }})
            .addTo({{ this._parent.get_name() }});
        window.mapapp.setLegend({{ this.legend }}); window.mapapp.drawn();
        {% endmacro %}
    """)

    def __init__(self, url: str, options: dict, legend_html: str = ""):
        super().__init__()
        self._name = "TiledLayer"
        self.url = json.dumps(url)
        self.options = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")
        self.legend = json.dumps(legend_html, ensure_ascii=False).replace("</", "<\\/")


class BoundaryGeoJson(_ScriptOnly):
    """A non-interactive outline layer (administrative boundaries), its GeoJSON fetched from the
    app's static folder (see assets.publish)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.mapapp.fetchedLayer({{ this.url }}, {{ this.style }}, {pane: 'mapappBoundaries'})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)  # noqa: E501

    def __init__(self, url: str, style: dict):
        super().__init__()
        self._name = "BoundaryGeoJson"
        self.url = json.dumps(url)
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
    the boundary layers (switchable in the layer control) and mapapp.init with `options` plus
    the place labels and the water in the basemap's datum. Boundaries and water go to the
    browser as static files (assets.publish), fetched once, not with every rerun."""
    m = folium.Map(location=JIANGXI_CENTER, zoom_start=7, tiles=None, control_scale=False, zoom_snap=0.25,
                   prefer_canvas=False, min_zoom=4, max_zoom=18)
    m.default_js = assets.js_links()
    m.default_css = assets.css_links()
    if basemap.url:
        folium.TileLayer(basemap.url, attr=basemap.attribution, name=basemap.key, subdomains=basemap.subdomains,
                         max_zoom=18, control=False).add_to(m)
        if basemap.overlay_url:
            folium.TileLayer(basemap.overlay_url, attr=basemap.attribution, name=basemap.key + "-labels",
                             subdomains=basemap.subdomains, max_zoom=18, control=False, overlay=True).add_to(m)
    datum = basemap.datum
    options = dict(options, labels=[[x.name, x.level, x.lon, x.lat] for x in data.place_labels(datum)],
                   waterUrl=assets.publish(f"water-{datum}", data.water_geojson(datum)))
    MapappBase(options).add_to(m)
    for level in ("county", "city", "province"):
        fg = folium.FeatureGroup(name=html.escape(boundary_names[level]), show=level in boundary_shown)
        url = assets.publish(f"boundary-{level}-{datum}", data.boundary_geojson(level, datum))
        BoundaryGeoJson(url, BOUNDARY_STYLES[level]).add_to(fg)
        fg.add_to(m)
    return m


def feature_groups(data: MapData, positions: np.ndarray, datum: str, layer_names: dict[str, str],
                   legend_html: str) -> list[folium.FeatureGroup]:
    """Return one FeatureGroup per map layer (viewmodel.LAYERS, bottom to top) with the selected
    features, for feature_group_to_add; the first one also fits the map to the selection.
    `layer_names` gives each layer's name in the layer control ({n} is its feature count)."""
    groups = []
    box = data.bounds(positions)
    by_layer = {k: v for k, v in data.layer_rows(positions).items() if len(v)}
    canvas = len(positions) > CANVAS_ABOVE
    if not by_layer:  # nothing selected: still swap the old layers out and report 0 drawn
        by_layer = {"shapes": np.array([], dtype=int)}
    for i, (name, rows) in enumerate(by_layer.items()):
        fg = folium.FeatureGroup(name=html.escape(layer_names[name].format(n=len(rows))), control=bool(len(rows)))
        if not groups and box is not None:  # fit first: drawing then refitting would draw twice
            if datum == "GCJ-02":
                lo, la = shift_geometries([shapely.Point(box[0], box[1]), shapely.Point(box[2], box[3])])
                box = (lo.x, lo.y, la.x, la.y)
            FitBounds(box).add_to(fg)
        MapappLayer(name, data.layer_literal(rows, datum), canvas and name != "area", first=i == 0,
                    last=i == len(by_layer) - 1, legend_html=legend_html).add_to(fg)
        groups.append(fg)
    return groups


def selection_mask(positions: np.ndarray, total: int) -> str:
    """Return the selected row positions as a base64 bitmask of `total` bits (bit i of byte i // 8,
    least significant first: what mapapp.js `shown` reads against a tile feature's MVT id)."""
    bits = np.zeros(total, dtype=bool)
    bits[np.asarray(positions, dtype=int)] = True
    return base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode("ascii")


def tiles_url(tiles: dict[str, Path], datum: str, build_id: str) -> str | None:
    """Return the URL of the build's vector tiles for `datum` in the app's static folder, or None
    when the build has none (then the map draws GeoJSON). Raises MapappError when the tiles exist
    but the tile layer's script is not installed (`make setup`)."""
    if datum not in tiles:
        return None
    assets.require_protomaps()
    return assets.publish_file(f"tiles-{datum}", tiles[datum], build_id)


def tiled_groups(data: MapData, positions: np.ndarray, datum: str, url: str, layer_name: str, legend_html: str,
                 selected: str | None) -> list[folium.FeatureGroup]:
    """Return the one FeatureGroup of a selection drawn from vector tiles (for feature_group_to_add):
    the map fits the selection and shows the features whose bit is set. `selected` is the page's
    selected feature id, whose box lets the map zoom to it."""
    located = np.sort(np.concatenate(list(data.layer_rows(positions).values())))
    fg = folium.FeatureGroup(name=html.escape(layer_name.format(n=len(located))), control=True)
    box = data.bounds(located)
    if box is not None:
        if datum == "GCJ-02":
            lo, la = shift_geometries([shapely.Point(box[0], box[1]), shapely.Point(box[2], box[3])])
            box = (lo.x, lo.y, la.x, la.y)
        FitBounds(box).add_to(fg)
    pos = data.position(selected)
    chosen = None
    if pos is not None and data.is_located(pos):
        b = data.bounds(np.array([pos]))
        if datum == "GCJ-02":
            lo, la = shift_geometries([shapely.Point(b[0], b[1]), shapely.Point(b[2], b[3])])
            b = (lo.x, lo.y, la.x, la.y)
        chosen = {"id": selected, "box": list(b)}
    options = {"mask": selection_mask(located, len(data.features)), "count": len(located),
               "maxDataZoom": vector_tiles.MAX_ZOOM, "selected": chosen}
    TiledLayer(url, options, legend_html).add_to(fg)
    return [fg]
