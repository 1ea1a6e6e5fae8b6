"""Order workbooks built in ``tmp_path`` for the recompute tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.factories import SHOP_HEADER, shop_rows, write_workbook

AS_OF = "2024-07-01 09:00"
HEADER = SHOP_HEADER
order_rows = shop_rows


def write_book(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: list[str] | None = None,
    overrides: list[list[object]] | None = None,
    violations: list[list[object]] | None = None,
    chart: bool = False,
) -> Path:
    """A recompute test workbook: every value a text cell, ``SHOP_HEADER`` unless ``header``."""
    return write_workbook(
        path,
        rows,
        header=header or SHOP_HEADER,
        as_text=True,
        overrides=overrides,
        violations=violations,
        chart=chart,
    )


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "orders.xlsx", order_rows())


@pytest.fixture
def when() -> dt.datetime:
    return dt.datetime(2024, 7, 1, 9, 0)
