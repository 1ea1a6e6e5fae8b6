"""Excel values ⇄ engine columns: the one conversion layer of the add-in.

The UDFs (:mod:`shoprules.addin.udfs`) and the ribbon handlers (:mod:`shoprules.addin.ribbon`)
both go through this module, so a number computed by a formula is the number the recompute
button writes. Nothing here imports xlwings: inputs are what xlwings delivers (floats, naive
``datetime``, ``None`` for empty cells, ``"#N/A"`` text with ``err_to_str``, 2-D lists for
ranges) and outputs are what it writes (scalars or 2-D lists).

A range argument is flattened to one column of cells; single cells broadcast:

>>> layout = Layout.of([[1.0], [2.0], [None]], "淘宝")
>>> layout.n, layout.orientation
(3, 'column')
>>> layout.column([[1.0], [2.0], [None]]).tolist(), layout.column("淘宝").tolist()
([1.0, 2.0, None], ['淘宝', '淘宝', '淘宝'])

Each input kind is parsed column at a time by :mod:`shoprules.workbook.cells` (the batch
readers' parsers), with a Chinese reason for every bad row:

>>> parsed = platforms(pd.Series(["淘宝", "TMall", None, "亚马逊", "#N/A"], dtype=object))
>>> parsed.values.tolist()
['taobao', 'tmall', None, None, None]
>>> parsed.problems.tolist()
[None, None, None, '平台无法识别: 亚马逊（可用 淘宝/天猫/拼多多/抖音/快手/京东）', '平台是错误值: #N/A']

Results go back as a scalar (one cell) or a 2-D column; bad rows carry ``#SR! reason``:

>>> layout.to_excel([5.0, None, None], [None, None, "付款时间无法识别: 2024-13-01"])
[[5.0], [''], ['#SR! 付款时间无法识别: 2024-13-01']]
>>> Layout.of(3.0).to_excel([1.5], [None])
1.5
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from shoprules.formulas.fields import GOODS_TYPES, normalize_goods_type, normalize_platform
from shoprules.formulas.rulebook import Rulebook
from shoprules.workbook.cells.booleans import parse_booleans
from shoprules.workbook.cells.excel import fen_to_excel, times_to_excel
from shoprules.workbook.cells.money import floats_to_fen, parse_yuan
from shoprules.workbook.cells.text import is_blank
from shoprules.workbook.cells.times import parse_times, serials_to_times

__all__ = [
    "ERROR_PREFIX",
    "InputShapeError",
    "Layout",
    "Parsed",
    "booleans",
    "error_text",
    "excel_block",
    "fen_to_excel",
    "goods_types",
    "hours",
    "merge_problems",
    "money",
    "platforms",
    "texts",
    "times",
    "times_to_excel",
    "violations",
]

#: Every result cell that could not be computed starts with this text.
ERROR_PREFIX: Final = "#SR!"

#: Excel's error values as ``err_to_str=True`` delivers them.
EXCEL_ERRORS: Final[frozenset[str]] = frozenset(
    {
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)

_PLATFORM_HINT: Final = "（可用 淘宝/天猫/拼多多/抖音/快手/京东）"
_GOODS_HINT: Final = "（可用 " + "/".join(GOODS_TYPES.values()) + "）"
_SHOWN_CHARS: Final = 40

Orientation = Literal["scalar", "column", "row"]


class InputShapeError(ValueError):
    """A range argument that is not one column or one row, or ranges of different lengths."""


def error_text(reason: str) -> str:
    """The cell text for a row that cannot be computed.

    >>> error_text("缺少平台")
    '#SR! 缺少平台'
    """
    return f"{ERROR_PREFIX} {reason}"


def _shape(value: object) -> tuple[list[object], Orientation]:
    """Flatten one argument: a 2-D list (or a 1-D list, when ``ndim`` was not applied)."""
    if not isinstance(value, list | tuple):
        return [value], "scalar"
    if not value:
        return [], "column"
    if not isinstance(value[0], list | tuple):
        cells = list(value)
        return cells, "scalar" if len(cells) == 1 else "column"
    rows = len(value)
    widths = set(map(len, value))  # map/itemgetter run at C speed over 100,000-row ranges
    if widths == {1}:
        cells = list(map(itemgetter(0), value))
        return cells, "scalar" if rows == 1 else "column"
    if rows == 1:
        return list(value[0]), "row"
    raise InputShapeError(f"只接受单列或单行区域，收到 {rows} 行 × {max(widths)} 列")


@dataclass(frozen=True)
class Layout:
    """How many rows a call has and which way its result goes (one cell, a column or a row)."""

    n: int
    orientation: Orientation
    #: Each argument's flattened cells, by ``id`` (the arguments live for the whole call), so a
    #: 100,000-row range is flattened once, not once per use.
    _shapes: dict[int, tuple[list[object], Orientation]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _shape(self, argument: object) -> tuple[list[object], Orientation]:
        if not isinstance(argument, list | tuple):
            return _shape(argument)
        found = self._shapes.get(id(argument))
        if found is None:
            found = self._shapes[id(argument)] = _shape(argument)
        return found

    @classmethod
    def of(cls, *arguments: object) -> Layout:
        """The common layout of a call's arguments; ranges must have equal lengths.

        >>> Layout.of([[1], [2]], [[3], [4], [5]])
        Traceback (most recent call last):
        ...
        shoprules.addin.convert.InputShapeError: 各区域行数不一致: 2 与 3
        """
        n = 1
        orientation: Orientation = "scalar"
        shapes: dict[int, tuple[list[object], Orientation]] = {}
        for argument in arguments:
            cells, shape = _shape(argument)
            if isinstance(argument, list | tuple):
                shapes[id(argument)] = (cells, shape)
            if shape == "scalar":
                continue
            if orientation != "scalar" and len(cells) != n:
                raise InputShapeError(f"各区域行数不一致: {n} 与 {len(cells)}")
            if orientation == "scalar":
                n, orientation = len(cells), shape
        return cls(n, orientation, shapes)

    def column(self, argument: object) -> pd.Series:
        """The argument as an object column of this layout's length (scalars broadcast)."""
        cells, shape = self._shape(argument)
        if shape == "scalar":
            cells = cells * self.n
        return pd.Series(cells, dtype=object)

    def is_range(self, argument: object) -> bool:
        """True when the argument has one value per row (not a broadcast scalar)."""
        return self._shape(argument)[1] != "scalar"

    def to_excel(
        self, values: Sequence[object] | np.ndarray, problems: Sequence[object] | np.ndarray
    ) -> Any:
        """Results and per-row problems → one cell value or a 2-D list that spills.

        A row with a problem gets ``#SR! reason``; a blank result gets ``""`` (what xlwings
        writes for ``None`` anyway, said explicitly).
        """
        if len(values) != len(problems):
            raise ValueError("values and problems differ in length")
        cells = np.array(values, dtype=object)
        cells[pd.isna(cells)] = ""
        reasons = np.array(problems, dtype=object)
        bad = pd.notna(reasons)
        if bad.any():
            cells[bad] = [error_text(str(p)) for p in reasons[bad]]
        if self.orientation == "scalar":
            return cells[0] if len(cells) else ""
        if self.orientation == "row":
            return [cells.tolist()]
        return cells.reshape(-1, 1).tolist()  # nested lists built at C speed


@dataclass(frozen=True)
class Parsed:
    """One parsed input column: normalised values, blanks, and a reason (or ``None``) per row."""

    values: pd.Series
    blank: np.ndarray
    problems: np.ndarray


def _shown(value: object) -> str:
    text = str(value).strip()
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


_NUMBERS: Final = frozenset({"floating", "integer", "mixed-integer-float"})
_DATES: Final = frozenset({"datetime", "datetime64", "date"})


def _kind(values: pd.Series) -> str:
    """pandas' C-speed guess of what a column holds (``floating``, ``datetime``, ``mixed``…)."""
    return str(pd.api.types.infer_dtype(values, skipna=True))


def _error_cells(values: pd.Series) -> np.ndarray:
    """True where a cell holds an Excel error value or a ``#SR!`` result of another function."""
    if not len(values) or _kind(values) in _NUMBERS | _DATES | {"empty", "boolean"}:
        return np.zeros(len(values), dtype=bool)
    texts = values.map(lambda v: v.strip() if isinstance(v, str) else None)
    upper = texts.str.upper()
    errors: np.ndarray = (
        (upper.isin(EXCEL_ERRORS) | texts.str.startswith(ERROR_PREFIX))
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    return errors


def _error_problems(values: pd.Series, label: str) -> tuple[np.ndarray, np.ndarray]:
    errors = _error_cells(values)
    problems = np.full(len(values), None, dtype=object)
    for i in np.flatnonzero(errors):
        text = str(values.iat[i]).strip()
        problems[i] = (
            text[len(ERROR_PREFIX) :].strip()
            if text.startswith(ERROR_PREFIX)
            else f"{label}是错误值: {text}"
        )
    return errors, problems


def times(values: pd.Series, label: str, *, epoch1904: bool = False) -> Parsed:
    """Excel datetimes, serial numbers (1900 or 1904 system) and date text → ``datetime64``.

    >>> import datetime as dt
    >>> parsed = times(pd.Series([dt.datetime(2024, 3, 1, 9), 45352.5, "2024/3/1 10:00",
    ...                           None, "2024-13-01"], dtype=object), "付款时间")
    >>> [str(t) for t in parsed.values]
    ['2024-03-01 09:00:00', '2024-03-01 12:00:00', '2024-03-01 10:00:00', 'NaT', 'NaT']
    >>> parsed.problems[-1]
    '付款时间无法识别: 2024-13-01'
    >>> str(times(pd.Series([43891.5]), "付款时间", epoch1904=True).values[0])
    '2024-03-02 12:00:00'
    """
    kind = _kind(values)
    if kind in _DATES | _NUMBERS | {"empty"}:  # fast paths: Excel date cells, serials, blanks
        missing = values.isna().to_numpy(dtype=bool)
        if kind in _NUMBERS:
            out = serials_to_times(values.astype("float64").to_numpy(), epoch1904=epoch1904)
        else:
            out = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")
        problems = np.full(len(values), None, dtype=object)
        for i in np.flatnonzero(np.isnat(out) & ~missing):
            problems[i] = f"{label}无法识别: {_shown(values.iat[i])}"
        return Parsed(pd.Series(out), missing, problems)
    errors, problems = _error_problems(values, label)
    clean = values.where(~errors, None)
    parsed = parse_times(clean, epoch1904=epoch1904)
    bad = parsed.bad.to_numpy(dtype=bool)
    for i in np.flatnonzero(bad):
        problems[i] = f"{label}无法识别: {_shown(values.iat[i])}"
    blank = is_blank(clean).to_numpy(dtype=bool) & ~errors
    return Parsed(parsed.values, blank, problems)


def money(values: pd.Series, label: str) -> Parsed:
    """Amounts in yuan (numbers, or text with ¥, 元, thousands commas) → integer fen (``Int64``).

    >>> parsed = money(pd.Series([1.15, "¥1,234.50", None, "abc"], dtype=object), "实付金额")
    >>> parsed.values.tolist(), parsed.problems.tolist()
    ([115, 123450, <NA>, <NA>], [None, None, None, '实付金额无法识别: abc'])
    """
    kind = _kind(values)
    if kind in _NUMBERS | {"empty"}:  # fast path: numbers as Excel delivers them (floats)
        missing = values.isna().to_numpy(dtype=bool)
        floats = values.astype("float64").to_numpy()
        fen = pd.array(floats_to_fen(np.where(missing, 0.0, floats)), dtype="Int64")
        fen[missing] = pd.NA
        return Parsed(pd.Series(fen), missing, np.full(len(values), None, dtype=object))
    errors, problems = _error_problems(values, label)
    clean = values.where(~errors, None)
    parsed = parse_yuan(clean)
    for i in np.flatnonzero(parsed.bad.to_numpy(dtype=bool)):
        problems[i] = f"{label}无法识别: {_shown(values.iat[i])}"
    blank = is_blank(clean).to_numpy(dtype=bool) & ~errors
    return Parsed(parsed.fen, blank, problems)


def _by_unique(
    values: pd.Series, label: str, normalise: Any, hint: str, *, blank_value: object = None
) -> Parsed:
    """Normalise text codes: each distinct text once, the answers spread back over the column."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # a handful of distinct texts
    distinct = pd.Series(list(uniques), dtype=object)
    unique_errors, unique_problems = _error_problems(distinct, label)
    unique_blank = is_blank(distinct).to_numpy(dtype=bool) & ~unique_errors
    answers = np.array(
        [
            None if (b or e) else normalise(u)
            for u, b, e in zip(uniques, unique_blank, unique_errors, strict=True)
        ]
        + [None],
        dtype=object,
    )
    errors = np.append(unique_errors, False)[codes]
    blank = np.append(unique_blank, True)[codes]
    problems = np.append(unique_problems, np.array([None], dtype=object))[codes]
    out = answers[codes]  # code -1 (missing) picks the trailing None
    unknown = (out == None) & ~blank & ~errors  # noqa: E711 (element-wise)
    for i in np.flatnonzero(unknown):
        problems[i] = f"{label}无法识别: {_shown(values.iat[i])}{hint}"
    if blank_value is not None:
        out[blank] = blank_value
    return Parsed(pd.Series(out, dtype=object), blank, problems)


_HOURS_TEXT: Final = re.compile(
    r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*(?:h|小时|个小时)?\s*$", re.IGNORECASE
)
_HOURS_HINT: Final = "（填小时数，如 48 或 72）"


def _hours_of(value: object) -> float | None:
    """One distinct non-blank cell as hours (``None``: not a number of hours)."""
    if isinstance(value, int | float):
        return float(value)
    found = _HOURS_TEXT.match(unicodedata.normalize("NFKC", str(value)))  # ７２ → 72
    return None if found is None else float(found.group(1))


def hours(values: pd.Series, label: str) -> Parsed:
    """A number of hours (numbers, or text such as ``72``, ``72h``, ``72小时``) → ``float64``;
    blank → NaN.

    >>> parsed = hours(pd.Series([48.0, "72小时", None, "三天", "#N/A"], dtype=object), "承诺发货时长")
    >>> parsed.values.tolist()[:3], parsed.blank.tolist()
    ([48.0, 72.0, nan], [False, False, True, False, False])
    >>> parsed.problems.tolist()[3:]
    ['承诺发货时长无法识别: 三天（填小时数，如 48 或 72）', '承诺发货时长是错误值: #N/A']
    """
    if _kind(values) in _NUMBERS | {"empty"}:  # fast path: numbers as Excel delivers them
        missing = values.isna().to_numpy(dtype=bool)
        out = _no_float_noise(values.astype("float64").to_numpy())
        return Parsed(pd.Series(out), missing, np.full(len(values), None, dtype=object))
    # TRUE/FALSE cells are not hours (and would hash equal to 1.0/0.0 below)
    flags = values.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(values.where(~flags, None), use_na_sentinel=True)
    distinct = pd.Series(list(uniques), dtype=object)
    unique_errors, unique_problems = _error_problems(distinct, label)
    unique_blank = is_blank(distinct).to_numpy(dtype=bool) & ~unique_errors
    unique_hours = np.full(len(uniques) + 1, np.nan)  # the last one: missing cells (code -1)
    unique_unknown = np.zeros(len(uniques) + 1, dtype=bool)
    for k in np.flatnonzero(~unique_blank & ~unique_errors):
        found = _hours_of(uniques[k])
        unique_unknown[k] = found is None
        unique_hours[k] = np.nan if found is None else found
    out, unknown = unique_hours[codes], unique_unknown[codes]
    blank = np.append(unique_blank, True)[codes] & ~flags
    problems = np.append(unique_problems, np.array([None], dtype=object))[codes]
    for i in np.flatnonzero(unknown | flags):
        problems[i] = f"{label}无法识别: {_shown(values.iat[i])}{_HOURS_HINT}"
    return Parsed(pd.Series(_no_float_noise(out)), blank, problems)


def _no_float_noise(hours: np.ndarray) -> np.ndarray:
    """Hours to the millisecond: ``(承诺发货时间-付款时间)*24`` on Excel serials can carry float
    noise (48.000000000001), which must not move a row past a tier's 48 h boundary.

    >>> _no_float_noise(np.array([48.000000000001, 47.99999999999, np.nan])).tolist()
    [48.0, 48.0, nan]
    """
    rounded: np.ndarray = np.round(hours * 3_600_000) / 3_600_000
    return rounded


def platforms(values: pd.Series) -> Parsed:
    """Platform names in Chinese or English → codes (``淘宝`` → ``taobao``)."""
    return _by_unique(values, "平台", normalize_platform, _PLATFORM_HINT)


def goods_types(values: pd.Series) -> Parsed:
    """普通/直供/直邮/预售/定制 (or the English codes) → codes; blank → ``normal``.

    >>> goods_types(pd.Series(["直邮", None, "奇怪"], dtype=object)).values.tolist()
    ['direct_mail', 'normal', None]
    """
    return _by_unique(
        values,
        "商品类型",
        lambda v: normalize_goods_type(v) if str(v).strip() else "normal",
        _GOODS_HINT,
        blank_value="normal",
    )


def violations(values: pd.Series, book: Rulebook, *, default: str | None = None) -> Parsed:
    """Violation codes or Chinese names → codes (``延迟发货`` → ``late_shipment``); a graded
    name (``虚假交易-严重``) is kept for the points rules; blank cells take ``default`` when one
    is given."""
    hint = "（可用代码如 late_shipment，或中文名如 延迟发货、虚假交易-严重）"

    def normalise(text: object) -> str | None:
        code, grade = book.violation_and_grade(text)
        return code if grade is None or code is None else str(text).strip()

    parsed = _by_unique(values, "违规类型", normalise, hint, blank_value=default)
    if default is not None:
        return Parsed(parsed.values, np.zeros(len(values), dtype=bool), parsed.problems)
    return parsed


def booleans(values: pd.Series, label: str, *, default: bool) -> Parsed:
    """Yes/no cells (:mod:`shoprules.workbook.cells.booleans`: TRUE/FALSE, 1/0, 是/否, 成立/不成立…)
    → ``boolean``; blank → ``default``.

    >>> booleans(pd.Series([True, "否", None, 1.0, "已赔付"], dtype=object), "包邮", default=False).values.tolist()
    [True, False, False, True, True]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # a handful of distinct cells
    distinct = pd.Series(list(uniques), dtype=object)
    unique_errors, unique_problems = _error_problems(distinct, label)
    parsed = parse_booleans(distinct.where(~unique_errors, None))
    unique_blank = parsed.blank & ~unique_errors
    flags = np.append(parsed.values.to_numpy(dtype=object, na_value=None), [None])[codes]
    blank = np.append(unique_blank, True)[codes]
    problems = np.append(unique_problems, np.array([None], dtype=object))[codes]
    for i in np.flatnonzero(np.append(parsed.bad, False)[codes]):
        problems[i] = f"{label}无法识别: {_shown(values.iat[i])}（可用 TRUE/FALSE、是/否）"
    flags[blank] = default
    return Parsed(pd.Series(pd.array(flags, dtype="boolean")), blank, problems)


def texts(values: pd.Series, label: str) -> Parsed:
    """Free text (a refund reason, a rule name, a parameter): stripped; blanks are ``None``."""
    errors, problems = _error_problems(values, label)
    blank = is_blank(values.where(~errors, None)).to_numpy(dtype=bool) & ~errors
    out = values.map(lambda v: str(v).strip() if isinstance(v, str) else v)
    out = out.where(~blank & ~errors, None).astype(object)
    return Parsed(out, blank, problems)


def merge_problems(n: int, *columns: object) -> np.ndarray:
    """The first reason per row across several problem columns (``None`` where there is none).

    >>> merge_problems(2, np.array([None, "a"], dtype=object), [None, "b"], ["c", None]).tolist()
    ['c', 'a']
    """
    out = np.full(n, None, dtype=object)
    for column in columns:
        array = np.asarray(column, dtype=object)
        if array.shape == ():  # a scalar problem for every row
            array = np.full(n, array.item(), dtype=object)
        present = pd.notna(array) & (out == None)  # noqa: E711 (element-wise)
        out[present] = array[present]
    return out


def excel_block(columns: Sequence[Sequence[object]], n: int) -> list[list[object]]:
    """Result columns → one rectangular block (rows × columns) for a single bulk write.

    >>> excel_block([[1, 2], ["a", None]], 2)
    [[1, 'a'], [2, None]]
    """
    if any(len(column) != n for column in columns):
        raise ValueError(f"结果列长度与数据行数 {n} 不一致")
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(n)]
