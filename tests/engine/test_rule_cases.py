"""Rule cases as data: every row of cases/*.csv is one input → output check."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from shoprules.formulas import api
from shoprules.formulas.engine import compute
from shoprules.formulas.money import yuan_to_fen_exact
from shoprules.formulas.rulebook import Version, load_rulebook
from shoprules.formulas.timers import timer_deadlines

CASES = Path(__file__).parent / "cases"
#: The day every order case is judged on (all their deadlines lie before it).
ORDERS_AS_OF = pd.Timestamp("2026-11-30 12:00")


def _rows(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _time(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(text) if text else None


@pytest.mark.parametrize(
    "case",
    _rows("damages.csv"),
    ids=lambda c: (
        f"{c['platform']}.{c['violation']}@{c['event_time']}:{c['amount']}"
        f":{c['promise_h']}{c['goods']}{c['case']}"
    ),
)
def test_damages_case(case: dict[str, str]) -> None:
    out = api.damages(
        pd.Series([yuan_to_fen_exact(case["amount"])]),
        case["platform"],
        case["violation"],
        pd.Timestamp(case["event_time"]),
        promise_hours=float(case["promise_h"]) if case["promise_h"] else None,
        goods_type=case["goods"] or None,
        case=case["case"] or None,
    ).iloc[0]
    if case["expected"]:
        assert out["fen"] == yuan_to_fen_exact(case["expected"]), case["why"]
        assert out["rule"] == case["rule"]
        assert out["problem"] is None
    else:
        assert pd.isna(out["fen"]), case["why"]
        assert out["problem"].startswith("无适用规则")


@pytest.mark.parametrize(
    "case",
    _rows("timers.csv"),
    ids=lambda c: f"{c['platform']}.{c['timer']}@{c['start']}:{c['goods_type']}",
)
def test_timer_case(case: dict[str, str]) -> None:
    book = load_rulebook()
    rule = book.timers[f"{case['platform']}.{case['timer']}"]
    start = pd.Series([_time(case["start"])], dtype="datetime64[ns]").to_numpy()
    promised = pd.Series([_time(case["promised"])], dtype="datetime64[ns]").to_numpy()
    result = timer_deadlines(
        rule,
        start,
        governing=start,
        goods_type=pd.Series([case["goods_type"]]).to_numpy(dtype=object),
        override=promised,
    )
    if case["expected"]:
        assert pd.Timestamp(result.deadline[0]) == pd.Timestamp(case["expected"]), case["why"]
        assert result.labels[0] == case["rule"]
    elif case["problem"]:
        assert pd.isna(result.deadline[0]), case["why"]
        assert result.labels[0] == case["rule"]
        assert str(result.problems[0]).startswith(case["problem"]), case["why"]
    else:
        assert pd.isna(result.deadline[0]), case["why"]
        assert str(result.problems[0]).startswith("无适用规则")


def _order_frame(cases: list[dict[str, str]]) -> pd.DataFrame:
    def times(name: str) -> pd.Series:
        return pd.Series([_time(c[name]) for c in cases], dtype="datetime64[ns]")

    return pd.DataFrame(
        {
            "order_id": [str(i) for i in range(len(cases))],
            "platform": [c["platform"] for c in cases],
            "goods_type": [c["goods_type"] for c in cases],
            "buyer_id": [c["buyer_id"] or None for c in cases],
            "paid_amount": pd.array(
                [yuan_to_fen_exact(c["paid_amount"]) for c in cases], dtype="Int64"
            ),
            "paid_at": times("paid_at"),
            "promised_ship_by": times("promised_ship_by"),
            "shipped_at": times("shipped_at"),
            "picked_up_at": times("picked_up_at"),
            "complaint_upheld": pd.array(
                [c["complaint_upheld"] == "true" for c in cases], dtype="boolean"
            ),
        }
    )


ORDER_CASES = _rows("orders.csv")


@pytest.fixture(scope="module")
def order_results() -> pd.DataFrame:
    """Every order case in one batch (the same-buyer same-day cap groups rows across cases)."""
    return compute(_order_frame(ORDER_CASES), as_of=ORDERS_AS_OF).results


@pytest.mark.parametrize(
    "index", range(len(ORDER_CASES)), ids=[f"{c['platform']}:{c['why']}" for c in ORDER_CASES]
)
def test_order_case(index: int, order_results: pd.DataFrame) -> None:
    """Worked examples through the whole engine: ship-by on pickup, tiers, stacking, caps."""
    case, got = ORDER_CASES[index], order_results.iloc[index]
    why = case["why"]
    assert (got["ship_status"] or "") == case["expected_status"], why
    if case["expected_damages"]:
        assert got["damages"] == yuan_to_fen_exact(case["expected_damages"]), why
    else:
        assert pd.isna(got["damages"]), why
    fee = yuan_to_fen_exact(case["expected_fee"]) if case["expected_fee"] else 0
    assert got["platform_fee"] == fee, why
    assert case["expected_rule"] in got["damages_rule"], why
    assert case["expected_problem"] in got["problems"], why
    if not case["expected_problem"]:
        assert got["problems"] == "", why


@pytest.mark.parametrize("case", _rows("returns.csv"), ids=lambda c: c["why"])
def test_return_case(case: dict[str, str]) -> None:
    out = api.return_status(
        pd.Series([_time(case["signed_at"])], dtype="datetime64[ns]"),
        pd.Series([_time(case["requested_at"])], dtype="datetime64[ns]"),
        pd.Timestamp(case["as_of"]),
        case["returnable"] == "true",
    ).iloc[0]
    assert out["status"] == case["expected_status"], case["why"]
    expected = _time(case["expected_deadline"])
    assert (pd.isna(out["deadline"]) and expected is None) or pd.Timestamp(
        out["deadline"]
    ) == expected


def _edges(version: Version) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(moment, boundary) pairs a version needs cases at: the second before and the instant of
    its ``since``, and the last second of its ``until`` day and the instant after."""
    edges = [
        (version.since - pd.Timedelta(seconds=1), version.since),
        (version.since, version.since),
    ]
    if version.ends is not None:
        edges += [
            (version.ends - pd.Timedelta(seconds=1), version.ends),
            (version.ends, version.ends),
        ]
    return edges


def test_every_version_has_cases_on_both_sides_of_its_date() -> None:
    """Each since and until of every damages, timer and cap-group version has a case on each
    side of it, on the same day (rule cases for damages and timers; order cases, by payment
    time, for the timers counted from the ship-by deadline and for the same-day caps)."""
    book = load_rulebook()
    damage_cases = {
        (f"{c['platform']}.{c['violation']}", pd.Timestamp(c["event_time"]))
        for c in _rows("damages.csv")
    }
    timer_cases = {
        (f"{c['platform']}.{c['timer']}", pd.Timestamp(c["start"])) for c in _rows("timers.csv")
    }
    order_times = [(c["platform"], pd.Timestamp(c["paid_at"])) for c in ORDER_CASES]
    missing = []
    tables = (
        (book.damages.values(), damage_cases),
        ((r for r in book.timers.values() if r.meta.get("start") != "ship_by"), timer_cases),
    )
    by_order = [*(r for r in book.timers.values() if r.meta.get("start") == "ship_by")]
    by_order += list(book.cap_groups.values())
    order_cases = {(r.rule_id, t) for r in by_order for p, t in order_times if r.platform() == p}
    for rules, cases in (*tables, (by_order, order_cases)):
        for rule in rules:
            for version in rule.versions:
                for moment, boundary in _edges(version):
                    if not any(
                        r == rule.rule_id
                        and t.normalize() == moment.normalize()
                        and (t >= boundary) == (moment >= boundary)
                        for r, t in cases
                    ):
                        missing.append(f"{rule.rule_id} {moment}")
    assert not missing, "rule versions without a case on each side of their date:\n" + "\n".join(
        missing
    )
