"""Ribbon handlers of the 店铺罚则 tab: recompute the active order sheet, export the audit.

A thin layer over the batch path: one bulk read of the active sheet through xlwings →
:func:`shoprules.workbook.readers.read_rows` → the pipeline's rows-in-memory entry
(:func:`shoprules.workbook.pipeline.compute_output_columns`) → one bulk write of the result
block (more only when the columns or rows are not side by side: a total row is left alone). The
columns go where ``shoprules recompute`` puts them (:func:`shoprules.workbook.columns.
place_columns`) with the same number formats (:data:`shoprules.workbook.columns.FORMATS`), and
new header cells take the formats of the header cell whose style the CLI copies
(:func:`shoprules.workbook.columns.header_style_column`).
Errors reach the user as a short Chinese message; the full traceback goes to the log file
(:mod:`shoprules.addin.logs`).

The add-in's button runs ``import shoprules.addin.ribbon; shoprules.addin.ribbon.main()`` (the
xlwings template's ``RunMain`` callback imports the module named after the add-in file, which is
why the file is ``shoprules.addin.ribbon.xlam``). ``main`` recomputes, then exports the audit.
Each step can also be run alone from a macro: ``RunPython "import shoprules.addin.ribbon as r;
r.recompute()"``.

Every handler takes an optional ``book`` (an ``xlwings.Book``; by default ``xw.Book.caller()``,
called inside the handler, never at import) so it can be driven from Python or a test.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from shoprules.workbook.clock import china_now
from shoprules.workbook.errors import ShoprulesError

from .logs import log_exception

if TYPE_CHECKING:
    from shoprules.workbook.pipeline import SideSheets

__all__ = [
    "RecomputeDone",
    "export_audit",
    "export_audit_button",
    "main",
    "recompute",
    "recompute_button",
]

TITLE: Final = "店铺罚则"
_RECOMPUTE: Final = "重算"  # the steps as the failure messages name them
_EXPORT: Final = "导出审计表"
_T = TypeVar("_T")


class RecomputeDone:
    """What a recompute did, for the summary message and for callers."""

    def __init__(self, rows: int, first_column: int, summary: Any, messages: Sequence[str]):
        self.rows = rows
        self.first_column = first_column
        self.summary = summary
        self.messages = list(messages)

    def text(self) -> str:
        s = self.summary
        lines = [
            f"已重算 {s.orders} 个订单",
            f"延迟/超时发货: {s.late}",
            f"违约金合计: {s.damages_fen / 100:,.2f} 元",
            f"平台扣款合计: {s.platform_fee_fen / 100:,.2f} 元",
            f"扣分合计: {s.points}",
        ]
        if s.problem_rows:
            lines.append(f"有数据问题的行: {s.problem_rows}（见「数据问题」列）")
        return "\n".join(lines + self.messages)


def _caller(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _epoch1904(book: Any) -> bool:
    try:
        return bool(book.api.Date1904)
    except Exception:  # no COM (a test double, or not Windows): Excel's default 1900 system
        return False


def _saved_path(book: Any) -> Path | None:
    try:
        path = Path(str(book.fullname))
    except Exception:
        return None
    return path if path.is_file() else None


def _side_sheets(book: Any) -> SideSheets:
    """``规则`` overrides and ``违规记录`` from the saved file (the batch readers read files)."""
    from shoprules.workbook.pipeline import SideSheets, read_side_sheets

    path = _saved_path(book)
    if path is None:
        return SideSheets()
    return read_side_sheets(path, [str(s.name) for s in book.sheets])


def _blank(value: object) -> bool:
    return value is None or value == ""


def _last_used(rows: Sequence[Sequence[object]], left: int) -> int:
    """1-based sheet column of the right-most value in ``rows`` (0 when there is none)."""
    used = [max((i for i, v in enumerate(row) if not _blank(v)), default=-1) for row in rows]
    last = max(used, default=-1)
    return left + last if last >= 0 else 0


def _runs(columns: Sequence[int]) -> list[list[int]]:
    """Indices into ``columns`` grouped into runs of adjacent sheet columns (one write each).

    >>> _runs([6, 7, 8, 2, 9])
    [[0, 1, 2], [3], [4]]
    """
    runs: list[list[int]] = []
    for k, column in enumerate(columns):
        if runs and columns[runs[-1][-1]] + 1 == column:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def _row_runs(first: int, last: int, skip: Collection[int]) -> list[tuple[int, int]]:
    """Sheet rows ``first``…``last`` without ``skip``, as ``(first, last)`` runs.

    >>> _row_runs(2, 9, {5, 6})
    [(2, 4), (7, 9)]
    """
    runs: list[tuple[int, int]] = []
    for row in range(first, last + 1):
        if row in skip:
            continue
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def _write_results(
    sheet: Any,
    header_row: int,
    targets: Sequence[int],
    headers: Sequence[str],
    formats: Sequence[str],
    columns: Sequence[Sequence[object]],
    rows: Sequence[tuple[int, int]],
) -> None:
    """Number formats, then values: one bulk write per run of adjacent columns and rows (one in
    all for the usual sheet). ``columns`` hold a value per sheet row below the header."""
    for k, code in enumerate(formats):  # formats first: text stays text
        for first, last in rows:
            if last > header_row:
                cells = sheet.range((max(first, header_row + 1), targets[k]), (last, targets[k]))
                cells.number_format = code
    for run in _runs(targets):
        for first, last in rows:
            block = [
                [headers[k] if row == header_row else columns[k][row - header_row - 1] for k in run]
                for row in range(first, last + 1)
            ]
            sheet.range((first, targets[run[0]])).value = block


def _style_new_headers(
    app: Any, sheet: Any, header_row: int, source: int | None, targets: Sequence[int]
) -> None:
    """Give the new header cells ``targets`` (adjacent: appended one after another) the formats
    (font, fill, borders, alignment) of the header cell in column ``source`` with Excel's copy
    and paste-formats, as ``shoprules recompute`` gives them that cell's style."""
    if source is None or not targets:
        return
    sheet.range((header_row, source)).copy()
    try:
        cells = sheet.range((header_row, min(targets)), (header_row, max(targets)))
        cells.paste(paste="formats")
    finally:
        app.cut_copy_mode = False  # no marching ants left round the source cell


def recompute(book: Any = None, *, as_of: dt.datetime | None = None) -> RecomputeDone:
    """Recompute the active sheet's result columns (SPEC §4) in place, in the open workbook:
    the same values, number formats and column positions as ``shoprules recompute``; rows that
    are not orders (a total, a note) are left as they are."""
    from shoprules.workbook.columns import FORMATS, header_style_column, place_columns
    from shoprules.workbook.order_rows import rows_not_orders
    from shoprules.workbook.pipeline import compute_output_columns
    from shoprules.workbook.readers import read_rows

    book = _caller(book)
    app = book.app
    sheet = book.sheets.active
    try:
        app.status_bar = f"{TITLE}：读取「{sheet.name}」…"
        used = sheet.used_range
        rows = used.options(ndim=2, err_to_str=True).value  # one bulk read
        top, left = int(used.row), int(used.column)
        read = read_rows(
            rows, epoch1904=_epoch1904(book), first_row_number=top, sheet=str(sheet.name)
        )
        app.status_bar = f"{TITLE}：计算 {len(read.orders)} 个订单…"
        outcome = compute_output_columns(
            read, overrides=_side_sheets(book), as_of=as_of or china_now()
        )
        app.status_bar = f"{TITLE}：写回结果…"
        headers = [c.header for c in outcome.columns]
        header_index = read.header_row - top
        placement = place_columns(
            rows[header_index],
            headers,
            last_used=_last_used(rows[header_index:], left),
            first_column=left,
        )
        last_row = top + len(rows) - 1  # through the used range: old results below are cleared
        data_rows = last_row - read.header_row
        by_row = {number - read.header_row - 1: i for i, number in enumerate(read.row_numbers)}
        columns = []
        for column in outcome.columns:
            values: list[object] = [None] * data_rows
            for offset, i in by_row.items():
                values[offset] = column.values[i]
            columns.append(values)
        targets = [placement.columns[h] for h in headers]
        _write_results(
            sheet,
            read.header_row,
            targets,
            headers,
            [FORMATS[c.kind].code for c in outcome.columns],
            columns,
            _row_runs(read.header_row, last_row, set(rows_not_orders(read))),
        )
        _style_new_headers(
            app,
            sheet,
            read.header_row,
            header_style_column(rows[header_index], first_column=left),
            list(placement.appended.values()),
        )
        for header, target in placement.appended.items():
            width = FORMATS[outcome.column(header).kind].width
            sheet.range((read.header_row, target)).column_width = width
        return RecomputeDone(len(read.orders), min(targets), outcome.summary, outcome.messages)
    finally:
        app.status_bar = False


def export_audit(book: Any = None, *, as_of: dt.datetime | None = None) -> Path:
    """Write ``<book>.audit.xlsx`` next to the active workbook (a saved copy of the open book is
    audited, so unsaved results are included; the workbook itself is not touched)."""
    book = _caller(book)
    source = _saved_path(book)
    if source is None:
        raise UserMessage("请先保存工作簿，审计表会写在它旁边")
    try:
        from shoprules.workbook.audit import audit_book
    except ImportError as error:
        raise UserMessage("审计表导出尚未可用（shoprules.workbook.audit 未安装）") from error
    target = source.with_name(source.stem + ".audit.xlsx")
    book.app.status_bar = f"{TITLE}：导出审计表…"
    try:
        with tempfile.TemporaryDirectory(prefix="shoprules-") as folder:
            copy = Path(folder) / source.name
            try:
                book.api.SaveCopyAs(str(copy))
            except Exception:  # no COM: audit the saved file as it is
                copy = source
            audit_book(copy, target, sheet=str(book.sheets.active.name), as_of=as_of or china_now())
    finally:
        book.app.status_bar = False
    return target


class UserMessage(Exception):
    """An expected problem, shown to the user as is (no traceback)."""


def _report(book: Any, step: str, error: Exception) -> None:
    if isinstance(error, UserMessage | ShoprulesError | ValueError | OSError):
        message = f"{step}失败：{error}"
        if isinstance(error, ShoprulesError) and error.hint:
            message += f"\n怎么办：{error.hint}"
        if not isinstance(error, UserMessage):
            message += f"\n\n详情见日志: {log_exception(step, error)}"
    else:
        path = log_exception(step, error)
        message = f"{step}失败（{type(error).__name__}）。\n\n详情见日志: {path}"
    book.app.alert(message, title=TITLE, mode="critical")


def _attempt(book: Any, step: str, action: Callable[[Any], _T]) -> _T | None:
    """``action(book)``, or None after reporting its failure (:func:`_report`)."""
    try:
        return action(book)
    except Exception as error:
        _report(book, step, error)
        return None


def main(book: Any = None) -> None:
    """The ribbon button: recompute the active order sheet, then export the audit workbook."""
    book = _caller(book)
    done = _attempt(book, _RECOMPUTE, recompute)
    if done is None:
        return
    lines = [done.text()]
    path = _attempt(book, _EXPORT, export_audit)
    if path is not None:
        lines.append(f"审计表: {path}")
    book.app.alert("\n".join(lines), title=TITLE, mode="info")


def recompute_button(book: Any = None) -> None:
    """The 重算 button: recompute the active order sheet and show the summary."""
    book = _caller(book)
    done = _attempt(book, _RECOMPUTE, recompute)
    if done is not None:
        book.app.alert(done.text(), title=TITLE, mode="info")


def export_audit_button(book: Any = None) -> None:
    """The 导出审计 button: export the audit workbook next to the saved workbook."""
    book = _caller(book)
    path = _attempt(book, _EXPORT, export_audit)
    if path is not None:
        book.app.alert(f"审计表: {path}", title=TITLE, mode="info")
