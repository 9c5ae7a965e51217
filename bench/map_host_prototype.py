"""A prototype of another map host for the app, measured against st_folium for issue 14 (see
bench/RESULTS.md): a Streamlit v2 component (bench/map_host_prototype.js) that keeps one live
folium map across reruns, instead of st_folium's component frame. Used by bench/app_bench.py
(page "host") and bench/app_timeline.py (--hosts component) through the page stub that
`page_script` writes: the real app page with its `st_folium` call answered by `st_folium` below.
Not part of the app.

The folium map becomes one HTML document (its stylesheets, its scripts as plain script elements,
its Leaflet script); the component makes a same-origin frame of it once (srcdoc), and a rerun only
sends the script of the layers passed as `feature_group_to_add` (and the layer control), which
runs in the live map, as in st_folium. A new document (another basemap) makes a new frame. Clicks
come back at once (st_folium waits 250 ms for more) in st_folium's fields (last_clicked,
last_object_clicked, last_active_drawing).
"""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import folium
import folium.elements
import streamlit as st
from streamlit_folium import generate_leaflet_string

_JS = (Path(__file__).resolve().parent / "map_host_prototype.js").read_text(encoding="utf-8")
_component = st.components.v2.component("mapapp_map", js=_JS, isolate_styles=False)

# The frame's own script, before the map's: how a rerun's layers replace the previous ones (what
# st_folium's frame did), and the click fields st_folium reported.
_FRAME_JS = """
window.mapappHost = {
  groups: [],
  update: function (code) {
    var map = window.map;
    this.groups.forEach(function (g) { map.removeLayer(g); });
    this.groups = [];
    if (window.layer_control) { map.removeControl(window.layer_control); window.layer_control = null; }
    window.feature_group = this.groups;
    (0, eval)(code);
  },
  bind: function (report) {
    // one handler on the map and on each layer on it when it opened (the feature layers stay; the
    // features added later report through them)
    var map = window.map, state = {last_clicked: null, last_object_clicked: null, last_active_drawing: null};
    var queued = false;
    function send() { queued = false; report(JSON.parse(JSON.stringify(state))); }
    function later() { if (!queued) { queued = true; setTimeout(send, 0); } }
    map.on('click', function (e) { state.last_clicked = {lat: e.latlng.lat, lng: e.latlng.lng}; later(); });
    function onLayer(e) {
      state.last_object_clicked = e.latlng ? {lat: e.latlng.lat, lng: e.latlng.lng} : null;
      if (e.layer && typeof e.layer.toGeoJSON === 'function') { state.last_active_drawing = e.layer.toGeoJSON(); }
      later();
    }
    Object.keys(map._layers).forEach(function (k) {
      var l = map._layers[k];
      if (l && typeof l.on === 'function') { l.on('click', onLayer); }
    });
  }
};
"""


def _links(m: folium.Map) -> tuple[list[str], list[str]]:
    """The map's script and stylesheet URLs (its own and its plugins'), in order, once each."""
    js, css = [], []

    def walk(element):
        if isinstance(element, folium.elements.JSCSSMixin):
            js.extend(url for _, url in element.default_js)
            css.extend(url for _, url in element.default_css)
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(m)
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def map_document(m: folium.Map, height: int) -> str:
    """Return the HTML document of the folium map `m` (its Leaflet map is `map_div`), which calls
    `frameElement.mapappReady(window)` once the map exists."""
    m.get_root().render()
    map_id = f"{m._name.lower()}_{m._id}"
    header = m.get_root().header.render()
    header = re.sub(r"<script\b[^>]*\bsrc=[^>]*>.*?</script\s*>", "", header, flags=re.IGNORECASE | re.DOTALL)
    header = re.sub(r"<link rel=\"stylesheet\" href=\".*?\"/>", "", header).replace(map_id, "map_div")
    body = re.sub(r'<div class="folium-map" id=".*" ></div>', "", m.get_root().html.render()).strip()
    script = generate_leaflet_string(m)
    js, css = _links(m)
    safe = lambda url: html.escape(url, quote=True)  # noqa: E731
    return "".join([
        '<!DOCTYPE html><html><head><meta charset="utf-8">',
        *(f'<link rel="stylesheet" href="{safe(u)}">' for u in css),
        f"<style>html,body{{margin:0;padding:0}}#map_div{{width:100%;height:{int(height)}px}}</style>",
        header, "</head><body>", body, '<div class="folium-map" id="map_div"></div>',
        f"<script>{_FRAME_JS}</script>",
        *(f'<script src="{safe(u)}"></script>' for u in js),
        f"<script>{script}\nwindow.map = map_div;\n"
        "if (window.frameElement && window.frameElement.mapappReady) { window.frameElement.mapappReady(window); }"
        "</script></body></html>",
    ])


def layers_script(m: folium.Map, groups: list[folium.FeatureGroup], control: folium.LayerControl | None) -> str:
    """Return the script that puts `groups` (and the layer control listing them) on the live map
    `map_div` (call after map_document: the groups are added to `m`)."""
    map_id = f"{m._name.lower()}_{m._id}"
    out = []
    for i, group in enumerate(groups):
        group._id = f"feature_group_{i}"
        group.add_to(m)
        group.render()
        code = generate_leaflet_string(group, base_id=f"feature_group_{i}").replace(map_id, "map_div")
        out.append(f"{code}\nmap_div.addLayer(feature_group_feature_group_{i});\n"
                   f"window.feature_group.push(feature_group_feature_group_{i});")
    if control is not None:
        control._id = "layer_control"
        control.add_to(m)
        control.render()
        code = generate_leaflet_string(control, base_id="layer_control").replace(map_id, "map_div")
        out.append(f"{code}\nwindow.layer_control = layer_control_layer_control;")
    return "\n".join(out)


def st_folium(m: folium.Map, key: str | None = None, height: int = 700, feature_group_to_add=None,
              layer_control: folium.LayerControl | None = None, **ignored) -> dict | None:
    """Draw the map `m` with `feature_group_to_add` swapped in, as st_folium does (the frame stays
    while the map's document is the same); return the click of this rerun ({last_clicked,
    last_object_clicked, last_active_drawing}) or None. The other arguments of st_folium
    (width, returned objects) are ignored: the map is as wide as its column and returns clicks."""
    groups = feature_group_to_add or []
    groups = [groups] if isinstance(groups, folium.FeatureGroup) else list(groups)
    doc = map_document(m, height)
    update = layers_script(m, groups, layer_control)
    # the document's key ignores folium's random element ids (a rerun makes the same map with new ids)
    doc_key = hashlib.sha256(re.sub(r"_[0-9a-f]{32}", "", doc).encode("utf-8")).hexdigest()[:16]
    result = _component(key="mapapp-map", data={"doc": doc, "docKey": doc_key, "update": update, "height": height},
                        on_click_change=lambda: None)
    return result.click


_STUB = """import sys
sys.path.insert(0, {bench!r})
import map_host_prototype
from mapapp.app import page
page.st_folium = map_host_prototype.st_folium  # the page's map drawn by the prototype host
page.main()
"""


def page_script() -> Path:
    """Write the app's page stub with this host next to the app's own (in its runtime folder,
    whose static files Streamlit serves and where the page publishes the build's layers) and
    return its path."""
    from mapapp.app.assets import runtime_dir

    script = runtime_dir() / "bench_host_page.py"
    script.write_text(_STUB.format(bench=str(Path(__file__).resolve().parent)), encoding="utf-8")
    return script
