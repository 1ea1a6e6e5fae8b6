"""Reader benchmark: a 100,000-row order export (xlsx), read by shoprules (python-calamine +
vectorised parsing) versus openpyxl's full load of the same file, side by side in one run.

    uv run python bench/bench_read.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (shared test data)

import openpyxl
from shoprules.workbook.readers import read_orders

from tests.factories import DOUYIN_HEADER, export_rows, write_workbook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "douyin-orders.xlsx"
        t0 = time.perf_counter()
        write_workbook(
            path,
            export_rows("douyin", args.rows, seed=3),
            header=DOUYIN_HEADER,
            constant_memory=True,
        )
        print(
            f"reader benchmark — {args.rows:,}-row Douyin-style export ({path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - t0:.1f} s)"
        )

        t0 = time.perf_counter()
        result = read_orders(path)
        ours = time.perf_counter() - t0

        t0 = time.perf_counter()
        book = openpyxl.load_workbook(path, data_only=True)
        values = list(book.worksheets[0].iter_rows(values_only=True))
        theirs = time.perf_counter() - t0

        print(f"{'':48}{'seconds':>9}")
        print(f"{'shoprules read_orders (calamine + canonical)':48}{ours:>9.2f}")
        print(f"{'openpyxl load_workbook (cells only)':48}{theirs:>9.2f}")
        print(f"ratio: shoprules is {theirs / ours:.1f}× faster while also parsing every field")
        print(
            f"rows read: {len(result.orders):,} (openpyxl: {len(values) - 1:,}); rows with problems: {(result.problems != '').sum()}"
        )


if __name__ == "__main__":
    main()
