"""Replacing a folder or a file in one step, so a failure or a kill never leaves a half-written build,
cache or export, and never destroys what is not mapapp's.

Folders: mapapp only ever replaces a folder that is its own: one holding its marker file (written
into every folder it creates), or, for folders written before markers existed, one holding nothing
but the files mapapp writes there. Any other non-empty folder is refused with `ForeignFolder`.
A finished folder is swapped in with one atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`); where
that is unavailable, with two renames, and a kill between them is repaired by `recover` (the next
build, or the next reader, puts the previous folder back). One writer at a time: `FolderLock`
makes a second concurrent writer fail at once with `BuildBusy`, leaving nothing behind.

Files: `write_file` writes next to the destination and renames into place; it refuses targets that
are not regular files (devices, FIFOs, symbolic links) or are read-only.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildBusy, ForeignFolder, OutputRefused


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


def _leftovers(dest: Path, what: str) -> list[tuple[Path, int]]:
    """Return the `.NAME.tmp-PID` or `.NAME.old-PID` siblings of `dest` with their PIDs."""
    pattern = re.compile(rf"^\.{re.escape(dest.name)}\.{what}-(\d+)$")
    if not dest.parent.is_dir():
        return []
    found = []
    for p in dest.parent.iterdir():
        m = pattern.match(p.name)
        if m:
            found.append((p, int(m.group(1))))
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_own(folder: Path, kind: FolderKind) -> bool:
    if not folder.is_dir():
        return False
    return (folder / kind.marker).is_file() or {p.name for p in folder.iterdir()} <= kind.own_files


def recover(dest: Path, kind: FolderKind) -> None:
    """Repair what a killed writer left next to `dest`: put its previous folder back when `dest` is
    missing (a kill between the two renames of a swap), and delete stale temporaries and lock
    files. What belongs to writers that are still running is left alone."""
    dest = Path(dest)
    stale_old = [p for p, pid in _leftovers(dest, "old") if not _alive(pid) and _is_own(p, kind)]
    if not dest.exists() and not dest.is_symlink() and stale_old:
        newest = max(stale_old, key=lambda p: p.stat().st_mtime)
        with contextlib.suppress(OSError):      # another reader restored it first
            newest.rename(dest)
    for p, pid in _leftovers(dest, "old") + _leftovers(dest, "tmp"):
        if not _alive(pid) and p.exists():
            shutil.rmtree(p, ignore_errors=True)
    lock = FolderLock(dest, kind)
    if lock.path.exists():          # a killed writer's lock file: remove it unless someone holds it
        try:
            with lock:
                pass
        except (BuildBusy, OSError):
            pass


class FolderLock:
    """An exclusive lock for writing `dest` (a `.NAME.lock` file beside it, removed on release).

    Entering raises BuildBusy at once when another process holds it, OutputRefused when the lock
    file cannot be made (a missing or read-only folder)."""

    def __init__(self, dest: Path, kind: FolderKind):
        self.dest = Path(dest)
        self.kind = kind
        self.path = self.dest.with_name(f".{self.dest.name}.lock")
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._acquire()
        except OSError as exc:
            raise OutputRefused(f"cannot write the {self.kind.label} {self.dest}: {exc.strerror or exc}") from None

    def _acquire(self) -> FolderLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                os.close(fd)
                raise BuildBusy(f"another mapapp process{' (pid ' + holder + ')' if holder else ''} is writing "
                                f"the {self.kind.label} {self.dest}: wait for it to finish, then try again") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:        # not unlinked by a releasing holder between our open and flock
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            os.close(self.fd)
            self.fd = None


def staging_folder(dest: Path, kind: FolderKind) -> Path:
    """Return an empty sibling folder of `dest`, holding `kind`'s marker, to write into before `swap_in`.

    Repairs what a killed earlier writer left (see `recover`). Raises ForeignFolder when `dest`
    may not be replaced (see `check_replaceable`)."""
    recover(dest, kind)
    check_replaceable(dest, kind)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / kind.marker).write_text(f"{kind.label} written by mapapp; `mapapp` may replace this folder\n",
                                   encoding="utf-8")
    return tmp


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2). Returns False when the system cannot."""
    renameat2 = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not on a platform with a C library
    _LIBC = None


def swap_in(tmp: Path, dest: Path, kind: FolderKind) -> None:
    """Replace `dest` by the finished folder `tmp`. If the swap fails, the previous `dest` is restored.

    Raises ForeignFolder (nothing replaced) when `dest` has meanwhile become something not mapapp's."""
    check_replaceable(dest, kind)
    if dest.exists() and _exchange(tmp, dest):
        shutil.rmtree(tmp, ignore_errors=True)          # tmp now holds the previous folder
        return
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


def check_writable_file(path: Path) -> None:
    """Return when `path` may be replaced by a new regular file: absent, or a writable regular file.

    Raises OutputRefused for a symbolic link, a device, FIFO or folder, a read-only file or a
    missing parent folder."""
    path = Path(path)
    if path.is_symlink():
        raise OutputRefused(f"{path} is a symbolic link: refusing to replace it; name the real file")
    if path.exists():
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise OutputRefused(f"{path} is not a regular file (a folder, device or FIFO): refusing to replace it")
        if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise OutputRefused(f"{path} is read-only: refusing to replace it")
    if not path.parent.is_dir():
        raise OutputRefused(f"cannot write {path}: folder {path.parent} does not exist")


def write_file(path: Path, write: Callable[[Path], None]) -> None:
    """Write `path` in one step: `write(tmp)` fills a temporary file beside it, which then replaces
    `path`. On any failure `path` is left as it was and the temporary file is removed.

    Raises OutputRefused when the target may not be replaced (see `check_writable_file`) or the
    write fails with an OSError (disk full, permission); other exceptions from `write` propagate."""
    path = Path(path)
    check_writable_file(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputRefused(f"cannot write {path}: {exc.strerror or exc}; the previous file is unchanged") from None
    finally:
        if tmp.exists():
            tmp.unlink()
