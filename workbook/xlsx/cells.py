"""Python values as OOXML cell XML: Excel serial times, escaped text. (Column letters and one
value's serial number: :mod:`shoprules.workbook.cells.excel`.)

>>> xml_text("=1+1 & <b>"), xml_text("a\\x01_x0041_")
('=1+1 &amp; &lt;b&gt;', 'a_x0001__x005F_x0041_')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)
_UNIX_EPOCH: Final = dt.datetime(1970, 1, 1)
_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def xml_text(text: str) -> str:
    """Text as cell-string XML: escaped, with the characters XML cannot carry written as
    OOXML ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` protected), as Excel does."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Encoder:
    """One column's cell XML pieces (style, namespace prefix, epoch) and the per-value encoder."""

    __slots__ = ("bool_tail", "epoch", "number_end", "number_tail", "string_end", "string_tail")

    def __init__(self, xf: int, date1904: bool, prefix: bytes) -> None:
        self.number_tail = b'" s="%d"><%sv>' % (xf, prefix)
        self.number_end = b"</%sv></%sc>" % (prefix, prefix)
        self.string_tail = b'" s="%d" t="inlineStr"><%sis><%st' % (xf, prefix, prefix)
        self.string_end = b"</%st></%sis></%sc>" % (prefix, prefix, prefix)
        self.bool_tail = b'" s="%d" t="b"><%sv>' % (xf, prefix)
        self.epoch = _EPOCH_1904 if date1904 else _EPOCH_1900

    def encode(self, value: object) -> bytes | None:
        """The cell XML after the row number, or None for a blank."""
        if value is None:
            return None
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, bool):
            return self.bool_tail + (b"1" if value else b"0") + self.number_end
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            return self.number_tail + _number(value) + self.number_end
        if isinstance(value, int):
            return self.number_tail + b"%d" % value + self.number_end
        if isinstance(value, dt.datetime):
            return self._datetime(value)
        if isinstance(value, dt.date):
            return self.number_tail + b"%d" % (value - self.epoch.date()).days + self.number_end
        item = getattr(value, "item", None)  # numpy scalars
        if callable(item):
            return self.encode(item())
        if value != value:  # pd.NA and friends
            return None
        return self.encode(str(value))

    def _text(self, value: str) -> bytes | None:
        if value == "":
            return None
        text = xml_text(value)
        space = b' xml:space="preserve">' if text != text.strip() or "\n" in text else b">"
        return self.string_tail + space + text.encode("utf-8") + self.string_end

    def _datetime(self, value: dt.datetime) -> bytes | None:
        if value != value:  # pandas NaT
            return None
        if value.tzinfo is not None:
            raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
        delta = value - self.epoch
        serial = (
            delta.days * 86400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
        ) / 86400e6
        return self.number_tail + _number(serial) + self.number_end


def _encode_column(
    values: Sequence[object], xf: int, date1904: bool, prefix: bytes
) -> list[bytes | None]:
    """Each value's cell XML after the row number (``" s="3"><v>1.5</v></c>``), or None for a
    blank; repeated values share one bytes object."""
    encoder = _Encoder(xf, date1904, prefix)
    times = _datetime_column(values, encoder)
    if times is not None:
        return times
    encode = encoder.encode
    number_tail, number_end, epoch = encoder.number_tail, encoder.number_end, encoder.epoch
    cache: dict[tuple[type, object], bytes | None] = {}
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
        append(found)  # type: ignore[arg-type]  # a miss (False) was replaced just above
    return encoded


#: Microseconds (from the epoch) a double holds exactly: 285 years either side.
_EXACT_MICROS: Final = 2**53


def _datetime_column(values: Sequence[object], encoder: _Encoder) -> list[bytes | None] | None:
    """:func:`_encode_column` of a column of naive datetimes and blanks, the serial numbers
    computed in one array and each distinct time encoded once; None for any other column (then
    each value is encoded by :class:`_Encoder`, which refuses aware times)."""
    kinds = set(map(type, values))
    if dt.datetime not in kinds or not kinds <= {dt.datetime, type(None)}:
        return None
    try:
        index = pd.DatetimeIndex(values)
    except (TypeError, ValueError):  # naive and aware mixed
        return None
    if index.tz is not None:
        return None
    missing = np.asarray(index.isna())
    epoch = (encoder.epoch - _UNIX_EPOCH) // dt.timedelta(microseconds=1)
    micros = index.as_unit("us").asi8[~missing] - epoch
    if len(micros) and np.abs(micros).max() >= _EXACT_MICROS:
        return None  # the division below would round twice
    codes, uniques = pd.factorize(micros)
    serials = uniques / 86400e6  # one rounding, as the timedelta division
    integral = (serials == np.floor(serials)).tolist()
    tail, end = encoder.number_tail, encoder.number_end
    encoded = np.array(
        [
            tail + (b"%d" % serial if whole else float.__repr__(serial).encode()) + end
            for serial, whole in zip(serials.tolist(), integral, strict=True)
        ]
        + [None],
        dtype=object,
    )
    positions = np.full(len(values), -1, dtype=np.intp)  # -1: the None appended above
    positions[~missing] = codes
    return list(encoded[positions].tolist())


def _number(value: float) -> bytes:
    if value.is_integer() and abs(value) < 1e15:
        return b"%d" % value
    return float.__repr__(value).encode()
