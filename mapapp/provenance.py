"""Where a feature's geometry came from, as structured facts, and its wording in each UI language.

The build stores a `Provenance` as columns of the feature table (see schema.py); every sentence
about it (the exported `geometry_source`, the app's panel) is generated from those facts by
`describe`, never parsed back.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

METHODS = ("admin", "manual", "stations", "point", "water", "osm", "none")
# Why an `osm` selector kept its fallback: '' when it resolved (or the spec is not `osm`).
OSM_FALLBACKS = ("", "no_cache", "missing_ids", "unmatched", "ambiguous")
OSM_LICENCE = "© OpenStreetMap contributors, ODbL"
# The datasets mapapp itself names in `data_source` (mapapp.admin), worded per language; any other
# value (a file path, an annotator's words) is shown as written.
DATASET_NAMES = {"天地图 (Tianditu) boundaries": {"zh": "天地图行政区划边界", "en": "天地图 (Tianditu) boundaries"}}


@dataclass
class Provenance:
    """The facts behind a geometry.

    method: the spec type that produced the geometry (an `osm` spec that kept its fallback reports
    the fallback's method, with `osm_fallback` saying why); upper_bound: the entity lies somewhere within `units`;
    units/stations/osm_ids: what was used; data_source/data_version: the dataset and its version
    or date; source_note: the annotator's own words (its `source`, or `reason` when unlocated);
    osm_data: OpenStreetMap data (geometry or station positions) went into the geometry."""

    method: str
    upper_bound: bool = False
    units: list[str] = field(default_factory=list)
    stations: list[str] = field(default_factory=list)
    osm_ids: list[str] = field(default_factory=list)
    data_source: str = ""
    data_version: str = ""
    source_note: str = ""
    osm_fallback: str = ""
    osm_data: bool = False

    def columns(self) -> dict:
        """Return this provenance as feature-table columns (its field names are schema columns)."""
        return asdict(self)


_WORDS = {
    "en": {
        "admin": "administrative units", "upper": "upper bound: the entity lies somewhere within",
        "manual": "hand-digitised shape", "stations": "line through stations", "point": "point",
        "water": "water body from",
        "osm": "OpenStreetMap", "none": "not located", "as_of": "data as of",
        "fallback": "OSM selector unresolved ({why}); fallback",
        "no_cache": "no OSM cache configured", "missing_ids": "OSM ids not in the cache",
        "unmatched": "no OSM object matches", "ambiguous": "several OSM objects far apart match",
        "sep": "; ", "arrow": " → ", "licence": OSM_LICENCE,
    },
    "zh": {
        "admin": "行政区划", "upper": "上限范围：该实体位于以下区域之内某处",
        "manual": "人工勾绘", "stations": "按车站连线", "point": "点位",
        "water": "水系数据",
        "osm": "OpenStreetMap", "none": "未定位", "as_of": "数据日期",
        "fallback": "OSM 选择器未匹配（{why}），改用备选",
        "no_cache": "未配置 OSM 缓存", "missing_ids": "缓存中没有所列 OSM 编号",
        "unmatched": "没有匹配的 OSM 对象", "ambiguous": "匹配到多个相距较远的 OSM 对象",
        "sep": "；", "arrow": " → ", "licence": "© OpenStreetMap 贡献者，ODbL 许可",
    },
}


def dataset_name(value: str, lang: str = "en") -> str:
    """Return a `data_source` value worded in `lang` when it is a dataset mapapp names itself
    (DATASET_NAMES), else the value as written."""
    return DATASET_NAMES.get(value, {}).get(lang, value)


def describe(row: dict, lang: str = "en") -> str:
    """Return one sentence in `lang` ('en' or 'zh') describing a feature's provenance.

    `row` holds the provenance columns (a feature-table row or `Provenance.columns()`); annotators' own
    words (`source_note`) are included as written."""
    w = _WORDS.get(lang, _WORDS["en"])
    method, note = row.get("method") or "none", row.get("source_note") or ""
    fallback = row.get("osm_fallback") or ""
    if method == "osm" and not fallback:
        ids = list(row.get("osm_ids") or [])
        shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
        return f"{w['osm']}: {shown} ({w['as_of']} {row.get('data_version') or '?'}{w['sep']}{w['licence']})"
    text = _describe_plain(row, method, w, note, lang)
    if fallback:
        return f"{w['fallback'].format(why=w.get(fallback, fallback))} {text}"
    return text


def _describe_plain(row: dict, method: str, w: dict, note: str, lang: str) -> str:
    extra = f" ({note})" if note else ""
    if method == "admin":
        units = ", ".join(row.get("units") or [])
        head = w["upper"] if row.get("upper_bound") else w["admin"]
        source = dataset_name(row.get("data_source") or "", lang)
        return f"{head} {units} — {source} {row.get('data_version', '')}".rstrip() + extra
    if method == "manual":
        head = f"{w['upper']} " if row.get("upper_bound") else ""
        return f"{head}{w['manual']}: {row.get('data_source', '')} — {note}"
    if method == "stations":
        osm = f"{w['sep']}{w['licence']}" if row.get("osm_data") else ""
        return f"{w['stations']}: {w['arrow'].join(row.get('stations') or [])}{extra}{osm}"
    if method == "point":
        return f"{w['point']}: {note}"
    if method == "water":
        return f"{w['water']} {row.get('data_source', '')}, {row.get('data_version', '')}{extra}"
    return f"{w['none']}: {note}"
