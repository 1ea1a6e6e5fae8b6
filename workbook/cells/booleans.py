"""Yes/no cells: the one vocabulary both the batch readers and the Excel functions accept.

A word is looked up before the blank test, so ``无`` in a yes/no column is "no" (elsewhere it
is a blank placeholder); ``-``, ``null`` and empty cells stay blank. Numbers 1/0 and Excel's
TRUE/FALSE count; any other number or word is bad — never guessed.

>>> parsed = parse_booleans(pd.Series(["是", "不成立", "✓", "无", 0.0, True, None, "-", "也许"], dtype=object))
>>> parsed.values.tolist()
[True, False, True, False, False, True, <NA>, <NA>, <NA>]
>>> parsed.blank.tolist()
[False, False, False, False, False, False, True, True, False]
>>> parsed.bad.tolist()
[False, False, False, False, False, False, False, False, True]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .text import is_blank

#: Words read as yes (compared after stripping spaces and lower-casing).
TRUE_WORDS: Final[frozenset[str]] = frozenset(
    {"是", "对", "有", "成立", "已赔付", "支持", "包邮", "✓", "✔", "√", "true", "1", "yes", "y"}
)
#: Words read as no; each yes word has its opposite here.
FALSE_WORDS: Final[frozenset[str]] = frozenset(
    {
        "否",
        "不",
        "错",
        "无",
        "没有",
        "不成立",
        "未赔付",
        "不支持",
        "不包邮",
        "✗",
        "✘",
        "×",
        "false",
        "0",
        "no",
        "n",
    }
)
_WORDS: Final[dict[str, bool]] = {
    **dict.fromkeys(TRUE_WORDS, True),
    **dict.fromkeys(FALSE_WORDS, False),
}


@dataclass(frozen=True)
class ParsedBooleans:
    """Flags (``boolean``, ``<NA>`` where blank or bad), and which cells were blank or bad."""

    values: pd.arrays.BooleanArray
    blank: np.ndarray
    bad: np.ndarray


def to_boolean(value: object) -> bool | None:
    """One cell → ``True``/``False``; ``None`` when it is not a yes/no value (blanks included).

    >>> to_boolean(" YES "), to_boolean("已赔付"), to_boolean(1.0), to_boolean(2), to_boolean("-")
    (True, True, True, None, None)
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return bool(value) if value in (0, 1) else None
    if not isinstance(value, str):
        return None
    return _WORDS.get(value.strip().strip("\t\u200b\ufeff").strip().lower())


def parse_booleans(values: pd.Series) -> ParsedBooleans:
    """A column of yes/no cells; each distinct value is looked up once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    answers = [to_boolean(u) for u in uniques]
    known = np.array([a is not None for a in answers], dtype=bool)
    truth = np.array([a is True for a in answers], dtype=bool)
    unique_blank = is_blank(pd.Series(list(uniques), dtype=object)).to_numpy(dtype=bool) & ~known
    # code -1 (missing) picks the appended entry: blank, not known.
    blank = np.append(unique_blank, True)[codes]
    is_known = np.append(known, False)[codes]
    is_true = np.append(truth, False)[codes]
    bad = ~blank & ~is_known
    return ParsedBooleans(pd.arrays.BooleanArray(is_true, ~is_known), blank, bad)
