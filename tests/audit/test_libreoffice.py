"""Cross-check by an independent engine: LibreOffice recalculates every formula on load."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from shoprules.workbook.audit import formulas

from .conftest import Built, build_generated, needs_soffice, recomputed_generated
from .recalc import convert, formula_cells

pytestmark = [pytest.mark.libreoffice, needs_soffice]


def _mismatches(original: Path, recalculated: Path) -> tuple[int, list[str]]:
    """Every formula cell of every sheet: its cached value against LibreOffice's (numbers to the
    fen, anything else equal)."""
    cells = formula_cells(original)
    book = openpyxl.load_workbook(recalculated, data_only=True)
    bad = []
    for (sheet, ref), (formula, cached) in cells.items():
        value = book[sheet][ref].value
        if isinstance(cached, int | float) and not isinstance(cached, bool):
            same = isinstance(value, int | float) and round(value * 100) == round(cached * 100)
        else:
            same = value == cached
        if not same:
            bad.append(f"{sheet}!{ref} {formula} cached={cached} libreoffice={value}")
    return len(cells), bad


def _sheets_with_formulas(path: Path) -> set[str]:
    return {sheet for sheet, _ in formula_cells(path)}


def _pages(pdf: Path) -> int:
    """Pages of a PDF: LibreOffice writes one ``/Type /Page`` object per page."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_libreoffice_really_recalculates(tmp_path: Path) -> None:
    path = tmp_path / "wrong-cache.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_formula(0, 0, "=ROUND(2.675*100,0)/100", None, 9.99)
    book.close()
    out = convert(path, tmp_path)
    assert openpyxl.load_workbook(out, data_only=True).worksheets[0]["A1"].value == 2.68


def test_demo_audit_recomputes_identically(demo_audit: Path, tmp_path: Path) -> None:
    count, bad = _mismatches(demo_audit, convert(demo_audit, tmp_path))
    assert count > 100
    assert bad == []


def test_generated_orders_recompute_identically(generated: Built, tmp_path: Path) -> None:
    count, bad = _mismatches(generated.path, convert(generated.path, tmp_path))
    print(f"LibreOffice 复核: {count} 个公式单元格, {len(bad)} 个不一致")
    assert count > 3000
    assert bad == [], bad[:10]


def test_a_wrong_formula_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = formulas._rate_formula

    def truncating(amount: str, row: int, stack: str | None, rounding: str) -> str:
        return original(amount, row, stack, rounding).replace("ROUND(ROUND(", "ROUNDDOWN(ROUND(")

    monkeypatch.setattr(formulas, "_rate_formula", truncating)
    built = build_generated(tmp_path / "wrong.audit.xlsx", n=800)
    _, bad = _mismatches(built.path, convert(built.path, tmp_path))
    assert bad, "a truncating formula must disagree with the engine's half-up fen"


def test_overview_renders_to_pdf(demo_audit: Path, tmp_path: Path) -> None:
    pdf = convert(demo_audit, tmp_path, "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 10_000


def test_recomputed_demo_audit_recomputes_identically(
    recomputed_demo_audit: Path, tmp_path: Path
) -> None:
    """The demo's own path (recompute, then audit): every formula of every sheet, and the
    overview's money and points are the engine's, not 0 (issue 12)."""
    recalculated = convert(recomputed_demo_audit, tmp_path)
    count, bad = _mismatches(recomputed_demo_audit, recalculated)
    assert count > 100
    assert bad == [], bad[:10]
    assert _sheets_with_formulas(recomputed_demo_audit) >= {"概览", "明细"}
    overview = openpyxl.load_workbook(recalculated, data_only=True)["概览"]
    total = next(row for row in overview.iter_rows() if row[0].value == "合计")
    damages, points = total[4].value, total[6].value
    assert isinstance(damages, int | float)
    assert damages > 0
    assert isinstance(points, int | float)
    assert points > 0


@pytest.mark.parametrize("layout", ["shop_wide", "order_export"])
def test_recomputed_generated_books_recompute_identically(tmp_path: Path, layout: str) -> None:
    out = recomputed_generated(tmp_path, layout, 2000)
    count, bad = _mismatches(out, convert(out, tmp_path))
    print(f"LibreOffice 复核（{layout}，重算后审计）: {count} 个公式单元格, {len(bad)} 个不一致")
    assert count > 100
    assert bad == [], bad[:10]


def test_print_setup_keeps_the_demo_audit_short(
    recomputed_demo_audit: Path, tmp_path: Path
) -> None:
    """One page wide, landscape: the demo audit printed to 211 portrait pages before issue 12."""
    pages = _pages(convert(recomputed_demo_audit, tmp_path, "pdf"))
    print(f"审计表打印页数: {pages}")
    assert 6 <= pages <= 30
