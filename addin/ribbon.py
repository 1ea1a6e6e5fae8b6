"""Ribbon handlers of the 店铺罚则 tab: recompute the active order sheet, export the audit.

A thin layer over the batch path: one bulk read of the active sheet through xlwings →
:func:`shoprules.workbook.readers.read_rows` → :func:`shoprules.workbook.recompute.
compute_output_columns` → one bulk write of the result block (values converted by
:mod:`shoprules.addin.convert`, the same layer the UDFs use). Errors reach the user as a short
Chinese message; the full traceback goes to the log file (:mod:`shoprules.addin.logs`).

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from . import convert as cv
from .logs import log_exception

__all__ = [
    "RecomputeDone",
    "export_audit",
    "export_audit_button",
    "main",
    "recompute",
    "recompute_button",
]

TITLE: Final = "店铺罚则"
_CHINA: Final = dt.timezone(dt.timedelta(hours=8))
#: Excel number formats for the result columns, by :class:`OutputColumn` kind.
NUMBER_FORMATS: Final[dict[str, str]] = {
    "datetime": "yyyy-mm-dd hh:mm",
    "money": "0.00",
    "hours": "0.0",
    "integer": "0",
}


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


def _now() -> dt.datetime:
    return dt.datetime.now(_CHINA).replace(tzinfo=None, second=0, microsecond=0)


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


def _side_sheets(book: Any) -> tuple[Any, Any]:
    """``规则`` overrides and ``违规记录`` from the saved file (the batch readers read files)."""
    path = _saved_path(book)
    if path is None:
        return None, None
    from shoprules.workbook.readers import read_overrides, read_violation_log

    names = {str(s.name) for s in book.sheets}
    overrides = read_overrides(path) if "规则" in names else None
    log = read_violation_log(path) if "违规记录" in names else None
    return overrides, log


def _result_start(header: Sequence[object], headers: Sequence[str], width: int) -> int:
    """0-based column where the result block goes: over the previous results if the sheet has
    them (the first result header), else just right of the data."""
    cells = [str(h).strip() if h is not None else "" for h in header]
    if headers[0] in cells:
        return cells.index(headers[0])
    used = [i for i, h in enumerate(cells) if h]
    return (used[-1] + 1) if used else width


def recompute(book: Any = None, *, as_of: dt.datetime | None = None) -> RecomputeDone:
    """Recompute the active sheet's result columns (SPEC §4) in place, in the open workbook."""
    from shoprules.workbook.readers import read_rows
    from shoprules.workbook.recompute import compute_output_columns

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
        overrides, log = _side_sheets(book)
        outcome = compute_output_columns(
            read, overrides=overrides, violation_log=log, as_of=as_of or _now()
        )
        app.status_bar = f"{TITLE}：写回结果…"
        headers = [c.header for c in outcome.columns]
        header_index = read.header_row - top
        start = _result_start(rows[header_index], headers, len(rows[header_index]))
        last_row = top + len(rows) - 1  # through the used range: old results below are cleared
        data_rows = last_row - read.header_row
        by_row = {number - read.header_row - 1: i for i, number in enumerate(read.row_numbers)}
        columns = []
        for column in outcome.columns:
            values: list[object] = [None] * data_rows
            for offset, i in by_row.items():
                values[offset] = column.values[i]
            columns.append(values)
        block = [headers, *cv.excel_block(columns, data_rows)]
        first_col = left + start
        sheet.range((read.header_row, first_col)).value = block  # one bulk write
        for k, column in enumerate(outcome.columns):
            number_format = NUMBER_FORMATS.get(column.kind)
            if number_format and data_rows:
                cells = sheet.range((read.header_row + 1, first_col + k), (last_row, first_col + k))
                cells.number_format = number_format
        return RecomputeDone(len(read.orders), first_col, outcome.summary, outcome.messages)
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
            audit_book(copy, target, sheet=str(book.sheets.active.name), as_of=as_of or _now())
    finally:
        book.app.status_bar = False
    return target


class UserMessage(Exception):
    """An expected problem, shown to the user as is (no traceback)."""


def _report(book: Any, step: str, error: Exception) -> None:
    if isinstance(error, UserMessage | ValueError | OSError):
        message = f"{step}失败：{error}"
        if not isinstance(error, UserMessage):
            message += f"\n\n详情见日志: {log_exception(step, error)}"
    else:
        path = log_exception(step, error)
        message = f"{step}失败（{type(error).__name__}）。\n\n详情见日志: {path}"
    book.app.alert(message, title=TITLE, mode="critical")


def main(book: Any = None) -> None:
    """The ribbon button: recompute the active order sheet, then export the audit workbook."""
    book = _caller(book)
    try:
        done = recompute(book)
    except Exception as error:
        _report(book, "重算", error)
        return
    lines = [done.text()]
    try:
        lines.append(f"审计表: {export_audit(book)}")
    except Exception as error:
        _report(book, "导出审计表", error)
    book.app.alert("\n".join(lines), title=TITLE, mode="info")


def recompute_button(book: Any = None) -> None:
    """The 重算 button: recompute the active order sheet and show the summary."""
    book = _caller(book)
    try:
        done = recompute(book)
    except Exception as error:
        _report(book, "重算", error)
        return
    book.app.alert(done.text(), title=TITLE, mode="info")


def export_audit_button(book: Any = None) -> None:
    """The 导出审计 button: export the audit workbook next to the saved workbook."""
    book = _caller(book)
    try:
        path = export_audit(book)
    except Exception as error:
        _report(book, "导出审计表", error)
        return
    book.app.alert(f"审计表: {path}", title=TITLE, mode="info")
