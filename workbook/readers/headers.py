"""Header normalisation and the one alias table of every known export (which header carries
which canonical field). Which header *sets* identify an export is in :mod:`.exports`.

>>> normalize_header(" 订单付款时间 \\ufeff"), normalize_header("退款金额（元）"), normalize_header("动帐流水号")
('订单付款时间', '退款金额(元)', '动账流水号')
>>> header_score(["订单编号", "收货地址", "付款时间", 3])
2
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
    "buyer_id": ("买家会员名", "买家昵称", "买家ID", "买家账号", "买家用户名"),
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
    "seller_agreed_at": ("同意售后时间", "同意售后申请时间", "同意退款时间"),
    "return_shipped_at": ("买家退货时间", "退货发货时间"),
    "refund_reason": ("退款原因", "买家退款原因", "售后原因"),
    "refund_status": ("退款状态", "售后状态"),
    "free_shipping": ("包邮", "是否包邮"),
    "returnable": ("支持七天无理由", "七天无理由", "是否支持七天无理由"),
    "goods_type": ("商品类型",),
    "complaint_upheld": ("投诉成立", "投诉是否成立"),
    "paid_before_ruling": ("已主动赔付", "是否主动赔付"),
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

#: Columns that mark presale orders when there is no 商品类型 column: (header, how), tried in
#: order (Taobao 预售订单, Kuaishou 预售定金支付时间, Douyin 订单类型). ``flag``: a yes word
#: (:data:`~shoprules.workbook.cells.booleans.TRUE_WORDS`) or 预售; ``filled``: any value (a
#: deposit time); ``contains``: text with 预售.
PRESALE_COLUMNS: Final = (
    ("预售订单", "flag"),
    ("是否预售", "flag"),
    ("预售定金支付时间", "filled"),
    ("订单类型", "contains"),
)

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


def header_score(cells: list[object]) -> int:
    """How many known headers a row holds (to find the header row)."""
    known = {alias for aliases in DIRECT_ALIASES.values() for alias in aliases} | set(
        PAID_TOTAL_ALIASES
    )
    return sum(1 for cell in cells if isinstance(cell, str) and normalize_header(cell) in known)
