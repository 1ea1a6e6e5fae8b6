"""Rule cases as data: every row of cases/*.csv is one input → output check."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from shoprules.formulas import api
from shoprules.formulas.money import yuan_to_fen_exact
from shoprules.formulas.rulebook import load_rulebook
from shoprules.formulas.timers import timer_deadlines

CASES = Path(__file__).parent / "cases"


def _rows(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _time(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(text) if text else None


@pytest.mark.parametrize(
    "case",
    _rows("damages.csv"),
    ids=lambda c: f"{c['platform']}.{c['violation']}@{c['event_time']}:{c['amount']}",
)
def test_damages_case(case: dict[str, str]) -> None:
    out = api.damages(
        pd.Series([yuan_to_fen_exact(case["amount"])]),
        case["platform"],
        case["violation"],
        pd.Timestamp(case["event_time"]),
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
    else:
        assert pd.isna(result.deadline[0]), case["why"]
        assert str(result.problems[0]).startswith("无适用规则")


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


def test_every_version_has_cases_on_both_sides_of_its_date() -> None:
    """Each effective date of each damages and timer rule has a case the second before and at it."""
    book = load_rulebook()
    damage_cases = {
        (f"{c['platform']}.{c['violation']}", pd.Timestamp(c["event_time"]))
        for c in _rows("damages.csv")
    }
    timer_cases = {
        (f"{c['platform']}.{c['timer']}", pd.Timestamp(c["start"])) for c in _rows("timers.csv")
    }
    missing = []
    for table, cases in ((book.damages, damage_cases), (book.timers, timer_cases)):
        for rule in table.values():
            if rule.meta.get("start") == "ship_by":
                continue  # derived from the ship-by deadline: covered by the out-of-stock tests
            for version in rule.versions:
                for moment in (version.since - pd.Timedelta(seconds=1), version.since):
                    if not any(
                        r == rule.rule_id
                        and t.normalize() == moment.normalize()
                        and (t >= version.since) == (moment >= version.since)
                        for r, t in cases
                    ):
                        missing.append(f"{rule.rule_id} {moment}")
    assert not missing, "rule versions without a case on each side of their date:\n" + "\n".join(
        missing
    )
