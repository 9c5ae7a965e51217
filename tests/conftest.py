"""Shared fixtures: the repository's real data, the shared corpus and reference data, and small
throw-away data folders for bad-input tests."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from mapapp.pipeline import build, load_build
from mapapp.project import Project

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MAPAPP_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus of plan documents (the tests that need it skip when it is absent)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus folder {CORPUS} not present")
    return CORPUS


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference folder {REFERENCE} not present")
    return REFERENCE


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The repository's own annotations built into a temporary folder (once per test session)."""
    project = Project.from_settings(data_dir=REPO, build_dir=tmp_path_factory.mktemp("real") / "build")
    build(project)
    return load_build(project.build_dir)


class DataFolder:
    """A minimal mapapp data folder (the real plans and vocabulary, records you write)."""

    def __init__(self, root: Path):
        self.root = root
        (root / "corpus_annotations" / "records").mkdir(parents=True)
        (root / "geodata" / "manual").mkdir(parents=True)
        (root / "geodata" / "stations").mkdir(parents=True)
        for name in ("plans.yaml", "vocabulary.yaml"):
            shutil.copy(REPO / "corpus_annotations" / name, root / "corpus_annotations" / name)

    def records(self, text: str, name: str = "test.yaml") -> Path:
        path = self.root / "corpus_annotations" / "records" / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def file(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def project(self, corpus: Path | None = None) -> Project:
        return Project.from_settings(data_dir=self.root, build_dir=self.root / "build", corpus_dir=corpus)


@pytest.fixture
def data(tmp_path) -> DataFolder:
    return DataFolder(tmp_path / "data")


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL + PostGIS server owned by this test run (skips, saying why, when the
    Debian packages are not installed)."""
    from pg_server import Server, unavailable

    why = unavailable()
    if why:
        pytest.skip(why)
    server = Server()
    yield server
    server.stop()
