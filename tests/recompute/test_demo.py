"""``shoprules demo`` builds, recomputes and summarises a realistic demo shop."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from shoprules.workbook.cli import app
from shoprules.workbook.demo import build_demo
from typer.testing import CliRunner


def test_demo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    book = tmp_path / "demo" / "demo-shop.xlsx"
    assert book.exists()
    assert (tmp_path / "demo" / "demo-shop.xlsx.bak").exists()
    assert "合计" in result.output
    assert "违约金合计" in result.output
    assert "扣分节点: 淘宝严重违规 2024 年累计 12 分" in result.output  # from the 违规记录 sheet
    assert "扣分节点: 淘宝一般违规 2024 年累计 12 分" in result.output  # upheld late complaints
    assert (tmp_path / "demo" / "demo-shop.audit.xlsx").exists()
    wb = openpyxl.load_workbook(book)
    for name in ("淘宝订单", "天猫订单", "拼多多订单"):
        header = [c.value for c in wb[name][1]]
        assert header[-11:][0] == "发货截止"
        assert header[-1] == "数据问题"
    assert wb["看板"]["B2"].value.startswith("=COUNTA")


def test_demo_is_deterministic(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a")
    second = build_demo(tmp_path / "b")
    assert first.orders == second.orders >= 300
    a = openpyxl.load_workbook(first.path)
    b = openpyxl.load_workbook(second.path)
    for name in first.order_sheets:
        assert list(a[name].values) == list(b[name].values)


def test_demo_golden_summary_and_nothing_else_changed(tmp_path: Path) -> None:
    """The fixed seed and as-of pin the demo's figures; recompute leaves every other part of
    the workbook (other sheets, the chart, styles' existing entries) as it was."""
    import zipfile

    result = CliRunner().invoke(app, ["demo", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if "合计" in line and "│" in line)
    assert [cell.strip() for cell in total.split("│")[1:-1]] == [
        "合计",
        "420",
        "85",
        "911.95",
        "0.00",
        "40",
        "2",
    ]
    before = zipfile.ZipFile(tmp_path / "demo-shop.xlsx.bak")
    after = zipfile.ZipFile(tmp_path / "demo-shop.xlsx")
    order_sheets = {
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/sheet3.xml",
    }
    for name in before.namelist():
        if name in order_sheets or name == "xl/styles.xml":
            continue
        assert before.read(name) == after.read(name), name
