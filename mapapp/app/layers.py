"""The folium side of the map: basemaps, the base map that stays across reruns, and the feature
layers swapped in on each filter change. The drawing itself is `static/mapapp.js`; what is drawn
comes from the view-model (`viewmodel.MapData`).

Everything an annotator wrote reaches the browser as JSON data and is put on the page with
`textContent` (tooltips, labels): never as HTML.
"""
from __future__ import annotations

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
# Builds with more located features than this draw them on one canvas instead of one SVG path
# each (setting: MAPAPP_CANVAS_ABOVE, e.g. 0 to always use the canvas).
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
        base = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk=" + tk)
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


class MapappSelection(_ScriptOnly):
    """The script of one feature layer's FeatureGroup (display.LAYERS) in feature_group_to_add:
    it ties the layer the browser already holds to this group's entry in the layer control, and
    the first group also carries the selection (bitmask, box to fit, legend) for mapapp.apply."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {% if this.selection %}window.mapapp.apply({{ this.selection }});{% endif %}
        window.mapapp.bindToggle({{ this.layer }}, {{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, layer: str, selection: dict | None = None):
        super().__init__()
        self._name = "MapappSelection"
        self.layer = json.dumps(layer)
        self.selection = (json.dumps(selection, ensure_ascii=False).replace("</", "<\\/")
                          if selection is not None else "")


class BoundaryGeoJson(_ScriptOnly):
    """A non-interactive outline layer (administrative boundaries), its GeoJSON fetched from the
    app's static folder (see assets.publish)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.mapapp.fetchedLayer(
            {{ this.url }}, {{ this.style }}, {pane: 'mapappBoundaries'}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, url: str, style: dict):
        super().__init__()
        self._name = "BoundaryGeoJson"
        self.url = json.dumps(url)
        self.style = json.dumps(style)


BOUNDARY_STYLES = {
    "province": {"color": "#222222", "weight": 2.2, "fill": False, "opacity": 0.9},
    "city": {"color": "#555555", "weight": 1.4, "fill": False, "opacity": 0.8},
    "county": {"color": "#888888", "weight": 0.8, "fill": False, "opacity": 0.7, "dashArray": "3 3"},
}


def base_map(data: MapData, basemap: Basemap, options: dict, boundary_names: dict[str, str],
             boundary_shown: tuple[str, ...] = ("province", "city"), tiles: str | None = None) -> folium.Map:
    """Return the folium map that stays the same across filter changes: basemap, local assets,
    the boundary layers (switchable in the layer control) and mapapp.init with `options` plus
    the place labels and the water in the basemap's datum. Boundaries, water and every located
    feature's display geometry (MapData.display_pack) go to the browser as static files
    (assets.publish), fetched once, not with every rerun; filter changes then send only the
    selection (feature_groups). Features draw on one canvas when the build has more than
    CANVAS_ABOVE of them, else as one SVG path each. With `tiles` (the URL of the build's vector
    tiles for this datum, see tiles_url) the features are not sent: the map draws them from the
    tiles, applying the same selection."""
    m = folium.Map(location=JIANGXI_CENTER, zoom_start=7, tiles=None, control_scale=False, zoom_snap=0.25,
                   prefer_canvas=False, min_zoom=4, max_zoom=18)
    data_url = None if tiles else assets.publish(f"features-{basemap.datum}", data.display_pack(basemap.datum),
                                                 suffix=".json.gz")
    m.default_js = assets.js_links(prefetch=data_url, tiled=bool(tiles))
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
    if tiles:
        options.update(tilesUrl=tiles, maxDataZoom=vector_tiles.MAX_ZOOM)
    else:
        options.update(dataUrl=data_url, canvas=len(data.display_order()) > CANVAS_ABOVE)
    MapappBase(options).add_to(m)
    for level in ("county", "city", "province"):
        fg = folium.FeatureGroup(name=html.escape(boundary_names[level]), show=level in boundary_shown)
        url = assets.publish(f"boundary-{level}-{datum}", data.boundary_geojson(level, datum))
        BoundaryGeoJson(url, BOUNDARY_STYLES[level]).add_to(fg)
        fg.add_to(m)
    return m


def _box(data: MapData, positions: np.ndarray, datum: str, pad: float = 0.0) -> list | None:
    """Return [[south, west], [north, east]] of the located features at `positions` in `datum`,
    widened by `pad` degrees, or None."""
    box = data.bounds(positions)
    if box is None:
        return None
    if datum == "GCJ-02":
        lo, la = shift_geometries([shapely.Point(box[0], box[1]), shapely.Point(box[2], box[3])])
        box = (lo.x, lo.y, la.x, la.y)
    w, s, e, n = box
    return [[s - pad, w - pad], [n + pad, e + pad]]


def feature_groups(data: MapData, positions: np.ndarray, datum: str, layer_names: dict[str, str],
                   legend_html: str, words: dict | None = None, focus: str | None = None) -> list[folium.FeatureGroup]:
    """Return one FeatureGroup per map layer (display.LAYERS, bottom to top), for
    feature_group_to_add. They hold no geometry: the browser already has every feature
    (base_map's data) or draws them from vector tiles, and the first group's script sends the
    selection, a bitmask over MapData.display_order() (MapData.selection), with the box to fit,
    the legend and `words` (the UI language's labels for mapapp.setWords).
    `layer_names` gives each layer's name in the layer control ({n} is its feature count); a
    layer with nothing selected stays out of the control. `focus` (for a tiled map, which holds
    no geometry to zoom to) is the page's selected feature id: its box goes with the selection."""
    selection = {"mask": data.selection(positions), "box": _box(data, positions, datum, pad=0.005),
                 "legend": legend_html, "words": words or {}}
    pos = data.position(focus)
    if pos is not None and data.is_located(pos):
        selection["focus"] = {"id": focus, "box": _box(data, np.array([pos]), datum)}
    groups = []
    for i, (name, rows) in enumerate(data.layer_rows(positions).items()):
        fg = folium.FeatureGroup(name=html.escape(layer_names[name].format(n=len(rows))), control=bool(len(rows)))
        MapappSelection(name, selection if i == 0 else None).add_to(fg)
        groups.append(fg)
    return groups


def tiles_url(tiles: dict[str, Path], datum: str, build_id: str) -> str | None:
    """Return the URL of the build's vector tiles for `datum` in the app's static folder, or None
    when the build has none (then the map fetches every feature, MapData.display_pack). Raises
    MapappError when the tiles exist but the tile layer's script is not installed (`make setup`)."""
    if datum not in tiles:
        return None
    assets.require_protomaps()
    return assets.publish_file(f"tiles-{datum}", tiles[datum], build_id)
