"""Shipping: the ship-by deadline (timer ``<platform>.ship_by``), the status and hours late.

The deadline counts from the timer's ``start`` event, its ``override`` column (the promised
time) replaces it where present, and its ``stop`` events (first present wins) meet it.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> events = {"paid_at": np.array(["2023-03-01T10:00", "2023-03-01T10:00"], dtype="datetime64[ns]"),
...           "shipped_at": np.array(["2023-03-04T10:00", "NaT"], dtype="datetime64[ns]")}
>>> out = shipping(load_rulebook(), np.array(["taobao", "taobao"], dtype=object), events,
...                as_of=pd.Timestamp("2023-03-05"))
>>> out.status.tolist(), out.hours_late.tolist(), out.labels[0]
(['延迟发货', '超时未发货'], [24.0, 38.0], 'taobao.ship_by@2022-07-18')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..fields import PLATFORM_CHINESE
from ..rulebook import Rule, Rulebook
from ..timers import first_present, hours_between, timer_deadlines
from .common import NAT, Platforms, add_problem, at, event, no_problems, round_hours

ON_TIME: Final = "按时发货"
LATE: Final = "延迟发货"
PENDING: Final = "待发货"
OVERDUE: Final = "超时未发货"
MISSING_START: Final = "缺少付款时间，无法判断发货时效"
#: The rule judges on carrier pickup (揽收) but the row has only the ship time.
NO_PICKUP: Final = "提示：按发货时间判定：导出中没有揽收时间（规则以揽收时间为准）"
#: The same, once per platform, when none of its rows has a pickup time (the export has no
#: 揽收时间 column): a note on every row would bury the real data problems.
NO_PICKUP_COLUMN: Final = (
    "{platform}：导出中没有揽收时间，发货时效按发货时间判定（{rule} 以揽收时间为准）"
)
#: The events a ship-by timer may name (start, override, stop); absent columns count as blank.
EVENTS: Final = ("paid_at", "promised_ship_by", "shipped_at", "picked_up_at")


_STATUSES: Final = np.array([None, ON_TIME, LATE, PENDING, OVERDUE], dtype=object)


@dataclass(frozen=True)
class ShipDeadlines:
    """Per row: the deadline (``NaT`` when none), the version label, the time the shipment
    met it (``stop``, ``NaT`` when not yet), whether it must come strictly ``before`` the
    deadline, the problem text (``""`` when fine), notes on how the row was judged (``""``
    when as the rule says; e.g. on the ship time where the rule wants the pickup time) and
    ``messages`` for the whole run (a platform none of whose rows has a pickup time)."""

    ship_by: np.ndarray
    labels: np.ndarray
    stop: np.ndarray
    before: np.ndarray
    problems: np.ndarray
    notes: np.ndarray
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shipping:
    """:class:`ShipDeadlines` plus the status, the hours late (NaN where unknown) and the rows
    shipped late or overdue (``late``)."""

    ship_by: np.ndarray
    labels: np.ndarray
    stop: np.ndarray
    status: np.ndarray
    hours_late: np.ndarray
    late: np.ndarray
    problems: np.ndarray
    notes: np.ndarray
    messages: tuple[str, ...] = ()


def _empty(n: int) -> np.ndarray:
    return np.full(n, NAT, dtype="datetime64[ns]")


class _Columns:
    """The rows ``idx`` of the event columns a ship-by timer names (blank where absent)."""

    def __init__(self, times: Mapping[str, np.ndarray], idx: np.ndarray, rule: Rule) -> None:
        self.times, self.idx, self.rule = times, idx, rule
        self.cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str | None) -> np.ndarray:
        if name is None or name not in EVENTS:
            return event({}, name, self.rule)  # raises: the rule names an event with no column
        if name not in self.cache:
            found = self.times.get(name)
            self.cache[name] = _empty(len(self.idx)) if found is None else found[self.idx]
        return self.cache[name]


def ship_deadlines(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    goods: np.ndarray | None = None,
    rules_as_of: object = None,
    governing: np.ndarray | None = None,
) -> ShipDeadlines:
    """Ship-by deadlines per row. ``events``: time columns by event name (``paid_at``,
    ``promised_ship_by``, ``shipped_at``, ``picked_up_at``; missing ones count as blank);
    ``governing`` chooses the version (default: the timer's start event)."""
    platforms = Platforms.of(platform)
    n = len(platforms.codes)
    times = {name: np.asarray(column, dtype="datetime64[ns]") for name, column in events.items()}
    ship_by, stop = _empty(n), _empty(n)
    labels = np.empty(n, dtype=object)
    before = np.zeros(n, dtype=bool)
    problems = no_problems(n)
    notes = no_problems(n)
    known = np.zeros(n, dtype=bool)
    no_start = np.zeros(n, dtype=bool)
    messages: list[str] = []

    for code, rows in platforms.masks.items():
        known |= rows
        rule = book.timers[f"{code}.ship_by"]
        idx = np.flatnonzero(rows)
        mine = _Columns(times, idx, rule)
        start = mine[rule.meta.start]
        override = mine[rule.meta.override] if rule.meta.override else None
        result = timer_deadlines(
            rule,
            start,
            governing=start if governing is None else governing[idx],
            goods_type=None if goods is None else goods[idx],
            override=override,
            rules_as_of=rules_as_of,
        )
        ship_by[idx] = result.deadline
        labels[idx] = result.labels
        has_start = ~np.isnat(start)
        if override is not None:
            has_start |= ~np.isnat(override)
        no_start[idx[~has_start]] = True
        shown = has_start & result.flagged
        add_problem(problems, at(idx, n, shown), result.problems[shown])
        stops: dict[tuple[str, ...], np.ndarray] = {}  # versions share their stop events
        for index in range(len(rule.versions)):
            vrows = result.version == index
            params = rule.timer_params(index)
            if params.stop not in stops:
                stops[params.stop] = first_present(*(mine[s] for s in params.stop))
            stop[idx[vrows]] = stops[params.stop][vrows]
            before[idx[vrows]] = params.in_time == "before"
            if params.stop[:1] == ("picked_up_at",) and "shipped_at" in params.stop:
                fallback = vrows & np.isnat(mine["picked_up_at"]) & ~np.isnat(mine["shipped_at"])
                if not fallback.any():
                    continue
                if np.isnat(mine["picked_up_at"]).all():
                    label = rule.versions[index].label
                    name = PLATFORM_CHINESE.get(code, code)
                    messages.append(NO_PICKUP_COLUMN.format(platform=name, rule=label))
                else:
                    add_problem(notes, at(idx, n, fallback), NO_PICKUP)
    add_problem(problems, known & no_start, MISSING_START)
    return ShipDeadlines(ship_by, labels, stop, before, problems, notes, tuple(messages))


def shipping(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    as_of: pd.Timestamp,
    goods: np.ndarray | None = None,
    rules_as_of: object = None,
) -> Shipping:
    """Deadline, status (按时发货/延迟发货/待发货/超时未发货) and hours late as of ``as_of``."""
    found = ship_deadlines(book, platform, events, goods=goods, rules_as_of=rules_as_of)
    ship_by, stop = found.ship_by, found.stop
    now = pd.Timestamp(as_of).to_datetime64()
    n = len(ship_by)
    stopped = ~np.isnat(stop) & (stop <= now)
    has_deadline = ~np.isnat(ship_by)
    in_time = np.where(found.before, stop < ship_by, stop <= ship_by)
    on_time = has_deadline & stopped & in_time
    late_shipped = has_deadline & stopped & ~in_time
    pending = has_deadline & ~stopped & (now <= ship_by)
    overdue = has_deadline & ~stopped & (now > ship_by)
    # one status code per row (the four cases exclusive), then one take
    code = on_time + 2 * late_shipped + 3 * pending + 4 * overdue
    status = _STATUSES.take(code)
    hours = np.full(n, np.nan)
    hours[on_time | pending] = 0.0
    late = late_shipped | overdue
    end = np.where(stopped, stop, now)  # shipped late: the shipment; overdue: now
    hours[late] = round_hours(hours_between(end[late], ship_by[late]))
    return Shipping(
        ship_by, found.labels, stop, status, hours, late, found.problems,
        found.notes, found.messages,
    )  # fmt: skip
