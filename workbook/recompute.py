"""Batch recompute: read a file, compute the result columns of SPEC §4, write them back.

:func:`recompute_book` runs the :mod:`~shoprules.workbook.pipeline` on a file and writes the
columns (in place for ``.xlsx``/``.xlsm``, a new ``BOOK.shoprules.xlsx`` for CSV, ``.xls`` and
HTML). The pure step, :func:`~shoprules.workbook.pipeline.compute_output_columns`, is re-exported
here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import pandas as pd
from shoprules.formulas.rulebook import Rulebook

from .pipeline import (
    RecomputeOutcome,
    RecomputeSummary,
    Stage,
    compute_output_columns,
    no_stage,
    output_columns,
    run_book,
    summarize,
)
from .readers import UnusableInput
from .xlsx import OutputColumn, fingerprint, locks_workbook

__all__ = [
    "OutputColumn",
    "RecomputeOutcome",
    "RecomputeSummary",
    "compute_output_columns",
    "new_workbook_path",
    "order_sheet_names",
    "output_columns",
    "recompute_book",
    "summarize",
]

#: Formats written back in place; everything else gets a new ``.shoprules.xlsx``.
IN_PLACE_FORMATS: Final = ("xlsx", "xlsm")


def order_sheet_names(path: str | Path) -> tuple[str, list[str]]:
    """(format, the order sheets of a workbook in book order) — sheets other than 规则 and
    违规记录 with an order header in their first 20 rows; no names for CSV/HTML or a book with
    a single candidate sheet (nothing is loaded then)."""
    from .readers.formats import HEADER_SCAN_LIMIT, ORDER_SHEET_SKIP, load_raw, sniff_format
    from .readers.headers import header_score

    try:
        with Path(path).open("rb") as handle:
            fmt = sniff_format(handle.read(8192))
    except OSError:
        return "", []  # recompute_book says what is wrong with the path
    if fmt not in ("xlsx", "xls"):
        return fmt, []  # CSV / HTML: one table, not loaded twice
    fmt, sheets = load_raw(Path(path))
    candidates = [s for s in sheets if s.name is not None and s.name not in ORDER_SHEET_SKIP]
    if len(candidates) < 2:
        return fmt, []
    return fmt, [
        str(s.name)
        for s in candidates
        if max((header_score(row) for row in s.rows[:HEADER_SCAN_LIMIT]), default=0) > 1
    ]


def new_workbook_path(path: Path) -> Path:
    """Where a CSV / ``.xls`` / HTML input's results go: ``orders.csv`` → ``orders.shoprules.xlsx``.

    >>> new_workbook_path(Path("exports/订单.csv")).as_posix()
    'exports/订单.shoprules.xlsx'
    """
    return path.with_name(path.stem + ".shoprules.xlsx")


@locks_workbook  # a second recompute of the same book waits for this one
def recompute_book(
    path: str | Path,
    *,
    sheet: str | None = None,
    platform: str | None = None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    out: str | Path | None = None,
    rulebook: Rulebook | None = None,
    stage: Stage | None = None,
    keep_backup: bool = True,
) -> RecomputeOutcome:
    """Read ``path``, compute, and write the result columns; returns what was done.

    ``.xlsx``/``.xlsm`` are patched in place (or into ``out``) with nothing else changed and a
    ``.bak`` kept; other inputs are written to ``out`` or :func:`new_workbook_path`. Raises
    :class:`~shoprules.workbook.readers.UnusableInput` (nothing written) when the file, its order
    sheet or its ``规则`` sheet cannot be used.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInput(f"文件不存在: {path}（请检查路径和文件名）")
    lock = path.with_name("~$" + path.name)
    if lock.exists() and (out is None or Path(out).resolve() == path.resolve()):
        raise UnusableInput(
            f"工作簿正在 Excel/WPS 中打开（发现锁文件 {lock.name}）。请先保存并关闭它再重算，"
            "或用 -o 写到另一个文件"
        )
    read_as = fingerprint(path)  # the book must still be this file when it is replaced
    outcome = run_book(
        path,
        sheet=sheet,
        platform=platform,
        as_of=as_of,
        rules_as_of=rules_as_of,
        rulebook=rulebook,
        stage=stage,
    )
    read = outcome.read
    if read is None:  # run_book always reads; a caller passing no rows is a programming error
        raise TypeError("recompute_book: the pipeline returned no read result")
    report = stage or no_stage
    report("write")
    if read.source_format in IN_PLACE_FORMATS:
        from .order_rows import rows_not_orders
        from .xlsx import patch_sheet_columns

        if read.sheet is None:
            raise UnusableInput(f"没有找到订单工作表: {path}")
        target = Path(out) if out is not None else path
        outcome.report = patch_sheet_columns(
            path,
            read.sheet,
            read.header_row,
            read.row_numbers,
            outcome.columns,
            out=None if out is None else target,
            keep_backup=keep_backup,
            keep_rows=rows_not_orders(read),
            read_as=read_as,
        )
        outcome.output, outcome.in_place = target, out is None
    else:
        from .convert import typed_columns
        from .readers.formats import load_raw
        from .xlsx import write_new_workbook

        target = Path(out) if out is not None else new_workbook_path(path)
        _, sheets = load_raw(path)
        raw = next((s for s in sheets if s.name == read.sheet), sheets[0])
        header = list(raw.rows[read.header_row - 1])
        rows = [raw.rows[number - 1] for number in read.row_numbers]
        source, kinds = typed_columns(read, header, rows)
        outcome.report = write_new_workbook(
            target, read.sheet or "订单", header, [], outcome.columns,
            source_columns=source, kinds=kinds,
        )  # fmt: skip
        outcome.output, outcome.in_place = target, False
    report("done")
    return outcome
