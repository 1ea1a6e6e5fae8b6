"""扣分台账: the points ledger (each node's measure from 处罚开始 to 处罚截止), campaign
eligibility and the campaign bans behind it."""

from __future__ import annotations

from typing import Any

import pandas as pd
from shoprules.formulas.engine import EngineResult
from shoprules.formulas.fields import PLATFORM_CHINESE
from shoprules.formulas.points import campaign_bans
from shoprules.formulas.rulebook import TRACK_NAMES

from ..masking import scrub_phones
from .book import _Book, _Column, _write_table
from .values import _number_list, _text_list, _time_list, _yuan_list


def _write_ledger(wb: _Book, sheet: Any, engine: EngineResult, *, unmask: bool) -> int:
    ledger = engine.ledger.reset_index(drop=True)
    if not unmask and len(ledger) and "note" in ledger:
        ledger = ledger.assign(note=scrub_phones(ledger["note"]))
    get = ledger.get

    def text(name: str) -> list[Any]:
        return _text_list(get(name, pd.Series([None] * len(ledger), dtype=object)))

    columns = [
        _Column(
            "日期", "number", _time_list(ledger["date"]) if len(ledger) else [], "date", width=11
        ),
        _Column(
            "平台",
            "text",
            _text_list(ledger["platform"].map(lambda p: PLATFORM_CHINESE.get(p, p)))
            if len(ledger)
            else [],
            width=7,
        ),
        _Column(
            "类别",
            "text",
            _text_list(ledger["track"].map(lambda t: TRACK_NAMES.get(t, t))) if len(ledger) else [],
            width=9,
        ),
        _Column("违规", "text", text("violation"), width=18),
        _Column("违规名称", "text", text("violation_name"), width=14),
        _Column(
            "扣分",
            "number",
            _number_list(ledger["points"]) if len(ledger) else [],
            "integer",
            width=6,
        ),
        _Column(
            "年度",
            "number",
            _number_list(ledger["year"]) if len(ledger) else [],
            "integer",
            width=6,
        ),
        _Column(
            "年度累计",
            "number",
            _number_list(ledger["running_total"]) if len(ledger) else [],
            "integer",
            width=9,
        ),
        _Column("触发节点(分)", "text", text("node"), width=11),
        _Column("处罚", "text", text("consequence"), "wrap", width=44),
        _Column(
            "罚款(元)",
            "number",
            _yuan_list(ledger["fine_fen"]) if len(ledger) else [],
            "money",
            width=10,
        ),
        _Column(
            "处罚开始",
            "number",
            _time_list(ledger["node_start"]) if len(ledger) and "node_start" in ledger else [],
            "date",
            width=11,
        ),
        _Column(
            "处罚截止",
            "number",
            _time_list(ledger["ends_at"]) if len(ledger) else [],
            "date",
            width=11,
        ),
        _Column(
            "永久",
            "text",
            [("是" if v else "否") for v in ledger["permanent"].tolist()] if len(ledger) else [],
            width=6,
        ),
        _Column("规则版本", "text", text("rule"), width=34),
        _Column("节点规则", "text", text("node_rule"), width=26),
        _Column("订单编号", "text", text("order_id"), width=21),
        _Column("备注", "text", text("note"), width=30),
        _Column("问题", "text", text("problem"), width=30),
    ]
    rows = _write_table(wb, sheet, columns)
    elig = engine.eligibility.reset_index(drop=True)
    start = rows + 3
    sheet.write_string(start, 0, f"活动报名资格（截至 {engine.as_of:%Y-%m-%d %H:%M}）", wb.bold)
    elig_cols = [
        _Column(
            "平台",
            "text",
            _text_list(elig["platform"].map(lambda p: PLATFORM_CHINESE.get(p, p)))
            if len(elig)
            else [],
        ),
        _Column("资格", "text", _text_list(elig["eligible"]) if len(elig) else []),
        _Column("限制至", "number", _time_list(elig["until"]) if len(elig) else [], "date"),
        _Column(
            "永久",
            "text",
            [("是" if v else "否") for v in elig["permanent"].tolist()] if len(elig) else [],
        ),
        _Column("原因", "text", _text_list(elig["reasons"]) if len(elig) else []),
        _Column("需人工核对", "text", _text_list(elig["checks_by_hand"]) if len(elig) else []),
        _Column("规则版本", "text", _text_list(elig["rule"]) if len(elig) else []),
    ]
    _write_table(
        wb, sheet, elig_cols, first_row=start + 1, freeze=False, filter_=False, widths=False
    )
    bans = campaign_bans(ledger, engine.rulebook) if len(ledger) else pd.DataFrame()
    start = start + len(elig) + 4
    sheet.write_string(start, 0, "活动报名限制（每条限制自其日期起，跨年不清零）", wb.bold)
    ban_cols = [
        _Column(
            "平台",
            "text",
            _text_list(bans["platform"].map(lambda p: PLATFORM_CHINESE.get(p, p)))
            if len(bans)
            else [],
        ),
        _Column("开始", "number", _time_list(bans["start"]) if len(bans) else [], "date"),
        _Column("截止(不含)", "number", _time_list(bans["until"]) if len(bans) else [], "date"),
        _Column(
            "永久",
            "text",
            [("是" if v else "否") for v in bans["permanent"].tolist()] if len(bans) else [],
        ),
        _Column("原因", "text", _text_list(bans["reason"]) if len(bans) else []),
        _Column("规则版本", "text", _text_list(bans["rule"]) if len(bans) else []),
    ]
    _write_table(
        wb, sheet, ban_cols, first_row=start + 1, freeze=False, filter_=False, widths=False
    )
    return rows
