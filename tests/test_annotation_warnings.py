"""`mapapp validate` warns about a mention that names its entity only inside another entity's name,
and about one hand-drawn shape used with two radii."""
from __future__ import annotations

import json

from mapapp.cli import main

SQUARE = {"type": "Polygon", "coordinates": [[[115.84, 28.80], [115.96, 28.80], [115.96, 28.93],
                                              [115.84, 28.93], [115.84, 28.80]]]}


def _corpus(tmp_path, lines):
    folder = tmp_path / "corpus"
    folder.mkdir()
    plans = {"nanchang-14th": "004_8e5210381ffd19f4.txt", "jian-14th": "003_c4bc3fca6b6be301.txt"}
    for doc in plans.values():
        (folder / doc).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for doc in ("000_c23816c78c8db7bd.txt", "001_e708a6cca5626e6a.txt", "002_9ec3a814245b7342.txt"):
        (folder / doc).write_text("x\n", encoding="utf-8")
    return folder


RECORDS = """\
- id: meiling
  name: 梅岭
  kind: tourism
  sectors: [tourism]
  status: existing
  geometry: {type: manual, file: manual/square.geojson, uncertainty_m: 1000, source: test}
  mentions:
    - {plan: nanchang-14th, line: 1, quote: 梅岭}
    - {plan: nanchang-14th, line: 2, quote: 梅岭}
    - {plan: nanchang-14th, line: 3, quote: 梅岭}
- id: meiling-park
  name: 梅岭国家森林公园
  kind: park
  sectors: [tourism]
  status: existing
  geometry: {type: manual, file: manual/square.geojson, uncertainty_m: 3000, source: test}
  mentions: [{plan: nanchang-14th, line: 1, quote: 梅岭国家森林公园}]
"""


def test_name_containment_and_two_radii_are_warned(data, tmp_path, capsys):
    data.file("geodata/manual/square.geojson", json.dumps(SQUARE))
    data.records(RECORDS)
    corpus = _corpus(tmp_path, ["建设梅岭国家森林公园。", "梅岭国家森林公园和梅岭风景区。", "游梅岭。"])
    assert main(["validate", "--data", str(data.root), "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    warned = [line for line in out.splitlines() if "warning:" in line]
    # line 1 names 梅岭 only inside 梅岭国家森林公园; lines 2 and 3 name it on its own too
    assert [w for w in warned if "only inside" in w] == [
        "corpus_annotations/records/test.yaml:8: [meiling] warning: 004_8e5210381ffd19f4.txt line 1 names "
        "'梅岭' only inside '梅岭国家森林公园' (record meiling-park): not a mention of it"]
    radius = [w for w in warned if "one shape has one radius" in w]
    assert len(radius) == 2 and all("radii 1000, 3000 m" in w for w in radius)
    assert "2 warning(s)" not in out and "3 warning(s) above" in out


def test_no_warning_when_the_name_stands_alone(data, tmp_path, capsys):
    data.file("geodata/manual/square.geojson", json.dumps(SQUARE))
    data.records(RECORDS.replace("uncertainty_m: 3000", "uncertainty_m: 1000"))
    corpus = _corpus(tmp_path, ["梅岭和梅岭国家森林公园。", "梅岭。", "梅岭。"])
    assert main(["validate", "--data", str(data.root), "--corpus", str(corpus)]) == 0
    assert "warning:" not in capsys.readouterr().out
