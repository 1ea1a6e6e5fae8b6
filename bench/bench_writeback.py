"""Write-back benchmark: eleven result columns into a 100,000-row, 20-column order workbook,
side by side in one run:

(a) openpyxl: load the workbook, write the eleven columns, save (what a script usually does —
    and it drops charts and images on the way);
(b) the I/O floor: calamine read of the order sheet + the streamed patch of the eleven columns;
(c) the streamed patch alone (first run: columns appended);
(d) the streamed patch again on the patched book (re-run: columns found and overwritten);
(e) the streamed patch of the same book with its sheet XML padded: a newline and indent before
    every row and 64 MB of whitespace before ``</sheetData>`` (a 400 KB zip can hold 400 MB of
    whitespace; the splitter must stay linear — it took 115 s for that before issue 12).

Each variant runs in its own subprocess on its own copy, so peak memory (max RSS) is per variant.

    uv run python bench/bench_writeback.py               # 100,000 rows
    uv run python bench/bench_writeback.py --rows 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (shared test data)

from xlsxwriter.workbook import Workbook

if TYPE_CHECKING:
    from shoprules.workbook.xlsx import ColumnKind, OutputColumn

from tests.factories import ORDER_EXPORT_HEADER, export_rows, write_workbook

HEADERS = ["发货截止", "发货状态", "延迟小时", "违约金", "违约金依据", "平台扣款", "扣分", "退货截止", "退货状态", "运费承担", "数据问题"]  # fmt: skip
KINDS: list[ColumnKind] = ["datetime", "text", "hours", "money", "text", "money", "integer", "datetime", "text", "text", "text"]  # fmt: skip
DATA_HEADER = ORDER_EXPORT_HEADER


def make_book(path: Path, rows: int) -> None:
    """20 columns of a typical export: text ids, titles, numbers, datetimes; plus a chart sheet."""

    def chart_sheet(book: Workbook) -> None:
        other = book.add_worksheet("看板")
        other.write_column(0, 0, [1, 2, 3])
        chart = book.add_chart({"type": "line"})
        chart.add_series({"values": "=看板!$A$1:$A$3"})
        other.insert_chart("C2", chart)

    rows_ = export_rows("order_export", rows, seed=7)
    write_workbook(path, rows_, header=DATA_HEADER, constant_memory=True, then=chart_sheet)


PADDING = 64 << 20


def padding_for(rows: int) -> int:
    """64 MB of blanks at 100,000 rows, less for smaller books: a few rows with 64 MB of blanks
    would compress over 200 : 1 and be refused as a zip bomb (workbook/zipsizes.py)."""
    return min(PADDING, rows * 672)


def pad_book(source: Path, path: Path, padding: int = PADDING) -> None:
    """``source`` with the order sheet's XML padded with whitespace (same cells)."""
    import zipfile

    with zipfile.ZipFile(source) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<row ", b"\n    <row ")
                data = data.replace(b"</sheetData>", b" " * padding + b"</sheetData>")
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def result_columns(rows: int) -> list[OutputColumn]:
    from shoprules.workbook.xlsx import OutputColumn

    start = dt.datetime(2024, 1, 3)
    statuses = ["按时发货", "延迟发货", "待发货", "超时未发货"]
    values: list[list[object]] = [
        [start + dt.timedelta(minutes=17 * i) for i in range(rows)],
        [statuses[i % 4] for i in range(rows)],
        [round((i % 50) / 10, 1) for i in range(rows)],
        [None if i % 4 else 5.0 + (i % 25) for i in range(rows)],
        [None if i % 4 else "taobao.late_shipment@2022-07-18" for i in range(rows)],
        [None if i % 9 else 10.0 for i in range(rows)],
        [0 if i % 11 else 3 for i in range(rows)],
        [start + dt.timedelta(days=7, minutes=13 * i) for i in range(rows)],
        ["可退货" if i % 3 else "已过期" for i in range(rows)],
        [None if i % 7 else "发货:卖家 退货:买家" for i in range(rows)],
        [None if i % 50 else "付款时间无法识别: 2024-13-01" for i in range(rows)],
    ]
    return [OutputColumn(h, v, k) for h, v, k in zip(HEADERS, values, KINDS, strict=True)]


def run_variant(variant: str, book: Path, rows: int) -> dict[str, float]:
    from shoprules.workbook.xlsx import patch_sheet_columns

    columns = result_columns(rows)
    numbers = list(range(2, rows + 2))
    started = time.perf_counter()
    if variant == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(book)
        ws = wb["订单"]
        base = ws.max_column
        for j, column in enumerate(columns):
            ws.cell(1, base + j + 1, column.header)
            for r, value in zip(numbers, column.values, strict=True):
                if value is not None:
                    ws.cell(r, base + j + 1, value)  # type: ignore[call-overload]  # str/float/int/datetime; no check in the timed loop
        wb.save(book)
    elif variant == "floor":
        from python_calamine import CalamineWorkbook

        data = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("订单").to_python()
        if len(data) != rows + 1:
            raise SystemExit(f"calamine read {len(data)} rows, expected {rows + 1}")
        patch_sheet_columns(book, "订单", 1, numbers, columns, keep_backup=False)
    elif variant in ("patch", "rerun", "padded"):
        patch_sheet_columns(book, "订单", 1, numbers, columns, keep_backup=False)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--variant")
    parser.add_argument("--book", type=Path)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.book, args.rows)))
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-writeback-"))
    try:
        source = folder / "orders.xlsx"
        t = time.perf_counter()
        make_book(source, args.rows)
        print(f"{args.rows:,} rows × {len(DATA_HEADER)} columns: {source.stat().st_size / 1e6:.1f} MB "
              f"(built in {time.perf_counter() - t:.1f} s)")  # fmt: skip
        results: dict[str, dict[str, float]] = {}
        for variant in ("patch", "rerun", "padded", "floor", "openpyxl"):
            book = folder / f"{variant}.xlsx"
            if variant == "padded":
                pad_book(source, book, padding_for(args.rows))
            else:
                shutil.copy(folder / "patch.xlsx" if variant == "rerun" else source, book)
            out = subprocess.run(
                [sys.executable, __file__, "--variant", variant, "--book", str(book), "--rows", str(args.rows)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
        floor = results["floor"]["seconds"]
        labels = {
            "openpyxl": "(a) openpyxl load + 11 columns + save",
            "floor": "(b) I/O floor: calamine read + patch",
            "patch": "(c) patch alone (first run, append)",
            "rerun": "(d) patch alone (re-run, overwrite)",
            "padded": f"(e) patch, sheet padded (+{padding_for(args.rows) / 2**20:.0f} MB blanks)",
        }
        print(f"{'variant':<42}{'seconds':>9}{'× floor':>9}{'peak MB':>9}")
        for variant in ("openpyxl", "floor", "patch", "rerun", "padded"):
            r = results[variant]
            print(
                f"{labels[variant]:<42}{r['seconds']:>9.2f}{r['seconds'] / floor:>9.2f}{r['peak_mb']:>9.0f}"
            )
        speedup = results["openpyxl"]["seconds"] / results["patch"]["seconds"]
        print(f"patch is {speedup:.1f}× faster than the openpyxl round trip")
        padded = results["padded"]["seconds"] / results["patch"]["seconds"]
        print(
            f"padded sheet: {padded:.2f}× the unpadded patch (the extra is inflating and deflating the blanks)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
