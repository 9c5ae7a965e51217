"""Refreshing the rail station tables from the OSM cache (railway=station/halt, matched by name)."""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from pyproj import Geod

from ..atomic import write_file
from ..errors import InputFileError, Problem, ValidationFailed
from ..inputfile import read_text_file
from ..stations import COLUMNS, read_table
from .cache import OsmCache

MOVED_M = 200.0
_GEOD = Geod(ellps="WGS84")


@dataclass
class StationChange:
    """A station of a table matched to OSM: where it was, where OSM has it, how far apart."""

    file: Path
    name: str
    old: tuple[float, float]
    new: tuple[float, float]
    osm_id: str
    distance_m: float


def _osm_stations(cache: OsmCache) -> dict[str, tuple[str, float, float]]:
    found: dict[str, tuple[str, float, float]] = {}
    for i, tags in enumerate(cache.tags):
        if tags.get("railway") not in ("station", "halt") or tags.get("station") in ("subway", "light_rail"):
            continue
        c = cache.geometries[i].centroid
        for name in cache.names[i]:
            # prefer nodes (the station point) over station buildings
            if name not in found or cache.kinds[i] == "point":
                found[name] = (cache.ids[i], c.x, c.y)
    return found


def refresh_stations(stations_dir: Path, cache: OsmCache, network: str = "rail",
                     write: bool = False) -> tuple[list[StationChange], list[str]]:
    """Match each station of `network` in the tables to OSM by name ('南昌西' or '南昌西站').

    Returns (changes for every matched station, names not found in OSM). With write=True, each
    table is rewritten atomically with the OSM coordinates and sources of the matched stations.
    Raises ValidationFailed when a table is malformed (as `mapapp validate` reports it)."""
    osm = _osm_stations(cache)
    changes, missing = [], []
    stamp = cache.meta.get("data_timestamp", "")
    for path in sorted(Path(stations_dir).glob("*.csv")):
        try:
            text = read_text_file(path).removeprefix("\ufeff")
        except InputFileError as exc:
            raise ValidationFailed([Problem(str(path), 0, "", str(exc))]) from None
        numbered, problems = read_table(text, str(path))
        if problems:
            raise ValidationFailed(problems)
        if not numbered:
            continue
        header, body = list(COLUMNS), [row for _, row in numbered]
        changed = False
        for row in body:
            if len(row) != 5 or row[0].strip() != network:
                continue
            try:
                old = (float(row[2]), float(row[3]))
            except ValueError:
                continue      # `mapapp validate` names the row
            name = row[1].strip()
            hit = osm.get(name) or osm.get(name + "站") or osm.get(name.removesuffix("站"))
            if hit is None:
                missing.append(name)
                continue
            oid, lon, lat = hit
            _, _, dist = _GEOD.inv(old[0], old[1], lon, lat)
            changes.append(StationChange(path, name, old, (lon, lat), oid, dist))
            if write:
                row[2], row[3] = f"{lon:.7f}", f"{lat:.7f}"
                row[4] = f"OpenStreetMap node {oid[1:]} (data as of {stamp}; © OpenStreetMap contributors, ODbL)" \
                    if oid.startswith("n") else f"OpenStreetMap {oid} centroid (data as of {stamp}; ODbL)"
                changed = True
        if write and changed:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([header, *body])
            write_file(path, functools.partial(Path.write_text, data=out.getvalue(), encoding="utf-8"))
    return changes, missing
