"""What is written: one result column (header, values, kind) and the report of a write.

The kind picks the number format and, for appended columns, the width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

ColumnKind = Literal["datetime", "money", "hours", "integer", "text"]

#: number format per kind: (built-in numFmtId or None for a custom one, format code)
_FORMATS: Final[dict[str, tuple[int | None, str]]] = {
    "datetime": (None, "yyyy-mm-dd hh:mm:ss"),
    "money": (2, "0.00"),
    "hours": (None, "0.0"),
    "integer": (1, "0"),
    "text": (49, "@"),
}
#: column widths for appended columns (characters)
_WIDTHS: Final[dict[str, str]] = {
    "datetime": "19",
    "money": "10",
    "hours": "9",
    "integer": "7",
    "text": "22",
}


@dataclass(frozen=True)
class OutputColumn:
    """One result column: its header, one value per data row (aligned with ``row_numbers``) and
    its kind, which picks the number format.

    Values: ``None`` (blank cell), ``int``/``float``, ``bool``, ``str`` (always an inline string,
    never a formula, even when it starts with ``=``), naive ``datetime``/``date``.
    Kinds: ``datetime`` (yyyy-mm-dd hh:mm:ss), ``money`` (0.00), ``hours`` (0.0), ``integer``
    (0), ``text`` (@).
    """

    header: str
    values: Sequence[object]
    kind: ColumnKind


@dataclass
class PatchReport:
    """What :func:`patch_sheet_columns` did."""

    path: Path
    backup: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)  # header → column letter
    appended: list[str] = field(default_factory=list)  # headers that were not there before
    rows_written: int = 0  # data rows with at least one result value
    cells_cleared: int = 0  # stale results cleared in rows that are no longer data rows
    styles_appended: int = 0  # numFmt + xf elements added to styles.xml
    bytes: int = 0  # size of the written file
