"""One yes/no vocabulary: the batch readers and the Excel functions accept exactly the same
cells (issue 9: the UDFs took 对/有 but not 已赔付/成立/✓, the readers the other way round)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shoprules.addin import convert as cv
from shoprules.workbook.cells.booleans import FALSE_WORDS, TRUE_WORDS, parse_booleans
from shoprules.workbook.readers import read_rows

PAIRS = [
    ("是", "否"),
    ("对", "错"),
    ("有", "无"),
    ("有", "没有"),
    ("成立", "不成立"),
    ("已赔付", "未赔付"),
    ("支持", "不支持"),
    ("包邮", "不包邮"),
    ("✓", "✗"),
    ("√", "×"),
    ("TRUE", "FALSE"),
    ("1", "0"),
    ("yes", "no"),
    ("Y", "N"),
]

OTHER_CELLS: list[object] = [
    " 是 ",
    "\t已赔付",
    "Yes",
    True,
    False,
    np.True_,
    1,
    0,
    1.0,
    0.0,
    2,
    0.5,
    "2",
    "也许",
    "maybe",
    "不确定",
    "-",
    "null",
    "",
    None,
]

CELLS: list[object] = [
    *sorted(TRUE_WORDS | FALSE_WORDS),
    *(word for pair in PAIRS for word in pair),
    *OTHER_CELLS,
]


def _reader_door(cells: list[object]) -> list[tuple[object, bool]]:
    rows: list[list[object]] = [["订单编号", "投诉成立"]]
    rows += [[str(i + 1), cell] for i, cell in enumerate(cells)]
    result = read_rows(rows, platform="淘宝")
    flags = result.orders["complaint_upheld"]
    values = flags.astype(object).where(flags.notna(), None)
    return [(v, p != "") for v, p in zip(values, result.problems, strict=True)]


def _udf_door(cells: list[object]) -> list[tuple[object, bool]]:
    parsed = cv.booleans(pd.Series(cells, dtype=object), "投诉成立", default=False)
    values = parsed.values.astype(object).where(~pd.Series(parsed.blank), None)
    values = values.where(values.notna(), None)
    return [(v, p is not None) for v, p in zip(values, parsed.problems, strict=True)]


@pytest.mark.parametrize(("yes", "no"), PAIRS)
def test_every_yes_word_has_its_no_word(yes: str, no: str) -> None:
    parsed = parse_booleans(pd.Series([yes, no], dtype=object))
    assert parsed.values.tolist() == [True, False]
    assert not parsed.bad.any()


def test_the_word_lists_do_not_overlap() -> None:
    assert not TRUE_WORDS & FALSE_WORDS


def test_readers_and_excel_functions_accept_exactly_the_same_cells() -> None:
    assert _reader_door(CELLS) == _udf_door(CELLS)


def test_what_the_doors_agree_on() -> None:
    got = dict(zip(map(repr, OTHER_CELLS), _udf_door(OTHER_CELLS), strict=True))
    assert got["' 是 '"] == (True, False)
    assert got["'\\t已赔付'"] == (True, False)
    assert got["1.0"] == (True, False)
    assert got["0"] == (False, False)
    assert got["2"] == (None, True)
    assert got["'也许'"] == (None, True)
    assert got["'-'"] == (None, False)  # blank placeholder, not "no"
    assert got["None"] == (None, False)
