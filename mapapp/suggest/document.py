"""Reading a plan document for `mapapp suggest`, and the normalised text the matchers work on.

Matching happens on a normalised copy of each line (NFKC: full-width letters and digits become
half-width; whitespace other than tabs and quote marks removed, so a PDF split such as `长 片区`
reads `长片区`).
Each normalised line keeps the index of every character in the original line, so every quote
written into a draft is an exact span of the original line.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..corpus import split_lines
from ..errors import MapappError

MAX_BYTES = 20 * 1024 * 1024  # a long plan is < 2 MB of text; larger files are not plan documents
SKIPPED = set(" \t\u3000\u00a0\u200b\ufeff“”‘’\"'「」『』")
SENTENCE_END = re.compile(r"[。；;！!？?]")
CLAUSE_END = re.compile(r"[。；;！!？?，,：:\t]")


@dataclass(frozen=True)
class NormLine:
    """One document line: `number` (1-based), `original` text, normalised `text` and, for each
    character of `text`, its index in `original` (`index`)."""

    number: int
    original: str
    text: str
    index: tuple[int, ...]

    def quote(self, start: int, end: int) -> str:
        """Return the original span behind normalised characters [start, end) (PDF gaps included)."""
        return self.original[self.index[start]:self.index[end - 1] + 1]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """Return the normalised bounds of the clause (between commas, colons or sentence ends)
        around [start, end)."""
        left = max((m.end() for m in CLAUSE_END.finditer(self.text, 0, start)), default=0)
        m = CLAUSE_END.search(self.text, end)
        return left, (m.end() if m else len(self.text))

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """Return the normalised bounds of the sentence around [start, end)."""
        left = max((m.end() for m in SENTENCE_END.finditer(self.text, 0, start)), default=0)
        m = SENTENCE_END.search(self.text, end)
        return left, (m.end() if m else len(self.text))


def normalise(text: str) -> str:
    """Return `text` as matchers compare it: NFKC, without whitespace and quote marks."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c not in SKIPPED and not c.isspace())


def normalise_line(number: int, original: str) -> NormLine:
    """Return the NormLine of one original line. A tab is kept: it separates the cells of a
    table row (新建区<TAB>长 片区<TAB>全面提升…), which are never one name."""
    chars, index = [], []
    for i, c in enumerate(original):
        if c == "\t":
            chars.append(c)
            index.append(i)
            continue
        if c in SKIPPED or c.isspace():
            continue
        for n in unicodedata.normalize("NFKC", c):
            if n in SKIPPED or n.isspace():
                continue
            chars.append(n)
            index.append(i)
    return NormLine(number, original, "".join(chars), tuple(index))


def read_document(path: Path) -> list[NormLine]:
    """Return the normalised lines of the plain-text document at `path`.

    Raises MapappError naming the file when it is missing, a folder, larger than 20 MB, binary
    (NUL bytes), not UTF-8, or without any text."""
    path = Path(path)
    if not path.exists():
        raise MapappError(f"{path}: file not found")
    if not path.is_file():
        raise MapappError(f"{path}: not a file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise MapappError(f"{path}: {size / 1e6:.1f} MB is too large for a plan document "
                          f"(at most {MAX_BYTES // (1024 * 1024)} MB of plain text)")
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0:
        raise MapappError(f"{path}: a binary file (NUL byte at byte {nul}), expected plain UTF-8 text "
                          "(convert a PDF or Word file to text first)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise MapappError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "convert it to UTF-8 first (e.g. iconv -f GB18030 -t UTF-8)") from None
    lines = split_lines(text)  # on "\n" only, as the corpus and the annotations count lines
    if not any(line.strip() for line in lines):
        raise MapappError(f"{path}: the document is empty (no text)")
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise MapappError(f"{path}: no Chinese text found; expected a Chinese plan document")
    return [normalise_line(n, line) for n, line in enumerate(lines, start=1)]
