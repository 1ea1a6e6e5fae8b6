"""The audit workbook (SPEC §6): every figure with its rule version, source and a live formula.

Sheets: ``概览`` (per platform × month, SUMIFS/COUNTIFS over ``明细``, native charts), ``明细``
(every order; the damages cells are formulas on the ``规则`` parameters, written with their cached
values), ``扣分台账`` (points ledger, campaign eligibility), ``规则`` (every damages version,
the other versions used, overrides), ``数据问题`` and ``来源`` (input file, SHA-256, versions).

The formulas compute in fen exactly like :func:`shoprules.formulas.damages.version_amounts`:
``ROUND(ROUND(amount*100,0)*ROUND(rate*10000,0)/10000,0)`` is half-up on an exact integer
quotient (``n.5`` is exact in binary), ``INT(…/1000000)*100`` floors to whole yuan; then the
clamp to [min, max]. Text from orders is always written as a string (no formula injection).
Buyer personal data is masked unless ``unmask``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import xlsxwriter
from shoprules.formulas.engine import EngineResult, compute
from shoprules.formulas.fields import GOODS_TYPES, PLATFORM_CHINESE
from shoprules.formulas.rulebook import (
    TRACK_NAMES,
    Bands,
    DamagesParams,
    Flat,
    NodeParams,
    RateClamped,
    Rulebook,
    Version,
    load_rulebook,
)

from .masking import mask_frame, scrub_phones

__all__ = [
    "AuditReport",
    "AuditSource",
    "audit_book",
    "export_audit",
    "file_sha256",
    "tool_version",
]

SHEETS: Final = ("概览", "明细", "扣分台账", "规则", "数据问题", "来源")
POSITION_COLUMNS: Final = ("工作表", "原始行号")  # extra columns placed first in 明细
_EXCEL_EPOCH: Final = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY_NS: Final = 86_400 * 10**9
_MONEY: Final = "#,##0.00"
_DATETIME: Final = "yyyy-mm-dd hh:mm:ss"
_DATE: Final = "yyyy-mm-dd"
_RULES_FIRST_ROW: Final = 1  # 0-based row of the first damages version on 规则
_UNKNOWN_MONTH: Final = "无付款时间"

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
)
_RC = {name: i for i, name in enumerate(RULE_HEADERS)}


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


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _serials(values: object) -> np.ndarray:
    """Datetimes → Excel serial day numbers (NaN for NaT), vectorised."""
    times = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[ns]")
    out = (times - _EXCEL_EPOCH).astype("int64") / _DAY_NS
    return np.where(np.isnat(times), np.nan, out)


def _width(header: str, values: Sequence[object]) -> float:
    def size(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    sample = [size(str(v)) for v in values[:300] if v is not None]
    return float(min(max([size(header), *sample]) + 2, 60))


# ---------------------------------------------------------------------------------------------
# Columns: each is (header, kind, values[, cached]) with kinds text / number / formula / skip.


@dataclass
class _Column:
    header: str
    kind: str  # "text" | "number" | "formula"
    values: list[Any]
    fmt: str | None = None
    cached: list[Any] | None = None
    width: float | None = None


def _text_list(values: pd.Series | np.ndarray | list[Any]) -> list[Any]:
    series = pd.Series(values, dtype=object)
    blank = (series.isna() | series.astype(str).eq("")).to_numpy()
    out = np.array(series.astype(str).to_numpy(dtype=object), dtype=object, copy=True)
    out[blank] = None
    return out.tolist()


def _number_list(values: pd.Series | np.ndarray) -> list[Any]:
    array = pd.Series(values).astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return [None if v != v else v for v in array.tolist()]


def _yuan_list(fen: pd.Series | np.ndarray) -> list[Any]:
    return _number_list(pd.Series(fen).astype("Float64") / 100)


def _time_list(values: object) -> list[Any]:
    return [None if v != v else v for v in _serials(values).tolist()]


def _bool_text(values: pd.Series) -> list[Any]:
    series = values.astype("boolean")
    out = np.where(series.fillna(False).to_numpy(dtype=bool), "是", "否").astype(object)
    out[series.isna().to_numpy()] = None
    return out.tolist()


class _Book:
    """XlsxWriter workbook with the audit's formats."""

    def __init__(self, path: Path, created: dt.datetime) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "use_future_functions": False,
            },
        )
        self.wb.set_properties(
            {"title": "shoprules 审计表", "author": "shoprules", "created": created}
        )
        self.wb.set_calc_mode("auto")
        add = self.wb.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.formats: dict[str, Any] = {
            "money": add({"num_format": _MONEY}),
            "datetime": add({"num_format": _DATETIME}),
            "date": add({"num_format": _DATE}),
            "hours": add({"num_format": "0.0"}),
            "integer": add({"num_format": "0"}),
            "percent": add({"num_format": "0.00%"}),
            "text": add({"num_format": "@"}),
            "formula": add({"num_format": _MONEY, "bg_color": "#FFF2CC"}),
            "wrap": add({"text_wrap": True, "valign": "top"}),
        }

    def fmt(self, name: str | None) -> Any:
        return None if name is None else self.formats[name]


def _prepare_plain_formula(formula: str, expand_future_functions: bool = False) -> str:
    return formula[1:] if formula.startswith("=") else formula


def _write_table(
    book: _Book,
    sheet: Any,
    columns: list[_Column],
    *,
    first_row: int = 0,
    freeze: bool = True,
    filter_: bool = True,
    widths: bool = True,
) -> int:
    """Write a header row and the columns row by row (constant memory); returns rows written."""
    n = len(columns[0].values) if columns else 0
    for c, column in enumerate(columns):
        sheet.write_string(first_row, c, column.header, book.header)
        if widths:
            sheet.set_column(c, c, column.width or _width(column.header, column.values))
    if freeze:
        sheet.freeze_panes(first_row + 1, 0)
    if filter_ and columns:
        sheet.autofilter(first_row, 0, first_row + max(n, 1), len(columns) - 1)
    # Our formulas use only ROUND/INT/MIN/MAX/IF/SUMIFS/COUNTIFS, which need no ``_xlfn.``
    # prefix; XlsxWriter's 30+ regex passes per formula (≈0.2 ms each) are skipped.
    sheet._prepare_formula = _prepare_plain_formula
    plan: list[tuple[int, Callable[..., Any], list[Any], Any, list[Any] | None]] = []
    for c, column in enumerate(columns):
        method = {
            "text": sheet.write_string,
            "number": sheet.write_number,
            "formula": sheet.write_formula,
        }[column.kind]
        plan.append((c, method, column.values, book.fmt(column.fmt), column.cached))
    for r in range(n):
        row = first_row + 1 + r
        for c, method, values, fmt, cached in plan:
            value = values[r]
            if value is None:
                continue
            if cached is None:
                method(row, c, value, fmt)
            elif value.__class__ is str and value[:1] == "=":
                method(row, c, value, fmt, cached[r])
            else:  # a formula column may hold a plain number (0) or a reason text
                (sheet.write_number if value.__class__ is not str else sheet.write_string)(
                    row, c, value, fmt if value.__class__ is not str else None
                )
    return n


# ---------------------------------------------------------------------------------------------
# 规则


def _damages_versions(book: Rulebook) -> list[tuple[str, str, str, Version]]:
    out = []
    for rule_id, rule in book.damages.items():
        for version in rule.versions:
            out.append((rule_id, rule.name, rule.meta.violation or "", version))
    return out


def _damages(version: Version) -> DamagesParams:
    assert isinstance(version.params, DamagesParams), version.label
    return version.params


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


# ---------------------------------------------------------------------------------------------
# 明细 formulas


def _rate_formula(amount: str, row: int, stack: str | None) -> str:
    """Formula text (with ``{r}`` for the 明细 row) for one rate_clamped version on 规则 row."""
    ref = {k: f"'规则'!${_col(c)}${row}" for k, c in _RC.items()}
    fen = f"ROUND({amount}{{r}}*100,0)"
    bp = f"ROUND({ref['比例']}*10000,0)"
    raw = f'IF({ref["取整"]}="floor_yuan",INT({fen}*{bp}/1000000)*100,ROUND({fen}*{bp}/10000,0))'
    clamped = f"MIN(MAX({raw},ROUND({ref['下限(元)']}*100,0)),ROUND({ref['上限(元)']}*100,0))"
    if stack is not None:
        clamped = (
            f"MIN({clamped},MAX(ROUND({ref['叠加上限(元)']}*100,0)-ROUND({stack}{{r}}*100,0),0))"
        )
    return f"={clamped}/100"


def _bands_formula(amount: str, row: int, params: Bands) -> str:
    """Nested IF over the bands (thresholds and band parameters as constants)."""
    ref = f"'规则'!${_col(_RC['取整'])}${row}"
    fen = f"ROUND({amount}{{r}}*100,0)"
    expression = "0"
    for band in params.bands:
        if band.amount_fen is not None:
            value = str(band.amount_fen)
        else:
            bp = band.rate_bp
            raw = f'IF({ref}="floor_yuan",INT({fen}*{bp}/1000000)*100,ROUND({fen}*{bp}/10000,0))'
            value = f"MIN(MAX({raw},{band.min_fen}),{band.max_fen})"
        expression = f"IF({fen}>={band.from_fen},{value},{expression})"
    return f"={expression}/100"


def _version_formula(version: Version, row: int, amount: str, stack: str | None) -> str:
    params = _damages(version)
    if isinstance(params, Flat):
        return f"='规则'!${_col(_RC['固定金额(元)'])}${row}"
    if isinstance(params, RateClamped):
        return _rate_formula(amount, row, stack if params.stack_max_fen is not None else None)
    assert isinstance(params, Bands), version.label
    return _bands_formula(amount, row, params)


def _fill(templates: pd.Series, rows: np.ndarray) -> list[Any]:
    """Substitute each row's number into its template (``None`` stays ``None``)."""
    out: list[Any] = [None] * len(templates)
    for i, (template, row) in enumerate(zip(templates.tolist(), rows.tolist(), strict=True)):
        if isinstance(template, str):
            out[i] = template.replace("{r}", str(row))
    return out


def _version_amounts(
    labels: pd.Series, base: np.ndarray, versions: dict[str, Version]
) -> np.ndarray:
    out = np.zeros(len(labels), dtype="int64")
    for label in pd.unique(labels.dropna()):
        if label == "" or label not in versions:
            continue
        rows = (labels == label).to_numpy()
        out[rows] = _damages(versions[label]).amounts(np.maximum(base[rows], 0))
    return out


# ---------------------------------------------------------------------------------------------
# The export


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
    det = engine.detail.reset_index(drop=True)
    book = engine.rulebook
    excel_rows = np.arange(n, dtype="int64") + 2

    # --- 规则 row of each damages version -------------------------------------------------
    damages_rows = _damages_versions(book)
    versions = {v.label: v for *_, v in damages_rows}
    rule_row = {v.label: _RULES_FIRST_ROW + 1 + i for i, (*_, v) in enumerate(damages_rows)}

    # --- extra (original) columns, masked ---------------------------------------------------
    extras = (
        pd.DataFrame(index=range(n))
        if extra_columns is None
        else extra_columns.reset_index(drop=True)
    )
    masked_kinds: dict[str, str] = {}
    if not unmask and len(extras.columns):
        extras, masked_kinds = mask_frame(extras)
    position = [c for c in POSITION_COLUMNS if c in extras.columns]
    trailing = [c for c in extras.columns if c not in POSITION_COLUMNS]

    def col(name: str, default: Any = None) -> pd.Series:
        if name in orders:
            return orders[name]
        return pd.Series([default] * n, dtype=object)

    columns: list[_Column] = [_Column("序号", "number", list(range(1, n + 1)), "integer", width=7)]
    for name in position:
        values = extras[name]
        if name == "原始行号":
            columns.append(_Column(name, "number", _number_list(values), "integer", width=9))
        else:
            columns.append(_Column(name, "text", _text_list(values)))
    paid_at = (
        pd.to_datetime(col("paid_at")) if "paid_at" in orders else pd.Series(pd.NaT, index=range(n))
    )
    month = paid_at.dt.strftime("%Y-%m").fillna(_UNKNOWN_MONTH)
    platform_cn = col("platform").map(
        lambda p: PLATFORM_CHINESE.get(p, p) if isinstance(p, str) else None
    )
    goods = col("goods_type").map(lambda g: GOODS_TYPES.get(g, g) if isinstance(g, str) else None)
    columns += [
        _Column("订单编号", "text", _text_list(col("order_id")), width=21),
        _Column("子订单编号", "text", _text_list(col("sub_order_id")), width=21),
        _Column("平台", "text", _text_list(platform_cn), width=7),
        _Column("月份", "text", month.tolist(), width=9),
        _Column("商品标题", "text", _text_list(col("title")), width=30),
        _Column(
            "实付金额", "number", _yuan_list(col("paid_amount").astype("Int64")), "money", width=11
        ),
        _Column("邮费", "number", _yuan_list(col("postage").astype("Int64")), "money", width=8),
    ]
    amount_col = len(columns) - 2
    for name, header in (
        ("paid_at", "付款时间"),
        ("promised_ship_by", "承诺发货时间"),
        ("shipped_at", "发货时间"),
        ("picked_up_at", "揽收时间"),
        ("signed_at", "签收时间"),
        ("refund_requested_at", "退款申请时间"),
    ):
        values = _time_list(orders[name]) if name in orders else [None] * n
        columns.append(_Column(header, "number", values, "datetime", width=19))
    columns += [
        _Column("退款原因", "text", _text_list(col("refund_reason")), width=16),
        _Column("商品类型", "text", _text_list(goods), width=9),
        _Column("投诉成立", "text", _bool_text(col("complaint_upheld", pd.NA)), width=9),
        _Column("已主动赔付", "text", _bool_text(col("paid_before_ruling", pd.NA)), width=11),
        _Column("发货截止", "number", _time_list(res["ship_by"]), "datetime", width=19),
        _Column("发货依据", "text", _text_list(det["ship_rule"]), width=26),
        _Column("发货状态", "text", _text_list(res["ship_status"]), width=10),
        _Column("延迟小时", "number", _number_list(res["hours_late"]), "hours", width=9),
    ]

    amount_ref = _col(amount_col)
    base = (
        orders["paid_amount"].astype("Int64").fillna(0).to_numpy(dtype="int64")
        if "paid_amount" in orders
        else np.zeros(n, dtype="int64")
    )
    damages = res["damages"].astype("Int64")
    fee = res["platform_fee"].astype("Int64")
    late_label = det["late_rule"].fillna("").astype(str)
    receiver = late_label.map(
        lambda lab: _damages(versions[lab]).receiver if lab in versions else None
    )
    to_platform = (receiver == "platform").to_numpy()
    has_late = (late_label != "").to_numpy() & (damages.notna().to_numpy() | to_platform)
    late_amount = _version_amounts(late_label.where(has_late, ""), base, versions)
    late_cached = np.where(to_platform, late_amount, det["late_fen"].to_numpy(dtype="int64"))

    late_col = len(columns)
    oos_col = late_col + 2
    late_templates = late_label.map(
        lambda lab: (
            _version_formula(versions[lab], rule_row[lab], amount_ref, None)
            if lab in versions
            else None
        )
    ).where(has_late, None)
    oos_label = det["oos_rule"].fillna("").astype(str)
    oos_templates = oos_label.map(
        lambda lab: (
            _version_formula(versions[lab], rule_row[lab], amount_ref, _col(late_col))
            if lab in versions
            else None
        )
    )
    late_formulas = _fill(late_templates, excel_rows)
    oos_formulas = _fill(oos_templates, excel_rows)
    late_ref, oos_ref = _col(late_col), _col(oos_col)

    buyer_late = has_late & ~to_platform
    total_formulas: list[Any] = [None] * n
    total_cached = _yuan_list(damages)
    damages_known = damages.notna().to_numpy()
    damages_rule = res["damages_rule"].fillna("").astype(str)
    basis = damages_rule.where(damages_rule != "", None)
    basis = basis.where(damages_known | basis.notna(), "无法计算：见「数据问题」")
    for i in np.flatnonzero(damages_known).tolist():
        if buyer_late[i]:
            r = excel_rows[i]
            total_formulas[i] = f"=(ROUND({late_ref}{r}*100,0)+ROUND({oos_ref}{r}*100,0))/100"
        else:
            total_formulas[i] = total_cached[i]  # plain number (0 when on time)
    fee_cached = _yuan_list(fee)
    fee_known = fee.notna().to_numpy()
    fee_rest = fee.fillna(0).to_numpy(dtype="int64") - np.where(
        to_platform & has_late, late_amount, 0
    )
    fee_formulas: list[Any] = [None] * n
    for i in np.flatnonzero(fee_known).tolist():
        if to_platform[i] and has_late[i]:
            rest = f"+{int(fee_rest[i])}" if fee_rest[i] else ""
            fee_formulas[i] = f"=(ROUND({late_ref}{excel_rows[i]}*100,0){rest})/100"
        else:
            fee_formulas[i] = fee_cached[i]

    columns += [
        _Column(
            "延迟发货金额", "formula", late_formulas, "formula", _yuan_list(late_cached), width=12
        ),
        _Column("延迟依据", "text", _text_list(late_label.where(has_late, "")), width=30),
        _Column(
            "缺货违约金", "formula", oos_formulas, "formula", _yuan_list(det["oos_fen"]), width=11
        ),
        _Column("缺货依据", "text", _text_list(oos_label), width=30),
        _Column("违约金", "formula", total_formulas, "formula", total_cached, width=10),
        _Column("违约金依据", "text", _text_list(basis), width=34),
        _Column("平台扣款", "formula", fee_formulas, "formula", fee_cached, width=10),
        _Column("扣分", "number", _number_list(res["points"]), "integer", width=6),
        _Column(
            "扣分类别",
            "text",
            _text_list(
                det["track"].map(lambda t: TRACK_NAMES.get(t, t) if isinstance(t, str) else None)
            ),
            width=9,
        ),
        _Column("扣分依据", "text", _text_list(det["points_rule"]), width=30),
        _Column("退货截止", "number", _time_list(res["return_by"]), "datetime", width=19),
        _Column("退货状态", "text", _text_list(res["return_status"]), width=9),
        _Column("退货依据", "text", _text_list(det["return_rule"]), width=28),
        _Column("运费承担", "text", _text_list(res["freight"]), width=18),
        _Column("数据问题", "text", _text_list(res["problems"]), width=40),
    ]
    for name in trailing:
        columns.append(
            _Column(
                str(name),
                "text",
                _text_list(extras[name].map(lambda v: None if v is None or v != v else str(v))),
            )
        )
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
    used = pd.concat([late_label.where(has_late, ""), oos_label], ignore_index=True)
    rule_cols = _rule_columns(book, used)
    _write_table(wb, sheets["规则"], rule_cols)
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
    rules_sheet = sheets["规则"]
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
        rule_versions=len(damages_rows),
        masked_columns=masked_kinds,
        unmasked=unmask,
        detail_columns=detail_columns,
    )


# ---------------------------------------------------------------------------------------------
# 概览


def _write_overview(
    wb: _Book,
    sheet: Any,
    *,
    orders_month: pd.Series,
    platform_cn: pd.Series,
    res: pd.DataFrame,
    det: pd.DataFrame,
    engine: EngineResult,
    detail_columns: dict[str, int],
    n: int,
) -> int:
    """Per platform × month table (COUNTIFS/SUMIFS over 明细) and the two charts."""
    last = max(n + 1, 2)

    def rng(header: str) -> str:
        letter = _col(detail_columns[header])
        return f"'明细'!${letter}$2:${letter}${last}"

    p_rng, m_rng, s_rng = rng("平台"), rng("月份"), rng("发货状态")
    d_rng, f_rng, k_rng = rng("违约金"), rng("平台扣款"), rng("扣分")
    frame = pd.DataFrame(
        {
            "platform": platform_cn.to_numpy(dtype=object),
            "month": orders_month.to_numpy(dtype=object),
            "late": res["ship_status"].isin(["延迟发货", "超时未发货"]).to_numpy(),
            "damages": res["damages"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
            "fee": res["platform_fee"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
            "points": res["points"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
        }
    )
    frame = frame[frame["platform"].notna()]
    order = {cn: i for i, cn in enumerate(PLATFORM_CHINESE.values())}
    groups = (
        frame.groupby(["platform", "month"], sort=False)
        .agg(
            orders=("late", "size"),
            late=("late", "sum"),
            damages=("damages", "sum"),
            fee=("fee", "sum"),
            points=("points", "sum"),
        )
        .reset_index()
    )
    groups["_p"] = groups["platform"].map(order)
    groups = groups.sort_values(["_p", "month"]).reset_index(drop=True)

    sheet.write_string(0, 0, "店铺罚则审计概览（违约金给买家，平台扣款给平台）", wb.title)
    sheet.write_string(
        1,
        0,
        f"状态判断时间 as-of {engine.as_of:%Y-%m-%d %H:%M}；订单 {n} 行；"
        "表中数字均为对「明细」的公式汇总，可在 Excel/WPS/LibreOffice 中重算",
    )
    headers = ["平台", "月份", "订单数", "延迟发货(单)", "违约金(元)", "平台扣款(元)", "扣分"]
    top = 3
    for c, header in enumerate(headers):
        sheet.write_string(top, c, header, wb.header)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 11)
    sheet.set_column(2, 6, 13)
    sheet.freeze_panes(top + 1, 0)
    money, integer = wb.formats["money"], wb.formats["integer"]
    formulas = 0
    for i, g in enumerate(groups.itertuples(index=False)):
        row = top + 1 + i
        cond = f"{p_rng},$A{row + 1},{m_rng},$B{row + 1}"
        sheet.write_string(row, 0, g.platform)
        sheet.write_string(row, 1, g.month)
        sheet.write_formula(row, 2, f"=COUNTIFS({cond})", integer, int(g.orders))
        sheet.write_formula(
            row,
            3,
            f'=COUNTIFS({cond},{s_rng},"延迟发货")+COUNTIFS({cond},{s_rng},"超时未发货")',
            integer,
            int(g.late),
        )
        sheet.write_formula(row, 4, f"=ROUND(SUMIFS({d_rng},{cond}),2)", money, g.damages / 100)
        sheet.write_formula(row, 5, f"=ROUND(SUMIFS({f_rng},{cond}),2)", money, g.fee / 100)
        sheet.write_formula(row, 6, f"=SUMIFS({k_rng},{cond})", integer, int(g.points))
        formulas += 5
    total_row = top + 1 + len(groups)
    sheet.write_string(total_row, 0, "合计", wb.bold)
    if len(groups):
        for c, (fmt, key) in enumerate(
            [
                (integer, "orders"),
                (integer, "late"),
                (money, "damages"),
                (money, "fee"),
                (integer, "points"),
            ],
            start=2,
        ):
            letter = _col(c)
            value = groups[key].sum()
            cached = value / 100 if key in ("damages", "fee") else int(value)
            text = f"SUM({letter}{top + 2}:{letter}{total_row})"
            sheet.write_formula(
                total_row, c, f"=ROUND({text},2)" if fmt is money else f"={text}", fmt, cached
            )
            formulas += 1
    if len(groups):
        sheet.autofilter(top, 0, total_row - 1, len(headers) - 1)

    # Chart data 1: month × (platform 违约金 / 平台扣款), SUMIFS by month only.
    months = sorted(groups["month"].unique().tolist())
    platforms = [p for p in PLATFORM_CHINESE.values() if p in set(groups["platform"])]
    series = []
    for p in platforms:
        sub = groups[groups["platform"] == p]
        for key, label, rng_ in (("damages", "违约金", d_rng), ("fee", "平台扣款", f_rng)):
            if sub[key].sum() > 0:
                series.append((p, key, label, rng_, sub.set_index("month")[key]))
    block = total_row + 3
    sheet.write_string(block - 1, 0, "按月金额（元，图表数据）", wb.bold)
    sheet.write_string(block, 0, "月份", wb.header)
    for j, (p, _key, label, _r, _v) in enumerate(series, start=1):
        sheet.write_string(block, j, f"{p}{label}", wb.header)
    for i, month in enumerate(months):
        row = block + 1 + i
        sheet.write_string(row, 0, month)
        for j, (p, _key, _label, rng_, values) in enumerate(series, start=1):
            cached = int(values.get(month, 0)) / 100
            sheet.write_formula(
                row, j, f'=ROUND(SUMIFS({rng_},{p_rng},"{p}",{m_rng},$A{row + 1}),2)', money, cached
            )
            formulas += 1
    if series and months:
        chart = wb.wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, (p, _key, label, _r, _v) in enumerate(series, start=1):
            chart.add_series(
                {
                    "name": f"{p}{label}",
                    "categories": ["概览", block + 1, 0, block + len(months), 0],
                    "values": ["概览", block + 1, j, block + len(months), j],
                }
            )
        chart.set_title({"name": "每月违约金与平台扣款（按平台）"})
        chart.set_y_axis({"name": "元", "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 360})
        sheet.insert_chart(3, 8, chart)

    # Chart data 2: points running total per platform and track, against node thresholds.
    ledger = engine.ledger
    block2 = block + len(months) + 3
    sheet.write_string(block2 - 1, 0, "扣分累计（图表数据）", wb.bold)
    if not len(ledger):
        sheet.write_string(block2, 0, "无扣分记录")
        return formulas
    data = ledger.assign(
        _p=ledger["platform"].map(
            lambda p: list(PLATFORM_CHINESE).index(p) if p in PLATFORM_CHINESE else 99
        )
    )
    data = data.sort_values(["_p", "track", "date"], kind="stable").reset_index(drop=True)
    for c, header in enumerate(["平台与类别", "日期", "年度累计扣分"]):
        sheet.write_string(block2, c, header, wb.header)
    names = data["platform"].map(lambda p: PLATFORM_CHINESE.get(p, str(p))).astype(str) + data[
        "track"
    ].map(lambda t: TRACK_NAMES.get(t, "") if isinstance(t, str) else "").astype(str)
    dates = _serials(data["date"])
    for i in range(len(data)):
        row = block2 + 1 + i
        sheet.write_string(row, 0, names[i])
        if dates[i] == dates[i]:
            sheet.write_number(row, 1, float(dates[i]), wb.formats["date"])
        sheet.write_number(row, 2, int(data["running_total"][i]), integer)
    chart2 = wb.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    lines: list[tuple[str, float, float, int]] = []
    start_x, end_x = float(np.nanmin(dates)), float(np.nanmax(dates))
    for name, idx in names.groupby(names, sort=False).groups.items():
        rows = np.asarray(sorted(idx))
        first, last_ = block2 + 1 + int(rows[0]), block2 + 1 + int(rows[-1])
        chart2.add_series(
            {
                "name": str(name),
                "categories": ["概览", first, 1, last_, 1],
                "values": ["概览", first, 2, last_, 2],
            }
        )
        track_key = (str(data["platform"][rows[0]]), str(data["track"][rows[0]]))
        track = engine.rulebook.node_tracks.get(track_key)
        version = track.at(data["date"][rows[-1]]) if track is not None else None
        if version is None:
            continue
        top_total = int(data["running_total"][rows].max())
        nodes = version.params
        assert isinstance(nodes, NodeParams), version.label
        if nodes.every is None:
            levels = [t.points for t in nodes.thresholds]
        else:
            every = nodes.every.points
            levels = list(range(every, max(top_total, every) + every, every))
        for level in levels[: min(6, max(1, sum(1 for x in levels if x <= top_total) + 1))]:
            if len(lines) >= 200:  # Excel charts hold at most 255 series
                break
            lines.append((f"{name}节点 {level} 分", start_x, end_x, level))
    block3 = block2 + len(data) + 3
    sheet.write_string(block3 - 1, 0, "扣分节点（图表参考线）", wb.bold)
    for c, header in enumerate(["节点", "起", "止", "分值", "分值"]):
        sheet.write_string(block3, c, header, wb.header)
    for i, (label, x1, x2, level) in enumerate(lines):
        row = block3 + 1 + i
        sheet.write_string(row, 0, label)
        sheet.write_number(row, 1, x1, wb.formats["date"])
        sheet.write_number(row, 2, x2, wb.formats["date"])
        sheet.write_number(row, 3, level, integer)
        sheet.write_number(row, 4, level, integer)
        chart2.add_series(
            {
                "name": label,
                "categories": ["概览", row, 1, row, 2],
                "values": ["概览", row, 3, row, 4],
                "line": {"dash_type": "dash", "width": 1.25},
                "marker": {"type": "none"},
            }
        )
    chart2.set_title({"name": "年度累计扣分与扣分节点"})
    chart2.set_x_axis(
        {"name": "日期", "num_format": "yyyy-mm-dd", "min": start_x - 1, "max": end_x + 1}
    )
    chart2.set_y_axis({"name": "分", "min": 0})
    chart2.set_legend({"position": "bottom"})
    chart2.set_size({"width": 720, "height": 400})
    sheet.insert_chart(23, 8, chart2)
    return formulas


# ---------------------------------------------------------------------------------------------
# 扣分台账, 数据问题, 来源


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
    return rows


def _write_problems(
    wb: _Book, sheet: Any, res: pd.DataFrame, columns: list[_Column], engine: EngineResult
) -> int:
    problems = res["problems"].fillna("").astype(str)
    rows = np.flatnonzero(problems.ne("").to_numpy())
    by_header = {c.header: c.values for c in columns}

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
    kinds = {"name": "姓名", "phone": "电话", "address": "地址", "account": "账号"}
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
        ("状态判断时间 as-of", float(_serials([source.as_of])[0]), "datetime"),
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


# ---------------------------------------------------------------------------------------------
# From a workbook on disk


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

    ``book`` is only read. The ``规则`` sheet's overrides and the ``违规记录`` sheet apply.
    """
    from .formats import HEADER_SCAN_LIMIT, ORDER_SHEET_SKIP, UnusableInput, load_raw
    from .headers import header_score
    from .readers import read_overrides, read_rows, read_violation_log

    book = Path(book)
    fmt, raw_sheets = load_raw(book)
    if sheet is not None:
        chosen = [s for s in raw_sheets if s.name == sheet]
        if not chosen:
            names = "、".join(str(s.name) for s in raw_sheets)
            raise UnusableInput(f"找不到工作表「{sheet}」（有: {names}）")
    else:
        chosen = [
            s
            for s in raw_sheets
            if s.name not in ORDER_SHEET_SKIP
            and max((header_score(r) for r in s.rows[:HEADER_SCAN_LIMIT]), default=0) > 1
        ]
        if not chosen:
            raise UnusableInput("没有找到订单工作表（前 20 行内需有 订单编号、付款时间 等表头）")
    frames, problems, extras = [], [], []
    for raw in chosen:
        result = read_rows(raw.rows, platform=platform, epoch1904=raw.epoch1904, sheet=raw.name)
        frames.append(result.orders)
        problems.append(result.problems.reset_index(drop=True))
        extra = (
            result.extra.reset_index(drop=True)
            if result.extra is not None
            else pd.DataFrame(index=range(len(result.orders)))
        )
        extra.insert(0, "原始行号", result.row_numbers)
        extra.insert(0, "工作表", raw.name or book.name)
        extras.append(extra)
    orders = pd.concat(frames, ignore_index=True)
    input_problems = pd.concat(problems, ignore_index=True)
    extra_columns = pd.concat(extras, ignore_index=True)
    rulebook = load_rulebook()
    is_workbook = fmt not in ("csv", "html")
    if is_workbook:
        values, notes = read_overrides(book)
        if values:
            rulebook = rulebook.with_overrides(values, notes)
    log = read_violation_log(book) if is_workbook else None
    if log is not None and "problem" in log:
        log = log.loc[log["problem"].isna()].drop(columns=["problem"]).reset_index(drop=True)
    as_of = pd.Timestamp(as_of)
    engine = compute(
        orders,
        as_of=as_of,
        rulebook=rulebook,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        violation_log=log if log is not None and len(log) else None,
        input_problems=input_problems,
    )
    source = AuditSource(
        file_name=book.name,
        sha256=file_sha256(book),
        rows_read=len(orders),
        sheet=sheet if sheet is not None else "、".join(str(s.name) for s in chosen),
        as_of=as_of,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        tool_version=tool_version(),
        created_at=created_at or dt.datetime.now().replace(microsecond=0),
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
