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

from .cells.ids import clean_ids
from .cells.money import parse_yuan
from .cells.times import parse_times
from .readers import ReadResult
from .xlsx import ColumnKind

#: field kind → how its source column is written
_KINDS: Final[dict[str, ColumnKind]] = {"id": "text", "money": "money", "time": "datetime"}
#: ``columns_used`` of a paid amount computed from the export's total: "总额 − 邮费"
_MINUS: Final = " − "


#: fields whose canonical column is the reader's parse of one source column, as it was (the
#: amounts are not: JD's repeated totals are zeroed; nor the refund fields, which a refund
#: export may fill)
_AS_READ: Final = frozenset(
    name
    for name, field in FIELDS.items()
    if field.kind in ("id", "time") and not name.startswith("refund")
)


def _sources(read: ReadResult, header: Sequence[object]) -> dict[int, tuple[ColumnKind, str]]:
    """Column index → (kind, field) for the source columns the reader used as ids, amounts or
    times."""
    position: dict[str, int] = {}
    for index, cell in enumerate(header):
        position.setdefault("" if cell is None else str(cell).strip(), index)
    found: dict[int, tuple[ColumnKind, str]] = {}
    for name, used in read.columns_used.items():
        field = FIELDS.get(name)
        kind = _KINDS.get(field.kind) if field is not None else None
        if kind is None:
            continue
        for part in used.split(_MINUS):  # the total and the postage are both amounts
            at = position.get(part.strip())
            if at is not None:
                found.setdefault(at, (kind, name if part == used else ""))
    return dict(sorted(found.items()))


def source_kinds(read: ReadResult, header: Sequence[object]) -> dict[int, ColumnKind]:
    """Column index → kind for the source columns the reader used as ids, amounts or times."""
    return {index: kind for index, (kind, _) in _sources(read, header).items()}


def _column(
    values: list[object], kind: ColumnKind, epoch1904: bool, as_read: pd.Series | None
) -> list[object]:
    """One source column typed; ``as_read`` is the reader's own parse of it, when it kept one."""
    series = pd.Series(values, dtype=object)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    if as_read is not None and kind == "datetime":
        times = pd.DatetimeIndex(as_read)
        keep = ~np.asarray(times.isna())
        cleaned = pd.Series(np.asarray(times.to_pydatetime(), dtype=object), dtype=object)
    elif kind == "text":  # ids: exact text, wrappers removed; a float that lost digits stays
        cleaned = (
            pd.Series(as_read, dtype=object) if as_read is not None else clean_ids(series, "")[0]
        )
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
    if any(len(r) < width for r in rows):
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    columns: list[list[object]] = (
        [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    )
    kinds: dict[int, ColumnKind] = {}
    orders = read.orders
    for index, (kind, name) in _sources(read, header).items():
        as_read = (
            orders[name].reset_index(drop=True)
            if name in _AS_READ and name in orders and len(orders) == len(rows)
            else None
        )
        columns[index] = _column(columns[index], kind, read.epoch1904, as_read)
        kinds[index] = kind
    return columns, kinds
