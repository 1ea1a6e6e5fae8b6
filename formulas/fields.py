"""Canonical order fields: the engine's column names, their Chinese headers and their kinds.

Every reader produces a :class:`pandas.DataFrame` with these column names and dtypes, and every
calculator takes one. Kinds and dtypes:

- ``id`` / ``text`` / ``enum``: pandas ``object`` column of ``str`` or ``None``
- ``money``: nullable ``Int64`` in **fen** (分, 1/100 yuan) — never floats
- ``time``: ``datetime64[ns]``, naive China time (UTC+8), ``NaT`` when missing
- ``bool``: nullable ``boolean``

>>> FIELDS["paid_amount"].chinese
'实付金额'
>>> FIELDS["paid_amount"].kind
'money'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FieldKind = Literal["id", "text", "enum", "money", "time", "bool"]


@dataclass(frozen=True)
class Field:
    name: str
    chinese: str
    kind: FieldKind
    description: str


_FIELD_LIST: Final[tuple[Field, ...]] = (
    Field("order_id", "订单编号", "id", "order id, kept as text exactly"),
    Field("sub_order_id", "子订单编号", "id", "sub-order / SKU line id, kept as text"),
    Field("platform", "平台", "enum", "platform code: taobao tmall pdd douyin kuaishou jd"),
    Field("title", "商品标题", "text", "item title"),
    Field(
        "paid_amount", "实付金额", "money", "item's actually paid amount, postage excluded (fen)"
    ),
    Field("postage", "邮费", "money", "postage paid by the buyer (fen)"),
    Field("buyer_id", "买家会员名", "text", "buyer account (groups same-buyer same-day caps)"),
    Field("paid_at", "付款时间", "time", "payment time"),
    Field("promised_ship_by", "承诺发货时间", "time", "promised ship-by time (beats the default)"),
    Field("shipped_at", "发货时间", "time", "time the seller shipped / uploaded tracking"),
    Field("picked_up_at", "揽收时间", "time", "carrier pickup time"),
    Field("signed_at", "签收时间", "time", "buyer sign-for time"),
    Field("confirmed_at", "确认收货时间", "time", "buyer confirmed receipt"),
    Field("refund_requested_at", "退款申请时间", "time", "refund / return request time"),
    Field(
        "seller_agreed_at", "同意售后时间", "time", "seller agreed to the refund / return request"
    ),
    Field(
        "return_shipped_at", "买家退货时间", "time", "buyer shipped the return (tracking filled)"
    ),
    Field("refund_reason", "退款原因", "text", "refund reason as the buyer chose it"),
    Field("refund_status", "退款状态", "text", "refund status text"),
    Field("free_shipping", "包邮", "bool", "the item shipped free"),
    Field("returnable", "支持七天无理由", "bool", "item supports 7-day no-reason return"),
    Field("goods_type", "商品类型", "enum", "normal direct_supply direct_mail presale custom"),
    Field(
        "complaint_upheld", "投诉成立", "bool", "the buyer's complaint was upheld by the platform"
    ),
    Field(
        "paid_before_ruling", "已主动赔付", "bool", "the shop paid the damages before the ruling"
    ),
)

FIELDS: Final[dict[str, Field]] = {f.name: f for f in _FIELD_LIST}
FIELD_NAMES: Final[tuple[str, ...]] = tuple(f.name for f in _FIELD_LIST)
CHINESE_TO_FIELD: Final[dict[str, str]] = {f.chinese: f.name for f in _FIELD_LIST}

PLATFORMS: Final[tuple[str, ...]] = ("taobao", "tmall", "pdd", "douyin", "kuaishou", "jd")

PLATFORM_CHINESE: Final[dict[str, str]] = {
    "taobao": "淘宝",
    "tmall": "天猫",
    "pdd": "拼多多",
    "douyin": "抖音",
    "kuaishou": "快手",
    "jd": "京东",
}

_PLATFORM_ALIASES: Final[dict[str, str]] = {
    **{code: code for code in PLATFORMS},
    **{cn: code for code, cn in PLATFORM_CHINESE.items()},
    "淘宝网": "taobao",
    "天猫商城": "tmall",
    "pinduoduo": "pdd",
    "拼多多商家": "pdd",
    "抖店": "douyin",
    "抖音小店": "douyin",
    "抖音电商": "douyin",
    "快手小店": "kuaishou",
    "京东pop": "jd",
    "京东商城": "jd",
    "jingdong": "jd",
}

GOODS_TYPES: Final[dict[str, str]] = {
    "normal": "普通",
    "direct_supply": "直供",
    "direct_mail": "直邮",
    "presale": "预售",
    "custom": "定制",
}

_GOODS_TYPE_ALIASES: Final[dict[str, str]] = {
    **{code: code for code in GOODS_TYPES},
    **{cn: code for code, cn in GOODS_TYPES.items()},
    "普通商品": "normal",
    "现货": "normal",
    "直供商品": "direct_supply",
    "海淘直供": "direct_supply",
    "直邮商品": "direct_mail",
    "海外直邮": "direct_mail",
    "预售商品": "presale",
    "定制商品": "custom",
}


def _key(text: object) -> str:
    return str(text).strip().lower().replace(" ", "")


def normalize_platform(text: object) -> str | None:
    """Platform code for a name in Chinese or English, ``None`` when unknown.

    >>> normalize_platform("抖店"), normalize_platform(" TMall "), normalize_platform("亚马逊")
    ('douyin', 'tmall', None)
    """
    if text is None:
        return None
    return _PLATFORM_ALIASES.get(_key(text))


def normalize_goods_type(text: object) -> str | None:
    """Goods-type code for 普通/直供/直邮/预售/定制 (or the English code); blank → ``normal``.

    >>> normalize_goods_type("直邮"), normalize_goods_type(""), normalize_goods_type("奇怪")
    ('direct_mail', 'normal', None)
    """
    if text is None or _key(text) in ("", "nan", "none"):
        return "normal"
    return _GOODS_TYPE_ALIASES.get(_key(text))
