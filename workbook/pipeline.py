"""The one pipeline: read → ``规则`` overrides → ``违规记录`` → compute → result columns.

``recompute`` (:func:`run_book`, then a writer), the audit (:func:`read_order_sheets`,
:func:`read_side_sheets`, :func:`compute_orders`) and the Excel ribbon (rows already in memory:
:func:`compute_output_columns`) all go through it, so they read the same sheets, apply the same
overrides, skip the same bad log rows and report the same errors: a bad ``规则`` row is bad
input (:class:`~shoprules.workbook.readers.UnusableInput`, exit code 2) naming the file, sheet,
row and key.

>>> import pandas as pd
>>> from shoprules.workbook.readers import read_rows
>>> rows = [["订单编号", "平台", "实付金额", "付款时间", "发货时间", "揽收时间"],
...         ["1", "淘宝", "100", "2024-03-01 10:00", "2024-03-04 09:00", "2024-03-04 10:00"],
...         ["2", "淘宝", "abc", "2024-03-01 10:00", "", ""]]
>>> outcome = compute_output_columns(read_rows(rows), overrides={}, violation_log=None,
...                                  as_of=pd.Timestamp("2024-03-05 12:00"))
>>> [c.header for c in outcome.columns][:4]
['发货截止', '发货状态', '延迟小时', '违约金']
>>> outcome.column("发货状态").values, outcome.column("违约金").values
(['延迟发货', None], [5.0, None])
>>> outcome.column("发货截止").values[0]
datetime.datetime(2024, 3, 3, 10, 0)
>>> outcome.column("数据问题").values
[None, '实付金额无法识别: abc；缺少实付金额，无法计算违约金']
>>> outcome.summary.late, outcome.summary.damages_fen, outcome.summary.problem_rows
(1, 500, 1)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from shoprules.formulas.calculators.lifecycle import is_problem
from shoprules.formulas.engine import LATE, OVERDUE, EngineResult, compute
from shoprules.formulas.rulebook import OverrideError, Rulebook, RuleFileError, load_rulebook

from .cells.excel import fen_to_excel, numbers_to_excel, times_to_excel
from .columns import RESULT_COLUMNS
from .errors import ShoprulesError
from .readers import (
    ReadResult,
    UnusableInput,
    read_orders,
    read_overrides,
    read_rows,
    read_violation_log,
)
from .to_ship import count_orders
from .xlsx import OutputColumn

__all__ = [
    "WORKBOOK_FORMATS",
    "OrderSheets",
    "RecomputeOutcome",
    "RecomputeSummary",
    "SideSheets",
    "apply_overrides",
    "compute_orders",
    "compute_output_columns",
    "output_columns",
    "read_order_sheets",
    "read_side_sheets",
    "run_book",
    "sheet_names",
    "summarize",
]

#: Formats that have sheets (so a ``规则`` and a ``违规记录`` sheet can exist).
WORKBOOK_FORMATS: Final = ("xlsx", "xlsm", "xls")
OVERRIDES_SHEET: Final = "规则"
LOG_SHEET: Final = "违规记录"

Stage = Callable[[str], None]


@dataclass(frozen=True)
class RecomputeSummary:
    """Totals for the end-of-run table (money in fen)."""

    orders: int
    late: int
    damages_fen: int
    platform_fee_fen: int
    points: int
    problem_rows: int


@dataclass
class RecomputeOutcome:
    """The engine result, the columns to write, and what happened (for the CLI and the audit)."""

    engine: EngineResult
    columns: list[OutputColumn]
    summary: RecomputeSummary
    read: ReadResult | None = None
    row_numbers: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    output: Path | None = None
    in_place: bool = False
    report: Any = None

    def column(self, header: str) -> OutputColumn:
        """The output column with this Chinese header."""
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)

    def problem_list(self) -> list[tuple[int, str]]:
        """``(sheet row number, 数据问题 text)`` for every row with a problem."""
        problems = self.engine.results["problems"].fillna("").astype(str).to_numpy(dtype=object)
        rows = np.flatnonzero([is_problem(text) for text in problems])
        numbers = self.row_numbers or list(range(1, len(problems) + 1))
        return [(int(numbers[i]), str(problems[i])) for i in rows]


@dataclass(frozen=True)
class SideSheets:
    """A book's ``规则`` overrides (key → value, key → note) and ``违规记录`` (the reader's frame,
    bad rows still in it), and the file they came from (for error locations)."""

    values: Mapping[str, object] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    violation_log: pd.DataFrame | None = None
    file: Path | None = None

    @classmethod
    def of(
        cls,
        overrides: Mapping[str, object] | tuple[Mapping[str, object], Mapping[str, str]] | None,
        violation_log: pd.DataFrame | None = None,
        file: Path | None = None,
    ) -> SideSheets:
        """From :func:`~shoprules.workbook.readers.read_overrides`' ``(values, notes)`` or just a
        mapping of values, and the violation log."""
        values: Mapping[str, object] | None
        notes: Mapping[str, str] | None
        if isinstance(overrides, tuple):
            values, notes = overrides
        else:
            values, notes = overrides, None
        return cls(values or {}, notes or {}, violation_log, file)


# ---------------------------------------------------------------------------------------------
# Column conversion (vectorised; one conversion per column, never per row)


def _texts(values: pd.Series) -> list[object]:
    out = values.astype(object).to_numpy(dtype=object, copy=True)
    blank = pd.isna(out) | (out == "")
    out[blank] = None
    return list(out.tolist())


_CONVERT: Final[dict[str, Callable[[pd.Series], list[object]]]] = {
    "datetime": times_to_excel,
    "money": fen_to_excel,
    "hours": numbers_to_excel,
    "integer": partial(numbers_to_excel, integer=True),
    "text": _texts,
}


def output_columns(results: pd.DataFrame) -> list[OutputColumn]:
    """Engine results → :class:`OutputColumn` list in SPEC §4 order, with the exact headers."""
    return [
        OutputColumn(c.header, _CONVERT[c.kind](results[c.field]), c.kind) for c in RESULT_COLUMNS
    ]


def summarize(results: pd.DataFrame, orders: pd.DataFrame | None = None) -> RecomputeSummary:
    """Orders and late orders (distinct order ids when ``orders`` is given, else rows), damages
    and platform deductions (fen), points, problem rows (notes 提示：… are not problems)."""
    status = results["ship_status"].astype(object)
    late = status.isin([LATE, OVERDUE]).to_numpy()
    return RecomputeSummary(
        orders=len(results) if orders is None else count_orders(orders),
        late=int(late.sum()) if orders is None else count_orders(orders, late),
        damages_fen=int(pd.array(results["damages"], dtype="Int64").sum(skipna=True)),
        platform_fee_fen=int(pd.array(results["platform_fee"], dtype="Int64").sum(skipna=True)),
        points=int(pd.array(results["points"], dtype="Int64").sum(skipna=True)),
        problem_rows=int(results["problems"].map(is_problem).sum()),
    )


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class OrderSheets:
    """Every order sheet of a file read and stacked: orders, their problems, and per row the
    sheet and row it came from plus the columns the readers did not use (``extra``)."""

    source_format: str
    sheets: list[str | None]
    reads: list[ReadResult]
    orders: pd.DataFrame
    problems: pd.Series
    extra: pd.DataFrame


def read_order_sheets(
    path: Path, *, sheet: str | None = None, platform: str | None = None
) -> OrderSheets:
    """Read ``sheet``, or every sheet that looks like orders (the audit reads them all)."""
    from .readers.formats import HEADER_SCAN_LIMIT, ORDER_SHEET_SKIP, load_raw
    from .readers.headers import header_score

    fmt, raw_sheets = load_raw(path)
    if sheet is not None:
        chosen = [s for s in raw_sheets if s.name == sheet]
        if not chosen:
            names = "、".join(str(s.name) for s in raw_sheets)
            raise UnusableInput(f"找不到工作表「{sheet}」（有: {names}）")
    else:
        chosen = [
            s
            for s in raw_sheets
            if s.name not in ORDER_SHEET_SKIP
            and max((header_score(r) for r in s.rows[:HEADER_SCAN_LIMIT]), default=0) > 1
        ]
        if not chosen:
            raise UnusableInput("没有找到订单工作表（前 20 行内需有 订单编号、付款时间 等表头）")
    reads, extras = [], []
    for raw in chosen:
        result = read_rows(raw.rows, platform=platform, epoch1904=raw.epoch1904, sheet=raw.name)
        result.source_format = fmt
        reads.append(result)
        extra = (
            result.extra.reset_index(drop=True)
            if result.extra is not None
            else pd.DataFrame(index=range(len(result.orders)))
        )
        extra.insert(0, "原始行号", result.row_numbers)
        extra.insert(0, "工作表", raw.name or path.name)
        extras.append(extra)
    return OrderSheets(
        source_format=fmt,
        sheets=[raw.name for raw in chosen],
        reads=reads,
        orders=pd.concat([r.orders for r in reads], ignore_index=True),
        problems=pd.concat([r.problems.reset_index(drop=True) for r in reads], ignore_index=True),
        extra=pd.concat(extras, ignore_index=True),
    )


def sheet_names(path: Path, source_format: str) -> list[str]:
    """Sheet names without loading any sheet (none for CSV and HTML)."""
    if source_format not in WORKBOOK_FORMATS:
        return []
    from .readers.formats import open_workbook_sheets

    names, _ = open_workbook_sheets(path, source_format)
    return [str(name) for name in names]


def read_side_sheets(path: Path, names: Sequence[str]) -> SideSheets:
    """The ``规则`` and ``违规记录`` sheets of a workbook whose sheets are ``names`` (their
    readers load every sheet, so they are only called when those sheets exist)."""
    overrides = read_overrides(path) if OVERRIDES_SHEET in names else ({}, {})
    log = read_violation_log(path) if LOG_SHEET in names else None
    return SideSheets.of(overrides, log, path)


# ---------------------------------------------------------------------------------------------
# Overrides, log, compute


def _override_row(file: Path | None, key: str) -> int | None:
    """The ``规则`` sheet row holding ``key`` — the last one, whose value is the one applied
    (read again only to report an error)."""
    if file is None:
        return None
    from .readers.formats import load_raw

    try:
        _, sheets = load_raw(file)
    except (UnusableInput, OSError):
        return None
    sheet = next((s for s in sheets if s.name == OVERRIDES_SHEET), None)
    found = None
    for number, row in enumerate(sheet.rows if sheet is not None else [], start=1):
        if row and row[0] is not None and str(row[0]).strip() == key:
            found = number
    return found


def apply_overrides(book: Rulebook, side: SideSheets) -> tuple[Rulebook, list[str]]:
    """The rulebook with the ``规则`` sheet's overrides, and the message saying so.

    A parameter that cannot be applied is bad input: :class:`UnusableInput` with the rulebook's
    Chinese message, the sheet, and the row and key of the first bad parameter."""
    if not side.values:
        return book, []
    try:
        changed = book.with_overrides(side.values, side.notes)
    except OverrideError as error:
        bad = next(
            (str(k).strip() for k in side.values if _override_fails(book, k, side.values[k])),
            None,
        )
        raise UnusableInput(
            f"「{OVERRIDES_SHEET}」表有无法应用的参数: {error}",
            file=side.file,
            sheet=OVERRIDES_SHEET,
            row=None if bad is None else _override_row(side.file, bad),
            key=bad,
        ) from error
    applied = changed.overrides[-len(side.values) :]
    message = "已应用「规则」表覆盖: " + "；".join(f"{o.key} = {o.value}" for o in applied)
    return changed, [message]


def _override_fails(book: Rulebook, key: str, value: object) -> bool:
    try:
        book.with_overrides({key: value})
    except OverrideError:
        return True
    return False


def usable_log(side: SideSheets) -> tuple[pd.DataFrame | None, list[str]]:
    """The ``违规记录`` rows the engine can use, and a message about the skipped ones."""
    log = side.violation_log
    if log is None or not len(log):
        return None, []
    messages: list[str] = []
    if "problem" in log:
        bad = log["problem"].notna().to_numpy()
        if bad.any():
            messages.append(
                f"违规记录有 {int(bad.sum())} 行无法使用（已跳过）: "
                + "；".join(sorted({str(p) for p in log.loc[bad, "problem"]}))
            )
        log = log.loc[~bad].drop(columns=["problem"])
    return (log.reset_index(drop=True) if len(log) else None), messages


def _rulebook(rulebook: Rulebook | None) -> Rulebook:
    if rulebook is not None:
        return rulebook
    try:
        return load_rulebook()
    except RuleFileError as error:
        raise ShoprulesError(
            f"规则文件有误: {error}", hint="规则文件随程序安装；请重新安装 shoprules 或反馈此问题"
        ) from error


def compute_orders(
    orders: pd.DataFrame,
    input_problems: pd.Series,
    side: SideSheets,
    *,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    rulebook: Rulebook | None = None,
) -> tuple[EngineResult, list[str]]:
    """Apply the overrides and the usable log rows, compute; the engine result and messages."""
    book, messages = apply_overrides(_rulebook(rulebook), side)
    log, log_messages = usable_log(side)
    engine = compute(
        orders,
        as_of=pd.Timestamp(as_of),
        rulebook=book,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        violation_log=log,
        input_problems=input_problems,
    )
    return engine, [*messages, *log_messages, *engine.messages]


def compute_output_columns(
    read_result: ReadResult,
    *,
    overrides: Mapping[str, object]
    | tuple[Mapping[str, object], Mapping[str, str]]
    | SideSheets
    | None,
    violation_log: pd.DataFrame | None = None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    rulebook: Rulebook | None = None,
) -> RecomputeOutcome:
    """Compute the result columns for rows already read (no file I/O: the ribbon's entry).

    ``overrides`` is a :class:`SideSheets`, or the ``规则`` sheet as returned by
    :func:`~shoprules.workbook.readers.read_overrides` (``(values, notes)``) or just a mapping of
    values (then ``violation_log`` is the ``违规记录`` frame). ``数据问题`` holds the reader's
    problems followed by the engine's.
    """
    side = (
        overrides if isinstance(overrides, SideSheets) else SideSheets.of(overrides, violation_log)
    )
    engine, messages = compute_orders(
        read_result.orders,
        read_result.problems.reset_index(drop=True),
        side,
        as_of=as_of,
        rules_as_of=rules_as_of,
        rulebook=rulebook,
    )
    return RecomputeOutcome(
        engine=engine,
        columns=output_columns(engine.results),
        summary=summarize(engine.results, read_result.orders),
        read=read_result,
        row_numbers=list(read_result.row_numbers),
        messages=[*read_result.messages, *messages],
    )


def no_stage(_name: str) -> None:
    """A progress callback that shows nothing."""


def run_book(
    path: Path,
    *,
    sheet: str | None = None,
    platform: str | None = None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    rulebook: Rulebook | None = None,
    stage: Stage | None = None,
) -> RecomputeOutcome:
    """Read one order sheet of ``path`` and its side sheets, compute the result columns (the
    file entry; nothing is written)."""
    report = stage or no_stage
    report("read")
    read = read_orders(path, platform=platform, sheet=sheet)
    side = read_side_sheets(path, sheet_names(path, read.source_format))
    report("compute")
    return compute_output_columns(
        read, overrides=side, as_of=as_of, rules_as_of=rules_as_of, rulebook=rulebook
    )
