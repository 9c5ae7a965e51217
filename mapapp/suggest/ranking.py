"""Ranking candidates: a score in [0, 1] from generic evidence (a proper name before the head, a
specific head word, how many lines name it, a location clue, status words around it)."""
from __future__ import annotations

import math
from collections import Counter

from .candidates import Candidate
from .geometry import Suggestion
from .lexicon import STATUS_WORDS, STRICT_HEADS

STATUS_BY_LENGTH = sorted(STATUS_WORDS, key=len, reverse=True)
# How specific the place clue is: a station, a record or a unit in the name itself, or a unit in the
# candidate's own clause, says more than one read further away; the plan's region alone says least.
CLUE_WEIGHT = {"station": 0.1, "record": 0.1, "name": 0.1, "prefix": 0.1, "clause": 0.1, "neighbour": 0.05,
               "sentence": 0.05, "paragraph": 0.05, "section": 0.05}


def status_words(cand: Candidate) -> list[str]:
    """Return the status words in the sentences naming `cand`, most frequent first."""
    counts: Counter[str] = Counter()
    for occ in cand.occurrences:
        s, e = occ.line.sentence(occ.start, occ.end)
        text = occ.line.text[s:occ.start] + "|" + occ.line.text[occ.end:e]
        seen = set()
        for word in STATUS_BY_LENGTH:
            if word in text and not any(word in w for w in seen):
                seen.add(word)
        counts.update(seen)
    return [w for w, _ in counts.most_common()]


def guess_status(words: list[str]) -> str:
    """Return the status the most frequent status word suggests ('planned' without any)."""
    return STATUS_WORDS[words[0]] if words else "planned"


def score(cand: Candidate, suggestion: Suggestion, words: list[str]) -> float:
    """Return the candidate's score (higher is more likely a map-worthy entity)."""
    s = 0.3
    s += 0.2 if cand.proper else 0.0
    s += 0.15 if cand.head not in STRICT_HEADS else 0.0
    s += 0.15 * min(1.0, math.log2(1 + len(cand.lines)) / 3)
    s += CLUE_WEIGHT.get(suggestion.clue, 0.0)
    s += 0.05 if words else 0.0
    s += 0.05 if len(cand.name) >= 4 else 0.0
    return round(min(s, 0.99), 2)
