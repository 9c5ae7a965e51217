"""The plan documents: a folder of UTF-8 text files, cited by file name and 1-based line.

Lines are counted on "\n" alone, as `grep -n` does and the annotation format documents: a form
feed, a lone carriage return or U+2028 inside a line does not start a new one (a "\r" before the
"\n" of a CRLF file is dropped)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import CorpusError, InputFileError, Problem
from .inputfile import read_text_file
from .model import Annotations


class Corpus:
    """A corpus folder named by the user. Documents are read lazily and cached."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CorpusError(f"corpus folder not found: {self.folder}")

    def path(self, doc: str) -> Path:
        """Return the document's path. Raises CorpusError when `doc` would lie outside the folder."""
        path = self.folder / doc
        if not path.resolve().is_relative_to(self.folder.resolve()):
            raise CorpusError(f"document {doc!r} lies outside the corpus folder {self.folder}")
        return path

    def has(self, doc: str) -> bool:
        """Return whether the document file exists inside the folder."""
        try:
            return self.path(doc).is_file()
        except CorpusError:
            return False

    def lines(self, doc: str) -> list[str]:
        """Return the document's lines (index 0 is line 1). Raises CorpusError if unreadable."""
        return _read_lines(self.path(doc))

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
        text = read_text_file(path)
    except InputFileError as exc:
        raise CorpusError(str(exc)) from None
    return split_lines(text)


def split_lines(text: str) -> list[str]:
    """Return the lines of `text` split on "\n" only (a final "\n" ends the last line; a "\r" before
    a "\n" is dropped)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def check_mentions(annotations: Annotations, corpus: Corpus) -> list[Problem]:
    """Return a problem for each mention whose document is missing, whose line does not exist,
    or whose quote does not stand on the cited line."""
    problems = []
    for plan in annotations.plans.values():
        if not corpus.has(plan.doc):
            problems.append(Problem("corpus_annotations/plans.yaml", 0, plan.id,
                                    f"document {plan.doc} not found in corpus folder {corpus.folder}"))
        else:
            try:
                corpus.lines(plan.doc)
            except CorpusError as exc:
                problems.append(Problem("corpus_annotations/plans.yaml", 0, plan.id, str(exc)))
    for rec in annotations.records.values():
        for m in rec.mentions:
            doc = annotations.plans[m.plan].doc
            try:
                lines = corpus.lines(doc)
            except CorpusError:
                continue        # reported once for the plan above
            if m.line > len(lines):
                problems.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"mention cites {doc} line {m.line}, but it has {len(lines)} lines"))
            elif m.quote not in lines[m.line - 1]:
                near = [n for n in range(max(1, m.line - 3), min(len(lines), m.line + 3) + 1)
                        if m.quote in lines[n - 1]]
                hint = f" (it is on line {near[0]})" if near else ""
                problems.append(Problem(m.source_file, m.source_line, rec.id,
                                        f"quote '{m.quote}' is not on {doc} line {m.line}{hint}"))
    return problems
