"""Refund / after-sale exports joined onto the orders they belong to."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
from shoprules.formulas.fields import FIELDS, PLATFORM_CHINESE

from .exports import REFUND_MARKERS
from .result import ReadResult

_REFUND_FIELDS: Final = (
    "refund_requested_at",
    "refund_reason",
    "refund_status",
    "seller_agreed_at",
    "return_shipped_at",
)


def join_refunds(result: ReadResult, refunds: ReadResult) -> None:
    """Attach refund request time, reason and status to the orders they belong to.

    By sub-order id where both files have one (Douyin 售后单 商品单号 = 子订单编号), then by order
    id for the rest; when an order has several refunds the earliest request is used. Values from
    the refund export win over the order export's own (often stale) 售后状态. A refund row's own
    problems (e.g. an unreadable 申请时间) are copied onto its order, prefixed 退款记录.
    """
    orders = result.orders
    if not (REFUND_MARKERS & set(refunds.headers)) and refunds.export_name is None:
        result.messages.append(
            "退款文件未识别为退款/售后导出（没有 退款编号/售后编号/售后单号 列），仍按订单编号合并"
        )
    if (
        refunds.platform
        and result.platform
        and {refunds.platform, result.platform} != {"taobao", "tmall"}
        and refunds.platform != result.platform
    ):
        result.messages.append(
            f"退款文件的平台（{PLATFORM_CHINESE.get(refunds.platform, refunds.platform)}）与订单文件"
            f"（{PLATFORM_CHINESE.get(result.platform, result.platform)}）不同，请确认是同一店铺的导出"
        )
    table = refunds.orders[["order_id", "sub_order_id", *_REFUND_FIELDS]].copy()
    table["problem"] = refunds.problems.to_numpy(dtype=object)
    table = table[table["order_id"].notna()].sort_values(
        "refund_requested_at", na_position="last", kind="stable"
    )
    n = len(orders)
    found = pd.DataFrame(
        {
            **{
                name: np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
                if FIELDS[name].kind == "time"
                else np.full(n, None, dtype=object)
                for name in _REFUND_FIELDS
            },
            "problem": np.full(n, "", dtype=object),
        }
    )
    matched = np.zeros(n, dtype=bool)
    keys = orders[["order_id", "sub_order_id"]].reset_index(drop=True)
    by_sub = keys["sub_order_id"].notna().any() and table["sub_order_id"].notna().any()
    stages: list[tuple[list[str], pd.DataFrame]] = []
    if by_sub:
        stages.append((["order_id", "sub_order_id"], table[table["sub_order_id"].notna()]))
        stages.append((["order_id"], table[table["sub_order_id"].isna()]))
    else:
        stages.append((["order_id"], table))
    for key_cols, candidates in stages:
        first = candidates.drop_duplicates(subset=key_cols, keep="first")
        merged = keys[key_cols].merge(first, on=key_cols, how="left", indicator=True)
        hit = (
            (merged["_merge"] == "both").to_numpy() & ~matched & keys["order_id"].notna().to_numpy()
        )
        for column in (*_REFUND_FIELDS, "problem"):
            found.loc[hit, column] = merged.loc[hit, column].to_numpy()
        matched |= hit
    for column in _REFUND_FIELDS:
        own = orders[column]
        theirs = found[column]
        orders[column] = theirs.where(matched & theirs.notna().to_numpy(), own.to_numpy())
    for column in _REFUND_FIELDS:
        if FIELDS[column].kind == "time":
            orders[column] = orders[column].astype("datetime64[ns]")
    refund_problem = found["problem"].fillna("").astype(str).to_numpy(dtype=object)
    flagged = matched & (refund_problem != "")
    if flagged.any():
        current = result.problems.to_numpy(dtype=object).copy()
        notes = "退款记录：" + refund_problem[flagged].astype(str)
        current[flagged] = np.where(current[flagged] == "", notes, current[flagged] + "；" + notes)
        result.problems = pd.Series(current, dtype=object)
    known = set(keys["order_id"].dropna())
    unmatched = int((~table["order_id"].isin(known)).sum())
    result.messages.append(f"已合并退款/售后记录: {int(matched.sum())} 行订单匹配")
    if unmatched:
        result.messages.append(
            f"{unmatched} 条退款/售后记录在订单文件中找不到对应订单（订单可能不在本次导出的时间范围内）"
        )
