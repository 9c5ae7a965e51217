"""Interface strings (Chinese default, English) and escaping of annotation text for the page."""
from __future__ import annotations

LANGS = ("zh", "en")

UI = {
    "title": {"zh": "江西规划项目地图", "en": "Jiangxi plan projects map"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_none": {"zh": "无（离线）", "en": "None (offline)"},
    "basemap_osm": {"zh": "OpenStreetMap（需联网）", "en": "OpenStreetMap (online)"},
    "basemap_amap": {"zh": "高德地图（GCJ-02，需联网）", "en": "AMap 高德 (GCJ-02, online)"},
    "basemap_tianditu": {"zh": "天地图（需联网）", "en": "Tianditu 天地图 (online)"},
    "tianditu_hint": {"zh": "设置环境变量 MAPAPP_TIANDITU_KEY 后可选天地图底图。",
                      "en": "Set MAPAPP_TIANDITU_KEY to enable the Tianditu basemap."},
    "datum_wgs84": {"zh": "坐标系：WGS84 (EPSG:4326)", "en": "Datum: WGS84 (EPSG:4326)"},
    "datum_gcj02": {"zh": "坐标系：GCJ-02（为匹配高德底图临时偏移；下载仍为 WGS84）",
                    "en": "Datum: GCJ-02 (shifted to match AMap; downloads stay WGS84)"},
    "datum_short_wgs84": {"zh": "WGS84", "en": "WGS84"},
    "datum_short_gcj02": {"zh": "GCJ-02（高德）", "en": "GCJ-02 (AMap)"},
    "filters": {"zh": "筛选", "en": "Filters"},
    "search": {"zh": "按名称或别名搜索", "en": "Search name or alias"},
    "plans": {"zh": "规划", "en": "Plan"},
    "sectors": {"zh": "行业", "en": "Sector"},
    "kinds": {"zh": "类型", "en": "Kind"},
    "statuses": {"zh": "状态", "en": "Status"},
    "within": {"zh": "市/县（区）", "en": "City or county"},
    "precisions": {"zh": "精度", "en": "Precision"},
    "any": {"zh": "全部", "en": "Any"},
    "reset": {"zh": "清除筛选", "en": "Clear filters"},
    "shown": {"zh": "地图显示 {n} 个要素（共 {total} 条记录，其中 {unlocated} 条尚未定位）",
              "en": "{n} features on the map ({total} records, {unlocated} not located yet)"},
    "nothing": {"zh": "没有符合筛选条件的要素。", "en": "No feature matches the filters."},
    "legend": {"zh": "图例", "en": "Legend"},
    "legend_sector": {"zh": "颜色 = 行业（第一个行业）", "en": "Colour = sector (the first one)"},
    "legend_precision": {"zh": "线型 = 几何精度", "en": "Line style = precision of the geometry"},
    "legend_solid": {"zh": "精确 / 推导：实线", "en": "Exact / derived: solid"},
    "legend_dashed": {"zh": "近似（手绘）：虚线、较浅", "en": "Approximate (hand-drawn): dashed, lighter"},
    "legend_upper": {"zh": "范围上限：点线轮廓（只知位于该范围内某处）",
                     "en": "Upper bound: dotted outline (only known to lie somewhere inside)"},
    "legend_area": {"zh": "整县/市/省范围或大面积要素：点划线轮廓，点击轮廓选中",
                    "en": "Whole county, city or province, or very large: dash-dot outline; click the outline"},
    "legend_stack": {"zh": "带数字的圆点 = 同一位置的多个点位，点击展开",
                     "en": "Numbered dot = several points at one spot; click to spread them"},
    "legend_water": {"zh": "蓝色 = 湖泊、水库与河流（GSHHS/WDBII）", "en": "Blue = lakes, reservoirs and rivers (GSHHS/WDBII)"},
    "legend_labels": {"zh": "地名：市名（全省视图），县（区）名（放大后）；斜体 = 规划片区名（放大后）",
                      "en": "Place names: cities (province view), counties (zoomed in); italic = plan areas (zoomed in)"},
    "legend_point": {"zh": "点位：圆点（仅知位置）", "en": "Point: dot (location only)"},
    "legend_boundaries": {"zh": "灰线 = 行政区界（图层按钮可开关省/市/县界）",
                          "en": "Grey lines = administrative boundaries (switch province/city/county in the layer button)"},
    "boundary_province": {"zh": "省界", "en": "Province boundary"},
    "boundary_city": {"zh": "市界", "en": "City boundaries"},
    "boundary_county": {"zh": "县（区）界", "en": "County boundaries"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "click_hint": {"zh": "点击地图上的要素查看规划原文证据；点击地图任意位置查看该地的规划要素。",
                   "en": "Click a feature on the map for its evidence; click anywhere for what the plans put there."},
    "layer_area": {"zh": "整区范围与范围上限（{n}）", "en": "Area-wide and upper bounds ({n})"},
    "layer_shapes": {"zh": "线与面（{n}）", "en": "Lines and areas ({n})"},
    "layer_points": {"zh": "点位（{n}）", "en": "Points ({n})"},
    "tiles_problem": {"zh": "矢量瓦片无法使用，地图改为载入全部要素", "en": "Vector tiles unavailable; the map loads every feature instead"},
    "upper_word": {"zh": "范围上限（只知位于其内某处）", "en": "Upper bound (somewhere inside)"},
    "area_wide_word": {"zh": "整区范围要素", "en": "Area-wide feature"},
    "tile_error": {"zh": "底图瓦片无法加载（未联网或被拦截）。规划要素不受影响；可改用“无（离线）”底图。",
                   "en": "The basemap tiles cannot be loaded (offline or blocked). The plan features are unaffected; choose the offline basemap."},
    "report": {"zh": "此地", "en": "This place"},
    "report_where": {"zh": "北纬 {lat:.4f}°，东经 {lon:.4f}°（WGS84）", "en": "{lat:.4f}°N, {lon:.4f}°E (WGS84)"},
    "report_outside": {"zh": "江西省界以外", "en": "outside Jiangxi's boundaries"},
    "report_near": {"zh": "此处及附近 {km:g} 公里内的要素（由近到远，{n} 个）",
                    "en": "Features at or within {km:g} km of this point, nearest first ({n})"},
    "report_near_none": {"zh": "附近 {km:g} 公里内没有符合筛选条件的精确要素。",
                         "en": "No precise feature matching the filters within {km:g} km."},
    "report_covering": {"zh": "规划将此地划入以下范围（{n} 个，由小到大）",
                        "en": "The plans put this place inside ({n}, smallest first)"},
    "report_covering_none": {"zh": "没有覆盖此地的整区范围要素。", "en": "No area-wide feature covers this place."},
    "report_at": {"zh": "在此处", "en": "here"},
    "report_hint": {"zh": "点击一行查看证据。", "en": "Click a row for its evidence."},
    "report_clear": {"zh": "关闭", "en": "Close"},
    "pick": {"zh": "或从列表选择要素", "en": "Or pick a feature"},
    "precision_word": {"zh": "精度", "en": "Precision"},
    "mentions": {"zh": "规划原文提及（{n} 处）", "en": "Mentions in the plans ({n})"},
    "line": {"zh": "第 {n} 行", "en": "line {n}"},
    "paragraph": {"zh": "上下文", "en": "Context"},
    "no_corpus": {"zh": "未配置规划原文文件夹（MAPAPP_CORPUS / --corpus）：只显示引文，没有上下文段落，引文也未与原文核对。",
                  "en": "No plan documents configured (MAPAPP_CORPUS / --corpus): quotes only, without their paragraphs, and not checked against the documents."},
    "doc_missing": {"zh": "原文文件中找不到该行。", "en": "The line is not in the corpus file."},
    "f_id": {"zh": "编号", "en": "ID"},
    "f_aliases": {"zh": "别名", "en": "Aliases"},
    "f_kind": {"zh": "类型", "en": "Kind"},
    "f_sectors": {"zh": "行业", "en": "Sectors"},
    "f_status": {"zh": "状态", "en": "Status"},
    "f_plans": {"zh": "规划", "en": "Plans"},
    "f_source": {"zh": "几何来源", "en": "Geometry source"},
    "f_precision": {"zh": "精度", "en": "Precision"},
    "f_uncertainty": {"zh": "不确定半径", "en": "Uncertainty"},
    "f_stated_area": {"zh": "规划所述面积", "en": "Stated area"},
    "f_area": {"zh": "计算面积", "en": "Computed area"},
    "f_stated_length": {"zh": "规划所述长度", "en": "Stated length"},
    "f_length": {"zh": "计算长度", "en": "Computed length"},
    "f_units": {"zh": "所在市/县", "en": "Cities / counties"},
    "f_note": {"zh": "备注", "en": "Note"},
    "f_reason": {"zh": "未定位原因", "en": "Why not located"},
    "f_name": {"zh": "名称", "en": "Name"},
    "downloads": {"zh": "下载当前筛选结果", "en": "Download the current selection"},
    "dl_geojson": {"zh": "下载 GeoJSON", "en": "Download GeoJSON"},
    "dl_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "dl_note": {"zh": "与命令行 `mapapp export` 相同筛选的结果一致，WGS84 全精度。",
                "en": "Same content as `mapapp export` with the same filters, WGS84, full precision."},
    "ledger": {"zh": "未定位记录（{n} 条）", "en": "Records not located yet ({n})"},
    "ledger_none": {"zh": "所选规划的记录均已定位。", "en": "Every record of the selected plans is located."},
    "build_problem": {"zh": "无法读取构建结果", "en": "Cannot read the build"},
    "build_hint": {"zh": "请在终端运行 `mapapp build`（或 `mapapp app`，会先自动构建），然后刷新本页。",
                   "en": "Run `mapapp build` in a terminal (or `mapapp app`, which builds first), then reload this page."},
    "bad_filter": {"zh": "链接中有 {n} 个无效的筛选值，已忽略：{v}", "en": "Ignored {n} unknown filter values from the link: {v}"},
    "too_many_to_pick": {"zh": "（要素太多，无法列出；请先筛选）", "en": "(too many features to list; filter first)"},
    "none_label": {"zh": "（未选择）", "en": "(none)"},
    "km2": {"zh": "{v:,.2f} 平方公里", "en": "{v:,.2f} km²"},
    "km": {"zh": "{v:,.2f} 公里", "en": "{v:,.2f} km"},
    "m": {"zh": "{v:,.0f} 米", "en": "{v:,.0f} m"},
    "osm_attribution": {"zh": "© OpenStreetMap 贡献者（ODbL）", "en": "© OpenStreetMap contributors (ODbL)"},
}


class Labels:
    """Vocabulary terms and plan titles of a build's manifest in one UI language."""

    def __init__(self, manifest: dict, lang: str):
        self.lang = lang
        self.vocab = manifest["vocabulary"]
        self.plans = {p["id"]: p for p in manifest["plans"]}

    def term(self, group: str, key: str) -> str:
        """Return the vocabulary term `key` of `group` ('kinds', 'sectors' …) in the language."""
        entry = self.vocab.get(group, {}).get(key)
        return entry.get(self.lang) or entry.get("zh") or key if entry else str(key)

    def plan(self, key: str) -> str:
        """Return the title of plan `key` in the language (the Chinese title if none)."""
        p = self.plans.get(key)
        if not p:
            return key
        return (p.get("title_en") or p["title"]) if self.lang == "en" else p["title"]

    def option(self, name: str, key: str) -> str:
        """Return the label of choice `key` of filter `name`."""
        group = {"sectors": "sectors", "kinds": "kinds", "statuses": "statuses", "precisions": "precisions"}.get(name)
        if name == "plans":
            return self.plan(key)
        if group:
            return self.term(group, key)
        return key


def t(key: str, lang: str, **values) -> str:
    """Return interface string `key` in `lang` (falls back to Chinese), formatted with `values`."""
    entry = UI[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


# Characters that HTML, Markdown or Streamlit's directives (:red[…], $math$) would interpret.
_SPECIAL = set("&<>\"'\\`*_{}[]()#+-.!|~$:=")


def esc(value) -> str:
    """Return `value` as text that is safe inside st.markdown(..., unsafe_allow_html=True): every
    HTML, Markdown or Streamlit special character becomes a numeric entity, so an annotation is
    always shown literally and never becomes markup. Every line ending (\\n, \\r\\n or a lone \\r, all of
    which end a Markdown line and two of which end an HTML block) becomes <br>."""
    s = "" if value is None else str(value)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(f"&#{ord(ch)};" if ch in _SPECIAL else ch for ch in s).replace("\n", "<br>")


def highlight(line: str, quote: str) -> str:
    """Return the line as safe HTML with each occurrence of `quote` wrapped in <mark>."""
    if not quote or quote not in line:
        return esc(line)
    return f"<mark>{esc(quote)}</mark>".join(esc(part) for part in line.split(quote))


def md_literal(value) -> str:
    """Return `value` for a Markdown-rendering element (st.warning, st.error …) so that it shows
    literally: every ASCII punctuation character is backslash-escaped (CommonMark), so text from
    a URL or an error message can never become a link, an image or a directive."""
    s = "" if value is None else str(value)
    return "".join("\\" + ch if (ch.isascii() and not ch.isalnum() and not ch.isspace()) else ch for ch in s)
