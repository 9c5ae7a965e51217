"""The 统计 (statistics) view: `mapapp stats` for the page's current filters, as a county
choropleth of `features`, a sortable table, the CSV (the same bytes as the CLI) and the unit brief.

Clicking a county on the map or a row of the table sets the page's 市/县 filter (session-state key
`within`). The view only reads the build.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from ..area_report import area_report, render_report
from ..area_stats import area_statistics, statistics_csv
from ..features import FeatureFilter, Select
from .viewmodel import filter_key
from .memo import Memo
from .overlay_map import ScriptLayer, display_geojson, js_literal, offline_map
from .text import esc

WITHIN_KEY = "within"          # the page's 市/县 filter
LEVEL_KEY = "stats_by"
MAP_KEY = "stats_map"
TABLE_KEY = "stats_table"
REPORT_KEY = "stats_report_unit"
# Sequential colours (ColorBrewer YlOrRd, 6 classes) for counties with 1+ features; 0 is grey.
RAMP = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
EMPTY = "#e6e6e6"

_T = {
    "head": {"zh": "按行政区统计", "en": "Statistics by area"},
    "by": {"zh": "统计单位", "en": "Unit"},
    "county": {"zh": "县（区）", "en": "County"}, "city": {"zh": "设区市", "en": "City"},
    "summary": {"zh": "{units} 个{level}有符合当前筛选条件的要素；地图按县（区）显示要素数。",
                "en": "{units} {level} units hold features matching the current filters; the map shows features per county."},
    "click": {"zh": "点击地图上的县（区）或表格中的一行，即按该地区筛选（侧栏“市/县（区）”）。",
              "en": "Click a county on the map or a row of the table to filter by it (sidebar: City or county)."},
    "rule": {"zh": "计数与 `mapapp export --within` 相同：与该区重叠至少 1% 即计入；范围上限只计数，不计面积。面积、长度为裁剪到该区后的等积面积与测地线长度。",
             "en": "Counted as `mapapp export --within` counts: an overlap of at least 1%; upper bounds count but add no area. Areas and lengths are clipped to the unit (equal-area, geodesic)."},
    "legend": {"zh": "要素数", "en": "Features"},
    "none": {"zh": "没有符合筛选条件的要素。", "en": "No feature matches the filters."},
    "dl_csv": {"zh": "下载统计表 CSV", "en": "Download statistics CSV"},
    "dl_note": {"zh": "与 `mapapp stats --by {level}` 加相同筛选条件的输出逐字节相同。",
                "en": "Byte-identical to `mapapp stats --by {level}` with the same filters."},
    "report_unit": {"zh": "地区简报", "en": "Brief for"},
    "dl_md": {"zh": "下载简报（Markdown）", "en": "Download brief (Markdown)"},
    "dl_html": {"zh": "下载简报（HTML）", "en": "Download brief (HTML)"},
    "col_name": {"zh": "名称", "en": "Name"}, "col_city": {"zh": "所属市", "en": "City"},
    "col_features": {"zh": "要素", "en": "Features"}, "col_precise": {"zh": "自身几何", "en": "Precise"},
    "col_upper": {"zh": "范围上限", "en": "Upper bound"}, "col_area": {"zh": "面积 km²", "en": "Area km²"},
    "col_length": {"zh": "长度 km", "en": "Length km"},
}


def _t(key: str, lang: str, **values) -> str:
    text = _T[key].get(lang) or _T[key]["zh"]
    return text.format(**values) if values else text


_TABLES = Memo(32)


def statistics_table(select: Select, boundaries: gpd.GeoDataFrame, manifest: dict,
                     flt: FeatureFilter, level: str) -> pd.DataFrame:
    """Return `area_stats.area_statistics` for these filters (memoised per build and filter)."""
    key = (manifest.get("build_id"), manifest.get("built_at"), filter_key(flt), level)
    return _TABLES.get(key, lambda: area_statistics(select, boundaries, manifest, level, flt))


def _set_within(name: str | None) -> None:
    if name:
        st.session_state[WITHIN_KEY] = [name]


def _on_map_click() -> None:
    clicked = (st.session_state.get(MAP_KEY) or {}).get("last_active_drawing") or {}
    _set_within((clicked.get("properties") or {}).get("name"))


def _on_table_select(names: list[str]):
    def callback():
        state = st.session_state.get(TABLE_KEY)
        rows = list(getattr(getattr(state, "selection", None), "rows", []) or [])
        if rows and rows[0] < len(names):
            _set_within(names[rows[0]])
    return callback


_CHOROPLETH_JS = """
var data = %(data)s, ramp = %(ramp)s, breaks = %(breaks)s, selected = %(selected)s;
function colour(n) {
  if (!n) { return '%(empty)s'; }
  for (var i = 0; i < breaks.length; i++) { if (n <= breaks[i]) { return ramp[i]; } }
  return ramp[ramp.length - 1];
}
var layer = L.geoJSON(data, {
  style: function (f) {
    var on = selected.indexOf(f.properties.name) >= 0;
    return {color: on ? '#000000' : '#666666', weight: on ? 3 : 0.8, fillColor: colour(f.properties.n),
            fillOpacity: 0.85, opacity: 1};
  },
  onEachFeature: function (f, l) {
    l.options.className = 'mapapp-choropleth mapapp-county-' + String(f.properties.adcode);
    l.options.interactive = f.properties.n > 0;
    l.bindTooltip(function () {
      var box = document.createElement('div');
      box.textContent = f.properties.name + ' · ' + f.properties.city + ': ' + f.properties.n;
      return box;
    }, {sticky: true});
  }
}).addTo(map);
window.mapappFit(map, layer.getBounds(), {padding: [8, 8]});
window.mapappChoropleth = data.features.length;
"""


def _class_breaks(counts: pd.Series) -> list[int]:
    """Upper bounds of the colour classes: quantiles of the non-zero counts, distinct and rising."""
    values = counts[counts > 0]
    if values.empty:
        return [1]
    qs = sorted({round(values.quantile(q)) for q in (1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6)} | {int(values.max())})
    return qs[:len(RAMP)]


def _choropleth(boundaries: gpd.GeoDataFrame, county_table: pd.DataFrame, selected: list[str], lang: str) -> None:
    counties = boundaries[boundaries["level"] == "county"]
    counts = dict(zip(county_table["name"], county_table["features"]))
    n = counties["name"].map(lambda name: int(counts.get(name, 0)))
    props = [{"name": name, "city": city, "adcode": int(code), "n": int(k)}
             for name, city, code, k in zip(counties["name"], counties["city"], counties["adcode"], n)]
    breaks = _class_breaks(n)
    js = _CHOROPLETH_JS % {"data": js_literal(display_geojson(counties.geometry, props)), "ramp": js_literal(RAMP),
                           "breaks": js_literal(breaks), "selected": js_literal(list(selected)), "empty": EMPTY}
    m = offline_map()
    ScriptLayer(js).add_to(m)
    st_folium(m, key=MAP_KEY, height=520, use_container_width=True, returned_objects=["last_active_drawing"],
              on_change=_on_map_click)
    lows = [1] + [b + 1 for b in breaks[:-1]]
    swatches = [(EMPTY, "0")] + [(RAMP[i], f"{lo}–{hi}" if lo != hi else f"{hi}") for i, (lo, hi) in enumerate(zip(lows, breaks))]
    st.markdown('<div class="mapapp-choropleth-legend" style="font-size:0.85rem">'
                f'<b>{esc(_t("legend", lang))}</b> ' + "".join(
                    f'<span style="display:inline-block;margin:0 8px 0 4px"><span style="display:inline-block;'
                    f'width:14px;height:12px;background:{c};border:1px solid #999;vertical-align:-1px;'
                    f'margin-right:3px"></span>{esc(label)}</span>' for c, label in swatches) + "</div>",
                unsafe_allow_html=True)


def render_stats_view(select: Select, boundaries: gpd.GeoDataFrame, manifest: dict,
                      flt: FeatureFilter, lang: str) -> None:
    """Draw the statistics view for the page's current filter `flt`; the features come from
    `select` (the view-model's, which asks the store)."""
    st.markdown(f"#### {esc(_t('head', lang))}", unsafe_allow_html=True)
    level = st.radio(_t("by", lang), ("county", "city"), key=LEVEL_KEY, horizontal=True,
                     format_func=lambda v: _t(v, lang))
    table = statistics_table(select, boundaries, manifest, flt, level)
    counties = table if level == "county" else statistics_table(select, boundaries, manifest, flt, "county")
    st.caption(_t("summary", lang, units=len(table), level=_t(level, lang).lower()) + " " + _t("click", lang))
    col_map, col_table = st.columns([1, 1], gap="medium")
    with col_map:
        _choropleth(boundaries, counties, list(flt.within), lang)
    with col_table:
        if table.empty:
            st.info(_t("none", lang))
        names = list(table["name"])
        st.dataframe(table, key=TABLE_KEY, hide_index=True, on_select=_on_table_select(names),
                     selection_mode="single-row", height=520, use_container_width=True,
                     column_config={"adcode": st.column_config.NumberColumn("adcode", format="%d"),
                                    "name": _t("col_name", lang), "city": _t("col_city", lang),
                                    "features": _t("col_features", lang), "precise": _t("col_precise", lang),
                                    "upper_bound": _t("col_upper", lang), "area_km2": _t("col_area", lang),
                                    "length_km": _t("col_length", lang)})
    st.caption(_t("rule", lang))
    c1, c2, c3, c4 = st.columns([1.2, 1.4, 1.1, 1.1])
    c1.download_button(_t("dl_csv", lang), data=statistics_csv(table), file_name=f"mapapp-stats-{level}.csv",
                       mime="text/csv", key="dl_stats_csv", on_click="ignore")
    c1.caption(_t("dl_note", lang, level=level))
    if names:
        # the brief follows the 市/县 filter when it names one unit; otherwise the user picks one
        chosen = tuple(flt.within)
        if st.session_state.get("_stats_within_seen") != chosen:
            st.session_state["_stats_within_seen"] = chosen
            if len(chosen) == 1 and chosen[0] in names:
                st.session_state[REPORT_KEY] = chosen[0]
        if st.session_state.get(REPORT_KEY) not in names:
            st.session_state[REPORT_KEY] = names[0]
        unit = c2.selectbox(_t("report_unit", lang), names, key=REPORT_KEY)
        rep = area_report(select, boundaries, manifest, unit, flt, lang)
        c3.download_button(_t("dl_md", lang), data=render_report(rep, "md"), file_name=f"mapapp-{unit}.md",
                           mime="text/markdown", key="dl_report_md", on_click="ignore")
        c4.download_button(_t("dl_html", lang), data=render_report(rep, "html"), file_name=f"mapapp-{unit}.html",
                           mime="text/html", key="dl_report_html", on_click="ignore")
