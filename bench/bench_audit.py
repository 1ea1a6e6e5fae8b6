"""Audit export of 100,000 orders vs the floor: XlsxWriter writing the same cells as plain values.

``uv run python bench/bench_audit.py [--rows 100000]``. Both runs write the same 明细 cells with
the same constant-memory row loop; the audit adds the formulas (with cached values), the other
five sheets and the charts. Target: within 1.3× of the floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shoprules.formulas.engine import compute
from shoprules.workbook.audit import book as audit_writer
from shoprules.workbook.audit import export as audit_export

from tests.audit.conftest import source
from tests.factories import AUDIT_AS_OF, audit_orders


def floor_write(out: Path, columns: list[audit_writer._Column]) -> None:
    """The same 明细 cells as plain values (formula columns → their cached numbers)."""
    plain = [
        audit_writer._Column(c.header, "number", c.cached, c.fmt, width=c.width)
        if c.kind == "formula" and c.cached is not None
        else c
        for c in columns
    ]
    wb = audit_writer._Book(out, source(0).created_at)
    sheet = wb.wb.add_worksheet("明细")
    audit_writer._write_table(wb, sheet, plain)
    wb.wb.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    orders, extra, log = audit_orders(args.rows, seed=11)
    engine = compute(orders, as_of=AUDIT_AS_OF, violation_log=log)
    captured: list[list[audit_writer._Column]] = []
    original = audit_writer._write_table

    def capture(
        book: audit_writer._Book, sheet: Any, columns: list[audit_writer._Column], **kw: Any
    ) -> int:
        if sheet.name == "明细":
            captured.append(columns)
        return original(book, sheet, columns, **kw)

    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "bench.audit.xlsx"
        # export.py calls the name it imported from book.py: replace it there
        vars(audit_export)["_write_table"] = capture
        start = time.perf_counter()
        report = audit_export.export_audit(
            out,
            orders=orders,
            engine=engine,
            source=source(args.rows),
            extra_columns=extra,
        )
        audit_s = time.perf_counter() - start
        vars(audit_export)["_write_table"] = original
        start = time.perf_counter()
        floor_write(Path(directory) / "floor.xlsx", captured[0])
        floor_s = time.perf_counter() - start
        size = out.stat().st_size / 1e6
    print(f"订单 {args.rows:,} 行，公式单元格 {report.formula_cells:,}，审计表 {size:.1f} MB")
    print(f"{'audit export (formulas + 6 sheets + charts)':46s} {audit_s:7.2f} s")
    print(f"{'floor: XlsxWriter, same 明细 cells as values':46s} {floor_s:7.2f} s")
    print(f"{'ratio':46s} {audit_s / floor_s:7.2f}×  (target ≤ 1.3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
