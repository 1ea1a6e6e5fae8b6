"""Mask buyer personal data (names, phones, addresses, accounts) column-wise with pandas str ops.

A column is personal when its header names a buyer's name, phone, address or account, and does
not name an amount, time or status (``买家应付货款`` is money, not a name). Phone numbers are also
masked inside every other text column (a buyer's note may carry one).

>>> frame = pd.DataFrame({"收货人姓名": ["张三丰", "李四"], "联系手机": ["13812341234", "+86 139-0000-5678"],
...     "收货地址": ["浙江省杭州市西湖区文三路 100 号", "北京市朝阳区建国路 8 号"],
...     "买家支付宝账号": ["zhangsan@qq.com", "lisi2020"], "买家应付货款": ["39.00", "88.00"]})
>>> masked, kinds = mask_frame(frame)
>>> masked.to_dict("list")["收货人姓名"], masked.to_dict("list")["联系手机"]
(['张**', '李**'], ['138****1234', '+86 139****5678'])
>>> masked["收货地址"].tolist(), masked["买家支付宝账号"].tolist(), kinds
(['浙江省杭州市西湖区***', '北京市朝阳区***'], ['zh***@qq.com', 'l***0'], {'收货人姓名': 'name', '联系手机': 'phone', '收货地址': 'address', '买家支付宝账号': 'account'})
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

__all__ = ["mask_column", "mask_frame", "personal_kind", "scrub_phones"]

_NOT_PERSONAL: Final = re.compile(
    r"金额|货款|费|款|价|数量|时间|日期|状态|原因|备注|留言|方式|评价|种类|类型|编号|单号|公司"
)
_KINDS: Final = (
    ("phone", re.compile(r"电话|手机|联系方式|phone|mobile|tel", re.IGNORECASE)),
    ("address", re.compile(r"地址|address", re.IGNORECASE)),
    (
        "account",
        re.compile(
            r"账号|帐号|账户|旺旺|会员名|昵称|支付宝|邮箱|微信|(?:买家|用户|会员|客户|buyer)\s*id|openid|account|email",
            re.IGNORECASE,
        ),
    ),
    ("name", re.compile(r"收货人|收件人|姓名|联系人|买家|客户|consignee|receiver", re.IGNORECASE)),
)
_PHONE: Final = r"(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})"
_LONG_DIGITS: Final = r"(\d{3})[\d\s-]{2,}?(\d{4})(?!\d)"
_DISTRICT: Final = r"^(.{1,24}?(?:区|县|旗|市(?=.{0,3}(?:路|街|镇|乡|道))))"
_CITY: Final = r"^(.{1,16}?(?:市|州|盟))"


def personal_kind(header: object) -> str | None:
    """``name`` / ``phone`` / ``address`` / ``account`` for a personal-data header, else ``None``.

    >>> personal_kind("收货人姓名"), personal_kind("买家实际支付金额"), personal_kind("买家会员名")
    ('name', None, 'account')
    """
    text = str(header).strip()
    if not text or _NOT_PERSONAL.search(text):
        return None
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    present = values.notna() & values.astype(str).str.strip().ne("")
    return values.astype(str).str.strip(), present


def mask_column(values: pd.Series, kind: str) -> pd.Series:
    """Mask one column of one kind; blanks stay blank."""
    text, present = _text(values)
    if kind == "name":
        masked = text.str[:1] + "**"
    elif kind == "phone":
        masked = text.str.replace(_PHONE, r"\1****\2", regex=True)
        masked = masked.str.replace(_LONG_DIGITS, r"\1****\2", regex=True)
        short = ~masked.str.contains(r"\*", regex=True)
        masked = masked.where(~short, text.str[:3] + "****")
    elif kind == "address":
        district = text.str.extract(_DISTRICT, expand=False)
        city = text.str.extract(_CITY, expand=False)
        head = district.fillna(city).fillna(text.str[:3])
        masked = head + "***"
    else:  # account
        email = text.str.extract(r"^([^@]{1,2})[^@]*(@.+)$")
        plain = text.str[:1] + "***" + text.str[-1:].where(text.str.len() > 2, "")
        masked = (email[0] + "***" + email[1]).fillna(plain)
    return masked.where(present, values).astype(object)


def mask_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Mask every personal column (by header) and phone numbers inside other text columns.

    Returns the masked copy and ``{header: kind}`` of the columns masked as personal data.
    """
    out = frame.copy()
    kinds: dict[str, str] = {}
    for column in out.columns:
        kind = personal_kind(column)
        values = out[column]
        if kind is not None:
            kinds[str(column)] = kind
            out[column] = mask_column(values, kind)
            continue
        is_text = values.map(lambda v: isinstance(v, str))
        if is_text.any():
            scrubbed = values[is_text].astype(str).str.replace(_PHONE, r"\1****\2", regex=True)
            out[column] = values.astype(object).where(~is_text, scrubbed)
    return out, kinds


def scrub_phones(values: pd.Series) -> pd.Series:
    """Mask mobile numbers inside free text (``请打 13812341234`` → ``请打 138****1234``)."""
    is_text = values.map(lambda v: isinstance(v, str))
    if not is_text.any():
        return values
    scrubbed = values[is_text].astype(str).str.replace(_PHONE, r"\1****\2", regex=True)
    return values.astype(object).where(~is_text, scrubbed)
