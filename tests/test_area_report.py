"""The brief of one unit (`mapapp report`, issue 12): the entities export --within writes, their
counts as in `mapapp stats`, first quotes, and annotation text that stays text."""
from __future__ import annotations

import html
import re

from mapapp.area_report import area_report, report_html, report_markdown
from mapapp.area_stats import area_statistics
from mapapp.cli import main
from mapapp.features import FeatureFilter, filter_features, selecting_from
from mapapp.pipeline import build, load_build


def test_report_lists_what_export_within_writes_with_stats_counts(real_build, tmp_path):
    f, b, m = real_build.features, real_build.boundaries, real_build.manifest
    out = tmp_path / "taihe.md"
    assert main(["report", "--build-dir", str(real_build.where), "--within", "泰和县", "--plan", "jian-14th",
                 "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    exported = filter_features(f, FeatureFilter(plans=["jian-14th"], within=["泰和县"]), b)
    row = area_statistics(selecting_from(f, b), b, m, "county", FeatureFilter(plans=["jian-14th"])).set_index("name").loc["泰和县"]
    assert text.startswith("# 泰和县规划项目简报")
    assert f"{len(exported)} 个规划实体位于泰和县（吉安市）" in text
    assert f"{row['area_km2']:,.2f} 平方公里" in text and f"{row['length_km']:,.2f} 公里" in text
    rep = area_report(selecting_from(f, b), b, m, "泰和县", FeatureFilter(plans=["jian-14th"]))
    assert [e["id"] for e in rep.entities] and {e["id"] for e in rep.entities} == set(exported["id"])
    # each entity's first quote of the chosen plan, with its line, and its precision
    for e in rep.entities:
        rec = exported[exported["id"] == e["id"]].iloc[0]
        first = next(mn for mn in rec["mentions"] if mn["plan"] == "jian-14th")
        assert (e["quote"], e["line"]) == (first["quote"], int(first["line"]))
        assert e["precision"].startswith(m["vocabulary"]["precisions"][rec["precision"]]["zh"])
    jian_title = next(p["title"] for p in m["plans"] if p["id"] == "jian-14th")
    assert f"| {jian_title} | {len(exported)} |" in text


def test_report_html_and_english(real_build, tmp_path):
    out = tmp_path / "q.html"
    assert main(["report", "--build-dir", str(real_build.where), "--within", "青云谱区", "--lang", "en",
                 "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<h1>Plan projects in 青云谱区</h1>" in page
    n = len(filter_features(real_build.features, FeatureFilter(within=["青云谱区"]), real_build.boundaries))
    assert page.count("<li data-id=") == n
    assert "upper bound: somewhere within" in page


def test_report_refuses_an_unknown_unit(real_build, capsys):
    assert main(["report", "--build-dir", str(real_build.where), "--within", "火星市"]) == 1
    err = capsys.readouterr().err
    assert "unknown administrative unit '火星市'" in err and "Traceback" not in err


XSS = "<img src=x onerror=alert(1)>"


def test_annotation_text_stays_text_in_both_formats(data):
    data.records(f"""\
- id: test-xss-zone
  name: "{XSS} *粗体* [链接](http://x) | 表"
  kind: zone
  sectors: [urban]
  status: planned
  geometry: {{type: admin, units: [青云谱区]}}
  mentions:
    - {{plan: nanchang-14th, line: 1585, quote: "{XSS}"}}
""")
    project = data.project()
    build(project)
    b = load_build(project.build_dir)
    rep = area_report(selecting_from(b.features, b.boundaries), b.boundaries, b.manifest, "青云谱区")
    page = report_html(rep)
    assert XSS not in page and html.escape(XSS) in page
    md = report_markdown(rep)
    assert re.search(r"(?<!\\)[<>]", md) is None  # every angle bracket escaped
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in md
    assert "\\*粗体\\*" in md and "\\[链接\\]\\(http://x\\)" in md and "\\| 表" in md
