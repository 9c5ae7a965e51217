"""Comparison of two plans and mention-level status (issue 12), on the real annotations."""
from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import REPO

from mapapp.annotations import load_annotations
from mapapp.cli import main
from mapapp.pipeline import check
from mapapp.features import selecting_from
from mapapp.plan_compare import GROUPS, compare_plans, stated_status, status_changed

A, B = "jiangxi-gov-2024", "nanchang-14th"


@pytest.fixture(scope="module")
def annotations():
    ann, problems = load_annotations(REPO / "corpus_annotations")
    assert ann is not None, problems
    return ann


def test_every_record_cited_by_several_documents_states_a_status_per_mention(annotations):
    multi = [r for r in annotations.records.values() if len(r.plans) > 1]
    assert len(multi) >= 50          # about 55 in the real data: the check below must not run on an empty set
    missing = [(r.id, m.plan, m.line) for r in multi for m in r.mentions if not m.status]
    assert missing == []


def test_compare_2024_report_with_the_nanchang_plan(real_build, annotations, tmp_path):
    out = tmp_path / "c.csv"
    assert main(["compare", "--build-dir", str(real_build.where), A, B, "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    shared = {r.id for r in annotations.records.values() if A in r.plans and B in r.plans}
    only_a = {r.id for r in annotations.records.values() if A in r.plans and B not in r.plans}
    only_b = {r.id for r in annotations.records.values() if B in r.plans and A not in r.plans}
    assert {r["id"] for r in rows if r["group"] in ("changed", "both")} == shared
    assert {r["id"] for r in rows if r["group"] == "only_a"} == only_a
    assert {r["id"] for r in rows if r["group"] == "only_b"} == only_b
    # groups in order: status changes first, then the other shared records, only A, only B
    order = [GROUPS.index(r["group"]) for r in rows]
    assert order == sorted(order) and rows[0]["group"] == "changed"
    by_id = {r["id"]: r for r in rows}
    # the rail lines: 昌景黄 opened (通车) by the 2024 report, 昌九 under construction; both planned in 2021
    assert (by_id["nanchang-jingdezhen-huangshan-hsr"]["status_a"], by_id["nanchang-jingdezhen-huangshan-hsr"]["status_b"]) \
        == ("completed", "planned")
    assert (by_id["nanchang-jiujiang-hsr"]["status_a"], by_id["nanchang-jiujiang-hsr"]["status_b"]) \
        == ("under_construction", "planned")
    rail_changed = {r["id"] for r in rows if r["kind"] == "rail_line" and r["group"] == "changed"}
    assert rail_changed == {"nanchang-jingdezhen-huangshan-hsr", "nanchang-jiujiang-hsr"}
    assert by_id["nanchang-xiamen-fuzhou-hsr"]["group"] == "both"  # planned in both
    # the cited lines are the mentions' lines, and each stands in its plan's document
    assert json.loads(by_id["nanchang-jingdezhen-huangshan-hsr"]["lines_a"]) == [9]
    assert json.loads(by_id["nanchang-jingdezhen-huangshan-hsr"]["lines_b"]) == [1673]
    for r in rows:
        assert (r["in_a"] == "True") == bool(json.loads(r["lines_a"]))
        assert (r["in_b"] == "True") == bool(json.loads(r["lines_b"]))
    print(f"{A} vs {B}: " + ", ".join(f"{g} {sum(r['group'] == g for r in rows)}" for g in GROUPS))


def test_compare_json_groups(real_build, tmp_path):
    out = tmp_path / "c.json"
    assert main(["compare", "--build-dir", str(real_build.where), "jian-14th", A, "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(doc["groups"]) == list(GROUPS)
    assert doc["counts"] == {g: len(v) for g, v in doc["groups"].items()}
    changed = {r["id"] for r in doc["groups"]["changed"]}
    assert "suichuan-dayu-expressway" in changed  # 开工并建成 in 2021, 加快建设 in 2024
    assert all(r["in_a"] and r["in_b"] for g in ("changed", "both") for r in doc["groups"][g])


def test_compare_includes_unlocated_records_and_matches_the_library(real_build):
    f = real_build.features
    table = compare_plans(selecting_from(f), A, B, [p["id"] for p in real_build.manifest["plans"]])
    unlocated = set(f[f.geometry.isna()]["id"])
    assert unlocated & set(table["id"])  # one row per entity named, located or not


@pytest.mark.parametrize("args, message", [
    (["nanchang-14th", "nanchang-14th"], "two different plans"),
    (["nanchang-14th", "mars-plan"], "unknown plan 'mars-plan'"),
])
def test_cli_compare_refuses_bad_input(real_build, capsys, args, message):
    assert main(["compare", "--build-dir", str(real_build.where), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_stated_status_rules():
    ms = [{"plan": "p", "status": "existing"}, {"plan": "p", "status": "planned"}, {"plan": "q", "status": "completed"}]
    assert stated_status(ms, "p", "completed", ["p", "q"]) == "planned"     # a project stage beats a place
    assert stated_status(ms, "q", "planned", ["p", "q"]) == "completed"
    assert stated_status([{"plan": "p", "status": ""}], "p", "planned", ["p"]) == "planned"  # only citer
    assert stated_status([{"plan": "p", "status": ""}], "p", "planned", ["p", "q"]) == ""    # not annotated
    assert status_changed("planned", "completed") and not status_changed("completed", "existing")
    assert not status_changed("", "planned")


def test_unknown_mention_status_is_named_with_file_and_line(data):
    data.records("- id: test-zone\n  name: 测试新城\n  kind: zone\n  sectors: [urban]\n  status: planned\n"
                 "  geometry: {type: point, lon: 115.90, lat: 28.86, uncertainty_m: 500, source: test}\n"
                 "  mentions:\n"
                 "    - {plan: nanchang-14th, line: 1585, quote: 南昌空港新城, status: planned}\n"
                 "    - {plan: nanchang-14th, line: 273, quote: 南昌空港新城, status: finished}\n")
    problems = [str(p) for p in check(data.project()).problems]
    assert any("test.yaml:9: [test-zone] mention has unknown status 'finished'" in p for p in problems), problems
    assert len(problems) == 1
    assert main(["validate", "--data", str(data.root)]) == 1
