"""Money as integer fen (分). Parsing, half-up rounding and formatting, column at a time.

Amounts are never computed with binary floats: a float read from Excel (``1.15``) is first turned
into the fen it denotes (``115``), and every rate is an exact integer count of basis points
(1/10000), so ``1.15 yuan × 30 %`` is ``(115 × 3000 + 5000) // 10000 = 35`` fen, i.e. 0.35 yuan.

>>> parse_yuan(["¥1,234.50", "12元", 1.15, "-", "abc"]).fen.tolist()
[123450, 1200, 115, <NA>, <NA>]
>>> apply_rate_half_up(np.array([115]), np.array([3000])).tolist()
[35]
>>> fen_to_yuan_text(35)
'0.35'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

import numpy as np
import pandas as pd

from .timeparse import is_blank

BP_PER_UNIT: Final = 10_000  # basis points per 1.0 (rates are stored as integer basis points)
_FULL_WIDTH: Final = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
_STRIP_PATTERN: Final = r"[¥￥元,，\s=\"'\u200b\ufeff]|RMB|rmb|CNY"


@dataclass(frozen=True)
class ParsedMoney:
    """Amounts in fen (``Int64``, ``<NA>`` when missing or bad) and which inputs were bad."""

    fen: pd.Series
    bad: pd.Series


def yuan_to_fen_exact(value: float | int | str | Decimal) -> int:
    """One amount in yuan → fen, rounded half-up (``Decimal``, no float error).

    >>> yuan_to_fen_exact(1.155), yuan_to_fen_exact("0.005"), yuan_to_fen_exact(-1.005)
    (116, 1, -101)
    """
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


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
        text = series[is_text].astype(str).str.translate(_FULL_WIDTH)
        text = text.str.replace(_STRIP_PATTERN, "", regex=True)
        ok = text.str.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)").fillna(False).to_numpy()
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


def apply_rate_half_up(base_fen: np.ndarray, rate_bp: np.ndarray) -> np.ndarray:
    """``base × rate`` in fen, rounded half-up; rate in basis points. Exact integer arithmetic.

    >>> apply_rate_half_up(np.array([1000, 15000, 1]), np.array([500, 3000, 5000])).tolist()
    [50, 4500, 1]
    """
    product = np.asarray(base_fen, dtype="int64") * np.asarray(rate_bp, dtype="int64")
    return (product + BP_PER_UNIT // 2) // BP_PER_UNIT


def apply_rate_floor_yuan(base_fen: np.ndarray, rate_bp: np.ndarray) -> np.ndarray:
    """``base × rate`` floored to whole yuan, in fen (Kuaishou, PDD's 25 % era).

    >>> apply_rate_floor_yuan(np.array([13100, 7000]), np.array([1000, 2500])).tolist()
    [1300, 1700]
    """
    product = np.asarray(base_fen, dtype="int64") * np.asarray(rate_bp, dtype="int64")
    return (product // (BP_PER_UNIT * 100)) * 100


def apply_rate_half_up_yuan(base_fen: np.ndarray, rate_bp: np.ndarray) -> np.ndarray:
    """``base × rate`` rounded half-up to whole yuan, in fen (Douyin: 四舍五入取整, 7.5 → 8).

    Exact integer arithmetic, half-up (not banker's): 250 yuan × 1% = 2.5 → 3 yuan.

    >>> apply_rate_half_up_yuan(np.array([15000, 25000, 15000]), np.array([500, 100, 100])).tolist()
    [800, 300, 200]
    """
    product = np.asarray(base_fen, dtype="int64") * np.asarray(rate_bp, dtype="int64")
    return ((product + BP_PER_UNIT * 50) // (BP_PER_UNIT * 100)) * 100


def rate_to_bp(rate: float | str | Decimal) -> int:
    """A rate such as ``0.05`` or ``"5%"`` → integer basis points (500); rejects finer rates.

    >>> rate_to_bp(0.05), rate_to_bp("30%"), rate_to_bp("0.0001")
    (500, 3000, 1)
    """
    text = str(rate).strip()
    scale = Decimal(1)
    if text.endswith("%"):
        text, scale = text[:-1], Decimal("0.01")
    try:
        value = Decimal(text) * scale * BP_PER_UNIT
    except InvalidOperation as error:
        raise ValueError(f"比例无法识别 / not a rate: {rate!r}") from error
    if value != value.to_integral_value():
        raise ValueError(f"比例精度超过万分之一 / rate finer than 0.01%: {rate!r}")
    return int(value)


def fen_to_yuan_text(fen: int) -> str:
    """Integer fen → ``'12.34'`` (exact, no float).

    >>> fen_to_yuan_text(-5), fen_to_yuan_text(123456)
    ('-0.05', '1234.56')
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_to_yuan(fen: pd.Series) -> pd.Series:
    """Fen column → yuan floats for display (``Float64``; the only place money becomes a float)."""
    return fen.astype("Float64") / 100
