"""The brief for one named county, city or the province: counts by plan and sector, and every
entity in it with its precision and its first quote (plan and line), as Markdown or HTML.

The entities are those `mapapp export --within NAME` writes for the same filters, and the counts
and clipped area/length are the unit's row of `mapapp stats` (`area_stats.unit_row`).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd

from .area_stats import PLAN_PREFIX, SECTOR_PREFIX, breakdown_columns, unit_row
from .errors import MapappError
from .features import FeatureFilter, Select

FORMATS = ("md", "html")

_WORDS = {
    "zh": {"title": "{name}规划项目简报",
           "intro": "{n} 个规划实体位于{where}：{precise} 个有自身几何，{upper} 个只知道位于包含本区在内的若干行政区之内（范围上限）。",
           "measures": "区内规划片区面积合计 {area} 平方公里（多边形裁剪到本区，等积投影；重叠的片区分别计入），线状工程区内长度合计 {length} 公里（裁剪，椭球测地线长度）。",
           "rule": "计数规则：实体与本区重叠至少 1%（面积或线长）或点位在区内即计入，与 `mapapp export --within` 一致。",
           "filters": "筛选条件：{f}", "by_plan": "按规划统计", "by_sector": "按行业统计", "plan": "规划",
           "sector": "行业", "count": "实体数", "entities": "实体清单", "name": "名称", "kind": "类型",
           "status": "状态", "precision": "精度", "quote": "首次提及", "upper": "范围上限：位于 {units} 之内某处",
           "within_m": "±{m:,.0f} 米", "line": "第 {n} 行", "source": "数据：mapapp 构建 {built}；原文引文见各规划文件。"},
    "en": {"title": "Plan projects in {name}",
           "intro": "{n} plan entities lie in {where}: {precise} with their own geometry, {upper} only known to lie within a set of units that includes this one (upper bound).",
           "measures": "Zones inside cover {area} km² in total (polygons clipped to the unit, equal-area; overlapping zones each count) and line works {length} km (clipped, geodesic).",
           "rule": "Counting rule: an entity counts when it overlaps the unit by at least 1% (of area or line length) or is a point inside it, as `mapapp export --within` does.",
           "filters": "Filters: {f}", "by_plan": "By plan", "by_sector": "By sector", "plan": "Plan",
           "sector": "Sector", "count": "Entities", "entities": "Entities", "name": "Name", "kind": "Kind",
           "status": "Status", "precision": "Precision", "quote": "First mention", "upper": "upper bound: somewhere within {units}",
           "within_m": "±{m:,.0f} m", "line": "line {n}", "source": "Data: mapapp build of {built}; quotes cite the plan documents."},
}


@dataclass
class AreaReport:
    """The facts of one unit's brief, in one language, ready to be written as Markdown or HTML."""

    lang: str
    unit: dict
    stats: dict
    by_plan: list[tuple[str, int]]
    by_sector: list[tuple[str, int]]
    entities: list[dict] = field(default_factory=list)
    filters: str = ""
    built_at: str = ""


def _label(manifest: dict, group: str, key: str, lang: str) -> str:
    entry = manifest["vocabulary"].get(group, {}).get(key)
    return (entry.get(lang) or entry.get("zh") or key) if entry else str(key)


def _plan_title(manifest: dict, plan: str, lang: str) -> str:
    for p in manifest["plans"]:
        if p["id"] == plan:
            return (p.get("title_en") or p["title"]) if lang == "en" else p["title"]
    return plan


def find_unit(boundaries: gpd.GeoDataFrame, name: str) -> pd.Series:
    """Return the boundaries row named `name` (full name or adcode). Raises MapappError."""
    hit = boundaries[(boundaries["name"] == name) | (boundaries["adcode"].astype(str) == str(name))]
    if hit.empty:
        raise MapappError(f"unknown administrative unit '{name}' for --within "
                          f"(use a full name such as 南昌市, 青云谱区 or 江西省)")
    return hit.iloc[0]


def area_report(select: Select, boundaries: gpd.GeoDataFrame, manifest: dict, name: str,
                flt: FeatureFilter | None = None, lang: str = "zh") -> AreaReport:
    """Return the brief of unit `name` for the features matching `flt` (its `within` is replaced
    by the unit), asked once of `select` (a store's select, or `features.selecting_from` a table).
    Raises MapappError for an unknown unit."""
    words = _WORDS.get(lang, _WORDS["zh"])
    unit = find_unit(boundaries, name)
    flt = replace(flt or FeatureFilter(), within=[str(unit["name"])])
    rows = select(flt)
    breakdowns = breakdown_columns(manifest)
    stats = unit_row(unit, rows, breakdowns)
    by_plan = [(_plan_title(manifest, c[len(PLAN_PREFIX):], lang), stats[c]) for c in breakdowns
               if c.startswith(PLAN_PREFIX) and stats[c]]
    by_sector = [(_label(manifest, "sectors", c[len(SECTOR_PREFIX):], lang), stats[c]) for c in breakdowns
                 if c.startswith(SECTOR_PREFIX) and stats[c]]
    kinds = list(manifest["vocabulary"]["kinds"])
    order = rows.assign(_k=[kinds.index(k) if k in kinds else len(kinds) for k in rows["kind"]])
    order = order.sort_values(["upper_bound", "_k", "name"], kind="stable")
    entities = []
    for _, r in order.iterrows():
        mentions = [m for m in r["mentions"] if not flt.plans or m["plan"] in flt.plans] or list(r["mentions"])
        first = mentions[0]
        precision = _label(manifest, "precisions", r["precision"], lang) if r["precision"] else ""
        detail = []
        if r["upper_bound"]:
            detail.append(words["upper"].format(units="、".join(r["units"])))
        u = r["uncertainty_m"]
        if u is not None and not (isinstance(u, float) and math.isnan(u)):
            detail.append(words["within_m"].format(m=float(u)))
        entities.append({"id": r["id"], "name": r["name"], "kind": _label(manifest, "kinds", r["kind"], lang),
                         "status": _label(manifest, "statuses", r["status"], lang),
                         "precision": precision + (f"（{'；'.join(detail)}）" if lang == "zh" and detail
                                                   else f" ({'; '.join(detail)})" if detail else ""),
                         "quote": first["quote"], "plan": _plan_title(manifest, first["plan"], lang),
                         "line": int(first["line"])})
    chosen = [f"{k}={','.join(v)}" for k, v in (("plan", flt.plans), ("sector", flt.sectors), ("kind", flt.kinds),
                                                   ("status", flt.statuses), ("precision", flt.precisions)) if v]
    if flt.query:
        chosen.append(f"name={flt.query}")
    return AreaReport(lang=lang, unit={k: unit[k] for k in ("name", "level", "city", "adcode")}, stats=stats,
                      by_plan=by_plan, by_sector=by_sector, entities=entities, filters="; ".join(chosen),
                      built_at=str(manifest.get("built_at", "")))


def _intro(rep: AreaReport, value, text) -> list[str]:
    """Return the intro paragraphs: templates passed through `text`, values through `value`."""
    w = _WORDS.get(rep.lang, _WORDS["zh"])
    u, s = rep.unit, rep.stats
    where = u["name"]
    if u["level"] == "county":
        where += f"（{u['city']}）" if rep.lang == "zh" else f" ({u['city']})"
    out = [text(w["intro"]).format(n=s["features"], where=value(where), precise=s["precise"], upper=s["upper_bound"]),
           text(w["measures"]).format(area=f"{s['area_km2']:,.2f}", length=f"{s['length_km']:,.2f}"),
           text(w["rule"])]
    if rep.filters:
        out.append(text(w["filters"]).format(f=value(rep.filters)))
    return out


_MD_SPECIAL = set("\\`*_{}[]<>()#+!|~&$")


def _md(value) -> str:
    """Return text that Markdown shows literally: the characters that can start markup (emphasis,
    links, HTML, tables, code, entities, math) are backslash-escaped (CommonMark), newlines joined."""
    s = "" if value is None else str(value)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s).replace("\n", " ")


def report_markdown(rep: AreaReport) -> str:
    """Return the brief as Markdown; every text from annotations is escaped."""
    w = _WORDS.get(rep.lang, _WORDS["zh"])
    lines = [f"# {w['title'].format(name=_md(rep.unit['name']))}", ""]
    lines += [p + "\n" for p in _intro(rep, _md, str)]
    for title, head, pairs in ((w["by_plan"], w["plan"], rep.by_plan), (w["by_sector"], w["sector"], rep.by_sector)):
        lines += [f"## {title}", "", f"| {head} | {w['count']} |", "|---|---:|"]
        lines += [f"| {_md(k)} | {n} |" for k, n in pairs]
        lines.append("")
    lines += [f"## {w['entities']}", ""]
    for i, e in enumerate(rep.entities, start=1):
        lines.append(f"{i}. **{_md(e['name'])}** — {_md(e['kind'])}, {_md(e['status'])}; "
                     f"{w['precision']}: {_md(e['precision'])}  ")
        lines.append(f"   「{_md(e['quote'])}」 — {_md(e['plan'])}, {w['line'].format(n=e['line'])}")
    lines += ["", w["source"].format(built=rep.built_at), ""]
    return "\n".join(lines)


def report_html(rep: AreaReport) -> str:
    """Return the brief as a standalone UTF-8 HTML page; every text from annotations is escaped."""
    w = _WORDS.get(rep.lang, _WORDS["zh"])
    e_ = html.escape
    title = e_(w["title"].format(name=rep.unit["name"]))
    out = ["<!DOCTYPE html>", f'<html lang="{e_(rep.lang)}"><head><meta charset="utf-8"><title>{title}</title>',
           "<style>body{font-family:'Noto Sans CJK SC',sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
           "td.n{text-align:right}.q{color:#444}</style></head><body>", f"<h1>{title}</h1>"]
    out += [f"<p>{p}</p>" for p in _intro(rep, e_, e_)]
    for head_title, head, pairs in ((w["by_plan"], w["plan"], rep.by_plan), (w["by_sector"], w["sector"], rep.by_sector)):
        out.append(f"<h2>{e_(head_title)}</h2><table><tr><th>{e_(head)}</th><th>{e_(w['count'])}</th></tr>")
        out += [f'<tr><td>{e_(k)}</td><td class="n">{n}</td></tr>' for k, n in pairs]
        out.append("</table>")
    out.append(f"<h2>{e_(w['entities'])}</h2><ol>")
    for e in rep.entities:
        out.append(f'<li data-id="{e_(e["id"])}"><b>{e_(e["name"])}</b> — {e_(e["kind"])}, {e_(e["status"])}; '
                   f'{e_(w["precision"])}: {e_(e["precision"])}<br><span class="q">「{e_(e["quote"])}」 — '
                   f'{e_(e["plan"])}, {e_(w["line"].format(n=e["line"]))}</span></li>')
    out += ["</ol>", f"<p><small>{e_(w['source'].format(built=rep.built_at))}</small></p>", "</body></html>", ""]
    return "\n".join(out)


def render_report(rep: AreaReport, fmt: str) -> bytes:
    """Return the brief in `fmt` ('md' or 'html') as UTF-8. Raises MapappError for another format."""
    if fmt not in FORMATS:
        raise MapappError(f"unknown report format '{fmt}' (known: {', '.join(FORMATS)})")
    return (report_markdown(rep) if fmt == "md" else report_html(rep)).encode("utf-8")
