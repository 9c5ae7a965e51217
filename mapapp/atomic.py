"""Replacing a folder in one step, so a failure never leaves a half-written build or cache.

mapapp only ever replaces a folder that is its own: one holding its marker file (written into
every folder it creates), or, for folders written before markers existed, one holding nothing but
the files mapapp writes there. Any other non-empty folder is refused with `ForeignFolder`.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ForeignFolder


@dataclass(frozen=True)
class FolderKind:
    """What mapapp keeps in a folder it owns: a name for messages, its marker file, its own files."""

    label: str
    marker: str
    own_files: frozenset[str]


def check_replaceable(dest: Path, kind: FolderKind) -> None:
    """Return when `dest` is absent, empty or one of mapapp's own `kind` folders.

    Raises ForeignFolder when replacing it could destroy something that is not mapapp's."""
    dest = Path(dest)
    if dest.is_symlink():
        raise ForeignFolder(f"{dest} is a symbolic link: refusing to replace it with a {kind.label}; "
                            f"name a real folder")
    if not dest.exists():
        return
    if not dest.is_dir():
        raise ForeignFolder(f"{dest} is a file, not a {kind.label} folder: refusing to replace it")
    if (dest / kind.marker).is_file():
        return
    entries = {p.name for p in dest.iterdir()}
    if entries and not entries <= kind.own_files:
        shown = ", ".join(sorted(entries - kind.own_files)[:5])
        raise ForeignFolder(f"{dest} is not empty and is not a {kind.label} (no {kind.marker}; it holds {shown}): "
                            f"refusing to replace it. Name a new or empty folder, or an earlier {kind.label}.")


def staging_folder(dest: Path, kind: FolderKind) -> Path:
    """Return an empty sibling folder of `dest`, holding `kind`'s marker, to write into before `swap_in`.

    Raises ForeignFolder when `dest` may not be replaced (see `check_replaceable`)."""
    check_replaceable(dest, kind)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / kind.marker).write_text(f"{kind.label} written by mapapp; `mapapp` may replace this folder\n",
                                   encoding="utf-8")
    return tmp


def swap_in(tmp: Path, dest: Path, kind: FolderKind) -> None:
    """Replace `dest` by the finished folder `tmp`. If the swap fails, the previous `dest` is restored.

    Raises ForeignFolder (nothing replaced) when `dest` has meanwhile become something not mapapp's."""
    check_replaceable(dest, kind)
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    try:
        if dest.exists():
            dest.rename(old)
        tmp.rename(dest)
    except BaseException:
        if old.exists() and not dest.exists():
            old.rename(dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
