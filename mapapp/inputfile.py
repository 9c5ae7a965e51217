"""Reading a user's input file safely: regular files only, bounded in size, UTF-8 text.

Annotation files, manual GeoJSON, station tables and plan documents come from contributors; a
FIFO or a device would make a read hang forever, a huge file exhaust memory.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputFileError

MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_text_file(path: Path, display: str | None = None, max_bytes: int = MAX_INPUT_BYTES,
                   encoding: str = "utf-8") -> str:
    """Return the text of the regular file `path`.

    Raises InputFileError (its message starts with `display`, default the path) when the file is
    missing, not a regular file (FIFO, device, folder), larger than `max_bytes` or not `encoding`."""
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputFileError(f"{name}: file not found") from None
    except OSError as exc:
        raise InputFileError(f"{name}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(f"{name}: not a regular file (a folder, FIFO or device): refusing to read it")
        if info.st_size > max_bytes:
            raise InputFileError(f"{name}: {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputFileError(f"{name}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{name}: more than the {max_bytes:,} bytes allowed")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
