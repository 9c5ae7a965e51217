"""Candidate names of map-worthy things in a document: jieba segmentation (with the gazetteer as
its user dictionary) and the suffix grammar of plan language (`lexicon.HEADS`).

A candidate ends in a head word (新区, 产业园, 高铁, 水库 …) and extends leftwards over the words
before it while they can be part of a name (no verb, function word, punctuation or quantity),
then loses leading generic modifiers (国家级, 现代 …). What is left must contain something that
is not generic, so 现代农业产业园 is not a candidate and 吉安高新区 is.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .document import NormLine
from .gazetteer import Gazetteer
from .lexicon import COMPASS, GENERIC_WORDS, HEAD_KIND, ROAD_NUMBER, STOP_WORDS, STRICT_HEADS

MAX_PREFIX_CHARS = 12
HEAD_LENGTHS = sorted({len(h) for h in HEAD_KIND}, reverse=True)
# Part-of-speech tags (jieba, ICTCLAS set) of words that cannot be part of a name.
BREAKING_TAGS = ("v", "p", "c", "u", "r", "d", "q", "y", "e", "o", "t", "ad", "uj", "ul", "zg", "l", "i", "f")
# Tags of proper names and unknown words: a strict head needs one of them before it.
PROPER_TAGS = ("ns", "nr", "nz", "nt", "nrt", "nrfg", "j", "eng", "x", "m")
NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·\-]")
FUNCTION_CHARS = set("和与及或等的在对向把将为从至")
NUMERALS = set("一二两三四五六七八九十百千万几多")
ROAD_NUMBER_RE = re.compile(ROAD_NUMBER + r"(国道|省道|高速公路|高速|线)?")


@dataclass
class Occurrence:
    """Where a candidate stands: line and normalised span."""

    line: NormLine
    start: int
    end: int


@dataclass
class Candidate:
    """A proposed new entity: normalised name, kind guess, head word, and where it stands."""

    name: str
    kind: str
    head: str
    occurrences: list[Occurrence] = field(default_factory=list)
    proper: bool = False

    @property
    def lines(self) -> list[int]:
        return sorted({o.line.number for o in self.occurrences})


@dataclass(frozen=True)
class Token:
    word: str
    flag: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.word)


class Segmenter:
    """jieba with the gazetteer's names as user words (its own dictionary, no global state)."""

    def __init__(self, gazetteer: Gazetteer):
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._pos = jieba.posseg.POSTokenizer(self._tokenizer)
        self.user_words: set[str] = set()
        for word, tag in gazetteer.user_words():
            self._tokenizer.add_word(word, freq=None, tag=tag)
            self.user_words.add(word)

    def in_dictionary(self, word: str) -> bool:
        """Return whether jieba's dictionary (or the user words) has `word`."""
        return bool(self._tokenizer.FREQ.get(word))

    def tokens(self, text: str) -> list[Token]:
        """Return the tokens of `text` with their part-of-speech tags and offsets."""
        out, pos = [], 0
        for pair in self._pos.cut(text):
            out.append(Token(pair.word, pair.flag, pos))
            pos += len(pair.word)
        return out


@lru_cache(maxsize=4096)
def _is_generic_word(word: str) -> bool:
    return word in GENERIC_WORDS or word in HEAD_KIND or word in STOP_WORDS


def _is_count(tok: Token, rest: list[Token]) -> bool:
    """A leading number or numeral word (5, 两座, 五大) that is not glued to the head (1号线, 105国道)."""
    return bool(rest) and (tok.flag.startswith("m") or tok.word[0] in NUMERALS)


def _breaks(tok: Token, user_words: set[str]) -> bool:
    if tok.word in user_words:
        return False
    if tok.word in STOP_WORDS or not all(NAME_CHAR.match(c) for c in tok.word):
        return True
    if tok.flag == "a" and len(tok.word) > 1:
        return True
    return tok.flag.startswith(BREAKING_TAGS) and tok.flag not in ("vn",) or tok.flag == "m" and len(tok.word) > 4


def _head_at(text: str, tok: Token, starts: set[int], user_words: set[str]) -> str | None:
    """Return the longest head word ending at the end of `tok` that starts at a word boundary
    (or inside a proper-name token), else None."""
    end = tok.end
    for n in HEAD_LENGTHS:
        s = end - n
        if s < 0:
            continue
        head = text[s:end]
        if head in HEAD_KIND and (s in starts or (s > tok.start and (tok.flag in PROPER_TAGS or tok.word in user_words))):
            return head
    return None


def extract_line(line: NormLine, seg: Segmenter, gaz: Gazetteer) -> list[tuple[int, int, str, bool]]:
    """Return (start, end, head, proper) for each candidate span of one line."""
    text = line.text
    if not text:
        return []
    toks = seg.tokens(text)
    starts = {t.start for t in toks}
    heads = [_head_at(text, t, starts, seg.user_words) for t in toks]
    found = []
    for j, tok in enumerate(toks):
        head = heads[j]
        if head is None:
            continue
        hstart = tok.end - len(head)
        # A longer head continues in the next word (产业园 + 区): end there instead.
        if j + 1 < len(toks) and heads[j + 1] and toks[j + 1].end - len(heads[j + 1]) <= hstart:
            continue
        # Walk left over name words.
        pieces: list[Token] = []
        if hstart > tok.start:
            pieces.append(Token(tok.word[:hstart - tok.start], tok.flag, tok.start))
        k = j - 1 if hstart <= tok.start else j - 1
        if hstart < tok.start:   # head spans several tokens: skip the tokens inside it
            while k >= 0 and toks[k].start >= hstart:
                k -= 1
            if k >= 0 and toks[k].end > hstart:
                pieces.append(Token(toks[k].word[:hstart - toks[k].start], toks[k].flag, toks[k].start))
                k -= 1
        chars = sum(len(p.word) for p in pieces)
        while k >= 0 and not _breaks(toks[k], seg.user_words) and chars + len(toks[k].word) <= MAX_PREFIX_CHARS:
            t = toks[k]
            if t.flag.startswith("m") and pieces:
                break   # a number inside a name only right before its head (1号线, 105国道)
            if len(t.word) >= 4 and t.flag not in PROPER_TAGS and t.word not in seg.user_words:
                break   # four-character set phrases (充分发挥, 深入开展) are not name parts
            if t.word[0] in FUNCTION_CHARS and len(t.word) > 1 and not seg.in_dictionary(t.word):
                # jieba's HMM glues a conjunction to the next name (和富滩): cut it off, stop.
                pieces.append(Token(t.word[1:], t.flag, t.start + 1))
                break
            pieces.append(t)
            chars += len(t.word)
            k -= 1
        pieces.reverse()
        while pieces and pieces[0].word not in seg.user_words and (
                _is_generic_word(pieces[0].word) or _is_count(pieces[0], pieces[1:])):
            pieces.pop(0)
        if not pieces:
            continue
        prefix = "".join(p.word for p in pieces)
        proper = any(p.flag in PROPER_TAGS or p.word in seg.user_words for p in pieces)
        if not any(not _is_generic_word(p.word) for p in pieces):
            continue
        one_proper_word = len(pieces) == 1 and hstart > tok.start and proper
        if len(prefix) < 2 and not one_proper_word:
            continue
        if head in STRICT_HEADS and not _strict_ok(prefix, head, proper, gaz):
            continue
        found.append((pieces[0].start, tok.end, head, proper))
    for m in ROAD_NUMBER_RE.finditer(text):
        found.append((m.start(), m.end(), m.group(1) or "国道", True))
    return found


def _strict_ok(prefix: str, head: str, proper: bool, gaz: Gazetteer) -> bool:
    """A common head (站, 路, 江 …) counts only after a proper name; 站 only after a known
    station or a compass word (南昌西站)."""
    if head == "站":
        return prefix in gaz.stations or (prefix.endswith(COMPASS) and proper)
    return proper


def extract_candidates(lines: list[NormLine], seg: Segmenter, gaz: Gazetteer, progress=None) -> list[Candidate]:
    """Return the candidates of the document (one per normalised name), in order of first
    occurrence. `progress(done, total)` is called as lines are processed."""
    by_name: dict[str, Candidate] = {}
    total = sum(len(line.text) for line in lines) or 1
    done = 0
    for line in lines:
        for start, end, head, proper in extract_line(line, seg, gaz):
            name = line.text[start:end]
            cand = by_name.get(name)
            if cand is None:
                cand = by_name[name] = Candidate(name, HEAD_KIND.get(head, "road"), head)
            cand.proper = cand.proper or proper
            cand.occurrences.append(Occurrence(line, start, end))
        done += len(line.text)
        if progress:
            progress(done, total)
    return list(by_name.values())
