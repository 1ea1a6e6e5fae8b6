"""规则: every damages version (the 明细 formulas reference its cells), the other rule versions
used and the workbook's overrides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import pandas as pd
from shoprules.formulas.engine import EngineResult
from shoprules.formulas.fields import PLATFORM_CHINESE
from shoprules.formulas.rulebook import (
    Bands,
    DamagesParams,
    Flat,
    RateClamped,
    Rulebook,
    Version,
    expect,
)

from .book import _Book, _Column, _write_table
from .values import _time_list

_RULES_FIRST_ROW: Final = 1  # 0-based row of the first damages version on 规则


#: 规则 sheet damages table: header → column index (the formulas reference these columns).
RULE_HEADERS: Final = (
    "规则版本",
    "平台",
    "规则",
    "名称",
    "计算方式",
    "比例",
    "下限(元)",
    "上限(元)",
    "固定金额(元)",
    "取整",
    "叠加上限(元)",
    "收款方",
    "生效日期",
    "分档",
    "来源",
    "可信度",
    "说明",
    "已覆盖参数",
    "使用行数",
    "有效至",
    "核对日期",
)
_RC = {name: i for i, name in enumerate(RULE_HEADERS)}


def _damages_versions(book: Rulebook) -> list[tuple[str, str, str, Version]]:
    out = []
    for rule_id, rule in book.damages.items():
        for version in rule.versions:
            out.append((rule_id, rule.name, rule.meta.violation or "", version))
    return out


def _damages(version: Version) -> DamagesParams:
    params = version.params
    if isinstance(params, DamagesParams):  # the label is built only for the error
        return params
    return expect(params, DamagesParams, version.label)


def _rule_columns(book: Rulebook, used: pd.Series) -> list[_Column]:
    rows = _damages_versions(book)
    counts = used.value_counts()

    def get(value: Callable[[DamagesParams], int | None], scale: float = 100) -> list[Any]:
        out: list[Any] = []
        for *_, v in rows:
            number = value(_damages(v))
            out.append(None if number is None else number / scale)
        return out

    def rate(p: DamagesParams) -> int | None:
        return p.rate_bp if isinstance(p, RateClamped) else None

    def low(p: DamagesParams) -> int | None:
        return p.min_fen if isinstance(p, RateClamped) else None

    def high(p: DamagesParams) -> int | None:
        return p.max_fen if isinstance(p, RateClamped) else None

    def amount(p: DamagesParams) -> int | None:
        return p.amount_fen if isinstance(p, Flat) else None

    return [
        _Column("规则版本", "text", [v.label for *_, v in rows]),
        _Column("平台", "text", [PLATFORM_CHINESE.get(r[0].split(".")[0], "") for r in rows]),
        _Column("规则", "text", [r[0] for r in rows]),
        _Column("名称", "text", [r[1] for r in rows]),
        _Column("计算方式", "text", [_damages(v).kind for *_, v in rows]),
        _Column("比例", "number", get(rate, 10_000), "percent", width=9),
        _Column("下限(元)", "number", get(low), "money", width=10),
        _Column("上限(元)", "number", get(high), "money", width=10),
        _Column("固定金额(元)", "number", get(amount), "money", width=12),
        _Column("取整", "text", [_damages(v).rounding for *_, v in rows]),
        _Column("叠加上限(元)", "number", get(lambda p: p.stack_max_fen), "money", width=12),
        _Column("收款方", "text", [_damages(v).receiver for *_, v in rows]),
        _Column("生效日期", "number", _time_list([v.since for *_, v in rows]), "date", width=11),
        _Column(
            "分档",
            "text",
            [v.params.bands_text() if isinstance(v.params, Bands) else "" for *_, v in rows],
        ),
        _Column("来源", "text", [v.source for *_, v in rows], "wrap", width=50),
        _Column("可信度", "text", [v.confidence for *_, v in rows]),
        _Column("说明", "text", [v.note for *_, v in rows], "wrap", width=50),
        _Column("已覆盖参数", "text", [", ".join(v.overridden) for *_, v in rows]),
        _Column("使用行数", "number", [int(counts.get(v.label, 0)) for *_, v in rows], "integer"),
        *_dates_columns([v for *_, v in rows]),
    ]


def _dates_columns(versions: Sequence[Version]) -> list[_Column]:
    """有效至 (the last day in force, as ``shoprules rules`` prints it; blank = still in force)
    and 核对日期 (when the source was last read): the last columns of both tables, so the 明细
    formulas' column letters never move."""
    last_day = [pd.NaT if v.until is None else v.until - pd.Timedelta(days=1) for v in versions]
    checked = [pd.NaT if v.checked is None else v.checked for v in versions]
    return [
        _Column("有效至", "number", _time_list(last_day), "date", width=11),
        _Column("核对日期", "number", _time_list(checked), "date", width=11),
    ]


def _other_versions(book: Rulebook, labels: Sequence[str]) -> list[tuple[str, Version]]:
    index: dict[str, Version] = {}
    for rule in book.all_rules():
        for version in rule.versions:
            index[version.label] = version
    for track in book.node_tracks.values():
        for version in track.versions:
            index[version.label] = version
    for versions in book.campaigns.values():
        for version in versions:
            index[version.label] = version
    return [(label, index[label]) for label in sorted(set(labels)) if label in index]


def _params_text(params: Any) -> str:
    """The parameters under their rule-file names (``as_mapping()``), e.g. ``track: B；points: 6``."""
    parts = []
    for key, value in params.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, tuple | list):
            value = "; ".join(
                ", ".join(f"{k}={w}" for k, w in item.items())
                if isinstance(item, dict)
                else str(item)
                for item in value
            )
        parts.append(f"{key}: {value}")
    return "；".join(parts)


def _write_rules(
    wb: _Book, sheet: Any, engine: EngineResult, det: pd.DataFrame, used: pd.Series
) -> int:
    """规则: the damages versions (with how many rows use each, from ``used``), the other
    versions 明细 and the ledger use, and the overrides; returns the number of damages versions."""
    book = engine.rulebook
    damages_rows = _damages_versions(book)
    rule_cols = _rule_columns(book, used)
    _write_table(wb, sheet, rule_cols)
    other_labels = [
        *det["ship_rule"].dropna().tolist(),
        *det["points_rule"].dropna().tolist(),
        *det["return_rule"].dropna().tolist(),
    ]
    if len(engine.ledger):
        other_labels += (
            engine.ledger["rule"].dropna().tolist() + engine.ledger["node_rule"].dropna().tolist()
        )
    if len(engine.eligibility):
        other_labels += engine.eligibility["rule"].dropna().tolist()
    other_used = pd.Series(other_labels, dtype=object)
    counts = other_used.value_counts()
    others = _other_versions(book, [x for x in other_labels if x])
    start = len(damages_rows) + 3
    rules_sheet = sheet
    rules_sheet.write_string(start, 0, "其他规则版本（发货时效、扣分、节点、退货、活动）", wb.bold)
    other_cols = [
        _Column("规则版本", "text", [lab for lab, _ in others]),
        _Column(
            "平台",
            "text",
            [PLATFORM_CHINESE.get(lab.split(".")[0], lab.split(".")[0]) for lab, _ in others],
        ),
        _Column("规则", "text", [v.rule_id for _, v in others]),
        _Column("参数", "text", [_params_text(v.params.as_mapping()) for _, v in others]),
        _Column("生效日期", "number", _time_list([v.since for _, v in others]), "date"),
        _Column("来源", "text", [v.source for _, v in others]),
        _Column("可信度", "text", [v.confidence for _, v in others]),
        _Column("说明", "text", [v.note for _, v in others]),
        _Column("已覆盖参数", "text", [", ".join(v.overridden) for _, v in others]),
        _Column("使用次数", "number", [int(counts.get(lab, 0)) for lab, _ in others], "integer"),
        *_dates_columns([v for _, v in others]),
    ]
    _write_table(
        wb, rules_sheet, other_cols, first_row=start + 1, freeze=False, filter_=False, widths=False
    )
    start = start + len(others) + 4
    rules_sheet.write_string(start, 0, "工作簿「规则」表覆盖的参数", wb.bold)
    override_cols = [
        _Column("参数", "text", [o.key for o in book.overrides]),
        _Column("值", "text", [str(o.value) for o in book.overrides]),
        _Column("备注", "text", [o.note for o in book.overrides]),
        _Column("影响的版本", "text", [", ".join(o.versions) for o in book.overrides]),
    ]
    if book.overrides:
        _write_table(
            wb,
            rules_sheet,
            override_cols,
            first_row=start + 1,
            freeze=False,
            filter_=False,
            widths=False,
        )
    else:
        rules_sheet.write_string(start + 1, 0, "无（使用内置规则库）")
    return len(damages_rows)
