"""A new workbook (XlsxWriter) for inputs that cannot be patched in place — CSV, ``.xls`` and
HTML saved as ``.xls``: the original rows as values, plus the result columns.

Text stays text: ids (19-digit order numbers), titles starting with ``=`` and anything that looks
like a number or a URL are written with ``write_string``, never through float, formula or link.
Numbers and datetimes that the reader already typed are written as such. The header row is frozen
and filtered; result columns get their number formats and widths.

>>> import tempfile, openpyxl
>>> out = Path(tempfile.mkdtemp()) / "export.shoprules.xlsx"
>>> report = write_new_workbook(out, "订单", ["订单编号", "商品标题"],
...     [["4018270033112345678", "=HYPERLINK(1)"]], [OutputColumn("违约金", [7.5], "money")])
>>> report.columns, report.rows_written
({'违约金': 'C'}, 1)
>>> [c.value for c in openpyxl.load_workbook(out)["订单"][2]]
['4018270033112345678', '=HYPERLINK(1)', 7.5]
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from ..columns import FORMATS
from .cells import column_letter
from .columns import OutputColumn, PatchReport
from .errors import WorkbookNotWritable


def write_new_workbook(
    out: Path,
    sheet: str,
    header: Sequence[object],
    rows: Sequence[Sequence[object]] | Any,
    columns: Sequence[OutputColumn],
) -> PatchReport:
    """Write ``header`` (row 1), ``rows`` (a list of lists or a DataFrame, one per data row,
    aligned with each column's values) and ``columns`` right of the widest row into a new
    ``out`` — written to a temporary file beside it and moved into place. Returns a
    :class:`~shoprules.workbook.xlsx.PatchReport`."""
    out = Path(out)
    frame: Any = rows
    if hasattr(frame, "itertuples"):  # a DataFrame: its own header unless one was given
        header = list(header) or [str(c) for c in frame.columns]
        data = [list(r) for r in frame.itertuples(index=False, name=None)]
    else:
        data = [list(r) for r in rows]
    for column in columns:
        if len(column.values) != len(data):
            raise ValueError(
                f"列「{column.header}」有 {len(column.values)} 个值，但有 {len(data)} 行"
            )
    width = max([len(header), *(_width(r) for r in data)])
    folder = out.parent
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".shoprules-", suffix=".xlsx")
    except OSError as error:
        raise WorkbookNotWritable(
            f"无法在文件夹「{folder}」中写入（{error.strerror or error}）。请检查权限，或用 -o 写到其他位置"
        ) from error
    os.close(fd)
    temp = Path(name)
    report = PatchReport(path=out)
    try:
        _write(temp, sheet, list(header), data, columns, width, report)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, out)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WorkbookNotWritable(
            f"无法写入「{out}」（{error.strerror or error}）。请确认文件没有在 Excel 中打开、文件夹可写"
        ) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    report.bytes = out.stat().st_size
    return report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _width(row: Sequence[object]) -> int:
    width = len(row)
    while width and (row[width - 1] is None or row[width - 1] == ""):
        width -= 1
    return width


def _write(
    path: Path,
    sheet: str,
    header: list[object],
    rows: list[list[object]],
    columns: Sequence[OutputColumn],
    width: int,
    report: PatchReport,
) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # rows are written in order; memory stays flat
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    try:
        ws = book.add_worksheet(_sheet_name(sheet))
        bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        plain_date = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        formats = {kind: book.add_format({"num_format": f.code}) for kind, f in FORMATS.items()}
        for c, value in enumerate(header):
            ws.write_string(0, c, "" if value is None else str(value), bold)
        for offset, column in enumerate(columns):
            ws.write_string(0, width + offset, column.header, bold)
            ws.set_column(width + offset, width + offset, FORMATS[column.kind].width)
            report.columns[column.header] = column_letter(width + offset + 1)
        report.appended = [c.header for c in columns]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                _cell(ws, r, c, value, None, plain_date)
            wrote = False
            for offset, column in enumerate(columns):
                fmt = formats[column.kind]
                wrote |= _cell(ws, r, width + offset, column.values[r - 1], fmt, fmt)
            report.rows_written += wrote
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), max(width + len(columns) - 1, 0))
    finally:
        book.close()


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31]
    return cleaned or "订单"


def _cell(ws: Any, r: int, c: int, value: object, fmt: Any, date_fmt: Any) -> bool:
    """Write one value with the right XlsxWriter call (``fmt`` for text, numbers and booleans,
    ``date_fmt`` for datetimes); False for a blank."""
    if value is None or (isinstance(value, str) and value == ""):
        return False
    if isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        if value != value:  # pandas NaT
            return False
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
        ws.write_datetime(r, c, value, date_fmt)
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            return False
        ws.write_number(r, c, value, fmt)
    else:
        item = getattr(value, "item", None)  # numpy scalars
        if callable(item):
            return _cell(ws, r, c, item(), fmt, date_fmt)
        if value != value:  # pd.NA
            return False
        ws.write_string(r, c, str(value), fmt)
    return True
