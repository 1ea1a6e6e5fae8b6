"""Write a new workbook (XlsxWriter) when the input was CSV, ``.xls`` or HTML: the original rows
as values — ids and every other text as text, never through float or formula — plus the result
columns with their formats, a frozen header and an autofilter."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from .xlsx_patch import OutputColumn

_FORMATS = {
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "money": "0.00",
    "hours": "0.0",
    "integer": "0",
    "text": "@",
}
_WIDTHS = {"datetime": 19, "money": 10, "hours": 9, "integer": 7, "text": 24}


def write_new_workbook(
    out: Path,
    sheet: str,
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    columns: Sequence[OutputColumn],
) -> Path:
    """Write ``header`` and the data ``rows`` as values, then ``columns`` (one value per data
    row) right of the widest row. Returns ``out``.

    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "out.xlsx"
    >>> _ = write_new_workbook(path, "订单", ["订单编号"], [["=1+1"]], [OutputColumn("违约金", [0.35], "money")])
    >>> [c.value for c in openpyxl.load_workbook(path)["订单"][2]]
    ['=1+1', 0.35]
    """
    out = Path(out)
    width = max([len(header), *(len(r) for r in rows)])
    book = xlsxwriter.Workbook(
        str(out),
        {
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    try:
        sheet_ = book.add_worksheet(sheet[:31] or "订单")
        bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        formats = {kind: book.add_format({"num_format": code}) for kind, code in _FORMATS.items()}
        plain_date = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for c, value in enumerate(header):
            if value not in (None, ""):
                sheet_.write_string(0, c, str(value), bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet_.write_string(r, c, value)
                elif isinstance(value, bool):
                    sheet_.write_boolean(r, c, value)
                elif isinstance(value, dt.datetime | dt.date):
                    sheet_.write_datetime(r, c, value, plain_date)
                elif isinstance(value, int | float) and math.isfinite(value):
                    sheet_.write_number(r, c, value)
                else:
                    sheet_.write_string(r, c, str(value))
        for offset, column in enumerate(columns):
            c = width + offset
            sheet_.write_string(0, c, column.header, bold)
            sheet_.set_column(c, c, _WIDTHS[column.kind])
            fmt = formats[column.kind]
            for r, value in enumerate(column.values, start=1):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                if isinstance(value, dt.datetime):
                    sheet_.write_datetime(r, c, value, fmt)
                elif isinstance(value, str):
                    sheet_.write_string(r, c, value, fmt)
                else:
                    sheet_.write_number(r, c, value, fmt)
        sheet_.freeze_panes(1, 0)
        sheet_.autofilter(0, 0, max(len(rows), 1), width + len(columns) - 1)
    finally:
        book.close()
    return out
