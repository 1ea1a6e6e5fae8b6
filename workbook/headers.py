"""Header normalisation, the alias table of every known export, and platform detection.

>>> normalize_header(" 订单付款时间 \\ufeff"), normalize_header("退款金额（元）"), normalize_header("动帐流水号")
('订单付款时间', '退款金额(元)', '动账流水号')
>>> detect_platform(["主订单编号", "子订单编号", "选购商品", "订单应付金额", "运费"])
'douyin'
"""

from __future__ import annotations

import re
from typing import Final

_INVISIBLE: Final = re.compile(r"[\s\u3000\ufeff\u200b\u200c\u200d\u2060\"']+")
_FULL_WIDTH: Final = str.maketrans(
    {"（": "(", "）": ")", "【": "[", "】": "]", "：": ":", "帐": "账"}
)


def normalize_header(text: object) -> str:
    """Remove all whitespace, BOM and zero-width characters and quotes; full-width brackets →
    ASCII; 帐 → 账."""
    if text is None:
        return ""
    return _INVISIBLE.sub("", str(text)).translate(_FULL_WIDTH)


#: Canonical field → headers that carry it directly, most specific first (normalised spelling).
DIRECT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "order_id": ("订单编号", "订单号", "主订单编号", "线上订单号", "原始线上订单号"),
    "sub_order_id": ("子订单编号", "商品单号", "子订单号"),
    "platform": ("平台", "来源平台"),
    "title": ("商品标题", "宝贝标题", "选购商品", "商品名称", "商品", "标题", "货品名称"),
    "paid_amount": ("实付金额", "商品实付金额"),
    "postage": ("邮费", "买家应付邮费", "邮费(元)", "运费", "快递费", "运费金额", "商品运费(元)"),
    "paid_at": (
        "付款时间",
        "订单付款时间",
        "支付时间",
        "支付完成时间",
        "订单支付时间",
        "付款确认时间",
        "订单成交时间",
        "付款日期",
    ),
    "promised_ship_by": ("承诺发货时间", "应发货时间", "预售/承诺发货时间", "最晚发货时间"),
    "shipped_at": ("发货时间", "发货日期"),
    "picked_up_at": ("揽收时间", "揽件时间"),
    "signed_at": ("签收时间",),
    "confirmed_at": ("确认收货时间", "订单完成时间"),
    "refund_requested_at": ("退款申请时间", "退款的申请时间", "售后申请时间", "申请时间"),
    "refund_reason": ("退款原因", "买家退款原因", "售后原因"),
    "refund_status": ("退款状态", "售后状态"),
    "free_shipping": ("包邮", "是否包邮"),
    "returnable": ("支持七天无理由", "七天无理由", "是否支持七天无理由"),
    "goods_type": ("商品类型",),
    "complaint_upheld": ("投诉成立", "投诉是否成立"),
    "paid_before_ruling": ("已主动赔付", "是否主动赔付"),
    "order_stage": ("订单阶段", "订单状态", "交易状态"),
    "already_paid": ("已赔付金额", "延迟发货自动赔付金额", "主动赔付金额"),
}

#: Headers holding the amount the buyer paid *including* postage; postage is subtracted.
PAID_TOTAL_ALIASES: Final = (
    "买家实际支付金额",
    "买家实付金额",
    "用户实付金额(元)",
    "订单应付金额",
    "实付款",
    "应付金额",
    "已付金额",
)

#: Paid totals that JD writes per *order* and repeats on each of the order's SKU rows.
ORDER_LEVEL_TOTALS: Final = frozenset({"应付金额", "订单金额", "结算金额"})

#: Columns that mark presale orders when there is no 商品类型 column: (header, how).
#: ``flag``: 是/预售 text; ``filled``: any value (a deposit time); ``contains``: text with 预售.
PRESALE_COLUMNS: Final = (
    ("预售订单", "flag"),
    ("是否预售", "flag"),
    ("预售定金支付时间", "filled"),
    ("订单类型", "contains"),
)

#: Exports with one row per item line and no sub-order id (the order id repeats by design).
LINE_EXPORTS: Final = frozenset({"淘宝/天猫 宝贝报表", "京东 订单导出"})

#: Header signatures: a platform (and export kind) is recognised when all of a set are present.
SIGNATURES: Final[tuple[tuple[str, str, frozenset[str]], ...]] = (
    (
        "douyin",
        "抖店 订单导出",
        frozenset({"主订单编号", "子订单编号", "选购商品", "订单应付金额"}),
    ),
    ("douyin", "抖店 售后单", frozenset({"售后单号", "订单号", "商品单号", "售后申请时间"})),
    ("pdd", "拼多多 售后导出", frozenset({"售后编号", "订单编号", "售后状态"})),
    ("pdd", "拼多多 订单导出", frozenset({"订单号", "用户实付金额(元)"})),
    ("pdd", "拼多多 订单导出", frozenset({"订单号", "商品总价(元)", "邮费(元)"})),
    ("kuaishou", "快手小店 订单导出", frozenset({"订单号", "实付款", "订单支付时间"})),
    ("kuaishou", "快手小店 订单导出", frozenset({"订单号", "预售/承诺发货时间"})),
    ("jd", "京东 订单导出", frozenset({"订单号", "京东价"})),
    ("jd", "京东 订单导出", frozenset({"订单号", "付款确认时间", "应付金额"})),
    ("taobao", "淘宝/天猫 退款报表", frozenset({"订单编号", "退款编号", "买家退款原因"})),
    ("taobao", "淘宝/天猫 千牛子订单导出", frozenset({"子订单编号", "主订单编号", "买家实付金额"})),
    ("taobao", "淘宝/天猫 千牛订单导出", frozenset({"订单编号", "买家实付金额", "订单付款时间"})),
    ("taobao", "淘宝/天猫 订单报表", frozenset({"订单编号", "买家会员名", "买家实际支付金额"})),
    ("taobao", "淘宝/天猫 宝贝报表", frozenset({"订单编号", "标题", "价格", "购买数量"})),
)

#: Headers of refund / after-sale exports (joined onto orders, not orders themselves).
REFUND_MARKERS: Final = frozenset({"退款编号", "售后编号", "售后单号"})

#: Fields a usable order sheet must have.
REQUIRED: Final = ("order_id", "paid_at")
#: Fields expected on every order export; missing ones are reported.
EXPECTED: Final = (
    "order_id",
    "paid_amount",
    "paid_at",
    "shipped_at",
    "signed_at",
    "refund_requested_at",
)

#: Header hints that tell Tmall from Taobao in a shared export.
TMALL_HINTS: Final = ("天猫卡券抵扣",)


def total_header_is_order_level(header: str) -> bool:
    """Whether a paid-total header is an order-level total repeated on SKU rows (JD).

    >>> total_header_is_order_level("应付金额"), total_header_is_order_level("订单应付金额")
    (True, False)
    """
    return normalize_header(header) in ORDER_LEVEL_TOTALS


def detect_platform(headers: list[str]) -> str | None:
    """Platform code from a header row (normalised), ``None`` when no signature matches."""
    found = detect_export(headers)
    return found[0] if found else None


def detect_export(headers: list[str]) -> tuple[str, str] | None:
    """(platform code, export name) of the first matching signature."""
    present = {normalize_header(h) for h in headers}
    for platform, name, signature in SIGNATURES:
        if signature <= present:
            return platform, name
    return None


def header_score(cells: list[object]) -> int:
    """How many known headers a row holds (to find the header row)."""
    known = {alias for aliases in DIRECT_ALIASES.values() for alias in aliases} | set(
        PAID_TOTAL_ALIASES
    )
    return sum(1 for cell in cells if isinstance(cell, str) and normalize_header(cell) in known)
