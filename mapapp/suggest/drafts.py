"""The draft records file: the annotation format, each entry marked `proposed: {score, why, …}`.

A draft lives in `corpus_annotations/drafts/` (or anywhere outside `records/`); the loader reads
only `records/`, and refuses a `proposed` entry there, so drafts never enter the build.
`check_draft` validates a draft with the same record validator the loader uses.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..annotations import parse_entry
from ..corpus import Corpus
from ..errors import MapappError, Problem
from ..model import Annotations, Record
from ..yamlio import LineDict, load_yaml

PROPOSED = "proposed"
PROPOSED_KEYS = {"score", "why", "clue", "status_words", "kind_from"}
DRAFTS_FOLDER = "drafts"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):   # libyaml when available
    def ignore_aliases(self, data) -> bool:   # write shared lists in full, never &id001 anchors
        return True


def _str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(LineDict, lambda dumper, value: dumper.represent_dict(dict(value)))


def dump_entries(entries: list[dict], header: str = "") -> str:
    """Return the YAML text of draft or record entries (mentions and specs in flow style)."""
    text = yaml.dump(entries, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None,
                     width=120)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + text


def write_draft(entries: list[dict], path: Path, header: str) -> None:
    """Write draft entries to `path` (creating its folder). Raises MapappError for a path inside
    a records folder: drafts never go where the build reads."""
    path = Path(path)
    if in_records_folder(path):
        raise MapappError(f"{path}: drafts must not be written into a records/ folder "
                          f"(the build reads it); use corpus_annotations/{DRAFTS_FOLDER}/")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_entries(entries, header), encoding="utf-8")
    tmp.replace(path)


def in_records_folder(path: Path) -> bool:
    """Return whether `path` lies in the records/ folder of an annotations folder (one with a
    plans.yaml next to records/), where the build reads every file."""
    return any(folder.name == "records" and (folder.parent / "plans.yaml").is_file()
               for folder in Path(path).resolve().parents)


def read_draft(path: Path) -> tuple[list[LineDict], list[Problem]]:
    """Return the entries of a draft file and the problems reading it (YAML, not a list)."""
    path = Path(path)
    if not path.is_file():
        raise MapappError(f"{path}: draft file not found")
    data, problems = load_yaml(path, str(path))
    if problems:
        return [], problems
    if data is None:
        return [], []
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        return [], [Problem(str(path), 1, "", "a draft must be a YAML list of entries (records or add_mentions_to)")]
    return data, []


def strip_proposed(entry: LineDict) -> LineDict:
    """Return the entry without its `proposed` mark (a record or add_mentions_to entry), same line."""
    out = LineDict({k: v for k, v in entry.items() if k != PROPOSED})
    out.line = getattr(entry, "line", 0)
    return out


def check_draft(path: Path, annotations: Annotations, display: str | None = None,
                corpus: Corpus | None = None) -> list[Problem]:
    """Return the problems of a draft file: each entry must be marked `proposed` with a score and
    otherwise be a valid record (or add_mentions_to an existing record) of the annotation format;
    with a corpus, each quote must stand on its cited line."""
    path = Path(path)
    display = display or str(path)
    if in_records_folder(path):
        return [Problem(display, 0, "", "a draft in a records/ folder would enter the build: "
                                        f"move it to corpus_annotations/{DRAFTS_FOLDER}/ and review it")]
    entries, problems = read_draft(path)
    if problems:
        return problems
    ids = set(annotations.records)
    for entry in entries:
        line = getattr(entry, "line", 0)
        who = str(entry.get("id") or entry.get("add_mentions_to") or "")
        mark = entry.get(PROPOSED)
        if not isinstance(mark, dict) or not isinstance(mark.get("score"), (int, float)) \
                or isinstance(mark.get("score"), bool) or not 0 <= mark["score"] <= 1:
            problems.append(Problem(display, line, who, "draft entry needs 'proposed: {score: 0..1, why: …}'"))
        elif set(mark) - PROPOSED_KEYS:
            problems.append(Problem(display, line, who, f"'proposed' has unknown keys: "
                                                        f"{', '.join(sorted(map(str, set(mark) - PROPOSED_KEYS)))}"))
        record, p = parse_entry(strip_proposed(entry), display, annotations)
        problems += p
        if isinstance(record, Record) and record.id in ids:
            problems.append(Problem(display, line, record.id, "id is already used by an existing record"))
        if corpus is not None:
            problems += _quote_problems(entry, annotations, corpus, display)
    return problems


def _quote_problems(entry: dict, annotations: Annotations, corpus: Corpus, display: str) -> list[Problem]:
    out = []
    for m in entry.get("mentions") or []:
        plan = annotations.plans.get(m.get("plan")) if isinstance(m, dict) else None
        if plan is None or not corpus.has(plan.doc) or not isinstance(m.get("line"), int):
            continue
        lines = corpus.lines(plan.doc)
        if not 1 <= m["line"] <= len(lines) or str(m.get("quote")) not in lines[m["line"] - 1]:
            out.append(Problem(display, getattr(m, "line", 0) or getattr(entry, "line", 0),
                               str(entry.get("id") or entry.get("add_mentions_to") or ""),
                               f"quote '{m.get('quote')}' is not on {plan.doc} line {m['line']}"))
    return out


def check_draft_folder(annotations_dir: Path, annotations: Annotations, corpus: Corpus | None = None) -> list[Problem]:
    """Return the problems of every draft in `annotations_dir/drafts/` (see `check_draft`)."""
    folder = Path(annotations_dir) / DRAFTS_FOLDER
    problems = []
    for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else []:
        try:
            display = str(path.relative_to(Path(annotations_dir).parent))
        except ValueError:
            display = str(path)
        problems += check_draft(path, annotations, display, corpus)
    return problems


def slug(text: str) -> str:
    """Return a lowercase ascii slug of `text` (Chinese as toneless pinyin)."""
    from pypinyin import lazy_pinyin

    parts = lazy_pinyin(text, errors=lambda chars: list(chars))
    words = []
    for p in parts:
        w = re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-")
        if w:
            words.append(w)
    return "-".join(words)[:60].strip("-")


def stable_id(plan_id: str, name: str, taken: set[str]) -> str:
    """Return `plan_id-pinyin-of-name`, unique among `taken` (a -2, -3 … suffix otherwise)."""
    base = f"{plan_id}-{slug(name)}".strip("-")
    rid, n = base, 2
    while rid in taken:
        rid, n = f"{base}-{n}", n + 1
    return rid


def entry_of(record: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """Return a draft entry: the record mapping followed by its `proposed` mark."""
    return {**record, PROPOSED: proposed}
