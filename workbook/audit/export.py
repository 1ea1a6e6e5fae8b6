"""The audit workbook from computed orders (:func:`export_audit`) or from a workbook on disk
(:func:`audit_book`): the six sheets in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd
from shoprules.formulas.engine import EngineResult

from ..clock import china_now
from ..masking import scrub_text
from .book import _Book, _write_table
from .details import _detail_columns
from .ledger import _write_ledger
from .overview import _write_overview
from .problems import _write_problems
from .rules_sheet import _write_rules
from .source import AuditSource, _write_source, file_sha256, tool_version

SHEETS: Final = ("概览", "明细", "扣分台账", "规则", "数据问题", "来源")


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
    input_problems: pd.Series | None,
    source: AuditSource,
    unmask: bool = False,
    extra_columns: pd.DataFrame | None = None,
) -> AuditReport:
    """Write the audit workbook for computed orders; returns what was written."""
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
    detail_columns = {c.header: i for i, c in enumerate(columns)}

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

    summary_cells = _write_overview(
        wb,
        sheets["概览"],
        orders_month=month,
        platform_cn=platform_cn,
        res=res,
        det=det,
        engine=engine,
        detail_columns=detail_columns,
        n=n,
    )
    formula_cells += summary_cells
    _write_table(wb, sheets["明细"], columns)

    ledger_rows = _write_ledger(wb, sheets["扣分台账"], engine, unmask=unmask)
    rule_versions = _write_rules(wb, sheets["规则"], engine, det, detail.used)

    problem_rows = _write_problems(wb, sheets["数据问题"], res, columns, engine)
    _write_source(
        wb,
        sheets["来源"],
        source,
        engine,
        unmask=unmask,
        masked=masked_kinds,
        formula_cells=formula_cells,
        problem_rows=problem_rows,
    )
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
) -> AuditReport:
    """Read ``book`` (every order sheet, or ``sheet``), compute and write the audit to ``out``.

    ``book`` is only read. The ``规则`` sheet's overrides and the ``违规记录`` sheet apply, through
    the same :mod:`~shoprules.workbook.pipeline` as ``recompute`` (a bad ``规则`` row raises
    :class:`~shoprules.workbook.readers.UnusableInput`). ``created_at`` defaults to now in China
    time.
    """
    from ..pipeline import compute_orders, read_order_sheets, read_side_sheets, sheet_names

    book = Path(book)
    read = read_order_sheets(book, sheet=sheet, platform=platform)
    side = read_side_sheets(book, sheet_names(book, read.source_format))
    as_of = pd.Timestamp(as_of)
    engine, _ = compute_orders(
        read.orders, read.problems, side, as_of=as_of, rules_as_of=rules_as_of
    )
    orders, input_problems, extra_columns = read.orders, read.problems, read.extra
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
        input_problems=input_problems,
        source=source,
        unmask=unmask,
        extra_columns=extra_columns,
    )
