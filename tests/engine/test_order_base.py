"""Douyin 2026 deductions are computed on the order's paid total (``base: order_paid``) and
charged once per main order, however many sub-order rows the export has."""

from __future__ import annotations

import pandas as pd
from shoprules.formulas.engine import compute


def test_douyin_2026_split_order_is_charged_once_on_its_total() -> None:
    orders = pd.DataFrame(
        {
            "order_id": ["A", "A", "B"],
            "sub_order_id": ["A1", "A2", "B1"],
            "platform": ["douyin"] * 3,
            "paid_amount": pd.array([15_000, 6_000, 21_000], dtype="Int64"),
            "paid_at": pd.to_datetime(["2026-11-20 10:00"] * 3),
            "promised_ship_by": pd.to_datetime(["2026-11-22 10:00"] * 3),
        }
    )
    results = compute(orders, as_of=pd.Timestamp("2026-12-01 09:00")).results
    # order A (150 + 60) and order B (210) owe the same: 1% of 210 = 2.1 → at least 2 → 2
    assert results["damages"].tolist() == [200, 0, 200]
    assert "每单计一次" in results["damages_rule"][1]
