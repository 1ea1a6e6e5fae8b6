"""京东 (JD POP) exports.

Quirks: one row per SKU line without a sub-order id (the order id repeats by design), and the
order's totals (应付金额, 运费金额) repeated on every SKU row — counted once per order.
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "jd"

SIGNATURES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("京东 订单导出", frozenset({"订单号", "京东价"})),
    ("京东 订单导出", frozenset({"订单号", "付款确认时间", "应付金额"})),
)

LINE_EXPORTS: Final = frozenset({"京东 订单导出"})
REFUND_MARKERS: Final[frozenset[str]] = frozenset()

#: Paid totals that JD writes per *order* and repeats on each of the order's SKU rows.
ORDER_LEVEL_TOTALS: Final = frozenset({"应付金额", "订单金额", "结算金额"})
