"""Money cells: every accepted form, and the bad ones reported, never guessed."""

from __future__ import annotations

import pandas as pd
import pytest
from shoprules.workbook.cells.money import parse_yuan


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("¥1,234.50", 123450),
        ("12元", 1200),
        ("１２", 1200),
        ("1，000", 100000),
        (1.15, 115),
        (0.1 + 0.2, 30),
        ("-3.5", -350),
        (" 7 ", 700),
        ("RMB 8.8", 880),
        (2.675, 268),
    ],
)
def test_amounts(value: object, fen: int | None) -> None:
    parsed = parse_yuan([value])
    if fen is None:
        assert parsed.bad[0]
    else:
        assert parsed.fen[0] == fen
        assert not parsed.bad[0]


@pytest.mark.parametrize(
    "value", ["无退款申请", "abc", "1.2.3", True, "1,2,3", "12，5", "12RMB34", "12,34", "¥¥5"]
)
def test_bad_amounts_are_reported(value: object) -> None:
    parsed = parse_yuan([value])
    assert parsed.bad[0]
    assert pd.isna(parsed.fen[0])
