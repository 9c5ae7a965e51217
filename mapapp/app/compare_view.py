"""The 对比 (comparison) view: `mapapp compare` for two plans picked here. The map colours the
three groups (named by both, only by A, only by B; status changes outlined), the table lists the
status changes first, and a selected row opens the evidence of both plans side by side.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from ..corpus import Corpus
from ..errors import MapappError
from ..features import Select
from ..plan_compare import GROUPS, compare_plans, comparison_csv, group_counts, selection
from .memo import Memo
from .overlay_map import ScriptLayer, display_geojson, js_literal, offline_map
from .text import esc, highlight

PLAN_A_KEY, PLAN_B_KEY, TABLE_KEY = "cmp_a", "cmp_b", "cmp_table"
COLORS = {"changed": "#7b3294", "both": "#7b3294", "only_a": "#2c7bb6", "only_b": "#e66101"}
CHANGED_OUTLINE = "#d7191c"

_T = {
    "head": {"zh": "两个规划的对比", "en": "Comparing two plans"},
    "plan_a": {"zh": "规划 A", "en": "Plan A"}, "plan_b": {"zh": "规划 B", "en": "Plan B"},
    "same": {"zh": "请选择两个不同的规划。", "en": "Pick two different plans."},
    "both": {"zh": "两者均提及", "en": "Named by both"}, "changed": {"zh": "其中状态变化", "en": "status changed"},
    "only_a": {"zh": "仅 A 提及", "en": "Only in A"}, "only_b": {"zh": "仅 B 提及", "en": "Only in B"},
    "located": {"zh": "地图上", "en": "on the map"},
    "legend_changed": {"zh": "红色描边 = 状态变化", "en": "red outline = status changed"},
    "table_hint": {"zh": "状态变化排在最前；选择一行查看两个规划的原文证据。",
                   "en": "Status changes first; select a row to see the evidence of both plans."},
    "col_name": {"zh": "名称", "en": "Name"}, "col_kind": {"zh": "类型", "en": "Kind"},
    "col_group": {"zh": "分组", "en": "Group"}, "col_a": {"zh": "A 所述状态", "en": "Status in A"},
    "col_b": {"zh": "B 所述状态", "en": "Status in B"},
    "g_changed": {"zh": "状态变化", "en": "status changed"}, "g_both": {"zh": "两者均提及", "en": "both"},
    "g_only_a": {"zh": "仅 A", "en": "only A"}, "g_only_b": {"zh": "仅 B", "en": "only B"},
    "not_named": {"zh": "此规划未提及。", "en": "Not named by this plan."},
    "line": {"zh": "第 {n} 行", "en": "line {n}"},
    "dl": {"zh": "下载对比 CSV", "en": "Download comparison CSV"},
    "dl_note": {"zh": "与 `mapapp compare A B -o FILE.csv` 相同。", "en": "Same as `mapapp compare A B -o FILE.csv`."},
}


def _t(key: str, lang: str, **values) -> str:
    text = _T[key].get(lang) or _T[key]["zh"]
    return text.format(**values) if values else text


_TABLES = Memo(16)


def comparison_table(select: Select, manifest: dict, plan_a: str, plan_b: str) -> pd.DataFrame:
    """Return `plan_compare.compare_plans` for the two plans (memoised per build)."""
    key = (manifest.get("build_id"), manifest.get("built_at"), plan_a, plan_b)
    return _TABLES.get(key, lambda: compare_plans(select, plan_a, plan_b, [p["id"] for p in manifest["plans"]]))


def _plan_label(manifest: dict, plan: str, lang: str) -> str:
    for p in manifest["plans"]:
        if p["id"] == plan:
            return (p.get("title_en") or p["title"]) if lang == "en" else p["title"]
    return plan


def _term(manifest: dict, group: str, key: str, lang: str) -> str:
    entry = manifest["vocabulary"].get(group, {}).get(key) if key else None
    return (entry.get(lang) or entry["zh"]) if entry else (key or "—")


_COMPARE_JS = """
var data = %(data)s, cities = %(cities)s, colors = %(colors)s, outline = '%(outline)s';
var frame = L.geoJSON(cities, {interactive: false,
  style: function () { return {color: '#888888', weight: 1, fill: false}; }}).addTo(map);
function styleOf(p) {
  var c = colors[p.g] || '#555555', changed = p.g === 'changed';
  var st = {color: changed ? outline : c, fillColor: c, weight: changed ? 3 : 1.5, opacity: 0.95,
            fillOpacity: 0.15, radius: 5};
  if (p.u) { st.dashArray = '2 5'; st.fillOpacity = 0.0; st.weight = changed ? 3 : 1.2; }
  if (p.t === 'Point') { st.fillOpacity = 0.9; st.color = changed ? outline : '#222222'; st.weight = changed ? 2.5 : 1; }
  return st;
}
var layer = L.geoJSON(data, {
  style: function (f) { return styleOf(f.properties); },
  pointToLayer: function (f, ll) { return L.circleMarker(ll, styleOf(f.properties)); },
  onEachFeature: function (f, l) {
    l.options.className = 'mapapp-cmp mapapp-cmp-' + f.properties.g;
    l.bindTooltip(function () {
      var box = document.createElement('div'), b = document.createElement('b'), d = document.createElement('div');
      b.textContent = f.properties.name; d.textContent = f.properties.label;
      box.appendChild(b); box.appendChild(d);
      return box;
    }, {sticky: true});
  }
}).addTo(map);
window.mapappFit(map, frame.getBounds(), {padding: [6, 6]});
var counts = {};
data.features.forEach(function (f) { counts[f.properties.g] = (counts[f.properties.g] || 0) + 1; });
window.mapappCompare = counts;
"""


def _compare_map(features: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, table: pd.DataFrame, lang: str) -> dict[str, int]:
    """Draw the map of the located rows coloured by group; return how many of each group are drawn."""
    located = features[features.geometry.notna()].set_index("id")
    rows = table[table["id"].isin(located.index)]
    geoms = located.geometry.reindex(rows["id"]).values
    # big shapes below, points on top: by area (square degrees), lines above polygons
    size = np.nan_to_num(shapely.area(geoms), nan=0.0) + np.where(shapely.length(geoms) > 0, 1e-9, 0.0)
    order = np.argsort(-size, kind="stable")
    labels = {g: _t(f"g_{g}", lang) for g in GROUPS}
    upper = located["upper_bound"].reindex(rows["id"]).to_numpy(dtype=bool)
    props = [{"id": i, "name": n, "g": g, "label": labels[g], "t": geoms[k].geom_type, **({"u": 1} if upper[k] else {})}
             for k, (i, n, g) in enumerate(zip(rows["id"], rows["name"], rows["group"]))]
    data = display_geojson(geoms[order], [props[k] for k in order])
    cities = boundaries[boundaries["level"] == "city"]
    frame = display_geojson(cities.geometry, [{"name": n} for n in cities["name"]])
    m = offline_map()
    ScriptLayer(_COMPARE_JS % {"data": js_literal(data), "cities": js_literal(frame), "colors": js_literal(COLORS),
                               "outline": CHANGED_OUTLINE}).add_to(m)
    st_folium(m, key="cmp_map", height=520, use_container_width=True, returned_objects=[])
    return rows["group"].value_counts().to_dict()


def _evidence(corpus: Corpus | None, features: gpd.GeoDataFrame, manifest: dict, rid: str,
              plan: str, lang: str) -> str:
    rows = features[features["id"] == rid]
    mentions = [m for m in rows.iloc[0]["mentions"] if m["plan"] == plan] if len(rows) else []
    parts = [f'<div class="mapapp-cmp-evidence" data-plan="{esc(plan)}">'
             f'<div style="font-weight:600">{esc(_plan_label(manifest, plan, lang))}</div>']
    if not mentions:
        parts.append(f'<div style="color:#777">{esc(_t("not_named", lang))}</div>')
    for m in mentions:
        status = f' · {esc(_term(manifest, "statuses", m.get("status") or "", lang))}' if m.get("status") else ""
        parts.append('<div class="mapapp-mention" style="border-left:3px solid #c0392b;padding:2px 8px;margin:6px 0">'
                     f'<div style="font-size:0.8rem;color:#555">{esc(_t("line", lang, n=int(m["line"])))}{status}</div>'
                     f'<div class="mapapp-quote">「{esc(m["quote"])}」</div>')
        para = []
        if corpus is not None:
            try:
                para = corpus.paragraph(m["doc"], int(m["line"]), context=0)
            except MapappError:
                para = []
        if para:
            parts.append('<div style="font-size:0.85rem;background:#fafafa;padding:4px 6px">' + "".join(
                highlight(text, m["quote"]) if n == int(m["line"]) else esc(text) for n, text in para) + "</div>")
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def render_compare_view(select: Select, boundaries: gpd.GeoDataFrame, manifest: dict,
                        corpus: Corpus | None, lang: str) -> None:
    """Draw the comparison view (the page's filters do not apply: a comparison is of whole plans);
    the records come from `select` (the view-model's, which asks the store)."""
    st.markdown(f"#### {esc(_t('head', lang))}", unsafe_allow_html=True)
    plans = [p["id"] for p in manifest["plans"]]
    if len(plans) < 2:
        return
    for key, default in ((PLAN_A_KEY, plans[0]), (PLAN_B_KEY, plans[1])):
        if st.session_state.get(key) not in plans:
            st.session_state[key] = default
    c1, c2 = st.columns(2)
    plan_a = c1.selectbox(_t("plan_a", lang), plans, key=PLAN_A_KEY, format_func=lambda p: _plan_label(manifest, p, lang))
    plan_b = c2.selectbox(_t("plan_b", lang), plans, key=PLAN_B_KEY, format_func=lambda p: _plan_label(manifest, p, lang))
    if plan_a == plan_b:
        st.warning(_t("same", lang))
        return
    table = comparison_table(select, manifest, plan_a, plan_b)
    features = select(selection(plan_a, plan_b))
    counts = group_counts(table)
    col_map, col_table = st.columns([1, 1], gap="medium")
    with col_map:
        drawn = _compare_map(features, boundaries, table, lang)
    heads = [("both", counts["changed"] + counts["both"], drawn.get("changed", 0) + drawn.get("both", 0),
              f'（{esc(_t("changed", lang))} {counts["changed"]}）'),
             ("only_a", counts["only_a"], drawn.get("only_a", 0), ""),
             ("only_b", counts["only_b"], drawn.get("only_b", 0), "")]
    with col_map:
        st.markdown('<div class="mapapp-cmp-groups" style="font-size:0.9rem">' + "".join(
            f'<div class="mapapp-cmp-group" data-group="{g}"><span style="display:inline-block;width:14px;height:12px;'
            f'background:{COLORS[g]};margin-right:6px;vertical-align:-1px"></span><b>{esc(_t(g, lang))}</b>: '
            f'<span class="mapapp-cmp-count">{n}</span>{extra} · {esc(_t("located", lang))} {k}</div>'
            for g, n, k, extra in heads) + f'<div style="color:{CHANGED_OUTLINE}">{esc(_t("legend_changed", lang))}</div></div>',
            unsafe_allow_html=True)
    with col_table:
        st.caption(_t("table_hint", lang))
        shown = pd.DataFrame({
            _t("col_group", lang): [_t(f"g_{g}", lang) for g in table["group"]],
            _t("col_name", lang): table["name"],
            _t("col_kind", lang): [_term(manifest, "kinds", k, lang) for k in table["kind"]],
            _t("col_a", lang): [_term(manifest, "statuses", s, lang) if a else "" for s, a in zip(table["status_a"], table["in_a"])],
            _t("col_b", lang): [_term(manifest, "statuses", s, lang) if b else "" for s, b in zip(table["status_b"], table["in_b"])],
        })
        narrow = {c: st.column_config.TextColumn(c, width="small")
                  for c in (_t("col_group", lang), _t("col_kind", lang), _t("col_a", lang), _t("col_b", lang))}
        event = st.dataframe(shown, key=TABLE_KEY, hide_index=True, on_select="rerun", selection_mode="single-row",
                             height=440, use_container_width=True, column_config=narrow)
        st.download_button(_t("dl", lang), data=comparison_csv(table), file_name=f"mapapp-compare-{plan_a}-{plan_b}.csv",
                           mime="text/csv", key="dl_compare_csv", on_click="ignore")
        st.caption(_t("dl_note", lang))
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows and rows[0] < len(table):
        row = table.iloc[rows[0]]
        st.markdown(f'<h5 class="mapapp-cmp-title">{esc(row["name"])}</h5>', unsafe_allow_html=True)
        left, right = st.columns(2)
        left.markdown(_evidence(corpus, features, manifest, row["id"], plan_a, lang), unsafe_allow_html=True)
        right.markdown(_evidence(corpus, features, manifest, row["id"], plan_b, lang), unsafe_allow_html=True)
