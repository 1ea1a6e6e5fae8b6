"""After-sale timers (refund response, return confirmation, buyer's return shipment…): every
timer of the rulebook with an ``outcome``, counted from its ``start`` event and met by its
``stop`` events; and per order the one in force, as the 售后截止 / 售后状态 result columns.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> requested = np.array(["2024-03-01T10:00", "2024-03-01T10:00"], dtype="datetime64[ns]")
>>> responded = np.array(["2024-03-02T10:00", "NaT"], dtype="datetime64[ns]")
>>> out = aftersale(load_rulebook(), np.array(["taobao", "taobao"], dtype=object),
...                 {"refund_requested_at": requested, "seller_responded_at": responded},
...                 as_of=pd.Timestamp("2024-03-10"))
>>> sorted(out)  # the unshipped timer (from 2026-01-27) is not in force: no deadline
['taobao.refund_response', 'taobao.refund_response_unshipped']
>>> out["taobao.refund_response"].status.tolist()
['按时处理', '已超时：超时自动同意']
>>> cols = aftersale_columns(load_rulebook(), np.array(["taobao", "taobao"], dtype=object),
...                          {"refund_requested_at": requested, "seller_responded_at": responded},
...                          as_of=pd.Timestamp("2024-03-10"))
>>> cols.status.tolist()
['淘宝 卖家处理退款申请（已发货）：已完成', '淘宝 卖家处理退款申请（已发货）：已超时（超时自动同意）']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..rulebook import NO_RULE, Rulebook
from ..rulebook.loader import AFTERSALE_STAGES
from ..timers import first_present, timer_deadlines
from .common import NAT, Platforms, add_problem, at, empty_text, no_problems

IN_TIME: Final = "按时处理"
LATE: Final = "超时处理"
OPEN: Final = "处理中"
DONE: Final = "已完成"
OVERDUE: Final = "已超时"
#: 退款状态 / 售后状态 words that mean the after-sale is over (e.g. 退款成功, 售后关闭, 退款完结).
FINISHED_WORDS: Final = ("成功", "关闭", "完结", "取消")


@dataclass(frozen=True)
class TimerOutcome:
    """Per row of one timer: deadline (``NaT`` when none), status, version label, problems, and
    ``state`` (处理中 / 已超时（…）/ 已完成; ``None`` without a deadline)."""

    deadline: np.ndarray
    status: np.ndarray
    labels: np.ndarray
    problems: np.ndarray
    state: np.ndarray


@dataclass(frozen=True)
class AfterSale:
    """Per order: the deadline of the after-sale step in force (售后截止, ``NaT`` when none is
    open),
    its status (售后状态: timer name and 处理中 / 已超时 / 已完成), the timer version, problems."""

    deadline: np.ndarray
    status: np.ndarray
    labels: np.ndarray
    problems: np.ndarray


@dataclass(frozen=True)
class _Rows:
    """One timer on the rows it concerns (``idx``): the same fields as :class:`TimerOutcome`."""

    idx: np.ndarray
    deadline: np.ndarray
    status: np.ndarray
    labels: np.ndarray
    problems: np.ndarray
    state: np.ndarray


def _timers(
    book: Rulebook,
    platforms: Platforms,
    events: Mapping[str, np.ndarray],
    now: np.datetime64,
    rules_as_of: object,
    *,
    started_only: bool,
) -> dict[str, _Rows]:
    """Every after-sale timer on the rows of its platform (with ``started_only``: only rows
    whose start event happened, so a run costs what its refunds cost, not what its orders do)."""
    n = len(platforms.codes)
    blank = np.full(n, NAT, dtype="datetime64[ns]")
    out: dict[str, _Rows] = {}
    started: dict[str, np.ndarray] = {}  # per start event, the rows where it happened
    for rule_id, rule in book.timers.items():
        start_event = rule.meta.start
        if rule.meta.outcome is None or start_event is None or start_event not in events:
            continue
        owner = rule.platform()
        rows = np.ones(n, dtype=bool) if owner == "all" else platforms.masks.get(owner)
        if rows is None or not rows.any():
            continue
        start = np.asarray(events[start_event], dtype="datetime64[ns]")
        if started_only:
            if start_event not in started:
                started[start_event] = ~np.isnat(start)
            rows = rows & started[start_event]
        idx = np.flatnonzero(rows)
        if rule.meta.applies == "not_shipped":
            shipped = np.asarray(events.get("shipped_at", blank), dtype="datetime64[ns]")[idx]
            idx = idx[np.isnat(shipped) | (shipped > start[idx]) | (shipped > now)]
        if not len(idx):
            continue
        found = timer_deadlines(rule, start[idx], governing=start[idx], rules_as_of=rules_as_of)
        deadline = found.deadline
        m = len(idx)
        stop = np.full(m, NAT, dtype="datetime64[ns]")
        before = np.zeros(m, dtype=bool)
        for index in range(len(rule.versions)):
            params = rule.timer_params(index)
            vrows = found.version == index
            if vrows.any():
                stop[vrows] = first_present(
                    *(np.asarray(events.get(s, blank))[idx[vrows]] for s in params.stop)
                )
                before[vrows] = params.in_time == "before"
        has = ~np.isnat(deadline)
        met = has & ~np.isnat(stop) & (stop <= now)
        in_time = np.where(before, stop < deadline, stop <= deadline)
        waiting = has & ~met & (now <= deadline)
        missed = has & ~met & (now > deadline)
        status = np.empty(m, dtype=object)
        status[met & in_time] = IN_TIME
        status[met & ~in_time] = LATE
        status[waiting] = OPEN
        status[missed] = f"已超时：{rule.meta.outcome}"
        state = np.empty(m, dtype=object)
        state[met & in_time] = DONE
        state[met & ~in_time] = OVERDUE
        state[waiting] = OPEN
        state[missed] = _missed(rule.meta.outcome)
        problems = np.where(pd.isna(found.problems), "", found.problems).astype(object)
        out[rule_id] = _Rows(idx, deadline, status, found.labels, problems, state)
    return out


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
    now = pd.Timestamp(as_of).to_datetime64()
    out: dict[str, TimerOutcome] = {}
    for rule_id, part in _timers(
        book, platforms, events, now, rules_as_of, started_only=False
    ).items():
        full = TimerOutcome(
            np.full(n, NAT, dtype="datetime64[ns]"),
            np.empty(n, dtype=object),
            np.empty(n, dtype=object),
            no_problems(n),
            np.empty(n, dtype=object),
        )
        full.deadline[part.idx] = part.deadline
        full.status[part.idx] = part.status
        full.labels[part.idx] = part.labels
        full.problems[part.idx] = part.problems
        full.state[part.idx] = part.state
        out[rule_id] = full
    return out


def aftersale_columns(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    as_of: pd.Timestamp,
    refund_status: np.ndarray | None = None,
    rules_as_of: object = None,
) -> AfterSale:
    """The after-sale step in force per order: the latest stage the order has reached (request
    → buyer ships the return → seller confirms it → …; see ``AFTERSALE_STAGES``), and within it
    the earliest deadline of its timers (Taobao 2026: 7 d, or 48 h after the return is signed,
    「取短者」). A 退款状态 that says the after-sale is over (退款成功, 售后关闭…) marks it 已完成.
    """
    platforms = Platforms.of(platform)
    n = len(platforms.codes)
    now = pd.Timestamp(as_of).to_datetime64()
    per_timer = list(_timers(book, platforms, events, now, rules_as_of, started_only=True).items())
    stage_of = {event: i for i, starts in enumerate(AFTERSALE_STAGES) for event in starts}
    deadline = np.full(n, NAT, dtype="datetime64[ns]")
    stage = np.full(n, -1, dtype="int64")
    which = np.full(n, -1, dtype="int64")  # the timer chosen (index into per_timer)
    where = np.zeros(n, dtype="int64")  # the row's position within that timer's rows
    problems = no_problems(n)
    for number, (rule_id, part) in enumerate(per_timer):
        level = stage_of.get(str(book.timers[rule_id].meta.start), -1)
        has = ~np.isnat(part.deadline)
        current = deadline[part.idx]
        take = has & (
            (level > stage[part.idx]) | ((level == stage[part.idx]) & (part.deadline < current))
        )
        rows = part.idx[take]
        deadline[rows] = part.deadline[take]
        stage[rows] = level
        which[rows] = number
        where[rows] = np.flatnonzero(take)
        # A timer not yet (or no longer) in force is no data problem: its stage may have others.
        texts = [t for t in pd.unique(part.problems) if t and not str(t).startswith(NO_RULE)]
        if texts:
            shown = np.isin(part.problems, texts)
            add_problem(problems, at(part.idx, n, shown), part.problems[shown])
    # Only the rows with an after-sale step are looked at again (a fraction of the orders).
    rows = np.flatnonzero(stage >= 0)
    picked = np.empty(len(rows), dtype=object)
    labels = np.empty(n, dtype=object)
    for number, (_, part) in enumerate(per_timer):
        mine = which[rows] == number
        if mine.any():
            pos = where[rows[mine]]
            picked[mine] = part.state[pos]
            labels[rows[mine]] = part.labels[pos]
    if refund_status is not None and len(rows):
        values = np.asarray(refund_status, dtype=object)[rows]
        finished = [
            v
            for v in pd.unique(values)
            if isinstance(v, str) and any(w in v for w in FINISHED_WORDS)
        ]
        if finished:
            picked[np.isin(values, finished)] = DONE
    closed = (picked == DONE) | (picked == OVERDUE)  # met (in time or late) or over: none open
    deadline[rows[closed]] = NAT
    status = empty_text(n)
    status[rows] = _status_texts(book, per_timer, which[rows], picked)
    return AfterSale(deadline, status, labels, problems)


def _missed(outcome: object) -> str:
    return f"{OVERDUE}（{outcome}）"


def _status_texts(
    book: Rulebook, per_timer: list[tuple[str, _Rows]], which: np.ndarray, states: np.ndarray
) -> np.ndarray:
    """``timer name：state`` per row, from a table of every (timer, state) text (each row's
    state is 已完成, 已超时, 处理中 or its own timer's 已超时（…）)."""
    kinds = (DONE, OVERDUE, OPEN)
    kind = np.full(len(states), len(kinds), dtype="int64")
    for number, text in enumerate(kinds):
        kind[states == text] = number
    table = np.array(
        [
            f"{book.timers[rule_id].name}：{text}"
            for rule_id, _ in per_timer
            for text in (*kinds, _missed(book.timers[rule_id].meta.outcome))
        ]
        or [""],
        dtype=object,
    )
    return np.asarray(table[which * (len(kinds) + 1) + kind], dtype=object)
