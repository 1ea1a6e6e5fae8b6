"""Ribbon handlers against a fake xlwings Book/Sheet/Range: one bulk read, the batch recompute,
one bulk write, number formats, status bar, summary message, errors as short Chinese text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from shoprules.addin import ribbon
from shoprules.addin import udfs as u
from shoprules.workbook.readers import read_rows
from shoprules.workbook.recompute import compute_output_columns

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

AS_OF = dt.datetime(2024, 3, 5, 12)
ROWS: list[list[Any]] = [
    ["店铺订单", None, None, None, None],
    ["订单编号", "平台", "实付金额", "付款时间", "发货时间"],
    ["1", "淘宝", 100.0, dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 4, 10)],
    [None, None, None, None, None],
    ["2", "淘宝", "abc", "2024-03-01 10:00", None],
    ["3", "天猫", 1000.0, dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 4, 10)],
]


class FakeRange:
    def __init__(
        self, sheet: FakeSheet, first: tuple[int, int], last: tuple[int, int] | None = None
    ):
        self.sheet, self.first, self.last = sheet, first, last or first
        self.row, self.column = first

    def options(self, **options: Any) -> FakeRange:
        self.sheet.read_options = options
        return self

    @property
    def value(self) -> Any:
        self.sheet.reads += 1
        return [list(r) for r in self.sheet.grid]

    @value.setter
    def value(self, block: Any) -> None:
        self.sheet.writes.append((self.first, block))

    @property
    def number_format(self) -> str:
        return ""

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.sheet.formats.append((self.first, self.last, fmt))

    def copy(self, destination: FakeRange | None = None) -> None:
        assert destination is None  # to the clipboard
        self.sheet.clipboard = self.first

    def paste(self, paste: str | None = None, **_: Any) -> None:
        self.sheet.pastes.append((self.first, self.last, paste, self.sheet.clipboard))


class FakeSheet:
    def __init__(self, grid: list[list[Any]]):
        self.name = "订单"
        self.grid = grid
        self.reads = 0
        self.read_options: dict[str, Any] = {}
        self.writes: list[tuple[tuple[int, int], Any]] = []
        self.formats: list[tuple[Any, Any, str]] = []
        self.clipboard: tuple[int, int] | None = None
        self.pastes: list[tuple[Any, Any, str | None, tuple[int, int] | None]] = []

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, (1, 1))

    def range(self, first: tuple[int, int], last: tuple[int, int] | None = None) -> FakeRange:
        return FakeRange(self, first, last)


class FakeApp:
    def __init__(self) -> None:
        self.status: list[Any] = []
        self.alerts: list[tuple[str, str, str]] = []
        self.cut_copy_mode: Any = None

    @property
    def status_bar(self) -> Any:
        return self.status[-1] if self.status else False

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self.status.append(value)

    def alert(self, prompt: str, title: str = "", mode: str = "info", **_: Any) -> None:
        self.alerts.append((prompt, title, mode))


class FakeSheets(list[FakeSheet]):
    @property
    def active(self) -> FakeSheet:
        return self[0]


class FakeBook:
    def __init__(self, grid: list[list[Any]], fullname: str = "Book1"):
        self.app = FakeApp()
        self.sheets = FakeSheets([FakeSheet(grid)])
        self.fullname = fullname
        self.name = Path(fullname).name


def test_recompute_one_read_one_write_and_formats() -> None:
    book = FakeBook([list(r) for r in ROWS])
    done = ribbon.recompute(book, as_of=AS_OF)
    sheet = book.sheets.active
    assert sheet.reads == 1
    assert sheet.read_options == {"ndim": 2, "err_to_str": True}
    assert len(sheet.writes) == 1
    (row, column), block = sheet.writes[0]
    assert (row, column) == (2, 6)  # the header row, right of the data
    assert block[0][:4] == ["发货截止", "发货状态", "延迟小时", "违约金"]
    assert len(block) == len(ROWS) - 1  # header through the last used row
    assert block[2] == [None] * len(block[0])  # the empty sheet row stays empty
    assert block[1][1] == "延迟发货"
    assert block[1][3] == 5.0
    assert block[3][-1].startswith("实付金额无法识别: abc")
    formats = {fmt for *_, fmt in sheet.formats}
    assert "yyyy-mm-dd hh:mm:ss" in formats  # as the CLI writes dates (was yyyy-mm-dd hh:mm)
    assert "0.00" in formats
    assert "@" in formats
    assert book.app.status[-1] is False  # the status bar is handed back to Excel
    assert any("计算" in str(s) for s in book.app.status)
    assert done.summary.orders == 3
    assert "已重算 3 个订单" in done.text()


def _with_previous_results() -> tuple[list[list[Any]], Any]:
    """ROWS with a first recompute's block written right of them, and that block."""
    first = FakeBook([list(r) for r in ROWS])
    ribbon.recompute(first, as_of=AS_OF)
    (_, _), block = first.sheets.active.writes[0]
    grid = [list(r) + ([None] * len(block[0])) for r in ROWS]
    for k, row in enumerate(block):
        grid[1 + k][5:] = row
    return grid, block


def test_recompute_overwrites_previous_results_in_place() -> None:
    grid, block = _with_previous_results()
    second = FakeBook(grid)
    ribbon.recompute(second, as_of=AS_OF)
    (row, column), again = second.sheets.active.writes[0]
    assert (row, column) == (2, 6)
    assert again == block


def test_button_value_equals_formula_value() -> None:
    book = FakeBook([list(r) for r in ROWS])
    ribbon.recompute(book, as_of=AS_OF)
    block = book.sheets.active.writes[0][1]
    written = [block[k][3] for k in (1, 3, 4)]
    formula = u.SR_DAMAGES(
        [[100.0], ["abc"], [1000.0]],
        [["淘宝"], ["淘宝"], ["天猫"]],
        "延迟发货",
        [[dt.datetime(2024, 3, 1, 10)]] * 3,
    )
    assert written[0] == formula[0][0]
    assert written[2] == formula[2][0]
    assert formula[1][0].startswith("#SR! 实付金额无法识别")


def test_batch_path_is_reused() -> None:
    outcome = compute_output_columns(
        read_rows(ROWS), overrides={}, violation_log=None, as_of=pd.Timestamp(AS_OF)
    )
    book = FakeBook([list(r) for r in ROWS])
    ribbon.recompute(book, as_of=AS_OF)
    block = book.sheets.active.writes[0][1]
    for k, column in enumerate(outcome.columns):
        assert [block[i][k] for i in (1, 3, 4)] == list(column.values)


def test_main_reports_errors_shortly_and_logs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOPRULES_ADDIN_LOG", str(tmp_path / "addin.log"))
    book = FakeBook([["随便", "什么"], [1, 2]])
    ribbon.main(book)
    prompt, title, mode = book.app.alerts[0]
    assert title == "店铺罚则"
    assert mode == "critical"
    assert prompt.startswith("重算失败：")
    assert "Traceback" not in prompt
    assert (tmp_path / "addin.log").exists()


def test_main_unexpected_error_goes_to_the_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOPRULES_ADDIN_LOG", str(tmp_path / "addin.log"))

    def boom(*args: Any, **kwargs: Any) -> None:
        raise KeyError("x")

    monkeypatch.setattr(ribbon, "recompute", boom)
    book = FakeBook([list(r) for r in ROWS])
    ribbon.main(book)
    assert "KeyError" in book.app.alerts[0][0]
    assert "KeyError" in (tmp_path / "addin.log").read_text(encoding="utf-8")


def test_export_needs_a_saved_workbook_and_writes_next_to_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ribbon.UserMessage, match="请先保存"):
        ribbon.export_audit(FakeBook(ROWS, fullname="Book1"))

    saved = tmp_path / "店铺.xlsx"
    saved.write_bytes(b"x")
    calls: list[tuple[Path, Path]] = []
    import sys
    import types

    fake = types.ModuleType("shoprules.workbook.audit")
    vars(fake).update(audit_book=lambda src, dst, **_: calls.append((Path(src), Path(dst))))
    monkeypatch.setitem(sys.modules, "shoprules.workbook.audit", fake)
    target = ribbon.export_audit(FakeBook(ROWS, fullname=str(saved)), as_of=AS_OF)
    assert target == tmp_path / "店铺.audit.xlsx"
    assert calls == [(saved, target)]


def test_main_recomputes_then_exports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    saved = tmp_path / "shop.xlsx"
    saved.write_bytes(b"x")
    monkeypatch.setattr(ribbon, "_side_sheets", lambda _book: (None, None))
    monkeypatch.setattr(ribbon, "export_audit", lambda _book: tmp_path / "shop.audit.xlsx")
    book = FakeBook([list(r) for r in ROWS], fullname=str(saved))
    ribbon.main(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "info"
    assert "已重算 3 个订单" in prompt
    assert "shop.audit.xlsx" in prompt


def _sheet_after_ribbon(grid: list[list[Any]]) -> dict[tuple[int, int], tuple[Any, str | None]]:
    """Run the ribbon on a fake sheet; every written cell → (value, number format)."""
    book = FakeBook([list(r) for r in grid])
    ribbon.recompute(book, as_of=AS_OF)
    sheet = book.sheets.active
    cells: dict[tuple[int, int], tuple[Any, str | None]] = {}
    for (row, column), block in sheet.writes:
        for i, values in enumerate(block):
            for j, value in enumerate(values):
                cells[(row + i, column + j)] = (value, None)
    for (r0, c0), (r1, c1), fmt in sheet.formats:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                cells[(r, c)] = (cells.get((r, c), (None, None))[0], fmt)
    return cells


def _saved(
    grid: list[list[Any]], path: Path, then: Callable[[Worksheet], None] | None = None
) -> Path:
    """``grid`` as sheet 订单 of a new .xlsx (``then`` may style it before it is saved)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "订单"
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    if then is not None:
        then(ws)
    wb.save(path)
    return path


def _sheet_after_cli(
    grid: list[list[Any]], tmp_path: Path
) -> dict[tuple[int, int], tuple[Any, str | None]]:
    """``shoprules recompute`` on the same sheet saved as .xlsx; result cells as above."""
    import openpyxl
    from openpyxl.utils import column_index_from_string
    from shoprules.workbook.recompute import recompute_book

    path = _saved(grid, tmp_path / "book.xlsx")
    outcome = recompute_book(path, as_of=AS_OF, keep_backup=False)
    columns = {column_index_from_string(x) for x in outcome.report.columns.values()}
    ws = openpyxl.load_workbook(path)["订单"]
    return {
        (number, cell.column): (cell.value, cell.number_format)
        for number, row in enumerate(ws.iter_rows(min_row=2), start=2)
        for cell in row
        if cell.column in columns
    }


@pytest.mark.parametrize(
    "case",
    ["plain", "note right of the data below the header", "previous results moved", "total row"],
)
def test_ribbon_and_cli_write_the_same_cells(case: str, tmp_path: Path) -> None:
    """Same values, number formats and positions from the ribbon and from the CLI (the ribbon
    used to write dates as yyyy-mm-dd hh:mm and to place the block its own way)."""
    grid = [list(r) + [None] * 4 for r in ROWS]
    if case == "note right of the data below the header":
        grid[4][7] = "备注：客户要求改地址"  # H5: the CLI appends after it, not over it
    if case == "previous results moved":
        grid[1][8] = "违约金"  # I2: an old 违约金 column is reused where it stands
        grid[2][8] = 99.0
    if case == "total row":
        grid.append(["合计", None, 1100.0, None, None, None, None, None, None])  # left alone
    cli = _sheet_after_cli(grid, tmp_path)
    button = _sheet_after_ribbon(grid)
    header_row = 2
    for (row, column), (value, fmt) in cli.items():
        if value is None and row != header_row and (row, column) not in button:
            continue
        got_value, got_fmt = button[(row, column)]
        assert got_value == value, (row, column)
        if row != header_row and value is not None:
            assert got_fmt == fmt, (row, column)
    written = {k for k, (v, _) in button.items() if v is not None}
    assert written == {k for k, (v, _) in cli.items() if v is not None}


def _pasted_cells(sheet: FakeSheet) -> dict[tuple[int, int], tuple[str | None, Any]]:
    """Every cell a paste reached → (what was pasted, the copied cell)."""
    cells = {}
    for (r0, c0), (r1, c1), what, source in sheet.pastes:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                cells[(r, c)] = (what, source)
    return cells


def test_new_headers_take_the_style_of_the_last_header_cell() -> None:
    """Drift fix: the ribbon wrote new headers unstyled; like the CLI they now take the style
    of the right-most header cell (here E2 发货时间), and the clipboard is released."""
    book = FakeBook([list(r) for r in ROWS])
    ribbon.recompute(book, as_of=AS_OF)
    sheet = book.sheets.active
    new_headers = {(2, c) for c in range(6, 6 + 13)}
    assert _pasted_cells(sheet) == dict.fromkeys(new_headers, ("formats", (2, 5)))
    assert len(sheet.pastes) == 1  # appended cells are adjacent: one paste
    assert book.app.cut_copy_mode is False


def test_only_appended_headers_are_styled_around_a_reused_column() -> None:
    grid = [list(r) + [None] * 4 for r in ROWS]
    grid[1][8] = "违约金"  # I2: an old 违约金 column is reused where it stands
    book = FakeBook(grid)
    ribbon.recompute(book, as_of=AS_OF)
    pasted = _pasted_cells(book.sheets.active)
    assert (2, 9) not in pasted  # the old header keeps its own style
    assert set(pasted) == {(2, c) for c in range(10, 10 + 12)}  # the twelve others, J:U
    assert {source for _, source in pasted.values()} == {(2, 9)}  # the right-most header cell


def test_no_new_header_no_paste() -> None:
    grid, _ = _with_previous_results()
    second = FakeBook(grid)
    ribbon.recompute(second, as_of=AS_OF)
    assert second.sheets.active.pastes == []
    assert second.sheets.active.clipboard is None


def test_ribbon_and_cli_style_new_headers_from_the_same_cell(tmp_path: Path) -> None:
    """The CLI gives new header cells the style of the right-most header cell; the ribbon
    pastes the formats of that same cell (one rule: ``header_style_column``)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from shoprules.workbook.recompute import recompute_book

    def style(ws: Worksheet) -> None:
        ws.cell(2, 5).font = Font(bold=True, color="FF0000")
        ws.cell(2, 5).fill = PatternFill("solid", fgColor="FFFF00")

    path = _saved([list(r) for r in ROWS], tmp_path / "book.xlsx", style)
    recompute_book(path, as_of=AS_OF, keep_backup=False)
    ws = openpyxl.load_workbook(path)["订单"]
    for column in range(6, 6 + 13):
        cell = ws.cell(2, column)
        assert cell.font.b, cell.coordinate
        assert cell.fill.fgColor.rgb == ws.cell(2, 5).fill.fgColor.rgb, cell.coordinate

    book = FakeBook([list(r) for r in ROWS])
    ribbon.recompute(book, as_of=AS_OF)
    pasted = _pasted_cells(book.sheets.active)
    assert set(pasted) == {(2, c) for c in range(6, 6 + 13)}
    assert {source for _, source in pasted.values()} == {(2, 5)}
