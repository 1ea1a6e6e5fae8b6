"""Deadlines: start event + duration (hours, days or China working days), per rule version.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> rule = load_rulebook().timers["all.return_window"]
>>> signed = np.array(["2024-03-01T15:00"], dtype="datetime64[ns]")
>>> result = timer_deadlines(rule, signed, governing=signed)
>>> str(result.deadline[0]), result.labels[0]
('2024-03-09T00:00:00.000000000', 'all.return_window@2016-07-21')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .rulebook import NO_RULE, Duration, Rule, governing_times
from .workdays import add_working_days

__all__ = ["NO_RULE", "Deadlines", "first_present", "hours_between", "timer_deadlines"]
_NS_PER_HOUR: Final = 3_600_000_000_000


@dataclass(frozen=True)
class Deadlines:
    """Per row: the deadline (``NaT`` when none), the version index (-1 = no rule in force),
    the version label, a Chinese problem text (``None`` when fine) and ``flagged``, the rows
    with one."""

    deadline: np.ndarray
    version: np.ndarray
    labels: np.ndarray
    problems: np.ndarray
    flagged: np.ndarray


#: Why a goods type that needs its promised time has no deadline without one.
PROMISE_MISSING: Final = {
    "presale": "预售/定制商品缺少承诺发货时间",
    "custom": "定制商品未约定发货时间：不按默认发货时限判定（以买家首次要求交付起算，导出中没有）",
}


def _add(starts: np.ndarray, duration: Duration) -> np.ndarray:
    if duration.unit == "wd":
        return add_working_days(starts, int(duration.n))
    hours = duration.hours or 0.0
    return starts + np.timedelta64(round(hours * _NS_PER_HOUR), "ns")


def timer_deadlines(
    rule: Rule,
    start: np.ndarray,
    *,
    governing: np.ndarray,
    goods_type: np.ndarray | None = None,
    override: np.ndarray | None = None,
    rules_as_of: object = None,
) -> Deadlines:
    """Deadlines for one timer rule over columns of start times (vectorised per version and
    goods type). ``governing`` chooses each row's version (``rules_as_of`` pins it);
    ``override`` (the promised time) replaces the computed deadline where present."""
    start = np.asarray(start, dtype="datetime64[ns]")
    governing = governing_times(governing, rules_as_of)
    n = len(start)
    goods = None if goods_type is None else np.asarray(goods_type, dtype=object)
    version = rule.select(governing)
    deadline = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    problems = np.empty(n, dtype=object)
    flagged = np.zeros(n, dtype=bool)
    labels = np.empty(n, dtype=object)
    for index, ver in enumerate(rule.versions):
        rows = version == index
        if not rows.any():
            continue
        labels[rows] = ver.label
        params = rule.timer_params(index)
        durations = params.durations
        aligned = start
        if params.align == "next_midnight":
            aligned = start.astype("datetime64[D]").astype("datetime64[ns]") + np.timedelta64(
                1, "D"
            )
        specific = set(durations) - {"default"}
        for goods_code, duration in durations.items():
            if goods is None:
                if goods_code != "default":
                    continue
                mask = rows
            elif goods_code == "default":
                mask = rows & ~np.isin(goods, list(specific))
            else:
                mask = rows & (goods == goods_code)
            if not mask.any():
                continue
            if duration.unit == "promised":
                problems[mask] = PROMISE_MISSING.get(goods_code, PROMISE_MISSING["presale"])
                flagged |= mask
                continue
            deadline[mask] = _add(aligned[mask], duration)
            if duration.unit == "wd":  # only the holiday calendar can leave a start without one
                outside = mask & np.isnat(deadline) & ~np.isnat(start)
                problems[outside] = "超出法定节假日日历覆盖的年份，无法计算工作日"
                flagged |= outside
    if override is not None:
        override = np.asarray(override, dtype="datetime64[ns]")
        promised = ~np.isnat(override) & (version >= 0)
        deadline[promised] = override[promised]
        problems[promised] = None
        flagged &= ~promised
    no_rule = (version < 0) & ~np.isnat(governing)
    problems[no_rule] = rule.no_rule_message()
    flagged |= no_rule
    return Deadlines(deadline, version, labels, problems, flagged)


def first_present(*columns: np.ndarray) -> np.ndarray:
    """Row-wise first non-``NaT`` of several time columns.

    >>> a = np.array(["NaT", "2024-01-02"], dtype="datetime64[ns]")
    >>> b = np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[ns]")
    >>> [str(t)[:10] for t in first_present(a, b)]
    ['2024-01-01', '2024-01-02']
    """
    out = np.asarray(columns[0], dtype="datetime64[ns]").copy()
    for column in columns[1:]:
        missing = np.isnat(out)
        out[missing] = np.asarray(column, dtype="datetime64[ns]")[missing]
    return out


def hours_between(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """``later - earlier`` in hours as floats (NaN where either is ``NaT``).

    >>> hours_between(np.array(["2024-01-02T06:00"], dtype="datetime64[ns]"),
    ...               np.array(["2024-01-01T00:00"], dtype="datetime64[ns]")).tolist()
    [30.0]
    """
    delta = np.asarray(later, dtype="datetime64[ns]") - np.asarray(earlier, dtype="datetime64[ns]")
    out: np.ndarray = delta.astype("int64").astype("float64") / _NS_PER_HOUR
    out[np.isnat(delta)] = np.nan
    return out
