"""数据问题: the orders with data problems, and the ledger's own problems."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.engine import EngineResult

from .book import _Book, _Column, _write_table


def _write_problems(
    wb: _Book, sheet: Any, res: pd.DataFrame, columns: list[_Column], engine: EngineResult
) -> int:
    problems = res["problems"].fillna("").astype(str)
    rows = np.flatnonzero(problems.ne("").to_numpy())
    by_header: dict[str, list[Any]] = {}
    for c in columns:
        by_header.setdefault(c.header, c.values)

    def pick(header: str) -> list[Any]:
        values = by_header.get(header)
        return [None] * len(rows) if values is None else [values[i] for i in rows.tolist()]

    out = [_Column("明细序号", "number", [int(i) + 1 for i in rows.tolist()], "integer", width=9)]
    if "工作表" in by_header:
        out.append(_Column("工作表", "text", pick("工作表"), width=12))
    if "原始行号" in by_header:
        out.append(_Column("原始行号", "number", pick("原始行号"), "integer", width=9))
    out += [
        _Column("订单编号", "text", pick("订单编号"), width=21),
        _Column("平台", "text", pick("平台"), width=7),
        _Column("问题", "text", [problems.iloc[i] for i in rows.tolist()], width=70),
    ]
    written = _write_table(wb, sheet, out)
    ledger = engine.ledger
    if len(ledger) and "problem" in ledger:
        bad = ledger[ledger["problem"].notna() & ledger["problem"].astype(str).ne("")]
        if len(bad):
            start = written + 3
            sheet.write_string(start, 0, "扣分记录的问题", wb.bold)
            for i, record in enumerate(bad.to_dict("records")):
                sheet.write_string(
                    start + 1 + i,
                    0,
                    f"{pd.Timestamp(record['date']):%Y-%m-%d}" if pd.notna(record["date"]) else "",
                )
                sheet.write_string(start + 1 + i, 1, str(record.get("order_id") or ""))
                sheet.write_string(start + 1 + i, 2, str(record["problem"]))
    return written
