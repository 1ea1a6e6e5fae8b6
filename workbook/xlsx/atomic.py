"""Safe replacement of a workbook: Excel's lock file, the ``.bak`` copy, fsync of file and
folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO

from .guard import temp_prefix
from .zipio import _CHUNK


def lock_file_for(book: Path) -> Path:
    """Where Excel puts its owner file while ``book`` is open."""
    return book.with_name("~$" + book.name)


def backup_path(book: Path) -> Path:
    """``BOOK.xlsx`` → ``BOOK.xlsx.bak``."""
    return book.with_name(book.name + ".bak")


def _copy_atomically(source: Path, destination: Path, data: IO[bytes] | None = None) -> None:
    """Copy ``source`` (its bytes read from ``data`` when given: the handle the patch read)."""
    fd, name = tempfile.mkstemp(dir=destination.parent, prefix=temp_prefix(source), suffix=".bak")
    try:
        with os.fdopen(fd, "wb") as handle:
            if data is None:
                with open(source, "rb") as original:
                    shutil.copyfileobj(original, handle, _CHUNK)
            else:
                data.seek(0)
                shutil.copyfileobj(data, handle, _CHUNK)
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
