"""CSV → ``.shoprules.xlsx`` benchmark: ``shoprules recompute`` of a 100,000-row Taobao CSV export
(ids wrapped in ``="…"``, amounts and times as text), side by side in one run with

(a) the in-place path's floor for the same rows: reading the CSV (the same reader) + computing
    + the in-place patch of the eleven result columns into an ``.xlsx`` holding the same rows
    (each step timed, so the ratio is given against read + patch and against read + compute +
    patch);
(b) XlsxWriter writing the same typed values cell by cell (the converter before issue 12).

Each variant runs in its own subprocess on its own copy of the inputs, so peak memory (max RSS)
is measured per variant.

    uv run python bench/bench_convert.py              # 100,000 rows
    uv run python bench/bench_convert.py --rows 20000 --no-xlsxwriter

Target: the conversion within 1.5× of reading the CSV plus the in-place patch of the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (test data), bench.*

from bench.variants import measure, run_child
from tests.factories import bulk_orders, platform_export_rows, write_workbook

AS_OF = dt.datetime(2024, 7, 1, 9, 0)
#: columns a real Taobao export has besides the ones the engine reads (kept as text)
FILLER = {
    "买家会员名": "tb6125470",
    "收货人姓名": "张**",
    "收货地址": "浙江省 杭州市 西湖区 文三路 478 号(310013)",
    "联系手机": "'138****1234",
    "订单状态": "交易成功",
    "买家留言": "",
    "宝贝种类": "1",
    "物流单号": "No:YT7409815620718",
    "物流公司": "圆通速递",
    "订单备注": "",
    "店铺名称": "示例旗舰店",
    "退款金额": "0.00",
}


def make_inputs(folder: Path, n: int) -> tuple[Path, Path]:
    """The CSV export (GB18030, ids as ``="…"``) and an .xlsx with the same rows as cells."""
    orders = bulk_orders(n, seed=3, platforms=["taobao"])
    header, rows = platform_export_rows(orders, "taobao", postage_fen=600)
    header = [*header, *FILLER]
    filler = list(FILLER.values())
    csv_path = folder / "ExportOrderList.csv"
    with open(csv_path, "w", encoding="gb18030", newline="") as handle:
        handle.write(",".join(header) + "\r\n")
        for row in rows:
            cells = [f'="{row[0]}"'] + [
                ""
                if v is None
                else f"{v:%Y-%m-%d %H:%M:%S}"
                if isinstance(v, dt.datetime)
                else str(v)
                for v in row[1:]
            ]
            handle.write(",".join(cells + filler) + "\r\n")
    xlsx_path = folder / "orders.xlsx"
    full = ([*r, *filler] for r in rows)
    write_workbook(xlsx_path, full, header=header, constant_memory=True)
    return csv_path, xlsx_path


# --------------------------------------------------------------------------------------------
# Variants (each runs in its own process)


def run_convert(csv_path: Path, _xlsx: Path) -> dict[str, object]:
    from shoprules.workbook.recompute import recompute_book

    marks: list[tuple[str, float]] = []
    outcome = recompute_book(
        csv_path, as_of=AS_OF, stage=lambda name: marks.append((name, time.perf_counter()))
    )
    stages = {a[0]: round(b[1] - a[1], 2) for a, b in itertools.pairwise(marks)}
    assert outcome.output is not None
    return {
        "orders": outcome.summary.orders,
        "stages": stages,
        "mb": outcome.output.stat().st_size / 1e6,
    }


def run_floor(csv_path: Path, xlsx_path: Path) -> dict[str, object]:
    """Read the CSV (the same reader), compute, patch the same rows of the .xlsx in place."""
    from shoprules.workbook.readers import read_orders
    from shoprules.workbook.recompute import compute_output_columns
    from shoprules.workbook.xlsx import patch_sheet_columns

    started = time.perf_counter()
    read = read_orders(csv_path)
    readed = time.perf_counter()
    outcome = compute_output_columns(read, overrides=None, violation_log=None, as_of=AS_OF)
    computed = time.perf_counter()
    patch_sheet_columns(
        xlsx_path, "订单", 1, list(range(2, len(read.row_numbers) + 2)), outcome.columns,
        keep_backup=False,
    )  # fmt: skip
    patched = time.perf_counter()
    return {
        "orders": len(read.row_numbers),
        "stages": {
            "read": round(readed - started, 2),
            "compute": round(computed - readed, 2),
            "patch": round(patched - computed, 2),
        },
    }


def run_xlsxwriter(csv_path: Path, _xlsx: Path) -> dict[str, object]:
    """The same typed values and result columns, XlsxWriter cell by cell (constant memory)."""
    import xlsxwriter
    from shoprules.workbook.convert import typed_columns
    from shoprules.workbook.readers import read_orders
    from shoprules.workbook.readers.formats import load_raw
    from shoprules.workbook.recompute import compute_output_columns

    read = read_orders(csv_path)
    outcome = compute_output_columns(read, overrides=None, violation_log=None, as_of=AS_OF)
    _, sheets = load_raw(csv_path)
    raw = sheets[0]
    header = list(raw.rows[read.header_row - 1])
    rows = [list(raw.rows[r - 1]) for r in read.row_numbers]
    source, _kinds = typed_columns(read, header, rows)
    book = xlsxwriter.Workbook(
        str(csv_path.with_suffix(".xlsxwriter.xlsx")),
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
         "strings_to_urls": False},
    )  # fmt: skip
    ws = book.add_worksheet("订单")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, [*header, *(c.header for c in outcome.columns)])
    columns = [*source, *(list(c.values) for c in outcome.columns)]
    for r in range(len(rows)):
        for c, values in enumerate(columns):
            value = values[r]
            if value is None or value == "":
                continue
            if isinstance(value, str):
                ws.write_string(r + 1, c, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r + 1, c, value, when)
            else:
                ws.write_number(r + 1, c, float(value))  # type: ignore[arg-type]  # a number: text and times went above
    book.close()
    return {"orders": len(rows)}


VARIANTS = {"convert": run_convert, "floor": run_floor, "xlsxwriter": run_xlsxwriter}


def child(variant: str, csv_path: Path, xlsx_path: Path) -> None:
    run_child(
        VARIANTS[variant],
        [csv_path, xlsx_path],
        ("xlsxwriter", "shoprules.workbook.recompute", "shoprules.workbook.xlsx"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-xlsxwriter", action="store_true", help="skip the slow reference")
    parser.add_argument(
        "--child", nargs=3, metavar=("VARIANT", "CSV", "XLSX"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        csv_path, xlsx_path = make_inputs(folder, args.rows)
        size = csv_path.stat().st_size / 1e6
        print(
            f"{args.rows:,} rows, {size:.1f} MB CSV (inputs built in {time.perf_counter() - started:.1f} s)"
        )
        variants = ["convert", "floor"] + ([] if args.no_xlsxwriter else ["xlsxwriter"])
        results = {v: measure(__file__, v, [csv_path, xlsx_path], folder) for v in variants}
    labels = {
        "convert": "shoprules recompute CSV → .shoprules.xlsx",
        "floor": "read CSV + compute + in-place patch",
        "xlsxwriter": "XlsxWriter cell by cell (reference)",
    }
    print(f"\n{'variant':<44}{'seconds':>10}{'peak MB':>10}")
    for variant, result in results.items():
        if "error" in result:
            print(f"{labels[variant]:<44}  failed: {result['error']}")
            continue
        seconds, peak = float(str(result["seconds"])), float(str(result["peak_mb"]))
        stages = result.get("stages")
        detail = (
            "  " + ", ".join(f"{k} {v}" for k, v in stages.items())
            if isinstance(stages, dict)
            else ""
        )
        print(f"{labels[variant]:<44}{seconds:>10.2f}{peak:>10.0f}{detail}")
    ours, floor = results["convert"].get("seconds"), results["floor"].get("stages")
    if isinstance(ours, float) and isinstance(floor, dict):
        read_patch = float(floor["read"]) + float(floor["patch"])
        with_compute = read_patch + float(floor["compute"])
        print(
            f"\nconvert / (read + patch) = {ours / read_patch:.2f}× (target ≤ 1.5×); "
            f"convert / (read + compute + patch) = {ours / with_compute:.2f}×"
        )


if __name__ == "__main__":
    main()
