"""China's working days: weekends off, statutory holidays off, make-up workdays (调休) on.

Backed by ``chinese_calendar`` (the State Council's yearly notices); dates outside the years it
covers are reported, never guessed.

>>> import numpy as np
>>> starts = np.array(["2024-09-30T10:00", "2024-10-08T09:00"], dtype="datetime64[ns]")
>>> [str(t) for t in add_working_days(starts, 2)]
['2024-10-09T10:00:00.000000000', '2024-10-10T09:00:00.000000000']
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar
import numpy as np

_DAY = np.timedelta64(1, "D")


@cache
def _calendar() -> tuple[np.ndarray, np.datetime64, np.datetime64]:
    first = dt.date(min(chinese_calendar.holidays).year, 1, 1)
    last = dt.date(max(chinese_calendar.holidays).year, 12, 31)
    days = np.arange(np.datetime64(first), np.datetime64(last) + _DAY, _DAY)
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday → 0 = Monday
    is_work = weekday < 5
    holiday_days = np.array(sorted(chinese_calendar.holidays), dtype="datetime64[D]")
    workday_days = np.array(sorted(chinese_calendar.workdays), dtype="datetime64[D]")
    is_work &= ~np.isin(days, holiday_days)
    is_work |= np.isin(days, workday_days)
    return days[is_work], np.datetime64(first), np.datetime64(last)


def covered_range() -> tuple[dt.date, dt.date]:
    """First and last date the statutory calendar covers."""
    _, first, last = _calendar()
    return first.astype(dt.date), last.astype(dt.date)


def add_working_days(starts: np.ndarray, n: int) -> np.ndarray:
    """The same time of day on the ``n``-th working day after each start's date.

    ``NaT`` where the start is ``NaT`` or the result falls outside :func:`covered_range`.
    """
    starts = np.asarray(starts, dtype="datetime64[ns]")
    workdays, first, last = _calendar()
    out = np.full(starts.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = ~np.isnat(starts)
    day = starts[valid].astype("datetime64[D]")
    time_of_day = starts[valid] - day.astype("datetime64[ns]")
    position = np.searchsorted(workdays, day, side="right") + (int(n) - 1)
    inside = (day >= first) & (day <= last) & (position < len(workdays))
    result = np.full(day.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    result[inside] = workdays[position[inside]].astype("datetime64[ns]") + time_of_day[inside]
    out[valid] = result
    return out


def is_working_day(days: np.ndarray) -> np.ndarray:
    """True for working days (dates outside the covered years are False).

    >>> is_working_day(np.array(["2024-10-01", "2024-10-12", "2024-10-14"], dtype="datetime64[D]")).tolist()
    [False, True, True]
    """
    workdays, _, _ = _calendar()
    return np.isin(np.asarray(days, dtype="datetime64[D]"), workdays)
