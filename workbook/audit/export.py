"""The audit workbook from computed orders (:func:`export_audit`) or from a workbook on disk
(:func:`audit_book`): the six sheets in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd
from shoprules.formulas.engine import EngineResult

from ..clock import china_now
from ..masking import scrub_text
from .book import _Book, _print_setup, _status_colours, _write_table
from .details import _detail_columns
from .ledger import _write_ledger
from .overview import _HEADER_ROW as _OVERVIEW_HEADER_ROW
from .overview import _write_overview
from .problems import _write_problems
from .rules_sheet import _write_rules
from .source import AuditSource, _write_source, file_sha256, tool_version
from .to_ship import _write_to_ship

SHEETS: Final = ("概览", "待发货清单", "明细", "扣分台账", "规则", "数据问题", "来源")
#: The steps :func:`audit_book` reports to its ``progress`` callback, in order
#: (:func:`export_audit` reports every step from 准备明细 on).
AUDIT_STEPS: Final = ("读取", "计算", "准备明细", *SHEETS, "保存")

#: Called with each step's name as it starts (see :data:`AUDIT_STEPS`).
Progress = Callable[[str], None]


def _no_progress(_step: str) -> None:
    return None


@dataclass
class AuditReport:
    """What was written: counts, the masked columns and where the formula columns are."""

    path: Path
    orders: int
    formula_cells: int
    problem_rows: int
    ledger_rows: int
    rule_versions: int
    masked_columns: dict[str, str]
    unmasked: bool
    detail_columns: dict[str, int] = field(default_factory=dict)


def export_audit(
    out: Path,
    *,
    orders: pd.DataFrame,
    engine: EngineResult,
    source: AuditSource,
    unmask: bool = False,
    extra_columns: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Write the audit workbook for computed orders; returns what was written. ``progress`` is
    called with each step of :data:`AUDIT_STEPS` from ``准备明细`` on as it starts."""
    step = progress or _no_progress
    step("准备明细")
    out = Path(out)
    n = len(orders)
    orders = orders.reset_index(drop=True)
    res = engine.results.reset_index(drop=True)
    if not unmask and "problems" in res:  # problem texts may quote a raw cell
        res = res.assign(problems=scrub_text(res["problems"]))
    det = engine.detail.reset_index(drop=True)
    detail = _detail_columns(orders, res, det, engine.rulebook, extra_columns, unmask=unmask)
    columns, month, platform_cn = detail.columns, detail.month, detail.platform_cn
    masked_kinds = detail.masked
    detail_columns: dict[str, int] = {}
    for i, c in enumerate(columns):  # the first of a header: the overview's ranges are ours
        detail_columns.setdefault(c.header, i)

    # --- write ------------------------------------------------------------------------------
    out.parent.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.combine(pd.Timestamp(source.as_of).date(), dt.time())
    wb = _Book(out, created)
    sheets = {name: wb.wb.add_worksheet(name) for name in SHEETS}
    formula_cells = sum(
        1
        for c in columns
        if c.kind == "formula"
        for v in c.values
        if isinstance(v, str) and v[:1] == "="
    )

    step("概览")
    summary_cells = _write_overview(
        wb,
        sheets["概览"],
        orders_month=month,
        platform_cn=platform_cn,
        res=res,
        engine=engine,
        detail_columns=detail_columns,
        n=n,
    )
    formula_cells += summary_cells
    step("待发货清单")
    _write_to_ship(  # 行号: the order's rows on 明细 (header on row 1)
        wb, sheets["待发货清单"], orders, res, pd.Timestamp(source.as_of), range(2, n + 2)
    )
    step("明细")
    _write_table(wb, sheets["明细"], columns)
    _status_colours(wb, sheets["明细"], columns, n)

    step("扣分台账")
    ledger_rows = _write_ledger(wb, sheets["扣分台账"], engine, unmask=unmask)
    step("规则")
    rule_versions = _write_rules(wb, sheets["规则"], engine, det, detail.used)

    step("数据问题")
    problem_rows = _write_problems(wb, sheets["数据问题"], res, columns, engine)
    step("来源")
    _write_source(
        wb,
        sheets["来源"],
        source,
        engine,
        unmask=unmask,
        masked=masked_kinds,
        formula_cells=formula_cells,
        problem_rows=problem_rows,
        dropped=detail.dropped,
    )
    for name, sheet in sheets.items():
        _print_setup(sheet, header_row=_OVERVIEW_HEADER_ROW if name == "概览" else 0)
    step("保存")
    wb.wb.close()
    return AuditReport(
        path=out,
        orders=n,
        formula_cells=formula_cells,
        problem_rows=problem_rows,
        ledger_rows=ledger_rows,
        rule_versions=rule_versions,
        masked_columns=masked_kinds,
        unmasked=unmask,
        detail_columns=detail_columns,
    )


def audit_book(
    book: Path,
    out: Path,
    *,
    sheet: str | None = None,
    platform: str | None = None,
    as_of: pd.Timestamp | dt.datetime,
    rules_as_of: pd.Timestamp | dt.datetime | None = None,
    unmask: bool = False,
    created_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Read ``book`` (every order sheet, or ``sheet``), compute and write the audit to ``out``.

    ``book`` is only read. The ``规则`` sheet's overrides and the ``违规记录`` sheet apply, through
    the same :mod:`~shoprules.workbook.pipeline` as ``recompute`` (a bad ``规则`` row raises
    :class:`~shoprules.workbook.readers.UnusableInput`). ``created_at`` defaults to now in China
    time. ``progress`` is called with each step of :data:`AUDIT_STEPS` as it starts.
    """
    from ..pipeline import compute_orders, read_order_sheets, read_side_sheets, sheet_names

    step = progress or _no_progress
    step("读取")

    book = Path(book)
    read = read_order_sheets(book, sheet=sheet, platform=platform)
    side = read_side_sheets(book, sheet_names(book, read.source_format))
    as_of = pd.Timestamp(as_of)
    step("计算")
    engine, _ = compute_orders(
        read.orders, read.problems, side, as_of=as_of, rules_as_of=rules_as_of
    )
    orders, extra_columns = read.orders, read.extra
    source = AuditSource(
        file_name=book.name,
        sha256=file_sha256(book),
        rows_read=len(orders),
        sheet=sheet if sheet is not None else "、".join(str(name) for name in read.sheets),
        as_of=as_of,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        tool_version=tool_version(),
        created_at=created_at or china_now("second"),
    )
    return export_audit(
        out,
        orders=orders,
        engine=engine,
        source=source,
        unmask=unmask,
        extra_columns=extra_columns,
        progress=step,
    )
