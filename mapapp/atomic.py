"""Replacing a folder in one step, so a failure never leaves a half-written build or cache."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


def staging_folder(dest: Path) -> Path:
    """Return an empty sibling folder of `dest` to write into before `swap_in` (removed first if left over)."""
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def swap_in(tmp: Path, dest: Path) -> None:
    """Replace `dest` by the finished folder `tmp`. If the swap fails, the previous `dest` is restored."""
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
