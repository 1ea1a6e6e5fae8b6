"""Typed rule parameters, the one version lookup, rule keys that drive the calculators, and the
column API calling one calculator each."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from shoprules.formulas import api, engine
from shoprules.formulas.calculators import returns, shipping
from shoprules.formulas.engine import compute
from shoprules.formulas.rulebook import (
    Band,
    Bands,
    CampaignParams,
    Duration,
    EveryA,
    Flat,
    FreightParams,
    Node,
    NodeParams,
    Params,
    RateClamped,
    Rulebook,
    RulebookError,
    RuleFileError,
    TimerParams,
    ViolationParams,
    load_rulebook,
    load_rulebook_from,
)


@pytest.mark.parametrize(
    ("params", "text"),
    [
        (
            RateClamped(rate_bp=500, min_fen=500, max_fen=3000, receiver="buyer"),
            "5% [5.00, 30.00] 元，赔给买家",
        ),
        (
            RateClamped(
                rate_bp=1000, min_fen=500, max_fen=3000, receiver="buyer", rounding="floor_yuan"
            ),
            "10% [5.00, 30.00] 元，取整到元，赔给买家",
        ),
        (Flat(amount_fen=1000, receiver="platform"), "每单 10.00 元，平台扣款"),
        (
            Bands(
                bands=(
                    Band(from_fen=0, amount_fen=500),
                    Band(from_fen=2000, rate_bp=2500, min_fen=500, max_fen=10000),
                ),
                receiver="buyer",
            ),
            "按金额分段：≥0 元 → 5 元；≥20 元 → 25% [5, 100]，赔给买家",
        ),
        (
            TimerParams(
                durations={"default": Duration(48, "h"), "presale": Duration(0, "promised")}
            ),
            "默认 48h；预售 按承诺时间",
        ),
        (ViolationParams(track="B", points=6), "严重违规 6 分"),
        (
            ViolationParams(
                track="A", points=3, condition="complaint_upheld_and_not_paid_before_ruling"
            ),
            "一般违规 3 分（投诉成立且未在判定前赔付）",
        ),
        (
            FreightParams(legs={"unclear": ("卖家", "买家")}),
            "责任不明 发货:卖家 退货:买家",
        ),
        (
            NodeParams(
                thresholds=(
                    Node(points=12, days=7, consequence="屏蔽 7 天"),
                    Node(points=48, days=None, consequence="查封账户"),
                )
            ),
            "12 分 → 屏蔽 7 天；48 分 → 查封账户",
        ),
        (NodeParams(every=Node(points=12, days=7, consequence="屏蔽")), "每满 12 分 → 屏蔽"),
        (
            CampaignParams(every_a=EveryA(points=12, days=90), total_points_until_reset=2),
            "一般违规（虚假交易除外）每满 12 分 90 天内不得报名；本年度扣分 ≥ 2 年底清零前不得报名",
        ),
    ],
)
def test_describe_per_kind(params: Params, text: str) -> None:
    assert params.describe() == text


def test_every_packaged_version_describes_itself() -> None:
    book = load_rulebook()
    rules = [*book.all_rules(), *book.node_tracks.values(), *book.campaigns.values()]
    for rule in rules:
        for version in rule.versions:
            assert version.describe(), version.label


def test_rule_file_view_matches_the_typed_fields() -> None:
    version = load_rulebook().damages["tmall.out_of_stock"].versions[0]
    params = version.params
    assert isinstance(params, RateClamped)
    assert params.as_mapping()["stack_max"] == params.stack_max_fen == 50_000
    assert "amount" not in params.as_mapping()
    assert params.parameter("rate") == 0.3
    assert params.parameter("amount") is None


def test_one_version_lookup_both_sides_of_a_date_and_pinned() -> None:
    rule = load_rulebook().damages["taobao.late_shipment"]
    since = rule.versions[1].since.to_datetime64()
    times = np.array([since - np.timedelta64(1, "s"), since, "NaT"], dtype="datetime64[ns]")
    assert rule.select(times).tolist() == [0, 1, -1]
    assert rule.select(times, rules_as_of=pd.Timestamp("2017-01-01")).tolist() == [0, 0, 0]
    assert rule.select(times, rules_as_of=pd.Timestamp("2015-01-01")).tolist() == [-1, -1, -1]
    version = rule.at(since)
    assert version is not None
    assert version.label == "taobao.late_shipment@2019-08-26"


def test_an_ended_version_with_no_successor_is_no_rule() -> None:
    """``until`` is the last day in force: the next second has no rule (never a silent 0)."""
    rule = load_rulebook().damages["douyin.tracking_timeout"]
    times = np.array(
        ["2026-07-08T23:59:59", "2026-07-09T00:00:00", "2025-05-12T23:59:59"],
        dtype="datetime64[ns]",
    )
    assert rule.select(times).tolist() == [0, -1, -1]
    assert "2026-07-09 起不再适用" in rule.no_rule_message()


def test_rules_as_of_pins_every_calculator_the_same_way() -> None:
    orders = pd.DataFrame(
        {
            "order_id": ["1"],
            "platform": ["taobao"],
            "paid_amount": pd.array([10000], dtype="Int64"),
            "paid_at": pd.to_datetime(["2023-03-01 10:00"]),
            "shipped_at": pd.to_datetime(["2023-03-05 10:00"]),
            "signed_at": pd.to_datetime(["2023-03-06 10:00"]),
        }
    )
    pinned = compute(
        orders, as_of=pd.Timestamp("2024-01-01"), rules_as_of=pd.Timestamp("2017-01-01")
    )
    detail = pinned.detail.iloc[0]
    assert detail["ship_rule"] == "taobao.ship_by@2016-07-21"
    assert detail["late_rule"] == "taobao.late_shipment@2016-07-21"
    assert detail["return_rule"] == "all.return_window@2016-07-21"


def _with_meta(book: Rulebook, table: str, rule_id: str, **changes: Any) -> Rulebook:
    rules: dict[str, Any] = dict(getattr(book, table))
    rule = rules[rule_id]
    rules[rule_id] = dataclasses.replace(rule, meta=dataclasses.replace(rule.meta, **changes))
    changed: dict[str, Any] = {table: rules}
    return dataclasses.replace(book, **changed)


def test_governed_by_chooses_which_rows_a_damages_rule_applies_to() -> None:
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-10"]),
            "platform": ["douyin"],
            "violation": ["after_sale_violation"],
            "order_id": ["1"],
        }
    )
    # paid and shipped in time: a row with a data problem (no 付款时间) keeps only 数据问题
    orders = pd.DataFrame(
        {
            "order_id": ["1"],
            "platform": ["douyin"],
            "paid_at": pd.to_datetime(["2023-01-01 10:00"]),
            "shipped_at": pd.to_datetime(["2023-01-01 12:00"]),
        }
    )
    book = load_rulebook()
    as_of = pd.Timestamp("2024-02-01")
    by_event = compute(orders, as_of=as_of, rulebook=book, violation_log=log)
    assert by_event.results["platform_fee"].tolist() == [50_000]
    by_payment = _with_meta(book, "damages", "douyin.after_sale_violation", governed_by="paid_at")
    out = compute(orders, as_of=as_of, rulebook=by_payment, violation_log=log)
    assert out.results["platform_fee"].tolist() == [0]


def test_timer_start_is_read_from_the_rule() -> None:
    events = {
        "signed_at": np.array(["2024-03-10T15:00"], dtype="datetime64[ns]"),
        "paid_at": np.array(["2024-03-01T15:00"], dtype="datetime64[ns]"),
        "refund_requested_at": np.array(["NaT"], dtype="datetime64[ns]"),
    }
    book = load_rulebook()
    as_of = pd.Timestamp("2024-03-12")
    assert str(returns(book, events, as_of=as_of).return_by[0])[:10] == "2024-03-18"
    from_payment = _with_meta(book, "timers", "all.return_window", start="paid_at")
    assert str(returns(from_payment, events, as_of=as_of).return_by[0])[:10] == "2024-03-09"
    unknown = _with_meta(book, "timers", "taobao.ship_by", start="return_signed_at")
    with pytest.raises(RulebookError, match="return_signed_at") as error:
        shipping(unknown, np.array(["taobao"], dtype=object), events, as_of=as_of)
    assert error.value.key == "taobao.ship_by"


def test_rule_file_errors_carry_file_and_key(tmp_path: Path) -> None:
    import shutil
    from importlib import resources
    from pathlib import Path

    target = tmp_path / "rules"
    shutil.copytree(Path(str(resources.files("shoprules.formulas") / "rules")), target)
    path = target / "timers.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("start: signed_at", "start: opened_at", 1),
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as error:
        load_rulebook_from(target)
    assert (error.value.file, error.value.key) == ("timers.yaml", "all.return_window.start")
    assert isinstance(error.value, ValueError)


def test_ship_status_runs_the_shipping_calculator_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("api must not run the whole engine")

    monkeypatch.setattr(engine, "compute", no_engine)
    out = api.ship_status(
        pd.Series(pd.to_datetime(["2023-03-01 10:00", "2023-03-01 10:00"])),
        pd.Series(pd.to_datetime(["2023-03-04 10:00", pd.NaT])),
        "taobao",
        None,
        None,
        pd.Timestamp("2023-03-02"),
    )
    assert out["status"].tolist() == ["待发货", "待发货"]
    late = api.ship_status(
        pd.Timestamp("2023-03-01 10:00"), pd.Timestamp("2023-03-04 10:00"), "taobao", None, None,
        pd.Timestamp("2023-03-05"),
    )  # fmt: skip
    assert (late["status"][0], late["hours_late"][0]) == ("延迟发货", 24.0)
    ret = api.return_status(
        pd.Timestamp("2024-03-01 15:00"), None, pd.Timestamp("2024-03-05"), None
    )
    assert ret["status"].tolist() == ["可退货"]


def test_api_rule_parameter_answers_the_same_parameter_names() -> None:
    when = pd.Timestamp("2024-01-01")
    answers = {
        name: api.rule_parameter(platform, rule, name, when)["value"][0]
        for platform, rule, name in [
            ("taobao", "late_shipment", "rate"),
            ("taobao", "late_shipment", "min"),
            ("taobao", "late_shipment", "max"),
            ("pdd", "late_shipment", "amount"),
            ("taobao", "buyer_info_leak", "points"),
            ("taobao", "buyer_info_leak", "track"),
            ("pdd", "ship_by", "duration.direct_mail"),
        ]
    }
    assert answers == {
        "rate": 0.05,
        "min": 5.0,
        "max": 30.0,
        "amount": 3.0,
        "points": 6,
        "track": "B",
        "duration.direct_mail": "5d",
    }
    assert set(api._PARAMETER_NAMES) == {
        "rate",
        "min",
        "max",
        "amount",
        "points",
        "track",
        "duration",
    }


def test_sr_rule_and_the_rules_command_share_one_description() -> None:
    book = load_rulebook()
    when = pd.Timestamp("2024-01-01")
    for platform, rule_id, rule in [
        ("taobao", "late_shipment", book.damages["taobao.late_shipment"]),
        ("pdd", "ship_by", book.timers["pdd.ship_by"]),
    ]:
        out = api.rule_parameter(platform, rule_id, None, when)
        version = rule.at(when)
        assert version is not None
        assert out["value"][0] == f"{rule.name}：{version.describe()}"
    out = api.rule_parameter("taobao", "late_shipment", None, when)
    assert out["value"][0] == "淘宝 延迟发货违约金：5% [5.00, 30.00] 元，赔给买家"


def test_a_version_read_as_the_wrong_kind_is_a_rulebook_error() -> None:
    from shoprules.formulas.rulebook import RuleKindError, load_rulebook

    rule = load_rulebook().damages["taobao.late_shipment"]
    with pytest.raises(RuleKindError, match=r"taobao\.late_shipment.*TimerParams") as caught:
        rule.timer_params(0)
    assert caught.value.key == "taobao.late_shipment"
