"""mapapp replaces only folders that are its own: a build, an OSM cache. Anything else is refused,
with a clear message, and left exactly as it was."""
from __future__ import annotations

import json

import pytest
import shapely

from mapapp.cli import main
from mapapp.osm.cache import CacheWriter
from mapapp.errors import ForeignFolder
from mapapp.pipeline import load_build

RECORDS = """\
- id: jitai-corridor
  name: 吉泰走廊
  kind: corridor
  sectors: [electronics]
  status: planned
  geometry: {type: admin, units: [吉州区, 青原区]}
  mentions: [{plan: jian-14th, line: 1199, quote: 吉泰走廊}]
"""


def _tree(folder):
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def good(data):
    data.records(RECORDS)
    return data


def test_build_refuses_a_folder_that_is_not_a_build(good, capsys):
    victim = good.root.parent / "victim"
    victim.mkdir()
    (victim / "thesis.docx").write_text("my thesis", encoding="utf-8")
    assert main(["build", "--data", str(good.root), "--build-dir", str(victim)]) == 1
    err = capsys.readouterr().err
    assert "refusing to replace" in err and "thesis.docx" in err and "Traceback" not in err
    assert (victim / "thesis.docx").read_text(encoding="utf-8") == "my thesis"
    assert [p.name for p in victim.iterdir()] == ["thesis.docx"]


def test_build_refuses_the_data_folder_itself(good, capsys):
    before = _tree(good.root)
    assert main(["build", "--data", str(good.root), "--build-dir", str(good.root)]) == 1
    assert "refusing to replace" in capsys.readouterr().err
    assert _tree(good.root) == before


def test_build_refuses_a_file_and_a_symlink(good, capsys):
    target = good.root.parent / "a-file"
    target.write_text("keep", encoding="utf-8")
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 1
    assert target.read_text(encoding="utf-8") == "keep"
    link = good.root.parent / "link"
    link.symlink_to(good.root / "corpus_annotations")
    assert main(["build", "--data", str(good.root), "--build-dir", str(link)]) == 1
    assert link.is_symlink() and (good.root / "corpus_annotations" / "plans.yaml").is_file()
    assert capsys.readouterr().err.count("refusing to replace") == 2


def test_build_replaces_an_empty_folder_and_its_own_build(good, capsys):
    target = good.root.parent / "out"
    target.mkdir()
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 0
    assert (target / ".mapapp-build").is_file()
    first = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 0
    assert load_build(target).manifest["records"] == 1
    assert first  # the second build replaced the first without complaint


def test_a_build_from_before_markers_is_still_replaced(good):
    target = good.root.parent / "old"
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 0
    (target / ".mapapp-build").unlink()  # as written by mapapp before the marker existed
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 0
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    (target / ".mapapp-build").unlink()
    assert main(["build", "--data", str(good.root), "--build-dir", str(target)]) == 1
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_osm_cache_refuses_a_foreign_folder(tmp_path):
    victim = tmp_path / "cache"
    victim.mkdir()
    (victim / "data.csv").write_text("x", encoding="utf-8")
    with pytest.raises(ForeignFolder, match="refusing to replace"):
        CacheWriter(victim, source="test")
    assert [p.name for p in victim.iterdir()] == ["data.csv"]
    ok = tmp_path / "cache2"
    writer = CacheWriter(ok, source="test")
    writer.add("n1", {"railway": "station", "name": "南昌西"}, shapely.Point(115.79, 28.63))
    writer.commit()
    again = CacheWriter(ok, source="test")  # its own cache may be replaced
    again.abort()
    assert (ok / ".mapapp-osm-cache").is_file()
