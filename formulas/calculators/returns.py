"""The 7-day no-reason return window (timer ``all.return_window``) and its status.

The window counts from the timer's ``start`` event (sign-for); a request (its ``stop`` event)
is in time when it comes ``before`` the end (the version's ``in_time``).

>>> from shoprules.formulas.rulebook import load_rulebook
>>> events = {"signed_at": np.array(["2024-03-01T15:00", "NaT"], dtype="datetime64[ns]"),
...           "refund_requested_at": np.array(["NaT", "NaT"], dtype="datetime64[ns]")}
>>> out = returns(load_rulebook(), events, as_of=pd.Timestamp("2024-03-05"))
>>> out.status.tolist(), str(out.return_by[0])
(['可退货', '未签收'], '2024-03-09T00:00:00.000000000')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..rulebook import Rulebook
from ..timers import first_present, timer_deadlines
from .common import NAT, add_problem, event, no_problems

WINDOW: Final = "all.return_window"
RETURN_STATUSES: Final = ("未签收", "可退货", "已过期", "申请及时", "申请逾期", "不适用")
_STATUSES: Final = np.array([None, *RETURN_STATUSES], dtype=object)


@dataclass(frozen=True)
class Returns:
    """Per row: the end of the window (exclusive; ``NaT`` when none), the status, the version
    label and problems (``""`` when fine)."""

    return_by: np.ndarray
    status: np.ndarray
    labels: np.ndarray
    problems: np.ndarray


def returns(
    book: Rulebook,
    events: Mapping[str, np.ndarray],
    *,
    as_of: pd.Timestamp,
    returnable: np.ndarray | None = None,
    rules_as_of: object = None,
) -> Returns:
    """Window and status as of ``as_of`` (未签收/可退货/已过期/申请及时/申请逾期/不适用).
    ``events``: ``signed_at`` and ``refund_requested_at``; ``returnable`` False → 不适用."""
    window = book.timers[WINDOW]
    start = np.asarray(event(events, window.meta.start, window), dtype="datetime64[ns]")
    n = len(start)
    found = timer_deadlines(window, start, governing=start, rules_as_of=rules_as_of)
    return_by = found.deadline.copy()
    request = np.full(n, NAT, dtype="datetime64[ns]")
    before = np.zeros(n, dtype=bool)
    for index in range(len(window.versions)):
        rows = found.version == index
        params = window.timer_params(index)
        request[rows] = first_present(*(event(events, s, window)[rows] for s in params.stop))
        before[rows] = params.in_time == "before"
    now = pd.Timestamp(as_of).to_datetime64()
    signed = ~np.isnat(start)
    requested = ~np.isnat(request)
    has_window = ~np.isnat(return_by)
    in_time = np.where(before, request < return_by, request <= return_by)
    still_open = np.where(before, now < return_by, now <= return_by)
    # one code per row (0: no status), then one take from the table of statuses
    code = np.zeros(n, dtype=np.intp)
    judged = signed & has_window
    code[~signed] = 1
    code[judged & requested] = np.where(in_time, 4, 5)[judged & requested]
    code[judged & ~requested] = np.where(still_open, 2, 3)[judged & ~requested]
    if returnable is not None:
        code[~returnable] = 6
        return_by[~returnable] = NAT
    status = _STATUSES.take(code)
    problems = no_problems(n)
    shown = signed & ~has_window & found.flagged
    add_problem(problems, shown, found.problems[shown])
    return Returns(return_by, status, found.labels, problems)
