"""Damages and platform deductions for late shipment, plus out-of-stock damages stacked on them,
and the same-buyer same-day cap over both.

Each damages rule chooses its version by the time its ``governed_by`` names (``ship_by`` — the
deadline missed — for late shipment and out of stock); the out-of-stock timer counts from its
``start`` event (the ship-by deadline) and takes its version from the same time.
Tiered versions are keyed by the promised ship window (ship-by deadline − payment, in hours).

>>> from shoprules.formulas.rulebook import load_rulebook
>>> paid = np.array(["2023-03-01T10:00"] * 2, dtype="datetime64[ns]")
>>> none = np.full(2, np.datetime64("NaT"), dtype="datetime64[ns]")
>>> events = {"paid_at": paid, "ship_by": paid + np.timedelta64(48, "h"),
...           "shipped_at": none, "picked_up_at": none}
>>> out = damages(load_rulebook(), np.array(["taobao", "pdd"], dtype=object),
...               pd.array([10000, None], dtype="Int64"), np.array([True, True]), events,
...               as_of=pd.Timestamp("2023-03-05"))
>>> out.damages.tolist(), out.rule.tolist(), out.problems.tolist()
([500, <NA>], ['taobao.late_shipment@2022-07-18', 'pdd.late_shipment@2021-01-25'], ['', '缺少实付金额，无法计算违约金'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..damages import rule_damages
from ..fields import PLATFORM_CHINESE
from ..rulebook import NO_RULE, Rule, Rulebook
from ..timers import first_present, hours_between, timer_deadlines
from .common import Platforms, add_problem, at, empty_text, event, no_problems

MISSING_AMOUNT: Final = "缺少实付金额，无法计算违约金"
NEGATIVE_AMOUNT: Final = "实付金额为负数"
EXCLUDED_GOODS: Final = "提示：定制商品延迟发货不自动赔付（需买家投诉），未计算违约金"


@dataclass(frozen=True)
class Damages:
    """Per row: ``damages`` owed the buyer (fen, ``Int64``; ``<NA>`` where it cannot be known),
    ``fee`` deducted by the platform (fen), ``rule`` (the versions, or why none), the late and
    out-of-stock parts with their versions, and problems (``""`` when fine)."""

    damages: pd.arrays.IntegerArray
    fee: np.ndarray
    rule: np.ndarray
    late_fen: np.ndarray
    late_rule: np.ndarray
    oos_fen: np.ndarray
    oos_rule: np.ndarray
    problems: np.ndarray


def _governing(rule: Rule, events: Mapping[str, np.ndarray]) -> np.ndarray:
    return event(events, rule.meta.governed_by, rule)


def damages(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    amount: pd.api.extensions.ExtensionArray | pd.Series,
    late: np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    as_of: pd.Timestamp,
    complaint_upheld: np.ndarray | None = None,
    rules_as_of: object = None,
    goods: np.ndarray | None = None,
    buyer: np.ndarray | None = None,
    order_ids: np.ndarray | None = None,
) -> Damages:
    """Damages of the ``late`` rows (shipped late or overdue). ``amount``: paid amount in fen
    (``Int64``); ``events``: time columns by name (``paid_at``, ``ship_by``, ``shipped_at``,
    ``picked_up_at``); ``complaint_upheld`` gates out-of-stock damages that require it;
    ``goods``: goods types (tiers, exclusions); ``buyer``: buyer ids (same-day caps);
    ``order_ids``: for rules whose base is the order's total (``base: order_paid``, Douyin 2026)
    the rows of one order are summed (the engine then charges the order's first row only)."""
    platforms = Platforms.of(platform)
    n = len(platforms.codes)
    masks = platforms.masks
    has_deadline = ~np.isnat(events["ship_by"])
    promise_h = hours_between(events["ship_by"], events["paid_at"])
    goods = None if goods is None else np.asarray(goods, dtype=object)
    amount = pd.array(amount, dtype="Int64")
    base = amount.fillna(0).to_numpy(dtype="int64")
    has_amount = ~np.asarray(amount.isna(), dtype=bool)
    fen = np.zeros(n, dtype="int64")
    known = has_deadline.copy()
    fee = np.zeros(n, dtype="int64")
    rule_text = empty_text(n)
    late_fen, oos_fen = np.zeros(n, dtype="int64"), np.zeros(n, dtype="int64")
    late_rule, oos_rule = empty_text(n), empty_text(n)
    problems = no_problems(n)
    negative = has_amount & (base < 0)
    if order_ids is not None:
        base = _order_paid_base(
            book, platforms, base, np.asarray(order_ids, dtype=object), late, events, rules_as_of
        )
    for code, platform_rows in masks.items():
        rows = platform_rows & late
        if not rows.any():
            continue
        idx = np.flatnonzero(rows)
        rule = book.damages.get(f"{code}.late_shipment")
        if rule is None:
            known[rows] = False
            rule_text[rows] = f"{NO_RULE}: {PLATFORM_CHINESE[code]}延迟发货赔付未收录"
            continue
        part = rule_damages(
            rule, np.maximum(base[idx], 0), _governing(rule, events)[idx], rules_as_of,
            promise_h=promise_h[idx], goods=None if goods is None else goods[idx],
        )  # fmt: skip
        excluded = excluded_goods(rule, part.version, None if goods is None else goods[idx])
        applied = (part.version >= 0) & ~excluded
        to_buyer = applied & (part.receivers == "buyer")
        to_platform = applied & (part.receivers == "platform")
        needs_amount = to_buyer & ~has_amount[idx]
        fen[idx[to_buyer]] = part.fen[to_buyer]
        late_fen[idx[to_buyer]] = part.fen[to_buyer]
        fee[idx[to_platform]] = part.fen[to_platform]
        late_rule[idx[applied]] = part.labels[applied]
        rule_text[idx[to_buyer]] = part.labels[to_buyer]
        rule_text[idx[to_platform]] = part.labels[to_platform] + "（平台扣款）；买家赔付规则未收录"
        known[idx[to_platform | ~applied | needs_amount]] = False
        rule_text[idx[~applied]] = part.problems[~applied]
        known[idx[excluded]] = False
        rule_text[idx[excluded]] = part.labels[excluded]
        add_problem(problems, at(idx, n, needs_amount), MISSING_AMOUNT)
        add_problem(problems, at(idx, n, excluded), EXCLUDED_GOODS)
    add_problem(problems, negative, NEGATIVE_AMOUNT)
    known &= ~negative

    upheld = np.zeros(n, dtype=bool) if complaint_upheld is None else complaint_upheld
    context = _Context(promise_h, goods)
    for code, platform_rows in masks.items():
        _out_of_stock(
            book, code, platform_rows & late & known, base, events, upheld, late_fen,
            oos_fen, oos_rule, pd.Timestamp(as_of).to_datetime64(), rules_as_of, context,
        )  # fmt: skip
    stacked = oos_fen > 0
    fen[stacked] += oos_fen[stacked]
    rule_text[stacked] = rule_text[stacked] + " + " + oos_rule[stacked]
    for code, platform_rows in masks.items():
        cap = book.cap_group(code)
        if cap is not None:
            _cap_same_buyer_day(
                cap, platform_rows & late & known & (fen > 0), events["paid_at"], buyer,
                promise_h, fen, late_fen, oos_fen, rule_text, rules_as_of,
            )  # fmt: skip

    column = pd.arrays.IntegerArray(
        np.where(known | ~late, fen, 0), (late & ~known) | ~has_deadline
    )
    return Damages(column, fee, rule_text, late_fen, late_rule, oos_fen, oos_rule, problems)


def _order_paid_base(
    book: Rulebook,
    platforms: Platforms,
    base: np.ndarray,
    order_ids: np.ndarray,
    late: np.ndarray,
    events: Mapping[str, np.ndarray],
    rules_as_of: object,
) -> np.ndarray:
    """``base`` with the order's total (every row of the platform with that order id) on the
    late rows whose late-shipment or out-of-stock version in force is based on the order's
    paid total (``base: order_paid``); the other rows keep their own amount (only late rows
    are charged)."""
    out = base
    for code, rows in platforms.masks.items():
        need = np.zeros(len(base), dtype=bool)
        for name in ("late_shipment", "out_of_stock"):
            rule = book.damages.get(f"{code}.{name}")
            order_level = [
                i
                for i, v in enumerate(() if rule is None else rule.versions)
                if getattr(v.params, "base", None) == "order_paid"
            ]
            if rule is None or not order_level:
                continue
            idx = np.flatnonzero(rows & late)
            version = rule.select(_governing(rule, events)[idx], rules_as_of)
            need[idx[np.isin(version, order_level)]] = True
        wanted = np.flatnonzero(need)
        wanted = wanted[pd.notna(order_ids[wanted])]
        if not len(wanted):
            continue
        orders = pd.Index(pd.unique(order_ids[wanted]))
        mine = np.flatnonzero(rows)
        which = orders.get_indexer(order_ids[mine])  # -1: an order with no late row
        member = which >= 0
        totals = np.zeros(len(orders), dtype="int64")
        np.add.at(totals, which[member], np.maximum(base[mine[member]], 0))
        out = out.copy() if out is base else out
        out[wanted] = totals[orders.get_indexer(order_ids[wanted])]
    return out


@dataclass(frozen=True)
class _Context:
    """Per-row facts tiered versions read: promised ship window (hours) and goods types."""

    promise_h: np.ndarray
    goods: np.ndarray | None


def excluded_goods(rule: Rule, version: np.ndarray, goods: np.ndarray | None) -> np.ndarray:
    """Rows whose version does not pay their goods type automatically (``excluded_goods``)."""
    out = np.zeros(len(version), dtype=bool)
    if goods is None:
        return out
    kinds = pd.Series(goods, dtype=object)
    for index in range(len(rule.versions)):
        params = rule.damages_params(index)
        if params.excluded_goods:
            out |= (version == index) & kinds.isin(params.excluded_goods).to_numpy()  # hashed
    return out


def _cap_same_buyer_day(
    cap: Rule,
    rows: np.ndarray,
    paid_at: np.ndarray,
    buyer: np.ndarray | None,
    promise_h: np.ndarray,
    fen: np.ndarray,
    late_fen: np.ndarray,
    oos_fen: np.ndarray,
    rule_text: np.ndarray,
    rules_as_of: object,
) -> None:
    """Cap the damages of one buyer's orders paid on one day (同一买卖双方付款时间在同一自然日内
    的多笔交易合并计算); rows without a buyer id are capped alone. Within a group the rows keep
    their amounts in row order until the cap is used up; the cut comes off out of stock first."""
    idx = np.flatnonzero(rows)
    chosen = cap.select(paid_at[idx], rules_as_of)
    idx = idx[chosen >= 0]
    if not len(idx):
        return
    version = np.full(len(rows), -1)
    version[idx] = chosen[chosen >= 0]
    who = _buyer_codes(buyer, idx)
    who = np.where(who >= 0, who, -1 - idx)  # no buyer id: a group of one
    day = paid_at[idx].astype("datetime64[D]").astype("int64")
    group, groups = pd.factorize(who * 1_000_000 + day)
    params = [cap.cap_params(i) for i in range(len(cap.versions))]
    limit = np.array([p.max_fen for p in params], dtype="int64")[version[idx]]
    raised = np.array(
        [p.max_fen if p.raised_max_fen is None else p.raised_max_fen for p in params],
        dtype="int64",
    )[version[idx]]
    flag = (oos_fen[idx] > 0) & (promise_h[idx] > 48)
    widen = np.bincount(group, weights=flag, minlength=len(groups)) > 0  # any row of the group
    limit = np.where(widen[group], raised, limit)
    own = fen[idx]
    before = _before_in_group(group, own)
    allowed = np.clip(limit - before, 0, own)
    cut = own - allowed
    if not cut.any():
        return
    oos_cut = np.minimum(cut, oos_fen[idx])
    fen[idx] = allowed
    oos_fen[idx] -= oos_cut
    late_fen[idx] -= cut - oos_cut
    hit = cut > 0
    labels = np.array([f"{v.label} 合并封顶" for v in cap.versions], dtype=object)
    rule_text[idx[hit]] = rule_text[idx[hit]] + "，" + labels[version[idx[hit]]]


def _buyer_codes(buyer: np.ndarray | None, idx: np.ndarray) -> np.ndarray:
    """One code per buyer id of the rows ``idx``, ids compared stripped; -1 for a blank or
    missing id. Each distinct id is stripped once."""
    if buyer is None:
        return np.full(len(idx), -1, dtype="int64")
    codes, uniques = pd.factorize(np.asarray(buyer, dtype=object)[idx], use_na_sentinel=True)
    ids = pd.Series(uniques, dtype=object).astype("string").str.strip()
    same, _ = pd.factorize(ids.mask(ids == ""), use_na_sentinel=True)
    table = np.append(same.astype("int64"), -1)  # codes -1 (missing) → -1
    out: np.ndarray = table[codes]
    return out


def _before_in_group(group: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Per row, the sum of the amounts of the earlier rows of its group (row order)."""
    order = np.argsort(group, kind="stable")
    sums = np.cumsum(amounts[order])
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    first = np.repeat(sums[starts] - amounts[order][starts], np.diff(np.r_[starts, len(order)]))
    before = np.empty_like(amounts)
    before[order] = sums - amounts[order] - first
    return before


def _out_of_stock(
    book: Rulebook,
    code: str,
    rows: np.ndarray,
    base: np.ndarray,
    events: Mapping[str, np.ndarray],
    upheld: np.ndarray,
    late_fen: np.ndarray,
    oos_fen: np.ndarray,
    oos_rule: np.ndarray,
    now: np.datetime64,
    rules_as_of: object,
    context: _Context,
) -> None:
    """Out of stock on top of late shipment: the timer ``<platform>.out_of_stock_after`` (from
    its start, the ship-by deadline) passed with none of its stop events."""
    rule = book.damages.get(f"{code}.out_of_stock")
    timer = book.timers.get(f"{code}.out_of_stock_after")
    if rule is None or timer is None or not rows.any():
        return
    idx = np.flatnonzero(rows)
    governing = _governing(rule, events)[idx]
    after = timer_deadlines(
        timer, event(events, timer.meta.start, timer)[idx], governing=governing,
        rules_as_of=rules_as_of,
    )  # fmt: skip
    stop = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[ns]")
    for index in range(len(timer.versions)):
        vrows = after.version == index
        names = timer.timer_params(index).stop
        stop[vrows] = first_present(*(event(events, s, timer)[idx[vrows]] for s in names))
    still_missing = (
        (after.version >= 0)
        & ~np.isnat(after.deadline)
        & (np.isnat(stop) & (now > after.deadline) | (stop > after.deadline))
    )
    part = rule_damages(
        rule, np.maximum(base[idx], 0), governing, rules_as_of,
        promise_h=context.promise_h[idx],
        goods=None if context.goods is None else context.goods[idx],
    )  # fmt: skip
    applies = still_missing & (part.version >= 0)
    for index, ver in enumerate(rule.versions):
        params = rule.damages_params(index)
        vrows = applies & (part.version == index)
        if params.requires_complaint:
            vrows &= upheld[idx]
        amount = part.fen[vrows]
        if params.stack_max_fen is not None:
            amount = np.minimum(amount, np.maximum(params.stack_max_fen - late_fen[idx[vrows]], 0))
        oos_fen[idx[vrows]] = amount
        oos_rule[idx[vrows]] = ver.label
