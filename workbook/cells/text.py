"""Blank cells and free text: the placeholders every cell parser treats as missing.

>>> clean_text(pd.Series([" 退货 ", "-", None, "\\t7天\\t", 12], dtype=object)).tolist()
['退货', None, None, '7天', '12']
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    {"", "-", "--", "---", "—", "——", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "无", "/"}
)


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty or a placeholder such as ``-``, ``--``, ``null``.

    >>> is_blank(pd.Series([None, " - ", "null", 0, "x", float("nan")])).tolist()
    [True, True, True, False, False, True]
    """
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _NON_TEXT_KINDS:
        return values.isna()
    # Classify each distinct value once (a column holds few distinct placeholders).
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    flags = np.fromiter(
        (_placeholder_key(u) in PLACEHOLDERS for u in uniques), dtype=bool, count=len(uniques)
    )
    blank = np.append(flags, True)[codes]  # code -1 (missing) → the appended True
    return pd.Series(blank, index=values.index)


_NON_TEXT_KINDS: Final = frozenset(
    {
        "floating",
        "integer",
        "mixed-integer-float",
        "decimal",
        "datetime",
        "datetime64",
        "date",
        "boolean",
        "empty",
        "timedelta",
    }
)


def _placeholder_key(value: object) -> object:
    if isinstance(value, str):
        return value.strip().strip("\t\u200b\ufeff").strip().lower()
    return None


def clean_text(values: pd.Series) -> pd.Series:
    """Text cells stripped of spaces and tabs; blanks and placeholders are ``None``.

    Non-text cells become their ``str``; the result is an ``object`` column of ``str``/``None``.
    """
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        # Clean each distinct text once (a column of statuses or reasons repeats a few values).
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if 2 * len(uniques) <= len(values):
            cleaned = np.full(len(uniques) + 1, None, dtype=object)  # the last: code -1 (NA)
            cleaned[:-1] = _clean_each(pd.Series(uniques)).to_numpy(dtype=object)
            return pd.Series(cleaned[codes], dtype=object)
    return _clean_each(values)


def _clean_each(values: pd.Series) -> pd.Series:
    blank = is_blank(values).to_numpy()
    text = values.astype(object).where(~blank, None)
    present = text.notna().to_numpy()
    out = pd.Series(np.full(len(values), None, dtype=object), dtype=object)
    if present.any():
        cleaned = text[present].astype(str).str.strip().str.strip("\t")
        out[present] = cleaned.where(cleaned != "", None).to_numpy(dtype=object)
    return out
