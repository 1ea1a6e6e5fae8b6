"""Status colours, autoFilter and Excel tables in a recomputed order sheet (issue 12)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table, TableStyleInfo
from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns
from shoprules.workbook.xlsx.conditional import append_dxfs, patch_tail

HEADER = ["订单编号", "平台", "实付金额"]
ROWS = [["1001", "淘宝", 99.0], ["1002", "天猫", 150.0], ["1003", "拼多多", 19.9]]
SHEET = "xl/worksheets/sheet1.xml"


def columns() -> list[OutputColumn]:
    return [
        OutputColumn("发货状态", ["延迟发货", "按时发货", "待发货"], "text"),
        OutputColumn("违约金", [5.0, 0.0, None], "money"),
        OutputColumn("退货状态", ["可退货", "已过期", None], "text"),
    ]


def book(path: Path, *, table: bool = False, autofilter: bool = False, gap: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "订单"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    if gap:
        ws["E1"] = "备注"  # a user's column right of the table: results go right of it
    if table:
        found = Table(displayName="订单表", ref="A1:C4")
        found.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(found)
    if autofilter:
        ws.auto_filter.ref = "A1:C4"
    wb.save(path)
    return path


def patch(path: Path) -> None:
    patch_sheet_columns(path, "订单", 1, [2, 3, 4], columns(), keep_backup=False)


def member(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


def test_status_colours_and_dxfs(tmp_path: Path) -> None:
    path = patch_and_return(book(tmp_path / "a.xlsx"))
    ws = openpyxl.load_workbook(path)["订单"]
    ranges = {str(r.sqref): r.rules for r in ws.conditional_formatting}
    assert set(ranges) == {"D2:D4", "F2:F4"}  # 发货状态, 退货状态; not 违约金
    ship = {rule.formula[0]: rule.dxfId for rule in ranges["D2:D4"]}
    assert set(ship) == {'"延迟发货"', '"超时未发货"', '"即将超时"', '"待发货"', '"按时发货"'}
    styles = member(path, "xl/styles.xml")
    assert styles.count("<dxf>") >= 3
    assert "FFC7CE" in styles  # red fill
    assert "<dxfs" in styles


def patch_and_return(path: Path) -> Path:
    patch(path)
    return path


def test_rerun_is_byte_identical(tmp_path: Path) -> None:
    path = patch_and_return(book(tmp_path / "a.xlsx", autofilter=True))
    once = path.read_bytes()
    patch(path)
    assert path.read_bytes() == once
    assert member(path, SHEET).count("<conditionalFormatting") == 2


def test_autofilter_widened(tmp_path: Path) -> None:
    path = patch_and_return(book(tmp_path / "a.xlsx", autofilter=True))
    assert openpyxl.load_workbook(path)["订单"].auto_filter.ref == "A1:F4"


def test_table_widened_with_named_columns(tmp_path: Path) -> None:
    path = patch_and_return(book(tmp_path / "t.xlsx", table=True))
    ws = openpyxl.load_workbook(path)["订单"]
    table = ws.tables["订单表"]
    assert table.ref == "A1:F4"
    assert [c.name for c in table.tableColumns] == [*HEADER, "发货状态", "违约金", "退货状态"]
    assert [c.id for c in table.tableColumns] == [1, 2, 3, 4, 5, 6]
    xml = member(path, "xl/tables/table1.xml")
    assert re.search(r'<tableColumns count="6"', xml)
    assert table.autoFilter is not None
    assert table.autoFilter.ref == "A1:F4"
    patch(path)  # a re-run adds nothing
    assert [c.name for c in openpyxl.load_workbook(path)["订单"].tables["订单表"].tableColumns] == [
        *HEADER,
        "发货状态",
        "违约金",
        "退货状态",
    ]


def test_table_not_widened_over_a_users_column(tmp_path: Path) -> None:
    path = book(tmp_path / "g.xlsx", table=True, gap=True)
    before = member(path, "xl/tables/table1.xml")
    patch(path)
    assert member(path, "xl/tables/table1.xml") == before


def test_tail_keeps_element_order() -> None:
    tail = (
        b'</sheetData><autoFilter ref="A1:C4"/><mergeCells count="1"><mergeCell ref="A9:B9"/>'
        b'</mergeCells><conditionalFormatting sqref="C2:C4"><cfRule type="cellIs" dxfId="0" '
        b'priority="4" operator="greaterThan"><formula>50</formula></cfRule>'
        b'</conditionalFormatting><dataValidations count="0"/><pageMargins left="0.7"/></worksheet>'
    )
    out = patch_tail(
        tail, b"", columns={"发货状态": 4, "违约金": 5}, header_row=1, last_row=4,
        dxf_ids={"red": 0, "amber": 1, "green": 2},
    )  # fmt: skip
    text = out.decode()
    assert '<autoFilter ref="A1:E4"/>' in text
    assert (
        text.index("</mergeCells>") < text.index('sqref="D2:D4"') < text.index("<dataValidations")
    )
    assert 'priority="5"' in text  # after the user's own rule
    assert text.count("<conditionalFormatting") == 2


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_dxfs_appended_once(prefix: bytes) -> None:
    p = prefix
    styles = b"<%sstyleSheet><%scellXfs count=\"1\"><%sxf/></%scellXfs><%scellStyles count=\"0\"/></%sstyleSheet>" % (p, p, p, p, p, p)  # fmt: skip
    once, ids, added = append_dxfs(styles, prefix)
    assert added == 3
    assert ids == {"red": 0, "amber": 1, "green": 2}
    twice, again, more = append_dxfs(once, prefix)
    assert (twice, again, more) == (once, ids, 0)
    assert once.index(b"<%sdxfs" % p) > once.index(b"<%scellStyles" % p)
