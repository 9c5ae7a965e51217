"""`mapapp suggest` and `mapapp review` on a small document written for the test, on the
repository's real annotations (copied into a temporary project)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mapapp.annotations import load_annotations
from mapapp.cli import main
from mapapp.corpus import Corpus
from mapapp.errors import MapappError
from mapapp.project import Project
from mapapp.suggest.cli_review import review_loop
from mapapp.suggest.document import read_document
from mapapp.suggest.drafts import check_draft, check_draft_folder, write_draft
from mapapp.suggest.review import ReviewSession
from mapapp.suggest.run import draft_entries, suggest

REPO = Path(__file__).resolve().parent.parent
PLAN = "test-plan"
DOC = "test_plan.txt"
# Two known entities (吉泰走廊, and 南昌昌北国际机场 written as 昌北机场), one of them split by a
# PDF gap on line 5 (吉泰 走廊); two unknown ones (桃溪湾新城 in 吉水县, 云岭风电场).
TEXT = """第一章 总体布局

加快建设吉泰走廊，推进昌北机场三期扩建。
在吉水县规划建设桃溪湾新城，同步建设云岭风电场。
做强吉泰 走廊，桃溪湾新城力争建成。
"""


@pytest.fixture()
def project(tmp_path) -> Project:
    """A copy of the repository's annotations and geodata with `test-plan` registered, and a
    corpus folder holding the test document."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "corpus_annotations", data / "corpus_annotations",
                    ignore=shutil.ignore_patterns("drafts"))
    shutil.copytree(REPO / "geodata", data / "geodata")
    plans = data / "corpus_annotations" / "plans.yaml"
    plans.write_text(plans.read_text(encoding="utf-8") + f"""  - id: {PLAN}
    doc: {DOC}
    title: 测试规划
    level: city
    region: 吉安市
    period: 2021-2025
""", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / DOC).write_text(TEXT, encoding="utf-8")
    return Project.from_settings(data, tmp_path / "build", corpus)


def _draft(project: Project) -> tuple[list[dict], Path]:
    result = suggest(project, project.corpus_dir / DOC, PLAN)
    annotations, _ = load_annotations(project.annotations_dir)
    entries = draft_entries(result, annotations)
    path = project.annotations_dir / "drafts" / f"{PLAN}.yaml"
    write_draft(entries, path, "test draft")
    return entries, path


def test_known_entities_and_candidates_with_lines_and_quotes(project):
    entries, _ = _draft(project)
    known = {e["add_mentions_to"]: e for e in entries if "add_mentions_to" in e}
    assert set(known) == {"jitai-corridor", "nanchang-changbei-airport"}
    assert known["jitai-corridor"]["mentions"] == [
        {"plan": PLAN, "line": 3, "quote": "吉泰走廊"}, {"plan": PLAN, "line": 5, "quote": "吉泰 走廊"}]
    assert known["nanchang-changbei-airport"]["mentions"] == [{"plan": PLAN, "line": 3, "quote": "昌北机场"}]
    assert known["nanchang-changbei-airport"]["proposed"]["score"] == 1.0   # an alias as written

    new = {e["name"]: e for e in entries if "name" in e}
    assert set(new) == {"桃溪湾新城", "云岭风电场"}
    town = new["桃溪湾新城"]
    assert town["kind"] == "zone"
    assert town["mentions"] == [{"plan": PLAN, "line": 4, "quote": "桃溪湾新城"},
                                {"plan": PLAN, "line": 5, "quote": "桃溪湾新城"}]
    assert town["geometry"]["type"] == "admin" and town["geometry"]["units"] == ["吉安市/吉水县"]
    assert town["geometry"]["upper_bound"] is True
    assert "吉水县" in town["proposed"]["why"]
    assert "建成" in town["proposed"]["status_words"]
    assert new["云岭风电场"]["kind"] == "energy"
    assert new["云岭风电场"]["mentions"] == [{"plan": PLAN, "line": 4, "quote": "云岭风电场"}]
    assert all(0 < e["proposed"]["score"] <= 1 for e in entries)


def test_excluded_plan_leaves_the_gazetteer(project):
    result = suggest(project, project.corpus_dir / DOC, PLAN, ["jian-14th"])
    assert "jitai-corridor" not in {k.record.id for k in result.known}
    # Without the record, 吉泰走廊 is found as a new corridor by the suffix grammar.
    assert "吉泰走廊" in {p.candidate.name for p in result.proposals}


def test_draft_is_valid_only_as_a_draft_and_never_enters_the_build(project):
    entries, path = _draft(project)
    annotations, problems = load_annotations(project.annotations_dir)
    assert problems == []
    assert check_draft(path, annotations, corpus=Corpus(project.corpus_dir)) == []   # quotes on their lines
    assert check_draft_folder(project.annotations_dir, annotations) == []
    assert not {e.get("id") for e in entries} & set(annotations.records)   # not loaded
    assert main(["validate", "--data", str(project.data_dir)]) == 0

    # The same file in records/ is refused, naming the file and the entry.
    moved = project.annotations_dir / "records" / "draft.yaml"
    shutil.copy(path, moved)
    _, problems = load_annotations(project.annotations_dir)
    assert problems and all(p.file.endswith("records/draft.yaml") for p in problems)
    assert "draft entry" in problems[0].message
    moved.unlink()

    # An entry without its proposed mark is not a draft.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data[-1]["proposed"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("proposed" in p.message for p in check_draft(path, annotations))
    assert main(["validate", "--data", str(project.data_dir)]) == 1


def test_drafts_are_not_written_into_records(project, tmp_path):
    with pytest.raises(MapappError, match="records/"):
        write_draft([], project.annotations_dir / "records" / "x.yaml", "")


def test_review_accept_edit_merge_reject_writes_valid_records(project):
    _, path = _draft(project)
    session = ReviewSession.open(project, path)
    by_name = {e.get("name") or e.get("add_mentions_to"): i for i, e in enumerate(session.entries)}
    accepted = session.accept(by_name["桃溪湾新城"], kind="zone")
    session.accept(by_name["jitai-corridor"])
    session.merge(by_name["云岭风电场"], "jitai-corridor")
    session.reject(by_name["nanchang-changbei-airport"])
    written = session.save()
    assert written.name == f"{PLAN}.suggested.yaml"

    annotations, problems = load_annotations(project.annotations_dir)
    assert problems == []
    rec = annotations.records[accepted["id"]]
    assert rec.id == "test-plan-tao-xi-wan-xin-cheng"       # stable: plan id + pinyin of the name
    assert rec.name == "桃溪湾新城" and rec.geometry.type == "admin"
    assert [(m.line, m.quote) for m in rec.mentions] == [(4, "桃溪湾新城"), (5, "桃溪湾新城")]
    corridor = annotations.records["jitai-corridor"]
    assert {(m.plan, m.line, m.quote) for m in corridor.mentions if m.plan == PLAN} == {
        (PLAN, 3, "吉泰走廊"), (PLAN, 5, "吉泰 走廊"), (PLAN, 4, "云岭风电场")}
    assert "云岭风电场" in corridor.aliases
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == []   # everything decided
    from mapapp.corpus import check_mentions
    assert check_mentions(annotations, Corpus(project.corpus_dir)) == [
        p for p in check_mentions(annotations, Corpus(project.corpus_dir)) if "not found in corpus" in p.message]


def test_review_edit_name_gives_a_new_stable_id_and_bad_edits_are_refused(project):
    _, path = _draft(project)
    session = ReviewSession.open(project, path)
    i = next(i for i, e in enumerate(session.entries) if e.get("name") == "云岭风电场")
    with pytest.raises(MapappError, match="unknown kind"):
        session.accept(i, kind="windmill")
    entry = session.accept(i, name="云岭风电场一期")
    assert entry["id"] == "test-plan-yun-ling-feng-dian-chang-yi-qi"
    with pytest.raises(MapappError, match="no record"):
        session.merge(0, "no-such-record")


def test_review_dialogue_accepts_and_saves_on_end_of_input(project):
    _, path = _draft(project)
    answers = iter(["a"])          # accept the best entry, then the input ends

    def ask(_prompt):
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    shown = []
    assert review_loop(project, path, ask, shown.append) == 0
    assert any("accepted" in s for s in shown)
    assert (project.annotations_dir / "records" / f"{PLAN}.suggested.yaml").is_file()
    assert len(yaml.safe_load(path.read_text(encoding="utf-8"))) == 3


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    ("吉泰走廊".encode("gb18030"), "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"hello world, no Chinese here", "no Chinese"),
])
def test_bad_documents_get_a_clear_error(tmp_path, content, message):
    doc = tmp_path / "bad.txt"
    doc.write_bytes(content)
    with pytest.raises(MapappError, match=message) as exc:
        read_document(doc)
    assert str(doc) in str(exc.value)


def test_a_50_mb_file_is_refused_before_reading(tmp_path, project, capsys):
    doc = tmp_path / "huge.txt"
    with doc.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    assert main(["suggest", str(doc), "--plan-id", PLAN, "--data", str(project.data_dir)]) == 1
    err = capsys.readouterr().err
    assert "too large" in err and "huge.txt" in err and "Traceback" not in err


def test_cli_suggest_writes_a_draft_and_refuses_unknown_plans(project, capsys):
    out = project.annotations_dir / "drafts" / "cli.yaml"
    doc = str(project.corpus_dir / DOC)
    assert main(["suggest", doc, "--plan-id", PLAN, "--data", str(project.data_dir), "-o", str(out)]) == 0
    assert len(yaml.safe_load(out.read_text(encoding="utf-8"))) == 4
    assert main(["suggest", doc, "--plan-id", "no-such-plan", "--data", str(project.data_dir)]) == 1
    assert "not registered" in capsys.readouterr().err
    assert main(["suggest", doc, "--plan-id", PLAN, "--exclude-plan", "nope", "--data", str(project.data_dir)]) == 1
    assert "unknown plan nope" in capsys.readouterr().err


def test_normalised_lines_quote_the_original_span():
    from mapapp.suggest.document import normalise_line

    line = normalise_line(7, "推进南昌 ＶＲ 科创城和“长 片区”建设")
    assert line.text == "推进南昌VR科创城和长片区建设"
    i = line.text.index("VR科创城")
    assert line.quote(i, i + 5) == "ＶＲ 科创城"
    j = line.text.index("长片区")
    assert line.quote(j, j + 3) == "长 片区"


def test_name_variants_are_the_forms_plans_use_and_never_generic():
    from mapapp.suggest.gazetteer import name_variants

    prefixes = ["南昌市", "南昌", "江西"]
    assert {"昌北国际机场", "昌北机场", "南昌昌北机场"} <= name_variants("南昌昌北国际机场", prefixes)
    forms = name_variants("南昌经济技术开发区", prefixes)
    assert "南昌经开区" in forms
    assert not {"经开区", "经济技术开发区", "开发区"} & forms


def test_a_unit_taken_off_a_name_never_leaves_a_common_word():
    from mapapp.suggest.candidates import Segmenter
    from mapapp.suggest.gazetteer import name_variants

    seg = Segmenter()
    assert seg.is_common_word("档案馆") and seg.is_common_word("火车站")
    assert not seg.is_common_word("滕王阁") and not seg.is_common_word("昌北国际机场")
    prefixes = ["甲市", "甲"]
    forms = name_variants("甲市档案馆", prefixes, seg.is_common_word)
    assert "甲市档案馆" in forms and "档案馆" not in forms    # every city has one
    assert "档案馆" in name_variants("甲市档案馆", prefixes)   # (what the check removes)
    assert "滕王阁" in name_variants("甲市滕王阁", prefixes, seg.is_common_word)


# Plan-language forms the suffix grammar must read (names made up for the test): a route named by
# its two ends, a head shared by a list of units, a place in parentheses inside a name, and a
# lake named after a county (鄱阳湖 is not 鄱阳县).
GRAMMAR_TEXT = """第二章 交通与产业
加快鄱阳湖畔的云溪湾生态园建设。
建成峡江至永丰高速公路，谋划峡江县、吉水县通用机场。
推进中国（吉安）陶瓷创意产业园建设。
"""


def test_routes_lists_and_parenthesised_places_are_read_as_names(project):
    doc = project.corpus_dir / "grammar.txt"
    doc.write_text(GRAMMAR_TEXT, encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    assert {"峡江至永丰高速公路", "峡江县通用机场", "吉水县通用机场", "中国(吉安)陶瓷创意产业园",
            "云溪湾生态园"} <= set(props)
    assert not {"永丰高速公路", "峡江", "鄱阳湖畔的云溪湾生态园"} & set(props)

    road = props["峡江至永丰高速公路"]
    assert road.candidate.kind == "road"
    assert road.suggestion.spec["units"] == ["吉安市/峡江县", "吉安市/永丰县"]

    # Each unit of the list gets its own airport; the quote runs from the unit to the shared head.
    first = props["峡江县通用机场"]
    assert first.candidate.kind == "airport"
    assert [(o.line.number, o.line.quote(o.start, o.end)) for o in first.candidate.occurrences] == [
        (3, "峡江县、吉水县通用机场")]
    assert first.suggestion.spec["units"] == ["吉安市/峡江县"]
    assert props["吉水县通用机场"].suggestion.spec["units"] == ["吉安市/吉水县"]

    park = props["中国(吉安)陶瓷创意产业园"]
    assert park.candidate.occurrences[0].line.quote(park.candidate.occurrences[0].start,
                                                    park.candidate.occurrences[0].end) == "中国（吉安）陶瓷创意产业园"

    # 鄱阳湖 names a lake, not the county 鄱阳县: the plan's own city is the bound instead.
    eco = props["云溪湾生态园"]
    assert eco.suggestion.spec["units"] == ["吉安市"]
    assert eco.suggestion.clue == "region"


def test_lines_are_numbered_on_newlines_only_as_the_corpus_numbers_them(tmp_path):
    """A form feed, a lone \\r or U+2028 inside a line does not start a new line (issue 16): the
    line numbers the draft cites are the ones `mapapp validate` checks against the corpus."""
    doc = tmp_path / "doc.txt"
    doc.write_text("第一章\f总体布局\n推进吉泰走廊\u2028建设\r\n加快桃溪湾新城\r建设\n", encoding="utf-8", newline="")
    lines = read_document(doc)
    assert [line.number for line in lines] == [1, 2, 3]
    corpus_lines = Corpus(tmp_path).lines("doc.txt")
    assert len(corpus_lines) == 3 and "桃溪湾新城" in corpus_lines[2]


# A township names its county (jionlp's division list: 富滩镇 is a township of 青原区, 敦厚镇 of
# 吉安县). Names of the entities are made up for the test.
TOWNS_TEXT = """第三章 产业平台
在富滩规划建设云杉物流园。
加快敦厚镇青梅康养小镇建设。
"""


def test_townships_name_their_county(project):
    doc = project.corpus_dir / "towns.txt"
    doc.write_text(TOWNS_TEXT, encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    park = props["云杉物流园"]
    assert park.suggestion.spec["units"] == ["吉安市/青原区"]
    assert park.suggestion.clue == "clause"
    assert "富滩 (a township of 青原区, jionlp division list" in park.suggestion.why
    town = props["敦厚镇青梅康养小镇"]
    assert town.suggestion.spec["units"] == ["吉安市/吉安县"] and town.suggestion.clue == "name"


def test_township_short_forms_leave_out_common_words_and_roads():
    from mapapp.admin import load_admin_boundaries
    from mapapp.suggest.gazetteer import Gazetteer
    from mapapp.suggest.towns import load_towns

    admin = load_admin_boundaries()
    gaz = Gazetteer(records={})
    gaz.add_towns(load_towns(admin), common_word=lambda w: w in {"八一"})
    assert [u.label for u in gaz.towns.get("向塘")] == ["南昌市/南昌县"]
    assert gaz.towns.get("向塘镇") == gaz.towns.get("向塘")
    assert gaz.towns.get("八一") is None            # a common word (八一大道, 八一广场)
    assert gaz.towns.get("上海路") is None          # a township named after a road
    assert gaz.towns.get("上海路街道") is not None  # its full name still counts


# Layout of plan documents (made-up names): a contents line, a numbered heading, a table row with
# tab-separated cells, and a set phrase holding a head word (互联互通 is no interchange).
LAYOUT_TEXT = """第二节 建设白鹭科创城.....12
第三节 推进红枫湾产业园……15
（二）青梅物流园
吉水县\t桃源片区\t提升城市风貌。
推动信息平台互联互通，建设白鹭科创城。
"""


def test_contents_lines_heading_numbers_table_cells_and_set_phrases(project):
    doc = project.corpus_dir / "layout.txt"
    doc.write_text(LAYOUT_TEXT, encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    assert {"白鹭科创城", "青梅物流园", "桃源片区"} <= set(props)
    # Contents lines give no candidate (红枫湾产业园 is named only there); a name found in the
    # body also cites the contents line that names it.
    assert not {"红枫湾产业园", "二)青梅物流园", "吉水县桃源片区", "互联互通", "信息平台互联互通"} & set(props)
    assert props["白鹭科创城"].candidate.lines == [1, 5]
    park = props["青梅物流园"].candidate.occurrences[0]
    assert (park.line.number, park.line.quote(park.start, park.end)) == (3, "青梅物流园")
    area = props["桃源片区"]
    assert area.suggestion.spec["units"] == ["吉安市/吉水县"]   # the row's first cell


# A head shared by a list of short bare names (made-up names): every item gets the head, with
# the generic word before it (货运) shared too; a list of whole names keeps its names.
LIST_TEXT = """第四章 港口
开工建设石门滩、青原枫林和峡江王庄货运码头。
推进云岭灌区、泸溪灌区建设。
由桃林镇、云湖镇等古镇组成。发挥吉水县、峡江县、永丰经开区等地优势。
"""


def test_a_head_shared_by_a_list_of_bare_names_goes_to_every_item(project):
    doc = project.corpus_dir / "list.txt"
    doc.write_text(LIST_TEXT, encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    assert {"石门滩货运码头", "青原枫林货运码头", "峡江王庄货运码头", "云岭灌区", "泸溪灌区"} <= set(props)
    assert not {"石门滩", "青原枫林", "王庄货运码头", "枫林王庄货运码头"} & set(props)
    # Items that are whole names already (桃林镇) or not parallel (吉水县 and the short 永丰) share nothing.
    assert not {"桃林镇古镇", "云湖镇古镇", "吉水县经开区", "峡江县经开区"} & set(props)
    first = props["石门滩货运码头"].candidate.occurrences[0]
    assert (first.line.number, first.line.quote(first.start, first.end)) == (2, "石门滩、青原枫林和峡江王庄货运码头")
    assert props["石门滩货运码头"].candidate.kind == "port"


# Routes named by their ends (made-up places): the far end is a place name however the segmenter
# cuts it (下河屯), the section named after the head belongs to the name (绕城至桃源段), and the
# measure word of a count is no part of a name (14 条省道).
ROUTES_TEXT = """第五章 公路
实施S999 石门至下河屯一级公路、G777 云岭绕城至桃源段改建工程。
完成14 条省道改建工程。
"""


def test_routes_named_by_their_ends_and_sections(project):
    doc = project.corpus_dir / "routes.txt"
    doc.write_text(ROUTES_TEXT, encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    assert {"S999石门至下河屯一级公路", "G777云岭绕城至桃源段"} <= set(props)
    assert not {"条省道", "S999", "G777", "下河屯一级公路"} & set(props)
    road = props["S999石门至下河屯一级公路"].candidate.occurrences[0]
    assert (road.line.number, road.line.quote(road.start, road.end)) == (2, "S999 石门至下河屯一级公路")
    assert props["G777云岭绕城至桃源段"].candidate.kind == "road"


def test_a_numbered_line_belongs_to_the_system_named_before_it(project):
    doc = project.corpus_dir / "metro.txt"
    doc.write_text("第六章 轨道\n轻轨5、6号线全线运行，7号线开通初期运营。\n", encoding="utf-8")
    result = suggest(project, doc, PLAN)
    names = {p.candidate.name for p in result.proposals}
    assert {"轻轨5号线", "轻轨6号线", "轻轨7号线"} <= names
    assert not {"5号线", "6号线", "7号线"} & names


def test_a_section_and_a_project_on_a_named_thing_belong_to_its_name(project):
    doc = project.corpus_dir / "project.txt"
    doc.write_text("第七章 水利\n加快推进云溪河石门段综合整治工程。\n推进桃江下游段建设。\n", encoding="utf-8")
    result = suggest(project, doc, PLAN)
    props = {p.candidate.name: p for p in result.proposals}
    assert {"云溪河石门段综合整治工程", "桃江下游段"} <= set(props)   # (a project ends in 工程/项目 or 整治/治理/修复)
    assert "桃江下游段建设" not in props and "云溪河" not in props
    occ = props["云溪河石门段综合整治工程"].candidate.occurrences[0]
    assert (occ.line.number, occ.line.quote(occ.start, occ.end)) == (2, "云溪河石门段综合整治工程")


def test_a_phrase_ending_in_a_plan_verb_does_not_open_a_name(project):
    doc = project.corpus_dir / "verbs.txt"
    doc.write_text("第八章 平台\n充分发挥云岭新区带动作用，大力发展桃源湾产业园。\n", encoding="utf-8")
    names = {p.candidate.name for p in suggest(project, doc, PLAN).proposals}
    assert {"云岭新区", "桃源湾产业园"} <= names
    assert not {"充分发挥云岭新区", "大力发展桃源湾产业园"} & names


def test_a_place_named_in_its_own_clause_ranks_above_one_read_further_away(project):
    doc = project.corpus_dir / "rank.txt"
    doc.write_text("第九章 园区\n在吉水县建设云杉物流园。\n推进桃杉物流园建设。\n", encoding="utf-8")
    props = {p.candidate.name: p for p in suggest(project, doc, PLAN).proposals}
    near, far = props["云杉物流园"], props["桃杉物流园"]
    assert (near.suggestion.clue, far.suggestion.clue) == ("clause", "section")
    assert near.score > far.score


def test_a_list_of_rivers_counts_and_glued_function_words(project):
    """(made-up names) 花园河 has no proper name by jieba's tags but stands in a list of rivers;
    一江、三河 count things; items that carry the head already share nothing (no 云溪湖湖)."""
    doc = project.corpus_dir / "rivers.txt"
    doc.write_text("第十章 水系\n一江即赣江；三河即抚河、花园河、乌沙河；十湖即云溪湖、象湖等十余湖。\n"
                   "推进水产品批发市场、建材大市场、深圳花鸟市场等市场。\n", encoding="utf-8")
    names = {p.candidate.name for p in suggest(project, doc, PLAN).proposals}
    assert {"花园河", "建材大市场", "水产品批发市场"} <= names   # (the last through its neighbour)
    assert not {"一江", "三河", "十湖", "十余湖", "云溪湖湖", "象湖湖", "即云溪湖"} & names


def _proposals(project: Project, name: str, text: str) -> dict:
    doc = project.corpus_dir / name
    doc.write_text(text, encoding="utf-8")
    return {p.candidate.name: p for p in suggest(project, doc, PLAN).proposals}


def test_a_place_in_a_parenthesis_qualifies_the_word_before_it(project):
    """(made-up roads) 永丰 in G888（永丰方向） says where G888 goes, not where 云杉大道 lies."""
    props = _proposals(project, "parens.txt", "第一章 交通\n\n一环即云杉大道、G888（永丰方向）、桃杉大道组成的环线。\n")
    assert props["G888"].suggestion.spec["units"] == ["吉安市/永丰县"]
    for name in ("云杉大道", "桃杉大道"):
        assert props[name].suggestion.spec["units"] == ["吉安市"] and props[name].suggestion.clue == "region"


def test_the_county_written_right_before_a_name_is_its_tightest_clue(project):
    """(made-up places) The clause names four counties, too many for a bound; 吉安县 stands right
    before 城南云杉组团产城融合示范区 and says where it lies."""
    props = _proposals(project, "prefix.txt", "第二章 平台\n\n打造吉安县城南云杉组团产城融合示范区、青原区梅溪古村、"
                                              "永丰县桃溪古镇、泰和县云岭小镇。\n")
    zone = props["城南云杉组团产城融合示范区"]
    assert zone.suggestion.spec["units"] == ["吉安市/吉安县"] and zone.suggestion.clue == "prefix"
    assert "right before it on line 3 names 吉安县" in zone.suggestion.why


def test_a_county_named_after_a_mountain_is_a_brand_not_a_place(project):
    """(made-up places) 井冈山 in a name is the mountain's brand: a county named in its clause
    wins, and named beside another thing it is no clue to where that thing lies."""
    props = _proposals(project, "brand.txt", "第三章 园区\n\n井冈山云杉科技园落户吉州区。\n\n"
                                             "第四章 桥梁\n\n桃杉大桥与井冈山云杉科技园同步建设。\n")
    park = props["井冈山云杉科技园"]
    assert park.suggestion.spec["units"] == ["吉安市/吉州区"] and park.suggestion.clue == "clause"
    assert "井冈山 is also the name of a mountain" in park.suggestion.why
    bridge = props["桃杉大桥"]
    assert "吉安市/井冈山市" not in bridge.suggestion.spec["units"]


def test_a_known_place_in_the_same_clause_gives_its_county(project):
    """(made-up hub) 昌北机场 is a known record (南昌昌北国际机场, in 新建区): a hub built beside it
    in the same clause lies there, and the reason names the record."""
    props = _proposals(project, "neighbour.txt", "第五章 物流\n\n依托昌北机场建设云杉物流中心。\n")
    hub = props["云杉物流中心"]
    assert hub.suggestion.spec["units"] == ["南昌市/新建区"] and hub.suggestion.clue == "neighbour"
    assert "names 昌北机场, a known place (record nanchang-changbei-airport) that lies in 新建区" in hub.suggestion.why


def test_record_places_gives_the_counties_a_known_record_lies_in():
    """Counties of an admin record from its units (a city's units are all its counties), of a point
    record from the county holding it; a water record and an unresolvable one give none."""
    from mapapp.admin import load_admin_boundaries
    from mapapp.geometry_types import ResolveContext
    from mapapp.model import GeometrySpec, Record
    from mapapp.suggest.neighbours import RecordPlaces

    def rec(rid, spec_type, **fields):
        return Record(id=rid, name=rid, kind="zone", sectors=["urban"], status="planned",
                      geometry=GeometrySpec(spec_type, fields))
    admin = load_admin_boundaries()
    records = {r.id: r for r in [
        rec("a", "admin", units=["吉安市/吉州区", "吉安市/青原区"]),
        rec("city", "admin", units=["萍乡市"]),
        rec("p", "point", lon=115.9, lat=28.865, uncertainty_m=500),   # the airfield of 昌北机场
        rec("w", "water", name="赣江"),
        rec("bad", "admin", units=["no such county"]),
    ]}
    places = RecordPlaces(records, ResolveContext(admin, {}, REPO / "geodata", None))
    assert [u.label for u in places.counties("a")] == ["吉安市/吉州区", "吉安市/青原区"]
    assert {u.city for u in places.counties("city")} == {"萍乡市"} and len(places.counties("city")) == 5
    assert [u.label for u in places.counties("p")] == ["南昌市/新建区"]
    assert places.counties("w") == [] and places.counties("bad") == []


# Plan grammar of lists and definitions (made-up names): a numbered structure phrase defined item by
# item, a list before 等 sharing its class, grid projects named with their voltage, units listed
# before a described class, listed projects on named things, and a verb inside an institution's name.
PLAN_LISTS_TEXT = """第十一章 布局
两核即云杉产业核和白鹭综合服务核；三区即北部科创发展区、南部文旅预留区和西部康养拓展区。四图指产业链图、技术路线图。
实施永丰县石门坳、泰和县杉溪、遂川下坪等一批大中型水库工程，开展桃坑等中型灌区续建配套。打造竹林里、梅家巷等历史文化街区。
开工峡江东、永丰南500千伏输变电工程，建成吉水北220千伏变电站及一批110千伏变电站。
建设泰和县、吉水县非基地型通用机场。
推进白鹭湖水环境综合治理、永丰县云溪河生态修复及综合整治、桃江（上游段、下游段）和梅溪河道生态治理等项目。
建设泰和养生谷，深化新时代文明实践中心建设。
新建市第五人民医院，推进区文化馆建设，强化县乡村综治中心建设。
实施云杉大道南延至桃溪、轻轨7号线东延工程。
建成泰和县殡仪馆，新建峡江县游泳馆。两园指新建云杉工业园和泰和白鹭产业园。
引进云杉印象汇、白鹭万家等大型商场。
改建桃溪客运站，支持解放军九〇七医院建设。
"""


def test_list_and_definition_grammar_of_plans(project):
    doc = project.corpus_dir / "lists.txt"
    doc.write_text(PLAN_LISTS_TEXT, encoding="utf-8")
    props = {p.candidate.name: p for p in suggest(project, doc, PLAN).proposals}
    names = set(props)
    # The items of a definition name the places the phrase counts (核, 区), not the things (图).
    assert {"云杉产业核", "白鹭综合服务核", "南部文旅预留区", "西部康养拓展区"} <= names
    assert props["云杉产业核"].candidate.kind == "zone"
    assert not {"产业链图", "技术路线图"} & names
    # 等 (一批, 大中型) before a shared head: each item gets the head and the class words, not the size.
    assert {"永丰县石门坳水库", "泰和县杉溪水库", "遂川下坪水库", "桃坑灌区", "竹林里历史文化街区",
            "梅家巷历史文化街区"} <= names
    occ = props["永丰县石门坳水库"].candidate.occurrences[0]
    assert (occ.line.number, occ.line.quote(occ.start, occ.end)) == (3, "永丰县石门坳、泰和县杉溪、遂川下坪等一批大中型水库")
    assert not {"大中型水库", "桃坑中型灌区"} & names
    # A grid project holds its voltage, shared by the list; a voltage alone names nothing.
    assert {"峡江东500千伏输变电工程", "永丰南500千伏输变电工程", "吉水北220千伏变电站"} <= names
    assert props["峡江东500千伏输变电工程"].candidate.kind == "energy"
    assert not {"千伏变电站", "110千伏变电站"} & names
    # Units before a described class: unit + head; 基地型 is an adjective, no 基地 of its own.
    assert {"泰和县通用机场", "吉水县通用机场"} <= names
    assert not {"泰和县基地", "吉水县基地", "吉水县非基地型通用机场"} & names
    # Listed projects on named things, with 和/及 and parenthesised sections inside.
    assert {"白鹭湖水环境综合治理", "永丰县云溪河生态修复及综合整治", "桃江(上游段、下游段)和梅溪河道生态治理"} <= names
    occ = props["桃江(上游段、下游段)和梅溪河道生态治理"].candidate.occurrences[0]
    assert occ.line.quote(occ.start, occ.end) == "桃江（上游段、下游段）和梅溪河道生态治理"
    # A verb inside a name after a place name; without one before it, no name.
    assert "泰和养生谷" in names
    assert not {"时代文明实践中心", "新时代文明实践中心", "文明实践中心"} & names
    # A bare 市/区 opening an institution's name is the plan's own unit; 县乡村 counts levels.
    assert {"市第五人民医院", "区文化馆"} <= names
    assert not {"县乡村综治中心", "乡村综治中心"} & names
    # A road's or a line's extension is a project of its own.
    assert {"云杉大道南延至桃溪", "轻轨7号线东延"} <= names
    # A unit's name before a common noun ending in a head (殡仪|馆); a district (新建) opening a definition's item.
    assert {"泰和县殡仪馆", "峡江县游泳馆", "新建云杉工业园"} <= names
    # 等 before a head glued to a generic word (大型商场); a count-like word before 等 is no count (万家).
    assert {"云杉印象汇商场", "白鹭万家商场"} <= names
    # A coach station is a hub; 〇 is a numeral inside a name.
    assert {"桃溪客运站", "解放军九〇七医院"} <= names


# jieba glues a head word to what follows it (石门|湖等, 梅岭|湖水|环境, 一级|公路工程, 白鹭|路为): the name
# ends at the head all the same; the lake a project works on is a candidate beside the project (made-up names).
GLUED_TEXT = """第十一章 生态
加快桃溪湖、石门湖等国家湿地公园建设。
实施梅岭湖水环境综合治理、白鹭湖及周边生态修复。
推进云杉大道南延对接桃溪一级公路工程，以白鹭路为主轴。
"""


def test_a_head_word_glued_to_the_next_word_still_ends_a_name_and_a_project_keeps_its_site(project):
    props = _proposals(project, "glued.txt", GLUED_TEXT)
    names = set(props)
    assert {"石门湖国家湿地公园", "梅岭湖", "梅岭湖水环境综合治理", "白鹭湖", "桃溪一级公路", "白鹭路"} <= names
    assert not {"石门湖等国家湿地公园", "梅岭湖水", "白鹭湖及周边"} & names
    occ = props["梅岭湖"].candidate.occurrences[0]
    assert (occ.line.number, occ.line.quote(occ.start, occ.end)) == (3, "梅岭湖")


def test_an_adjective_right_before_a_head_after_a_verb_is_a_name(project):
    """繁荣水库, 欣荣湖片区 (made-up): jieba tags the name an adjective; at a clause's start an
    adjective is a verb (畅通物流通道, 丰富社区服务), so no name."""
    names = set(_proposals(project, "adjectives.txt",
                           "第十二章 水利\n建成欣荣湖片区，推进繁荣水库提质升级。\n畅通物流通道，丰富社区服务。\n"))
    assert {"欣荣湖片区", "繁荣水库"} <= names
    assert not {"畅通物流通道", "物流通道", "丰富社区", "畅通物流"} & names


# Class words that describe, not name (made-up text): a class phrase modifying a noun (中心城区|宝贵, 片区|
# 人居|环境, 高铁|网), a phrase opened by a verb jieba tags a noun (利用), 米字型 as an adjective, 农村 as a
# class word. A proper name modifying a noun stays a name (云岭新区|企业).
CLASS_TEXT = """第十三章 空间
合理利用城市公园，高效利用中心城区宝贵的空间资源，整治片区人居环境。
构建米字型高铁网，形成大字型高速公路，加强农村公路建设，支持云岭新区企业上市，推进桃溪湖片区建设。
"""


def test_class_words_that_describe_a_noun_or_follow_a_verb_name_nothing(project):
    names = set(_proposals(project, "classes.txt", CLASS_TEXT))
    assert {"云岭新区", "桃溪湖片区"} <= names
    assert not {"合理利用城市公园", "利用城市公园", "高效利用中心城区", "中心城区", "整治片区", "片区", "米字型高铁",
                "字型高铁", "字型高速公路", "大字型高速公路", "农村公路"} & names


def test_plan_verbs_jieba_tags_as_names_open_no_name(project):
    """串联, 加密, 拓宽, 面向 (jieba tags them ns, nr, n) are verbs of plan language (made-up text)."""
    names = set(_proposals(project, "verbs2.txt", "第十四章 交通\n以环线串联桃溪新区，加密云岭高速公路，"
                                                  "拓宽梅岭大道，打造面向白鹭湾经济区的门户。\n"))
    assert {"桃溪新区", "云岭高速公路", "梅岭大道", "白鹭湾经济区"} <= names
    assert not {"串联桃溪新区", "加密云岭高速公路", "拓宽梅岭大道", "面向白鹭湾经济区"} & names


# A project named after the thing it works on, with work words of its own before 工程/项目 (made-up names):
# the project is a candidate and so is the thing; a plan verb or punctuation ends the search.
PROJECTS_TEXT = """第十五章 防洪
完成桃溪片区治涝工程，推进云江干流石门段崩岸应急治理工程和白鹭科技园开发改造工程。
加快梅岭大道建设，推进工程验收。
"""


def test_a_project_named_after_a_thing_and_its_work_is_a_candidate(project):
    props = _proposals(project, "projects.txt", PROJECTS_TEXT)
    names = set(props)
    assert {"桃溪片区治涝工程", "白鹭科技园开发改造工程", "白鹭科技园", "桃溪片区"} <= names
    assert any(n.endswith("石门段崩岸应急治理工程") for n in names)
    assert not any(n.startswith("梅岭大道") and n.endswith("工程") for n in names)
    occ = props["桃溪片区治涝工程"].candidate.occurrences[0]
    assert (occ.line.number, occ.line.quote(occ.start, occ.end)) == (2, "桃溪片区治涝工程")


def test_an_industry_cluster_is_no_place(project):
    """产业集群 names an industry spread over many sites (made-up text): no candidate; a park is one."""
    names = set(_proposals(project, "cluster.txt", "第十七章 产业\n打造桃溪电子信息产业集群和云岭硅基材料产业集群，"
                                                   "建设桃溪电子信息产业园。\n"))
    assert "桃溪电子信息产业园" in names
    assert not [n for n in names if n.endswith("集群")]


def test_a_river_named_x_shui_is_found_in_a_list_of_rivers(project):
    """袁水 and 锦水 (made-up list) are rivers beside a named river; 中水 beside 雨水 (common words) is
    reclaimed water."""
    names = set(_proposals(project, "shui.txt", "第十八章 水系\n以桃溪江干流、袁水、锦水和梅岭河源头为重点。\n"
                                                "推进雨水利用、中水回用。\n"))
    assert {"袁水", "锦水"} <= names
    assert "中水" not in names


def test_a_class_name_that_is_counted_names_no_one_thing(project):
    """一批革命遗址, 四大主题片区, 服务业集聚区9个 count a class (made-up text); a counted proper name
    (一批桃溪水库) is still a name."""
    names = set(_proposals(project, "counted.txt", "第十九章 文旅\n保护一批革命遗址，打造四大主题片区，"
                                                   "建成服务业集聚区9个，建设一批桃溪水库。\n"))
    assert "桃溪水库" in names
    assert not {"革命遗址", "主题片区", "服务业集聚区"} & names
