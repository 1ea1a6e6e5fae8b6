"""Values as cell lists for the audit tables: text, numbers, yuan from fen, Excel serial times,
是/否; column letters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..cells.excel import column_letter, excel_serials, numbers_to_excel


def _col(index: int) -> str:
    """0-based column index → letters (the audit's tables count from 0)."""
    return column_letter(index + 1)


def _text_list(values: pd.Series | np.ndarray | list[Any]) -> list[Any]:
    series = pd.Series(values, dtype=object)
    blank = (series.isna() | series.astype(str).eq("")).to_numpy()
    out = np.array(series.astype(str).to_numpy(dtype=object), dtype=object, copy=True)
    out[blank] = None
    texts: list[Any] = out.tolist()
    return texts


def _number_list(values: pd.Series | np.ndarray) -> list[Any]:
    return numbers_to_excel(values)


def _yuan_list(fen: pd.Series | np.ndarray) -> list[Any]:
    return _number_list(pd.Series(fen).astype("Float64") / 100)


def _time_list(values: object) -> list[Any]:
    return [None if v != v else v for v in excel_serials(values).tolist()]


def _bool_text(values: pd.Series) -> list[Any]:
    series = values.astype("boolean")
    out = np.where(series.fillna(False).to_numpy(dtype=bool), "是", "否").astype(object)
    out[series.isna().to_numpy()] = None
    flags: list[Any] = out.tolist()
    return flags
