"""Sheet XML as other writers produce it: a namespace prefix (``x:``, .NET Open XML SDK), rows and
cells without ``r``, an empty ``<sheetData/>``, pretty-printed XML, no ``<dimension>``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def handmade(path: Path, sheet_data: str, *, prefix: str = "", head: str = "") -> Path:
    p = prefix + ":" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<{p}workbook {ns} xmlns:r="{REL}"><{p}sheets><{p}sheet name="订单" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<{p}styleSheet {ns}><{p}fonts count="1"><{p}font/></{p}fonts><{p}fills count="1"><{p}fill><{p}patternFill patternType="none"/></{p}fill></{p}fills>'
            f'<{p}borders count="1"><{p}border/></{p}borders><{p}cellXfs count="1"><{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></{p}cellXfs></{p}styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": f"<{p}worksheet {ns}>{head}{sheet_data}</{p}worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def grid(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)["订单"]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def cells(prefix: str, with_refs: bool) -> str:
    p = prefix + ":" if prefix else ""

    def c(ref: str, text: str) -> str:
        r = f' r="{ref}"' if with_refs else ""
        return f'<{p}c{r} t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'

    def row(n: int, body: str) -> str:
        r = f' r="{n}"' if with_refs else ""
        return f"<{p}row{r}>{body}</{p}row>\n  "

    return (
        f"<{p}sheetData>\n  "
        + row(1, c("A1", "订单编号") + c("B1", "标题"))
        + row(2, c("A2", "1001") + c("B2", "a"))
        + row(3, c("A3", "1002") + c("B3", "b"))
        + f"</{p}sheetData>"
    )


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("with_refs", [True, False])
def test_prefix_and_implicit_refs(tmp_path: Path, prefix: str, with_refs: bool) -> None:
    path = handmade(tmp_path / "h.xlsx", cells(prefix, with_refs), prefix=prefix)
    cols = [
        OutputColumn("违约金", [1.5, None], "money"),
        OutputColumn("数据问题", [None, "=x"], "text"),
    ]
    report = patch_sheet_columns(path, "订单", 1, [2, 3], cols)
    assert report.columns == {"违约金": "C", "数据问题": "D"}
    assert grid(path) == [
        ["订单编号", "标题", "违约金", "数据问题"],
        ["1001", "a", 1.5, None],
        ["1002", "b", None, "=x"],
    ]
    once = path.read_bytes()
    patch_sheet_columns(path, "订单", 1, [2, 3], cols)
    assert path.read_bytes() == once


def test_rows_without_r_after_an_inserted_row_get_numbers(tmp_path: Path) -> None:
    """Inserting row 2 before rows that count implicitly would shift them: they get r."""
    data = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>订单编号</t></is></c></row><row r="3"><c r="A3"><v>7</v></c></row><row><c r="A4"><v>8</v></c></row></sheetData>'
    path = handmade(tmp_path / "h.xlsx", data)
    patch_sheet_columns(path, "订单", 1, [2, 4], [OutputColumn("违约金", [1, 2], "money")])
    assert grid(path) == [["订单编号", "违约金"], [None, 1], [7, None], [8, 2]]


def test_empty_sheet_data(tmp_path: Path) -> None:
    path = handmade(tmp_path / "h.xlsx", "<sheetData/>", head='<dimension ref="A1"/>')
    patch_sheet_columns(path, "订单", 1, [2], [OutputColumn("违约金", [3], "money")])
    assert grid(path) == [["违约金"], [3]]
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:A2"/>' in archive.read("xl/worksheets/sheet1.xml")


def test_header_in_shared_strings_with_rich_text(tmp_path: Path) -> None:
    """A header cell that is a rich-text shared string is recognised on the second run."""
    import xlsxwriter

    path = tmp_path / "rich.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("订单")
    red = book.add_format({"color": "red"})
    ws.write_string(0, 0, "订单编号")
    ws.write_rich_string(0, 1, red, "违约", "金")
    ws.write_number(1, 1, 99)
    book.close()
    report = patch_sheet_columns(path, "订单", 1, [2], [OutputColumn("违约金", [5], "money")])
    assert report.columns == {"违约金": "B"}
    assert grid(path) == [["订单编号", "违约金"], [None, 5]]


def test_cols_widths_inserted_in_order(tmp_path: Path) -> None:
    """New <col> entries go between existing ones in column order; existing ones are kept."""
    head = '<cols><col min="1" max="1" width="30" customWidth="1"/><col min="10" max="12" width="5" customWidth="1"/></cols>'
    path = handmade(tmp_path / "h.xlsx", cells("", True), head=head)
    patch_sheet_columns(path, "订单", 1, [2, 3], [OutputColumn("违约金", [1, 2], "money")])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert (
        '<cols><col min="1" max="1" width="30" customWidth="1"/><col min="3" max="3" width="10" customWidth="1"/>'
        '<col min="10" max="12" width="5" customWidth="1"/></cols>'
    ) in xml
    ws = openpyxl.load_workbook(path)["订单"]
    assert ws.column_dimensions["A"].width == 30
