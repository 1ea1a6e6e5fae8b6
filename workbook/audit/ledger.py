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


def _with(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` with every column of ``names`` (missing ones blank), so an empty ledger or
    table writes its header and no rows through the same code."""
    return frame.reset_index(drop=True).reindex(
        columns=list(dict.fromkeys([*map(str, frame.columns), *names]))
    )


def _platforms(values: pd.Series) -> list[Any]:
    return _text_list(values.map(lambda p: PLATFORM_CHINESE.get(p, p)))


def _track_name(track: object) -> object:
    return TRACK_NAMES.get(track, track) if isinstance(track, str) else track


def _yes_no(values: pd.Series) -> list[Any]:
    return [("是" if v else "否") for v in values.tolist()]


_LEDGER = ["date", "platform", "track", "violation", "violation_name", "points", "year",
           "running_total", "node", "consequence", "fine_fen", "node_start", "ends_at",
           "permanent", "rule", "node_rule", "order_id", "note", "problem"]  # fmt: skip


def _write_ledger(wb: _Book, sheet: Any, engine: EngineResult, *, unmask: bool) -> int:
    original = engine.ledger.reset_index(drop=True)
    if not unmask and len(original) and "note" in original:
        original = original.assign(note=scrub_phones(original["note"]))
    ledger = _with(original, _LEDGER)

    def text(name: str) -> list[Any]:
        return _text_list(ledger[name])

    columns = [
        _Column("日期", "number", _time_list(ledger["date"]), "date", width=11),
        _Column("平台", "text", _platforms(ledger["platform"]), width=7),
        _Column("类别", "text", _text_list(ledger["track"].map(_track_name)), width=9),
        _Column("违规", "text", text("violation"), width=18),
        _Column("违规名称", "text", text("violation_name"), width=14),
        _Column("扣分", "number", _number_list(ledger["points"]), "integer", width=6),
        _Column("年度", "number", _number_list(ledger["year"]), "integer", width=6),
        _Column("年度累计", "number", _number_list(ledger["running_total"]), "integer", width=9),
        _Column("触发节点(分)", "text", text("node"), width=11),
        _Column("处罚", "text", text("consequence"), "wrap", width=44),
        _Column("罚款(元)", "number", _yuan_list(ledger["fine_fen"]), "money", width=10),
        _Column("处罚开始", "number", _time_list(ledger["node_start"]), "date", width=11),
        _Column("处罚截止", "number", _time_list(ledger["ends_at"]), "date", width=11),
        _Column("永久", "text", _yes_no(ledger["permanent"]), width=6),
        _Column("规则版本", "text", text("rule"), width=34),
        _Column("节点规则", "text", text("node_rule"), width=26),
        _Column("订单编号", "text", text("order_id"), width=21),
        _Column("备注", "text", text("note"), width=30),
        _Column("问题", "text", text("problem"), width=30),
    ]
    rows = _write_table(wb, sheet, columns)
    elig = _with(
        engine.eligibility,
        ["platform", "eligible", "until", "permanent", "reasons", "checks_by_hand", "rule"],
    )
    start = rows + 3
    sheet.write_string(start, 0, f"活动报名资格（截至 {engine.as_of:%Y-%m-%d %H:%M}）", wb.bold)
    elig_cols = [
        _Column("平台", "text", _platforms(elig["platform"])),
        _Column("资格", "text", _text_list(elig["eligible"])),
        _Column("限制至", "number", _time_list(elig["until"]), "date"),
        _Column("永久", "text", _yes_no(elig["permanent"])),
        _Column("原因", "text", _text_list(elig["reasons"])),
        _Column("需人工核对", "text", _text_list(elig["checks_by_hand"])),
        _Column("规则版本", "text", _text_list(elig["rule"])),
    ]
    _write_table(
        wb, sheet, elig_cols, first_row=start + 1, freeze=False, filter_=False, widths=False
    )
    bans = _with(
        campaign_bans(original, engine.rulebook) if len(original) else pd.DataFrame(),
        ["platform", "start", "until", "permanent", "reason", "rule"],
    )
    start = start + len(elig) + 4
    sheet.write_string(start, 0, "活动报名限制（每条限制自其日期起，跨年不清零）", wb.bold)
    ban_cols = [
        _Column("平台", "text", _platforms(bans["platform"])),
        _Column("开始", "number", _time_list(bans["start"]), "date"),
        _Column("截止(不含)", "number", _time_list(bans["until"]), "date"),
        _Column("永久", "text", _yes_no(bans["permanent"])),
        _Column("原因", "text", _text_list(bans["reason"])),
        _Column("规则版本", "text", _text_list(bans["rule"])),
    ]
    _write_table(
        wb, sheet, ban_cols, first_row=start + 1, freeze=False, filter_=False, widths=False
    )
    return rows
