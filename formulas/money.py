"""Money as integer fen (分): half-up rounding, rates and formatting, column at a time.

Amounts are never computed with binary floats: amounts arrive as integer fen (cells are parsed
by :func:`shoprules.workbook.cells.money.parse_yuan`), and every rate is an exact integer count of
basis points (1/10000), so ``1.15 yuan × 30 %`` is ``(115 × 3000 + 5000) // 10000 = 35`` fen,
i.e. 0.35 yuan.

>>> apply_rate_half_up(np.array([115]), np.array([3000])).tolist()
[35]
>>> fen_to_yuan_text(35)
'0.35'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

import numpy as np
import pandas as pd

BP_PER_UNIT: Final = 10_000  # basis points per 1.0 (rates are stored as integer basis points)


def yuan_to_fen_exact(value: float | int | str | Decimal) -> int:
    """One amount in yuan → fen, rounded half-up (``Decimal``, no float error).

    >>> yuan_to_fen_exact(1.155), yuan_to_fen_exact("0.005"), yuan_to_fen_exact(-1.005)
    (116, 1, -101)
    """
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


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
