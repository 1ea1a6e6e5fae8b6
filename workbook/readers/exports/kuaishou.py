"""快手小店 (Kuaishou shop) exports.

Quirk: presale orders are the ones with a 预售定金支付时间 (deposit time).
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "kuaishou"

SIGNATURES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("快手小店 订单导出", frozenset({"订单号", "实付款", "订单支付时间"})),
    ("快手小店 订单导出", frozenset({"订单号", "预售/承诺发货时间"})),
)

LINE_EXPORTS: Final[frozenset[str]] = frozenset()
REFUND_MARKERS: Final[frozenset[str]] = frozenset()
