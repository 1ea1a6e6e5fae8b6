"""明细: every order with its results; the damages cells are formulas on 规则, with cached values.

Text from orders is always written as a string (no formula injection); buyer personal data in
the original columns is masked unless ``unmask``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from shoprules.formulas.fields import GOODS_TYPES, PLATFORM_CHINESE
from shoprules.formulas.rulebook import TRACK_NAMES, Rulebook

from ..columns import RESULT_COLUMNS
from ..masking import mask_frame
from .book import _Column
from .formulas import _capped_parts, _RowsContext, _version_amounts
from .rules_sheet import _RULES_FIRST_ROW, _damages, _damages_versions
from .values import _bool_text, _col, _number_list, _text_list, _time_list, _yuan_list

POSITION_COLUMNS: Final = ("工作表", "原始行号")  # extra columns placed first in 明细
_UNKNOWN_MONTH: Final = "无付款时间"
#: The result columns 明细 shows: an input column with one of these headers is an earlier
#: run's results read back (a recomputed book), never an input — 明细 holds each result once.
_OWN_RESULTS: Final = frozenset(
    {column.header for column in RESULT_COLUMNS}
    | {
        "延迟发货金额",
        "延迟依据",
        "缺货违约金",
        "缺货依据",
        "扣分类别",
        "扣分依据",
        "发货依据",
        "退货依据",
    }
)


def _without_results(extras: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The input columns without an earlier run's results, and the headers left out."""
    stale = [c for c in extras.columns if str(c).strip() in _OWN_RESULTS]
    return extras.drop(columns=stale), [str(c) for c in stale]


def _with_buyer(extras: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """The buyer id (read into ``buyer_id`` for the same-day caps) back among the original
    columns, first, under its export header, so 明细 shows it (masked) as before."""
    if "buyer_id" not in orders or "买家会员名" in extras.columns:
        return extras
    buyers = orders["buyer_id"].reset_index(drop=True)
    if buyers.isna().all():
        return extras
    out = extras.copy()
    out.insert(0, "买家会员名", buyers.astype(object).where(buyers.notna(), None))
    return out


def _named(codes: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """Each code's Chinese name (an unknown code as it is; blanks and non-text → ``None``)."""
    values = codes.reset_index(drop=True).astype(object)
    text = values.where(values.map(type).isin([str]), None)
    return text.map(names).where(text.isin(list(names)), text)


@dataclass
class _Details:
    """The 明细 columns and what the other sheets take from them."""

    columns: list[_Column]
    month: pd.Series  # payment month per order (or 无付款时间)
    platform_cn: pd.Series  # platform name in Chinese per order
    masked: dict[str, str]  # masked column → kind of personal data
    used: pd.Series  # damages version labels used: late shipping, then out of stock
    dropped: list[str]  # input columns left out: an earlier run's results read back


def _refund_status(orders: pd.DataFrame, trailing: list[Any]) -> list[_Column]:
    """The platform's own 售后状态/退款状态 as read (an input column), coloured like the result
    statuses; placed last, so the columns before it keep their letters."""
    if "refund_status" not in orders or "售后状态" in trailing:
        return []
    status = orders["refund_status"]
    if not status.notna().any():
        return []
    return [_Column("售后状态", "text", _text_list(status), width=12)]


def _detail_columns(
    orders: pd.DataFrame,
    res: pd.DataFrame,
    det: pd.DataFrame,
    book: Rulebook,
    extra_columns: pd.DataFrame | None,
    *,
    unmask: bool,
) -> _Details:
    """明细: one row per order — position, order fields, results, the damages formulas with
    their cached values, then the original columns (masked unless ``unmask``)."""
    n = len(orders)
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
    extras, dropped = _without_results(_with_buyer(extras, orders))
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
    platform_cn = _named(col("platform"), PLATFORM_CHINESE)
    goods = _named(col("goods_type"), GOODS_TYPES)
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
        {label: _damages(version).receiver for label, version in versions.items()}
    )
    to_platform = (receiver == "platform").to_numpy()
    has_late = (late_label != "").to_numpy() & (damages.notna().to_numpy() | to_platform)
    goods_code = col("goods_type").where(col("goods_type").notna(), "normal").to_numpy(dtype=object)
    promise_h = (pd.to_datetime(res["ship_by"]) - paid_at).dt.total_seconds().div(3600).to_numpy()
    late_amount = _version_amounts(
        late_label.where(has_late, ""), base, versions, promise_h, goods_code
    )
    capped = res["damages_rule"].fillna("").astype(str).str.contains("合并封顶").to_numpy()
    rows_context = _RowsContext(versions, rule_row, amount_ref, promise_h, goods_code, excel_rows)
    late_cached = np.where(to_platform, late_amount, det["late_fen"].to_numpy(dtype="int64"))

    late_col = len(columns)
    oos_col = late_col + 2
    oos_label = det["oos_rule"].fillna("").astype(str)
    late_formulas = rows_context.formulas(late_label, None, has_late & ~capped)
    oos_formulas = rows_context.formulas(oos_label, _col(late_col), ~capped)
    _capped_parts(
        capped, has_late, late_cached, det["oos_fen"].to_numpy(dtype="int64"),
        (oos_label != "").to_numpy(), late_formulas, oos_formulas,
    )  # fmt: skip
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
            _text_list(_named(det["track"], TRACK_NAMES)),
            width=9,
        ),
        _Column("扣分依据", "text", _text_list(det["points_rule"]), width=30),
        _Column("退货截止", "number", _time_list(res["return_by"]), "datetime", width=19),
        _Column("退货状态", "text", _text_list(res["return_status"]), width=9),
        _Column("退货依据", "text", _text_list(det["return_rule"]), width=28),
        _Column("运费承担", "text", _text_list(res["freight"]), width=18),
        _Column("售后截止", "number", _time_list(res["aftersale_by"]), "datetime", width=19),
        _Column("售后时效状态", "text", _text_list(res["aftersale_status"]), width=22),
        _Column("售后依据", "text", _text_list(det["aftersale_rule"]), width=28),
        _Column("数据问题", "text", _text_list(res["problems"]), width=40),
    ]
    for name in trailing:
        columns.append(_Column(str(name), "text", _text_list(extras[name])))
    columns += _refund_status(orders, trailing)
    used = pd.concat([late_label.where(has_late, ""), oos_label], ignore_index=True)
    return _Details(columns, month, platform_cn, masked_kinds, used, dropped)
