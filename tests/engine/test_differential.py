"""The vectorised engine and an independent one-row-at-a-time implementation agree on every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shoprules.formulas.engine import compute
from shoprules.formulas.rulebook import load_rulebook

from tests.factories import rule_edge_orders

from .scalar_reference import compute_rows


def _py(value: object) -> object:
    if (
        value is None
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
        or value is pd.NA
    ):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


@pytest.mark.parametrize(
    ("seed", "as_of"),
    [
        (1, "2025-06-01 12:00"),
        (2, "2025-06-01 12:00"),
        (3, "2026-11-30 12:00"),
        (4, "2026-11-30 12:00"),
    ],
)
def test_engine_matches_scalar_reference(seed: int, as_of: str) -> None:
    """Every result column agrees on random orders around every since and until, judged on a
    day before and after the 2025–2026 versions (tiers, caps, custom goods, pickup)."""
    orders = rule_edge_orders(1500, seed)
    if seed >= 3:  # many orders of one buyer on one day: the same-day caps bite
        day = orders["paid_at"].to_numpy().astype("datetime64[D]")
        orders.loc[day == day[0], "buyer_id"] = "b1"
    out = compute(orders, as_of=pd.Timestamp(as_of)).results
    book = load_rulebook()
    columns = [
        "ship_by",
        "ship_status",
        "hours_late",
        "damages",
        "platform_fee",
        "points",
        "return_by",
        "return_status",
        "freight",
    ]
    mismatches = []
    rows = [{k: _py(v) for k, v in record.items()} for record in orders.to_dict("records")]
    expected_rows = compute_rows(book, rows, pd.Timestamp(as_of).to_pydatetime())
    for i, (row, expected) in enumerate(zip(rows, expected_rows, strict=True)):
        got = {c: _py(out.at[i, c]) for c in columns}
        for column in columns:
            if got[column] != expected[column]:
                mismatches.append((i, column, got[column], expected[column], row))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:3]}"
