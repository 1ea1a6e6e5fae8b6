"""The forward view: what must ship today and what is already overdue, one line per order,
soonest deadline first (for the CLI summary and the audit's 待发货清单 sheet).

>>> import pandas as pd
>>> orders = pd.DataFrame({"order_id": ["A", "A", "B", "C"], "platform": ["douyin"] * 4})
>>> results = pd.DataFrame({
...     "ship_by": pd.to_datetime(["2025-06-01 18:00", "2025-06-01 18:00",
...                                "2025-05-31 10:00", "2025-06-03 10:00"]),
...     "ship_status": ["即将超时", "即将超时", "超时未发货", "待发货"]})
>>> table = ship_list(orders, results, pd.Timestamp("2025-06-01 12:00"), [2, 3, 4, 5])
>>> table[["订单编号", "状态", "剩余小时", "行号"]].values.tolist()
[['B', '超时未发货', -26.0, '4'], ['A', '今天须发货', 6.0, '2, 3']]
>>> count_orders(orders)
3
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from shoprules.formulas.calculators.lifecycle import SOON
from shoprules.formulas.calculators.shipping import OVERDUE, PENDING
from shoprules.formulas.fields import PLATFORM_CHINESE

OVERDUE_LABEL: Final = OVERDUE
TODAY_LABEL: Final = "今天须发货"
COLUMNS: Final = ("订单编号", "平台", "发货截止", "状态", "剩余小时", "行号")


def _keys(orders: pd.DataFrame) -> pd.Series:
    n = len(orders)
    ids = orders["order_id"] if "order_id" in orders else pd.Series([None] * n)
    platform = orders["platform"] if "platform" in orders else pd.Series([""] * n)
    ids = ids.reset_index(drop=True).astype(object)
    own = pd.Series([f"#{i}" for i in range(n)], dtype=object)  # rows without an id count alone
    return platform.reset_index(drop=True).astype(str) + "\x00" + ids.where(ids.notna(), own)


def count_orders(orders: pd.DataFrame, rows: np.ndarray | None = None) -> int:
    """Distinct orders (platform + order id; a row without an id is its own order)."""
    keys = _keys(orders)
    return int(keys[rows].nunique() if rows is not None else keys.nunique())


def ship_list(
    orders: pd.DataFrame,
    results: pd.DataFrame,
    as_of: pd.Timestamp,
    row_numbers: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Overdue orders and pending ones whose deadline falls before the end of ``as_of``'s day
    (or within the 即将超时 window), soonest first; hours left are negative when overdue."""
    status = results["ship_status"].reset_index(drop=True).astype(object)
    ship_by = pd.to_datetime(results["ship_by"].reset_index(drop=True))
    now = pd.Timestamp(as_of)
    end_of_day = now.normalize() + pd.Timedelta(days=1)
    waiting = status.isin([PENDING, SOON]) & (ship_by < end_of_day)
    chosen = (status.eq(OVERDUE) | waiting | status.eq(SOON)).to_numpy()
    numbers = list(row_numbers) if row_numbers else list(range(1, len(status) + 1))
    frame = pd.DataFrame(
        {
            "key": _keys(orders),
            "订单编号": orders["order_id"].reset_index(drop=True) if "order_id" in orders else None,
            "平台": orders["platform"].reset_index(drop=True).map(PLATFORM_CHINESE)
            if "platform" in orders
            else None,
            "发货截止": ship_by,
            "状态": np.where(status.eq(OVERDUE), OVERDUE_LABEL, TODAY_LABEL),
            "剩余小时": ((ship_by - now) / pd.Timedelta(hours=1)).round(1),
            "行号": [str(v) for v in numbers],
        }
    )[chosen]
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    first = frame.sort_values("发货截止", kind="stable").drop_duplicates("key")
    split = frame["key"].duplicated(keep=False)
    if split.any():  # an order on several rows lists them all (most orders have one row)
        rows = frame[split].groupby("key", sort=False)["行号"].agg(", ".join)
        joined = first["key"].map(rows)
        first = first.assign(行号=joined.where(joined.notna(), first["行号"]))
    return first[list(COLUMNS)].reset_index(drop=True)
