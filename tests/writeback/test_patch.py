"""patch_sheet_columns: lossless round trip, result values and formats, re-runs, stale cells."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from shoprules.workbook.xlsx import OutputColumn, PatchReport, patch_sheet_columns

from .conftest import (
    HEADER,
    KINDS,
    RESULT_HEADERS,
    build_order_book,
    members,
    order_rows,
    raw_members,
)

SHEET = "xl/worksheets/sheet1.xml"


def columns_for(n: int, *, shift: int = 0) -> list[OutputColumn]:
    """Five result columns, one of each kind, with a blank in every third row and text that
    looks like formulas."""
    texts = ["=1+1", "+86", "-3", " 前后空格 ", "付款时间无法识别: 2024-13-01", "@SUM(A1)"]
    values: list[list[object]] = [
        [None if i % 3 == 2 else dt.datetime(2024, 6, 3 + i, 10, 30, 15) for i in range(n)],
        [None if i % 3 == 2 else round(0.35 + i + shift, 2) for i in range(n)],
        [None if i % 3 == 2 else 1.5 * i for i in range(n)],
        [None if i % 3 == 2 else 3 * (i % 2) + shift for i in range(n)],
        [None if i % 3 == 2 else texts[i % len(texts)] for i in range(n)],
    ]
    return [OutputColumn(h, v, k) for h, v, k in zip(RESULT_HEADERS, values, KINDS, strict=True)]


def sheet_values(path: Path, sheet: str = "订单") -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def patch(
    path: Path,
    n: int,
    *,
    header_row: int = 1,
    shift: int = 0,
    out: Path | None = None,
    keep_backup: bool = True,
) -> PatchReport:
    rows = list(range(header_row + 1, header_row + 1 + n))
    columns = columns_for(n, shift=shift)
    return patch_sheet_columns(
        path, "订单", header_row, rows, columns, out=out, keep_backup=keep_backup
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_every_other_member_is_byte_identical(tmp_path: Path, suffix: str) -> None:
    path = build_order_book(tmp_path / f"orders{suffix}", vba=suffix == ".xlsm")
    before = raw_members(path)
    report = patch(path, 6)
    after = raw_members(path)
    assert [m[0] for m in after] == [m[0] for m in before]  # same members, same order
    changed = {b[0] for b, a in zip(before, after, strict=True) if b != a}
    assert changed == {SHEET, "xl/styles.xml"}
    if suffix == ".xlsm":
        assert "xl/vbaProject.bin" in {m[0] for m in after}
    assert report.backup is not None
    assert report.backup.read_bytes() != path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def test_original_cells_keep_their_formats(order_book: Path) -> None:
    def formats(path: Path) -> dict[str, tuple[object, ...]]:
        ws = openpyxl.load_workbook(path)["订单"]
        return {
            c.coordinate: (c.value, c.number_format, c.font.b, c.fill.fgColor.rgb, c.data_type)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.has_style
        }

    before = formats(order_book)
    patch(order_book, 6)
    after = formats(order_book)
    assert {k: after[k] for k in before} == before


def test_shared_strings_and_styles_only_appended(order_book: Path) -> None:
    before = members(order_book)
    report = patch(order_book, 6)
    after = members(order_book)
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    old, new = before["xl/styles.xml"], after["xl/styles.xml"]
    old_xfs = old[old.index(b"<cellXfs") : old.index(b"</cellXfs>")]
    old_xfs = old_xfs[old_xfs.index(b">") + 1 :]
    new_xfs = new[new.index(b"<cellXfs") : new.index(b"</cellXfs>")]
    assert old_xfs in new_xfs  # existing formats kept in place, new ones after them
    assert report.styles_appended == 2 + 5  # two custom number formats, five cell formats


def test_original_cells_unchanged_and_results_written(order_book: Path) -> None:
    before = sheet_values(order_book)
    report = patch(order_book, 6)
    after = sheet_values(order_book)
    assert {k: after[k] for k in before} == before
    assert report.columns == dict(zip(RESULT_HEADERS, "GHIJK", strict=True))
    assert report.rows_written == 4
    assert [after[f"{c}1"] for c in "GHIJK"] == RESULT_HEADERS
    assert after["G2"] == dt.datetime(2024, 6, 3, 10, 30, 15)
    assert after["H2"] == 0.35
    assert after["I3"] == 1.5
    assert after["J3"] == 3
    assert "G4" not in after  # None → blank
    assert [after[f"K{r}"] for r in (2, 3, 5, 6)] == [
        "=1+1",
        "+86",
        " 前后空格 ",
        "付款时间无法识别: 2024-13-01",
    ]
    ws = openpyxl.load_workbook(order_book)["订单"]
    assert ws["G2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["H2"].number_format == "0.00"
    assert ws["I2"].number_format == "0.0"
    assert ws["J2"].number_format == "0"
    assert ws["K2"].data_type == "s"
    assert ws["G1"].font.b  # the header looks like the other headers
    wb = openpyxl.load_workbook(order_book)
    assert set(wb.defined_names) >= {"订单金额"}
    assert wb["看板"]["B4"].value == "=SUM(B2:B3)"


def test_text_is_never_a_formula(order_book: Path) -> None:
    patch(order_book, 6)
    xml = members(order_book)[SHEET].decode()
    result_cells = [part for part in xml.split("<c ") if part.startswith('r="K')]
    assert result_cells
    assert all("<f>" not in c and 't="inlineStr"' in c for c in result_cells)
    assert '<t xml:space="preserve"> 前后空格 </t>' in xml


def test_formula_looking_text_stays_text(order_book: Path) -> None:
    texts = ["=1+1", "+1", "-1", "@A1", '=HYPERLINK("http://x")', "\tid"]
    patch_sheet_columns(
        order_book, "订单", 1, range(2, 8), [OutputColumn("数据问题", texts, "text")]
    )
    ws = openpyxl.load_workbook(order_book)["订单"]
    assert [ws.cell(r, 7).value for r in range(2, 8)] == texts
    assert {ws.cell(r, 7).data_type for r in range(2, 8)} == {"s"}


def test_sheet_xml_outside_the_results_is_kept(order_book: Path) -> None:
    before = members(order_book)[SHEET].decode()
    patch(order_book, 6)
    after = members(order_book)[SHEET].decode()
    for tag in (
        "<mergeCells",
        "<dataValidations",
        "<conditionalFormatting",
        "<hyperlinks",
        "<drawing ",
        "<legacyDrawing",
        "<sheetViews",
    ):
        if tag in before:
            start = before.index(tag)
            element = before[start : before.index(">", start) + 1]
            assert element in after, tag
    # issue 12: the autoFilter is widened over the result columns (A1:F7 → A1:K7)
    assert '<autoFilter ref="A1:F7"/>' in before
    tail = before[before.index("</sheetData>") :].replace('ref="A1:F7"', 'ref="A1:K7"')
    assert after.endswith(tail)


def test_idempotent(order_book: Path) -> None:
    patch(order_book, 6)
    once = order_book.read_bytes()
    second = patch(order_book, 6)
    assert order_book.read_bytes() == once
    assert second.styles_appended == 0
    assert second.appended == []


def test_rerun_overwrites_the_same_columns(order_book: Path) -> None:
    patch(order_book, 6)
    report = patch(order_book, 6, shift=10)
    assert report.columns == dict(zip(RESULT_HEADERS, "GHIJK", strict=True))
    values = sheet_values(order_book)
    assert values["H2"] == 10.35
    assert values["J2"] == 10
    header = [values.get(f"{c}1") for c in "ABCDEFGHIJKLM"]
    assert header.count("违约金") == 1


def test_moved_and_new_result_columns(order_book: Path) -> None:
    """Headers found anywhere in the header row are reused; a new header goes right of the data."""
    patch(order_book, 6)
    extra = OutputColumn("退货截止", [dt.datetime(2024, 7, 1)] * 6, "datetime")
    report = patch_sheet_columns(order_book, "订单", 1, range(2, 8), [*columns_for(6), extra])
    assert report.columns["退货截止"] == "L"
    assert report.appended == ["退货截止"]
    assert sheet_values(order_book)["L7"] == dt.datetime(2024, 7, 1)


def test_stale_results_cleared_user_cells_kept(order_book: Path) -> None:
    """A second run with fewer data rows clears the old results below; a note and a formula the
    user put in a result column stay."""
    patch(order_book, 6)
    wb = openpyxl.load_workbook(order_book)
    values_before = sheet_values(order_book)
    assert values_before["H6"] == 4.35
    report = patch_sheet_columns(order_book, "订单", 1, [2, 3, 4], columns_for(3))
    values = sheet_values(order_book)
    assert all(f"{c}{r}" not in values for c in "GHIJK" for r in (5, 6, 7))
    assert report.cells_cleared > 0
    assert values["A6"] == values_before["A6"]  # data cells stay
    assert values["D9"] == "=SUM(D2:D7)"
    del wb


def test_user_typed_cell_in_result_column_is_kept(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "o.xlsx")
    patch(path, 6)
    wb = openpyxl.load_workbook(path)
    ws = wb["订单"]
    ws["H9"] = "=SUM(H2:H7)"
    ws["K10"] = "客服备注"
    wb.save(path)  # openpyxl re-saves: our formats are renumbered but still recognisable
    patch_sheet_columns(path, "订单", 1, [2, 3], columns_for(2))
    values = sheet_values(path)
    assert values["H9"] == "=SUM(H2:H7)"
    assert values["K10"] == "客服备注"
    assert "H5" not in values


def test_header_not_on_row_one(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "o.xlsx", header_row=3)
    before = sheet_values(path)
    report = patch(path, 6, header_row=3)
    after = sheet_values(path)
    assert {k: after[k] for k in before} == before
    assert report.columns["发货截止"] == "G"
    assert after["G3"] == "发货截止"
    assert after["H4"] == 0.35
    assert "G1" not in after
    assert "G2" not in after


def test_date1904(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "o.xlsx", date_1904=True)
    patch(path, 6)
    wb = openpyxl.load_workbook(path)
    assert wb.epoch.year == 1904
    assert wb["订单"]["G2"].value == dt.datetime(2024, 6, 3, 10, 30, 15)
    assert wb["订单"]["E2"].value == order_rows()[0][4]


def test_missing_rows_are_created_in_order(tmp_path: Path) -> None:
    """Data rows the sheet XML has no <row> for (blank rows) and rows after the last one."""
    path = build_order_book(tmp_path / "o.xlsx", extras=False)
    cols = [OutputColumn("违约金", [1.0, 2.0, 3.0], "money")]
    patch_sheet_columns(path, "订单", 1, [2, 20, 30], cols)
    values = sheet_values(path)
    assert (values["G2"], values["G20"], values["G30"]) == (1, 2, 3)
    xml = members(path)[SHEET].decode()
    numbers = [int(part.split('"')[1]) for part in xml.split("<row r=")[1:]]
    assert numbers == sorted(numbers)
    assert '<dimension ref="A1:G30"/>' in xml


def test_results_go_right_of_the_data_not_of_the_header(tmp_path: Path) -> None:
    rows = order_rows()
    rows[2] = [*rows[2], "", "", "无表头的备注"]  # a value in column I, without a header
    path = build_order_book(tmp_path / "o.xlsx", rows, extras=False)
    report = patch(path, 6)
    assert report.columns["发货截止"] == "J"


def test_values_of_every_python_type(order_book: Path) -> None:
    import numpy as np
    import pandas as pd

    values: list[object] = [
        np.float64(1.25),
        np.int64(7),
        pd.NaT,
        float("nan"),
        True,
        dt.date(2024, 6, 3),
    ]
    patch_sheet_columns(
        order_book, "订单", 1, range(2, 8), [OutputColumn("违约金", values, "money")]
    )
    got = sheet_values(order_book)
    assert (got["G2"], got["G3"], got["G6"]) == (1.25, 7, True)
    assert "G4" not in got
    assert "G5" not in got
    assert got["G7"] == 45446  # a date is a whole-day serial


def test_out_leaves_the_book_alone(order_book: Path, tmp_path: Path) -> None:
    before = order_book.read_bytes()
    out = tmp_path / "copy.xlsx"
    report = patch(order_book, 6, out=out)
    assert order_book.read_bytes() == before
    assert report.path == out
    assert report.backup is None
    assert sheet_values(out)["H2"] == 0.35
    assert not order_book.with_name(order_book.name + ".bak").exists()


def test_no_backup_when_asked(order_book: Path) -> None:
    report = patch(order_book, 6, keep_backup=False)
    assert report.backup is None
    assert not order_book.with_name(order_book.name + ".bak").exists()
    assert [p.name for p in order_book.parent.iterdir() if p.name.startswith(".shoprules")] == []


def test_wrong_lengths_and_rows_are_rejected(order_book: Path) -> None:
    before = order_book.read_bytes()
    with pytest.raises(ValueError, match="3 个值"):
        patch_sheet_columns(
            order_book, "订单", 1, [2, 3], [OutputColumn("违约金", [1, 2, 3], "money")]
        )
    with pytest.raises(ValueError, match="表头行"):
        patch_sheet_columns(order_book, "订单", 2, [2], [OutputColumn("违约金", [1], "money")])
    with pytest.raises(ValueError, match="重复"):
        patch_sheet_columns(
            order_book, "订单", 1, [2, 2], [OutputColumn("违约金", [1, 2], "money")]
        )
    assert order_book.read_bytes() == before


def test_header_matching_ignores_surrounding_spaces(tmp_path: Path) -> None:
    rows = order_rows()
    path = build_order_book(tmp_path / "o.xlsx", rows, extras=False)
    wb = openpyxl.load_workbook(path)
    wb["订单"]["H1"] = " 违约金 "  # the user typed the header by hand, with spaces
    wb["订单"]["H2"] = 99
    wb.save(path)
    report = patch_sheet_columns(
        path, "订单", 1, range(2, 8), [OutputColumn("违约金", [1.0] * 6, "money")]
    )
    assert report.columns == {"违约金": "H"}
    assert sheet_values(path)["H2"] == 1


def test_header_constant_matches() -> None:
    assert HEADER[0] == "订单编号"
    assert len(RESULT_HEADERS) == len(KINDS)


def test_value_right_of_the_header_in_a_non_data_row(tmp_path: Path) -> None:
    """A note far right in a row below the data (not a data row) still pushes the results right:
    nothing the user wrote is overwritten, whichever row it is in."""
    path = build_order_book(tmp_path / "o.xlsx", extras=False)
    wb = openpyxl.load_workbook(path)
    wb["订单"]["H12"] = "对账备注"
    wb.save(path)
    report = patch(path, 6)
    assert report.columns["发货截止"] == "I"
    assert sheet_values(path)["H12"] == "对账备注"


def test_merged_cells_right_of_the_header(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "o.xlsx", extras=False)
    wb = openpyxl.load_workbook(path)
    wb["订单"]["F10"] = "说明"
    wb["订单"].merge_cells("F10:I10")
    wb.save(path)
    report = patch(path, 6)
    assert report.columns["发货截止"] == "J"


def test_title_row_above_the_header_does_not_count(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "o.xlsx", header_row=3, extras=False)
    wb = openpyxl.load_workbook(path)
    wb["订单"]["Z1"] = "导出时间 2024-07-01"
    wb.save(path)
    assert patch(path, 6, header_row=3).columns["发货截止"] == "G"


def test_formats_reused_after_a_resave_dropped_the_marker(order_book: Path) -> None:
    """Excel drops default-valued attributes when it saves: the same cell formats are reused
    instead of appending new ones on every run."""
    patch(order_book, 6)
    with zipfile.ZipFile(order_book) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(order_book, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            if info.filename == "xl/styles.xml":
                data = data.replace(b' quotePrefix="0"', b"")
            archive.writestr(info, data)
    assert patch(order_book, 6, shift=1).styles_appended == 0
