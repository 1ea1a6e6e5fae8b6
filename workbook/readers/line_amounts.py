"""Order totals written on item-line exports, split back onto the lines (per-item caps apply per
item, EXPORT-FORMATS §4: JD repeats 应付金额 on every SKU row of an order).

>>> ids = pd.Series(["1", "1", "2"], dtype=object)
>>> amounts = pd.Series(pd.array([10000, 0, 500], dtype="Int64"))
>>> split, changed = split_by_weight(ids, amounts, np.array([3000.0, 1000.0, 500.0]))
>>> split.tolist(), changed.tolist()
([7500, 2500, 500], [True, True, False])
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_by_weight(
    ids: pd.Series, amounts: pd.Series, weights: np.ndarray
) -> tuple[pd.Series, np.ndarray]:
    """Each order's total (the sum of its rows' ``amounts``) shared over its rows in proportion
    to ``weights`` (list price × quantity), in whole fen, the rounding remainder on the first
    row. Orders with one row, a blank amount or a missing/non-positive weight keep theirs."""
    ids = ids.reset_index(drop=True)
    amounts = pd.Series(pd.array(amounts, dtype="Int64")).reset_index(drop=True)
    w = pd.Series(np.asarray(weights, dtype="float64"))
    key = ids.where(ids.notna(), pd.Series([f"#{i}" for i in range(len(ids))], dtype=object))
    groups = key.groupby(key, sort=False)
    size = groups.transform("size").to_numpy()
    bad = (amounts.isna() | w.isna() | (w <= 0)).groupby(key, sort=False).transform("any")
    rows = (size > 1) & ~bad.to_numpy(dtype=bool)
    if not rows.any():
        return amounts, np.zeros(len(ids), dtype=bool)
    total = amounts.fillna(0).astype("int64").groupby(key, sort=False).transform("sum")
    w_sum = w.groupby(key, sort=False).transform("sum")
    share = np.floor(total.to_numpy() * (w / w_sum).to_numpy()).astype("int64")
    left = total.to_numpy() - pd.Series(share).groupby(key, sort=False).transform("sum").to_numpy()
    first = ~key.duplicated().to_numpy()
    share[first] += left[first]
    out = amounts.copy()
    out[rows] = share[rows]
    return out, rows
