"""Safe replacement of a workbook: Excel's lock file, the ``.bak`` copy, fsync of file and
folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .zipio import _CHUNK


def lock_file_for(book: Path) -> Path:
    """Where Excel puts its owner file while ``book`` is open."""
    return book.with_name("~$" + book.name)


def backup_path(book: Path) -> Path:
    """``BOOK.xlsx`` → ``BOOK.xlsx.bak``."""
    return book.with_name(book.name + ".bak")


def _copy_atomically(source: Path, destination: Path) -> None:
    fd, name = tempfile.mkstemp(dir=destination.parent, prefix=".shoprules-", suffix=".bak")
    try:
        with os.fdopen(fd, "wb") as handle, open(source, "rb") as original:
            shutil.copyfileobj(original, handle, _CHUNK)
            handle.flush()
            os.fsync(handle.fileno())
        shutil.copystat(source, name)
        os.replace(name, destination)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; os.replace is durable enough there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
