"""The one masking policy for buyer personal data: header families, value maskers, free-text scrubber.

A column's header decides first (:data:`HEADER_FAMILIES`, first match wins): a personal family
is masked by its kind, an id / flag / amount / time / status family is never touched, and every
other text column is free text in which phones and ID numbers are scrubbed (:func:`scrub_text`).

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
from pandas.api.types import is_object_dtype, is_string_dtype

__all__ = [
    "HEADER_FAMILIES",
    "KINDS",
    "KIND_LABELS",
    "NEVER",
    "TEXT",
    "header_family",
    "mask_column",
    "mask_frame",
    "personal_kind",
    "scrub",
    "scrub_phones",
    "scrub_text",
]

#: Personal kinds and their label in the audit's 来源 sheet.
KIND_LABELS: Final[dict[str, str]] = {
    "name": "姓名",
    "phone": "电话",
    "address": "地址",
    "street": "街道/详细地址",
    "account": "账号",
    "im_account": "QQ/微信",
    "id_number": "证件号",
    "invoice_title": "发票抬头",
    "combined": "收件信息",
}
KINDS: Final = frozenset(KIND_LABELS)
#: Family of columns that are never masked nor scrubbed (ids, flags, amounts, times, statuses).
NEVER: Final = "never"
#: Family of free-text columns: phones and ID numbers inside are scrubbed.
TEXT: Final = "text"

#: Header family → kind, first match wins (headers normalised, lower case). Personal families
#: that contain an id-like word (身份证号, QQ号, 买家ID) come before the never-mask ids.
HEADER_FAMILIES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("name", r"(?:身份证|证件)(?:上的)?姓名"),
        ("id_number", r"身份证|证件号|证件号码"),
        ("im_account", r"qq|微信|wechat|weixin"),
        ("account", r"(?:买家|用户|会员|客户|buyer)(?:id|账号)|openid"),
        # ids: an id column's 11-digit values are not phones
        (NEVER, r"单号|编号|流水号|编码|条码|货号|款号|批次|sku|(?<![a-z])id(?![a-z])|识别号|税号"),
        ("invoice_title", r"抬头(?!类型)"),
        ("combined", r"(?:收件|收货|收货人|收件人|联系|买家)信息"),
        ("phone", r"联系方式"),
        # notes and reasons are free text (scrubbed), even when the header says 买家
        (TEXT, r"备注|留言|评价|原因|说明|描述|内容"),
        # flags, enums, amounts, times, statuses, and province / city / district
        (
            NEVER,
            r"是否|订单$|标记|标签|来源|渠道|终端|设备|金额|货款|费|款|价|数量|时间|日期|状态"
            r"|方式|种类|类型|公司|^(?:收货|收件)?(?:省|省份|市|城市|区|区县|县)$",
        ),
        ("street", r"街道|详细地址|门牌|乡镇"),
        ("phone", r"电话|手机|phone|mobile|tel"),
        ("address", r"地址|address"),
        ("account", r"账号|账户|旺旺|会员名|昵称|支付宝|邮箱|account|email"),
        ("name", r"收货人|收件人|姓名|联系人|买家|客户|consignee|receiver"),
    )
)

# spaces, BOM, zero-width characters and quotes of a header; 帐 spelled 账
_HEADER_NOISE: Final = re.compile(r"[\s\u3000\ufeff\u200b\u200c\u200d\u2060\"']+")

# --- free text: phones and ID numbers --------------------------------------------------------
_AR: Final = "0-9０-９"  # Arabic digits, ASCII and full-width
_CN: Final = "〇零一二三四五六七八九幺"  # Chinese numerals, 幺 read as 1
_SEP: Final = r"[ \u3000.\-－—·]{0,2}"
_PREFIX: Final = r"((?:(?:[+＋]|00|００)\s?)?(?:86|８６)[ \u3000\-]?|[(（][+＋]?86[)）]\s?)?"


def _phone(first: str, second: str, digit: str) -> re.Pattern[str]:
    groups = f"([{first}])([{second}])" + "".join(f"{_SEP}([{digit}])" for _ in range(9))
    # not right before a masked middle (****): masking a phone must not make its neighbour one
    return re.compile(rf"(?<![{digit}]){_PREFIX}{groups}(?![{digit}]|\*{{4}})")


_PHONE_AR: Final = _phone("1１", "3-9３-９", _AR)
_PHONE_CN: Final = _phone("一幺", "三四五六七八九", _CN)
_ID18: Final = re.compile(
    rf"(?<![{_AR}])([1-9１-９][{_AR}]{{5}})([ \-]?[{_AR}]{{8}}[ \-]?)([{_AR}]{{3}}[{_AR}XxＸｘ])(?![{_AR}A-Za-z])"
)
_ID15: Final = re.compile(
    rf"(?<![{_AR}])([1-9１-９][{_AR}]{{5}})([{_AR}]{{5}})([{_AR}]{{4}})(?![{_AR}])"
)
_BIRTH: Final = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_BIRTH15: Final = re.compile(r"\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_TO_ASCII: Final = str.maketrans("０１２３４５６７８９", "0123456789")
_FORMS: Final = {"id18": _ID18, "id15": _ID15, "ar": _PHONE_AR, "cn": _PHONE_CN}
# every form in one alternation, so a cell is scanned once; the form found masks its match
_SCRUB: Final = re.compile("|".join(f"(?P<{name}>{p.pattern})" for name, p in _FORMS.items()))


# a run of 7+ digits of one script (with separators, prefix, and a masked middle **** so a
# phone is never found again beside one) — cheap to find, starts with a charset
_RUN: Final = re.compile(
    rf"[{_AR}+＋(（][{_AR}XxＸｘ \u3000.\-－—·()（）+＋*]{{6,}}|[{_CN}][{_CN} \u3000.\-－—·*]{{6,}}"
)
# where each form's own groups start in _SCRUB (group 0 of the form = its outer group)
_BASE: Final = {name: _SCRUB.groupindex[name] for name in _FORMS}


def _scrub_match(match: re.Match[str]) -> str:
    form = match.lastgroup or "ar"
    base = _BASE[form]
    parts: tuple[str, ...] = match.groups()[base : base + _FORMS[form].groups]
    if form in ("ar", "cn"):  # prefix, then 11 digits
        return (parts[0] or "") + "".join(parts[1:4]) + "****" + "".join(parts[8:])
    head, middle, tail = parts
    digits = middle.translate(_TO_ASCII).replace(" ", "").replace("-", "")
    birth = digits if form == "id18" else digits + tail[0].translate(_TO_ASCII)
    if not (_BIRTH if form == "id18" else _BIRTH15).fullmatch(birth):
        return match.group(0)
    return head + "*" * len(digits) + tail


def _scrub_run(match: re.Match[str]) -> str:
    return _SCRUB.sub(_scrub_match, match.group(0))


def scrub(text: str) -> str:
    """Mask phones and ID numbers inside one free text (every form of :func:`scrub_text`).

    >>> scrub("请打 １３８ ００１２ ３４５６ 或 一三八一二三四五六七八，身份证 11010119900307123X")
    '请打 １３８****３４５６ 或 一三八****五六七八，身份证 110101********123X'
    """
    return _RUN.sub(_scrub_run, text)


def scrub_text(values: pd.Series) -> pd.Series:
    """Mask phones and ID numbers inside free text; other values and non-text cells unchanged.

    Phones: 11 digits from 13–19, ASCII or full-width digits or Chinese numerals (幺 = 1), with
    spaces, dots or dashes between digits and an optional +86 / 0086 / (86) prefix; the first 3
    and last 4 digits stay. ID numbers: 18 digits (last X allowed) or 15 digits with a valid
    birth date; the region (6) and the last 4 stay.

    >>> scrub_text(pd.Series(["请打 13812341234", "电话 +86 138.1234.1234", 5, None])).tolist()
    ['请打 138****1234', '电话 +86 138****1234', 5, None]
    """
    if values.empty or not (is_object_dtype(values) or is_string_dtype(values)):
        return values
    try:
        scrubbed = values.str.replace(_RUN, _scrub_run, regex=True)
    except AttributeError:  # no text at all in the column
        return values
    return scrubbed.where(scrubbed.notna(), values)


#: Former name (it scrubbed phones only); the audit's ledger notes still call it.
scrub_phones = scrub_text


# --- header families --------------------------------------------------------------------------


def header_family(header: object) -> str | None:
    """Kind of a personal-data header, ``"never"`` for ids / flags / amounts / times / statuses,
    ``"text"`` or ``None`` for free text (scrubbed for phones and ID numbers).

    >>> header_family("收件人手机号"), header_family("售后单号"), header_family("是否手机订单"), header_family("买家留言")
    ('phone', 'never', 'never', 'text')
    >>> header_family("商品标题"), header_family("QQ号"), header_family("身份证号"), header_family("街道")
    (None, 'im_account', 'id_number', 'street')
    """
    text = _HEADER_NOISE.sub("", str(header if header is not None else "")).replace("帐", "账")
    text = text.lower()
    if not text:
        return None
    for kind, pattern in HEADER_FAMILIES:
        if pattern.search(text):
            return kind
    return None


def personal_kind(header: object) -> str | None:
    """The personal kind of a header (a key of :data:`KIND_LABELS`), else ``None``.

    >>> personal_kind("收货人姓名"), personal_kind("买家实际支付金额"), personal_kind("买家会员名")
    ('name', None, 'account')
    >>> personal_kind("收货信息"), personal_kind("发票抬头"), personal_kind("商品ID")
    ('combined', 'invoice_title', None)
    """
    family = header_family(header)
    return family if family in KINDS else None


# --- value maskers ----------------------------------------------------------------------------
_PHONE: Final = r"(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})"
_PLAIN_PHONE: Final = re.compile(r"1[3-9][0-9]{9}")
_LONG_DIGITS: Final = r"(\d{3})[\d\s-]{2,}(\d{4})(?!\d)"
_DISTRICT: Final = r"^(.{1,24}?(?:区|县|旗|市(?=.{0,3}(?:路|街|镇|乡|道))))"
_CITY: Final = r"^(.{1,16}?(?:市|州|盟))"
_PERSON_TITLE: Final = r"[\u4e00-\u9fff·]{2,4}"
_ORGANISATION: Final = (
    r"公司|厂|店|部|中心|集团|院|校|局|所|行|社|会|馆|站|室|团|委|处|场|园|坊|铺|厅|个人"
)
_SEPS: Final = r"\s,，;；:：|/、"
_PROVINCES: Final = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南"
    "|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_LABELS: Final = "收件人|收货人|姓名|联系人|电话|手机|地址|收件信息|收货信息|先生|女士"
_COMBINED_NAME: Final = re.compile(
    rf"(?<![^{_SEPS}])(?=[\u4e00-\u9fff])(?!(?:{_PROVINCES}|{_LABELS})(?:[{_SEPS}]|$))"
    rf"(?![\u4e00-\u9fff·]{{0,3}}(?:省|市|区|县|旗|州|盟|镇|乡|村|路|街|道|号)(?:[{_SEPS}]|$))"
    rf"([\u4e00-\u9fff])[\u4e00-\u9fff·]{{1,3}}(?=[{_SEPS}]|$|[0-9０-９+＋(（])"
)
_COMBINED_DISTRICT: Final = re.compile(
    r"(?<![^,，;；|\n])([^,，;；|\n]*?(?:区|县|旗|市(?=[^,，;；|\n]{0,3}(?:路|街|镇|乡|道))))"
    r"[^,，;；|\n]+"
)
_COMBINED_STREET: Final = re.compile(
    r"(?<![^\s,，;；|])[^\s,，;；|*]*(?:路|街|巷|弄|号|村|小区|栋|幢|单元|室)[^,，;；|*]*"
)


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype(str).str.strip()
    return text, values.notna() & text.ne("")


def _mask_phone(text: pd.Series) -> pd.Series:
    # The usual cell, 11 ASCII digits, is masked by slicing; the other forms by the patterns.
    plain = text.str.fullmatch(_PLAIN_PHONE).fillna(False).to_numpy(dtype=bool)
    if plain.all():
        return text.str[:3] + "****" + text.str[-4:]
    if plain.any():
        out = text.copy()
        out[plain] = text[plain].str[:3] + "****" + text[plain].str[-4:]
        out[~plain] = _mask_phone_forms(text[~plain])
        return out
    return _mask_phone_forms(text)


def _mask_phone_forms(text: pd.Series) -> pd.Series:
    masked = text.str.replace(_PHONE, r"\1****\2", regex=True)
    masked = scrub_text(masked)
    masked = masked.str.replace(_LONG_DIGITS, r"\1****\2", regex=True)
    short = ~masked.str.contains(r"\*", regex=True)
    return masked.where(~short, text.str[:3] + "****")


def _mask_address(text: pd.Series, fallback: pd.Series) -> pd.Series:
    district = text.str.extract(_DISTRICT, expand=False)
    city = text.str.extract(_CITY, expand=False)
    head = district.fillna(city).fillna(fallback)
    return (head + "***").where(~text.str.endswith("***"), text)


def _mask_account(text: pd.Series) -> pd.Series:
    masked = text.str[:1] + "***" + text.str[-1:].where(text.str.len() > 2, "")
    at = text.str.contains("@", regex=False).fillna(False).to_numpy(dtype=bool)
    if at.any():
        email = text[at].str.extract(r"^([^@]{1,2})[^@]*(@.+)$")
        masked[at] = (email[0] + "***" + email[1]).fillna(masked[at])
    return masked.where(~text.str.contains("***", regex=False), text)


def _mask_id_number(text: pd.Series) -> pd.Series:
    compact = text.str.replace(r"[\s\-]", "", regex=True)
    official = compact.str.fullmatch(r"[0-9０-９]{15}|[0-9０-９]{17}[0-9０-９XxＸｘ]")
    long_form = (
        compact.str[:6] + compact.str[6:-4].str.replace(r".", "*", regex=True) + compact.str[-4:]
    )
    return long_form.where(official, _mask_account(text))


def _mask_invoice_title(text: pd.Series) -> pd.Series:
    person = text.str.fullmatch(_PERSON_TITLE) & ~text.str.contains(_ORGANISATION, regex=True)
    return (text.str[:1] + "**").where(person, scrub_text(text))


def _mask_combined(text: pd.Series) -> pd.Series:
    masked = scrub_text(text)
    masked = masked.str.replace(_COMBINED_DISTRICT, r"\1***", regex=True)
    masked = masked.str.replace(_COMBINED_STREET, "***", regex=True)
    return masked.str.replace(_COMBINED_NAME, r"\1**", regex=True)


def mask_column(values: pd.Series, kind: str) -> pd.Series:
    """Mask one column of one personal kind (a key of :data:`KIND_LABELS`); blanks stay blank.

    >>> mask_column(pd.Series(["张三，13812345678，浙江省杭州市西湖区文三路100号"]), "combined").tolist()
    ['张**，138****5678，浙江省杭州市西湖区***']
    >>> mask_column(pd.Series(["张三", "杭州某某科技有限公司"]), "invoice_title").tolist()
    ['张**', '杭州某某科技有限公司']
    """
    if kind not in KINDS:
        raise ValueError(f"未知的个人信息类别 {kind!r}（应为 {'、'.join(sorted(KINDS))}）")
    codes, uniques = pd.factorize(values.reset_index(drop=True))
    if 2 * len(uniques) < len(values):  # repeated values (one buyer, many orders): mask each once
        masked = _mask_values(pd.Series(uniques, dtype=object), kind).to_numpy(dtype=object)
        out = masked[codes]
        out[codes < 0] = values.to_numpy(dtype=object)[codes < 0]
        return pd.Series(out, index=values.index, dtype=object)
    return _mask_values(values, kind)


def _mask_values(values: pd.Series, kind: str) -> pd.Series:
    text, present = _text(values)
    if kind == "name":
        masked = text.str[:1] + "**"
    elif kind == "phone":
        masked = _mask_phone(text)
    elif kind == "address":
        masked = _mask_address(text, text.str[:3])
    elif kind == "street":
        masked = _mask_address(text, pd.Series("", index=text.index))
    elif kind == "id_number":
        masked = _mask_id_number(text)
    elif kind == "invoice_title":
        masked = _mask_invoice_title(text)
    elif kind == "combined":
        masked = _mask_combined(text)
    else:  # account, im_account
        masked = _mask_account(text)
    return masked.where(present, values).astype(object)


def mask_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Mask every personal column (by header family) and phones / ID numbers inside free text.

    Returns the masked copy and ``{header: kind}`` of the columns masked as personal data;
    id, flag, amount, time and status columns come back unchanged.
    """
    out = frame.copy()
    kinds: dict[str, str] = {}
    for position, column in enumerate(out.columns):
        family = header_family(column)
        if family == NEVER:
            continue
        values = out.iloc[:, position]
        if family in KINDS:
            kinds[str(column)] = family
            out.isetitem(position, mask_column(values, family))
        else:
            out.isetitem(position, scrub_text(values))
    return out, kinds
