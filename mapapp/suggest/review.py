"""The review step: a person accepts, edits (name, kind), merges into an existing record, or
rejects each proposed entry of a draft. Accepted entries are written, without their `proposed`
mark, into `corpus_annotations/records/<plan>.suggested.yaml`; the draft keeps what is still
undecided. Nothing is written that the record validator rejects."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..annotations import load_annotations, parse_entry
from ..corpus import Corpus
from ..errors import MapappError, Problem, ValidationFailed
from ..model import Annotations
from ..project import Project
from ..yamlio import LineDict
from .drafts import PROPOSED, check_draft, dump_entries, read_draft, stable_id, strip_proposed, write_draft

ACCEPTED_SUFFIX = ".suggested.yaml"


@dataclass
class ReviewSession:
    """A draft under review: its entries, the decisions taken so far, and the project."""

    project: Project
    draft: Path
    annotations: Annotations
    entries: list[LineDict]
    accepted: list[dict] = field(default_factory=list)
    decided: set[int] = field(default_factory=set)

    @classmethod
    def open(cls, project: Project, draft: Path) -> ReviewSession:
        """Return a session on `draft`. Raises ValidationFailed when the draft is not a valid draft
        and MapappError when the annotations cannot be read."""
        annotations, problems = load_annotations(project.annotations_dir)
        if annotations is None:
            raise ValidationFailed(problems)
        draft_problems = check_draft(draft, annotations)
        if draft_problems:
            raise ValidationFailed(draft_problems)
        entries, _ = read_draft(draft)
        return cls(project, Path(draft), annotations, entries)

    def pending(self) -> list[int]:
        """Return the indices of the entries not decided yet, best score first."""
        idx = [i for i in range(len(self.entries)) if i not in self.decided]
        return sorted(idx, key=lambda i: -float(self.entries[i][PROPOSED]["score"]))

    def paragraph(self, i: int, context: int = 0) -> list[tuple[int, str, str]]:
        """Return (line, text, quote) for each line the entry cites, when a corpus is set."""
        if self.project.corpus_dir is None:
            return []
        corpus = Corpus(self.project.corpus_dir)
        out = []
        for m in self.entries[i].get("mentions") or []:
            plan = self.annotations.plans.get(m["plan"])
            if plan is None or not corpus.has(plan.doc):
                continue
            for n, text in corpus.paragraph(plan.doc, int(m["line"]), context):
                out.append((n, text, m["quote"]))
        return out

    def similar(self, i: int, limit: int = 3) -> list[tuple[str, str, float]]:
        """Return (record id, name, similarity 0-100) of the existing records closest in name to a
        proposed record (rapidfuzz), for merging."""
        from rapidfuzz import fuzz, process

        entry = self.entries[i]
        if "name" not in entry:
            return []
        choices = {(rid, n): n for rid, rec in self.annotations.records.items() for n in [rec.name, *rec.aliases]}
        found = process.extract(str(entry["name"]), choices, scorer=fuzz.WRatio, limit=limit * 3)
        out, seen = [], set()
        for _, sim, (rid, n) in found:
            if rid not in seen:
                seen.add(rid)
                out.append((rid, n, round(sim, 1)))
        return out[:limit]

    def accept(self, i: int, name: str | None = None, kind: str | None = None) -> dict | None:
        """Accept entry `i` (with an edited name or kind). Returns the entry to be written (None
        when all its mentions are already recorded).
        Raises MapappError when the result is not a valid record."""
        entry = strip_proposed(self.entries[i])
        if "add_mentions_to" not in entry:
            if name and name != entry["name"]:
                entry["name"] = name
                taken = set(self.annotations.records) | {a.get("id") for a in self.accepted}
                entry["id"] = stable_id(_plan_of(entry), name, taken)
            if kind:
                if kind not in self.annotations.vocabulary.kinds:
                    raise MapappError(f"unknown kind '{kind}' (known: {', '.join(self.annotations.vocabulary.kinds)})")
                entry["kind"] = kind
        return self._take(i, entry)

    def merge(self, i: int, record_id: str) -> dict | None:
        """Merge entry `i` into the existing record `record_id`: its mentions (and its name as an
        alias) are added to that record. Raises MapappError for an unknown record."""
        rec = self.annotations.records.get(record_id)
        if rec is None:
            raise MapappError(f"no record '{record_id}' to merge into")
        entry = self.entries[i]
        ext = LineDict({"add_mentions_to": record_id})
        name = entry.get("name")
        if name and name != rec.name and name not in rec.aliases:
            ext["aliases"] = [name]
        ext["mentions"] = list(entry.get("mentions") or [])
        return self._take(i, ext)

    def reject(self, i: int) -> None:
        """Reject entry `i`: it leaves the draft and is written nowhere."""
        self.decided.add(i)

    def _take(self, i: int, entry: dict) -> dict | None:
        entry = dict(entry)
        target = entry.get("add_mentions_to")
        if target:
            have = {(m.plan, m.line, m.quote) for m in self.annotations.records[target].mentions}
            have |= {(m["plan"], m["line"], m["quote"]) for a in self.accepted if a.get("add_mentions_to") == target
                     for m in a["mentions"]}
            entry["mentions"] = [m for m in entry.get("mentions") or []
                                 if (m["plan"], m["line"], m["quote"]) not in have]
            if not entry["mentions"] and not entry.get("aliases"):
                self.decided.add(i)
                return None     # every mention is already recorded: nothing to write
        checked = LineDict(entry)
        checked.line = getattr(self.entries[i], "line", 0)
        _, problems = parse_entry(checked, str(self.draft), self.annotations)
        if "id" in entry and (entry["id"] in self.annotations.records or
                              any(a.get("id") == entry["id"] for a in self.accepted)):
            problems.append(Problem(str(self.draft), checked.line, entry["id"], "id is already used"))
        problems += self._quote_problems(entry)
        if problems:
            raise MapappError("not a valid record: " + "; ".join(p.message for p in problems))
        self.accepted.append(entry)
        self.decided.add(i)
        return entry

    def _quote_problems(self, entry: dict) -> list[Problem]:
        if self.project.corpus_dir is None:
            return []
        corpus, out = Corpus(self.project.corpus_dir), []
        for m in entry.get("mentions") or []:
            doc = self.annotations.plans[m["plan"]].doc
            if corpus.has(doc):
                lines = corpus.lines(doc)
                if m["line"] > len(lines) or m["quote"] not in lines[m["line"] - 1]:
                    out.append(Problem(str(self.draft), 0, "",
                                       f"quote '{m['quote']}' is not on {doc} line {m['line']}"))
        return out

    def save(self) -> Path | None:
        """Write the accepted entries into the records folder and the undecided ones back to the
        draft. Returns the records file written (None when nothing was accepted). Raises
        ValidationFailed, restoring the records file, when the annotations no longer validate."""
        written = None
        if self.accepted:
            plan = _plan_of(self.accepted[0])
            written = self.project.annotations_dir / "records" / f"{plan}{ACCEPTED_SUFFIX}"
            before = written.read_text(encoding="utf-8") if written.exists() else None
            header = "" if before else (f"Records accepted with `mapapp review` from drafts of `mapapp suggest` "
                                        f"(plan {plan}).")
            written.write_text((before or "") + dump_entries(self.accepted, header), encoding="utf-8")
            _, problems = load_annotations(self.project.annotations_dir)
            mine = [p for p in problems if Path(p.file).name == written.name]
            if mine:
                if before is None:
                    written.unlink()
                else:
                    written.write_text(before, encoding="utf-8")
                raise ValidationFailed(mine)
        rest = [self.entries[i] for i in range(len(self.entries)) if i not in self.decided]
        header = "Draft records proposed by `mapapp suggest`; not read by the build. Review: mapapp review FILE"
        write_draft([dict(e) for e in rest], self.draft, header)
        self.accepted, self.entries = [], rest
        self.decided = set()
        return written


def _plan_of(entry: dict) -> str:
    mentions = entry.get("mentions") or []
    return str(mentions[0]["plan"]) if mentions else "review"
