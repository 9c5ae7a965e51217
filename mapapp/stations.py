"""Station tables: geodata/stations/*.csv with columns network,name,lon,lat,source (WGS84)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError, Problem
from .fieldtypes import FieldError, text
from .geocheck import coordinate_problem
from .inputfile import read_text_file

COLUMNS = ("network", "name", "lon", "lat", "source")


@dataclass(frozen=True)
class Station:
    """A station: its network (rail, nanchang-metro, …), name, WGS84 position and its source."""

    network: str
    name: str
    lon: float
    lat: float
    source: str
    file: str
    line: int


MAX_TABLE_BYTES = 16 * 1024 * 1024
MAX_FIELD_CHARS = 2000


def read_table(text: str, display: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Return the data rows of a station CSV with the line each starts on, and the problems found
    (wrong header, a malformed row: an unclosed quote, a field over MAX_FIELD_CHARS, a NUL)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            return [], [Problem(display, 1, "", f"station table header must be exactly: {','.join(COLUMNS)}")]
        start = reader.line_num + 1
        for row in reader:
            if any(len(c) > MAX_FIELD_CHARS or "\n" in c or "\r" in c for c in row):
                return rows, [Problem(display, start, "", f"malformed row: a field spans lines or is longer than "
                                                          f"{MAX_FIELD_CHARS} characters (a stray '\"'?)")]
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        return rows, [Problem(display, start, "", f"malformed CSV: {exc} (a stray '\"'?)")]
    return rows, []


def _text_problem(**values: str) -> str | None:
    """Return what is wrong with the first bad text value, or None."""
    for key, value in values.items():
        if value:
            try:
                text(max_chars=MAX_FIELD_CHARS)(value)
            except FieldError as exc:
                return f"{key} {exc}"
    return None


def load_stations(folder: Path, display_root: Path) -> tuple[dict[tuple[str, str], Station], list[Problem]]:
    """Return the stations of every CSV in `folder` keyed by (network, name), and the problems found."""
    stations: dict[tuple[str, str], Station] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return stations, problems
    for path in sorted(folder.glob("*.csv")):
        display = str(path.relative_to(display_root)) if path.is_relative_to(display_root) else str(path)
        try:
            text = read_text_file(path, display, max_bytes=MAX_TABLE_BYTES).removeprefix("\ufeff")
        except InputFileError as exc:
            why = str(exc).removeprefix(display + ": ")
            problems.append(Problem(display, 0, "", f"cannot read station table: {why}"))
            continue
        found, p = read_table(text, display)
        problems += p
        for lineno, row in found:
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != len(COLUMNS):
                problems.append(Problem(display, lineno, "", f"expected {len(COLUMNS)} columns, found {len(row)}"))
                continue
            network, name, lon_s, lat_s, source = (c.strip() for c in row)
            try:
                lon, lat = float(lon_s), float(lat_s)
            except ValueError:
                problems.append(Problem(display, lineno, name, f"lon/lat must be numbers, got '{lon_s}', '{lat_s}'"))
                continue
            problem = coordinate_problem(lon, lat)
            if problem:
                problems.append(Problem(display, lineno, name, problem))
                continue
            if not network or not name:
                problems.append(Problem(display, lineno, name, "network and name must not be empty"))
                continue
            bad = _text_problem(network=network, name=name, source=source)
            if bad:
                problems.append(Problem(display, lineno, name[:60], bad))
                continue
            if not source:
                problems.append(Problem(display, lineno, name, "source is empty: say where the coordinate came from"))
                continue
            key = (network, name)
            if key in stations:
                other = stations[key]
                problems.append(Problem(display, lineno, name,
                                        f"station '{name}' ({network}) is already defined at "
                                        f"{other.file}:{other.line}"))
                continue
            stations[key] = Station(network, name, lon, lat, source, display, lineno)
    return stations, problems
