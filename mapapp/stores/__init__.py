"""Where builds are kept, behind one interface: a folder of GeoParquet files (the embedded default)
or a PostgreSQL/PostGIS schema shared by many readers (`postgresql://…`).

`open_store(project)` returns the project's store. Every store writes a build atomically (readers see
the previous build or the new one, never a mix), reads it back as a `Build`, tells the id of the
build it holds (cheap, so app instances notice a rebuild) and answers a `FeatureFilter` with the
matching rows (`select`, a `features.Select`). The folder store answers from the table loaded in
memory; PostGIS answers in SQL on its indexes without loading the table, and also gives the app an
`id_selector` for a build it holds (the folder store gives None: the app filters its own copy).
`reading()` gives a snapshot in which a command's
manifest, boundaries and rows all come from one build.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

from ..features import FeatureFilter, filter_features
from ..project import Project
from ..atomic import FolderLock, check_replaceable
from ..errors import BuildUnusable
from .folder import (BOUNDARIES_FILE, BUILD_FOLDER, CONTEXT_FILE, FEATURES_FILE, TILE_FILES, Build,
                     load_boundaries, load_build,
                     read_manifest, write_build)

Progress = Callable[[str], None]


@dataclass
class BuildTables:
    """The tables of one build: features (schema.COLUMNS), boundaries, map context, and finished
    files that go with them (file name -> path: the vector tiles, see mapapp.vector_tiles)."""

    features: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    files: dict[str, Path] = field(default_factory=dict)


class BuildStore(ABC):
    """A place that holds one current build."""

    where: str

    @abstractmethod
    def check_replaceable(self) -> None:
        """Return when a build may be written here. Raises ForeignFolder (or StoreError) when the
        destination holds something that is not mapapp's."""

    @abstractmethod
    def writing(self) -> AbstractContextManager:
        """Return a context held for the whole of a build. Raises BuildBusy on entering when
        another process is writing a build here and the store cannot let both finish whole."""

    @abstractmethod
    def write(self, tables: BuildTables, manifest: dict, say: Progress) -> None:
        """Replace the current build by this one in one step. Raises MapappError on failure, with
        the previous build intact."""

    @abstractmethod
    def load(self) -> Build:
        """Return the current build. Raises BuildMissing or BuildOutdated."""

    @abstractmethod
    def manifest(self) -> dict:
        """Return the current build's manifest. Raises BuildMissing or BuildOutdated."""

    @abstractmethod
    def build_id(self) -> str | None:
        """Return the current build's id (from its manifest), or None when there is none."""

    @abstractmethod
    def boundaries(self) -> gpd.GeoDataFrame:
        """Return the current build's administrative units (level, name, adcode, city, geometry).
        Raises BuildMissing or BuildOutdated."""

    @abstractmethod
    def reading(self) -> AbstractContextManager:
        """Return a context whose value answers `manifest()`, `boundaries()` and `select()` all from
        the same build, even when a rebuild is swapped in meanwhile. Raises BuildMissing or
        BuildOutdated (on entering, or on the first read)."""

    def select(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        """Return the features matching `flt`, in table order (a `features.Select`). Raises
        MapappError for an unknown unit, BuildMissing or BuildOutdated."""
        b = self.load()
        return filter_features(b.features, flt, b.boundaries)

    def id_selector(self, build: Build) -> Callable[[FeatureFilter], list[str]] | None:
        """Return a function giving the ids of the features of `build` (this store's current build,
        loaded by the caller) that match a filter, in table order, or None when the caller filters
        the table it holds itself (here). A store that filters where it keeps the build (PostGIS)
        queries the store, and its function raises BuildChanged once it holds another build."""
        return None

    def vector_tiles(self) -> dict[str, Path]:
        """Return the current build's vector tile archives on this machine (datum -> path); empty
        when the build has none or this store cannot hold files (then the map sends GeoJSON)."""
        return {}


class FolderStore(BuildStore):
    """A build folder of GeoParquet files (see stores/folder.py)."""

    def __init__(self, folder):
        self.folder = folder
        self.where = str(folder)

    def check_replaceable(self) -> None:
        check_replaceable(self.folder, BUILD_FOLDER)

    def writing(self) -> AbstractContextManager:
        return FolderLock(self.folder, BUILD_FOLDER)

    def write(self, tables: BuildTables, manifest: dict, say: Progress) -> None:
        write_build(self.folder, {FEATURES_FILE: tables.features, BOUNDARIES_FILE: tables.boundaries,
                                  CONTEXT_FILE: tables.context}, manifest, tables.files)

    def load(self) -> Build:
        return load_build(self.folder)

    def manifest(self) -> dict:
        return read_manifest(self.folder)

    def build_id(self) -> str | None:
        try:
            return read_manifest(self.folder).get("build_id")
        except BuildUnusable:
            return None

    def vector_tiles(self) -> dict[str, Path]:
        try:
            names = (read_manifest(self.folder).get("vector_tiles") or {}).get("files") or {}
        except BuildUnusable:
            return {}
        paths = {datum: Path(self.folder) / name for datum, name in names.items() if name in TILE_FILES}
        return {datum: path for datum, path in paths.items() if path.is_file()}

    def boundaries(self) -> gpd.GeoDataFrame:
        return load_boundaries(self.folder)

    def reading(self) -> AbstractContextManager:
        """The build loaded once; its reads are answered in memory."""
        return nullcontext(LoadedBuild(self.load()))


class LoadedBuild:
    """A build in memory, read like a store: `manifest()`, `boundaries()`, `select()` (in pandas)."""

    def __init__(self, build: Build):
        self.build = build

    def manifest(self) -> dict:
        return self.build.manifest

    def boundaries(self) -> gpd.GeoDataFrame:
        return self.build.boundaries

    def select(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        return filter_features(self.build.features, flt, self.build.boundaries)


def open_store(project: Project) -> BuildStore:
    """Return the project's store: PostGIS when `project.store` is a postgresql:// URL, else the
    build folder. Raises StoreError for a store URL of another kind."""
    if project.store:
        from .postgis import PostgisStore

        return PostgisStore(project.store)
    return FolderStore(project.build_dir)
