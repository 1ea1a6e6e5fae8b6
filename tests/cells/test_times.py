"""Time cells: every accepted form, and the bad ones reported, never guessed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from shoprules.workbook.cells.times import parse_times, serials_to_times

GOOD_TIMES = [
    ("2024-03-01 15:04:05", "2024-03-01 15:04:05"),
    ("2024/3/1 15:04", "2024-03-01 15:04:00"),
    ("2024年3月1日", "2024-03-01 00:00:00"),
    ("2024年03月01日 15时04分05秒", "2024-03-01 15:04:05"),
    ("2024-03-01", "2024-03-01 00:00:00"),
    ("2024.03.01 08:00", "2024-03-01 08:00:00"),
    ("2024-03-01T15:04:05", "2024-03-01 15:04:05"),
    ("2024-03-01 15:04:05.000", "2024-03-01 15:04:05"),
    ("20240301153000", "2024-03-01 15:30:00"),
    ("20240301", "2024-03-01 00:00:00"),
    ('="2024-03-01 10:00:00"', "2024-03-01 10:00:00"),
    ("\t2024-03-01 10:00:00", "2024-03-01 10:00:00"),
    ("2024-03-01 15:04:05+08:00", "2024-03-01 15:04:05"),
    ("2024-03-01T07:04:05Z", "2024-03-01 15:04:05"),
    ("2024-03-01T07:04:05+00:00", "2024-03-01 15:04:05"),
    (45352.5, "2024-03-01 12:00:00"),
    (45352, "2024-03-01 00:00:00"),
    ("45352.75", "2024-03-01 18:00:00"),
    (dt.datetime(2024, 3, 1, 15, 4, 5), "2024-03-01 15:04:05"),
    (dt.date(2024, 2, 29), "2024-02-29 00:00:00"),
    (pd.Timestamp("2024-03-01 01:02:03"), "2024-03-01 01:02:03"),
]


@pytest.mark.parametrize(("value", "expected"), GOOD_TIMES, ids=[repr(v) for v, _ in GOOD_TIMES])
def test_accepted_times(value: object, expected: str) -> None:
    parsed = parse_times([value])
    assert not parsed.bad[0]
    assert pd.Timestamp(parsed.values[0]) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "value",
    [
        "2024-13-01",
        "2024-02-30",
        "2024-03-01 25:00",
        "昨天",
        "3/1/2024",
        True,
        "2024-03-01 24:00:00",
        "2024-03-01T10:00:00+25:00",
    ],
)
def test_bad_times_are_reported(value: object) -> None:
    parsed = parse_times([value])
    assert parsed.bad[0]
    assert pd.isna(parsed.values[0])
    assert parsed.bad_inputs([value]) == [(0, value)]


@pytest.mark.parametrize(
    "value", [None, "", " ", "-", "--", "null", "NULL", "n/a", "\t", float("nan")]
)
def test_placeholders_are_missing_not_bad(value: object) -> None:
    parsed = parse_times([value])
    assert not parsed.bad[0]
    assert pd.isna(parsed.values[0])


def test_1904_epoch() -> None:
    # 2024-03-01 is serial 45352 in the 1900 system and 43890 in the 1904 system.
    assert pd.Timestamp(serials_to_times(np.array([43890.0]), epoch1904=True)[0]) == pd.Timestamp(
        "2024-03-01"
    )
    assert pd.Timestamp(parse_times([43890.25], epoch1904=True).values[0]) == pd.Timestamp(
        "2024-03-01 06:00"
    )


def test_1900_leap_bug_and_float_noise() -> None:
    out = serials_to_times(np.array([59.0, 60.0, 61.0, 45352.999988425925926]))
    assert pd.Timestamp(out[0]) == pd.Timestamp("1900-02-28")
    assert pd.isna(out[1])  # the fictitious 1900-02-29
    assert pd.Timestamp(out[2]) == pd.Timestamp("1900-03-01")
    assert pd.Timestamp(out[3]) == pd.Timestamp("2024-03-01 23:59:59")


def test_a_whole_column_keeps_positions() -> None:
    values = pd.Series(["2024-03-01", None, "x", 45352.0], index=[10, 11, 12, 13])
    parsed = parse_times(values)
    assert parsed.bad.tolist() == [False, False, True, False]
