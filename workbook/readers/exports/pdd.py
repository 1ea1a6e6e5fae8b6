"""拼多多 (Pinduoduo) exports: the order export (two header generations) and the 售后 export."""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "pdd"

SIGNATURES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("拼多多 售后导出", frozenset({"售后编号", "订单编号", "售后状态"})),
    ("拼多多 订单导出", frozenset({"订单号", "用户实付金额(元)"})),
    ("拼多多 订单导出", frozenset({"订单号", "商品总价(元)", "邮费(元)"})),
)

LINE_EXPORTS: Final[frozenset[str]] = frozenset()
REFUND_MARKERS: Final = frozenset({"售后编号"})
