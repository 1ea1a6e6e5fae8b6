"""``recompute`` on a book with several order sheets does each of them (or the one ``--sheet``
names) and says which; ``--platform`` that contradicts the detected export warns (issue 11)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from shoprules.workbook.cli import app
from shoprules.workbook.readers import read_rows
from typer.testing import CliRunner
from xlsxwriter.workbook import Workbook

from tests.factories import SHOP_HEADER, shop_rows, write_workbook

from .conftest import AS_OF

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def _two_order_sheets(path: Path) -> Path:
    def more(book: Workbook) -> None:
        notes = book.add_worksheet("说明")
        notes.write(0, 0, "本工作簿有两个店的订单")
        second = book.add_worksheet("拼多多店")
        second.write_row(0, 0, SHOP_HEADER)
        for r, row in enumerate(shop_rows(), start=1):
            second.write_row(r, 0, [str(v) for v in row])

    return write_workbook(path, shop_rows(), header=SHOP_HEADER, as_text=True, then=more)


def _headers(path: Path, sheet: str) -> list[object]:
    return [c.value for c in openpyxl.load_workbook(path)[sheet][1]]


def test_every_order_sheet_is_recomputed_and_named(tmp_path: Path) -> None:
    path = _two_order_sheets(tmp_path / "two.xlsx")
    original = path.read_bytes()
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code in (0, 1)
    assert "工作簿有 2 个订单工作表：订单、拼多多店" in output
    assert "合计" in output  # the summary has a line per sheet and a total
    for sheet in ("订单", "拼多多店"):
        assert "违约金" in _headers(path, sheet)
    assert _headers(path, "说明") == ["本工作簿有两个店的订单"]
    backup = path.with_name(path.name + ".bak")
    assert backup.read_bytes() == original  # the backup is the book before any sheet


def test_sheet_option_does_only_that_sheet(tmp_path: Path) -> None:
    path = _two_order_sheets(tmp_path / "two.xlsx")
    code, output = run("recompute", path, "--sheet", "拼多多店", "--as-of", AS_OF)
    assert code in (0, 1)
    assert "个订单工作表" not in output
    assert "违约金" in _headers(path, "拼多多店")
    assert "违约金" not in _headers(path, "订单")


def test_out_option_gets_every_sheet_and_leaves_the_book(tmp_path: Path) -> None:
    path = _two_order_sheets(tmp_path / "two.xlsx")
    original = path.read_bytes()
    out = tmp_path / "result.xlsx"
    code, _ = run("recompute", path, "-o", out, "--as-of", AS_OF)
    assert code in (0, 1)
    assert path.read_bytes() == original
    for sheet in ("订单", "拼多多店"):
        assert "违约金" in _headers(out, sheet)


def test_platform_that_contradicts_the_export_warns(tmp_path: Path) -> None:
    header: list[object] = [
        "商品",
        "订单号",
        "订单状态",
        "用户实付金额(元)",
        "邮费(元)",
        "订单成交时间",
        "发货时间",
    ]
    row: list[object] = [
        "纸巾",
        "240301-1",
        "已发货",
        "19.90",
        "0",
        "2024-03-01 09:00:00",
        "2024-03-02 09:00",
    ]
    result = read_rows([header, row], platform="京东")
    assert result.platform == "jd"
    assert any("--platform 指定为京东" in m and "拼多多" in m for m in result.messages)
    path = write_workbook(
        tmp_path / "pdd.xlsx", [row], header=[str(h) for h in header], as_text=True
    )
    code, output = run("recompute", path, "--platform", "京东", "--as-of", AS_OF)
    assert code in (0, 1)
    assert "--platform 指定为京东" in output
    assert not any("--platform 指定" in m for m in read_rows([header, row]).messages)
