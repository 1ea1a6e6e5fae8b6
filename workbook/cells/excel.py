"""Engine values → the values written to Excel cells, column at a time.

Shared by the batch recompute, the audit workbook, the xlsx writers and the add-in, so a value
is written the same way whichever door wrote it.

>>> fen_to_excel(pd.array([35, None, 123450], dtype="Int64"))
[0.35, None, 1234.5]
>>> times_to_excel(np.array(["2024-03-03T10:00", "NaT"], dtype="datetime64[ns]"))
[datetime.datetime(2024, 3, 3, 10, 0), None]
>>> excel_serials(np.array(["2024-03-01T12:00", "NaT"], dtype="datetime64[ns]")).tolist()
[45352.5, nan]
>>> excel_serial(dt.datetime(2024, 3, 1, 12, 0)), excel_serial(dt.datetime(2024, 3, 1), date1904=True)
(45352.5, 43890.0)
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np
import pandas as pd

_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)
_EPOCH_1900_NS: Final = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY_NS: Final = 86_400 * 10**9


def fen_to_excel(fen: object) -> list[object]:
    """Integer fen → yuan as Excel numbers; missing → ``None``.

    ``fen / 100`` is the double nearest the exact 2-decimal amount, so its shortest repr (what
    Excel and the XML get) is exactly the amount.
    """
    values = pd.array(fen, dtype="Int64")
    missing = np.asarray(values.isna())
    out = (values.to_numpy(dtype="int64", na_value=0) / 100).astype(object)
    out[missing] = None
    return list(out.tolist())


def numbers_to_excel(values: object, *, integer: bool = False) -> list[object]:
    """Numbers as Excel cell values (``float``, or ``int`` with ``integer``); missing → ``None``.

    >>> numbers_to_excel(pd.Series([1.5, None])), numbers_to_excel([3, None], integer=True)
    ([1.5, None], [3, None])
    """
    array = pd.Series(values).astype("Int64" if integer else "Float64").array
    missing = np.asarray(array.isna())
    out = array.to_numpy(dtype="int64" if integer else "float64", na_value=0).astype(object)
    out[missing] = None
    return list(out.tolist())


def times_to_excel(values: object) -> list[object]:
    """``datetime64`` → naive ``datetime`` (what xlwings and the writers turn into Excel dates);
    ``NaT`` → ``None``."""
    index = pd.DatetimeIndex(np.asarray(values, dtype="datetime64[ns]"))
    out = np.asarray(index.to_pydatetime(), dtype=object)
    out[np.asarray(index.isna())] = None
    return list(out.tolist())


def excel_serial(value: dt.datetime | dt.date, *, date1904: bool = False) -> float:
    """A naive datetime (or date) as an Excel serial number, to the microsecond."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
    delta = value - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    return (delta.days * 86400_000_000 + delta.seconds * 1_000_000 + delta.microseconds) / 86400e6


def excel_serials(values: object) -> np.ndarray:
    """Datetimes → Excel serial day numbers in the 1900 system (``NaN`` for ``NaT``), vectorised."""
    times = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[ns]")
    out = (times - _EPOCH_1900_NS).astype("int64") / _DAY_NS
    return np.where(np.isnat(times), np.nan, out)


def column_letter(number: int) -> str:
    """1-based column number → letters.

    >>> column_letter(1), column_letter(28), column_letter(16384)
    ('A', 'AB', 'XFD')
    """
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """Column letters → 1-based column number.

    >>> column_index("A"), column_index("XFD")
    (1, 16384)
    """
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def display_width(text: str) -> int:
    """Width of ``text`` in Excel column-width units: CJK and other wide characters count 2.

    >>> display_width("订单编号"), display_width("SKU-1")
    (8, 5)
    """
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
