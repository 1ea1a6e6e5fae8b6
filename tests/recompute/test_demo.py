"""``shoprules demo`` builds, recomputes, audits and summarises a realistic demo shop."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from shoprules.workbook.cli import app
from shoprules.workbook.demo import build_demo
from typer.testing import CliRunner

#: The demo's fixed seed and as-of pin these figures (合计 row of the summary table).
#: Issue #10: points 40 → 22 — Taobao late shipment has had no fixed 3 points since 2019-08-26,
#: so only the 违规记录 entries count. 2 rows with 数据问题 (the two bad rows): the Taobao and Tmall
#: exports have no 揽收时间 column at all, which is said once per sheet, not on every row.
GOLDEN_TOTAL = ["合计", "420", "85", "911.95", "0.00", "22", "2"]


def test_demo_command(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    book = folder / "demo-shop.xlsx"
    assert (folder / "demo-shop.xlsx.bak").exists()
    assert (folder / "demo-shop.audit.xlsx").exists()
    assert (folder / "ExportOrderList202407010900.csv").exists()

    total = next(line for line in result.output.splitlines() if "合计" in line and "│" in line)
    assert [cell.strip() for cell in total.split("│")[1:-1]] == GOLDEN_TOTAL
    assert "扣分节点: 淘宝严重违规 2024 年累计 12 分" in result.output  # from the 违规记录 sheet
    assert "淘宝一般违规" not in result.output  # late complaints: no fixed points since 2019-08-26
    assert "活动报名: 天猫 不可报名" in result.output
    assert "「拼多多订单」第 8 行: 实付金额无法识别: 待确认" in result.output

    wb = openpyxl.load_workbook(book)
    for name in ("淘宝订单", "天猫订单", "拼多多订单"):
        header = [c.value for c in wb[name][1]]
        assert header[-13] == "发货截止"
        assert header[-1] == "数据问题"
    assert wb["看板"]["B2"].value.startswith("=COUNTA")

    # Recompute touched only the three order sheets (and appended styles): the dashboard, its
    # chart, the 规则 and 违规记录 sheets are byte for byte the original.
    with zipfile.ZipFile(folder / "demo-shop.xlsx.bak") as before, zipfile.ZipFile(book) as after:
        order_sheets = {f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 3)}
        for name in before.namelist():
            if name not in order_sheets and name != "xl/styles.xml":
                assert before.read(name) == after.read(name), name


def test_demo_is_deterministic(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a", orders_per_platform=(40, 30, 30))
    second = build_demo(tmp_path / "b", orders_per_platform=(40, 30, 30))
    assert first.orders == second.orders == 100
    a = openpyxl.load_workbook(first.path)
    b = openpyxl.load_workbook(second.path)
    for name in [*first.order_sheets, "违规记录", "规则"]:
        assert list(a[name].values) == list(b[name].values)
    assert first.extra_files[0].read_bytes() == second.extra_files[0].read_bytes()
