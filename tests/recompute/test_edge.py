"""The shared edge pieces: one error base, one clock, one result-column table, one pipeline for
``recompute`` and ``audit`` (a bad 规则 row is bad input, exit 2, with its sheet/row/key)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from shoprules.formulas.engine import RESULT_HEADERS
from shoprules.workbook.cli import app
from shoprules.workbook.clock import china_now
from shoprules.workbook.columns import RESULT_COLUMNS, place_columns
from shoprules.workbook.errors import ShoprulesError
from shoprules.workbook.readers import UnusableInput
from typer.testing import CliRunner

from .conftest import AS_OF, order_rows, write_book

runner = CliRunner()
BAD: list[list[object]] = [
    ["taobao.late_shipment.max", "6", ""],
    ["taobao.nothing.max", "6", "写错的参数"],
]


def test_column_table_matches_the_engine() -> None:
    assert {c.field: c.header for c in RESULT_COLUMNS} == RESULT_HEADERS
    assert list(RESULT_HEADERS) == [c.field for c in RESULT_COLUMNS]


def test_placement_reuses_right_most_header_and_appends_after_last_used() -> None:
    placed = place_columns({2: "违约金", 5: "违约金", 7: "备注"}, ["发货截止", "违约金"])
    assert placed.columns == {"发货截止": 8, "违约金": 5}
    assert placed.appended == {"发货截止": 8}
    with pytest.raises(ValueError, match="XFD"):
        place_columns({16384: "x"}, ["发货截止"])


def test_china_now_ignores_the_machine_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        utc = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        now = china_now()
    finally:
        monkeypatch.delenv("TZ")
        os.environ.pop("TZ", None)
        time.tzset()
    assert abs((now - (utc + dt.timedelta(hours=8))).total_seconds()) < 120
    assert now.second == 0
    assert now.microsecond == 0


def test_every_expected_error_is_a_shoprules_error() -> None:
    error = UnusableInput("x", sheet="规则", row=3, key="k")
    assert isinstance(error, ShoprulesError)
    assert isinstance(error, ValueError)
    assert str(error) == "x（「规则」表第 3 行，参数 k）"


@pytest.mark.parametrize("command", ["recompute", "audit"])
def test_bad_rule_row_is_bad_input_with_its_location(command: str, tmp_path: Path) -> None:
    """Drift fix: ``audit`` reported a bad 规则 row as an internal error (内部错误 OverrideError)
    while ``recompute`` said bad input; both now say bad input, exit 2, naming sheet/row/key."""
    path = write_book(tmp_path / "o.xlsx", order_rows(), overrides=BAD)
    before = path.read_bytes()
    result = runner.invoke(app, [command, str(path), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "内部错误" not in result.output
    assert "「规则」表有无法应用的参数" in result.output
    assert "o.xlsx「规则」表第 3 行，参数 taobao.nothing.max" in result.output
    assert "未写入任何文件" in result.output
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.audit.xlsx"))


def test_audit_created_at_is_china_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Drift fix: 来源 生成时间 was the machine's local time; now China time like every now."""
    import openpyxl
    from shoprules.workbook.audit import audit_book

    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    path = write_book(tmp_path / "o.xlsx", order_rows())
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        utc = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        audit_book(path, tmp_path / "a.xlsx", as_of=dt.datetime(2024, 7, 1, 9))
    finally:
        monkeypatch.delenv("TZ")
        os.environ.pop("TZ", None)
        time.tzset()
    rows = openpyxl.load_workbook(tmp_path / "a.xlsx")["来源"].iter_rows(values_only=True)
    created = next(str(r[1]) for r in rows if r[0] == "生成时间")
    china = utc + dt.timedelta(hours=8)
    assert abs((dt.datetime.fromisoformat(created) - china).total_seconds()) < 120
