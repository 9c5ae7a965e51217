"""Station tables: geodata/stations/*.csv with columns network,name,lon,lat,source (WGS84)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .geocheck import coordinate_problem

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


def load_stations(folder: Path, display_root: Path) -> tuple[dict[tuple[str, str], Station], list[Problem]]:
    """Return the stations of every CSV in `folder` keyed by (network, name), and the problems found."""
    stations: dict[tuple[str, str], Station] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return stations, problems
    for path in sorted(folder.glob("*.csv")):
        display = str(path.relative_to(display_root)) if path.is_relative_to(display_root) else str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as exc:
            problems.append(Problem(display, 0, "", f"cannot read station table: {exc}"))
            continue
        reader = csv.reader(text.splitlines())
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            problems.append(Problem(display, 1, "", f"station table header must be exactly: {','.join(COLUMNS)}"))
            continue
        for lineno, row in enumerate(reader, start=2):
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
            if not source:
                problems.append(Problem(display, lineno, name, "source is empty: say where the coordinate came from"))
                continue
            key = (network, name)
            if key in stations:
                other = stations[key]
                problems.append(Problem(display, lineno, name,
                                        f"station '{name}' ({network}) is already defined at {other.file}:{other.line}"))
                continue
            stations[key] = Station(network, name, lon, lat, source, display, lineno)
    return stations, problems
