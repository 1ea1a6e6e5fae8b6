"""Reader benchmark: a 100,000-row order export (xlsx), read by shoprules (python-calamine +
vectorised parsing) versus openpyxl's full load of the same file, side by side in one run.

    uv run python bench/bench_read.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import xlsxwriter
from shoprules.workbook.readers import read_orders

HEADER = [
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品数量",
    "订单应付金额",
    "运费",
    "支付完成时间",
    "承诺发货时间",
    "发货时间",
    "订单完成时间",
    "售后状态",
    "收件人",
    "收件人手机号",
    "省",
    "市",
    "区",
    "详细地址",
    "商家备注",
    "订单状态",
    "商品ID",
]


def make_export(path: Path, rows: int) -> None:
    rng = np.random.default_rng(3)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("订单")
    dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, HEADER)
    base = dt.datetime(2024, 1, 1)
    for r in range(1, rows + 1):
        paid = base + dt.timedelta(seconds=int(rng.integers(0, 180 * 86400)))
        values = [
            f"\t69{r:017d}",
            f"\t69{r:017d}1",
            "保温杯 500ml",
            1,
            f"{rng.integers(100, 100000) / 100:.2f}",
            "0.00",
        ]
        sheet.write_row(r, 0, values)
        sheet.write_datetime(r, 6, paid, dates)
        sheet.write_datetime(r, 7, paid + dt.timedelta(hours=48), dates)
        sheet.write_datetime(r, 8, paid + dt.timedelta(hours=int(rng.integers(1, 90))), dates)
        sheet.write_string(r, 9, "-")
        sheet.write_row(
            r,
            10,
            [
                "-",
                "张三",
                "138****1234",
                "浙江省",
                "杭州市",
                "西湖区",
                "文三路 1 号",
                "-",
                "已发货",
                "3567",
            ],
        )
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "douyin-orders.xlsx"
        t0 = time.perf_counter()
        make_export(path, args.rows)
        print(
            f"reader benchmark — {args.rows:,}-row Douyin-style export ({path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - t0:.1f} s)"
        )

        t0 = time.perf_counter()
        result = read_orders(path)
        ours = time.perf_counter() - t0

        t0 = time.perf_counter()
        book = openpyxl.load_workbook(path, data_only=True)
        values = list(book.active.iter_rows(values_only=True))
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
