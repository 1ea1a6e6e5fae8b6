"""Ship-by judged on 揽收 (pickup) where the rule says so: an export with no pickup time at all
is told once for the run; a row missing its pickup time where others have one is noted on the row.
"""

from __future__ import annotations

import pandas as pd
from shoprules.formulas.calculators.shipping import NO_PICKUP
from shoprules.formulas.engine import compute

AS_OF = pd.Timestamp("2024-07-01 09:00")


def _orders(picked_up: list[str | None]) -> pd.DataFrame:
    n = len(picked_up)
    return pd.DataFrame(
        {
            "order_id": [str(i) for i in range(n)],
            "platform": ["taobao"] * n,
            "paid_amount": pd.array([10_000] * n, dtype="Int64"),
            "paid_at": pd.to_datetime(["2024-05-01 10:00"] * n),
            "shipped_at": pd.to_datetime(["2024-05-02 10:00"] * n),
            "picked_up_at": pd.to_datetime(picked_up),
        }
    )


def test_no_pickup_time_in_the_whole_export_is_one_message_not_a_row_problem() -> None:
    result = compute(_orders([None, None]), as_of=AS_OF)
    assert result.problem_rows == 0
    assert (result.results["problems"].fillna("") == "").all()
    assert len(result.messages) == 1
    assert "淘宝" in result.messages[0]
    assert "揽收" in result.messages[0]
    assert result.results["ship_status"].tolist() == ["按时发货", "按时发货"]


def test_a_row_without_its_pickup_time_among_rows_with_one_is_noted_on_the_row() -> None:
    result = compute(_orders(["2024-05-02 12:00", None]), as_of=AS_OF)
    problems = result.results["problems"].fillna("").tolist()
    assert problems[0] == ""
    assert NO_PICKUP in problems[1]
    assert result.messages == ()
