"""Deduction points: per-violation points, the yearly ledger with node crossings, and campaign
eligibility as of a time.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> book = load_rulebook()
>>> events = pd.DataFrame({
...     "date": pd.to_datetime(["2024-02-01", "2024-05-01", "2024-06-01", "2025-01-02"]),
...     "platform": ["taobao"] * 4, "violation": ["buyer_info_leak"] * 4})
>>> ledger = points_ledger(events, book)
>>> ledger["running_total"].tolist(), ledger["node"].tolist()
([6, 12, 18, 6], ['', '12', '', ''])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .rulebook import NO_RULE, TRACK_NAMES, Node, Rule, Rulebook, governing_times

LEDGER_COLUMNS: Final = (
    "date",
    "platform",
    "track",
    "violation",
    "violation_name",
    "points",
    "year",
    "running_total",
    "node",
    "consequence",
    "fine_fen",
    "ends_at",
    "permanent",
    "rule",
    "node_rule",
    "order_id",
    "note",
    "problem",
)


@dataclass(frozen=True)
class PointsColumn:
    """Per row: points (0 where the condition does not hold or no rule applies), track, version
    index (-1 = none), label and problem text."""

    points: np.ndarray
    tracks: np.ndarray
    version: np.ndarray
    labels: np.ndarray
    problems: np.ndarray


def rule_points(
    rule: Rule,
    governing: np.ndarray,
    complaint_upheld: np.ndarray | None = None,
    paid_before_ruling: np.ndarray | None = None,
    rules_as_of: object = None,
) -> PointsColumn:
    """Points of one violation rule per row, with its condition applied.

    ``complaint_upheld`` / ``paid_before_ruling``: booleans (unknown = False, so conditional
    points are only charged when the complaint is known to be upheld and not paid first).
    """
    governing = governing_times(governing, rules_as_of)
    n = len(governing)
    upheld = _flags(complaint_upheld, n)
    paid = _flags(paid_before_ruling, n)
    version = rule.select(governing)
    points = np.zeros(n, dtype="int64")
    tracks = np.full(n, None, dtype=object)
    labels = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    for index, ver in enumerate(rule.versions):
        rows = version == index
        if not rows.any():
            continue
        params = rule.violation_params(index)
        applies = rows.copy()
        if params.conditional:
            applies &= upheld & ~paid
        points[applies] = params.points
        tracks[rows] = params.track
        labels[rows] = ver.label
    missing = (version < 0) & ~np.isnat(governing)
    problems[missing] = rule.no_rule_message()
    return PointsColumn(points, tracks, version, labels, problems)


def _flags(values: np.ndarray | None, n: int) -> np.ndarray:
    """Booleans per row; unknown (``None``) counts as False."""
    return np.zeros(n, dtype=bool) if values is None else np.asarray(values, dtype=bool)


def violation_points(
    book: Rulebook,
    platform: np.ndarray,
    violation: np.ndarray,
    governing: np.ndarray,
    complaint_upheld: np.ndarray | None = None,
    paid_before_ruling: np.ndarray | None = None,
    rules_as_of: object = None,
) -> PointsColumn:
    """Points for mixed platforms and violations (one vectorised pass per rule present)."""
    platform = np.asarray(platform, dtype=object)
    violation = np.asarray(violation, dtype=object)
    governing = governing_times(governing, rules_as_of)
    n = len(platform)
    upheld = _flags(complaint_upheld, n)
    paid = _flags(paid_before_ruling, n)
    out = PointsColumn(
        np.zeros(n, dtype="int64"),
        np.full(n, None, dtype=object),
        np.full(n, -1, dtype="int64"),
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
    )
    keys = pd.Series(platform).astype(str) + "." + pd.Series(violation).astype(str)
    for key in keys.unique():
        rows = (keys == key).to_numpy()
        rule = book.violations.get(key)
        if rule is None:
            p, v = key.split(".", 1)
            name = book.violation_names.get(v, v)
            out.problems[rows] = f"{NO_RULE}: {p} 没有「{name}」的扣分规则"
            continue
        part = rule_points(rule, governing[rows], upheld[rows], paid[rows])
        out.points[rows] = part.points
        out.tracks[rows] = part.tracks
        out.version[rows] = part.version
        out.labels[rows] = part.labels
        out.problems[rows] = part.problems
    return out


def points_ledger(events: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """The dated ledger: running totals per platform, track and natural year, and node crossings.

    ``events`` needs ``date``, ``platform``, ``violation``; optional ``points`` and ``track``
    (given points win over the rulebook's, e.g. a graded counterfeit case), ``order_id``,
    ``note``. Totals reset at 12-31 24:00. Events with no rule get a problem and no points.
    """
    frame = events.copy().reset_index(drop=True)
    for column in ("order_id", "note"):
        if column not in frame:
            frame[column] = None
    dates = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[ns]")
    computed = violation_points(
        book, frame["platform"].to_numpy(), frame["violation"].to_numpy(), dates
    )
    given_points = (
        pd.to_numeric(frame["points"], errors="coerce")
        if "points" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    given_track = (
        frame["track"] if "track" in frame else pd.Series(None, index=frame.index, dtype=object)
    )
    points = np.where(
        given_points.notna(), given_points.fillna(0).to_numpy(), computed.points
    ).astype("int64")
    tracks = np.where(given_track.notna(), given_track.to_numpy(dtype=object), computed.tracks)
    problems = np.where(
        given_points.notna().to_numpy(), np.array(None, dtype=object), computed.problems
    )

    ledger = pd.DataFrame(
        {
            "date": dates,
            "platform": frame["platform"].to_numpy(dtype=object),
            "track": tracks,
            "violation": frame["violation"].to_numpy(dtype=object),
            "violation_name": [
                book.violation_names.get(str(v), str(v)) for v in frame["violation"]
            ],
            "points": points,
            "rule": computed.labels,
            "order_id": frame["order_id"].to_numpy(dtype=object),
            "note": frame["note"].to_numpy(dtype=object),
            "problem": problems,
        }
    )
    ledger["year"] = pd.DatetimeIndex(ledger["date"]).year
    ledger = ledger.sort_values(
        ["platform", "track", "date"], kind="stable", na_position="last"
    ).reset_index(drop=True)
    ledger["running_total"] = (
        ledger.groupby(["platform", "track", "year"], dropna=False)["points"]
        .cumsum()
        .astype("int64")
    )
    previous = (ledger["running_total"] - ledger["points"]).to_numpy()
    total = ledger["running_total"].to_numpy()
    node = np.full(len(ledger), "", dtype=object)
    consequence = np.full(len(ledger), "", dtype=object)
    fine = np.zeros(len(ledger), dtype="int64")
    days = np.zeros(len(ledger), dtype="int64")
    permanent = np.zeros(len(ledger), dtype=bool)
    node_rule = np.full(len(ledger), "", dtype=object)
    event_dates = ledger["date"].to_numpy(dtype="datetime64[ns]")

    for (platform, track), track_rows in ledger.groupby(
        ["platform", "track"], dropna=True
    ).groups.items():
        nodes = book.node_tracks.get((str(platform), str(track)))
        if nodes is None:
            continue
        positions = np.asarray(track_rows)
        version_of = nodes.select(event_dates[positions])
        for index, ver in enumerate(nodes.versions):
            rows = positions[version_of == index]
            if not len(rows):
                continue
            params = nodes.node_params(index)
            if params.every is not None:
                spec: Node = params.every
                crossed = total[rows] // spec.points - previous[rows] // spec.points
                hit = rows[crossed > 0]
                count = crossed[crossed > 0]
                node[hit] = [_multiples(previous[r], total[r], spec.points) for r in hit]
                consequence[hit] = spec.consequence + np.where(
                    count > 1, np.char.add("（×", np.char.add(count.astype(str), "）")), ""
                )
                fine[hit] = count * spec.fine_fen
                if spec.days is None:
                    permanent[hit] = True
                else:
                    days[hit] = count * spec.days
                node_rule[hit] = ver.label
                continue
            for spec in params.thresholds:
                mask = (previous[rows] < spec.points) & (total[rows] >= spec.points)
                hit = rows[mask]
                if not len(hit):
                    continue
                node[hit] = np.where(
                    node[hit] == "", str(spec.points), node[hit] + "、" + str(spec.points)
                )
                consequence[hit] = np.where(
                    consequence[hit] == "",
                    spec.consequence,
                    consequence[hit] + "；" + spec.consequence,
                )
                fine[hit] += spec.fine_fen
                if spec.days is None:
                    permanent[hit] = True
                else:
                    days[hit] = np.maximum(days[hit], spec.days)
                node_rule[hit] = ver.label

    ends = event_dates + (days * 86_400_000_000_000).astype("timedelta64[ns]")
    ends[(days == 0) | permanent] = np.datetime64("NaT")
    ledger["node"] = node
    ledger["consequence"] = consequence
    ledger["fine_fen"] = fine
    ledger["ends_at"] = ends
    ledger["permanent"] = permanent
    ledger["node_rule"] = node_rule
    return ledger[list(LEDGER_COLUMNS)]


def _multiples(previous: int, total: int, every: int) -> str:
    return "、".join(str(m) for m in range((previous // every + 1) * every, total + 1, every))


def campaign_eligibility(ledger: pd.DataFrame, book: Rulebook, as_of: pd.Timestamp) -> pd.DataFrame:
    """Whether each platform's shop may join campaigns as of a time, with reasons.

    Columns: ``platform``, ``eligible`` (可报名 / 不可报名), ``until`` (when it ends; ``NaT`` with
    ``permanent``), ``permanent``, ``reasons``, ``checks_by_hand``, ``rule``.
    """
    as_of = pd.Timestamp(as_of)
    year_end = pd.Timestamp(year=as_of.year + 1, month=1, day=1)
    rows = []
    for platform, campaign in book.campaigns.items():
        index = campaign.index_at(as_of)
        if index < 0:
            continue
        ver, spec = campaign.versions[index], campaign.campaign_params(index)
        mine = ledger[(ledger["platform"] == platform) & (ledger["date"] <= as_of)]
        this_year = mine[mine["year"] == as_of.year]
        blocks: list[tuple[str, pd.Timestamp | None]] = []  # (reason, until; None = permanent)
        if spec.every_a is not None:
            every, days = spec.every_a.points, spec.every_a.days
            a = mine[
                (mine["track"] == "A")
                & (
                    (mine["running_total"] // every)
                    > ((mine["running_total"] - mine["points"]) // every)
                )
            ]
            for date in a["date"]:
                until = pd.Timestamp(date) + pd.Timedelta(days=days)
                if until > as_of:
                    blocks.append(
                        (
                            f"一般违规累计达到 {every} 的倍数（{date:%Y-%m-%d}），{days} 天内不得报名",
                            until,
                        )
                    )
        if spec.fake_transaction_never is not None:
            fake = this_year[this_year["violation"] == "fake_transaction"]["points"].sum()
            if fake >= spec.fake_transaction_never:
                blocks.append(
                    (f"虚假交易扣分 {fake} ≥ {spec.fake_transaction_never}，永久不得报名", None)
                )
        if spec.counterfeit_never is not None:
            counterfeit = this_year[this_year["track"] == "C"]["points"].sum()
            if counterfeit >= spec.counterfeit_never:
                blocks.append(
                    (f"售假扣分 {counterfeit} ≥ {spec.counterfeit_never}，永久不得报名", None)
                )
            elif counterfeit >= (
                np.inf if spec.counterfeit_year is None else spec.counterfeit_year
            ):
                blocks.append((f"售假扣分 {counterfeit} 分，本年度内不得报名", year_end))
        if spec.total_points_until_reset is not None:
            total = this_year[this_year["track"].isin(["A", "B"])]["points"].sum()
            if total >= spec.total_points_until_reset:
                blocks.append(
                    (
                        f"本年度扣分 {total} ≥ {spec.total_points_until_reset}，年底清零前不得报名",
                        year_end,
                    )
                )
        permanent = any(until is None for _, until in blocks)
        finite = [until for _, until in blocks if until is not None]
        rows.append(
            {
                "platform": platform,
                "eligible": "不可报名" if blocks else "可报名",
                "until": pd.NaT if permanent or not finite else max(finite),
                "permanent": permanent,
                "reasons": "；".join(reason for reason, _ in blocks),
                "checks_by_hand": "；".join(spec.checks_by_hand or ()),
                "rule": ver.label,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["platform", "eligible", "until", "permanent", "reasons", "checks_by_hand", "rule"],
    )


def track_name(track: str | None) -> str:
    """Chinese name of a track code (A/B/C).

    >>> track_name("B")
    '严重违规'
    """
    return TRACK_NAMES.get(str(track), "")
