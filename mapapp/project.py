"""Where mapapp finds its inputs and writes its build: one small settings object."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    """The folders of one mapapp project.

    data_dir holds corpus_annotations/ and geodata/; build_dir receives the build; corpus_dir is
    the user's folder of plan documents (optional: quotes are checked and paragraphs shown only
    when it is set); store, when set, is a postgresql:// URL of a shared PostGIS store that holds
    the build instead of build_dir."""

    data_dir: Path
    build_dir: Path
    corpus_dir: Path | None = None
    store: str | None = None

    @property
    def annotations_dir(self) -> Path:
        return self.data_dir / "corpus_annotations"

    @property
    def geodata_dir(self) -> Path:
        return self.data_dir / "geodata"

    @property
    def osm_cache_dir(self) -> Path:
        """The local OSM cache, next to the build ($MAPAPP_OSM_CACHE overrides; never committed)."""
        return Path(os.environ.get("MAPAPP_OSM_CACHE") or self.build_dir.parent / "osm-cache")

    @classmethod
    def from_settings(cls, data_dir: str | Path | None = None, build_dir: str | Path | None = None,
                      corpus_dir: str | Path | None = None, store: str | None = None) -> Project:
        """Return a Project from explicit values, else MAPAPP_DATA / MAPAPP_BUILD / MAPAPP_CORPUS /
        MAPAPP_STORE, else the embedded default data (the folder this package sits in) and its build/."""
        data = Path(data_dir or os.environ.get("MAPAPP_DATA") or _default_data_dir())
        build = Path(build_dir or os.environ.get("MAPAPP_BUILD") or data / "build")
        corpus = corpus_dir or os.environ.get("MAPAPP_CORPUS") or None
        return cls(data.resolve(), build.resolve(), Path(corpus).resolve() if corpus else None,
                   store or os.environ.get("MAPAPP_STORE") or None)


def _default_data_dir() -> Path:
    if (PACKAGE_ROOT / "corpus_annotations").is_dir():
        return PACKAGE_ROOT
    return Path.cwd()
