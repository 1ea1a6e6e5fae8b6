"""The source columns of a CSV / ``.xls`` / HTML export, typed for the new ``.shoprules.xlsx``:
ids as exact text without their ``="…"``, tab or apostrophe wrappers (the reader's own cleaner),
amounts as numbers, times as Excel dates — for the columns the reader used, by their field's
kind — and everything else as it was.

>>> from shoprules.workbook.readers import read_rows
>>> header = ["订单编号", "实付金额", "付款时间", "备注"]
>>> rows = [['="4018270033112345678"', "¥1,234.50", "2024/3/1 15:04", "=1+1"]]
>>> columns, kinds = typed_columns(read_rows([header, *rows]), header, rows)
>>> [c[0] for c in columns]
['4018270033112345678', 1234.5, datetime.datetime(2024, 3, 1, 15, 4), '=1+1']
>>> kinds
{0: 'text', 1: 'money', 2: 'datetime'}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from shoprules.formulas.fields import FIELDS
from shoprules.formulas.money import parse_yuan
from shoprules.formulas.timeparse import parse_times

from .readers import ReadResult, _clean_ids
from .xlsx import ColumnKind

#: field kind → how its source column is written
_KINDS: Final[dict[str, ColumnKind]] = {"id": "text", "money": "money", "time": "datetime"}
#: ``columns_used`` of a paid amount computed from the export's total: "总额 − 邮费"
_MINUS: Final = " − "


def source_kinds(read: ReadResult, header: Sequence[object]) -> dict[int, ColumnKind]:
    """Column index → kind for the source columns the reader used as ids, amounts or times."""
    position: dict[str, int] = {}
    for index, cell in enumerate(header):
        position.setdefault("" if cell is None else str(cell).strip(), index)
    kinds: dict[int, ColumnKind] = {}
    for name, used in read.columns_used.items():
        field = FIELDS.get(name)
        kind = _KINDS.get(field.kind) if field is not None else None
        if kind is None:
            continue
        for part in used.split(_MINUS):  # the total and the postage are both amounts
            found = position.get(part.strip())
            if found is not None:
                kinds.setdefault(found, kind)
    return dict(sorted(kinds.items()))


def _column(values: list[object], kind: ColumnKind, epoch1904: bool) -> list[object]:
    series = pd.Series(values, dtype=object)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    if kind == "text":  # ids: exact text, wrappers removed; a float that lost digits stays
        cleaned, _ = _clean_ids(series, "")
        keep = cleaned.notna().to_numpy()
    elif kind == "money":
        money = parse_yuan(series)
        cents = pd.array(money.fen, dtype="Int64")
        keep = ~np.asarray(cents.isna())
        cleaned = pd.Series(cents.to_numpy(dtype="int64", na_value=0) / 100, dtype=object)
    else:
        parsed = parse_times(series, epoch1904=epoch1904)
        times = pd.DatetimeIndex(parsed.values)
        keep = ~np.asarray(times.isna())
        cleaned = pd.Series(np.asarray(times.to_pydatetime(), dtype=object), dtype=object)
    out[keep] = cleaned.to_numpy(dtype=object)[keep]
    return list(out.tolist())  # what the reader took for blank ("", "-") stays as it was


def typed_columns(
    read: ReadResult, header: Sequence[object], rows: Sequence[Sequence[object]]
) -> tuple[list[list[object]], dict[int, ColumnKind]]:
    """The source rows as columns (as wide as the widest row), the ids, amounts and times typed;
    and the kind of each typed column. A value the reader could not read stays as it was."""
    width = max([len(header), *(len(r) for r in rows)], default=0)
    padded = [list(r) + [None] * (width - len(r)) if len(r) < width else list(r) for r in rows]
    columns: list[list[object]] = (
        [list(c) for c in zip(*padded, strict=True)] if padded else [[] for _ in range(width)]
    )
    kinds = source_kinds(read, header)
    for index, kind in kinds.items():
        columns[index] = _column(columns[index], kind, read.epoch1904)
    return columns, kinds
