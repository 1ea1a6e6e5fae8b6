"""The export's order-status words (订单状态) per platform → lifecycle stage (``order_stage``).

The vocabulary is data (``order_status.csv``, shipped with the package): one row per platform and
status word as the exports write it, ``*`` for words every platform shares; Tmall uses Taobao's.

>>> stages, unknown = classify_statuses(
...     pd.Series(["已取消，退款成功", " 交易成功", "(删除)等待出库", "奇怪", None]),
...     np.array(["pdd", "tmall", "jd", "jd", "jd"], dtype=object))
>>> stages.tolist(), unknown.tolist()
(['refunded', 'finished', 'closed', None, None], [False, False, False, True, False])
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from typing import Final

import numpy as np
import pandas as pd
from shoprules.formulas.fields import ORDER_STAGES

_SPACE: Final = re.compile(r"[\s\u3000\ufeff\u200b]+")
_WIDTH: Final = str.maketrans({"，": ",", "（": "(", "）": ")", "：": ":"})
#: Platforms that write another platform's words.
_SAME_WORDS: Final = {"tmall": "taobao"}


def status_key(text: object) -> str:
    """A status word without spaces, with ASCII commas and brackets.

    >>> status_key(" 买家已付款, 等待卖家发货 ") == status_key("买家已付款，等待卖家发货")
    True
    """
    return _SPACE.sub("", str(text)).translate(_WIDTH)


@cache
def vocabulary() -> dict[tuple[str, str], str]:
    """``(platform or "*", status key) → stage`` from ``order_status.csv``."""
    text = resources.files(__package__).joinpath("order_status.csv").read_text(encoding="utf-8")
    table: dict[tuple[str, str], str] = {}
    for row in csv.DictReader(text.splitlines()):
        if row["stage"] not in ORDER_STAGES:
            raise ValueError(f"order_status.csv: unknown stage {row['stage']!r}")
        table[(row["platform"], status_key(row["status"]))] = row["stage"]
    return table


def classify_statuses(statuses: pd.Series, platforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stage per row (``None`` where blank or unknown) and the mask of words not in the
    vocabulary. Computed once per distinct (platform, word) pair."""
    table = vocabulary()
    words = statuses.reset_index(drop=True).astype(object)
    blank = words.isna().to_numpy() | (words.fillna("").astype(str).str.strip() == "").to_numpy()
    pairs = pd.DataFrame({"p": pd.Series(platforms, dtype=object).fillna(""), "w": words})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs.fillna("")))
    found = np.full(len(uniques) + 1, None, dtype=object)
    for index, (platform, word) in enumerate(uniques):
        key = status_key(word)
        own = _SAME_WORDS.get(platform, platform)
        found[index] = table.get((own, key)) or table.get(("*", key))
    stages = found[codes]
    stages[blank] = None
    return stages, ~blank & pd.isna(stages)
