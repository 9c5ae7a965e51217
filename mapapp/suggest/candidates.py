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
from .gazetteer import Gazetteer, is_generic
from .lexicon import (COMPASS, GENERIC_WORDS, HEAD_KIND, HEAD_WORDS, LINEAR_KINDS, PROJECT_WORDS, ROAD_NUMBER,
                      STOP_WORDS, STRICT_HEADS)

MAX_PREFIX_CHARS = 12
MAX_ROUTE_CHARS = 18   # a route named by its ends, with its number: S105南昌市新建区流湖至石岗段
HEAD_LENGTHS = sorted({len(h) for h in HEAD_KIND}, reverse=True)
HEAD_WORDS_TUPLE = tuple(HEAD_WORDS)
# Part-of-speech tags (jieba, ICTCLAS set) of words that cannot be part of a name.
BREAKING_FAMILIES = set("pcurdq")   # prepositions, conjunctions, particles, pronouns, adverbs, …
BREAKING_WORD_TAGS = ("v", "a")   # verbs and adjectives of 2+ characters from jieba's dictionary
BREAKING_TAGS = {"e", "i", "ad", "vd"}   # (set phrases, l, are often nouns: 生态环境研究院)
IDIOM_TAGS = ("l", "i")   # set phrases and idioms: a head word inside one does not end a name
# Tags of proper names and unknown words: a strict head needs one of them before it.
PROPER_TAGS = ("ns", "nr", "nz", "nt", "nrt", "nrfg", "j", "eng", "x", "m", "own")
# A bare level (市, 区 …) opening a name after a verb or punctuation: the plan's own unit (tagged "own").
OWN_UNITS = ("市", "省", "区", "县")
OWN_UNIT_TAG = "own"
SITE_KINDS = ("building", "tourism", "hub", "park")   # institutions and sites a city or district runs
# Tags of place and organisation names and unknown words (not person names: jieba tags many common
# words nr).
PLACE_TAGS = ("ns", "nz", "nt", "j", "x")
NUMBER = re.compile(r"[0-9.%]+")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
LISTED_TAGS = ("ns", "nz", "nr", "x")
NAME_CHAR = re.compile(r"[\u4e00-\u9fff〇A-Za-z0-9·\-]")   # (〇 is a numeral: 九〇八医院)
FUNCTION_CHARS = set("和与及或等的在对向把将为从至")
NUMERALS = set("一二两三四五六七八九十百千万几多余")
TOWN_ENDINGS = ("镇", "乡", "街道")
CHAPTER = re.compile(r"第[0-9一二三四五六七八九十百零]+[篇章节条]?|[篇章节条]")
MEASURE_CHARS = set("个座条项批类家所种处片")
QUANTITY = re.compile(r"[0-9.%]+|[0-9一二两三四五六七八九十百千万几多]+[大个座条项批类家所种级处片]")
ADJECTIVE_SUFFIXES = ("型", "性", "化", "级")
NUMBERED_HEADS = {"号线", "国道", "省道", "号", "线"}
LINKS = {"至", "-", "—", "——", "~"}   # between the two ends of a linear name
GLUED_TAGS = ("x", "nr", "ns")        # jieba's guesses that glue 至 to a place name (至麻丘, 乐至)
ACTION_TAGS = {"v", "a", "ad", "d", "an"}
ITEM_TAGS = ("ns", "nz", "nr", "nrt", "j", "x", "eng", "m")
ITEM_CHARS = 6
ITEM_SEPARATORS = {"、", "和", "及", "与"}
TABLE_OF_CONTENTS = re.compile(r"(\.{3,}|…{2,}|·{3,})\t?[0-9]+$")
SECTIONED_KINDS = LINEAR_KINDS | {"ecology"}   # things a plan takes a section of (赣江吉安段, 乌沙河望城段)
SECTION_AFTER = re.compile(r"(至[\u4e00-\u9fff]{1,5}?|[\u4e00-\u9fff]{1,4}?)?段")   # after a linear head
_PROJECT = "(?:" + "|".join(sorted(PROJECT_WORDS, key=len, reverse=True)) + ")"
PROJECT_AFTER = re.compile(f"{_PROJECT}+(?:工程|项目)|{_PROJECT}*(?:整治|治理|修复)")
# A listed project on named things ending in its work (甲湖水环境综合治理、乙河生态修复及综合整治等项目).
LISTED_PROJECT = re.compile(f"(?:{_PROJECT}[及与和]?)*(?:整治|治理|修复|保护)(?:工程|项目)?(?=[、等,，。;；]|$)")
PROJECT_CHARS = 28
# An extension of a road or line after its name: 南延, 东西延伸, 延伸, 南延至甲镇, 延至甲县.
EXTENSION = re.compile(r"(?:[东西南北]{1,2}延伸?|延伸)(?:至[\u4e00-\u9fff]{1,5}?(?=[、,，。;；(（和及与]|$))?"
                       r"|延至[\u4e00-\u9fff]{1,5}?(?=[、,，。;；(（和及与]|$)")
EXTENDED_KINDS = ("road", "metro_line", "rail_line")
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

    def __init__(self):
        """Load jieba's dictionary (user words come with add_words: the gazetteer's names)."""
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._pos = jieba.posseg.POSTokenizer(self._tokenizer)
        self.user_words: set[str] = set()
        self._bounds: dict[str, frozenset[int]] = {}

    def add_words(self, words: list[tuple[str, str]]) -> None:
        """Add (word, part-of-speech tag) pairs to the user dictionary."""
        for word, tag in words:
            self._tokenizer.add_word(word, freq=None, tag=tag)
            self.user_words.add(word)
        self._bounds.clear()

    def in_dictionary(self, word: str) -> bool:
        """Return whether jieba's dictionary (or the user words) has `word`."""
        return bool(self._tokenizer.FREQ.get(word))

    def is_common_word(self, word: str) -> bool:
        """Return whether `word` is one word of jieba's own dictionary that is not a proper name
        by its tag (档案馆, 火车站: yes; 滕王阁, tagged a name: no), and not a user word."""
        return (word not in self.user_words and self.in_dictionary(word)
                and self._pos.word_tag_tab.get(word) not in PROPER_TAGS)

    def boundaries(self, text: str) -> frozenset[int]:
        """Return the offsets in `text` where a word starts or ends (the text's segmentation is
        computed once and kept)."""
        found = self._bounds.get(text)
        if found is None:
            found = self._bounds[text] = frozenset([len(text)] + [t.start for t in self.tokens(text)])
        return found

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
        out = self._unglue_heads(text, out)
        self._bounds[text] = frozenset([pos] + [t.start for t in out])
        return out

    def _unglue_heads(self, text: str, toks: list[Token]) -> list[Token]:
        """Return the tokens with each word that glues a head word to what follows it split after
        the head (南塘|湖水|环境 -> 湖|水环境, 万安|湖等 -> 湖|等, 一级|公路工程 -> 公路|工程): where a head
        word ends inside a word and the rest of the word starts a function word, a plan verb or a
        project's work (`GLUE_WORDS`) that reaches the word's end or beyond, the name ends there."""
        out: list[Token] = []
        for t in toks:
            cut = _glued_head_end(text, t) if len(t.word) >= 2 else None
            if cut is None:
                out.append(t)
                continue
            tags = self._pos.word_tag_tab
            first, rest = t.word[:cut - t.start], t.word[cut - t.start:]
            out += [Token(first, tags.get(first, t.flag), t.start), Token(rest, tags.get(rest, "u"), cut)]
        return out


# What can follow a head word without being part of the name: a function word, a plan verb or link
# (建设, 为主, 沿线), a project's work (水环境, 工程).
GLUE_WORDS = frozenset({w for w in STOP_WORDS if len(w) >= 2} | set(PROJECT_WORDS) | set("等和及与的在为"))
GLUE_LENGTHS = sorted({len(w) for w in GLUE_WORDS})


def _glued_head_end(text: str, tok: Token) -> int | None:
    """Return the offset inside `tok` where a head word ends and a glue word (`GLUE_WORDS`) starts
    that reaches the token's end or beyond, else None."""
    for p in range(tok.start + 1, tok.end):
        if any(p + n >= tok.end and text[p:p + n] in GLUE_WORDS for n in GLUE_LENGTHS) and any(
                text[p - n:p] in HEAD_KIND for n in HEAD_LENGTHS if p - n >= 0):
            return p
    return None


@lru_cache(maxsize=4096)
def _is_generic_word(word: str) -> bool:
    """A generic modifier, head or stop word, or an adjective made with 型/性/化/级 (节水型,
    区域性, 现代化, 国家级; 型 also after one character: 米|字型, 重型): such words describe a kind of
    thing, they do not name one."""
    return (word in GENERIC_WORDS or word in HEAD_KIND or word in STOP_WORDS
            or (len(word) >= 3 and word.endswith(ADJECTIVE_SUFFIXES)) or (len(word) == 2 and word.endswith("型")))


def _is_count(tok: Token, rest: list[Token]) -> bool:
    """A leading number or numeral word (5, 两座, 五大) that is not glued to the head (1号线, 105国道)."""
    return bool(rest) and (tok.flag.startswith("m") or tok.word[0] in NUMERALS)


VERB_ENDINGS = tuple(w for w in STOP_WORDS if len(w) == 2 and w not in GENERIC_WORDS)


def _breaks(tok: Token, seg: Segmenter) -> bool:
    """Whether a word cannot be part of a name: punctuation, a stop word, or a function word,
    adverb, pronoun, quantity, set phrase, or a verb or adjective of two or more characters."""
    if tok.word in seg.user_words:
        return False
    if tok.word in STOP_WORDS or not all(NAME_CHAR.match(c) for c in tok.word):
        return True
    if tok.word in GENERIC_WORDS:
        return False   # a modifier tagged as a verb (创新) stays inside a name: 北京大学南昌创新研究院
    if len(tok.word) > 2 and tok.word.endswith(VERB_ENDINGS):
        return True    # a phrase ending in a plan verb (充分发挥, 大力发展), whatever its tag
    if tok.flag in BREAKING_WORD_TAGS and len(tok.word) > 1 and seg.in_dictionary(tok.word):
        return True
    return tok.flag[:1] in BREAKING_FAMILIES or tok.flag in BREAKING_TAGS or (tok.flag == "m" and len(tok.word) > 4)


def _head_at(text: str, toks: list[Token], j: int, starts: dict[int, int], seg: Segmenter,
             gaz: Gazetteer) -> str | None:
    """Return the longest head word ending at the end of token j that starts at a word boundary,
    or inside a word the segmenter guessed or tagged as a proper name (湖科|创园), or is at least
    three characters long (材料科|创园), or ends a dictionary compound (数据|中心 in 数据中心) that is
    not a set phrase (互联互通 names no interchange), or ends a common noun right after the name
    of an administrative unit (南昌市|档案馆, 南昌|急救中心), else None."""
    end = toks[j].end
    after_unit = j > 0 and toks[j - 1].word in gaz.admin and len(toks[j].word) > 1 and toks[j].flag in ("n", "l")
    for n in HEAD_LENGTHS:
        s = end - n
        if s < 0 or text[s:end] not in HEAD_KIND:
            continue
        if s in starts or n >= 3 or _splittable(toks[_token_at(toks, s)], seg):
            return text[s:end]
        if n >= 2 and len(toks[j].word) > n and toks[j].flag not in IDIOM_TAGS:
            return text[s:end]
        if after_unit and len(toks[j].word) > n and HEAD_KIND[text[s:end]] in SITE_KINDS:
            return text[s:end]
    return None


def _numbering(word: str) -> bool:
    """Whether `word` is a heading's or list's number ((一), (2)), not a place in parentheses."""
    return all(c in NUMERALS or c.isdigit() for c in word)


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


def extract_line(line: NormLine, seg: Segmenter, gaz: Gazetteer) -> list[tuple[int, int, str, bool, str]]:
    """Return (start, end, head, proper, name) for each candidate of one line: `name` is the span
    text[start:end], or, for a head shared by a list (望城、瑶湖、莲塘四个片区), one list item with
    the head (望城片区) while [start, end) covers the item to the head."""
    text = line.text
    if not text:
        return []
    toks = seg.tokens(text)
    starts = {t.start: i for i, t in enumerate(toks)}
    heads = [_head_at(text, toks, j, starts, seg, gaz) for j in range(len(toks))]
    found, doubtful = [], []
    for j, tok in enumerate(toks):
        head = heads[j]
        if head is None:
            continue
        hstart = tok.end - len(head)
        if text[tok.end:tok.end + 1] in ADJECTIVE_SUFFIXES:
            continue   # 基地型, 枢纽型: a head made an adjective ends no name
        # A longer head continues in the next word (产业园 + 区): end there instead.
        if j + 1 < len(toks) and heads[j + 1] and toks[j + 1].end - len(heads[j + 1]) <= hstart:
            continue
        pieces, k = _name_before(toks, hstart, head, seg)
        if hstart in starts or (not pieces and hstart - toks[_token_at(toks, hstart)].start >= 2):
            # (等大型商场: the head starts inside a word whose first part, generic, is no name)
            shared = _shared_head(toks, k, pieces, head, seg, gaz, tok.end)
            found += shared
            if pieces and head not in NUMBERED_HEADS and any(f[0] == pieces[0].start for f in shared):
                continue   # the list's last item is named with the shared head (甲县、乙县非基地型通用机场)
        if not pieces or (all(QUANTITY.fullmatch(p.word) for p in pieces) and head not in NUMBERED_HEADS):
            continue
        cut = max(_last_inner_cut(p) for p in pieces)
        if cut >= 0:   # a function word jieba glued inside (白水湖|等十余|湖, 十湖|即瑶湖): the name starts after it
            pieces = [p if p.start >= cut else Token(p.word[cut - p.start:], p.flag, cut)
                      for p in pieces if p.end > cut]
        if not pieces or all(c in NUMERALS for p in pieces for c in p.word):
            continue   # 一江, 三河: a count of things, not a name
        prefix = "".join(p.word for p in pieces)
        if head == "号线" and prefix.isdigit():
            system = _system_before(line, pieces[0].start)
            if system:   # 地铁1、2号线全线运行，3号线开通: 3号线 is the 地铁's
                found.append((pieces[0].start, tok.end, head, True, system + prefix + head))
            continue
        proper = any(p.flag in PROPER_TAGS or p.word in seg.user_words for p in pieces)
        if not any(not _is_generic_word(p.word) or p.flag == OWN_UNIT_TAG for p in pieces):
            continue
        if not proper and _counted(toks, _token_at(toks, pieces[0].start), j + 1):
            continue   # 一批革命遗址, 四大主题片区, 服务业集聚区9个: a class counted is no one thing
        if not proper and _modifies_next(toks, j + 1, seg):
            continue   # 中心城区|宝贵, 片区|人居|环境, 高铁|网: a class word modifying a noun names no thing
        one_proper_word = len(pieces) == 1 and pieces[0].end < toks[_token_at(toks, pieces[0].start)].end and proper
        if len(prefix) < 2 and not one_proper_word and pieces[0].flag != OWN_UNIT_TAG:
            continue
        if head in STRICT_HEADS and not _strict_ok(prefix, head, proper, gaz):
            doubtful.append((pieces[0].start, tok.end, head, False, text[pieces[0].start:tok.end]))
            continue
        stop = tok.end
        if HEAD_KIND.get(head, "road") in SECTIONED_KINDS:
            m = SECTION_AFTER.match(text, stop)   # G353安义绕城至靖安段: the section goes on to 靖安
            stop = m.end() if m and not FUNCTION_CHARS & set(m.group(0).removeprefix("至")) else stop
        found.append((pieces[0].start, stop, head, proper, text[pieces[0].start:stop]))
        m = PROJECT_AFTER.match(text, stop)
        if m and (m.end() == len(text) or not NAME_CHAR.match(text[m.end()]) or m.end() in starts):
            # 乌沙河望城段综合整治工程: the project on the named thing is an entity of its own
            found.append((pieces[0].start, m.end(), head, proper, text[pieces[0].start:m.end()]))
        else:
            end = _project_end(toks, stop)
            if end is not None:   # 甲片区治涝工程, 甲江干流乙段崩岸应急治理工程
                found.append((pieces[0].start, end, head, proper, text[pieces[0].start:end]))
    found += _extensions(text, found)
    found += _alongside(text, doubtful, found)
    found += _listed_names(text, toks, found, seg, gaz)
    found += _defined_items(text, toks, seg, gaz)
    found += _listed_rivers(toks, seg)
    found += _listed_projects(text, toks, seg, gaz)
    for m in ROAD_NUMBER_RE.finditer(text):
        found.append((m.start(), m.end(), m.group(1) or "国道", True, m.group(0)))
    return _outermost(found)


def _extensions(text: str, found: list) -> list:
    """Return, for each road or line candidate followed by its extension (甲大道南延至乙镇, 地铁3号线
    东延, 甲快速路延至乙县), the extension as a candidate of its own: a plan builds it as a project."""
    out = []
    for s, e, head, proper, name in found:
        if HEAD_KIND.get(head) not in EXTENDED_KINDS:
            continue
        m = EXTENSION.match(text, e)
        if m:
            out.append((s, m.end(), head, proper, name + m.group(0)))
    return out


METRO_SYSTEMS = ("轨道交通", "有轨电车", "地铁", "轻轨")


def _system_before(line: NormLine, start: int) -> str:
    """Return the rail system (地铁, 轨道交通 …) named last before `start` in its sentence, or ''."""
    s, _ = line.sentence(start, start)
    before = line.text[s:start]
    found = [(before.rfind(w), w) for w in METRO_SYSTEMS if w in before]
    return max(found)[1] if found else ""


def _place_word(tok: Token, seg: Segmenter) -> bool:
    """Whether a word is a place or organisation name, a user word, or an unknown Chinese word of
    two or more characters (玉笥; not 5G)."""
    return tok.word in seg.user_words or (tok.flag in PLACE_TAGS and (
        tok.flag != "x" or (len(tok.word) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in tok.word))))


COUNT_WORDS = frozenset(["一批", "各类", "若干", "一系列", "多个", "多家", "一些", "每个", "各个"])
COUNT_AFTER = re.compile(r"[0-9]+|[一二两三四五六七八九十百千万几多]+")


def _counted(toks: list[Token], i: int, j: int) -> bool:
    """Whether the name from token i to before token j is counted: a count stands before it, past
    generic modifiers (一批, 四大, 5 条市级, 两座), or a number and a measure word follow it (…9 个)."""
    k = i - 1
    while (k >= 0 and toks[k].word not in COUNT_WORDS and toks[k].word not in STOP_WORDS
           and _is_generic_word(toks[k].word)):
        k -= 1
    if k >= 0 and (toks[k].word in COUNT_WORDS or (QUANTITY.fullmatch(toks[k].word) and not NUMBER.fullmatch(
            toks[k].word)) or (toks[k].word in MEASURE_CHARS and k > 0 and COUNT_AFTER.fullmatch(toks[k - 1].word))):
        return True
    return (j + 1 < len(toks) and COUNT_AFTER.fullmatch(toks[j].word) is not None
            and toks[j + 1].word[:1] in MEASURE_CHARS)


def _modifies_next(toks: list[Token], j: int, seg: Segmenter) -> bool:
    """Whether token j is a common noun of jieba's dictionary (经济, 资源, 环境, 布局) that the words
    before it modify: no proper name, head word, stop word or number."""
    if j >= len(toks):
        return False
    t = toks[j]
    return (t.flag in ("n", "ng") and t.word not in seg.user_words and t.word not in HEAD_KIND
            and t.word not in STOP_WORDS and t.word not in GENERIC_WORDS and seg.in_dictionary(t.word))


def _adjective_name(toks: list[Token], k: int, pieces: list[Token], head_word_start: int, seg: Segmenter) -> bool:
    """Whether token k, a two-character dictionary adjective (幸福, 平安, 欣悦), is the name of the
    thing whose head follows: it stands right before the head's word (幸福|水库, 平安|金融中心) or
    before one character of it (欣悦|湖|片区), as the object of a verb (推进幸福水库). Not a generic
    modifier (美丽, 重要), and not at a clause's start or after a list's comma, where an adjective is
    a verb (畅通物流通道) or a title (平安医院, 幸福城区 in a list of campaigns)."""
    tok = toks[k]
    if tok.flag != "a" or len(tok.word) != 2 or tok.word in GENERIC_WORDS or tok.word in STOP_WORDS:
        return False
    right_before = tok.end == head_word_start or (len(pieces) == 1 and len(pieces[0].word) == 1)
    before = toks[k - 1] if k > 0 else None
    return (right_before and before is not None and before.flag in ("v", "vn") and len(before.word) >= 2
            and seg.in_dictionary(tok.word))


def _inner_verb(tok: Token, seg: Segmenter) -> bool:
    """Whether a word that breaks a name is a two-character dictionary verb that can stand inside
    one after a proper name (江西飞行学院, 甲市检验中心): not a plan verb (`STOP_WORDS`)."""
    return (tok.flag in ("v", "vn") and len(tok.word) == 2 and tok.word not in STOP_WORDS
            and not tok.word.endswith(VERB_ENDINGS) and seg.in_dictionary(tok.word))


def _name_before(toks: list[Token], hstart: int, head: str, seg: Segmenter) -> tuple[list[Token], int]:
    """Return the words of the name before a head starting at `hstart` (leading generic words,
    counts, verbs and links taken off) and the index of the token where the name stopped."""
    linear = HEAD_KIND.get(head, "road") in LINEAR_KINDS
    k = _token_at(toks, hstart)
    head_word_start = toks[k].start
    pieces: list[Token] = []
    end = _route_end(toks, hstart) if linear else None
    if end is not None:
        # 饭下屯 in S101乐化至饭下屯一级公路: the far end is a place name, whatever the segmenter
        # made of it; read on leftwards from the link.
        link_at, link = end
        pieces = [Token(_text(toks)[link_at + len(link):hstart], "ns", link_at + len(link)),
                  Token(link, "p", link_at)]
        k = _token_at(toks, link_at)
        if toks[k].start < link_at:   # a link glued to the word before it (乐至)
            pieces.append(Token(toks[k].word[:link_at - toks[k].start], toks[k].flag, toks[k].start))
    elif toks[k].start < hstart:
        pieces.append(Token(toks[k].word[:hstart - toks[k].start], toks[k].flag, toks[k].start))
    k -= 1
    chars = sum(len(p.word) for p in pieces)
    longest = MAX_ROUTE_CHARS if linear else MAX_PREFIX_CHARS
    verb: tuple[int, int] | None = None
    while k >= 0 and chars + len(toks[k].word) <= longest:
        t = toks[k]
        # A linear thing is named by its ends (信丰至南雄高速公路, G316向塘至麻丘绕城段, 南昌-安义).
        if linear and pieces and (t.word in LINKS or t.word == "段" or ("至" in t.word and t.flag in GLUED_TAGS)):
            pieces.append(t)
            chars += len(t.word)
            k -= 1
            continue
        # A place in parentheses inside a name: 中国(南昌)数字经济港, 中科生态修复(江西)创新研究院.
        if t.word == ")" and k >= 2 and toks[k - 2].word == "(" and not _numbering(toks[k - 1].word) and (
                toks[k - 1].flag in PROPER_TAGS or toks[k - 1].word in seg.user_words):
            pieces += [t, toks[k - 1], toks[k - 2]]
            chars += len(toks[k - 1].word) + 2
            k -= 3
            continue
        if t.word in OWN_UNITS and HEAD_KIND.get(head) in SITE_KINDS and (pieces or head not in STRICT_HEADS) and (
                not pieces or pieces[-1].word[0] not in "省市区县乡镇村") and (
                k == 0 or _breaks(toks[k - 1], seg) or toks[k - 1].flag in ("v", "vn")):
            # 市第三人民医院, 区文化馆: the plan's own city or district opens the name
            pieces.append(Token(t.word, OWN_UNIT_TAG, t.start))
            k -= 1
            break
        volts = _voltage_at(toks, k)
        if volts and HEAD_KIND.get(head) == "energy":   # 吉安南500千伏|输变电工程, 南昌±800千伏|换流站
            pieces += reversed(toks[volts:k + 1])
            chars += sum(len(w.word) for w in toks[volts:k + 1])
            k = volts - 1
            continue
        if _breaks(t, seg):
            if _adjective_name(toks, k, pieces, head_word_start, seg):
                pieces.append(Token(t.word, "nz", t.start))   # 幸福|水库, 平安|金融中心: a name made of an adjective
                k -= 1
                break
            if verb is None and _inner_verb(t, seg):
                verb = (len(pieces), k)   # 江西|飞行|学院: kept only if a proper name comes before it
                pieces.append(t)
                chars += len(t.word)
                k -= 1
                continue
            break
        if t.flag.startswith("m") and QUANTITY.fullmatch(t.word) and (pieces or head not in NUMBERED_HEADS):
            break   # a number inside a name only right before its head (1号线, 105国道)
        if t.word[0] in FUNCTION_CHARS and len(t.word) > 1 and not seg.in_dictionary(t.word):
            # jieba's HMM glues a conjunction to the next name (和富滩): cut it off, stop.
            pieces.append(Token(t.word[1:], t.flag, t.start + 1))
            break
        pieces.append(t)
        chars += len(t.word)
        k -= 1
    if verb is not None and not any(_place_word(p, seg) for p in pieces[verb[0] + 1:]):
        pieces, k = pieces[:verb[0]], verb[1]
    pieces.reverse()
    if pieces and k >= 0 and NUMBER.fullmatch(toks[k].word) and pieces[0].word[0] in MEASURE_CHARS:
        # the measure word of a count glued to the name (14 条省|道): 条 is no part of it
        pieces[0] = Token(pieces[0].word[1:], pieces[0].flag, pieces[0].start + 1)
        if not pieces[0].word:
            pieces.pop(0)
    while pieces and pieces[0].word not in seg.user_words and pieces[0].flag != OWN_UNIT_TAG and (
            _is_generic_word(pieces[0].word) or _is_count(pieces[0], pieces[1:]) or _is_action(pieces, seg)
            or pieces[0].word in LINKS or pieces[0].word == "段" or pieces[0].word in VOLTAGE_UNITS):
        pieces.pop(0)
    while pieces and CHAPTER.fullmatch(pieces[0].word):
        pieces.pop(0)   # 第五章 公路: a heading's number is no part of a name
    while pieces and pieces[0].word[0] in "-·至()":
        pieces[0] = Token(pieces[0].word[1:], pieces[0].flag, pieces[0].start + 1)
        if not pieces[0].word:
            pieces.pop(0)
    return pieces, k


VOLTAGE_UNITS = ("千伏", "kV", "kv", "KV")


def _voltage_at(toks: list[Token], k: int) -> int | None:
    """Return the index of the first token of a voltage ending at token k (500千伏, ±800千伏,
    500kV), else None: a grid project's name holds its voltage."""
    if k < 1 or toks[k].word not in VOLTAGE_UNITS or not NUMBER.fullmatch(toks[k - 1].word):
        return None
    return k - 2 if k >= 2 and toks[k - 2].word == "±" else k - 1


ROUTE_END = re.compile(r"(至|—|-)([\u4e00-\u9fff]{1,5}?)$")


def _text(toks: list[Token]) -> str:
    return "".join(t.word for t in toks)


def _route_end(toks: list[Token], hstart: int) -> tuple[int, str] | None:
    """Return (offset, link) of the link (至, -) before the far end of a route named by its ends,
    when one to five Chinese characters stand between the link and the head, else None."""
    text = _text(toks)
    m = ROUTE_END.search(text, max(0, hstart - 6), hstart)
    if m is None or any(c in FUNCTION_CHARS for c in m.group(2)):
        return None
    return m.start(1), m.group(1)


def _is_action(pieces: list[Token], seg: Segmenter) -> bool:
    """Whether the first word is a dictionary verb, adjective or adverb that opens a phrase
    (提质|老城区), or a verbal noun before a proper name (研究分析|长江): it does not begin a name
    (a verbal noun before a common word may: 贸易集聚区)."""
    tok = pieces[0]
    if len(tok.word) < 2 or not seg.in_dictionary(tok.word):
        return False
    if tok.flag == "vn":
        return len(pieces) > 1 and (pieces[1].flag in PROPER_TAGS or pieces[1].word in seg.user_words)
    return tok.flag in ACTION_TAGS


def _list_item(toks: list[Token], k: int, seg: Segmenter, gaz: Gazetteer) -> tuple[int, str] | None:
    """Return (start index, text) of the list item that ends at token k: one proper-name word
    (or an administrative unit or number) of at most ITEM_CHARS characters, else None."""
    if k < 0:
        return None
    t = toks[k]
    ok = (t.flag in ITEM_TAGS or t.word in seg.user_words or t.word in gaz.admin) and len(t.word) <= ITEM_CHARS
    if not ok or t.word in STOP_WORDS or _is_generic_word(t.word):
        return None
    if t.word.endswith(TOWN_ENDINGS) or any(t.word.endswith(h) for h in HEAD_KIND if len(h) >= 2):
        return None   # a whole name already (峡江灌区, 三江镇), not an item waiting for the head
    # 南昌-安义: two names joined by a link are one item.
    if k >= 2 and toks[k - 1].word in LINKS and (toks[k - 2].flag in ITEM_TAGS or toks[k - 2].word in gaz.admin):
        return k - 2, toks[k - 2].word + toks[k - 1].word + t.word
    return k, t.word


def _shared_head(toks: list[Token], k: int, pieces: list[Token], head: str, seg: Segmenter, gaz: Gazetteer,
                 end: int) -> list[tuple[int, int, str, bool, str]]:
    """Return one candidate per item of a list that shares its head: 望城、瑶湖、莲塘四个片区 (the
    list ends in 等 or a count before the head), 城北、城西、城东组团 (short bare names,
    `_listed_chunks`), 安义县、进贤县通用机场 or 地铁1、2号线 (the head and the words before it
    follow the last item, a unit or a number)."""
    full = None
    if pieces:
        # The last item is the first word of the name; the rest is shared (进贤县|妇幼保健大楼).
        n0 = _token_at(toks, pieces[0].start)
        linked = n0 + 2 < len(toks) and toks[n0 + 1].word in LINKS and toks[n0 + 2].end <= pieces[-1].end
        last = _list_item(toks, n0 + 2 if linked else n0, seg, gaz)
        if k < 0 or toks[k].word not in ITEM_SEPARATORS:
            return []
        chunks = _listed_chunks(toks, k, n0, pieces, head, seg, gaz, end)
        if chunks:
            return chunks
        if last is None or toks[last[0]].start != pieces[0].start or not (
                linked or last[1] in gaz.admin or last[1].isdigit()):
            return []
        rest = "".join(p.word for p in pieces)[len(last[1]):]
        if rest.endswith(ADJECTIVE_SUFFIXES):
            rest = ""   # 甲县、乙县非基地型通用机场: the class's description is no part of each name
        items, i = [last], k
        full = _full_unit_name(last[1], gaz)
    else:
        i, rest = k, ""
        while i >= 0 and (toks[i].word in ("等", "等等") or QUANTITY.fullmatch(toks[i].word)) and i > k - 2:
            i -= 1
            if toks[i + 1].word in ("等", "等等"):
                break   # (华润万家等: a count stands after 等, not before it)
        if i == k:
            return []
        etc = any(toks[x].word in ("等", "等等") for x in range(i + 1, k + 1))
        chunks = _etc_chunks(toks, i, k, head, seg, gaz, end, etc)
        if chunks:
            return chunks
        last = _list_item(toks, i, seg, gaz)
        if last is None:
            return []
        items, i = [last], last[0] - 1
    while i >= 0 and toks[i].word in ITEM_SEPARATORS:
        item = _list_item(toks, i - 1, seg, gaz)
        if item is None:
            break
        if item[1].isdigit() != items[0][1].isdigit():
            break   # 甲镇、地铁7号线: a name and a number are not items of one list
        if pieces and full is not None and _full_unit_name(item[1], gaz) not in (full, None):
            return []   # 吉州区、青原区、井冈山经开区: a full unit name and a short one are not parallel
        items.append(item)
        i = item[0] - 1
    if len(items) < 2:
        return []
    shared_before = ""
    if head in NUMBERED_HEADS and all(it[1].isdigit() for it in items) and i >= 0 and toks[i].word in HEAD_KIND:
        shared_before = toks[i].word     # 地铁1、2号线: 地铁 belongs to every item
    out = []
    for start_index, word in items:
        name = shared_before + word + rest + head
        if is_generic(name):
            continue
        out.append((toks[start_index].start, end, head, True, name))
    return out


def _etc_chunks(toks: list[Token], i: int, k: int, head: str, seg: Segmenter, gaz: Gazetteer, end: int,
                etc: bool) -> list[tuple[int, int, str, bool, str]]:
    """Return one candidate per item of a list ending at token i before 等 (a count, class
    modifiers from token k on) and a shared head: 甲县南溪、乙县铁岭、丙山下坪等一批大中型水库 gives 甲县南溪水库 …;
    one item is enough before 等 (白鹭湖等国家湿地公园). Items are runs of name words (`_list_chunk`);
    an item that ends in the head already is a name of its own, and ends the list."""
    kind = HEAD_KIND.get(head)
    items: list[tuple[int, str]] = []
    while i >= 0:
        chunk, j = _list_chunk(toks, i, seg, gaz)
        own = chunk and next((h for h in HEAD_WORDS if chunk[1].endswith(h)), None)
        if chunk is None or chunk[1] in gaz.admin or chunk[1].endswith(TOWN_ENDINGS) or (
                own and (own == head or HEAD_KIND[own] != kind)):
            if items:
                return []   # 路网、水网、湖泊等: the items before are not names, so neither is this one
            break
        items.append(chunk)
        if j < 0 or toks[j].word not in ITEM_SEPARATORS:
            break
        i = j - 1
    if len(items) < (1 if etc else 2):
        return []
    # The class words before the head belong to each name (等历史文化街区), the size or rank does not
    # (等一批大中型水库).
    between = [t for t in toks[k + 1:] if t.end <= end - len(head)]
    rest = "".join(t.word for t in between if not (_is_count(t, [t]) or t.word in STOP_WORDS or t.word.endswith(
        ("型", "级")) or (len(t.word) >= 3 and t.word.endswith(ADJECTIVE_SUFFIXES))))
    return [(toks[n].start, end, head, True, word + rest + head) for n, word in items
            if not is_generic(word + rest + head)]


def _full_unit_name(word: str, gaz: Gazetteer) -> bool | None:
    """Return whether `word` is a unit's full name (吉州区) or its short form (吉州); None when it
    names no unit."""
    unit = gaz.admin.get(word)
    return None if unit is None else word == unit.name


def _listed_chunks(toks: list[Token], k: int, n0: int, pieces: list[Token], head: str, seg: Segmenter,
                   gaz: Gazetteer, end: int) -> list[tuple[int, int, str, bool, str]]:
    """Return one candidate per item of a list of short bare names before a shared head (城北、
    城西、城东组团; 石溪头、青原天玉、峡江王家货运码头): the last item is the name before the head
    without its trailing generic words (货运 in 峡江王家货运码头, shared by every item); each item
    before it is a run of at most ITEM_CHARS characters of name words between list separators,
    three characters long or with a proper name or an unknown word in it. Nothing when an item is
    longer or has its own head word (a list of whole names: 峡江灌区、吉水工业园)."""
    j = len(pieces)
    while j > 1 and _is_generic_word(pieces[j - 1].word):
        j -= 1
    volts = _voltage_at(pieces[:j], j - 1)
    if volts:   # 吉安东、吉安南500千伏输变电工程: the voltage is shared too
        j = volts
    last = "".join(p.word for p in pieces[:j])
    rest = "".join(p.word for p in pieces[j:])
    if len(last) > ITEM_CHARS or last.isdigit() or last.endswith(head) or not _item_like(pieces[:j], seg, gaz):
        return []   # (numbered items, 地铁1、2号线, share the words before them too: `_shared_head`)
    items, i = [(n0, last)], k
    while i >= 0 and toks[i].word in ITEM_SEPARATORS:
        chunk, i = _list_chunk(toks, i - 1, seg, gaz)
        own = chunk and next((h for h in HEAD_WORDS if chunk[1].endswith(h)), None)
        if chunk is None or (own and HEAD_KIND[own] == HEAD_KIND[head]):
            break   # (瑶湖、青山湖、象湖等十余湖, 甲江、乙湖: items with a head of the kind are names of their own)
        items.append(chunk)
    if len(items) < 2 or len({_full_unit_name(w, gaz) for _, w in items} - {None}) > 1:
        return []   # (吉州区、青原区、井冈山经开区: a full unit name and a short one are not parallel)
    return [(toks[n].start, end, head, True, word + rest + head) for n, word in items
            if not is_generic(word + rest + head)]


def _item_like(words: list[Token], seg: Segmenter, gaz: Gazetteer) -> bool:
    text = "".join(w.word for w in words)
    if not words or all(_is_generic_word(w.word) for w in words) or any(
            text.endswith(h) for h in HEAD_KIND if len(h) >= 2):
        return False
    return len(text) >= 3 or any(w.flag in ITEM_TAGS or w.word in seg.user_words or w.word in gaz.admin
                                 or not seg.in_dictionary(w.word) for w in words)


def _list_chunk(toks: list[Token], j: int, seg: Segmenter, gaz: Gazetteer) -> tuple[tuple[int, str] | None, int]:
    """Return ((start index, text), index before it) of the list item ending at token j: name
    words back to a separator or a word that breaks a name, at most ITEM_CHARS characters, without
    leading generic words; (None, j) when there is none."""
    words: list[Token] = []
    i = j
    while i >= 0 and toks[i].word not in ITEM_SEPARATORS and not _breaks(toks[i], seg):
        if sum(len(w.word) for w in words) + len(toks[i].word) > ITEM_CHARS:
            return None, j
        words.insert(0, toks[i])
        i -= 1
    while words and (_is_generic_word(words[0].word) or _is_action(words, seg)):
        words.pop(0)
    if not _item_like(words, seg, gaz):
        return None, j
    return (_token_at(toks, words[0].start), "".join(w.word for w in words)), i


def _outermost(found: list) -> list:
    """Drop a candidate whose span lies inside another's and starts with it (花桥 in 花桥水利枢纽,
    G316 in G316向塘至麻丘绕城段, 九江 in 九江湖口银砂湾综合码头): the longer name is the entity."""
    spans = [(s, e, name) for s, e, _, _, name in found if e - s == len(name)]
    out = []
    for f in found:
        s, e, _, _, name = f
        contiguous = e - s == len(name)
        inside = contiguous and any(s2 == s and e2 > e and not _project_on(name, name2)
                                    for s2, e2, name2 in spans)
        if not inside:
            out.append(f)
    return out


PROJECT_ENDS = ("工程", "项目")
PROJECT_INNER = frozenset(PROJECT_WORDS) | {"与", "和", "及"}
FREE_PROJECT_CHARS = 14


def _project_end(toks: list[Token], stop: int) -> int | None:
    """Return the end of a project named after a thing (甲片区|治涝|工程, 甲江|干流|乙段|崩岸|应急|
    治理|工程): the words from `stop` to the first 工程/项目 within FREE_PROJECT_CHARS characters,
    none of them punctuation, a function word or a plan verb (the project's own work words, 治理,
    提升, 修复 …, and 与/和/及 may stand inside), at least one of them before 工程; else None."""
    k = _token_at(toks, stop)
    if k >= len(toks) or toks[k].start != stop:
        return None
    chars = 0
    for t in toks[k:]:
        if t.word in PROJECT_ENDS:
            return t.end if chars else None
        chars += len(t.word)
        if chars > FREE_PROJECT_CHARS or t.word in HEAD_KIND or (t.word not in PROJECT_INNER and (
                t.word in STOP_WORDS or not all(NAME_CHAR.match(c) for c in t.word) or t.flag[:1] in "pcurdq")):
            return None
    return None


def _project_on(name: str, longer: str) -> bool:
    """Whether `longer` is a project carried out on the thing `name` names (甲湖 + 水环境综合治理,
    甲河 + 综合整治工程): the place a project works on is an entity of its own."""
    rest = longer[len(name):]
    return name.endswith(HEAD_WORDS_TUPLE) and bool(PROJECT_AFTER.fullmatch(rest) or LISTED_PROJECT.fullmatch(rest)
                                                    or rest.endswith(PROJECT_ENDS))


INNER_CUTS = "等即的"


def _last_inner_cut(tok: Token) -> int:
    """Return the offset just after the last of 等/即/的 inside the token, or -1."""
    i = max(tok.word.rfind(c) for c in INNER_CUTS)
    return tok.start + i + 1 if i >= 0 else -1


def _alongside(text: str, doubtful: list, found: list) -> list:
    """Return the names with a common head but no proper name (玉带河, 运通汽配市场) that stand in a
    list (、) right next to a name with the same head that has one, or next to such a name taken
    already (抚河、玉带河; 运通汽配市场、京东花鸟大市场): the list is one of rivers or markets, and
    its items are names."""
    out: list = []
    sure = [f for f in found if f[3] and f[1] - f[0] == len(f[4])]
    waiting = list(doubtful)
    while True:   # the list is read item by item: an item taken makes its neighbour a list item too
        taken = [c for c in waiting if any(h2 == c[2] and (text[c[1]:s2] == "、" or text[e2:c[0]] == "、")
                                           for s2, e2, h2, _, _ in sure + out)]
        if not taken:
            return out
        out += taken
        waiting = [c for c in waiting if c not in taken]


def _listed_names(text: str, toks: list[Token], found: list, seg: Segmenter, gaz: Gazetteer) -> list:
    """Place names without a head word (羊狮慕, 吉州窑) listed with 、 next to a candidate with a
    head: a proper-name word of 3+ characters between enumeration commas."""
    if not found:
        return []
    spans = [(s, e) for s, e, _, _, _ in found]
    found = [f for f in found if f[2]]
    out = []
    for i, t in enumerate(toks):
        if (len(t.word) < 3 or t.flag not in LISTED_TAGS or t.word in gaz.admin or t.word in gaz.known
                or any(c in INNER_CUTS for c in t.word)):
            continue
        before = toks[i - 1].word if i > 0 else ""
        after = toks[i + 1].word if i + 1 < len(toks) else ""
        if "、" not in (before, after) or any(s <= t.start < e for s, e in spans):
            continue
        near = [h for s, e, h, _, _ in found if abs(s - t.end) <= 1 or abs(t.start - e) <= 1]
        if near:
            out.append((t.start, t.end, near[0], True, t.word))   # the kind of its neighbour in the list
    return out


# A numbered structure phrase and its definition: “两核”即…, 四区指…, 十湖即… (the items after 即/指 name
# the cores, zones or lakes the phrase counts).
DEFINITION = re.compile(r"(?:“([一二两三四五六七八九十百0-9]+[\u4e00-\u9fff]{1,3})”|(?<![\u4e00-\u9fff])"
                        r"([一二两三四五六七八九十百]+[\u4e00-\u9fff]{1,2}))[:：]?(?:即|是指|指)")
DEFINITION_END = re.compile(r"[;；。,，:：]")
DEFINED_CHARS = 14
# The kind a structure phrase's counted noun suggests when an item ends in no head word.
STRUCTURE_KIND = {"核": "zone", "区": "zone", "心": "zone", "片": "zone", "块": "zone", "翼": "zone", "极": "zone",
                  "圈": "zone", "峰": "building", "轴": "corridor", "廊": "corridor", "带": "corridor", "屏": "ecology",
                  "园": "park"}
PROJECT_HEAD = "治理"   # the head recorded for a listed project (…水环境综合治理, …生态修复)
HEADLESS_KIND = {**STRUCTURE_KIND, PROJECT_HEAD: "water"}   # kinds of candidates that end in no head word


def _defined_items(text: str, toks: list[Token], seg: Segmenter, gaz: Gazetteer) -> list:
    """Return the items a numbered structure phrase is defined as (“两核”即高铁产业核和新城综合服务核；
    四园指…、…): each item between 、/和/及/与 up to the end of the clause, when it is a name
    (at most DEFINED_CHARS characters, no verb or particle opening it, no 的, no count) that ends
    in a head word or in the phrase's counted noun (核 of 两核), or is a short run of name words."""
    out = []
    for m in DEFINITION.finditer(text):
        noun = (m.group(1) or m.group(2))[-1]
        if noun not in STRUCTURE_KIND and noun not in HEAD_KIND:
            continue   # 四图, 七改, 三网: the phrase counts things that are not places
        stop = DEFINITION_END.search(text, m.end())
        body_end = stop.start() if stop else len(text)
        k = _token_at(toks, m.end())
        item: list[Token] = []
        while True:
            t = toks[k] if k < len(toks) and toks[k].start < body_end else None
            if t is not None and (t.start < m.end() or t.end > body_end):   # a word glued across the bounds
                t = Token(text[max(t.start, m.end()):min(t.end, body_end)], t.flag, max(t.start, m.end()))
            if t is not None and "等" in t.word[1:]:   # 白水湖|等十余|湖: the list ends at 等
                item.append(Token(t.word[:t.word.index("等")], t.flag, t.start))
                t = Token("等", "u", t.start + t.word.index("等"))
            if t is None or t.word in ITEM_SEPARATORS or t.word == "等":
                found = _defined_item(item, noun, seg, gaz)
                if found:
                    out.append(found)
                item = []
                if t is None or t.word == "等":
                    break
            else:
                item.append(t)
            k += 1
    return out


RIVER_ENDINGS = ("江", "河", "水")


def _listed_rivers(toks: list[Token], seg: Segmenter) -> list:
    """Return the rivers named X水 (禾水, 泸水: 水 is a river in the south's names) that stand in a list
    (、/和/及/与) next to a river: a two-character word ending in 水 that jieba guessed or tags as a
    place (not a common word: 山水, 江水), whose neighbouring item holds a river's name (a word ending in
    江/河/水 that is not a common word, or a proper name and 江/河/水: 桃溪|江)."""
    out = []
    for i, t in enumerate(toks):
        if len(t.word) != 2 or t.word[1] != "水" or t.flag not in ("x", "ns", "nz") or seg.is_common_word(t.word):
            continue
        near = []
        if i > 0 and toks[i - 1].word in ITEM_SEPARATORS:
            near += _item_words(toks, i - 2, -1)
        if i + 1 < len(toks) and toks[i + 1].word in ITEM_SEPARATORS:
            near += _item_words(toks, i + 2, 1)
        near.sort(key=lambda w: w.start)
        if any((len(w.word) >= 2 and w.word.endswith(RIVER_ENDINGS) and not seg.is_common_word(w.word)) or (
                w.word in RIVER_ENDINGS and n > 0 and near[n - 1].flag in PROPER_TAGS) for n, w in enumerate(near)):
            out.append((t.start, t.end, "河", True, t.word))
    return out


def _item_words(toks: list[Token], i: int, step: int) -> list[Token]:
    """Return the words of the list item from token i on in direction `step` (-1 or 1), up to a list
    separator or punctuation, at most four words."""
    out = []
    while 0 <= i < len(toks) and len(out) < 4 and toks[i].word not in ITEM_SEPARATORS and all(
            NAME_CHAR.match(c) for c in toks[i].word):
        out.append(toks[i])
        i += step
    return out


def _defined_item(words: list[Token], noun: str, seg: Segmenter, gaz: Gazetteer) -> tuple | None:
    """Return the candidate tuple of one item of a definition (see `_defined_items`), or None."""
    name = "".join(w.word for w in words)
    if not words or len(name) > DEFINED_CHARS or len(name) < 2 or name in gaz.admin:
        return None
    if any(w.word in ("的", "为") or QUANTITY.fullmatch(w.word) or not all(NAME_CHAR.match(c) for c in w.word)
           for w in words) or _is_action(words, seg) or (words[0].word in STOP_WORDS and words[0].flag != "ns"):
        return None
    head = next((h for h in HEAD_WORDS if name.endswith(h) and len(name) > len(h)), None)
    if head is None:
        short_name = len(name) <= 5 and not any(_breaks(w, seg) for w in words) and any(
            not _is_generic_word(w.word) for w in words)
        if not short_name and not (name.endswith(noun) and noun in STRUCTURE_KIND):
            return None
        head = noun
    if name in HEAD_KIND or all(w.flag == "f" for w in words):
        return None
    return (words[0].start, words[-1].end, head, True, name)


def _listed_projects(text: str, toks: list[Token], seg: Segmenter, gaz: Gazetteer) -> list:
    """Return the projects on named things listed with 、 (甲湖水环境综合治理、乙县丙河生态修复及综合
    整治等项目): an item of at most PROJECT_CHARS characters from a list separator, a clause's
    start or a plan verb to its work words (`LISTED_PROJECT`), whose object holds a place (an
    administrative unit, a proper name or a known name) and a head word or a unit, with no 的 and
    no verb opening it; 和/及 and parenthesised sections (甲江(乙段、丙段)) stay inside."""
    out = []
    for m in LISTED_PROJECT.finditer(text):
        after = text[m.end():m.end() + 1]
        k = _token_at(toks, m.start())
        depth, i, words = 0, k - 1, []
        if toks[k].start < m.start():   # 君山|湖水|环境: the work words start inside a word
            words.append(Token(toks[k].word[:m.start() - toks[k].start], toks[k].flag, toks[k].start))
        while i >= 0:
            t = toks[i]
            depth += (t.word == ")") - (t.word == "(")
            if depth == 0 and (t.word == "、" or not all(NAME_CHAR.match(c) or c in "()" for c in t.word)
                               or (t.word in STOP_WORDS and t.word not in ("和", "及", "与"))
                               or (t.flag in BREAKING_WORD_TAGS and len(t.word) > 1 and seg.in_dictionary(t.word)
                                   and t.word not in seg.user_words)):
                break
            words.insert(0, t)
            i -= 1
        listed = (i >= 0 and toks[i].word == "、") or after in ("、", "等")
        if not words or not listed or depth != 0 or m.end() - words[0].start > PROJECT_CHARS:
            continue
        first = words[0]
        placed = [w for w in words if w.word in gaz.admin or w.word in seg.user_words or w.flag in ("ns", "nz")]
        headed = any(w.word.endswith(h) for w in words for h in HEAD_KIND) or any(w.word in gaz.admin for w in words)
        if not placed or not headed or not (first in placed or first.flag in PROPER_TAGS):
            continue
        out.append((first.start, m.end(), PROJECT_HEAD, True, text[first.start:m.end()]))
    return out


def _strict_ok(prefix: str, head: str, proper: bool, gaz: Gazetteer) -> bool:
    """A common head (站, 路, 江 …) counts only after a proper name; 站 only after a known
    station or a compass word (南昌西站)."""
    if head == "站":
        return prefix in gaz.stations or (prefix.endswith(COMPASS) and proper)
    return proper


def extract_candidates(lines: list[NormLine], seg: Segmenter, gaz: Gazetteer, progress=None) -> list[Candidate]:
    """Return the candidates of the document (one per normalised name), in order of first
    occurrence; lines of a table of contents (a heading, dots, a page number) are not read.
    `progress(done, total)` is called as lines are processed."""
    by_name: dict[str, Candidate] = {}
    total = sum(len(line.text) for line in lines) or 1
    done = 0
    for line in lines:
        if TABLE_OF_CONTENTS.search(line.text):
            done += len(line.text)
            continue   # a contents entry repeats a heading of the body (…………47)
        for start, end, head, proper, name in extract_line(line, seg, gaz):
            cand = by_name.get(name)
            if cand is None:
                kind = HEAD_KIND.get(head) or HEADLESS_KIND.get(head, "road")
                cand = by_name[name] = Candidate(name, kind, head)
            cand.proper = cand.proper or proper
            cand.occurrences.append(Occurrence(line, start, end))
        done += len(line.text)
        if progress:
            progress(done, total)
    return list(by_name.values())
