"""The Streamlit page: filters (state in the URL), the map, the evidence panel, downloads, ledger.

Run through `mapapp app` (see launch.py), which passes the project as MAPAPP_DATA / MAPAPP_BUILD /
MAPAPP_CORPUS. The page only reads the build; it never changes data.
"""
from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from ..corpus import Corpus
from ..errors import MapappError
from ..export import geojson_text, write_export
from ..features import FeatureFilter
from ..pipeline import MANIFEST_FILE, load_build
from ..provenance import describe as describe_provenance
from ..project import Project
from . import layers
from . import compare_view, stats_view, views
from .launch import TIANDITU_KEY_ENV
from .text import LANGS, esc, highlight, md_literal, t

# URL query-string keys of the filter state (repeated keys for several choices).
URL_KEYS = {"plans": "plan", "sectors": "sector", "kinds": "kind", "statuses": "status",
            "within": "area", "precisions": "precision"}
MAX_PICK = 1000
MAP_HEIGHT = 640


# ---- data ---------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=4)
def _map_data(build_dir: str, stamp: tuple) -> layers.MapData:
    b = load_build(Path(build_dir))
    data = layers.MapData(b.features, b.boundaries, b.manifest)
    data.feature_strings("WGS84")  # warm the cache once per build
    return data


@st.cache_resource(show_spinner=False)
def _corpus(folder: str) -> Corpus | None:
    try:
        return Corpus(Path(folder))
    except MapappError:
        return None


def _stamp(build_dir: Path) -> tuple:
    try:
        st_ = (build_dir / MANIFEST_FILE).stat()
        return (st_.st_mtime_ns, st_.st_size)
    except OSError:
        return (0, 0)


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


# ---- labels ---------------------------------------------------------------------------------

class Labels:
    """Vocabulary and plan labels in the chosen language."""

    def __init__(self, manifest: dict, lang: str):
        self.lang = lang
        self.vocab = manifest["vocabulary"]
        self.plans = {p["id"]: p for p in manifest["plans"]}

    def term(self, group: str, key: str) -> str:
        entry = self.vocab.get(group, {}).get(key)
        return entry.get(self.lang) or entry.get("zh") or key if entry else str(key)

    def plan(self, key: str) -> str:
        p = self.plans.get(key)
        if not p:
            return key
        return (p.get("title_en") or p["title"]) if self.lang == "en" else p["title"]

    def option(self, name: str, key: str) -> str:
        group = {"sectors": "sectors", "kinds": "kinds", "statuses": "statuses", "precisions": "precisions"}.get(name)
        if name == "plans":
            return self.plan(key)
        if group:
            return self.term(group, key)
        return key


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
        data = _map_data(str(project.build_dir), _stamp(project.build_dir))
        if not {"vocabulary", "plans"} <= set(data.manifest):
            raise KeyError("the build's manifest has no vocabulary or plans: run `mapapp build` again")
    except (MapappError, KeyError, ValueError, TypeError, OSError) as exc:
        st.title(t("title", lang))
        st.error(f"{t('build_problem', lang)}: {md_literal(exc)}")
        st.markdown(t("build_hint", lang))
        st.stop()
        return
    _page(project, data, lang)


def _options(data: layers.MapData) -> dict[str, list[str]]:
    """The choices of each filter: the vocabulary entries and units that occur (memoised)."""
    hit = data._memo.get(("options",))
    if hit is None:
        hit = _compute_options(data)
        data._memo[("options",)] = hit
    return hit


def _compute_options(data: layers.MapData) -> dict[str, list[str]]:
    f, m = data.features, data.manifest
    located = f[f.geometry.notna()]
    present_sectors = {s for ss in f["sectors"] for s in ss}
    units = data.boundaries
    used_units = {u for cs, ks in zip(located["cities"], located["counties"]) for u in (*cs, *ks)}
    return {
        "plans": [p["id"] for p in m["plans"]],
        "sectors": [k for k in m["vocabulary"]["sectors"] if k in present_sectors],
        "kinds": [k for k in m["vocabulary"]["kinds"] if k in set(f["kind"])],
        "statuses": [k for k in m["vocabulary"]["statuses"] if k in set(f["status"])],
        "precisions": [k for k in m["vocabulary"]["precisions"] if k in set(located["precision"])],
        "within": [n for level in ("city", "county") for n in units[units["level"] == level]["name"]
                   if n in used_units],
    }


def _page(project: Project, data: layers.MapData, lang_hint: str) -> None:
    options = _options(data)
    tianditu_key = os.environ.get(TIANDITU_KEY_ENV, "").strip() or None
    maps = layers.basemaps(tianditu_key)
    ignored = _init_state_from_url(options, list(maps))
    for name in URL_KEYS:  # keep choices valid if the build changed under a session
        st.session_state[name] = [v for v in st.session_state.get(name, []) if v in options[name]]

    sb = st.sidebar
    sb.radio(t("language", "zh"), LANGS, key="lang", horizontal=True,
             format_func=lambda v: {"zh": "中文", "en": "English"}[v])
    lang = st.session_state.get("lang", lang_hint)
    lab = Labels(data.manifest, lang)

    flt = _current_filter()
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
    basemap = maps[st.session_state.get("basemap", "none")]

    flt = _current_filter()
    positions = data.select(flt)
    total = len(data.features)
    unlocated_total = int((~data._located).sum())

    st.markdown(f"### {esc(t('title', lang))}", unsafe_allow_html=True)
    if ignored:
        st.warning(t("bad_filter", lang, v=md_literal(", ".join(ignored)[:300])))
    st.caption(t("shown", lang, n=len(positions), total=total, unlocated=unlocated_total) + " · "
               + t("datum_gcj02" if basemap.datum == "GCJ-02" else "datum_wgs84", lang))

    view = views.view_selector(lang)
    if view != "map":
        if view == "stats":
            stats_view.render_stats_view(data.features, data.boundaries, data.manifest, flt, lang)
        else:
            corpus = _corpus(str(project.corpus_dir)) if project.corpus_dir else None
            compare_view.render_compare_view(data.features, data.boundaries, data.manifest, corpus, lang)
        _write_url(flt)
        return
    col_map, col_panel = st.columns([3, 2], gap="medium")
    with col_map:
        _draw_map(data, positions, basemap, lab, lang)
        _legend(data, positions, lab, lang)
    with col_panel:
        _evidence_panel(project, data, positions, lab, lang)

    _downloads(data, flt, lang)
    _ledger(data, flt, lab, lang)
    _write_url(flt)


def _draw_map(data, positions, basemap, lab: Labels, lang: str) -> None:
    datum = basemap.datum
    opts = {
        "colors": data.colors,
        "kinds": {k: lab.term("kinds", k) for k in data.manifest["vocabulary"]["kinds"]},
        "sectors": {k: lab.term("sectors", k) for k in data.manifest["vocabulary"]["sectors"]},
        "precisions": {k: lab.term("precisions", k) for k in data.manifest["vocabulary"]["precisions"]},
        "precisionWord": t("precision_word", lang),
        "popupHint": t("popup_hint", lang),
        "datumText": t("datum_short_gcj02" if datum == "GCJ-02" else "datum_short_wgs84", lang),
        "osmAttribution": "© OpenStreetMap contributors (ODbL)" if data.uses_osm else "",
    }
    names = {lvl: t(f"boundary_{lvl}", lang) for lvl in ("province", "city", "county")}
    m = layers.base_map(data, basemap, opts, names)
    groups = layers.kind_groups(data, positions, datum, lambda k: lab.term("kinds", k))
    out = st_folium(m, key=f"map-{basemap.key}-{lang}", height=MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_active_drawing"], feature_group_to_add=groups,
                    layer_control=folium.LayerControl(collapsed=True))
    clicked = (out or {}).get("last_active_drawing") or {}
    fid = (clicked.get("properties") or {}).get("id")
    if fid and fid != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = fid
        st.session_state["selected"] = fid
        st.session_state.pop("pick", None)
    if not len(positions):
        st.info(t("nothing", lang))


def _legend(data, positions, lab: Labels, lang: str) -> None:
    sectors = data.features["sectors"].iloc[positions]
    present = []
    for ss in sectors:
        if len(ss) and ss[0] not in present:
            present.append(ss[0])
    order = list(data.manifest["vocabulary"]["sectors"])
    present.sort(key=lambda s: order.index(s) if s in order else len(order))
    swatches = "".join(
        f'<span style="display:inline-block;margin:0 10px 4px 0;white-space:nowrap">'
        f'<span style="display:inline-block;width:12px;height:12px;background:{data.colors.get(s, "#555")};'
        f'opacity:.8;border:1px solid {data.colors.get(s, "#555")};margin-right:4px;vertical-align:-1px"></span>'
        f'{esc(lab.term("sectors", s))}</span>' for s in present)

    def line(style):
        return (f'<span style="display:inline-block;width:30px;height:10px;vertical-align:middle;'
                f'margin-right:6px;{style}"></span>')

    precision = (
        f'<div>{line("border-top:2.5px solid #1f77b4;background:rgba(31,119,180,.3)")}{esc(t("legend_solid", lang))}</div>'
        f'<div>{line("border-top:2.5px dashed rgba(31,119,180,.7);background:rgba(31,119,180,.12)")}{esc(t("legend_dashed", lang))}</div>'
        f'<div>{line("border-top:2px dotted rgba(31,119,180,.7)")}{esc(t("legend_upper", lang))}</div>'
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:#1f77b4;'
        f'border:1.5px solid #222;margin:0 15px 0 9px;vertical-align:middle"></span>{esc(t("legend_point", lang))}</div>'
        f'<div>{line("border-top:2px solid #555")}{esc(t("legend_boundaries", lang))}</div>')
    st.markdown(
        f'<div class="mapapp-legend" style="font-size:0.85rem;line-height:1.6">'
        f'<b>{esc(t("legend", lang))}</b> — {esc(t("legend_sector", lang))}<br>{swatches}'
        f'<div style="margin-top:4px"><i>{esc(t("legend_precision", lang))}</i>{precision}</div></div>',
        unsafe_allow_html=True)


def _fmt(value, unit: str, lang: str) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return t(unit, lang, v=float(value))


def _evidence_panel(project: Project, data, positions, lab: Labels, lang: str) -> None:
    st.markdown(f"#### {esc(t('evidence', lang))}", unsafe_allow_html=True)
    f = data.features
    if len(positions) <= MAX_PICK:
        ids = [None] + list(f["id"].iloc[positions])
        names = dict(zip(f["id"], f["name"]))
        if st.session_state.get("selected") in ids and st.session_state.get("pick") != st.session_state.get("selected"):
            st.session_state["pick"] = st.session_state["selected"]

        def on_pick():
            st.session_state["selected"] = st.session_state.get("pick")

        st.selectbox(t("pick", lang), ids, key="pick", on_change=on_pick,
                     format_func=lambda i: t("none_label", lang) if i is None else f"{names.get(i, i)}")
    else:
        st.caption(t("pick", lang) + " " + t("too_many_to_pick", lang))
    fid = st.session_state.get("selected")
    hits = f.index[f["id"] == fid] if fid else []
    if not len(hits):
        st.info(t("click_hint", lang))
        return
    row = f.loc[hits[0]]
    corpus = _corpus(str(project.corpus_dir)) if project.corpus_dir else None
    parts = [f'<div class="mapapp-panel" data-feature-id="{esc(row["id"])}">',
             f'<h4 class="mapapp-name" style="margin:0.2rem 0">{esc(row["name"])}</h4>']
    facts = [
        ("f_id", row["id"]),
        ("f_aliases", "、".join(row["aliases"]) if len(row["aliases"]) else None),
        ("f_kind", lab.term("kinds", row["kind"])),
        ("f_sectors", "、".join(lab.term("sectors", s) for s in row["sectors"])),
        ("f_status", lab.term("statuses", row["status"])),
        ("f_plans", "；".join(lab.plan(p) for p in row["plans"])),
        ("f_source", describe_provenance(row, lang)),
        ("f_precision", lab.term("precisions", row["precision"]) if row["precision"] else None),
        ("f_uncertainty", _fmt(row["uncertainty_m"], "m", lang)),
        ("f_stated_area", _fmt(row["stated_area_km2"], "km2", lang)),
        ("f_area", _fmt(row["area_km2"], "km2", lang)),
        ("f_stated_length", _fmt(row["stated_length_km"], "km", lang)),
        ("f_length", _fmt(row["length_km"], "km", lang)),
        ("f_units", "、".join([*row["cities"], *row["counties"]]) or None),
        ("f_note", row["note"] or None),
    ]
    parts.append('<table class="mapapp-facts" style="font-size:0.85rem">')
    for key, value in facts:
        if value is None or value == "":
            continue
        parts.append(f'<tr><th style="white-space:nowrap;padding:1px 8px 1px 0;text-align:left">{esc(t(key, lang))}</th>'
                     f'<td style="padding:1px 0">{esc(value)}</td></tr>')
    parts.append("</table>")
    mentions = row["mentions"]
    parts.append(f'<h5 style="margin:0.6rem 0 0.2rem 0">{esc(t("mentions", lang, n=len(mentions)))}</h5>')
    for mention in mentions:
        plan, line, quote = mention["plan"], int(mention["line"]), mention["quote"]
        parts.append('<div class="mapapp-mention" style="border-left:3px solid #c0392b;padding:2px 8px;margin:6px 0">')
        parts.append(f'<div style="font-size:0.8rem;color:#555">{esc(lab.plan(plan))} · '
                     f'{esc(t("line", lang, n=line))}</div>')
        parts.append(f'<div class="mapapp-quote">「{esc(quote)}」</div>')
        if corpus is not None:
            try:
                para = corpus.paragraph(mention["doc"], line, context=1)
            except MapappError:
                para = []
            if para:
                body = "".join(
                    f'<div style="margin:2px 0"><span style="color:#999;font-size:0.75rem">{n}</span> '
                    f'{highlight(text, quote) if n == line else esc(text)}</div>' for n, text in para)
                parts.append(f'<div class="mapapp-paragraph" style="font-size:0.85rem;background:#fafafa;'
                             f'padding:4px 6px;margin-top:3px">{body}</div>')
            else:
                parts.append(f'<div style="font-size:0.8rem;color:#999">{esc(t("doc_missing", lang))}</div>')
        parts.append("</div>")
    if corpus is None:
        parts.append(f'<div style="font-size:0.8rem;color:#777">{esc(t("no_corpus", lang))}</div>')
    parts.append("</div>")
    st.markdown("".join(parts), unsafe_allow_html=True)


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


def _ledger(data, flt: FeatureFilter, lab: Labels, lang: str) -> None:
    rows = data.unlocated(flt)
    with st.expander(t("ledger", lang, n=len(rows)), expanded=False):
        if rows.empty:
            st.caption(t("ledger_none", lang))
            return
        head = ("f_id", "f_aliases", "f_kind", "f_status", "f_plans", "f_reason")
        out = ['<table class="mapapp-ledger" style="font-size:0.85rem;width:100%"><tr>',
               f'<th style="text-align:left">{esc(t("f_id", lang))}</th><th style="text-align:left">名称 / Name</th>']
        out += [f'<th style="text-align:left">{esc(t(h, lang))}</th>' for h in head[1:]]
        out.append("</tr>")
        for _, r in rows.iterrows():
            reason = r["source_note"]
            cells = [r["id"], r["name"], "、".join(r["aliases"]), lab.term("kinds", r["kind"]),
                     lab.term("statuses", r["status"]), "；".join(lab.plan(p) for p in r["plans"]), reason]
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        out.append("</table>")
        st.markdown("".join(out), unsafe_allow_html=True)
