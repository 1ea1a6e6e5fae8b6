"""Cell text reaches the terminal as text: no rich markup, no terminal escapes, no phone numbers
(issue #12: a ``[/bold]`` cell crashed the summary; raw values were echoed to stdout)."""

from __future__ import annotations

from pathlib import Path

from shoprules.workbook.cli import app
from shoprules.workbook.cli.app import Styled, plain
from typer.testing import CliRunner

from tests.factories import write_workbook

HEADER = ["订单编号", "平台", "实付金额", "付款时间", "发货时间", "订单状态"]
HOSTILE = "[/bold][red]13812345678\x1b[2J\x1b]0;title\x07"


def test_markup_escapes_and_phones_in_cells_are_printed_as_safe_text(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "orders.xlsx",
        [
            ["1", "淘宝", "100", "2024-03-01 10:00", "2024-03-02 10:00", "[/bold]奇怪状态"],
            ["2", "淘宝", "100", HOSTILE, "", "交易成功"],
        ],
        header=HEADER,
    )
    result = CliRunner().invoke(app, ["recompute", str(book), "--as-of", "2024-03-05"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "13812345678" not in out
    assert "138****5678" in out
    assert "[/bold][red]" in out  # shown literally, not interpreted
    assert "[/bold]奇怪状态" in out  # a reader message quoting a cell


def test_plain_and_styled() -> None:
    assert plain("[b]x\x1b[0m") == "\\[b]x"
    assert isinstance(Styled("[bold]ok[/]"), str)
