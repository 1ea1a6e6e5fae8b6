"""``compute_output_columns``: pure conversion of engine results into written columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from shoprules.workbook.readers import UnusableInput, read_rows
from shoprules.workbook.recompute import RecomputeOutcome, compute_output_columns

AS_OF = pd.Timestamp("2024-07-01 09:00")
ROWS: list[list[object]] = [
    ["订单编号", "平台", "实付金额", "付款时间", "发货时间"],
    ["1", "天猫", "1.15", "2018-03-01 10:00", "2018-03-05 10:00"],  # 30% [0,500] → 0.35 exactly
    ["2", "抖音", "99", "2024-03-01 10:00", "2024-03-05 10:00"],  # 10 yuan to the platform
    ["3", "淘宝", "", "", ""],
]


def outcome(**kwargs: Any) -> RecomputeOutcome:
    params: dict[str, Any] = {"overrides": {}, "violation_log": None, "as_of": AS_OF}
    params.update(kwargs)
    return compute_output_columns(read_rows(ROWS), **params)


def test_money_is_exact_and_blank_is_none() -> None:
    result = outcome()
    assert result.column("违约金").values[0] == 0.35
    assert result.column("平台扣款").values[1] == 10.0
    assert result.column("违约金").values[2] is None
    assert result.summary.damages_fen == 35
    assert result.summary.platform_fee_fen == 1000


def test_kinds_and_types() -> None:
    result = outcome()
    kinds = {c.header: c.kind for c in result.columns}
    assert kinds["发货截止"] == "datetime"
    assert kinds["违约金"] == "money"
    assert kinds["延迟小时"] == "hours"
    assert kinds["扣分"] == "integer"
    assert kinds["数据问题"] == "text"
    deadline = result.column("发货截止").values
    assert type(deadline[0]) is dt.datetime
    assert deadline[2] is None
    assert all(v is None or isinstance(v, int) for v in result.column("扣分").values)
    assert all(len(c.values) == 3 for c in result.columns)


def test_problems_and_row_numbers() -> None:
    result = outcome()
    assert result.problem_list() == [(4, "缺少付款时间，无法判断发货时效")]


def test_override_tuple_and_error() -> None:
    result = outcome(overrides=({"tmall.late_shipment@2016-07-21.rate": "10%"}, {}))
    assert result.column("违约金").values[0] == 0.12  # 1.15 × 10% = 0.115 → 0.12 half-up
    with pytest.raises(UnusableInput, match="规则"):
        outcome(overrides={"tmall.late_shipment.speed": 1})


def test_no_result_header_is_an_input_column() -> None:
    """A result column named like an export's own column would overwrite it on write-back and be
    read back as input next time (e.g. PDD's and Douyin's 售后状态)."""
    from shoprules.formulas.engine import RESULT_HEADERS
    from shoprules.workbook.readers.headers import DIRECT_ALIASES, normalize_header

    inputs = {normalize_header(a) for aliases in DIRECT_ALIASES.values() for a in aliases}
    assert not inputs & {normalize_header(h) for h in RESULT_HEADERS.values()}
