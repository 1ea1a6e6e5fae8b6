"""The workbook's own sheets beside the orders: ``规则`` (rule overrides) and ``违规记录``
(the shop's violation log)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd
from shoprules.formulas.fields import normalize_platform

from ..cells.ids import clean_ids
from ..cells.text import clean_text
from ..cells.times import parse_times
from .formats import RawSheet, load_raw
from .headers import normalize_header
from .result import RowProblems


def read_overrides(path: str | Path) -> tuple[dict[str, object], dict[str, str]]:
    """The ``规则`` sheet: (parameter key → value, parameter key → note); empty if absent."""
    sheet = _named_sheet(Path(path), "规则")
    values: dict[str, object] = {}
    notes: dict[str, str] = {}
    if sheet is None:
        return values, notes
    for row in sheet.rows:
        cells = [*list(row), None, None, None][:3]
        key, value, note = cells
        if key is None or str(key).strip() in ("", "参数", "参数名", "key"):
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        values[str(key).strip()] = value
        notes[str(key).strip()] = "" if note is None else str(note).strip()
    return values, notes


_LOG_HEADERS: Final = {
    "date": ("日期", "违规日期", "时间"),
    "platform": ("平台",),
    "violation": ("违规", "违规类型", "违规行为", "违规代码"),
    "order_id": ("订单编号", "订单号"),
    "note": ("备注", "说明"),
    "points": ("扣分", "分值"),
    "track": ("类别", "违规类别"),
}


def read_violation_log(path: str | Path) -> pd.DataFrame:
    """The ``违规记录`` sheet as columns date, platform, violation, order_id, note, points, track,
    problem; an empty frame with those columns when the sheet is absent."""
    columns = ["date", "platform", "violation", "order_id", "note", "points", "track", "problem"]
    sheet = _named_sheet(Path(path), "违规记录")
    if sheet is None or not sheet.rows:
        return pd.DataFrame(columns=columns)
    headers = [normalize_header(h) for h in sheet.rows[0]]
    index = {
        name: next((headers.index(a) for a in aliases if a in headers), None)
        for name, aliases in _LOG_HEADERS.items()
    }
    body = [r for r in sheet.rows[1:] if any(c not in (None, "") for c in r)]
    frame = pd.DataFrame([list(r) + [None] * (len(headers) - len(r)) for r in body], dtype=object)

    def column(name: str) -> pd.Series:
        i = index[name]
        return (
            frame[i].reset_index(drop=True)
            if i is not None and len(frame)
            else pd.Series([None] * len(frame), dtype=object)
        )

    dates = parse_times(column("date"), epoch1904=sheet.epoch1904)
    platform = column("platform").map(lambda v: None if v is None else normalize_platform(v))
    problems = RowProblems(len(frame))
    problems.add(dates.bad.to_numpy() | dates.values.isna().to_numpy(), "违规日期缺失或无法识别")
    problems.add(platform.isna().to_numpy(), "平台无法识别")
    ids, _ = clean_ids(column("order_id"), "订单编号")
    points = pd.to_numeric(column("points"), errors="coerce")
    messages = problems.series()
    return pd.DataFrame(
        {
            "date": dates.values,
            "platform": platform,
            "violation": clean_text(column("violation")),
            "order_id": ids,
            "note": clean_text(column("note")),
            "points": points,
            "track": clean_text(column("track")),
            "problem": messages.where(messages != "", None),
        }
    )


def _named_sheet(path: Path, name: str) -> RawSheet | None:
    fmt, sheets = load_raw(path)
    if fmt in ("csv", "html"):
        return None
    return next((s for s in sheets if s.name == name), None)
