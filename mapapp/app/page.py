"""The Streamlit page: it only wires widgets to the view-model (`viewmodel.MapData`), the map
(`layers`, `static/mapapp.js`) and the panel HTML (`render`). Filters, basemap, language and the
selected feature live in the URL; a click on the map gives a place report.

Run through `mapapp app` (see launch.py), which passes the project as MAPAPP_DATA / MAPAPP_BUILD /
MAPAPP_CORPUS / MAPAPP_STORE. The page only reads the build, from the project's store (a build
folder or a shared PostGIS store); it never changes data. Every rerun asks the store for its build
id, so a rebuild is picked up without a restart, by every app instance on the same store.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from ..corpus import Corpus
from ..errors import BuildBusy, BuildChanged, BuildUnreadable, BuildUnusable, MapappError, StoreError
from ..export import geojson_text, write_export
from ..features import FeatureFilter
from ..gcj02 import gcj02_to_wgs84
from ..project import Project
from ..stores import BuildStore, open_store
from .. import vector_tiles
from . import compare_view, layers, link_guard, render, stats_view, views
from .launch import TIANDITU_KEY_ENV
from .text import LANGS, Labels, esc, md_literal, t
from .viewmodel import MapData

# URL query-string keys of the filter state (repeated keys for several choices).
URL_KEYS = {"plans": "plan", "sectors": "sector", "kinds": "kind", "statuses": "status",
            "within": "area", "precisions": "precision"}
MAX_PICK = 1000
MAP_HEIGHT = 640


# ---- data ---------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=4)
def _map_data(where: str, build_id: str | None, _store: BuildStore) -> MapData:
    """The view-model of the build `build_id` in the store at `where` (cached per build); it asks
    the store for the ids of each selection (`BuildStore.id_selector`)."""
    b = _store.load()
    data = MapData(b.features, b.boundaries, b.manifest, b.context, select_ids=_store.id_selector(b))
    if len(data.display_order()) <= vector_tiles.TILES_ABOVE:  # above it the map draws from tiles
        data.display_pack("WGS84")  # make the browser's copy of the features once per build
    data.facet_counts(FeatureFilter())  # and the filter choices of every row
    return data


@st.cache_resource(show_spinner=False, max_entries=4)
def _vector_tiles(where: str, build_id: str | None, _store: BuildStore) -> dict[str, Path]:
    """The vector tile archives of the build `build_id` (datum -> path; empty when it has none)."""
    return _store.vector_tiles()


@st.cache_resource(show_spinner=False)
def _corpus(folder: str) -> Corpus | None:
    try:
        return Corpus(Path(folder))
    except MapappError:
        return None


# ---- state <-> URL --------------------------------------------------------------------------

def _init_state_from_url(options: dict[str, list[str]], basemap_keys: list[str]) -> list[str]:
    """Fill the widgets' session state from the query string once per session; return the
    values that were ignored because they are unknown."""
    if st.session_state.get("_from_url"):
        return []
    qp = st.query_params
    ignored = []
    for name, url_key in URL_KEYS.items():
        wanted = qp.get_all(url_key)
        st.session_state[name] = [v for v in wanted if v in options[name]]
        ignored += [v for v in wanted if v not in options[name]]
    st.session_state["query"] = qp.get("q", "")
    lang = qp.get("lang", "zh")
    st.session_state["lang"] = lang if lang in LANGS else "zh"
    bm = qp.get("basemap", "none")
    st.session_state["basemap"] = bm if bm in basemap_keys else "none"
    st.session_state["selected"] = qp.get("id") or None
    st.session_state["_from_url"] = True
    return ignored


def _write_url(flt: FeatureFilter) -> None:
    want: dict[str, list[str] | str] = {}
    for name, url_key in URL_KEYS.items():
        values = getattr(flt, name)
        if values:
            want[url_key] = list(values)
    if flt.query:
        want["q"] = flt.query
    if st.session_state.get("basemap", "none") != "none":
        want["basemap"] = st.session_state["basemap"]
    if st.session_state.get("lang", "zh") != "zh":
        want["lang"] = st.session_state["lang"]
    if st.session_state.get("selected"):
        want["id"] = st.session_state["selected"]
    want.update(views.url_value())
    current = {k: (st.query_params.get_all(k) if k in URL_KEYS.values() else st.query_params.get(k))
               for k in st.query_params}
    if current != want:
        st.query_params.from_dict(want)


def _current_filter() -> FeatureFilter:
    ss = st.session_state
    return FeatureFilter(plans=list(ss.get("plans", [])), sectors=list(ss.get("sectors", [])),
                         kinds=list(ss.get("kinds", [])), statuses=list(ss.get("statuses", [])),
                         precisions=list(ss.get("precisions", [])), within=list(ss.get("within", [])),
                         query=str(ss.get("query", "") or "").strip())


def _clear_filters() -> None:
    for name in URL_KEYS:
        st.session_state[name] = []
    st.session_state["query"] = ""
    st.session_state["selected"] = None


# ---- page -----------------------------------------------------------------------------------

def main() -> None:
    """Draw the page (Streamlit reruns this on every interaction). With MAPAPP_TIMING_LOG set, the
    server time of each rerun is appended to that file (used by bench/app_bench.py)."""
    started = time.perf_counter()
    try:
        _main()
    finally:
        log = os.environ.get("MAPAPP_TIMING_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"{time.time():.3f} {time.perf_counter() - started:.4f}\n")


def _main() -> None:
    st.set_page_config(page_title="mapapp", layout="wide", initial_sidebar_state="expanded")
    project = Project.from_settings()
    lang = st.session_state.get("lang", st.query_params.get("lang", "zh"))
    lang = lang if lang in LANGS else "zh"
    try:
        store = open_store(project)
        build_id = store.build_id()
        data = _map_data(store.where, build_id, store)
        tiles = _vector_tiles(store.where, build_id, store)
        if not {"vocabulary", "plans"} <= set(data.manifest):
            raise BuildUnreadable(f"the build in {store.where} has no vocabulary or plans in its manifest: "
                                  "run `mapapp build` again")
    except (BuildUnusable, BuildBusy, StoreError) as exc:  # anything else is a bug: let it show
        st.title(t("title", lang))
        st.error(f"{t('build_problem', lang)}: {md_literal(exc)}")
        st.markdown(t("build_hint", lang))
        st.stop()
        return
    try:
        _page(project, data, tiles, lang)
    except BuildChanged:   # a rebuild was swapped in during this rerun: draw again with it
        st.rerun()


def _page(project: Project, data: MapData, tiles: dict[str, Path], lang_hint: str) -> None:
    options = data.filter_options()
    tianditu_key = os.environ.get(TIANDITU_KEY_ENV, "").strip() or None
    maps = layers.basemaps(tianditu_key)
    ignored = _init_state_from_url(options, list(maps))
    for name in URL_KEYS:  # keep choices valid if the build changed under a session
        st.session_state[name] = [v for v in st.session_state.get(name, []) if v in options[name]]
    # the widgets keep their values under their keys: the page reads them here and draws the main
    # area (the map) before the sidebar, so on a filter change the map's update is among the first
    # messages the browser renders, not behind every widget of the sidebar
    lang = st.session_state.get("lang", lang_hint)
    lang = lang if lang in LANGS else "zh"
    lab = Labels(data.manifest, lang)
    basemap = maps[st.session_state.get("basemap", "none")]
    flt = _current_filter()
    positions = data.select(flt)
    _select_single_hit(data, flt, positions)
    total = len(data.features)
    unlocated_total = data.unlocated_count

    st.markdown(f"### {esc(t('title', lang))}", unsafe_allow_html=True)
    if ignored:
        shown = ", ".join(ignored)
        shown = shown if len(shown) <= 300 else shown[:300] + " …"
        st.warning(t("bad_filter", lang, n=len(ignored), v=md_literal(shown)))
    st.caption(t("shown", lang, n=len(positions), total=total, unlocated=unlocated_total) + " · "
               + t("datum_gcj02" if basemap.datum == "GCJ-02" else "datum_wgs84", lang))

    view = views.view_selector(lang)
    if view != "map":
        if view == "stats":
            stats_view.render_stats_view(data.frame, data.boundaries, data.manifest, flt, lang)
        else:
            corpus = _corpus(str(project.corpus_dir)) if project.corpus_dir else None
            compare_view.render_compare_view(data.frame, data.boundaries, data.manifest, corpus, lang)
    else:
        col_map, col_panel = st.columns([2, 1], gap="medium")
        with col_map:
            _draw_map(data, tiles, positions, basemap, lab, lang)
        with col_panel:
            _place_report(data, positions, lab, lang)
            _evidence_panel(project, data, positions, lab, lang)
        _downloads(data, flt, lang)
        _ledger(data, flt, lab, lang)
    _write_url(flt)  # the state is settled (a click on the map or a pick in the panel is in it)
    _sidebar(data, options, flt, lab, lang, maps, tianditu_key)


def _sidebar(data: MapData, options: dict[str, list[str]], flt: FeatureFilter, lab: Labels, lang: str,
             maps: dict, tianditu_key: str | None) -> None:
    """Draw the sidebar: language, search, the filters (each choice with the number of located
    features it would show given the other filters), reset, basemap."""
    sb = st.sidebar
    sb.radio(t("language", "zh"), LANGS, key="lang", horizontal=True,
             format_func=lambda v: {"zh": "中文", "en": "English"}[v])
    counts = data.facet_counts(flt)
    sb.header(t("filters", lang))
    sb.text_input(t("search", lang), key="query", placeholder="南昌 / 空港新城 …")
    units_city = dict(zip(data.boundaries["name"], data.boundaries["city"]))
    for name in ("plans", "kinds", "sectors", "statuses", "within", "precisions"):
        c = counts[name]

        def fmt(key, name=name, c=c):
            label = lab.option(name, key)
            if name == "within" and units_city.get(key) and units_city.get(key) != key:
                label = f"{key} · {units_city[key]}"
            return f"{label} ({c.get(key, 0)})"

        sb.multiselect(t(name, lang), options[name], key=name, format_func=fmt, placeholder=t("any", lang))
    sb.button(t("reset", lang), on_click=_clear_filters)

    sb.divider()
    labels_bm = {k: t(f"basemap_{k}", lang) for k in maps}
    sb.selectbox(t("basemap", lang), list(maps), key="basemap", format_func=labels_bm.get)
    if not tianditu_key:
        sb.caption(t("tianditu_hint", lang))


def _select_single_hit(data: MapData, flt: FeatureFilter, positions) -> None:
    """A new search with exactly one located hit selects that feature."""
    if flt.query == st.session_state.get("_last_query", ""):
        return
    st.session_state["_last_query"] = flt.query
    located = [p for p in positions if data.is_located(p)]
    if flt.query and len(located) == 1:
        _select(str(data.features["id"].iloc[located[0]]))


def _select(feature_id: str | None) -> None:
    st.session_state["selected"] = feature_id
    st.session_state.pop("pick", None)


def _draw_map(data: MapData, tiles: dict[str, Path], positions, basemap, lab: Labels, lang: str) -> None:
    datum = basemap.datum
    # the words of the UI language travel with the selection, not in the base map: a language
    # switch then keeps the map (and the features it holds) and only sends the selection
    words = {
        "kinds": {k: lab.term("kinds", k) for k in data.manifest["vocabulary"]["kinds"]},
        "sectors": {k: lab.term("sectors", k) for k in data.manifest["vocabulary"]["sectors"]},
        "precisions": {k: lab.term("precisions", k) for k in data.manifest["vocabulary"]["precisions"]},
        "precisionWord": t("precision_word", lang),
        "upperWord": t("upper_word", lang),
        "areaWideWord": t("area_wide_word", lang),
        "legendTitle": t("legend", lang),
        "tileError": t("tile_error", lang),
        "datumText": t("datum_short_gcj02" if datum == "GCJ-02" else "datum_short_wgs84", lang),
        "osmAttribution": t("osm_attribution", lang) if data.uses_osm else "",
        **link_guard.words(lang),  # the notice the map shows when Streamlit dropped the page's link
    }
    names = {lvl: t(f"boundary_{lvl}", lang) for lvl in ("province", "city", "county")}
    tiles_url = None
    if len(data.display_order()) > vector_tiles.TILES_ABOVE:  # too many for the browser to hold: draw from tiles
        try:
            tiles_url = layers.tiles_url(tiles, datum, str(data.manifest.get("build_id")))
        except MapappError as exc:
            st.warning(f"{t('tiles_problem', lang)}: {md_literal(exc)}")
    m = layers.base_map(data, basemap, {"colors": data.colors}, names, tiles=tiles_url)
    legend = render.legend_html([(lab.term("sectors", s), data.colors.get(s, "#555555"))
                                 for s in data.sectors_shown(positions)], lang)
    layer_names = {name: t(f"layer_{name}", lang) for name in ("area", "shapes", "points")}
    focus = st.session_state.get("selected") if tiles_url else None
    groups = layers.feature_groups(data, positions, datum, layer_names, legend, words, focus)
    out = st_folium(m, key=f"map-{basemap.key}", height=MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_active_drawing", "last_clicked", "last_object_clicked"],
                    feature_group_to_add=groups, layer_control=folium.LayerControl(collapsed=True))
    out = out or {}
    clicked, on_object = out.get("last_clicked"), out.get("last_object_clicked")
    if on_object and on_object != st.session_state.get("_last_object_click"):
        # a feature took the click (points do not pass it on to the map, so a spread stack stays open)
        st.session_state["_last_object_click"] = on_object
        st.session_state["_last_click"] = clicked
        _set_place(on_object, datum)
        fid = ((out.get("last_active_drawing") or {}).get("properties") or {}).get("id")
        if fid:
            _select(str(fid))
    elif clicked and clicked != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = clicked
        _set_place(clicked, datum)
    if not len(positions):
        st.info(t("nothing", lang))


def _set_place(latlng: dict, datum: str) -> None:
    """Remember the clicked point (WGS84) for the place report."""
    lon, lat = float(latlng["lng"]), float(latlng["lat"])
    if datum == "GCJ-02":  # the map shows GCJ-02: the report works in WGS84
        w_lon, w_lat = gcj02_to_wgs84(lon, lat)
        lon, lat = float(w_lon), float(w_lat)
    st.session_state["place"] = (lon, lat)


def _place_report(data: MapData, positions, lab: Labels, lang: str) -> None:
    place = st.session_state.get("place")
    if not place:
        return
    report = data.place_report(place[0], place[1], positions)
    near, covering = render.report_rows(report, data.features, lab, lang)
    head, near_title, cover_title = render.report_html(report, lang, len(near), len(covering))
    with st.container(border=True):
        st.markdown(head, unsafe_allow_html=True)
        for title, rows, kind in ((near_title, near, "near"), (cover_title, covering, "cover")):
            st.caption(title)
            for i, row in enumerate(rows):
                st.button(render.button_label(row.text), key=f"report-{kind}-{i}-{row.feature_id}",
                          on_click=_select, args=(row.feature_id,), use_container_width=True,
                          type="primary" if row.feature_id == st.session_state.get("selected") else "secondary")
        if near or covering:
            st.caption(t("report_hint", lang))
        st.button(t("report_clear", lang), key="report-close", on_click=lambda: st.session_state.pop("place", None))


def _evidence_panel(project: Project, data: MapData, positions, lab: Labels, lang: str) -> None:
    st.markdown(f"#### {esc(t('evidence', lang))}", unsafe_allow_html=True)
    f = data.features
    if len(positions) <= MAX_PICK:
        ids = [None, *list(f["id"].iloc[positions])]
        names = dict(zip(f["id"], f["name"]))
        if st.session_state.get("selected") in ids and st.session_state.get("pick") != st.session_state.get("selected"):
            st.session_state["pick"] = st.session_state["selected"]

        def on_pick():
            st.session_state["selected"] = st.session_state.get("pick")

        st.selectbox(t("pick", lang), ids, key="pick", on_change=on_pick,
                     format_func=lambda i: t("none_label", lang) if i is None else f"{names.get(i, i)}")
    else:
        st.caption(t("pick", lang) + " " + t("too_many_to_pick", lang))
    row = data.row(st.session_state.get("selected"))
    if row is None:
        st.info(t("click_hint", lang))
        return
    corpus = _corpus(str(project.corpus_dir)) if project.corpus_dir else None
    paragraphs = None
    if corpus is not None:
        paragraphs = []
        for mention in row["mentions"]:
            try:
                paragraphs.append(corpus.paragraph(mention["doc"], int(mention["line"]), context=1))
            except MapappError:
                paragraphs.append([])
    st.markdown(render.evidence_html(row, lab, lang, paragraphs), unsafe_allow_html=True)


def _downloads(data, flt: FeatureFilter, lang: str) -> None:
    st.markdown(f"##### {esc(t('downloads', lang))}", unsafe_allow_html=True)

    def make_geojson() -> bytes:
        return geojson_text(data.frame(flt)).encode("utf-8")

    def make_csv() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "selection.csv"
            write_export(data.frame(flt), path, "csv")
            return path.read_bytes()

    c1, c2, c3 = st.columns([1, 1, 3])
    c1.download_button(t("dl_geojson", lang), data=make_geojson, file_name="mapapp-selection.geojson",
                       mime="application/geo+json", key="dl_geojson", on_click="ignore")
    c2.download_button(t("dl_csv", lang), data=make_csv, file_name="mapapp-selection.csv",
                       mime="text/csv", key="dl_csv", on_click="ignore")
    c3.caption(t("dl_note", lang))


def _ledger(data: MapData, flt: FeatureFilter, lab: Labels, lang: str) -> None:
    rows = data.unlocated(flt)
    with st.expander(t("ledger", lang, n=len(rows)), expanded=False):
        if rows.empty:
            st.caption(t("ledger_none", lang))
            return
        st.markdown(render.ledger_html(rows, lab, lang), unsafe_allow_html=True)
