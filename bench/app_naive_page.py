"""The naive baseline page for bench/app_bench.py: a plain st_folium map whose folium.GeoJson(gdf)
is rebuilt on every rerun, with the same kind filter as the real app. Its scripts are the app's own
local files (assets.js_links(); a CDN page would not load offline at all), so only the map-building
differs."""
import os
import time
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from mapapp.app import assets
from mapapp.features import FeatureFilter, filter_features
from mapapp.pipeline import load_build


@st.cache_resource
def _build(folder: str):
    return load_build(Path(folder))


started = time.perf_counter()
st.set_page_config(page_title="naive", layout="wide")
b = _build(os.environ["MAPAPP_BUILD"])
kinds = list(b.manifest["vocabulary"]["kinds"])
present = [k for k in kinds if k in set(b.features["kind"])]
chosen = st.sidebar.multiselect("类型", present, format_func=lambda k: b.manifest["vocabulary"]["kinds"][k]["zh"])
st.markdown("### 江西规划项目地图")
selected = filter_features(b.features, FeatureFilter(kinds=chosen), b.boundaries)
m = folium.Map(location=(27.3, 115.7), zoom_start=7, tiles=None)
m.default_js = assets.js_links()
m.default_css = assets.css_links()
folium.GeoJson(selected, tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
st_folium(m, height=640, use_container_width=True)
log = os.environ.get("MAPAPP_TIMING_LOG")
if log:
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{time.time():.3f} {time.perf_counter() - started:.4f}\n")
