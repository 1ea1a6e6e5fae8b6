"""Violation points: late-shipment points per order, the violation log (违规记录), the yearly
points ledger and campaign eligibility.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> out = points(load_rulebook(), np.array(["taobao", "taobao"], dtype=object),
...              np.array(["1", "2"], dtype=object), np.array([True, True]),
...              np.array(["2019-03-01", "2019-03-01"], dtype="datetime64[ns]"),
...              complaint_upheld=np.array([True, False]), as_of=pd.Timestamp("2019-06-01"))
>>> out.points.tolist(), out.rule.tolist(), out.ledger["running_total"].tolist()
([3, 0], ['taobao.late_shipment@2016-07-21', ''], [3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..damages import rule_damages
from ..points import campaign_eligibility, points_ledger, rule_points
from ..rulebook import Rulebook
from .common import Platforms, empty_text

LATE_NOTE: Final = "订单延迟发货（投诉成立且未在判定前赔付）"


@dataclass(frozen=True)
class Points:
    """Per order: ``points`` (late shipment plus matched log entries), ``track`` and ``rule``
    of the late-shipment points, ``log_fee`` (platform deductions of matched log entries, fen);
    and the ``ledger`` and campaign ``eligibility`` as of the run."""

    points: np.ndarray
    track: np.ndarray
    rule: np.ndarray
    log_fee: np.ndarray
    ledger: pd.DataFrame
    eligibility: pd.DataFrame


def points(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    order_ids: np.ndarray,
    late: np.ndarray,
    violated_at: np.ndarray,
    *,
    as_of: pd.Timestamp,
    complaint_upheld: np.ndarray | None = None,
    paid_before_ruling: np.ndarray | None = None,
    violation_log: pd.DataFrame | None = None,
    rules_as_of: object = None,
) -> Points:
    """Points of the ``late`` orders (conditions: complaint upheld, not paid before the
    ruling), the log's entries, and the ledger over both. ``violated_at``: when each order's
    violation happened — for late shipment the ship-by deadline it missed; it dates the ledger
    entry and chooses the rule version. ``violation_log``: columns ``date`` (the ruling),
    ``platform``, ``violation`` (a name, graded as 「虚假交易-严重」 where the rule has grades) and
    optional ``order_id``, ``points``, ``track``, ``grade``, ``note``."""
    platforms = Platforms.of(platform)
    platform = platforms.codes
    violated_at = np.asarray(violated_at, dtype="datetime64[ns]")
    n = len(platform)
    upheld = np.zeros(n, dtype=bool) if complaint_upheld is None else complaint_upheld
    paid_first = np.zeros(n, dtype=bool) if paid_before_ruling is None else paid_before_ruling
    total = np.zeros(n, dtype="int64")
    track = np.empty(n, dtype=object)  # None until a rule gives a track
    rule = empty_text(n)
    for code, rows in platforms.masks.items():
        late_rule = book.violations.get(f"{code}.late_shipment")
        if late_rule is None:
            continue
        idx = np.flatnonzero(rows & late)
        if not len(idx):
            continue
        part = rule_points(
            late_rule, violated_at[idx], upheld[idx], paid_first[idx], rules_as_of=rules_as_of
        )
        total[idx] = part.points
        track[idx] = part.tracks
        rule[idx] = np.where(part.points > 0, part.labels, "")

    charged = total > 0
    events = pd.DataFrame(
        {
            "date": violated_at[charged],
            "platform": platform[charged],
            "violation": "late_shipment",
            "points": total[charged],
            "track": track[charged],
            "order_id": order_ids[charged],
            "note": LATE_NOTE,
        }
    )
    log_fee = np.zeros(n, dtype="int64")
    if violation_log is not None and len(violation_log):
        log = violation_log.reset_index(drop=True).copy()
        log_events, log_fees = log_entries(log, book)
        events = pd.concat([events, log_events], ignore_index=True)
        if "order_id" in log:
            index_of = pd.Series(np.arange(n), index=pd.Index(order_ids.astype(str)))
            index_of = index_of[~index_of.index.duplicated()]
            matched = log["order_id"].astype(str).map(index_of)
            for log_row, order_row in matched.dropna().astype(int).items():
                given = log_events.loc[log_row, "points"]
                total[order_row] += int(given) if pd.notna(given) else 0
                log_fee[order_row] += int(log_fees[log_row])
    ledger = points_ledger(events, book)
    eligibility = campaign_eligibility(ledger, book, as_of)
    return Points(total, track, rule, log_fee, ledger, eligibility)


def log_entries(log: pd.DataFrame, book: Rulebook) -> tuple[pd.DataFrame, np.ndarray]:
    """Ledger events and per-entry platform deductions (fen) from the 违规记录 sheet. A damages
    rule applies to log entries when it is ``governed_by: event_time`` (the entry's date)."""
    dates = pd.to_datetime(log["date"], errors="coerce").to_numpy(dtype="datetime64[ns]")
    platform = log["platform"].to_numpy(dtype=object)
    raw = log["violation"]
    coded = {v: book.violation_and_grade(v) for v in pd.unique(raw.dropna())}
    violation = (
        raw.map({v: c or v for v, (c, _) in coded.items()})
        .where(raw.notna(), raw)
        .to_numpy(dtype=object)
    )
    named = raw.map({v: g for v, (_, g) in coded.items()}).to_numpy(dtype=object)
    grade = log["grade"].to_numpy(dtype=object) if "grade" in log else named
    grade = np.where(pd.isna(grade), named, grade)
    keys = pd.Series(platform).astype(str) + "." + pd.Series(violation).astype(str)
    fees = np.zeros(len(log), dtype="int64")
    for key in pd.unique(keys):
        rule = book.damages.get(key)
        if rule is None or rule.meta.governed_by != "event_time":
            continue
        rows = (keys == key).to_numpy()
        part = rule_damages(rule, np.zeros(rows.sum(), dtype="int64"), dates[rows])
        fees[rows] = np.where((part.version >= 0) & (part.receivers == "platform"), part.fen, 0)
    given = (
        pd.to_numeric(log["points"], errors="coerce")
        if "points" in log
        else pd.Series(np.nan, index=log.index)
    )
    has_points_rule = keys.isin(list(book.violations))
    # A deposit-only violation (e.g. Douyin's after-sale deduction) costs no points.
    given = given.where(given.notna() | has_points_rule | (fees == 0), 0)
    events = pd.DataFrame(
        {
            "date": dates,
            "platform": platform,
            "violation": violation,
            "points": given,
            "track": log.get("track", None),
            "grade": grade,
            "order_id": log.get("order_id", None),
            "note": log.get("note", None),
        }
    )
    return events, fees
