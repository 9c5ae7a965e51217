"""A small offline folium map for the statistics and comparison views: local Leaflet, no tiles,
and one script element that draws a GeoJSON layer from data (text only, never HTML)."""
from __future__ import annotations

import json

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from . import assets

JIANGXI_CENTER = (27.3, 115.7)
SIMPLIFY_DEG = 0.001
DECIMALS = 5


def offline_map() -> folium.Map:
    """Return an empty folium map of Jiangxi whose scripts and styles are served by the app."""
    m = folium.Map(location=JIANGXI_CENTER, zoom_start=7, tiles=None, control_scale=True, zoom_snap=0.5,
                   min_zoom=5, max_zoom=16)
    m.default_js = assets.js_links()
    m.default_css = assets.css_links()
    return m


def display_geojson(geoms, properties: list[dict]) -> dict:
    """Return a FeatureCollection of `geoms` (WGS84, simplified 0.001°, rounded to 5 decimals,
    about 1 m) with one properties dict each; missing geometries are left out."""
    values = np.asarray(geoms, dtype=object)
    keep = np.array([g is not None for g in values], dtype=bool)
    simple = shapely.simplify(values[keep], SIMPLIFY_DEG, preserve_topology=True)
    simple = shapely.transform(simple, lambda c: np.round(c, DECIMALS))
    props = [p for p, k in zip(properties, keep) if k]
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
                         for g, p in zip(simple, props)]}


def js_literal(value) -> str:
    """Return `value` as a JavaScript literal that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


class ScriptLayer(MacroElement):
    """Runs `js` with `map` bound to the Leaflet map. st_folium takes the script from the template
    macro; branca's render() (which would compile the script, names included, as a Jinja
    template) is skipped, so text from annotations stays text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.mapappFit = window.mapappFit || function (map, bounds, options) {
          // once the frame has its size: fitting a map of zero size would zoom out to the minimum
          function fit() { map.invalidateSize(); map.fitBounds(bounds, options); }
          fit();
          setTimeout(fit, 150);
        };
        (function (map) { {{ this.js }} })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, js: str):
        super().__init__()
        self._name = "ScriptLayer"
        self.js = js

    def render(self, **kwargs):
        return None
