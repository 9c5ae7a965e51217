"""Typed fields of the annotation format: each checker returns the clean value or raises FieldError.

One set of checkers for record fields, geometry spec fields and registry files, so "a name",
"a number of metres" or "a list of names" means the same everywhere.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Checker = Callable[[Any], Any]

# Bidirectional embeddings, overrides and isolates: they reorder how text is shown (spoofing).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class FieldError(ValueError):
    """A field value has the wrong type or is out of range; the message says what is expected."""


@dataclass(frozen=True)
class Field:
    """One field of a mapping in the annotation format: its checker and whether it is required."""

    check: Checker
    required: bool = False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(max_chars: int = 300, allow: str = "") -> Checker:
    """Return a checker for non-blank text (a YAML number is read as its digits): no control
    characters but those in `allow` ("\t", "\n"), no bidirectional overrides, at most `max_chars`."""
    def check(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise FieldError(f"must be text, got {_shown(value)}")
        if isinstance(value, int) and abs(value) >= 10 ** 30:
            raise FieldError("must be text, got a number of more than 30 digits")
        s = str(value).strip()
        if not "".join(c for c in s if not c.isspace() and unicodedata.category(c) not in ("Cf", "Zs")):
            raise FieldError("must not be blank (only spaces or invisible characters)")
        bad = [c for c in CONTROL_CHARS.findall(s) + [c for c in "\n\t" if c in s] if c not in allow]
        if bad:
            raise FieldError(f"must not hold the control character U+{ord(bad[0]):04X}")
        if BIDI_CONTROLS.search(s):
            raise FieldError("must not hold bidirectional override characters (U+202A-U+202E, U+2066-U+2069)")
        if len(s) > max_chars:
            raise FieldError(f"is {len(s)} characters long (at most {max_chars})")
        return s
    return check


def text_list(item: Checker | None = None, min_items: int = 0, single_ok: bool = True) -> Checker:
    """Return a checker for a list of texts (a single text counts as a list of one when `single_ok`)."""
    item = item or text()

    def check(value: Any) -> list[str]:
        if value is None:
            value = []
        if single_ok and isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise FieldError(f"must be a list of names, got {_shown(value)}")
        out = []
        for i, v in enumerate(value, start=1):
            try:
                out.append(item(v))
            except FieldError as exc:
                raise FieldError(f"item {i} {exc}") from None
        if len(out) < min_items:
            raise FieldError(f"needs at least {min_items} items, got {len(out)}")
        return out
    return check


def number(low: float, high: float, unit: str = "") -> Checker:
    """Return a checker for a finite number within [low, high] (returned as float)."""
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FieldError(f"must be a number{' of ' + unit if unit else ''}, got {_shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise FieldError(f"must be a finite number, got {value}")
        if not low <= value <= high:
            shown = (f"{value:.6g}" if isinstance(value, float) or abs(value) < 10 ** 15
                     else f"a {len(str(abs(value)))}-digit number")
            raise FieldError(f"must be between {low:g} and {high:g}{' ' + unit if unit else ''}, got {shown}")
        return float(value)
    return check


def positive_number(high: float, unit: str = "") -> Checker:
    """Return a checker for a finite number > 0 and <= high."""
    inner = number(0, high, unit)

    def check(value: Any) -> float:
        result = inner(value)
        if result <= 0:
            raise FieldError(f"must be positive, got {value}")
        return result
    return check


def whole_number(low: int, high: int) -> Checker:
    """Return a checker for a whole number within [low, high]."""
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"must be a whole number, got {_shown(value)}")
        if not low <= value <= high:
            shown = value if abs(value) < 10 ** 15 else f"a {len(str(abs(value)))}-digit number"
            raise FieldError(f"must be between {low} and {high}, got {shown}")
        return value
    return check


def boolean(value: Any) -> bool:
    """Check a true/false field."""
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, got {_shown(value)}")
    return value


def relative_path(value: Any) -> str:
    """Check a relative file path with '/' separators that stays inside its folder (no '..')."""
    s = text(max_chars=300)(value)
    if s.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", s) or ".." in re.split(r"[/\\]", s):
        raise FieldError(f"must be a relative path inside its folder, got {_shown(s)}")
    return s


def file_name(value: Any) -> str:
    """Check a bare file name (no folder part)."""
    s = text(max_chars=255)(value)
    if "/" in s or "\\" in s or s in (".", ".."):
        raise FieldError(f"must be a file name in the corpus folder (no folder part), got {_shown(s)}")
    return s


def one_of(choices: tuple[str, ...]) -> Checker:
    """Return a checker for one of `choices`."""
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise FieldError(f"must be one of {', '.join(choices)}, got {_shown(value)}")
        return value
    return check


def check_mapping(value: Any, fields: dict[str, Field], what: str) -> tuple[dict[str, Any], list[str]]:
    """Check a mapping against its `fields`: returns (clean values of the fields present, problems).

    Unknown keys, missing required fields and each wrong value give one problem each."""
    if not isinstance(value, dict):
        return {}, [f"{what} must be a mapping, got {_shown(value)}"]
    problems = []
    unknown = sorted(str(k) for k in value if k not in fields)
    if unknown:
        problems.append(f"{what} has unknown keys: {', '.join(unknown)} (allowed: {', '.join(sorted(fields))})")
    missing = [k for k, f in fields.items() if f.required and value.get(k) in (None, "", [], {})]
    if missing:
        problems.append(f"{what} is missing {', '.join(sorted(missing))}")
    clean = {}
    for key, f in fields.items():
        if key not in value or value[key] is None or key in missing:
            continue
        try:
            clean[key] = f.check(value[key])
        except FieldError as exc:
            problems.append(f"{what}: '{key}' {exc}")
    return clean, problems
