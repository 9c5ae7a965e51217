"""Error types: every user-facing failure names the file, the line or record, and what is wrong.

Every error mapapp reports to users is a `MapappError`; anything else is a bug and is allowed to
show its traceback. The app catches the named subclasses below, not `Exception`.
"""
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


class SpecError(Exception):
    """A geometry spec cannot be resolved; the message says why (turned into a Problem by resolve)."""


class InputFileError(MapappError):
    """A user file cannot be read: missing, not a regular file, too large or not UTF-8 text."""


class BuildUnusable(MapappError):
    """The build folder holds no build this mapapp can show; `mapapp build` makes one."""


class BuildMissing(BuildUnusable):
    """There is no build in the build folder (one of its files is absent)."""


class BuildUnreadable(BuildUnusable):
    """The build's files are there but cannot be decoded (truncated, corrupt, wrong columns)."""


class BuildWrongCRS(BuildUnusable):
    """The build's feature table is not in WGS84 lon/lat (EPSG:4326)."""


class BuildOutdated(BuildUnusable):
    """The build was written in another feature-table format than this mapapp reads."""


class BuildChanged(MapappError):
    """The store's current build is no longer the one a reader loaded (a rebuild was swapped in
    meanwhile): load the current build and ask again."""


class BuildBusy(MapappError):
    """Another mapapp process is writing the same build folder or OSM cache right now."""


class ForeignFolder(MapappError):
    """A folder mapapp was asked to replace holds something that is not mapapp's own."""


class StoreError(MapappError):
    """The build store (a PostGIS database) cannot be reached, read or written, or holds something
    that is not a mapapp build. The message never shows a password."""

class OutputRefused(MapappError):
    """An output path is not a regular writable file (a device, a symbolic link, read-only), or
    writing it failed; an existing file there is left as it was."""


class CorpusError(MapappError):
    """The corpus folder or one of its documents cannot be used."""


class UnknownUnit(MapappError, KeyError):
    """An administrative unit name matches no unit, or several (also a KeyError, as before)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OverpassError(MapappError):
    """The Overpass API could not be reached or answered with an error after every retry."""


class OsmDataError(MapappError):
    """An OSM extract, an Overpass answer or the OSM cache is corrupt or unreadable."""
