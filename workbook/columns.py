"""The result columns (SPEC §4) as written to Excel, and where they go on a sheet.

One table says, for each result column, its Chinese header, the engine field it comes
from, its kind, and by kind the Excel number format and the width of an appended column. The
file patcher, the new-workbook writer, the audit and the ribbon all read it, and the patcher and
the ribbon place the columns with the one pure :func:`place_columns` and style new header cells
after the one :func:`header_style_column`.

>>> [c.header for c in RESULT_COLUMNS][:4]
['发货截止', '发货状态', '延迟小时', '违约金']
>>> FORMATS["datetime"].code, FORMATS["money"].code, FORMATS["money"].builtin_id
('yyyy-mm-dd hh:mm:ss', '0.00', 2)
>>> result_column("违约金").field, result_column("违约金").kind
('damages', 'money')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "FORMATS",
    "RESULT_COLUMNS",
    "ColumnKind",
    "KindFormat",
    "Placement",
    "ResultColumn",
    "header_style_column",
    "place_columns",
    "result_column",
]

#: How a column is written: Excel datetime, yuan with 2 decimals, hours, integer, text.
ColumnKind = Literal["datetime", "money", "hours", "integer", "text"]


@dataclass(frozen=True)
class KindFormat:
    """The Excel number format of a kind (``builtin_id``: Excel's built-in numFmtId for the code,
    or None when the code must be declared) and the width (characters) of an appended column."""

    code: str
    builtin_id: int | None
    width: int


FORMATS: Final[dict[str, KindFormat]] = {
    "datetime": KindFormat("yyyy-mm-dd hh:mm:ss", None, 19),
    "money": KindFormat("0.00", 2, 10),
    "hours": KindFormat("0.0", None, 9),
    "integer": KindFormat("0", 1, 7),
    "text": KindFormat("@", 49, 22),
}


@dataclass(frozen=True)
class ResultColumn:
    """One result column: header on the sheet, engine result field, kind (number format)."""

    header: str
    field: str
    kind: ColumnKind

    @property
    def number_format(self) -> str:
        return FORMATS[self.kind].code

    @property
    def width(self) -> int:
        return FORMATS[self.kind].width


#: The thirteen result columns in SPEC §4 order (headers as in ``formulas.engine.RESULT_HEADERS``).
RESULT_COLUMNS: Final[tuple[ResultColumn, ...]] = (
    ResultColumn("发货截止", "ship_by", "datetime"),
    ResultColumn("发货状态", "ship_status", "text"),
    ResultColumn("延迟小时", "hours_late", "hours"),
    ResultColumn("违约金", "damages", "money"),
    ResultColumn("违约金依据", "damages_rule", "text"),
    ResultColumn("平台扣款", "platform_fee", "money"),
    ResultColumn("扣分", "points", "integer"),
    ResultColumn("退货截止", "return_by", "datetime"),
    ResultColumn("退货状态", "return_status", "text"),
    ResultColumn("运费承担", "freight", "text"),
    ResultColumn("售后截止", "aftersale_by", "datetime"),
    ResultColumn("售后时效状态", "aftersale_status", "text"),
    ResultColumn("数据问题", "problems", "text"),
)


def result_column(header_or_field: str) -> ResultColumn:
    """The result column with this header (``'违约金'``) or engine field (``'damages'``)."""
    for column in RESULT_COLUMNS:
        if header_or_field in (column.header, column.field):
            return column
    raise KeyError(header_or_field)


@dataclass(frozen=True)
class Placement:
    """Where each result column goes (1-based sheet columns) and which of them are new."""

    columns: dict[str, int]
    appended: dict[str, int] = field(default_factory=dict)

    @property
    def last(self) -> int:
        return max(self.columns.values(), default=0)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _by_column(
    header_cells: Mapping[int, object] | Sequence[object], first_column: int
) -> dict[int, object]:
    if isinstance(header_cells, Mapping):
        return dict(header_cells)
    return {first_column + i: value for i, value in enumerate(header_cells)}


def header_style_column(
    header_cells: Mapping[int, object] | Sequence[object], *, first_column: int = 1
) -> int | None:
    """The header cell whose style new result header cells take: the right-most one with text
    (None when the row has none). ``header_cells`` as for :func:`place_columns`.

    >>> header_style_column(["订单编号", "付款时间", None, " "])
    2
    >>> header_style_column({3: "订单编号", 9: "违约金"}), header_style_column([None])
    (9, None)
    """
    cells = _by_column(header_cells, first_column)
    return max((column for column, value in cells.items() if _text(value)), default=None)


def place_columns(
    header_cells: Mapping[int, object] | Sequence[object],
    headers: Sequence[str],
    *,
    last_used: int = 0,
    first_column: int = 1,
) -> Placement:
    """Where each header goes: over a same-named header cell (the right-most one), else appended
    one after another right of the last used column (the header row's, or ``last_used``, the
    right-most value at or below the header row, whichever is further right).

    ``header_cells`` is the header row, either as a sequence starting at ``first_column`` or as
    a mapping of 1-based column to value. Raises ``ValueError`` past Excel's last column (XFD).

    >>> place_columns(["订单编号", "付款时间", None], ["发货截止", "违约金"])
    Placement(columns={'发货截止': 3, '违约金': 4}, appended={'发货截止': 3, '违约金': 4})
    >>> place_columns(["订单编号", "违约金", "备注"], ["发货截止", "违约金"], last_used=5)
    Placement(columns={'发货截止': 6, '违约金': 2}, appended={'发货截止': 6})
    """
    cells = _by_column(header_cells, first_column)
    texts = {column: _text(value) for column, value in sorted(cells.items())}
    wanted = set(headers)
    found = {text: column for column, text in texts.items() if text in wanted}
    used = max([last_used, *(c for c, t in texts.items() if t)], default=0)
    columns: dict[str, int] = {}
    appended: dict[str, int] = {}
    next_free = max([used, *found.values()]) + 1
    for header in headers:
        if header in found:
            columns[header] = found[header]
        else:
            columns[header] = appended[header] = next_free
            next_free += 1
    if next_free - 1 > 16384:
        raise ValueError("结果列超出 Excel 的最大列 XFD")
    return Placement(columns, appended)
