"""Rule cases as data (cases/damages_tiers.csv): SR_DAMAGES with ``promise_hours`` and
``goods_type`` gives the batch engine's figure for the same order — Taobao ≤48 h / >48 h on both
sides of 2025-09-05, Douyin's 2026 tiers, Tmall's presale/custom 10% around 2026-04-09.

Each row is one late order. The engine computes it from 付款时间, 承诺发货时间 and the goods
type; the formula gets what a user would type: the event time — the ship-by deadline missed
(承诺发货时间, or SR_SHIP_DEADLINE's result), which chooses the rule version — and the promised
window in hours (=(承诺发货时间-付款时间)*24, a float), blank where the export has no promised
time."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from shoprules.addin import udfs as u
from shoprules.formulas import api
from shoprules.formulas.engine import compute
from shoprules.formulas.money import yuan_to_fen_exact

CASES = list(
    csv.DictReader((Path(__file__).parent / "cases" / "damages_tiers.csv").open(encoding="utf-8"))
)
AS_OF = pd.Timestamp("2026-11-30 12:00")
GOODS_CHINESE = {"normal": "普通", "presale": "预售", "custom": "定制"}
PLATFORM_CHINESE = {"taobao": "淘宝", "tmall": "天猫", "douyin": "抖音"}


def _time(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(text) if text else None


def _hours(case: dict[str, str]) -> float | None:
    promised = _time(case["promised_ship_by"])
    if promised is None:
        return None
    return float((promised - pd.Timestamp(case["paid_at"])) / pd.Timedelta(hours=1))


@pytest.fixture(scope="module")
def engine() -> pd.DataFrame:
    """Every case through the batch engine in one run (no buyer ids: no same-day caps)."""

    def times(name: str) -> pd.Series:
        return pd.Series([_time(c[name]) for c in CASES], dtype="datetime64[ns]")

    orders = pd.DataFrame(
        {
            "order_id": [str(i) for i in range(len(CASES))],
            "platform": [c["platform"] for c in CASES],
            "goods_type": [c["goods_type"] for c in CASES],
            "paid_amount": pd.array(
                [yuan_to_fen_exact(c["paid_amount"]) for c in CASES], dtype="Int64"
            ),
            "paid_at": times("paid_at"),
            "promised_ship_by": times("promised_ship_by"),
            "shipped_at": times("shipped_at"),
        }
    )
    return compute(orders, as_of=AS_OF).results


def _deadline(index: int, engine: pd.DataFrame) -> dt.datetime:
    """The case's ship-by deadline (the violation's time): its promise, else the engine's; the
    payment time where there is none (presale without a promise)."""
    deadline = engine["ship_by"].iat[index]
    if pd.isna(deadline):
        deadline = CASES[index]["paid_at"]
    when: dt.datetime = pd.Timestamp(deadline).to_pydatetime()
    return when


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["why"] for c in CASES])
def test_formula_gives_the_engine_figure(index: int, engine: pd.DataFrame) -> None:
    case, got = CASES[index], engine.iloc[index]
    why = case["why"]
    paid = _deadline(index, engine)
    formula = u.SR_DAMAGES(
        float(case["paid_amount"]),
        PLATFORM_CHINESE[case["platform"]],
        "延迟发货",
        paid,
        _hours(case),
        GOODS_CHINESE[case["goods_type"]],
    )
    by_code = api.damages(
        pd.Series([yuan_to_fen_exact(case["paid_amount"])], dtype="Int64"),
        case["platform"],
        "late_shipment",
        pd.Timestamp(paid),
        promise_hours=_hours(case),
        goods_type=case["goods_type"],
    ).iloc[0]
    assert by_code["rule"] == case["expected_rule"], why
    if not case["expected"]:  # no figure: the engine leaves it blank, the formula says why
        assert pd.isna(got["damages"]), why
        assert pd.isna(got["platform_fee"]) or got["platform_fee"] == 0, why
        assert isinstance(formula, str), why
        assert formula.startswith("#SR! "), why
        return
    assert got["ship_status"] == "延迟发货", why
    assert case["expected_rule"] in got["damages_rule"], why
    expected = yuan_to_fen_exact(case["expected"])
    if case["receiver"] == "buyer":
        assert got["damages"] == expected, why
    else:
        assert got["platform_fee"] == expected, why
    assert by_code["receiver"] == case["receiver"], why
    assert formula == expected / 100, why


def test_one_call_over_the_columns_equals_the_row_calls(engine: pd.DataFrame) -> None:
    """The same cases as 2-D ranges (what xlwings passes with ndim=2): one spilled column with
    the engine's figures (its damages to the buyer, or its deduction to the platform)."""
    picked = [i for i, c in enumerate(CASES) if c["expected"]]
    rows = [CASES[i] for i in picked]
    figures = [
        engine["damages"].iat[i] if c["receiver"] == "buyer" else engine["platform_fee"].iat[i]
        for i, c in zip(picked, rows, strict=True)
    ]
    result = u.SR_DAMAGES(
        [[float(c["paid_amount"])] for c in rows],
        [[PLATFORM_CHINESE[c["platform"]]] for c in rows],
        "延迟发货",
        [[_deadline(i, engine)] for i in picked],
        [[_hours(c)] for c in rows],
        [[GOODS_CHINESE[c["goods_type"]]] for c in rows],
    )
    assert [r[0] for r in result] == [int(f) / 100 for f in figures]


def test_cases_cover_both_sides_of_each_date(engine: pd.DataFrame) -> None:
    """Taobao 2025-09-05, Douyin 2026-05-13 and 2026-08-10, Tmall 2025-09-05 and 2026-04-09:
    a case whose deadline falls the day before and one from the day on."""
    days = {
        (c["platform"], pd.Timestamp(_deadline(i, engine)).normalize()) for i, c in enumerate(CASES)
    }
    for platform, date in [
        ("taobao", "2025-09-05"),
        ("douyin", "2026-05-13"),
        ("douyin", "2026-08-10"),
        ("tmall", "2026-04-09"),
    ]:
        day = pd.Timestamp(date)
        assert (platform, day) in days, (platform, date)
        assert (platform, day - pd.Timedelta(days=1)) in days, (platform, date)
