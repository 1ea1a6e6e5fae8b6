"""抖店 (Douyin shop) exports.

Quirks: CSV ids are written as ``"\\t6917…"`` (a tab inside the quotes, see
:func:`shoprules.workbook.readers.formats.read_csv_rows`); the 售后单's 商品单号 is the order
export's 子订单编号, so refunds join by sub-order; presale orders are marked in 订单类型.
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "douyin"

SIGNATURES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("抖店 订单导出", frozenset({"主订单编号", "子订单编号", "选购商品", "订单应付金额"})),
    ("抖店 售后单", frozenset({"售后单号", "订单号", "商品单号", "售后申请时间"})),
)

LINE_EXPORTS: Final[frozenset[str]] = frozenset()
REFUND_MARKERS: Final = frozenset({"售后单号"})
