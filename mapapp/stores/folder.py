"""The embedded store: a build as a folder of GeoParquet files and a manifest, replaced atomically.

A failed or interrupted write leaves the previous build intact (see atomic.py); the folder is only
ever replaced when it is a mapapp build.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from .. import vector_tiles
from ..atomic import FolderKind, recover, staging_folder, swap_in
from ..errors import BuildMissing, BuildOutdated, BuildUnreadable, BuildWrongCRS, MapappError
from ..schema import FORMAT_VERSION, check_columns, normalise

FEATURES_FILE = "features.parquet"
BOUNDARIES_FILE = "boundaries.parquet"
MANIFEST_FILE = "manifest.json"
CONTEXT_FILE = "context.parquet"
TILE_FILES = frozenset(vector_tiles.file_name(d) for d in vector_tiles.DATUMS)
BUILD_FOLDER = FolderKind("mapapp build", ".mapapp-build",
                          frozenset({FEATURES_FILE, BOUNDARIES_FILE, MANIFEST_FILE, CONTEXT_FILE}) | TILE_FILES)



@dataclass
class Build:
    """A build read back: the feature table, the boundaries, the manifest and the map's context
    (water and place names, see context.COLUMNS). `where` names the folder or store it came from."""

    features: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    manifest: dict
    where: str
    context: gpd.GeoDataFrame


def write_build(build_dir: Path, tables: dict[str, gpd.GeoDataFrame], manifest: dict,
                files: dict[str, Path] | None = None) -> None:
    """Write `tables` (file name -> table), the manifest and copies of `files` (file name in the build
    -> a finished file, e.g. vector tiles) into `build_dir`, replacing the previous build in one step.
    Raises ForeignFolder when `build_dir` is not a build, MapappError when writing fails (disk full);
    the previous build is then intact."""
    try:
        tmp = staging_folder(build_dir, BUILD_FOLDER)
    except OSError as exc:
        raise MapappError(f"cannot write the build next to {build_dir}: {exc.strerror or exc}") from None
    try:
        for name, table in tables.items():
            table.to_parquet(tmp / name)
        for name, path in (files or {}).items():
            shutil.copyfile(path, tmp / name)
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, allow_nan=False),
                                         encoding="utf-8")
        swap_in(tmp, build_dir, BUILD_FOLDER)
    except OSError as exc:
        raise MapappError(f"cannot write the build {build_dir}: {exc.strerror or exc}; "
                          f"the previous build is intact") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_manifest(build_dir: Path) -> dict:
    """Return the manifest of the build in `build_dir`. Raises BuildMissing when there is none,
    BuildUnreadable when it cannot be decoded, BuildOutdated when the build has another format version."""
    path = build_dir / MANIFEST_FILE
    if not path.is_file():
        raise BuildMissing(f"no build in {build_dir} (missing {MANIFEST_FILE}): run `mapapp build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BuildUnreadable(f"the build in {build_dir} is unreadable ({type(exc).__name__}: {exc}): "
                              f"run `mapapp build` again") from None
    found = manifest.get("format_version", 1) if isinstance(manifest, dict) else None
    if found != FORMAT_VERSION:
        raise BuildOutdated(f"the build in {build_dir} has format version {found}, this mapapp reads format "
                            f"version {FORMAT_VERSION}: run `mapapp build` again")
    return manifest


def load_boundaries(build_dir: Path) -> gpd.GeoDataFrame:
    """Return the administrative units of the build in `build_dir`. Raises BuildMissing,
    BuildUnreadable or BuildOutdated (see load_build)."""
    if not build_dir.exists():
        recover(build_dir, BUILD_FOLDER)
    read_manifest(build_dir)
    path = build_dir / BOUNDARIES_FILE
    if not path.is_file():
        raise BuildMissing(f"no build in {build_dir} (missing {BOUNDARIES_FILE}): run `mapapp build`")
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # any decoding failure means the same thing to the user
        raise BuildUnreadable(f"the build in {build_dir} is unreadable ({type(exc).__name__}: {exc}): "
                              f"run `mapapp build` again") from None


def load_build(build_dir: Path) -> Build:
    """Return the build in `build_dir`.

    Raises BuildMissing when there is none, BuildUnreadable when its files cannot be decoded,
    BuildWrongCRS when it is not in EPSG:4326 and BuildOutdated when it has another format version
    (all BuildUnusable). A build a killed writer left beside the folder is put back first."""
    if not build_dir.exists():
        recover(build_dir, BUILD_FOLDER)
    paths = [build_dir / f for f in (FEATURES_FILE, BOUNDARIES_FILE, MANIFEST_FILE, CONTEXT_FILE)]
    manifest = read_manifest(build_dir)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise BuildMissing(f"no build in {build_dir} (missing {', '.join(missing)}): run `mapapp build`")
    try:
        features = gpd.read_parquet(paths[0])
        boundaries = gpd.read_parquet(paths[1])
        context = gpd.read_parquet(paths[3])
    except Exception as exc:  # any decoding failure means the same thing to the user
        raise BuildUnreadable(f"the build in {build_dir} is unreadable ({type(exc).__name__}: {exc}): "
                              f"run `mapapp build` again") from None
    try:
        features = normalise(check_columns(features))
    except (KeyError, ValueError, TypeError) as exc:
        raise BuildUnreadable(f"the build in {build_dir} lacks or garbles a column ({type(exc).__name__}: {exc}): "
                              f"run `mapapp build` again") from None
    if features.crs is None or features.crs.to_epsg() != 4326:
        raise BuildWrongCRS(f"the build in {build_dir} is not in EPSG:4326: run `mapapp build` again")
    return Build(features, boundaries, manifest, str(build_dir), context)


