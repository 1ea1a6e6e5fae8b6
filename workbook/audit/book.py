"""The audit's XlsxWriter workbook: its formats, the table column and the constant-memory table
writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import xlsxwriter

from ..cells.excel import display_width
from ..columns import FORMATS
from ..xlsx.conditional import COLOURS, STATUS_RULES

#: sums and amounts in the audit show thousands separators (the result columns: FORMATS["money"])
_MONEY: Final = "#,##0.00"
_DATETIME: Final = FORMATS["datetime"].code
_DATE: Final = "yyyy-mm-dd"


def _width(header: str, values: Sequence[object]) -> float:
    sample = [display_width(str(v)) for v in values[:300] if v is not None]
    return float(min(max([display_width(header), *sample]) + 2, 60))


# ---------------------------------------------------------------------------------------------
# Columns: each is (header, kind, values[, cached]) with kinds text / number / formula / skip.


@dataclass
class _Column:
    header: str
    kind: str  # "text" | "number" | "formula"
    values: list[Any]
    fmt: str | None = None
    cached: list[Any] | None = None
    width: float | None = None


class _Book:
    """XlsxWriter workbook with the audit's formats."""

    def __init__(self, path: Path, created: dt.datetime) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "use_future_functions": False,
            },
        )
        self.wb.set_properties(
            {"title": "shoprules 审计表", "author": "shoprules", "created": created}
        )
        self.wb.set_calc_mode("auto")
        add = self.wb.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.formats: dict[str, Any] = {
            "money": add({"num_format": _MONEY}),
            "datetime": add({"num_format": _DATETIME}),
            "date": add({"num_format": _DATE}),
            "hours": add({"num_format": FORMATS["hours"].code}),
            "integer": add({"num_format": FORMATS["integer"].code}),
            "percent": add({"num_format": "0.00%"}),
            "text": add({"num_format": FORMATS["text"].code}),
            "formula": add({"num_format": _MONEY, "bg_color": "#FFF2CC"}),
            "wrap": add({"text_wrap": True, "valign": "top"}),
        }

    def fmt(self, name: str | None) -> Any:
        return None if name is None else self.formats[name]


# Replaces xlsxwriter's Worksheet._prepare_formula, so it keeps that signature; the flag is unused.
def _prepare_plain_formula(formula: str, expand_future_functions: bool = False) -> str:  # noqa: ARG001
    return formula[1:] if formula.startswith("=") else formula


def _write_table(
    book: _Book,
    sheet: Any,
    columns: list[_Column],
    *,
    first_row: int = 0,
    freeze: bool = True,
    filter_: bool = True,
    widths: bool = True,
) -> int:
    """Write a header row and the columns row by row (constant memory); returns rows written."""
    n = len(columns[0].values) if columns else 0
    for c, column in enumerate(columns):
        sheet.write_string(first_row, c, column.header, book.header)
        if widths:
            sheet.set_column(c, c, column.width or _width(column.header, column.values))
    if freeze:
        sheet.freeze_panes(first_row + 1, 0)
    if filter_ and columns:
        sheet.autofilter(first_row, 0, first_row + max(n, 1), len(columns) - 1)
    # Our formulas use only ROUND/INT/MIN/MAX/IF/SUMIFS/COUNTIFS, which need no ``_xlfn.``
    # prefix; XlsxWriter's 30+ regex passes per formula (≈0.2 ms each) are skipped.
    sheet._prepare_formula = _prepare_plain_formula
    plan: list[tuple[int, Callable[..., Any], list[Any], Any, list[Any] | None]] = []
    for c, column in enumerate(columns):
        method = {
            "text": sheet.write_string,
            "number": sheet.write_number,
            "formula": sheet.write_formula,
        }[column.kind]
        plan.append((c, method, column.values, book.fmt(column.fmt), column.cached))
    for r in range(n):
        row = first_row + 1 + r
        for c, method, values, fmt, cached in plan:
            value = values[r]
            if value is None:
                continue
            if cached is None:
                method(row, c, value, fmt)
            elif value.__class__ is str and value[:1] == "=":
                method(row, c, value, fmt, cached[r])
            else:  # a formula column may hold a plain number (0) or a reason text
                (sheet.write_number if value.__class__ is not str else sheet.write_string)(
                    row, c, value, fmt if value.__class__ is not str else None
                )
    return n


def _print_setup(sheet: Any, *, header_row: int) -> None:
    """A4 landscape, one page wide (as many pages tall as needed), ``header_row`` (0-based)
    repeated on every page."""
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)


def _status_colours(book: _Book, sheet: Any, columns: list[_Column], n: int) -> None:
    """Conditional formats on the status columns (发货状态, 退货状态, 售后状态): the same
    colours as in a recomputed order sheet (:data:`~shoprules.workbook.xlsx.conditional.STATUS_RULES`)."""
    if n == 0:
        return
    formats = {
        colour: book.wb.add_format({"font_color": f"#{font}", "bg_color": f"#{fill}"})
        for colour, (font, fill) in COLOURS.items()
    }
    for c, column in enumerate(columns):
        for rule in STATUS_RULES.get(column.header, ()):
            options: dict[str, Any] = {"format": formats[rule.colour]}
            if rule.match == "equal":
                options |= {"type": "cell", "criteria": "==", "value": f'"{rule.text}"'}
            else:
                options |= {"type": "text", "criteria": "containing", "value": rule.text}
            sheet.conditional_format(1, c, n, c, options)
