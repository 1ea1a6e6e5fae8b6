"""After-sale timers (refund response, return confirmation, buyer's return shipment…): every
timer of the rulebook with an ``outcome``, counted from its ``start`` event and met by its
``stop`` events. Not part of the eleven result columns; for callers that have these times.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> requested = np.array(["2024-03-01T10:00", "2024-03-01T10:00"], dtype="datetime64[ns]")
>>> responded = np.array(["2024-03-02T10:00", "NaT"], dtype="datetime64[ns]")
>>> out = aftersale(load_rulebook(), np.array(["taobao", "taobao"], dtype=object),
...                 {"refund_requested_at": requested, "seller_responded_at": responded},
...                 as_of=pd.Timestamp("2024-03-10"))
>>> sorted(out)
['taobao.refund_response']
>>> out["taobao.refund_response"].status.tolist()
['按时处理', '已超时：超时自动同意']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..rulebook import Rulebook
from ..timers import first_present, timer_deadlines
from .common import NAT, Platforms, add_problem, no_problems

IN_TIME: Final = "按时处理"
LATE: Final = "超时处理"
OPEN: Final = "处理中"


@dataclass(frozen=True)
class TimerOutcome:
    """Per row of one timer: deadline (``NaT`` when none), status, version label, problems."""

    deadline: np.ndarray
    status: np.ndarray
    labels: np.ndarray
    problems: np.ndarray


def aftersale(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    as_of: pd.Timestamp,
    rules_as_of: object = None,
) -> dict[str, TimerOutcome]:
    """Outcome of every after-sale timer whose start event is among ``events`` (time columns
    by event name), for the rows of its platform (``all.*`` timers: every row)."""
    platforms = Platforms.of(platform)
    n = len(platforms.codes)
    masks = platforms.masks
    now = pd.Timestamp(as_of).to_datetime64()
    out: dict[str, TimerOutcome] = {}
    for rule_id, rule in book.timers.items():
        start_event = rule.meta.start
        if rule.meta.outcome is None or start_event is None or start_event not in events:
            continue
        owner = rule.platform()
        rows = np.ones(n, dtype=bool) if owner == "all" else masks.get(owner)
        if rows is None or not rows.any():
            continue
        start = np.asarray(events[start_event], dtype="datetime64[ns]")
        found = timer_deadlines(rule, start[rows], governing=start[rows], rules_as_of=rules_as_of)
        deadline = np.full(n, NAT, dtype="datetime64[ns]")
        stop = np.full(n, NAT, dtype="datetime64[ns]")
        before = np.zeros(n, dtype=bool)
        labels = np.full(n, None, dtype=object)
        idx = np.flatnonzero(rows)
        deadline[idx], labels[idx] = found.deadline, found.labels
        for index in range(len(rule.versions)):
            params = rule.timer_params(index)
            vrows = idx[found.version == index]
            blank = np.full(n, NAT, dtype="datetime64[ns]")
            stop[vrows] = first_present(*(events.get(s, blank)[vrows] for s in params.stop))
            before[vrows] = params.in_time == "before"
        has = ~np.isnat(deadline)
        met = has & ~np.isnat(stop) & (stop <= now)
        in_time = np.where(before, stop < deadline, stop <= deadline)
        status = np.full(n, None, dtype=object)
        status[met & in_time] = IN_TIME
        status[met & ~in_time] = LATE
        status[has & ~met & (now <= deadline)] = OPEN
        status[has & ~met & (now > deadline)] = f"已超时：{rule.meta.outcome}"
        problems = no_problems(n)
        shown = pd.notna(found.problems)
        add_problem(problems, np.isin(np.arange(n), idx[shown]), found.problems[shown])
        out[rule_id] = TimerOutcome(deadline, status, labels, problems)
    return out
