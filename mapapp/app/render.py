"""HTML of the page's panels, made by pure functions (no Streamlit): the evidence panel, the place
report, the map legend and the ledger of records not located. Every value that comes from the
data is escaped with `text.esc`, so annotation text is always shown literally.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..provenance import describe
from .text import Labels, esc, highlight, md_literal, t
from .viewmodel import NEAR_M, PlaceReport


def fmt_value(value, unit: str, lang: str) -> str | None:
    """Return `value` formatted with UI unit `unit` ('km2', 'km', 'm'), or None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return t(unit, lang, v=float(value))


def evidence_html(row, lab: Labels, lang: str, paragraphs: list | None) -> str:
    """Return the evidence panel of one feature-table row: its facts (provenance worded in `lang`
    by mapapp.provenance.describe) and its mentions. `paragraphs` holds, per mention, the list of
    (line number, text) around the cited line ([] when the line is not in the document), or is
    None when no plan documents are configured."""
    parts = [f'<div class="mapapp-panel" data-feature-id="{esc(row["id"])}">',
             f'<h4 class="mapapp-name" style="margin:0.2rem 0">{esc(row["name"])}</h4>']
    facts = [
        ("f_id", row["id"]),
        ("f_aliases", "、".join(row["aliases"]) if len(row["aliases"]) else None),
        ("f_kind", lab.term("kinds", row["kind"])),
        ("f_sectors", "、".join(lab.term("sectors", s) for s in row["sectors"])),
        ("f_status", lab.term("statuses", row["status"])),
        ("f_plans", "；".join(lab.plan(p) for p in row["plans"])),
        ("f_source", describe(row, lang)),
        ("f_precision", lab.term("precisions", row["precision"]) if row["precision"] else None),
        ("f_uncertainty", fmt_value(row["uncertainty_m"], "m", lang)),
        ("f_stated_area", fmt_value(row["stated_area_km2"], "km2", lang)),
        ("f_area", fmt_value(row["area_km2"], "km2", lang)),
        ("f_stated_length", fmt_value(row["stated_length_km"], "km", lang)),
        ("f_length", fmt_value(row["length_km"], "km", lang)),
        ("f_units", "、".join([*row["cities"], *row["counties"]]) or None),
        ("f_note", row["note"] or None),
    ]
    parts.append('<table class="mapapp-facts" style="font-size:0.85rem">')
    for key, value in facts:
        if value is None or value == "":
            continue
        parts.append('<tr><th style="white-space:nowrap;padding:1px 8px 1px 0;text-align:left">'
                     f'{esc(t(key, lang))}</th><td style="padding:1px 0">{esc(value)}</td></tr>')
    parts.append("</table>")
    mentions = list(row["mentions"])
    parts.append(f'<h5 style="margin:0.6rem 0 0.2rem 0">{esc(t("mentions", lang, n=len(mentions)))}</h5>')
    for i, mention in enumerate(mentions):
        line, quote = int(mention["line"]), mention["quote"]
        parts.append('<div class="mapapp-mention" style="border-left:3px solid #c0392b;padding:2px 8px;margin:6px 0">')
        parts.append(f'<div style="font-size:0.8rem;color:#555">{esc(lab.plan(mention["plan"]))} · '
                     f'{esc(t("line", lang, n=line))}</div>')
        parts.append(f'<div class="mapapp-quote">「{esc(quote)}」</div>')
        if paragraphs is not None:
            para = paragraphs[i] if i < len(paragraphs) else []
            if para:
                body = "".join(
                    f'<div style="margin:2px 0"><span style="color:#999;font-size:0.75rem">{n}</span> '
                    f'{highlight(text, quote) if n == line else esc(text)}</div>' for n, text in para)
                parts.append(f'<div class="mapapp-paragraph" style="font-size:0.85rem;background:#fafafa;'
                             f'padding:4px 6px;margin-top:3px">{body}</div>')
            else:
                parts.append(f'<div style="font-size:0.8rem;color:#999">{esc(t("doc_missing", lang))}</div>')
        parts.append("</div>")
    if paragraphs is None:
        parts.append('<div class="mapapp-no-corpus" style="font-size:0.8rem;color:#777">'
                     f'{esc(t("no_corpus", lang))}</div>')
    parts.append("</div>")
    return "".join(parts)


@dataclass(frozen=True)
class ReportRow:
    """One row of the place report: the feature id and the row's text (plain, not markup)."""

    feature_id: str
    text: str


def report_rows(report: PlaceReport, features, lab: Labels, lang: str) -> tuple[list[ReportRow], list[ReportRow]]:
    """Return the place report's rows: (features at or near the point, with precision and
    distance; area-wide features covering it, with their kind and precision)."""
    def words(pos: int, extra: str) -> ReportRow:
        r = features.iloc[pos]
        prec = lab.term("precisions", r["precision"]) if r["precision"] else ""
        bits = [str(r["name"]), lab.term("kinds", r["kind"]), prec]
        if r["upper_bound"]:
            bits.append(t("upper_word", lang))
        return ReportRow(str(r["id"]), " · ".join(b for b in [*bits, extra] if b))

    near = [words(pos, t("report_at", lang) if dist < 1 else fmt_value(dist, "m", lang)) for pos, dist in report.near]
    covering = [words(pos, "") for pos in report.covering]
    return near, covering


def report_html(report: PlaceReport, lang: str, near: int, covering: int) -> tuple[str, str, str]:
    """Return the place report's heading as HTML (county · city, coordinates) and the plain-text
    titles of its two lists, given how many `near` and `covering` rows they have."""
    place = " · ".join(x for x in (report.county, report.city) if x) or t("report_outside", lang)
    km = NEAR_M / 1000
    head = (f'<div class="mapapp-report" data-county="{esc(report.county or "")}">'
            f'<h4 style="margin:0.2rem 0">{esc(t("report", lang))}：<span class="mapapp-place">{esc(place)}</span></h4>'
            f'<div style="font-size:0.8rem;color:#666">'
            f'{esc(t("report_where", lang, lat=report.lat, lon=report.lon))}</div>')
    near_title = t("report_near", lang, km=km, n=near) if near else t("report_near_none", lang, km=km)
    cover_title = t("report_covering", lang, n=covering) if covering else t("report_covering_none", lang)
    return head + "</div>", near_title, cover_title


def button_label(text: str) -> str:
    """Return `text` for a Streamlit button label (Markdown): shown literally."""
    return md_literal(text)


def legend_html(sectors: list[tuple[str, str]], lang: str) -> str:
    """Return the map legend's body: one swatch per (sector label, colour) shown, then the line
    styles, area-wide outlines, point stacks, boundaries and place names, all in `lang`."""
    swatches = "".join(f'<div class="row"><span class="sw" style="background:{esc(color)};'
                       f'border:1px solid {esc(color)}"></span>{esc(label)}</div>' for label, color in sectors)

    def line(style: str, key: str) -> str:
        return f'<div class="row"><span class="ln" style="{style}"></span>{esc(t(key, lang))}</div>'

    return (f'<div class="sect">{esc(t("legend_sector", lang))}</div><div class="cols">{swatches}</div>'
            f'<div class="sect">{esc(t("legend_precision", lang))}</div>'
            + line("border-top:2.5px solid #1f77b4;background:rgba(31,119,180,.3)", "legend_solid")
            + line("border-top:2.5px dashed rgba(31,119,180,.8);background:rgba(31,119,180,.14)", "legend_dashed")
            + line("border-top:2px dashed rgba(31,119,180,.75)", "legend_area")
            + line("border-top:2px dotted rgba(31,119,180,.75)", "legend_upper")
            + f'<div class="row"><span class="dot"></span>{esc(t("legend_point", lang))}</div>'
            + f'<div class="row"><span class="dot" style="background:#222;border-color:#fff;box-shadow:0 0 1px #000">'
              f'</span>{esc(t("legend_stack", lang))}</div>'
            + line("border-top:2px solid #555", "legend_boundaries")
            + line("border-top:3px solid #9fcdf1;background:#b9def8", "legend_water")
            + f'<div class="row">{esc(t("legend_labels", lang))}</div>')


def ledger_html(rows, lab: Labels, lang: str) -> str:
    """Return the table of records not located: id, name, aliases, kind, status, plans and the
    annotator's reason (as written)."""
    head = ("f_id", "f_name", "f_aliases", "f_kind", "f_status", "f_plans", "f_reason")
    out = ['<table class="mapapp-ledger" style="font-size:0.85rem;width:100%"><tr>']
    out += [f'<th style="text-align:left">{esc(t(h, lang))}</th>' for h in head]
    out.append("</tr>")
    for _, r in rows.iterrows():
        cells = [r["id"], r["name"], "、".join(r["aliases"]), lab.term("kinds", r["kind"]),
                 lab.term("statuses", r["status"]), "；".join(lab.plan(p) for p in r["plans"]), r["source_note"]]
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)
