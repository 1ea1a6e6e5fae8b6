"""write_new_workbook: CSV / .xls / HTML inputs become BOOK.shoprules.xlsx with the data as it
was (ids as text, never through float; formula-looking text as text) and the result columns."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from shoprules.workbook.xlsx import OutputColumn, WorkbookNotWritable, write_new_workbook

from .conftest import needs_soffice, soffice_csv

HEADER = ["订单编号", "商品标题", "实付金额", "付款时间"]
ROWS: list[list[object]] = [
    ["4018270033112345678", "=1+1", "99.00", dt.datetime(2024, 6, 1, 10, 0)],
    ["4018270033112345679", "+86 包邮", 150.0, None],
    ["00123", "https://shop.example/1", "", "2024-06-03"],
]
COLUMNS = [
    OutputColumn(
        "发货截止", [dt.datetime(2024, 6, 3, 10, 0), None, dt.datetime(2024, 6, 5)], "datetime"
    ),
    OutputColumn("违约金", [5.0, 7.5, None], "money"),
    OutputColumn("扣分", [0, 3, None], "integer"),
    OutputColumn("数据问题", [None, None, "付款时间无法识别: 2024-06-03"], "text"),
]


def test_data_as_text_and_results_formatted(tmp_path: Path) -> None:
    out = tmp_path / "export.shoprules.xlsx"
    report = write_new_workbook(out, "订单", HEADER, ROWS, COLUMNS)
    assert report.columns == {"发货截止": "E", "违约金": "F", "扣分": "G", "数据问题": "H"}
    assert report.rows_written == 3
    ws = openpyxl.load_workbook(out)["订单"]
    assert [c.value for c in ws[1]] == HEADER + [c.header for c in COLUMNS]
    assert ws["A2"].value == "4018270033112345678"
    assert ws["A4"].value == "00123"
    assert ws["B2"].value == "=1+1"
    assert ws["B2"].data_type == "s"
    assert ws["B4"].hyperlink is None
    assert ws["C2"].value == "99.00"  # text stays text: the reader decides what is a number
    assert ws["D2"].value == dt.datetime(2024, 6, 1, 10, 0)
    assert ws["E2"].value == dt.datetime(2024, 6, 3, 10, 0)
    assert ws["E2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["F3"].value == 7.5
    assert ws["F3"].number_format == "0.00"
    assert ws["G3"].number_format == "0"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H4"
    with zipfile.ZipFile(out) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_dataframe_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=HEADER)
    out = tmp_path / "f.xlsx"
    write_new_workbook(out, "订单", [], frame, COLUMNS)
    ws = openpyxl.load_workbook(out)["订单"]
    assert [c.value for c in ws[1]][:4] == HEADER
    assert ws["A3"].value == "4018270033112345679"
    assert ws["D3"].value is None  # NaT → blank


def test_results_right_of_the_widest_row(tmp_path: Path) -> None:
    rows = [[*ROWS[0], "", "额外"], ROWS[1], ROWS[2]]
    report = write_new_workbook(tmp_path / "w.xlsx", "订单", HEADER, rows, COLUMNS)
    assert report.columns["发货截止"] == "G"


def test_length_mismatch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 行"):
        write_new_workbook(tmp_path / "x.xlsx", "订单", HEADER, ROWS[:2], COLUMNS)
    assert not (tmp_path / "x.xlsx").exists()


def test_unwritable_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkbookNotWritable):
        write_new_workbook(tmp_path / "missing" / "x.xlsx", "订单", HEADER, ROWS, COLUMNS)


@pytest.mark.libreoffice
@needs_soffice
def test_libreoffice_reads_it(tmp_path: Path) -> None:
    out = tmp_path / "export.shoprules.xlsx"
    write_new_workbook(out, "订单", HEADER, ROWS, COLUMNS)
    rows = soffice_csv(out, tmp_path)
    assert rows[1][:3] == ["4018270033112345678", "=1+1", "99.00"]
    assert rows[1][4:7] == ["2024-06-03 10:00:00", "5.00", "0"]
