"""End-to-end recompute benchmark: ``shoprules recompute`` of a 100,000-row order workbook, side
by side in one run with

(a) a naive openpyxl round trip of the same workbook (load, write the eleven result columns,
    save) — what a script or macro typically does, and which also drops charts and images;
(b) the I/O floor: calamine read of the order sheet + rewriting that one sheet's result columns
    with the same patcher, with no parsing and no computation.

Each variant runs in its own subprocess on its own copy of the workbook, so peak memory (max RSS)
is measured per variant.

    uv run python bench/bench_recompute.py              # 100,000 rows
    uv run python bench/bench_recompute.py --rows 20000

Targets: ≥ 10× faster than the openpyxl round trip, within 1.5× of the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (test data), bench.*

from xlsxwriter.workbook import Workbook

if TYPE_CHECKING:
    from shoprules.workbook.xlsx import ColumnKind

from bench.variants import measure, run_child
from tests.factories import SHOP_WIDE_HEADER, export_rows, write_workbook

AS_OF = dt.datetime(2024, 7, 1, 9, 0)
#: One constant per result column kind: what the floor and openpyxl variants write (every
#: result column of ``shoprules.workbook.columns.RESULT_COLUMNS``, so they write what we write).
CONSTANT: dict[ColumnKind, dt.datetime | str | float] = {
    "datetime": AS_OF,
    "text": "按时发货",
    "hours": 0.0,
    "money": 0.0,
    "integer": 0,
}


def make_book(path: Path, rows: int) -> None:
    """A shop's order sheet: datetime cells, numeric amounts, text ids; plus a second sheet."""

    def dashboard(book: Workbook) -> None:
        other = book.add_worksheet("看板")
        other.write_formula("A1", "=COUNTA('订单'!A:A)-1", None, rows)

    rows_ = export_rows("shop_wide", rows, seed=11, as_of=AS_OF)
    write_workbook(path, rows_, header=SHOP_WIDE_HEADER, constant_memory=True, then=dashboard)


# --------------------------------------------------------------------------------------------
# Variants (each runs in its own process)


def run_shoprules(path: Path) -> dict[str, object]:
    from shoprules.workbook.recompute import recompute_book

    marks: list[tuple[str, float]] = []
    outcome = recompute_book(
        path,
        as_of=AS_OF,
        keep_backup=False,
        stage=lambda name: marks.append((name, time.perf_counter())),
    )
    stages = {a[0]: round(b[1] - a[1], 2) for a, b in itertools.pairwise(marks)}
    return {
        "orders": outcome.summary.orders,
        "problem_rows": outcome.summary.problem_rows,
        "stages": stages,
    }


def run_openpyxl(path: Path) -> dict[str, object]:
    """Naive load-modify-save: the same eleven headers and one value per cell."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["订单"]
    width = sheet.max_column
    from shoprules.workbook.columns import RESULT_COLUMNS

    values = [CONSTANT[column.kind] for column in RESULT_COLUMNS]
    for offset, column in enumerate(RESULT_COLUMNS, start=1):
        sheet.cell(row=1, column=width + offset, value=column.header)
    for row in range(2, sheet.max_row + 1):
        for offset, value in enumerate(values, start=1):
            sheet.cell(row=row, column=width + offset, value=value)
    book.save(path)
    return {"orders": sheet.max_row - 1}


def run_floor(path: Path) -> dict[str, object]:
    """calamine read of the sheet + the patcher writing every result column as a constant."""
    from python_calamine import CalamineWorkbook
    from shoprules.workbook.columns import RESULT_COLUMNS
    from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("订单").to_python()
    n = len(rows) - 1
    columns = [
        OutputColumn(column.header, [CONSTANT[column.kind]] * n, column.kind)
        for column in RESULT_COLUMNS
    ]
    patch_sheet_columns(path, "订单", 1, list(range(2, n + 2)), columns, keep_backup=False)
    return {"orders": n}


VARIANTS = {"shoprules": run_shoprules, "openpyxl": run_openpyxl, "floor": run_floor}


def child(variant: str, path: Path) -> None:
    run_child(
        VARIANTS[variant],
        [path],
        ("openpyxl", "python_calamine", "shoprules.workbook.recompute", "shoprules.workbook.xlsx"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = folder / "orders.xlsx"
        started = time.perf_counter()
        make_book(source, args.rows)
        size = source.stat().st_size / 1e6
        print(
            f"{args.rows:,} rows, {size:.1f} MB workbook (built in {time.perf_counter() - started:.1f} s)"
        )
        results = {
            v: measure(__file__, v, [source], folder) for v in ("shoprules", "floor", "openpyxl")
        }
    print(f"\n{'variant':<44}{'seconds':>10}{'peak MB':>10}{'vs shoprules':>14}")
    ours = results["shoprules"].get("seconds")
    labels = {
        "shoprules": "shoprules recompute (read+compute+write)",
        "floor": "I/O floor (calamine read + patch)",
        "openpyxl": "openpyxl load-modify-save",
    }
    for variant, result in results.items():
        if "error" in result:
            print(f"{labels[variant]:<44}  failed: {result['error']}")
            continue
        seconds = float(str(result["seconds"]))
        ratio = f"{seconds / ours:.2f}×" if isinstance(ours, float) else "-"
        peak = float(str(result["peak_mb"]))
        print(f"{labels[variant]:<44}{seconds:>10.2f}{peak:>10.0f}{ratio:>14}")
    stages = results["shoprules"].get("stages")
    if isinstance(stages, dict):
        print("shoprules stages (s): " + ", ".join(f"{k} {v}" for k, v in stages.items()))
    floor, naive = results["floor"].get("seconds"), results["openpyxl"].get("seconds")
    if isinstance(ours, float) and isinstance(floor, float) and isinstance(naive, float):
        print(
            f"\nshoprules / floor = {ours / floor:.2f}× (target ≤ 1.5×); "
            f"openpyxl / shoprules = {naive / ours:.1f}× (target ≥ 10×)"
        )


if __name__ == "__main__":
    main()
