"""Invariants of the masking policy for every phone, ID number and text (hypothesis)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shoprules.workbook.masking import KIND_LABELS, mask_column, mask_frame, scrub

_DIGITS = "0123456789"
_FULL = "０１２３４５６７８９"
_CHINESE = "〇一二三四五六七八九"
_TO_ASCII = str.maketrans(_FULL + _CHINESE + "零幺", _DIGITS * 2 + "01")
# text around a number: CJK, Latin letters and punctuation, no digits of any script
_FILLER = st.text(
    alphabet=st.sampled_from([*"请打电话给收件人张李王先生女士备注到了谢谢，。：: ab", "\n"]),
    max_size=12,
)
_PREFIXES = ("", "+86 ", "+86", "0086 ", "0086-", "86", "(86)", "（+86）", "＋８６ ")
_SEPARATORS = ("", " ", "-", ".", "－", "　")


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(the 11 digits, the phone as written: script, separators, prefix)."""
    digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text(_DIGITS, min_size=9, max_size=9))
    script = draw(st.sampled_from(("ascii", "full", "chinese", "幺")))
    if script == "full":
        shown = digits.translate(str.maketrans(_DIGITS, _FULL))
    elif script in ("chinese", "幺"):
        shown = digits.translate(str.maketrans(_DIGITS, _CHINESE))
        if script == "幺":
            shown = shown.replace("一", "幺")
    else:
        shown = digits
    sep = draw(st.sampled_from(_SEPARATORS))
    if sep:
        shown = shown[:3] + sep + shown[3:7] + sep + shown[7:]
    prefix = draw(st.sampled_from(_PREFIXES)) if script != "chinese" else ""
    return digits, prefix + shown


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(the ID as ASCII, as written): 18 digits (check X/x) or a 15-digit old ID."""
    region = str(draw(st.integers(110000, 659999)))
    birth = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    seq = draw(st.text(_DIGITS, min_size=3, max_size=3))
    if draw(st.booleans()):
        ident = f"{region}{birth:%y%m%d}{seq}"
    else:
        ident = f"{region}{birth:%Y%m%d}{seq}" + draw(st.sampled_from("0123456789Xx"))
    shown = ident.translate(str.maketrans(_DIGITS, _FULL)) if draw(st.booleans()) else ident
    return ident, shown


def _leaks(original: str, masked: str) -> bool:
    """Whether 7+ consecutive characters of the original number survive in the masked text."""
    flat = re.sub(r"[ \u3000.\-－—·]", "", masked.translate(_TO_ASCII))
    return any(original[i : i + 7] in flat for i in range(len(original) - 6))


@settings(max_examples=300, deadline=None)
@given(phones(), _FILLER, _FILLER)
def test_phone_in_free_text_never_leaks(phone: tuple[str, str], before: str, after: str) -> None:
    digits, shown = phone
    masked = scrub(before + shown + after)
    assert "****" in masked
    assert not _leaks(digits, masked)
    assert masked.startswith(before)
    assert masked.endswith(after)


@settings(max_examples=300, deadline=None)
@given(id_numbers(), _FILLER, _FILLER)
def test_id_number_in_free_text_never_leaks(
    ident: tuple[str, str], before: str, after: str
) -> None:
    original, shown = ident
    masked = scrub(before + shown + after)
    assert not _leaks(original, masked)


@settings(max_examples=200, deadline=None)
@given(st.lists(phones(), min_size=1, max_size=20))
def test_phone_column_never_leaks(items: list[tuple[str, str]]) -> None:
    out = mask_column(pd.Series([shown for _, shown in items]), "phone")
    for (digits, _), masked in zip(items, out, strict=True):
        assert not _leaks(digits, masked)


@settings(max_examples=200, deadline=None)
@given(st.lists(id_numbers(), min_size=1, max_size=20))
def test_id_number_column_never_leaks(items: list[tuple[str, str]]) -> None:
    out = mask_column(pd.Series([shown for _, shown in items]), "id_number")
    for (original, _), masked in zip(items, out, strict=True):
        assert not _leaks(original, masked)


_PIECES = st.one_of(
    phones().map(lambda p: p[1]),
    id_numbers().map(lambda i: i[1]),
    st.sampled_from(
        [
            "张三",
            "欧阳娜娜",
            "浙江省杭州市西湖区文三路100号",
            "北京 北京市 朝阳区 建国路8号",
            "西溪街道",
            "杭州某某科技有限公司",
            "zhangsan@qq.com",
            "个人",
            "收件人:",
            "，",
            " ",
            "；",
            "200120",
        ]
    ),
    st.text(max_size=8),
)
_VALUES = st.lists(_PIECES, min_size=1, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(KIND_LABELS)), st.lists(_VALUES, min_size=1, max_size=10))
@example("phone", ["13000000000１３０ ００００ ００００"])  # a lazy digit-run match left 8 digits
def test_masking_is_idempotent(kind: str, values: list[str]) -> None:
    once = mask_column(pd.Series(values, dtype=object), kind)
    twice = mask_column(once, kind)
    assert twice.tolist() == once.tolist()


@settings(max_examples=300, deadline=None)
@given(_VALUES)
@example("130 0000 13000086 13000000000")  # masking the last phone made the digits before it one
def test_scrub_is_idempotent(value: str) -> None:
    assert scrub(scrub(value)) == scrub(value)


_NEVER_HEADERS = (
    "售后单号",
    "商品ID",
    "订单编号",
    "子订单号",
    "物流单号",
    "快递单号",
    "SKU编码",
    "是否手机订单",
    "手机订单",
    "订单类型",
    "买家实际支付金额",
    "订单付款时间",
    "订单状态",
    "运送方式",
)
_CELLS = st.one_of(
    _VALUES,
    st.integers(),
    st.floats(allow_nan=True),
    st.none(),
    st.sampled_from(["否", "是", "手机订单", "电脑订单", "13812345678"]),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_NEVER_HEADERS), st.lists(_CELLS, min_size=1, max_size=20))
def test_non_personal_columns_unchanged(header: str, cells: list[object]) -> None:
    frame = pd.DataFrame({header: pd.Series(cells, dtype=object)})
    masked, kinds = mask_frame(frame)
    assert kinds == {}
    pd.testing.assert_frame_equal(masked, frame)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(categories=["L", "P", "Zs"])), st.none(), st.integers()
        ),
        max_size=20,
    )
)
def test_free_text_without_numbers_unchanged(cells: list[object]) -> None:
    cells = [
        c
        for c in cells
        if not (isinstance(c, str) and re.search(r"[\d〇零一二三四五六七八九幺]", c))
    ]
    frame = pd.DataFrame({"买家留言": pd.Series(cells, dtype=object)})
    masked, _ = mask_frame(frame)
    pd.testing.assert_frame_equal(masked, frame)
