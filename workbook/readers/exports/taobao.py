"""淘宝/天猫 (Taobao and Tmall) exports: the same formats for both platforms.

Quirks: ids written as ``="…"`` formulas in CSV; Tmall is told from Taobao only by Tmall-only
headers (:data:`TMALL_HINTS`), otherwise the file is read as Taobao with a note; the 宝贝报表 has
one row per item line without a sub-order id; presale orders are marked in 预售订单.
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "taobao"

SIGNATURES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("淘宝/天猫 退款报表", frozenset({"订单编号", "退款编号", "买家退款原因"})),
    ("淘宝/天猫 千牛子订单导出", frozenset({"子订单编号", "主订单编号", "买家实付金额"})),
    ("淘宝/天猫 千牛订单导出", frozenset({"订单编号", "买家实付金额", "订单付款时间"})),
    ("淘宝/天猫 订单报表", frozenset({"订单编号", "买家会员名", "买家实际支付金额"})),
    ("淘宝/天猫 宝贝报表", frozenset({"订单编号", "标题", "价格", "购买数量"})),
)

LINE_EXPORTS: Final = frozenset({"淘宝/天猫 宝贝报表"})
REFUND_MARKERS: Final = frozenset({"退款编号"})

#: Header hints that tell Tmall from Taobao in a shared export.
TMALL_HINTS: Final = ("天猫卡券抵扣",)
