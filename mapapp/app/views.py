"""Which view the page shows: the map (default), the statistics (统计) or the comparison (对比).
The choice lives in session state (`view`) and in the URL (`?view=stats`)."""
from __future__ import annotations

import streamlit as st

VIEW_KEY = "view"
VIEWS = ("map", "stats", "compare")
_LABELS = {"map": {"zh": "地图", "en": "Map"}, "stats": {"zh": "统计", "en": "Statistics"},
           "compare": {"zh": "对比", "en": "Compare"}}


def view_selector(lang: str) -> str:
    """Draw the view switch (horizontal radio) and return the chosen view. The first run of a
    session takes it from the URL's `view` parameter."""
    if "_view_from_url" not in st.session_state:
        wanted = st.query_params.get(VIEW_KEY, "map")
        st.session_state[VIEW_KEY] = wanted if wanted in VIEWS else "map"
        st.session_state["_view_from_url"] = True
    return st.radio("视图 / View", VIEWS, key=VIEW_KEY, horizontal=True, label_visibility="collapsed",
                    format_func=lambda v: _LABELS[v].get(lang, _LABELS[v]["zh"]))


def url_value() -> dict[str, str]:
    """Return the URL parameter of the current view ({} for the default map view)."""
    view = st.session_state.get(VIEW_KEY, "map")
    return {VIEW_KEY: view} if view != "map" else {}
