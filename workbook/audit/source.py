"""来源: where the audited orders came from (file, SHA-256, versions) and how the run was made."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pandas as pd
from shoprules.formulas.engine import EngineResult

from ..cells.excel import excel_serials
from .book import _Book


@dataclass(frozen=True)
class AuditSource:
    """Where the audited orders came from and when the run happened."""

    file_name: str
    sha256: str
    rows_read: int
    sheet: str | None
    as_of: pd.Timestamp
    rules_as_of: pd.Timestamp | None
    tool_version: str
    created_at: dt.datetime


def tool_version() -> str:
    """The installed shoprules version (``0+unknown`` when not installed)."""
    try:
        return package_version("shoprules")
    except PackageNotFoundError:
        return "0+unknown"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_source(
    wb: _Book,
    sheet: Any,
    source: AuditSource,
    engine: EngineResult,
    *,
    unmask: bool,
    masked: dict[str, str],
    formula_cells: int,
    problem_rows: int,
) -> None:
    book = engine.rulebook
    from ..masking import KIND_LABELS as kinds  # every personal kind the policy masks

    privacy = (
        "未脱敏（使用了 --unmask）：本表含买家个人信息，请勿外传"
        if unmask
        else "已脱敏: "
        + ("、".join(f"{h}（{kinds[k]}）" for h, k in masked.items()) or "无个人信息列")
    )
    overrides = "；".join(f"{o.key} = {o.value}" for o in book.overrides) or "无"
    rules_as_of = (
        f"{source.rules_as_of:%Y-%m-%d %H:%M:%S}"
        if source.rules_as_of is not None
        else "按每行自身时间选版本（付款/签收/违规时间）"
    )
    items: list[tuple[str, Any, str | None]] = [
        ("输入文件", source.file_name, None),
        ("SHA-256", source.sha256, None),
        ("工作表", source.sheet or "（全部订单工作表）", None),
        ("读取行数", source.rows_read, "integer"),
        ("有数据问题的行数", problem_rows, "integer"),
        ("状态判断时间 as-of", float(excel_serials([source.as_of])[0]), "datetime"),
        ("规则版本时间 rules-as-of", rules_as_of, None),
        ("覆盖参数", overrides, None),
        ("工具版本 shoprules", source.tool_version, None),
        ("规则库摘要", book.digest, None),
        ("个人信息", privacy, None),
        ("公式单元格数", formula_cells, "integer"),
        (
            "说明",
            "「明细」的违约金、缺货、平台扣款是引用「规则」参数的公式，已写入计算结果；改「规则」参数后重算即可复核",
            None,
        ),
        *(("判定说明", message, None) for message in engine.messages),
        ("生成时间", f"{source.created_at:%Y-%m-%d %H:%M:%S}", None),
    ]
    sheet.write_string(0, 0, "项目", wb.header)
    sheet.write_string(0, 1, "内容", wb.header)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 90)
    for i, (key, value, fmt) in enumerate(items, start=1):
        sheet.write_string(i, 0, key, wb.bold)
        if isinstance(value, str):
            sheet.write_string(i, 1, value)
        else:
            sheet.write_number(i, 1, value, wb.fmt(fmt))
