"""The column API the Excel functions call: blanks, defaults and pandas' read-only arrays."""

from __future__ import annotations

import pandas as pd
import pytest
from shoprules.formulas import api


def test_rule_parameter_defaults_to_now_when_time_is_blank() -> None:
    out = api.rule_parameter(
        pd.Series(["taobao", "pdd"]),
        "late_shipment",
        pd.Series(["max", "amount"]),
        pd.Series([pd.NaT, pd.NaT]),
    )
    assert out["value"].tolist() == [30.0, 3.0]
    assert out["rule"].tolist() == [
        "taobao.late_shipment@2022-07-18",
        "pdd.late_shipment@2021-01-25",
    ]


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


def test_freight_without_time_or_platform() -> None:
    out = api.freight(
        pd.Series(["破损", "拍错了", None]),
        pd.Series([True, True, True]),
        event_time=pd.Series([pd.NaT] * 3),
    )
    assert out["text"].tolist() == ["发货:卖家 退货:卖家", "发货:卖家 退货:买家", None]


def test_columns_of_different_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="长度不一致"):
        api.damages(
            pd.Series([1, 2]),
            pd.Series(["taobao"] * 3),
            "late_shipment",
            pd.Timestamp("2024-01-01"),
        )
