"""Fen arithmetic and working-day durations (cell parsing is tested in tests/cells)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shoprules.formulas.money import fen_to_yuan_text, rate_to_bp, yuan_to_fen_exact
from shoprules.formulas.rulebook import load_rulebook
from shoprules.formulas.timers import timer_deadlines


def test_money_helpers() -> None:
    assert yuan_to_fen_exact("0.345") == 35
    assert fen_to_yuan_text(5) == "0.05"
    assert rate_to_bp("12.5%") == 1250
    with pytest.raises(ValueError, match="万分之一"):
        rate_to_bp("0.00001")


def test_working_day_durations_follow_the_statutory_calendar() -> None:
    book = load_rulebook().with_overrides({"pdd.ship_by.duration": "2wd"})
    rule = book.timers["pdd.ship_by"]
    # Paid on the eve of National Day 2024: 10-01..10-07 are holidays, 10-12 (Sat) is a make-up workday.
    start = np.array(["2024-09-30T15:00", "2024-10-11T09:00"], dtype="datetime64[ns]")
    out = timer_deadlines(rule, start, governing=start)
    assert [str(pd.Timestamp(t)) for t in out.deadline] == [
        "2024-10-09 15:00:00",
        "2024-10-14 09:00:00",
    ]
