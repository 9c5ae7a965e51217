"""A dictionary of names matched in text: leftmost-longest, non-overlapping."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Generic, TypeVar
from collections.abc import Iterator

T = TypeVar("T")


@dataclass(frozen=True)
class Match(Generic[T]):
    """A name found in a text: its span [start, end), the name and what it stands for."""

    start: int
    end: int
    name: str
    value: T


class NameIndex(Generic[T]):
    """Names (at least 2 characters) with a value each, found in text by longest match."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        self._values: dict[str, T] = {}

    def add(self, name: str, value: T) -> None:
        """Add `name` for `value` (a later add of the same name replaces the value)."""
        if len(name) < 2:
            return
        if name not in self._values:
            bucket = self._by_prefix[name[:2]]
            bucket.append(name)
            bucket.sort(key=len, reverse=True)
        self._values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str) -> T | None:
        """Return the value of exactly `name`, or None."""
        return self._values.get(name)

    def names(self) -> list[str]:
        """Return every name."""
        return list(self._values)

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Match[T]]:
        """Yield the leftmost-longest, non-overlapping matches in text[start:end]."""
        end = len(text) if end is None else end
        i = start
        while i < end - 1:
            for name in self._by_prefix.get(text[i:i + 2], ()):
                if i + len(name) <= end and text.startswith(name, i):
                    yield Match(i, i + len(name), name, self._values[name])
                    i += len(name)
                    break
            else:
                i += 1
