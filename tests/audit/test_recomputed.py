"""The audit of a recomputed book (the demo's and the ribbon's path): 明细 holds each result
once, the overview sums the engine's results, every sheet has its print setup, status colours
and a progress callback (issue 12)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from shoprules.formulas.engine import RESULT_HEADERS
from shoprules.workbook.audit import AUDIT_STEPS, SHEETS, audit_book

from .conftest import CREATED, GENERATED_AS_OF, recomputed_generated


def _headers(path: Path) -> list[object]:
    book = openpyxl.load_workbook(path, read_only=True)
    headers: list[object] = [c.value for c in next(book["明细"].iter_rows(max_row=1))]
    book.close()
    return headers


def test_details_hold_each_result_once(recomputed_demo_audit: Path) -> None:
    headers = _headers(recomputed_demo_audit)
    counts = Counter(headers)
    assert [h for h, k in counts.items() if k > 1] == []
    for header in RESULT_HEADERS.values():
        assert counts[header] == 1, header
    source = openpyxl.load_workbook(recomputed_demo_audit)["来源"]
    notes = {row[0].value: row[1].value for row in source.iter_rows(min_row=2)}
    assert "违约金" in str(notes["略去的输入列"])


def test_overview_ranges_are_the_engines_numbers(recomputed_demo_audit: Path) -> None:
    book = openpyxl.load_workbook(recomputed_demo_audit)
    detail = book["明细"]
    letters = {c.value: get_column_letter(c.column) for c in detail[1] if c.column}
    overview = book["概览"]
    formulas = [c.value for row in overview.iter_rows() for c in row if c.data_type == "f"]
    for header in ("违约金", "平台扣款", "扣分"):
        wanted = f"'明细'!${letters[header]}$2"
        assert any(wanted in str(f) for f in formulas), header
        # the column the overview sums holds numbers (or formulas), never text copies
        kinds = {
            detail.cell(r, detail[letters[header] + "1"].column).data_type for r in range(2, 60)
        }
        assert kinds <= {"n", "f"}, (header, kinds)


def test_print_setup_on_every_sheet(recomputed_demo_audit: Path) -> None:
    book = openpyxl.load_workbook(recomputed_demo_audit)
    for name in SHEETS:
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape", name
        assert str(sheet.page_setup.paperSize) == "9", name  # A4
        assert sheet.page_setup.fitToWidth in (1, None), name  # 1 is the default
        assert sheet.page_setup.fitToHeight == 0, name
        fit = sheet.sheet_properties.pageSetUpPr
        assert fit is not None
        assert fit.fitToPage, name
        assert sheet.print_title_rows, name
    assert book["明细"].print_title_rows == "$1:$1"
    assert book["概览"].print_title_rows == "$4:$4"


def test_status_colours_in_details(recomputed_demo_audit: Path) -> None:
    book = openpyxl.load_workbook(recomputed_demo_audit)
    detail = book["明细"]
    letters = {c.value: get_column_letter(c.column) for c in detail[1] if c.column}
    ranges = {str(r.sqref): r.rules for r in detail.conditional_formatting}
    ship = next(v for k, v in ranges.items() if k.startswith(letters["发货状态"] + "2"))
    assert {tuple(rule.formula) for rule in ship} >= {('"延迟发货"',), ('"按时发货"',)}
    assert any(k.startswith(letters["退货状态"] + "2") for k in ranges)
    assert any(k.startswith(letters["售后状态"] + "2") for k in ranges)  # the PDD export's own


def test_progress_reports_every_step(tmp_path: Path) -> None:
    from shoprules.workbook.demo import build_demo

    built = build_demo(tmp_path)
    steps: list[str] = []
    audit_book(
        built.path, tmp_path / "a.xlsx", as_of=GENERATED_AS_OF, created_at=CREATED,
        progress=steps.append,
    )  # fmt: skip
    assert steps == list(AUDIT_STEPS)


@pytest.mark.parametrize("layout", ["shop_wide", "order_export"])
def test_generated_books_hold_each_result_once(tmp_path: Path, layout: str) -> None:
    out = recomputed_generated(tmp_path, layout, 300)
    counts = Counter(_headers(out))
    assert [h for h, k in counts.items() if k > 1] == []
