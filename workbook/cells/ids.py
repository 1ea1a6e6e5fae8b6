"""Order and sub-order ids as exact text, whatever the export did to them.

Exports protect long ids from Excel as ``="…"`` formulas, a leading ``'``, quotes or a tab
(Douyin); a sheet that stored them as numbers keeps them only while they fit a double exactly.

>>> ids, problems = clean_ids(pd.Series(['="35153131473293579"', "'6917", "\\t12\\t", 4.0, 3.5e17, "-"]), "订单编号")
>>> ids.tolist()
['35153131473293579', '6917', '12', '4', None, None]
>>> problems.tolist()[4]
'订单编号以数字存储已丢失精度，请把该列设为文本后重新粘贴导出文件'
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from .text import is_blank

#: Integral floats below this are exact; larger ones may have lost digits.
MAX_EXACT_FLOAT_ID: Final = 2**53


def clean_ids(values: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Ids as exact text: strip ``="…"``, ``'``, tabs and quotes; integral floats below 2**53
    become digits; larger floats have lost digits and are reported.

    Returns (ids: ``str``/``None``, problems: ``""`` or a Chinese reason naming ``label``).
    """
    out = pd.Series(np.full(len(values), None, dtype=object), dtype=object)
    problems = pd.Series(np.full(len(values), "", dtype=object), dtype=object)
    blank = is_blank(values).to_numpy()
    all_text = pd.api.types.infer_dtype(values[~blank], skipna=True) in ("string", "empty")
    is_text = ~blank if all_text else values.map(lambda v: isinstance(v, str)).to_numpy() & ~blank
    if is_text.any():
        text = values[is_text].astype(str).str.strip().str.strip("\t\u200b\ufeff")
        quoted = text.str.contains('"', regex=False).to_numpy()
        if quoted.any():
            text[quoted] = text[quoted].str.replace(r'^=?"(.*)"$', r"\1", regex=True)
        text = text.str.lstrip("'").str.strip("\t ")
        out[is_text] = text.where(text != "", None).to_numpy(dtype=object)
    is_number = (
        np.zeros(len(values), dtype=bool)
        if all_text
        else values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).to_numpy()
        & ~blank
    )
    if is_number.any():
        numbers = values[is_number].astype(float)
        exact = (numbers.abs() < MAX_EXACT_FLOAT_ID) & (numbers == np.floor(numbers))
        out[np.flatnonzero(is_number)[exact.to_numpy()]] = (
            numbers[exact].astype("int64").astype(str).to_numpy(dtype=object)
        )
        lost = np.flatnonzero(is_number)[~exact.to_numpy()]
        problems[lost] = f"{label}以数字存储已丢失精度，请把该列设为文本后重新粘贴导出文件"
    return out, problems
