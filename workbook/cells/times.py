"""Turn whatever a sheet holds into naive China-time timestamps, column at a time.

Accepted: ``datetime``/``date``/``Timestamp`` objects, ``numpy.datetime64``, Excel serial numbers
(1900 system by default, 1904 with ``epoch1904=True``), and text in the formats the platforms'
exports use (``2024-03-01 15:04:05``, ``2024/3/1 15:04``, ``2024年3月1日 15时04分``, ``2024.03.01``,
``20240301153000``, ISO ``T`` separators, trailing ``.000``). A time with a zone (``Z``, ``UTC``,
``+00:00``, ``-05:00``) is converted to China time (``+08:00`` is China time already). Blank
cells and placeholders (``-``, ``--``, ``null``, ``n/a``…) are missing, not errors. Anything else
is reported as bad — never guessed.

>>> parsed = parse_times(["2024-03-01 15:04:05", "2024/3/1", "2024年3月1日", 45352.5, None, "2024-13-01"])
>>> [str(t) for t in parsed.values]
['2024-03-01 15:04:05', '2024-03-01 00:00:00', '2024-03-01 00:00:00', '2024-03-01 12:00:00', 'NaT', 'NaT']
>>> parsed.bad.tolist()
[False, False, False, False, False, True]
>>> [str(t) for t in parse_times(["2024-03-01T07:04:05Z", "2024-03-01 15:04:05+08:00"]).values]
['2024-03-01 15:04:05', '2024-03-01 15:04:05']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .text import is_blank

_EPOCH_1900: Final = np.datetime64("1899-12-30T00:00:00", "ns")
_EPOCH_1904: Final = np.datetime64("1904-01-01T00:00:00", "ns")
_NS_PER_DAY: Final = 86_400_000_000_000
_NS_PER_MS: Final = 1_000_000
#: Excel's largest date serial (9999-12-31) in the 1900 system.
MAX_SERIAL: Final = 2_958_465.99999

_DATE_TEXT: Final = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*[T\s]\s*(?P<hour>\d{1,2})\s*[:时點点]\s*(?P<minute>\d{1,2})\s*分?"
    r"(?:\s*[:]?\s*(?P<second>\d{1,2})\s*秒?(?:\.(?P<frac>\d{1,9}))?)?"
    r"\s*(?P<zone>[Zz]|UTC|GMT|(?P<sign>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2}))?)?$"
)
#: China time is UTC+8 all year (no daylight saving since 1991).
_CHINA_OFFSET_MIN: Final = 8 * 60
_COMPACT_TEXT: Final = re.compile(
    r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"
    r"(?:(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?$"
)
_SERIAL_TEXT: Final = re.compile(r"^\d{1,7}(?:\.\d+)?$")


@dataclass(frozen=True)
class ParsedTimes:
    """Timestamps (``datetime64[ns]``, ``NaT`` when missing or bad) and which inputs were bad."""

    values: pd.Series
    bad: pd.Series

    def bad_inputs(self, original: Iterable[object]) -> list[tuple[int, object]]:
        """(position, original value) of each bad input, for error messages."""
        originals = list(original)
        return [(int(i), originals[int(i)]) for i in np.flatnonzero(self.bad.to_numpy())]


def serials_to_times(serials: np.ndarray, *, epoch1904: bool = False) -> np.ndarray:
    """Excel serial numbers → ``datetime64[ns]``, rounded to the millisecond Excel keeps.

    The 1900 system counts the fictitious 1900-02-29 (serial 60); serials below 61 are shifted by
    one day so that serial 1 is 1900-01-01. Serial 60 itself is not a real day and gives ``NaT``.

    >>> [str(t) for t in serials_to_times(np.array([1.0, 45352.75, 61.0]))]
    ['1900-01-01T00:00:00.000000000', '2024-03-01T18:00:00.000000000', '1900-03-01T00:00:00.000000000']
    """
    serials = np.asarray(serials, dtype="float64")
    epoch = _EPOCH_1904 if epoch1904 else _EPOCH_1900
    adjusted = serials.copy()
    if not epoch1904:
        adjusted = np.where(serials < 60, serials + 1, serials)
    ms = np.round(adjusted * 86_400_000.0)
    valid = np.isfinite(ms) & (serials >= 0) & (serials <= MAX_SERIAL)
    if not epoch1904:
        valid &= ~((serials >= 60) & (serials < 61))
    out = np.full(serials.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    out[valid] = epoch + (ms[valid].astype("int64") * _NS_PER_MS).astype("timedelta64[ns]")
    return out


def parse_times(values: Iterable[object] | pd.Series, *, epoch1904: bool = False) -> ParsedTimes:
    """Parse a column of mixed cells into timestamps; see the module docstring."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    series = series.reset_index(drop=True)
    n = len(series)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return ParsedTimes(pd.Series(out), pd.Series(bad))

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        converted = pd.to_datetime(series)
        if getattr(converted.dt, "tz", None) is not None:
            converted = converted.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return ParsedTimes(pd.Series(converted.to_numpy(dtype="datetime64[ns]")), pd.Series(bad))

    blank = is_blank(series).to_numpy()
    kinds = np.full(n, "blank", dtype=object)
    kinds[~blank] = _kinds(series[~blank])  # blanks ("" from calamine) must not spoil the fast path

    is_time = (kinds == "time") & ~blank
    if is_time.any():
        chosen = pd.Series(series[is_time].tolist(), dtype=object)
        try:  # naive datetimes and dates: one C-level conversion
            times = pd.to_datetime(chosen)
            if getattr(times.dt, "tz", None) is not None:
                raise TypeError("aware")
        except (TypeError, ValueError):
            times = pd.to_datetime(chosen.map(_naive))
        out[is_time] = times.to_numpy(dtype="datetime64[ns]")

    is_number = (kinds == "number") & ~blank
    if is_number.any():
        numbers = series[is_number].astype("float64").to_numpy()
        converted_numbers = serials_to_times(numbers, epoch1904=epoch1904)
        # Some exports write 20240301 as a number: read eight-digit integers as yyyymmdd.
        compact = (numbers >= 19000101) & (numbers <= 29991231) & (numbers == np.floor(numbers))
        if compact.any():
            as_text = pd.Series(numbers[compact].astype("int64").astype(str))
            converted_numbers[compact], _ = _parse_text(as_text, epoch1904=epoch1904)
        out[is_number] = converted_numbers
        bad[is_number] = np.isnat(converted_numbers)

    is_text = (kinds == "text") & ~blank
    if is_text.any():
        text_values, text_bad = _parse_text(series[is_text], epoch1904=epoch1904)
        out[is_text] = text_values
        bad[is_text] = text_bad

    bad |= (kinds == "other") & ~blank
    return ParsedTimes(pd.Series(out), pd.Series(bad))


def _naive(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        shanghai = dt.timezone(dt.timedelta(hours=8))
        return value.astimezone(shanghai).replace(tzinfo=None)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _kinds(series: pd.Series) -> np.ndarray:
    """``time`` / ``number`` / ``text`` / ``other`` per cell; whole-column fast paths first."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    fast = {
        "datetime": "time",
        "date": "time",
        "datetime64": "time",
        "string": "text",
        "floating": "number",
        "integer": "number",
        "mixed-integer-float": "number",
    }
    if kind in fast:
        return np.full(len(series), fast[kind], dtype=object)
    kinds: np.ndarray = series.map(_kind_of).to_numpy()
    return kinds


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "other"
    if isinstance(value, dt.date | np.datetime64 | pd.Timestamp):
        return "time"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    if isinstance(value, str):
        return "text"
    return "other"


def _parse_text(texts: pd.Series, *, epoch1904: bool) -> tuple[np.ndarray, np.ndarray]:
    cleaned = (
        texts.astype(str)
        .str.strip()
        .str.strip("=\"'\t\u200b\ufeff")
        .str.strip()
        .str.replace("\u3000", " ", regex=False)
    )
    out = np.full(len(cleaned), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.ones(len(cleaned), dtype=bool)

    for pattern in (_DATE_TEXT, _COMPACT_TEXT):
        pending = bad.copy()
        if not pending.any():
            break
        parts = cleaned[pending].str.extract(pattern)
        matched = parts["year"].notna().to_numpy()
        if not matched.any():
            continue
        parts = parts[matched]
        frac = parts["frac"] if "frac" in parts else pd.Series(np.nan, index=parts.index)
        components = pd.DataFrame(
            {
                "year": parts["year"].astype(int),
                "month": parts["month"].astype(int),
                "day": parts["day"].astype(int),
                "hour": parts["hour"].fillna("0").astype(int),
                "minute": parts["minute"].fillna("0").astype(int),
                "second": parts["second"].fillna("0").astype(int),
            }
        )
        in_range = (
            components["month"].between(1, 12)
            & components["day"].between(1, 31)
            & components["hour"].between(0, 23)
            & components["minute"].between(0, 59)
            & components["second"].between(0, 59)
        ).to_numpy()
        components.loc[~in_range, :] = [2000, 1, 1, 0, 0, 0]
        stamps = pd.to_datetime(components, errors="coerce")
        stamps_ns = stamps.to_numpy(dtype="datetime64[ns]")
        frac_ns = (
            frac.fillna("0").astype(str).str.ljust(9, "0").str[:9].astype("int64").to_numpy()
            if frac.notna().any()
            else np.zeros(len(parts), dtype="int64")
        )
        stamps_ns = stamps_ns + frac_ns.astype("timedelta64[ns]")
        if "zone" in parts:
            shift, zone_ok = _zone_shift_minutes(parts)
            stamps_ns = stamps_ns + (shift * 60_000_000_000).astype("timedelta64[ns]")
            in_range = in_range & zone_ok
        ok = ~np.isnat(stamps_ns) & in_range
        target = np.flatnonzero(pending)[matched]
        out[target[ok]] = stamps_ns[ok]
        bad[target[ok]] = False

    numeric_text = bad & cleaned.str.fullmatch(_SERIAL_TEXT).fillna(False).to_numpy()
    if numeric_text.any():
        serials = cleaned[numeric_text].astype(float).to_numpy()
        converted = serials_to_times(serials, epoch1904=epoch1904)
        out[numeric_text] = converted
        bad[numeric_text] = np.isnat(converted)
    return out, bad


def _zone_shift_minutes(parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to add to reach China time (UTC+8) for each row's zone, and which zones are real
    (offsets from −12:00 to +14:00; no zone means China time already)."""
    zone = parts["zone"]
    named = zone.isin(["Z", "z", "UTC", "GMT"]).to_numpy()
    numeric = parts["sign"].notna().to_numpy()
    hours = parts["zh"].fillna("0").astype(int).to_numpy()
    minutes = parts["zm"].fillna("0").astype(int).to_numpy()
    sign = np.where(parts["sign"].fillna("+").to_numpy() == "-", -1, 1)
    offset = np.where(numeric, sign * (hours * 60 + minutes), 0)
    valid = ~numeric | ((minutes < 60) & (offset >= -12 * 60) & (offset <= 14 * 60))
    shift = np.where(named | numeric, _CHINA_OFFSET_MIN - offset, 0).astype("int64")
    return np.where(valid, shift, 0), valid
