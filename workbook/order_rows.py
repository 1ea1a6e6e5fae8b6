"""Which rows the reader read are orders: the write-back writes only those and leaves the rest
(a total row, notes, values typed below the data) exactly as they are."""

from __future__ import annotations

import numpy as np

from .readers import ReadResult

__all__ = ["rows_not_orders"]


def rows_not_orders(read: ReadResult) -> list[int]:
    """Sheet rows read that hold no order: no order id with a digit in it (合计, 备注…, blank)
    and no date or time in any column. Such a row gets no result cells, and every cell it has
    in the result columns (a =SUM total, a typed note) is kept.

    >>> from shoprules.workbook.readers import read_rows
    >>> read = read_rows([["订单编号", "付款时间", "实付金额"], ["1001", "2024-03-01 10:00", 9],
    ...                   ["合计", None, 9], ["备注：三月", None, None], [None, "2024-03-02", None]])
    >>> rows_not_orders(read)
    [3, 4]
    """
    orders = read.orders
    n = len(read.row_numbers)
    if n == 0 or len(orders) != n:
        return []
    has_id = np.zeros(n, dtype=bool)
    if "order_id" in orders:
        ids = orders["order_id"].astype("string")
        has_id = ids.str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    times = orders.select_dtypes(include=["datetime", "datetimetz"])
    has_time = times.notna().any(axis=1).to_numpy(dtype=bool) if times.shape[1] else has_id & False
    numbers = np.asarray(read.row_numbers)
    return [int(r) for r in numbers[~(has_id | has_time)]]
