"""Order workbooks built in ``tmp_path`` for the recompute tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

AS_OF = "2024-07-01 09:00"
HEADER = [
    "订单编号",
    "平台",
    "商品标题",
    "实付金额",
    "付款时间",
    "发货时间",
    "签收时间",
    "退款申请时间",
    "退款原因",
    "揽收时间",
]


def order_rows() -> list[list[object]]:
    """Four clean orders: on time, late (Taobao 150 元 → 7.50), unshipped past the deadline, and a
    return inside the window; one row with a formula-looking title. 揽收时间 is given (Taobao
    judges on pickup; without it 数据问题 notes the fallback to 发货时间)."""
    return [
        ["1001", "淘宝", "T恤", "99.00", "2024-06-01 10:00", "2024-06-02 10:00", "2024-06-04 09:00", "", "", "2024-06-02 10:00"],
        ["1002", "淘宝", "=1+1", "150.00", "2024-06-01 10:00", "2024-06-04 12:00", "", "", "", "2024-06-04 12:00"],
        ["1003", "天猫", "雪平锅", "1.15", "2024-06-20 10:00", "", "", "", "", ""],
        ["1004", "拼多多", "拖鞋", "19.90", "2024-06-10 10:00", "2024-06-10 20:00", "2024-06-12 15:00", "2024-06-14 10:00", "质量问题", "2024-06-10 20:00"],
    ]  # fmt: skip


def write_book(
    path: Path,
    rows: list[list[object]],
    *,
    header: list[str] | None = None,
    overrides: list[list[object]] | None = None,
    violations: list[list[object]] | None = None,
    chart: bool = False,
) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("订单")
    sheet.write_row(0, 0, header or HEADER)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value not in (None, ""):
                sheet.write_string(index, column, str(value))
    if overrides is not None:
        rules = book.add_worksheet("规则")
        rules.write_row(0, 0, ["参数", "值", "备注"])
        for index, row in enumerate(overrides, start=1):
            rules.write_row(index, 0, row)
    if violations is not None:
        log = book.add_worksheet("违规记录")
        log.write_row(0, 0, ["日期", "平台", "违规类型", "订单编号", "扣分", "备注"])
        for index, row in enumerate(violations, start=1):
            log.write_datetime(index, 0, row[0], book.add_format({"num_format": "yyyy-mm-dd"}))
            log.write_row(index, 1, row[1:])
    if chart:
        other = book.add_worksheet("看板")
        other.write_formula("A1", "=COUNTA('订单'!A:A)-1", None, len(rows))
        figure = book.add_chart({"type": "column"})
        figure.add_series({"values": "='看板'!$A$1:$A$1"})
        other.insert_chart("C2", figure)
    book.close()
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "orders.xlsx", order_rows())


@pytest.fixture
def when() -> dt.datetime:
    return dt.datetime(2024, 7, 1, 9, 0)
