"""Money cells → integer fen (分), column at a time: numbers, or text with ¥, 元, RMB,
thousands commas and full-width digits. Blank cells and placeholders are missing, anything else
is reported as bad — never guessed: a currency mark only at either end, thousands separators
only between groups of three digits (``1,2,3``, ``12，5`` and ``12RMB34`` are bad).

A float read from Excel (``1.15``) is turned into the fen it denotes (``115``), never kept as a
binary float; the fen arithmetic itself lives in :mod:`shoprules.formulas.money`.

>>> parse_yuan(["¥1,234.50", "12元", 1.15, "-", "abc"]).fen.tolist()
[123450, 1200, 115, <NA>, <NA>]
>>> parse_yuan(["¥1,234.50", "12元", 1.15, "-", "abc"]).bad.tolist()
[False, False, False, False, True]
>>> parse_yuan(["1,2,3", "12，5", "12RMB34", "RMB 8.8", "-¥5"]).fen.tolist()
[<NA>, <NA>, <NA>, 880, -500]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .text import is_blank

_FULL_WIDTH: Final = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")
#: Junk a spreadsheet or an export puts around a value (quotes, ``=``, zero-width marks).
_EDGES: Final = "=\"'\u200b\ufeff \t\r\n\u3000\xa0"
_PLAIN: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: An amount: sign, currency mark, digits (commas only between groups of three), unit.
_AMOUNT: Final = re.compile(
    r"(?P<sign>[+-]?)\s*(?:[¥￥]|RMB|CNY)?\s*(?P<sign2>[+-]?)"
    r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"\s*(?:元|RMB|CNY)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedMoney:
    """Amounts in fen (``Int64``, ``<NA>`` when missing or bad) and which inputs were bad."""

    fen: pd.Series
    bad: pd.Series


def floats_to_fen(yuan: np.ndarray) -> np.ndarray:
    """Float yuan → integer fen, half-up (away from zero), exact for amounts Excel can show.

    ``x * 100`` is first rounded to 6 decimals to drop binary noise (``1.15 * 100`` is
    ``114.99999999999999``) and then rounded half-up.

    >>> floats_to_fen(np.array([1.15, 0.005, 2.675, -1.005])).tolist()
    [115, 1, 268, -101]
    """
    scaled = np.round(np.asarray(yuan, dtype="float64") * 100.0, 6)
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype("int64")


def parse_yuan(values: Iterable[object] | pd.Series) -> ParsedMoney:
    """Parse a column of amounts (numbers or text with ¥, 元, thousands commas) into fen.

    Blank cells and placeholders are missing (``<NA>``, not bad); text that is not an amount
    (``无退款申请``) is bad and gives ``<NA>``.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    series = series.reset_index(drop=True)
    n = len(series)
    fen = np.zeros(n, dtype="int64")
    present = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return ParsedMoney(pd.Series(fen, dtype="Int64"), pd.Series(bad))

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype("float64").to_numpy()
        present = np.isfinite(numbers)
        fen[present] = floats_to_fen(numbers[present])
        return ParsedMoney(_masked(fen, present), pd.Series(bad))

    blank = is_blank(series).to_numpy()
    kind = pd.api.types.infer_dtype(series[~blank], skipna=True)
    if kind == "string":  # the usual export column: skip the per-cell type checks
        is_bool = np.zeros(n, dtype=bool)
        is_text = ~blank
    elif kind in ("floating", "integer", "mixed-integer-float"):  # numbers with blank cells
        numbers = pd.to_numeric(series.where(~blank), errors="coerce").to_numpy(dtype="float64")
        fen[~blank] = floats_to_fen(numbers[~blank])
        return ParsedMoney(_masked(fen, ~blank), pd.Series(bad))
    else:
        is_bool = series.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy()
        numeric = pd.to_numeric(series.where(~is_bool & ~blank), errors="coerce")
        is_number = series.map(lambda v: isinstance(v, int | float | np.integer | np.floating))
        is_number = is_number.to_numpy() & ~is_bool & ~blank & numeric.notna().to_numpy()
        if is_number.any():
            fen[is_number] = floats_to_fen(numeric[is_number].to_numpy(dtype="float64"))
            present |= is_number
        is_text = series.map(lambda v: isinstance(v, str)).to_numpy() & ~blank
    if is_text.any():
        ok, text = _amount_texts(series[is_text])
        positions = np.flatnonzero(is_text)
        good_positions = positions[ok]
        if len(good_positions):
            # Text → float → fen is exact here: floats_to_fen rounds away binary noise at 6 decimals.
            fen[good_positions] = floats_to_fen(pd.to_numeric(text[ok]).to_numpy(dtype="float64"))
            present[good_positions] = True
        bad[positions[~ok]] = True

    bad |= ~blank & ~present & ~is_text
    return ParsedMoney(_masked(fen, present), pd.Series(bad))


def _masked(fen: np.ndarray, present: np.ndarray) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(fen, ~present))


def _amount_texts(texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Which texts are amounts, and each one as a plain signed decimal (``"-1234.5"``).

    A column of plain numbers (most exports) takes one vectorised match; only the rest are
    checked for marks and separators."""
    text = texts.astype(str).reset_index(drop=True)
    if _PLAIN.fullmatch(text.iloc[0]):
        ok = np.array(text.str.fullmatch(_PLAIN).fillna(False), dtype=bool)
    else:  # a column of marked amounts: one pass, not two
        ok = np.zeros(len(text), dtype=bool)
    rest = np.flatnonzero(~ok)
    if len(rest):
        marked = text.iloc[rest].str.translate(_FULL_WIDTH).str.strip(_EDGES).tolist()
        numbers = [_plain_amount(value) for value in marked]
        text = text.copy()
        text.iloc[rest] = np.array(numbers, dtype=object)
        ok[rest] = [number is not None for number in numbers]
    return ok, text


def _plain_amount(text: str) -> str | None:
    """``"¥-1,234.50"`` → ``"-1234.50"``; ``None`` when the text is not one amount."""
    match = _AMOUNT.fullmatch(text)
    if match is None or (match["sign"] and match["sign2"]):
        return None
    return match["sign"] + match["sign2"] + match["number"].replace(",", "")
