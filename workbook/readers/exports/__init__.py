"""The platforms' export formats, one module per platform: which header sets identify each of
its exports (signatures) and the export's quirks.

Header *aliases* (which header carries which field) stay in one table,
:mod:`shoprules.workbook.readers.headers`: the same header (订单号, 运费, 申请时间) is written by
several platforms, and the order of a field's aliases is a priority across all of them.

>>> detect_export(["主订单编号", "子订单编号", "选购商品", "订单应付金额", "运费"])
('douyin', '抖店 订单导出')
>>> detect_platform(["订单号", "京东价"]), detect_platform(["订单编号"])
('jd', None)
"""

from __future__ import annotations

from typing import Final

from ..headers import normalize_header
from . import douyin, jd, kuaishou, pdd, taobao

#: Platform modules in the order their signatures are tried (the first match wins).
PLATFORM_EXPORTS: Final = (douyin, pdd, kuaishou, jd, taobao)

#: (platform code, export name, headers that must all be present), in matching order.
SIGNATURES: Final[tuple[tuple[str, str, frozenset[str]], ...]] = tuple(
    (module.PLATFORM, name, signature)
    for module in PLATFORM_EXPORTS
    for name, signature in module.SIGNATURES
)

#: Exports with one row per item line and no sub-order id (the order id repeats by design).
LINE_EXPORTS: Final[frozenset[str]] = frozenset().union(
    *(module.LINE_EXPORTS for module in PLATFORM_EXPORTS)
)

#: Headers of refund / after-sale exports (joined onto orders, not orders themselves).
REFUND_MARKERS: Final[frozenset[str]] = frozenset().union(
    *(module.REFUND_MARKERS for module in PLATFORM_EXPORTS)
)

ORDER_LEVEL_TOTALS: Final = jd.ORDER_LEVEL_TOTALS
TMALL_HINTS: Final = taobao.TMALL_HINTS


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
