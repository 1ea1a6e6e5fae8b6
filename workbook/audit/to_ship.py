"""待发货清单: overdue orders and those that must ship today, soonest deadline first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..to_ship import ship_list
from .book import _Book


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
    widths = (22, 8, 18, 12, 10, 16)
    for c, header in enumerate(table.columns):
        sheet.write_string(0, c, str(header), wb.header)
        sheet.set_column(c, c, widths[c])
    sheet.freeze_panes(1, 0)
    if table.empty:
        sheet.write_string(1, 0, f"截至 {as_of:%Y-%m-%d %H:%M} 没有超时或今天须发货的订单")
        return 0
    for r, line in enumerate(table.itertuples(index=False), start=1):
        sheet.write_string(r, 0, str(line[0]), wb.fmt("text"))
        sheet.write_string(r, 1, str(line[1]))
        sheet.write_datetime(r, 2, pd.Timestamp(line[2]).to_pydatetime(), wb.fmt("datetime"))
        sheet.write_string(r, 3, str(line[3]))
        sheet.write_number(r, 4, float(line[4]), wb.fmt("hours"))
        sheet.write_string(r, 5, str(line[5]))
    return len(table)
