"""The one clock: now in China time (UTC+8), naive, whatever the machine's time zone.

The platforms' deadlines are China time, so every "now" of the CLI, the audit, the ribbon and
the Excel functions comes from here (``formulas/`` reads no clock; it is given the time).

>>> now = china_now()
>>> now.tzinfo is None and now.second == 0 and now.microsecond == 0
True
>>> china_now("second").microsecond
0
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

__all__ = ["CHINA", "china_now"]

CHINA: Final = dt.timezone(dt.timedelta(hours=8))


def china_now(resolution: Literal["minute", "second"] = "minute") -> dt.datetime:
    """Now in China time, naive, floored to the minute (the CLI, ribbon and audit) or to the
    second (the Excel functions' default time)."""
    now = dt.datetime.now(CHINA).replace(tzinfo=None, microsecond=0)
    return now.replace(second=0) if resolution == "minute" else now
