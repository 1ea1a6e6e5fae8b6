"""Batch recompute: canonical orders → the result columns of SPEC §4, ready to write.

:func:`compute_output_columns` is pure (no file I/O): the Excel ribbon handler calls it on a
:func:`~shoprules.workbook.readers.read_rows` result. :func:`recompute_book` reads a file,
applies its ``规则`` overrides and ``违规记录`` violations, computes, and writes the columns back
(in place for ``.xlsx``/``.xlsm``, a new ``BOOK.shoprules.xlsx`` for CSV, ``.xls`` and HTML).

>>> import pandas as pd
>>> from shoprules.workbook.readers import read_rows
>>> rows = [["订单编号", "平台", "实付金额", "付款时间", "发货时间"],
...         ["1", "淘宝", "100", "2024-03-01 10:00", "2024-03-04 10:00"],
...         ["2", "淘宝", "abc", "2024-03-01 10:00", ""]]
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from shoprules.formulas.calculators.lifecycle import is_problem
from shoprules.formulas.engine import LATE, OVERDUE, RESULT_HEADERS, EngineResult, compute
from shoprules.formulas.rulebook import OverrideError, Rulebook, load_rulebook

from .cells.excel import fen_to_excel, times_to_excel
from .readers import ReadResult, UnusableInput, read_orders, read_overrides, read_violation_log
from .to_ship import count_orders
from .xlsx import ColumnKind, OutputColumn, fingerprint, locks_workbook

__all__ = [
    "COLUMN_KINDS",
    "OutputColumn",
    "RecomputeOutcome",
    "RecomputeSummary",
    "compute_output_columns",
    "new_workbook_path",
    "recompute_book",
]

#: How each result column is written: Excel datetime, yuan with 2 decimals, hours, integer, text.
COLUMN_KINDS: Final[dict[str, ColumnKind]] = {
    "ship_by": "datetime",
    "ship_status": "text",
    "hours_late": "hours",
    "damages": "money",
    "damages_rule": "text",
    "platform_fee": "money",
    "points": "integer",
    "return_by": "datetime",
    "return_status": "text",
    "freight": "text",
    "aftersale_by": "datetime",
    "aftersale_status": "text",
    "problems": "text",
}

#: Formats written back in place; everything else gets a new ``.shoprules.xlsx``.
IN_PLACE_FORMATS: Final = ("xlsx", "xlsm")

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


# ---------------------------------------------------------------------------------------------
# Column conversion (vectorised; one conversion per column, never per row)


def _floats(values: pd.Series) -> list[object]:
    array = pd.array(values, dtype="Float64")
    missing = np.asarray(array.isna())
    out = array.to_numpy(dtype="float64", na_value=0.0).astype(object)
    out[missing] = None
    return list(out.tolist())


def _integers(values: pd.Series) -> list[object]:
    array = pd.array(values, dtype="Int64")
    missing = np.asarray(array.isna())
    out = array.to_numpy(dtype="int64", na_value=0).astype(object)
    out[missing] = None
    return list(out.tolist())


def _texts(values: pd.Series) -> list[object]:
    out = values.astype(object).to_numpy(dtype=object, copy=True)
    blank = pd.isna(out) | (out == "")
    out[blank] = None
    return list(out.tolist())


_CONVERT: Final[dict[str, Callable[[pd.Series], list[object]]]] = {
    "datetime": times_to_excel,
    "money": fen_to_excel,
    "hours": _floats,
    "integer": _integers,
    "text": _texts,
}


def output_columns(results: pd.DataFrame) -> list[OutputColumn]:
    """Engine results → :class:`OutputColumn` list in SPEC §4 order, with the exact headers."""
    return [
        OutputColumn(header, _CONVERT[COLUMN_KINDS[name]](results[name]), COLUMN_KINDS[name])
        for name, header in RESULT_HEADERS.items()
    ]


def summarize(results: pd.DataFrame, orders: pd.DataFrame | None = None) -> RecomputeSummary:
    """Orders and late orders (distinct order ids when ``orders`` is given, else rows), damages
    and platform deductions (fen), points, problem rows."""
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
# The pipeline


def _usable_log(violation_log: pd.DataFrame | None, messages: list[str]) -> pd.DataFrame | None:
    if violation_log is None or not len(violation_log):
        return None
    log = violation_log
    if "problem" in log:
        bad = log["problem"].notna().to_numpy()
        if bad.any():
            messages.append(
                f"违规记录有 {int(bad.sum())} 行无法使用（已跳过）: "
                + "；".join(sorted({str(p) for p in log.loc[bad, "problem"]}))
            )
        log = log.loc[~bad].drop(columns=["problem"])
    return log.reset_index(drop=True) if len(log) else None


def compute_output_columns(
    read_result: ReadResult,
    *,
    overrides: Mapping[str, object] | tuple[Mapping[str, object], Mapping[str, str]] | None,
    violation_log: pd.DataFrame | None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    rulebook: Rulebook | None = None,
) -> RecomputeOutcome:
    """Compute the result columns for a reader result (no file I/O).

    ``overrides`` is the ``规则`` sheet as returned by
    :func:`~shoprules.workbook.readers.read_overrides` (``(values, notes)``) or just a mapping of
    values; a bad override raises :class:`~shoprules.workbook.readers.UnusableInput` with the
    rulebook's Chinese message. ``数据问题`` holds the reader's problems followed by the engine's.
    """
    messages: list[str] = []
    book = rulebook or load_rulebook()
    values: Mapping[str, object]
    notes: Mapping[str, str]
    if isinstance(overrides, tuple):
        values, notes = overrides
    else:
        values, notes = overrides or {}, {}
    if values:
        try:
            book = book.with_overrides(values, notes)
        except OverrideError as error:
            raise UnusableInput(f"「规则」表有无法应用的参数: {error}") from error
        messages.append(
            "已应用「规则」表覆盖: "
            + "；".join(f"{o.key} = {o.value}" for o in book.overrides[-len(values) :])
        )
    log = _usable_log(violation_log, messages)
    engine = compute(
        read_result.orders,
        as_of=pd.Timestamp(as_of),
        rulebook=book,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        violation_log=log,
        input_problems=read_result.problems.reset_index(drop=True),
    )
    return RecomputeOutcome(
        engine=engine,
        columns=output_columns(engine.results),
        summary=summarize(engine.results, read_result.orders),
        read=read_result,
        row_numbers=list(read_result.row_numbers),
        messages=[*read_result.messages, *messages],
    )


def new_workbook_path(path: Path) -> Path:
    """Where a CSV / ``.xls`` / HTML input's results go: ``orders.csv`` → ``orders.shoprules.xlsx``.

    >>> new_workbook_path(Path("exports/订单.csv")).as_posix()
    'exports/订单.shoprules.xlsx'
    """
    return path.with_name(path.stem + ".shoprules.xlsx")


def _sheet_names(path: Path, fmt: str) -> list[str]:
    """Sheet names without loading any sheet (the 规则 / 违规记录 readers load every sheet, so
    they are only called when those sheets exist)."""
    if fmt not in (*IN_PLACE_FORMATS, "xls"):
        return []
    from .readers.formats import open_workbook_sheets

    names, _ = open_workbook_sheets(path, fmt)
    return [str(name) for name in names]


def _noop(stage: str) -> None:
    return None


@locks_workbook  # a second recompute of the same book waits for this one
def recompute_book(
    path: str | Path,
    *,
    sheet: str | None = None,
    platform: str | None = None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    out: str | Path | None = None,
    rulebook: Rulebook | None = None,
    stage: Stage | None = None,
    keep_backup: bool = True,
) -> RecomputeOutcome:
    """Read ``path``, compute, and write the result columns; returns what was done.

    ``.xlsx``/``.xlsm`` are patched in place (or into ``out``) with nothing else changed and a
    ``.bak`` kept; other inputs are written to ``out`` or :func:`new_workbook_path`. Raises
    :class:`~shoprules.workbook.readers.UnusableInput` (nothing written) when the file, its order
    sheet or its ``规则`` sheet cannot be used.
    """
    report = stage or _noop
    path = Path(path)
    if not path.exists():
        raise UnusableInput(f"文件不存在: {path}（请检查路径和文件名）")
    lock = path.with_name("~$" + path.name)
    if lock.exists() and (out is None or Path(out).resolve() == path.resolve()):
        raise UnusableInput(
            f"工作簿正在 Excel/WPS 中打开（发现锁文件 {lock.name}）。请先保存并关闭它再重算，"
            "或用 -o 写到另一个文件"
        )
    report("read")
    read_as = fingerprint(path)  # the book must still be this file when it is replaced
    read = read_orders(path, platform=platform, sheet=sheet)
    names = _sheet_names(path, read.source_format)
    overrides = read_overrides(path) if "规则" in names else ({}, {})
    log = read_violation_log(path) if "违规记录" in names else None
    report("compute")
    outcome = compute_output_columns(
        read,
        overrides=overrides,
        violation_log=log,
        as_of=as_of,
        rules_as_of=rules_as_of,
        rulebook=rulebook,
    )
    report("write")
    if read.source_format in IN_PLACE_FORMATS:
        from .order_rows import rows_not_orders
        from .xlsx import patch_sheet_columns

        if read.sheet is None:
            raise UnusableInput(f"没有找到订单工作表: {path}")
        target = Path(out) if out is not None else path
        outcome.report = patch_sheet_columns(
            path,
            read.sheet,
            read.header_row,
            read.row_numbers,
            outcome.columns,
            out=None if out is None else target,
            keep_backup=keep_backup,
            keep_rows=rows_not_orders(read),
            read_as=read_as,
        )
        outcome.output, outcome.in_place = target, out is None
    else:
        from .readers.formats import load_raw
        from .xlsx import write_new_workbook

        target = Path(out) if out is not None else new_workbook_path(path)
        _, sheets = load_raw(path)
        raw = next((s for s in sheets if s.name == read.sheet), sheets[0])
        header = list(raw.rows[read.header_row - 1])
        rows = [list(raw.rows[number - 1]) for number in read.row_numbers]
        outcome.report = write_new_workbook(
            target, read.sheet or "订单", header, rows, outcome.columns
        )
        outcome.output, outcome.in_place = target, False
    report("done")
    return outcome
