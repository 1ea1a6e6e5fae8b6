"""Rule cases as data: every row of cases/*.csv is one input → output check."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from shoprules.formulas import api
from shoprules.formulas.calculators import aftersale_columns
from shoprules.formulas.calculators.lifecycle import is_problem
from shoprules.formulas.engine import compute
from shoprules.formulas.money import yuan_to_fen_exact
from shoprules.formulas.points import (
    GRADE_MISSING,
    campaign_bans,
    campaign_eligibility,
    node_periods,
    points_ledger,
)
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
    if is_problem(got["problems"]):  # a problem row keeps only 数据问题 (issue #11)
        assert pd.isna(got["platform_fee"]), why
    else:
        assert got["platform_fee"] == fee, why
    assert case["expected_rule"] in (got["damages_rule"] or ""), why
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
    side of it, on the same day (rule cases for damages and timers; order cases for the timers
    counted from the ship-by deadline — by that deadline, which chooses their version as it
    does the damages' — and, by payment time, for the same-day caps)."""
    book = load_rulebook()
    damage_cases = {
        (f"{c['platform']}.{c['violation']}", pd.Timestamp(c["event_time"]))
        for c in _rows("damages.csv")
    }
    timer_cases = {
        (f"{c['platform']}.{c['timer']}", pd.Timestamp(c["start"])) for c in _rows("timers.csv")
    }
    paid_times = [(c["platform"], pd.Timestamp(c["paid_at"])) for c in ORDER_CASES]
    ship_by = compute(_order_frame(ORDER_CASES), as_of=ORDERS_AS_OF).results["ship_by"]
    deadlines = [
        (c["platform"], pd.Timestamp(t)) for c, t in zip(ORDER_CASES, ship_by, strict=True)
    ]
    missing = []
    tables = (
        (book.damages.values(), damage_cases),
        ((r for r in book.timers.values() if r.meta.get("start") != "ship_by"), timer_cases),
    )
    by_deadline = [r for r in book.timers.values() if r.meta.get("start") == "ship_by"]
    by_payment = list(book.cap_groups.values())
    order_cases = {
        (r.rule_id, t)
        for rules, times in ((by_deadline, deadlines), (by_payment, paid_times))
        for r in rules
        for p, t in times
        if r.platform() == p and pd.notna(t)
    }
    by_order = [*by_deadline, *by_payment]
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


# ---------------------------------------------------------------------------------------------
# Points, the ledger, nodes and campaign bans


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"


@pytest.mark.parametrize(
    "case",
    _rows("points.csv"),
    ids=lambda c: f"{c['platform']}.{c['violation']}@{c['event_time']}",
)
def test_points_case(case: dict[str, str]) -> None:
    out = api.violation_points(
        case["violation"],
        case["platform"],
        pd.Timestamp(case["event_time"]),
        _bool(case["paid_before_ruling"]),
        _bool(case["complaint_upheld"]),
    ).iloc[0]
    if case["expected"]:
        assert out["points"] == int(case["expected"]), case["why"]
        assert out["track"] == case["track"]
        assert out["rule"] == case["rule"]
        assert out["problem"] is None
    elif case["rule"]:
        assert pd.isna(out["points"]), case["why"]
        assert out["rule"] == case["rule"]
        assert out["problem"] == GRADE_MISSING, case["why"]
    else:
        assert pd.isna(out["points"]), case["why"]
        assert str(out["problem"]).startswith("无适用规则"), case["why"]


def _ledger_cases() -> list[dict[str, Any]]:
    with (CASES / "ledger.yaml").open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle))


def _cells(text: object) -> list[str]:
    return [c.strip() for c in str(text).split("|")]


def _end(text: str) -> pd.Timestamp | None:
    return None if text == "permanent" else pd.Timestamp(text)


def _events(case: dict[str, Any]) -> pd.DataFrame:
    rows = [_cells(e) for e in case["events"]]
    return pd.DataFrame(
        {
            "date": pd.to_datetime([r[0] for r in rows], format="mixed"),
            "platform": [r[1] for r in rows],
            "violation": [r[2] for r in rows],
            "points": pd.to_numeric(pd.Series([r[3] or None for r in rows], dtype=object)),
            "track": [r[4] or None for r in rows],
        }
    )


@pytest.mark.parametrize("case", _ledger_cases(), ids=lambda c: c["name"])
def test_ledger_case(case: dict[str, Any]) -> None:
    book = load_rulebook()
    ledger = points_ledger(_events(case), book)
    assert ledger["problem"].isna().all(), ledger["problem"].dropna().tolist()
    if "ledger" in case:
        ordered = ledger.sort_values(["date", "track"], kind="stable")
        got = [
            (pd.Timestamp(d), t, int(p), int(r))
            for d, t, p, r in ordered[["date", "track", "points", "running_total"]].itertuples(
                index=False
            )
        ]
        want = [
            (pd.Timestamp(c[0]), c[1], int(c[2]), int(c[3])) for c in map(_cells, case["ledger"])
        ]
        assert got == want, case["name"]
    if "nodes" in case:
        nodes = node_periods(ledger, book).sort_values(["start", "node"], kind="stable")
        got_nodes = [
            (t, int(n), pd.Timestamp(s), None if p else pd.Timestamp(e))
            for t, n, s, e, p in nodes[["track", "node", "start", "end", "permanent"]].itertuples(
                index=False
            )
        ]
        want_nodes = [
            (c[0], int(c[1]), pd.Timestamp(c[2]), _end(c[3])) for c in map(_cells, case["nodes"])
        ]
        assert got_nodes == want_nodes, case["name"]
    if "bans" in case:
        bans = campaign_bans(ledger, book)
        got_bans = sorted(
            (pd.Timestamp(s), pd.Timestamp.max if p else pd.Timestamp(u))
            for s, u, p in bans[["start", "until", "permanent"]].itertuples(index=False)
        )
        want_bans = sorted(
            (pd.Timestamp(c[0]), _end(c[1]) or pd.Timestamp.max) for c in map(_cells, case["bans"])
        )
        assert got_bans == want_bans, case["name"]
    for moment, platform, expected in map(_cells, case.get("eligible", [])):
        eligibility = campaign_eligibility(ledger, book, pd.Timestamp(moment))
        row = eligibility.set_index("platform").loc[platform]
        assert row["eligible"] == expected, f"{case['name']} @ {moment}: {row['reasons']}"


def _uncovered(name: str, boundaries: list[pd.Timestamp], times: list[pd.Timestamp]) -> list[str]:
    """The moments (a second before and at each boundary) without a case on the same day and
    on the same side of the boundary."""
    return [
        f"{name} {moment}"
        for boundary in boundaries
        for moment in (boundary - pd.Timedelta(seconds=1), boundary)
        if not any(
            t.normalize() == moment.normalize() and (t >= boundary) == (moment >= boundary)
            for t in times
        )
    ]


def test_points_kinds_have_cases_on_both_sides_of_every_date() -> None:
    """Each violation version's start and end, and each node-track and campaign version's start,
    has a case the second before and at it (points.csv; ledger.yaml events)."""
    book = load_rulebook()
    point_cases = [
        (c["platform"], book.violation_and_grade(c["violation"])[0], pd.Timestamp(c["event_time"]))
        for c in _rows("points.csv")
    ]
    ledger_events = [
        (c[1], c[4], pd.Timestamp(c[0]))
        for case in _ledger_cases()
        for c in map(_cells, case["events"])
    ]
    missing = []
    for rule in book.violations.values():
        platform, code = rule.rule_id.split(".", 1)
        bounds = [b for v in rule.versions for b in (v.since, v.until) if b is not None]
        times = [t for p, v, t in point_cases if p == platform and v == code]
        missing += _uncovered(rule.rule_id, bounds, times)
    for (platform, track), nodes in book.node_tracks.items():
        times = [t for p, tr, t in ledger_events if p == platform and tr == track]
        missing += _uncovered(f"{platform}.nodes_{track}", [v.since for v in nodes.versions], times)
    for platform, campaign in book.campaigns.items():
        times = [t for p, _, t in ledger_events if p == platform]
        missing += _uncovered(f"{platform}.campaign", [v.since for v in campaign.versions], times)
    assert not missing, "versions without a case on each side of their date:\n" + "\n".join(missing)


_AFTERSALE_EVENTS = (
    "refund_requested_at",
    "seller_agreed_at",
    "return_shipped_at",
    "return_signed_at",
    "seller_confirmed_return_at",
    "shipped_at",
)


@pytest.mark.parametrize("case", _rows("aftersale.csv"), ids=lambda c: c["why"])
def test_aftersale_case(case: dict[str, str]) -> None:
    events = {
        name: pd.Series([_time(case[name])], dtype="datetime64[ns]").to_numpy()
        for name in _AFTERSALE_EVENTS
    }
    out = aftersale_columns(
        load_rulebook(),
        pd.Series([case["platform"]]).to_numpy(dtype=object),
        events,
        as_of=pd.Timestamp(case["as_of"]),
        refund_status=pd.Series([case["refund_status"] or None]).to_numpy(dtype=object),
    )
    expected = _time(case["expected_deadline"])
    got = out.deadline[0]
    assert (pd.isna(got) and expected is None) or pd.Timestamp(got) == expected, case["why"]
    assert out.status[0] == case["expected_status"], case["why"]
    assert out.problems[0] == ""
