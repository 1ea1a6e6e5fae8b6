"""The column API the Excel functions call: blanks, defaults and pandas' read-only arrays."""

from __future__ import annotations

import pandas as pd
import pytest
from shoprules.formulas import api


def test_rule_parameter_reads_no_clock_a_blank_time_gives_a_blank_row() -> None:
    out = api.rule_parameter(
        pd.Series(["taobao", "pdd", "taobao"]),
        "late_shipment",
        pd.Series(["max", "amount", "max"]),
        pd.Series([pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-01"), pd.NaT]),
    )
    assert out["value"].tolist() == [30.0, 3.0, None]
    assert out["rule"].tolist() == [
        "taobao.late_shipment@2022-07-18",
        "pdd.late_shipment@2021-01-25",
        None,
    ]
    assert out["problem"].tolist() == [None, None, None]


def test_rule_parameter_describes_and_reports() -> None:
    out = api.rule_parameter(
        pd.Series(["tmall", "tmall", "jd"]),
        pd.Series(["ship_by", "late_shipment", "invoice_refusal"]),
        pd.Series([None, "bogus", None]),
        pd.Timestamp("2024-01-01"),
    )
    assert out.loc[0, "value"].startswith("天猫 发货时限")
    assert "参数无法识别" in out.loc[1, "problem"]
    assert "无适用规则" in out.loc[2, "problem"]


def test_freight_without_platform_reads_no_clock() -> None:
    out = api.freight(
        pd.Series(["破损", "拍错了", None, "破损"]),
        pd.Series([True, True, True, True]),
        event_time=pd.Series([pd.Timestamp("2024-03-01")] * 3 + [pd.NaT]),
    )
    assert out["text"].tolist() == ["发货:卖家 退货:卖家", "发货:卖家 退货:买家", None, None]


def test_columns_of_different_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="长度不一致"):
        api.damages(
            pd.Series([1, 2]),
            pd.Series(["taobao"] * 3),
            "late_shipment",
            pd.Timestamp("2024-01-01"),
        )
