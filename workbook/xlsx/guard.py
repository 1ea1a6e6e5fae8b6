"""Write-back safety around the patch: the read fingerprint (the file must not change between
read and replace), the per-workbook advisory lock, symlinks, read-only files and the temporary
files a killed run left behind."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, ParamSpec, TypeVar

from .errors import WorkbookBusy, WorkbookChanged, WorkbookReadOnly
from .zipio import _CHUNK

#: How long a run waits for another run on the same workbook before it refuses (seconds).
LOCK_TIMEOUT: Final = 120.0
#: A temporary file of ours older than this (seconds) belongs to a run that was killed.
STALE_AFTER: Final = 60.0

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Fingerprint:
    """What a workbook was when it was read: size, modification time (ns) and SHA-256."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size, mtime and SHA-256 of ``path``, hashed while it is read (one pass, 1 MB blocks).

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.xlsx"; _ = p.write_bytes(b"PK")
    >>> fingerprint(p).sha256[:12], fingerprint(p).size
    ('fcab7fcc2b4c', 2)
    """
    with open(path, "rb") as handle:
        return _fingerprint_handle(handle)


def _fingerprint_handle(handle: IO[bytes]) -> Fingerprint:
    before = os.fstat(handle.fileno())
    digest = hashlib.sha256()
    handle.seek(0)
    while block := handle.read(_CHUNK):
        digest.update(block)
    handle.seek(0)
    return Fingerprint(before.st_size, before.st_mtime_ns, digest.hexdigest())


def _changed(book: Path) -> WorkbookChanged:
    return WorkbookChanged(
        f"「{book.name}」在计算期间被修改或替换（大小、修改时间或内容与读取时不同）。"
        "为避免把结果写进另一个文件，本次未写入任何内容；请重新运行"
    )


def check_unchanged(book: Path, handle: IO[bytes], expected: Fingerprint) -> None:
    """Raise :class:`WorkbookChanged` unless the open ``handle`` holds what was read."""
    now = os.fstat(handle.fileno())
    if (now.st_size, now.st_mtime_ns) != (expected.size, expected.mtime_ns):
        raise _changed(book)
    if _fingerprint_handle(handle) != expected:
        raise _changed(book)


def check_same_file(book: Path, opened: os.stat_result) -> None:
    """Raise :class:`WorkbookChanged` unless ``book`` is still the file opened (same inode,
    size and modification time) — called just before the atomic replace."""
    try:
        now = os.stat(book)
    except OSError as error:
        raise _changed(book) from error
    if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (
        opened.st_dev,
        opened.st_ino,
        opened.st_size,
        opened.st_mtime_ns,
    ):
        raise _changed(book)


def real_path(path: Path) -> Path:
    """The file a symlink points to (followed to the end); other paths absolute as they are."""
    return Path(os.path.realpath(path))


# ---------------------------------------------------------------------------------------------
# read-only files

_FS_IOC_GETFLAGS: Final = 0x80086601  # _IOR('f', 1, long) on 64-bit Linux
_FS_IMMUTABLE_OR_APPEND: Final = 0x10 | 0x20  # FS_IMMUTABLE_FL | FS_APPEND_FL


def _immutable(path: Path, info: os.stat_result) -> bool:
    """chattr +i / +a (Linux) or chflags uchg/schg/uappnd (BSD, macOS)."""
    flags = getattr(info, "st_flags", 0)
    if flags & (
        getattr(stat, "UF_IMMUTABLE", 0)
        | getattr(stat, "SF_IMMUTABLE", 0)
        | getattr(stat, "UF_APPEND", 0)
        | getattr(stat, "SF_APPEND", 0)
    ):
        return True
    if not sys.platform.startswith("linux"):
        return False
    import array
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        value = array.array("l", [0])
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, value, True)
    except OSError:  # a file system without these flags (tmpfs, some network shares)
        return False
    finally:
        os.close(fd)
    return bool(value[0] & _FS_IMMUTABLE_OR_APPEND)


def check_writable(path: Path) -> None:
    """Refuse a file without any write permission bit, or marked immutable: its owner made it
    read-only on purpose (the mode bits are read, not tried — root could write anyway)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if info.st_mode & 0o222 == 0 or _immutable(path, info):
        raise WorkbookReadOnly(
            f"「{path.name}」是只读文件，未写入任何内容。请取消只读属性（Windows: 右键 → 属性；"
            "macOS/Linux: chmod u+w），或用 -o 把结果写到另一个文件"
        )


# ---------------------------------------------------------------------------------------------
# temporary files


def temp_prefix(book: Path) -> str:
    """Prefix of the temporary files written next to ``book``: ``.shoprules-BOOK.xlsx.``."""
    name = book.name
    if len(name.encode("utf-8")) > 160:  # keep prefix + random part + suffix under NAME_MAX
        name = "h" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:16]
    return f".shoprules-{name}."


def remove_stale_temps(book: Path, *, older_than: float = STALE_AFTER) -> list[Path]:
    """Delete this book's temporary files (``.shoprules-BOOK.*.tmp`` / ``.bak``) that a killed
    run left behind: only regular files of ours, only next to ``book``, only older than
    ``older_than`` seconds. Returns what was removed."""
    prefix = temp_prefix(book)
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(book.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not name.endswith((".tmp", ".bak")):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < older_than:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


# ---------------------------------------------------------------------------------------------
# the advisory lock

_HELD: dict[Path, tuple[int, int]] = {}  # lock file → (thread, depth): re-entrant per thread
_HELD_GUARD = threading.Lock()


def lock_path_for(book: Path) -> Path:
    """The advisory lock file of ``book``: ``.~shoprules-BOOK.xlsx.lock`` beside it."""
    return book.with_name(f".~shoprules-{book.name}.lock")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # (not os.name: type checkers follow sys.platform)
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def workbook_lock(book: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the advisory lock of ``book`` (symlinks resolved) for the block: another recompute
    of the same workbook waits up to ``timeout`` seconds, then :class:`WorkbookBusy`.

    Re-entrant within a thread. Where the lock file cannot be created (a read-only folder,
    which cannot receive the result either) the block runs without it."""
    lock = lock_path_for(real_path(book))
    me = threading.get_ident()
    with _HELD_GUARD:
        owner, depth = _HELD.get(lock, (0, 0))
        if depth and owner == me:
            _HELD[lock] = (me, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[lock] = (me, _HELD[lock][1] - 1)
        return
    fd = _acquire(lock, book, timeout)
    with _HELD_GUARD:
        _HELD[lock] = (me, 1)
    try:
        yield
    finally:
        with _HELD_GUARD:
            del _HELD[lock]
        if fd is not None:
            _release(lock, fd)


def _acquire(lock: Path, book: Path, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return None
        if _try_lock(fd):
            try:  # the holder before us may have removed the file: lock the one in place
                same = os.path.samestat(os.fstat(fd), os.stat(lock))
            except OSError:
                same = False
            if same:
                return fd
            _unlock(fd)
        os.close(fd)
        if time.monotonic() >= deadline:
            raise WorkbookBusy(
                f"另一个 shoprules 正在重算「{book.name}」，等待 {timeout:.0f} 秒后仍未结束。"
                "未写入任何内容；请等它完成后再运行"
                f"（若确定没有其他重算在运行，可删除 {lock.name} 后重试）"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def _release(lock: Path, fd: int) -> None:
    if sys.platform != "win32":  # removed while still held, so nobody locks a file about to vanish
        with contextlib.suppress(OSError):
            os.unlink(lock)
    _unlock(fd)
    os.close(fd)
    if sys.platform == "win32":
        with contextlib.suppress(OSError):
            os.unlink(lock)


def locks_workbook(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function(path, …)`` holding :func:`workbook_lock` on its first argument."""

    @functools.wraps(function)
    def locked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        book = args[0]
        if not isinstance(book, str | os.PathLike):
            raise TypeError(f"{function.__name__}: the first argument is a path, got {book!r}")
        with workbook_lock(Path(book)):
            return function(*args, **kwargs)

    return locked
