"""The batch engine over mixed orders: statuses, stacking, deductions, points and problems."""

from __future__ import annotations

import pandas as pd
import pytest
from shoprules.formulas.engine import RESULT_HEADERS, compute
from shoprules.formulas.rulebook import load_rulebook


def _orders(**columns: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name in (
        "paid_at",
        "shipped_at",
        "picked_up_at",
        "signed_at",
        "refund_requested_at",
        "promised_ship_by",
    ):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name], format="mixed")
    if "paid_amount" in frame:
        frame["paid_amount"] = pd.array(frame["paid_amount"], dtype="Int64")
    return frame


AS_OF = pd.Timestamp("2024-06-01 12:00")


def test_result_columns_and_headers() -> None:
    out = compute(
        _orders(platform=["taobao"], paid_at=["2024-05-01 10:00"], paid_amount=[1000]), as_of=AS_OF
    ).results
    assert list(out.columns) == list(RESULT_HEADERS)
    assert list(RESULT_HEADERS.values()) == [
        "发货截止",
        "发货状态",
        "延迟小时",
        "违约金",
        "违约金依据",
        "平台扣款",
        "扣分",
        "退货截止",
        "退货状态",
        "运费承担",
        "售后截止",
        "售后时效状态",
        "数据问题",
    ]


def test_ship_statuses_and_hours() -> None:
    out = compute(
        _orders(
            platform=["taobao"] * 4,
            paid_at=[
                "2024-05-31 10:00",
                "2024-05-30 10:00",
                "2024-05-01 10:00",
                "2024-05-01 10:00",
            ],
            shipped_at=[None, "2024-06-01 10:00", "2024-05-03 10:00", "2024-05-04 16:30"],
            paid_amount=[10000] * 4,
        ),
        as_of=AS_OF,
    ).results
    assert out["ship_status"].tolist() == ["待发货", "按时发货", "按时发货", "延迟发货"]
    assert out["hours_late"].tolist() == [0.0, 0.0, 0.0, 30.5]
    assert out["damages"].tolist() == [0, 0, 0, 500]


def test_unshipped_past_deadline_already_owes_damages() -> None:
    out = compute(
        _orders(platform=["taobao"], paid_at=["2024-05-30 10:00"], paid_amount=[10000]),
        as_of=pd.Timestamp("2024-06-01 10:00:01"),
    ).results
    assert out.loc[0, "ship_status"] == "超时未发货"
    assert out.loc[0, "damages"] == 500


def test_taobao_out_of_stock_stacks_on_late() -> None:
    # Worked example of the 2022 rules: 150 yuan → 7.50 late + 45.00 out of stock.
    out = compute(
        _orders(
            platform=["taobao", "taobao"],
            paid_at=["2024-05-01 10:00"] * 2,
            picked_up_at=[None, "2024-05-05 09:00"],
            paid_amount=[15000, 15000],
        ),
        as_of=AS_OF,
    )
    assert out.results["damages"].tolist() == [5250, 750]
    assert (
        out.results.loc[0, "damages_rule"]
        == "taobao.late_shipment@2022-07-18 + taobao.out_of_stock@2022-07-18"
    )
    assert out.detail.loc[0, "oos_fen"] == 4500


def test_tmall_combined_cap_and_complaint_condition() -> None:
    out = compute(
        _orders(
            platform=["tmall", "tmall"],
            paid_at=["2024-05-01 10:00"] * 2,
            paid_amount=[2_000_000, 2_000_000],
            complaint_upheld=[True, False],
        ),
        as_of=AS_OF,
    ).results
    assert out["damages"].tolist() == [50_000, 5_000]  # late 50 + OOS capped so the sum is 500


def test_douyin_deduction_goes_to_the_platform() -> None:
    out = compute(
        _orders(
            platform=["douyin"],
            paid_at=["2024-05-01 10:00"],
            shipped_at=["2024-05-05 10:00"],
            paid_amount=[10000],
        ),
        as_of=AS_OF,
    ).results
    assert out.loc[0, "platform_fee"] == 1000
    assert pd.isna(out.loc[0, "damages"])
    assert "平台扣款" in out.loc[0, "damages_rule"]


def test_taobao_points_only_when_upheld_and_not_paid_first() -> None:
    out = compute(
        _orders(
            platform=["taobao"] * 4,
            paid_at=[*["2019-05-01 10:00"] * 3, "2024-05-01 10:00"],
            shipped_at=[*["2019-05-05 10:00"] * 3, "2024-05-05 10:00"],
            paid_amount=[10000] * 4,
            complaint_upheld=[True, True, False, True],
            paid_before_ruling=[False, True, False, False],
        ),
        as_of=AS_OF,
    )
    # Issue #10: the fixed 3 points ended 2019-08-26 (until); no fixed number after it.
    assert out.results["points"].tolist() == [3, 0, 0, 0]
    assert out.ledger["points"].sum() == 3
    assert out.ledger["date"].tolist() == [pd.Timestamp("2019-05-04 10:00")]  # missed deadline


def test_violation_log_adds_points_fees_and_crosses_a_node() -> None:
    orders = _orders(
        order_id=["A1"],
        platform=["douyin"],
        paid_at=["2024-05-01 10:00"],
        shipped_at=["2024-05-02 10:00"],
        paid_amount=[10000],
    )
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-01"]),
            "platform": ["douyin", "tmall", "tmall"],
            "violation": ["售后违规", "泄露买家信息", "泄露买家信息"],
            "order_id": ["A1", None, None],
            "points": [None, 6, 6],
            "track": [None, "B", "B"],
        }
    )
    result = compute(orders, as_of=AS_OF, violation_log=log)
    assert result.results.loc[0, "platform_fee"] == 50_000
    crossed = result.ledger[result.ledger["node"] != ""]
    assert crossed["node"].tolist() == ["12"]
    assert crossed["fine_fen"].tolist() == [2_000_000]
    tmall = result.eligibility.set_index("platform").loc["tmall"]
    assert tmall["eligible"] == "不可报名"
    assert tmall["until"] == pd.Timestamp("2025-01-01")


def test_rules_as_of_pins_the_version() -> None:
    orders = _orders(
        platform=["taobao"],
        paid_at=["2024-05-01 10:00"],
        shipped_at=["2024-05-05 10:00"],
        paid_amount=[1000],
    )
    assert compute(orders, as_of=AS_OF).results.loc[0, "damages"] == 500
    # 2019-01-01: the seed's 5% [1,30] era (2019-08-26 brought 10% [5,100]).
    pinned = compute(orders, as_of=AS_OF, rules_as_of=pd.Timestamp("2019-01-01")).results
    assert pinned.loc[0, "damages"] == 100
    assert pinned.loc[0, "ship_by"] == pd.Timestamp("2024-05-04 10:00")  # 72 h in the 2016 version


def test_overrides_change_results() -> None:
    book = load_rulebook().with_overrides({"taobao.late_shipment.max": 40})
    orders = _orders(
        platform=["taobao"],
        paid_at=["2024-05-01 10:00"],
        shipped_at=["2024-05-05 10:00"],
        paid_amount=[100_000],
    )
    out = compute(orders, as_of=AS_OF, rulebook=book).results
    assert out.loc[0, "damages"] == 4000
    assert out.loc[0, "damages_rule"].endswith("*")


def test_no_rule_is_visible_never_a_silent_zero() -> None:
    out = compute(
        _orders(
            platform=["pdd"],
            paid_at=["2020-05-01 10:00"],
            shipped_at=["2020-05-09 10:00"],
            paid_amount=[1000],
        ),
        as_of=AS_OF,
    ).results
    assert pd.isna(out.loc[0, "damages"])
    assert "无适用规则" in out.loc[0, "problems"] or "无适用规则" in out.loc[0, "damages_rule"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"platform": ["亚马逊"], "paid_at": ["2024-05-01"]}, "平台无法识别"),
        ({"platform": ["taobao"], "paid_at": [None]}, "缺少付款时间"),
        (
            {
                "platform": ["taobao"],
                "paid_at": ["2024-05-01"],
                "shipped_at": ["2024-05-09"],
                "paid_amount": [None],
            },
            "缺少实付金额",
        ),
        (
            {
                "platform": ["taobao"],
                "paid_at": ["2024-05-01"],
                "shipped_at": ["2024-05-09"],
                "paid_amount": [-100],
            },
            "负数",
        ),
        (
            {"platform": ["pdd"], "paid_at": ["2024-05-01"], "goods_type": ["presale"]},
            "缺少承诺发货时间",
        ),
    ],
)
def test_bad_rows_get_a_reason_and_no_number(
    columns: dict[str, list[object]], message: str
) -> None:
    out = compute(_orders(**columns), as_of=AS_OF).results
    assert message in out.loc[0, "problems"]
    assert pd.isna(out.loc[0, "damages"])


def test_freight_from_reasons() -> None:
    out = compute(
        _orders(
            platform=["tmall", "tmall", "taobao", "taobao"],
            paid_at=["2024-05-01"] * 4,
            shipped_at=["2024-05-02"] * 4,
            signed_at=["2024-05-03"] * 4,
            refund_requested_at=["2024-05-05"] * 3 + [None],
            refund_reason=["填错地址", "破损", "不喜欢", None],
            free_shipping=[True, True, True, False],
        ),
        as_of=AS_OF,
    ).results
    assert out["freight"].tolist() == [
        "发货:买家 退货:买家",
        "发货:卖家 退货:卖家",
        "发货:卖家 退货:买家",
        "",
    ]


def test_rules_as_of_with_mixed_platforms_and_late_rows() -> None:
    orders = _orders(
        platform=["taobao", "tmall", "pdd", "douyin"],
        paid_at=["2024-05-01 10:00"] * 4,
        shipped_at=["2024-05-05 10:00"] * 4,
        paid_amount=[1000, 1000, 1000, 1000],
        refund_requested_at=["2024-05-09 10:00"] * 4,
        refund_reason=["不想要"] * 4,
    )
    out = compute(orders, as_of=AS_OF, rules_as_of=pd.Timestamp("2021-06-01")).results
    assert out["damages"].tolist()[:3] == [
        500,
        500,
        300,
    ]  # taobao 2019-08-26 10% [5,100]; tmall 2020; pdd 3
    assert out["platform_fee"].tolist()[3] == 1000


def test_late_shipment_points_are_dated_by_the_missed_deadline() -> None:
    """Issue #10: the violation happens when the ship-by deadline passes, not at payment; the
    ledger entry carries that date and the version in force then decides the points."""
    out = compute(
        _orders(
            platform=["taobao", "taobao"],
            paid_at=["2019-08-22 09:00", "2019-08-23 10:00"],  # 72 h → 08-25 09:00 / 08-26 10:00
            shipped_at=["2019-08-30 10:00", "2019-08-30 10:00"],
            paid_amount=[10000, 10000],
            complaint_upheld=[True, True],
        ),
        as_of=AS_OF,
    )
    assert out.results["points"].tolist() == [3, 0]
    assert out.ledger["date"].tolist() == [pd.Timestamp("2019-08-25 09:00")]
    assert out.ledger["year"].tolist() == [2019]


def test_aftersale_columns_from_the_export_times() -> None:
    out = compute(
        _orders(
            platform=["taobao", "taobao", "tmall"],
            paid_at=["2026-02-27 09:00"] * 3,
            shipped_at=["2026-02-28 09:00"] * 3,
            refund_requested_at=["2026-03-02 10:00", None, "2026-03-02 10:00"],
            paid_amount=[1000] * 3,
        ),
        as_of=pd.Timestamp("2026-03-03 12:00"),
    ).results
    deadline = pd.Timestamp("2026-03-03 22:00")
    assert out["aftersale_by"].tolist() == [deadline, pd.NaT, deadline]
    assert out["aftersale_status"].tolist() == [
        "淘宝 卖家处理退款申请（已发货）：处理中",
        "",
        "天猫 商家处理退款申请（已发货）：处理中",
    ]
