"""Where the add-in writes full tracebacks (users see a short Chinese message instead).

``%LOCALAPPDATA%\\shoprules\\shoprules-addin.log`` on Windows, ``~/.shoprules/shoprules-addin.log``
elsewhere; ``SHOPRULES_ADDIN_LOG`` overrides the path. Entries are stamped in China time (the
project's one clock, :func:`shoprules.workbook.clock.china_now`), like every other time it shows.

>>> import os, tempfile
>>> os.environ["SHOPRULES_ADDIN_LOG"] = os.path.join(tempfile.mkdtemp(), "addin.log")
>>> try:
...     raise ValueError("boom")
... except ValueError as error:
...     path = log_exception("SR_DAMAGES", error)
>>> "ValueError: boom" in path.read_text(encoding="utf-8")
True
>>> del os.environ["SHOPRULES_ADDIN_LOG"]
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Final

from shoprules.workbook.clock import china_now

LOG_NAME: Final = "shoprules-addin.log"
_MAX_BYTES: Final = 2_000_000


def log_path() -> Path:
    """The log file's path (its folder is created when the first entry is written)."""
    override = os.environ.get("SHOPRULES_ADDIN_LOG")
    if override:
        return Path(override)
    local = os.environ.get("LOCALAPPDATA")
    base = Path(local) / "shoprules" if local else Path.home() / ".shoprules"
    return base / LOG_NAME


def log_exception(context: str, error: BaseException) -> Path:
    """Append ``error``'s traceback under a heading stamped in China time; return the log's path.

    Never raises: a log that cannot be written must not turn a handled error into a crash.
    """
    path = log_path()
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > _MAX_BYTES:
            path.replace(path.with_suffix(".log.1"))
        with path.open("a", encoding="utf-8") as log:
            log.write(f"=== {china_now('second'):%Y-%m-%d %H:%M:%S} {context}\n{text}\n")
    except OSError:
        pass
    return path
