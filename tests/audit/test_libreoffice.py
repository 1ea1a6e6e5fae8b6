"""Cross-check by an independent engine: LibreOffice recalculates every formula on load."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from shoprules.workbook.audit import formulas

from .conftest import Built, build_generated, needs_soffice
from .recalc import convert, formula_cells

pytestmark = [pytest.mark.libreoffice, needs_soffice]


def _mismatches(original: Path, recalculated: Path) -> tuple[int, list[str]]:
    cells = formula_cells(original)
    book = openpyxl.load_workbook(recalculated, data_only=True)
    bad = []
    for (sheet, ref), (formula, cached) in cells.items():
        value = book[sheet][ref].value
        if (
            not isinstance(value, int | float)
            or not isinstance(cached, int | float)
            or round(value * 100) != round(cached * 100)
        ):
            bad.append(f"{sheet}!{ref} {formula} cached={cached} libreoffice={value}")
    return len(cells), bad


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

    def truncating(amount: str, row: int, stack: str | None) -> str:
        return original(amount, row, stack).replace("ROUND(ROUND(", "ROUNDDOWN(ROUND(")

    monkeypatch.setattr(formulas, "_rate_formula", truncating)
    built = build_generated(tmp_path / "wrong.audit.xlsx", n=800)
    _, bad = _mismatches(built.path, convert(built.path, tmp_path))
    assert bad, "a truncating formula must disagree with the engine's half-up fen"


def test_overview_renders_to_pdf(demo_audit: Path, tmp_path: Path) -> None:
    pdf = convert(demo_audit, tmp_path, "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 10_000
