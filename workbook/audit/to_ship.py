"""待发货清单: overdue orders and those that must ship today, soonest deadline first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..to_ship import ship_list
from .book import _Book, _Column, _write_table
from .values import _number_list, _text_list, _time_list

_WIDTHS = (22, 8, 18, 12, 10, 16)
_KINDS = (("text", "text"), ("text", None), ("number", "datetime"), ("text", None),
          ("number", "hours"), ("text", None))  # fmt: skip


def _write_to_ship(
    wb: _Book,
    sheet: Any,
    orders: pd.DataFrame,
    results: pd.DataFrame,
    as_of: pd.Timestamp,
    row_numbers: Sequence[int] | None = None,
) -> int:
    """Write the list (header on row 1, a line when empty); returns the orders listed."""
    table = ship_list(orders, results, as_of, row_numbers)
    columns = []
    for (header, values), (kind, fmt), width in zip(table.items(), _KINDS, _WIDTHS, strict=True):
        if fmt == "datetime":
            cells = _time_list(values)
        elif kind == "number":
            cells = _number_list(values)
        else:
            cells = _text_list(values)
        columns.append(_Column(str(header), kind, cells, fmt, width=width))
    _write_table(wb, sheet, columns, filter_=not table.empty)
    if table.empty:
        sheet.write_string(1, 0, f"截至 {as_of:%Y-%m-%d %H:%M} 没有超时或今天须发货的订单")
    return len(table)
