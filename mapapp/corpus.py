"""The plan documents: a folder of UTF-8 text files, cited by file name and 1-based line."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import MapappError, Problem
from .model import Annotations


class Corpus:
    """A corpus folder named by the user. Documents are read lazily and cached."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise MapappError(f"corpus folder not found: {self.folder}")

    def has(self, doc: str) -> bool:
        """Return whether the document file exists in the folder."""
        return (self.folder / doc).is_file()

    def lines(self, doc: str) -> list[str]:
        """Return the document's lines (index 0 is line 1). Raises MapappError if unreadable."""
        return _read_lines(self.folder / doc)

    def paragraph(self, doc: str, line: int, context: int = 1) -> list[tuple[int, str]]:
        """Return [(line number, text)] of the cited line and up to `context` non-empty lines around it."""
        lines = self.lines(doc)
        if not 1 <= line <= len(lines):
            return []
        out = [(line, lines[line - 1])]
        for step in (-1, 1):
            n, taken = line + step, 0
            while 1 <= n <= len(lines) and taken < context:
                if lines[n - 1].strip():
                    out.append((n, lines[n - 1]))
                    taken += 1
                n += step
        return sorted(out)


@lru_cache(maxsize=16)
def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise MapappError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise MapappError(f"{path}: cannot read ({exc.strerror})") from None


def check_mentions(annotations: Annotations, corpus: Corpus) -> list[Problem]:
    """Return a problem for each mention whose document is missing, whose line does not exist,
    or whose quote does not stand on the cited line."""
    problems = []
    for plan in annotations.plans.values():
        if not corpus.has(plan.doc):
            problems.append(Problem("corpus_annotations/plans.yaml", 0, plan.id,
                                    f"document {plan.doc} not found in corpus folder {corpus.folder}"))
    for rec in annotations.records.values():
        for m in rec.mentions:
            doc = annotations.plans[m.plan].doc
            if not corpus.has(doc):
                continue
            lines = corpus.lines(doc)
            if m.line > len(lines):
                problems.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"mention cites {doc} line {m.line}, but it has {len(lines)} lines"))
            elif m.quote not in lines[m.line - 1]:
                near = [n for n in range(max(1, m.line - 3), min(len(lines), m.line + 3) + 1) if m.quote in lines[n - 1]]
                hint = f" (it is on line {near[0]})" if near else ""
                problems.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"quote '{m.quote}' is not on {doc} line {m.line}{hint}"))
    return problems
