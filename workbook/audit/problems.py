"""数据问题: the orders with data problems, the ledger's own problems, and a count of each note
(提示：…, which changes no figure and so lists no rows)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.calculators.lifecycle import NOTE, is_problem
from shoprules.formulas.engine import EngineResult

from .book import _Book, _Column, _write_table

NOTES_TITLE = "提示（不影响计算结果，明细「数据问题」列逐行可见）"


def _problem_mask(problems: pd.Series) -> tuple[np.ndarray, Counter[str]]:
    """Rows holding a real problem, and how many rows carry each note."""
    codes, texts = pd.factorize(problems)
    bad = np.array([is_problem(t) for t in texts] + [False], dtype=bool)[codes]
    rows_per_text = np.bincount(codes[codes >= 0], minlength=len(texts))
    notes: Counter[str] = Counter()
    for text, count in zip(texts, rows_per_text.tolist(), strict=True):
        for part in str(text).split("；"):
            if part.startswith(NOTE):
                notes[part] += count
    return bad, notes


def _write_problems(
    wb: _Book, sheet: Any, res: pd.DataFrame, columns: list[_Column], engine: EngineResult
) -> int:
    """Write the sheet; returns the rows with a real data problem (notes not counted)."""
    problems = res["problems"].fillna("").astype(str)
    bad, notes = _problem_mask(problems)
    rows = np.flatnonzero(bad)
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
        _Column("问题", "text", problems.to_numpy(dtype=object)[rows].tolist(), width=70),
    ]
    written = _write_table(wb, sheet, out)
    next_row = written + 3
    ledger = engine.ledger
    if len(ledger) and "problem" in ledger:
        bad_records = ledger[ledger["problem"].notna() & ledger["problem"].astype(str).ne("")]
        if len(bad_records):
            sheet.write_string(next_row, 0, "扣分记录的问题", wb.bold)
            for i, record in enumerate(bad_records.to_dict("records")):
                when = record["date"]
                sheet.write_string(
                    next_row + 1 + i, 0, f"{pd.Timestamp(when):%Y-%m-%d}" if pd.notna(when) else ""
                )
                sheet.write_string(next_row + 1 + i, 1, str(record.get("order_id") or ""))
                sheet.write_string(next_row + 1 + i, 2, str(record["problem"]))
            next_row += len(bad_records) + 3
    if notes:
        sheet.write_string(next_row, 0, NOTES_TITLE, wb.bold)
        sheet.write_string(next_row + 1, 0, "行数", wb.header)
        sheet.write_string(next_row + 1, 1, "提示", wb.header)
        for i, (note, count) in enumerate(notes.most_common(), start=next_row + 2):
            sheet.write_number(i, 0, count, wb.fmt("integer"))
            sheet.write_string(i, 1, note)
    return len(rows)
