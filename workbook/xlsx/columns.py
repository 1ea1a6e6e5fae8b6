"""What is written: one result column (header, values, kind) and the report of a write.

The kind picks the number format and, for appended columns, the width
(:data:`shoprules.workbook.columns.FORMATS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..columns import ColumnKind


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
