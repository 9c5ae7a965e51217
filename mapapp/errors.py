"""Error types: every user-facing failure names the file, the line or record, and what is wrong."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input: where (file, line, record id) and what."""

    file: str
    line: int = 0
    record: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        who = f" [{self.record}]" if self.record else ""
        return f"{where}:{who} {self.message}"


class MapappError(Exception):
    """Base class of the errors mapapp reports to users (never shown as a traceback)."""


class ValidationFailed(MapappError):
    """The annotations or geodata have problems; `problems` lists each of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:\n" + "\n".join(str(p) for p in self.problems))


class BuildMissing(MapappError):
    """There is no usable build in the build folder."""


class BuildOutdated(MapappError):
    """The build was written in another feature-table format than this mapapp reads."""


class ForeignFolder(MapappError):
    """A folder mapapp was asked to replace holds something that is not mapapp's own."""


class StoreError(MapappError):
    """The build store (a PostGIS database) cannot be reached, read or written, or holds something
    that is not a mapapp build. The message never shows a password."""
