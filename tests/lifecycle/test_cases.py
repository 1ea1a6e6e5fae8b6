"""Issue #11: closed, refunded, received, split and already-compensated orders in each platform's
real export layout (``cases.csv``: one row per export row, with the expected figures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from shoprules.formulas.calculators.lifecycle import is_problem
from shoprules.formulas.engine import compute
from shoprules.formulas.rulebook import OverrideError, Rulebook, load_rulebook
from shoprules.workbook.readers import read_rows

from tests.factories import LIFECYCLE_LAYOUTS, lifecycle_export_rows

AS_OF = pd.Timestamp("2025-06-01 12:00")
CASES = pd.read_csv(Path(__file__).with_name("cases.csv"), dtype=str, keep_default_na=False)


def _text(value: Any, kind: str) -> str:  # a cell of a mixed result column
    if value is None or value is pd.NA or value is pd.NaT or pd.isna(value):
        return ""
    if kind == "money":
        return f"{int(value) / 100:.2f}"
    if kind == "hours":
        return f"{float(value):.1f}"
    if kind == "time":
        return f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"
    return str(value)


_EXPECT = {
    "ship_status": "text",
    "hours_late": "hours",
    "damages": "money",
    "platform_fee": "money",
    "return_by": "time",
    "return_status": "text",
    "damages_rule": "text",
    "problems": "text",
}
_COLUMN = {"damages_rule": "expect_rule"}


def _computed(export: str, group: pd.DataFrame, book: Rulebook | None = None) -> pd.DataFrame:
    header, rows = lifecycle_export_rows(group, export)
    read = read_rows([list[object](header), *rows], platform=group["platform"].iloc[0])
    return compute(
        read.orders, as_of=AS_OF, rulebook=book,
        input_problems=read.problems.reset_index(drop=True),
    ).results  # fmt: skip


def test_every_export_layout_has_cases() -> None:
    assert set(CASES["export"]) == set(LIFECYCLE_LAYOUTS)
    for stage_case in ("无需发货", "即将超时", "超时未发货", ""):
        assert (CASES["expect_ship_status"] == stage_case).any()


@pytest.mark.parametrize("export", sorted(set(CASES["export"])))
def test_lifecycle_cases(export: str) -> None:
    group = CASES[CASES["export"] == export].reset_index(drop=True)
    out = _computed(export, group)
    assert len(out) == len(group)
    mismatches = []
    for name, kind in _EXPECT.items():
        expected = group[_COLUMN.get(name, f"expect_{name}")].tolist()
        got = [_text(v, kind) for v in out[name]]
        mismatches += [
            (group.at[i, "order_id"], group.at[i, "case"], name, g, e)
            for i, (g, e) in enumerate(zip(got, expected, strict=True))
            if g != e
        ]
    assert not mismatches, mismatches


def test_notes_are_not_problems() -> None:
    out = _computed("douyin", CASES[CASES["export"] == "douyin"].reset_index(drop=True))
    notes = out["problems"].tolist()
    assert any(notes)
    assert not any(map(is_problem, notes))


def test_warning_window_is_a_rule_parameter() -> None:
    group = CASES[CASES["order_id"] == "250529-05"].reset_index(drop=True)
    assert _computed("pdd", group)["ship_status"].tolist() == ["待发货"]
    short = load_rulebook().with_overrides({"warning_hours": 48})
    assert _computed("pdd", group, short)["ship_status"].tolist() == ["即将超时"]
    with pytest.raises(OverrideError):
        load_rulebook().with_overrides({"warning_hours": -1})


def test_problem_rows_keep_only_the_problem() -> None:
    header, rows = lifecycle_export_rows(
        CASES[CASES["order_id"] == "250529-02"].reset_index(drop=True), "pdd"
    )
    rows[0][header.index("用户实付金额(元)")] = "abc"
    read = read_rows([list[object](header), *rows], platform="pdd")
    out = compute(read.orders, as_of=AS_OF, input_problems=read.problems.reset_index(drop=True))
    row = out.results.iloc[0]
    assert is_problem(row["problems"])
    assert all(pd.isna(row[c]) or row[c] in ("", None) for c in out.results.columns[:-1])
    assert out.problem_rows == 1
