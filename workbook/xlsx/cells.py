"""Python values as OOXML cell XML: column letters, Excel serial times, escaped text.
(One value's serial number: :func:`shoprules.workbook.cells.excel.excel_serial`.)

>>> column_letter(1), column_letter(28), column_index("AB")
('A', 'AB', 28)
>>> xml_text("=1+1 & <b>"), xml_text("a\\x01_x0041_")
('=1+1 &amp; &lt;b&gt;', 'a_x0001__x005F_x0041_')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Final

_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)
_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def column_letter(index: int) -> str:
    """1-based column number → letters."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """Column letters → 1-based column number."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def xml_text(text: str) -> str:
    """Text as cell-string XML: escaped, with the characters XML cannot carry written as
    OOXML ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` protected), as Excel does."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode_column(
    values: Sequence[object], kind: str, xf: int, date1904: bool, prefix: bytes
) -> list[bytes | None]:
    """Each value's cell XML after the row number (``" s="3"><v>1.5</v></c>``), or None for a
    blank; repeated values share one bytes object."""
    number_tail = b'" s="%d"><%sv>' % (xf, prefix)
    number_end = b"</%sv></%sc>" % (prefix, prefix)
    string_tail = b'" s="%d" t="inlineStr"><%sis><%st' % (xf, prefix, prefix)
    string_end = b"</%st></%sis></%sc>" % (prefix, prefix, prefix)
    bool_tail = b'" s="%d" t="b"><%sv>' % (xf, prefix)
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    cache: dict[tuple[type, object], bytes | None] = {}

    def encode(value: object) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, str):
            if value == "":
                return None
            text = xml_text(value)
            space = b' xml:space="preserve">' if text != text.strip() or "\n" in text else b">"
            return string_tail + space + text.encode("utf-8") + string_end
        if isinstance(value, bool):
            return bool_tail + (b"1" if value else b"0") + number_end
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            return number_tail + _number(value) + number_end
        if isinstance(value, int):
            return number_tail + b"%d" % value + number_end
        if isinstance(value, dt.datetime):
            if value != value:  # pandas NaT
                return None
            if value.tzinfo is not None:
                raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
            delta = value - epoch
            serial = (
                delta.days * 86400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
            ) / 86400e6
            return number_tail + _number(serial) + number_end
        if isinstance(value, dt.date):
            return number_tail + b"%d" % (value - epoch.date()).days + number_end
        item = getattr(value, "item", None)  # numpy scalars
        if callable(item):
            return encode(item())
        if value != value:  # pd.NA and friends
            return None
        return encode(str(value))

    encoded: list[bytes | None] = []
    append = encoded.append
    day = dt.timedelta(days=1)
    for value in values:
        if value is None:
            append(None)
            continue
        if value.__class__ is dt.datetime and value.tzinfo is None:
            serial = (value - epoch) / day
            append(number_tail + _number(serial) + number_end)  # unique values: no cache
            continue
        try:
            key = (value.__class__, value)
            found = cache.get(key, False)
        except TypeError:  # unhashable
            append(encode(value))
            continue
        if found is False:
            found = cache[key] = encode(value)
        append(found)  # type: ignore[arg-type]
    return encoded


def _number(value: float) -> bytes:
    if value.is_integer() and abs(value) < 1e15:
        return b"%d" % value
    return float.__repr__(value).encode()
