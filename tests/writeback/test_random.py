"""Randomised re-runs against a model: several patches in a row with different data rows and
values (blanks included), sometimes with an openpyxl re-save in between (which turns inline
strings into shared strings and renumbers the cell formats) and a note typed right of the
results: the data and notes never change, each result cell holds the last run's value, stale
results are gone."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from shoprules.workbook.columns import ColumnKind
from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns

from .conftest import build_order_book, order_rows

HEADERS = ["发货截止", "违约金", "扣分", "数据问题"]
KINDS: list[ColumnKind] = ["datetime", "money", "integer", "text"]


def random_value(rng: random.Random, kind: str) -> object:
    if rng.random() < 0.3:
        return None
    if kind == "datetime":
        return dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(500_000))
    if kind == "money":
        return rng.randrange(0, 50_000) / 100
    if kind == "integer":
        return rng.choice([0, 3, 6, 12])
    return rng.choice(["=1+1", "付款时间无法识别", "a & <b>", " 空格 ", "+86", "x" * 40])


def grid(path: Path) -> dict[tuple[int, int], object]:
    ws = openpyxl.load_workbook(path)["订单"]
    return {
        (c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None
    }


@pytest.mark.parametrize("seed", range(30))
def test_random_reruns_match_the_model(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(3, 25)
    top = rng.choice([1, 1, 3])  # the header row
    path = build_order_book(
        tmp_path / "o.xlsx", order_rows(n), header_row=top, extras=rng.random() < 0.5
    )
    data = grid(path)
    width = len(order_rows(1)[0])
    for run in range(4):
        rows = sorted(rng.sample(range(top + 1, top + n + 1), rng.randrange(1, n + 1)))
        values = {
            h: [random_value(rng, k) for _ in rows] for h, k in zip(HEADERS, KINDS, strict=True)
        }
        order = rng.sample(range(len(HEADERS)), len(HEADERS)) if run else range(len(HEADERS))
        columns = [OutputColumn(HEADERS[i], values[HEADERS[i]], KINDS[i]) for i in order]
        report = patch_sheet_columns(path, "订单", top, rows, columns)
        assert report.columns == {h: "GHIJ"[i] for i, h in enumerate(HEADERS)}
        got = grid(path)
        assert {k: got.get(k) for k in data} == data  # the data as it was
        for j, header in enumerate(HEADERS):
            column = width + 1 + j
            assert got[(top, column)] == header
            expected = dict(zip(rows, values[header], strict=True))
            for r in range(top + 1, top + n + 1):
                want = expected.get(r)
                if isinstance(want, float | int) and not isinstance(want, bool):
                    assert got.get((r, column)) == pytest.approx(want), (run, r, header)
                else:
                    assert got.get((r, column)) == want, (run, r, header)
        if rng.random() < 0.5:  # the user opens and saves the book, maybe typing a note right
            wb = openpyxl.load_workbook(path)  # of the results (kept, results stay in place)
            if rng.random() < 0.6:
                cell = (
                    rng.randrange(top + 1, top + n + 1),
                    width + len(HEADERS) + rng.randrange(1, 3),
                )
                wb["订单"].cell(*cell, value=f"备注{run}")
                data[cell] = f"备注{run}"
            wb.save(path)
