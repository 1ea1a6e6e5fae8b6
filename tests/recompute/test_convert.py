"""CSV / HTML exports → ``BOOK.shoprules.xlsx``: ids as exact text without wrappers, amounts as
numbers, times as Excel dates, the rest as it was (issue 12)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from shoprules.workbook.recompute import recompute_book

from tests.audit.recalc import convert, soffice
from tests.factories import DOUYIN_HEADER, export_rows

AS_OF = pd.Timestamp("2024-07-01 09:00")
HEADER = ["订单编号", "平台", "商品标题", "实付金额", "付款时间", "发货时间", "备注"]
ROWS = [
    ['="4018270033112345678"', "淘宝", "=1+1", "¥1,234.50", "2024/3/1 15:04", "2024-03-04 10:00:00", "00123"],
    ["\t4018270033112345679", "淘宝", "T恤", "99.00", "2024-03-01 10:00:00", "", " 前后空格 "],
    ["'4018270033112345680", "天猫", "雪平锅", "待确认", "2024-13-01 10:00", "", "https://x.cn"],
]  # fmt: skip


def csv_export(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> Path:
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return '"' + text.replace('"', '""') + '"'

    lines = [",".join(cell(c) for c in header)] + [",".join(cell(c) for c in r) for r in rows]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    return path


def test_ids_amounts_and_times_typed(tmp_path: Path) -> None:
    path = csv_export(tmp_path / "ExportOrderList.csv", HEADER, ROWS)
    outcome = recompute_book(path, as_of=AS_OF)
    assert outcome.output == tmp_path / "ExportOrderList.shoprules.xlsx"
    ws = openpyxl.load_workbook(outcome.output)["订单"]
    ids = [ws.cell(r, 1).value for r in (2, 3, 4)]
    assert ids == ["4018270033112345678", "4018270033112345679", "4018270033112345680"]
    assert {ws.cell(r, 1).data_type for r in (2, 3, 4)} == {"s"}
    assert ws["D2"].value == 1234.5
    assert ws["D2"].number_format == "0.00"
    assert ws["D3"].value == 99
    assert ws["D4"].value == "待确认"  # not an amount: kept as it was
    assert ws["E2"].value == dt.datetime(2024, 3, 1, 15, 4)
    assert ws["E2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["E4"].value == "2024-13-01 10:00"  # not a time: kept as it was
    assert ws["F3"].value is None
    assert ws["C2"].value == "=1+1"
    assert ws["C2"].data_type == "s"
    assert [ws["G2"].value, ws["G3"].value, ws["G4"].value] == [
        "00123",
        " 前后空格 ",
        "https://x.cn",
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}4"
    headers = [c.value for c in ws[1]]
    assert headers[: len(HEADER)] == HEADER
    ship = headers.index("发货状态") + 1
    letter = get_column_letter(ship)
    assert f"{letter}2:{letter}4" in {str(r.sqref) for r in ws.conditional_formatting}
    with zipfile.ZipFile(outcome.output) as archive:
        assert archive.testzip() is None
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    assert b"<f " not in xml


def test_douyin_tab_ids(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in export_rows("douyin", 20, seed=2)]
    path = csv_export(tmp_path / "douyin.csv", DOUYIN_HEADER, rows)
    outcome = recompute_book(path, as_of=AS_OF, platform="douyin")
    assert outcome.output is not None
    ws = openpyxl.load_workbook(outcome.output).active
    assert ws is not None
    assert ws["A2"].value == "6900000000000000001"
    assert ws["B2"].value == "69000000000000000011"
    assert isinstance(ws["E2"].value, float)  # 订单应付金额
    assert isinstance(ws["G2"].value, dt.datetime)  # 支付完成时间
    assert ws["J2"].value == "-"  # what the reader takes for blank stays as it was


def test_rerun_in_place_on_the_converted_book(tmp_path: Path) -> None:
    """The new workbook's result formats are the patcher's: a later in-place run reuses them."""
    path = csv_export(tmp_path / "e.csv", HEADER, ROWS)
    outcome = recompute_book(path, as_of=AS_OF)
    assert outcome.output is not None
    again = recompute_book(outcome.output, as_of=AS_OF, keep_backup=False)
    assert again.report.styles_appended == 0
    assert again.report.appended == []


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) 未安装")
def test_sum_of_amounts_in_libreoffice(tmp_path: Path) -> None:
    path = csv_export(tmp_path / "s.csv", HEADER, ROWS)
    outcome = recompute_book(path, as_of=AS_OF)
    assert outcome.output is not None
    book = openpyxl.load_workbook(outcome.output)
    book["订单"]["J10"] = "=SUM(D2:D4)"
    book["订单"]["K10"] = "=YEAR(E2)"
    book.save(tmp_path / "with-sum.xlsx")
    out = convert(tmp_path / "with-sum.xlsx", tmp_path)
    ws = openpyxl.load_workbook(out, data_only=True)["订单"]
    assert ws["J10"].value == pytest.approx(1333.5)
    assert ws["K10"].value == 2024
