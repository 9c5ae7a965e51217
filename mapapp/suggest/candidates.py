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
BREAKING_FAMILIES = set("pcurdq")   # prepositions, conjunctions, particles, pronouns, adverbs, …
BREAKING_WORD_TAGS = ("v", "a")   # verbs and adjectives of 2+ characters from jieba's dictionary
BREAKING_TAGS = {"e", "l", "i", "ad", "vd"}
# Tags of proper names and unknown words: a strict head needs one of them before it.
PROPER_TAGS = ("ns", "nr", "nz", "nt", "nrt", "nrfg", "j", "eng", "x", "m")
NUMBER = re.compile(r"[0-9.%]+")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
LISTED_TAGS = ("ns", "nz", "nr", "x")
NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·\-]")
FUNCTION_CHARS = set("和与及或等的在对向把将为从至")
NUMERALS = set("一二两三四五六七八九十百千万几多")
QUANTITY = re.compile(r"[0-9.%]+|[0-9一二两三四五六七八九十百千万几多]+[大个座条项批类家所种级处片]")
NUMBERED_HEADS = {"号线", "国道", "省道", "号", "线"}
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
        """Return the tokens of `text` with offsets and part-of-speech tags: the dictionary's tag
        for known words (user words included), m for numbers, eng for latin letters, x for the
        words jieba's HMM guessed (unknown words, often names)."""
        self._pos.makesure_userdict_loaded()
        tags = self._pos.word_tag_tab
        out, pos = [], 0
        for word in self._tokenizer.cut(text, HMM=True):
            flag = tags.get(word)
            if flag is None:
                flag = "m" if NUMBER.fullmatch(word) else "eng" if LATIN.fullmatch(word) else "x"
            out.append(Token(word, flag, pos))
            pos += len(word)
        return out


@lru_cache(maxsize=4096)
def _is_generic_word(word: str) -> bool:
    return word in GENERIC_WORDS or word in HEAD_KIND or word in STOP_WORDS


def _is_count(tok: Token, rest: list[Token]) -> bool:
    """A leading number or numeral word (5, 两座, 五大) that is not glued to the head (1号线, 105国道)."""
    return bool(rest) and (tok.flag.startswith("m") or tok.word[0] in NUMERALS)


def _breaks(tok: Token, seg: Segmenter) -> bool:
    """Whether a word cannot be part of a name: punctuation, a stop word, or a function word,
    adverb, pronoun, quantity, set phrase, or a verb or adjective of two or more characters."""
    if tok.word in seg.user_words:
        return False
    if tok.word in STOP_WORDS or not all(NAME_CHAR.match(c) for c in tok.word):
        return True
    if tok.flag in BREAKING_WORD_TAGS and len(tok.word) > 1 and seg.in_dictionary(tok.word):
        return True
    return tok.flag[:1] in BREAKING_FAMILIES or tok.flag in BREAKING_TAGS or (tok.flag == "m" and len(tok.word) > 4)


def _head_at(text: str, toks: list[Token], j: int, starts: dict[int, int], seg: Segmenter) -> str | None:
    """Return the longest head word ending at the end of token j that starts at a word boundary,
    or inside a word the segmenter guessed or tagged as a proper name (湖科|创园), or is at least
    three characters long (材料科|创园), else None."""
    end = toks[j].end
    for n in HEAD_LENGTHS:
        s = end - n
        if s < 0 or text[s:end] not in HEAD_KIND:
            continue
        if s in starts or n >= 3 or _splittable(toks[_token_at(toks, s)], seg):
            return text[s:end]
    return None


def _token_at(toks: list[Token], pos: int) -> int:
    lo, hi = 0, len(toks) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if toks[mid].start <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _splittable(tok: Token, seg: Segmenter) -> bool:
    return tok.flag in PROPER_TAGS or tok.word in seg.user_words or not seg.in_dictionary(tok.word)


def _is_count(tok: Token, rest: list[Token]) -> bool:
    """A leading quantity (5, 两座, 五大) that is not glued to the head (1号线, 105国道)."""
    return bool(rest) and bool(QUANTITY.fullmatch(tok.word))


def extract_line(line: NormLine, seg: Segmenter, gaz: Gazetteer) -> list[tuple[int, int, str, bool]]:
    """Return (start, end, head, proper) for each candidate span of one line."""
    text = line.text
    if not text:
        return []
    toks = seg.tokens(text)
    starts = {t.start: i for i, t in enumerate(toks)}
    heads = [_head_at(text, toks, j, starts, seg) for j in range(len(toks))]
    found = []
    for j, tok in enumerate(toks):
        head = heads[j]
        if head is None:
            continue
        hstart = tok.end - len(head)
        # A longer head continues in the next word (产业园 + 区): end there instead.
        if j + 1 < len(toks) and heads[j + 1] and toks[j + 1].end - len(heads[j + 1]) <= hstart:
            continue
        k = _token_at(toks, hstart)
        pieces: list[Token] = []
        if toks[k].start < hstart:
            pieces.append(Token(toks[k].word[:hstart - toks[k].start], toks[k].flag, toks[k].start))
        k -= 1
        chars = sum(len(p.word) for p in pieces)
        while k >= 0 and not _breaks(toks[k], seg) and chars + len(toks[k].word) <= MAX_PREFIX_CHARS:
            t = toks[k]
            if t.flag.startswith("m") and pieces and QUANTITY.fullmatch(t.word):
                break   # a number inside a name only right before its head (1号线, 105国道)
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
        while pieces and pieces[0].word[0] in "-·":
            pieces[0] = Token(pieces[0].word[1:], pieces[0].flag, pieces[0].start + 1)
            if not pieces[0].word:
                pieces.pop(0)
        if not pieces or (all(QUANTITY.fullmatch(p.word) for p in pieces) and head not in NUMBERED_HEADS):
            continue
        prefix = "".join(p.word for p in pieces)
        proper = any(p.flag in PROPER_TAGS or p.word in seg.user_words for p in pieces)
        if not any(not _is_generic_word(p.word) for p in pieces):
            continue
        one_proper_word = len(pieces) == 1 and pieces[0].end < toks[_token_at(toks, pieces[0].start)].end and proper
        if len(prefix) < 2 and not one_proper_word:
            continue
        if head in STRICT_HEADS and not _strict_ok(prefix, head, proper, gaz):
            continue
        found.append((pieces[0].start, tok.end, head, proper))
    found += _listed_names(text, toks, found, seg, gaz)
    for m in ROAD_NUMBER_RE.finditer(text):
        found.append((m.start(), m.end(), m.group(1) or "国道", True))
    return found


def _listed_names(text: str, toks: list[Token], found: list, seg: Segmenter, gaz: Gazetteer) -> list:
    """Place names without a head word (羊狮慕, 吉州窑) listed with 、 next to a candidate with a
    head: a proper-name word of 3+ characters between enumeration commas."""
    if not found:
        return []
    spans = [(s, e) for s, e, _, _ in found]
    found = [f for f in found if f[2]]
    out = []
    for i, t in enumerate(toks):
        if len(t.word) < 3 or t.flag not in LISTED_TAGS or t.word in gaz.admin or t.word in gaz.known:
            continue
        before = toks[i - 1].word if i > 0 else ""
        after = toks[i + 1].word if i + 1 < len(toks) else ""
        if "、" not in (before, after) or any(s <= t.start < e for s, e in spans):
            continue
        near = [h for s, e, h, _ in found if abs(s - t.end) <= 1 or abs(t.start - e) <= 1]
        if near:
            out.append((t.start, t.end, near[0], True))   # the kind of its neighbour in the list
    return out


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
