"""Deduction points as the platforms run them: per-violation points (graded where the rule has
grades), the yearly ledger with what survives the reset, node periods run one after another,
and campaign bans.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> book = load_rulebook()
>>> events = pd.DataFrame({
...     "date": pd.to_datetime(["2024-02-01", "2024-05-01", "2024-06-01", "2025-01-02"]),
...     "platform": ["taobao"] * 4, "violation": ["buyer_info_leak"] * 4})
>>> ledger = points_ledger(events, book)
>>> ledger["running_total"].tolist(), ledger["node"].tolist()
([6, 12, 18, 6], ['', '12', '', ''])
>>> nodes = node_periods(ledger, book)
>>> [f"{s:%m-%d}..{e:%m-%d}" for s, e in zip(nodes["start"], nodes["end"])]
['05-01..05-08']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .rulebook import GRADES, NO_RULE, TRACK_NAMES, Node, Rule, Rulebook, governing_times

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
    "node_start",
    "ends_at",
    "permanent",
    "rule",
    "node_rule",
    "order_id",
    "note",
    "problem",
)
#: One row per node reached: when it was reached, when its measure runs (``start`` .. ``end``;
#: ``end`` is ``NaT`` for a permanent one).
NODE_COLUMNS: Final = (
    "platform",
    "track",
    "node",
    "reached",
    "start",
    "end",
    "permanent",
    "consequence",
    "fine_fen",
    "rule",
    "order_id",
)
#: One row per campaign ban: from ``start`` until ``until`` (exclusive; ``NaT`` = permanent).
BAN_COLUMNS: Final = ("platform", "start", "until", "permanent", "reason", "rule")
GRADE_MISSING: Final = "未注明情节（一般/严重/特别严重），无法确定扣分"
_DAY: Final = np.timedelta64(1, "D")


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
    grade: np.ndarray | None = None,
) -> PointsColumn:
    """Points of one violation rule per row, with its condition applied.

    ``complaint_upheld`` / ``paid_before_ruling``: booleans (unknown = False, so conditional
    points are only charged when the complaint is known to be upheld and not paid first).
    ``grade``: the grade (情节) per row for graded versions (``None`` = not given: no points,
    a problem, never a guessed grade).
    """
    governing = governing_times(governing, rules_as_of)
    n = len(governing)
    upheld = _flags(complaint_upheld, n)
    paid = _flags(paid_before_ruling, n)
    grades = np.full(n, None, dtype=object) if grade is None else np.asarray(grade, dtype=object)
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
        blocked = ~(upheld & ~paid) if params.conditional else np.zeros(n, dtype=bool)
        labels[rows] = ver.label
        if params.grades is None:
            points[rows & ~blocked] = params.points
            tracks[rows] = params.track
            continue
        for code, spec in params.grades.items():
            hit = rows & (grades == code)
            points[hit & ~blocked] = spec.points
            tracks[hit] = spec.track
        ungraded = rows & ~np.isin(grades, list(params.grades))
        problems[ungraded] = GRADE_MISSING
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
    grade: np.ndarray | None = None,
) -> PointsColumn:
    """Points for mixed platforms and violations (one vectorised pass per rule present).

    A violation may be a code, a Chinese name or a graded name such as 「虚假交易-严重」 (its
    grade is used where ``grade`` gives none)."""
    platform = np.asarray(platform, dtype=object)
    violation = np.asarray(violation, dtype=object)
    governing = governing_times(governing, rules_as_of)
    n = len(platform)
    upheld = _flags(complaint_upheld, n)
    paid = _flags(paid_before_ruling, n)
    grades = np.full(n, None, dtype=object) if grade is None else np.array(grade, dtype=object)
    codes = violation.copy()
    for text in pd.unique(violation):
        code, named = book.violation_and_grade(text)
        if code is None or (code == text and named is None):
            continue
        rows = violation == text
        codes[rows] = code
        if named is not None:
            grades[rows & pd.isna(grades)] = named
    out = PointsColumn(
        np.zeros(n, dtype="int64"),
        np.full(n, None, dtype=object),
        np.full(n, -1, dtype="int64"),
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
    )
    keys = pd.Series(platform).astype(str) + "." + pd.Series(codes).astype(str)
    for key in keys.unique():
        rows = (keys == key).to_numpy()
        rule = book.violations.get(key)
        if rule is None:
            p, v = key.split(".", 1)
            name = book.violation_names.get(v, v)
            out.problems[rows] = f"{NO_RULE}: {p} 没有「{name}」的扣分规则"
            continue
        part = rule_points(rule, governing[rows], upheld[rows], paid[rows], grade=grades[rows])
        out.points[rows] = part.points
        out.tracks[rows] = part.tracks
        out.version[rows] = part.version
        out.labels[rows] = part.labels
        out.problems[rows] = part.problems
    return out


#: The empty ledger per event-frame layout and rulebook: most order books charge no points, and
#: building an empty ledger through the full path costs ~20 ms of pandas overhead per run.
_EMPTY_LEDGERS: dict[tuple[object, ...], pd.DataFrame] = {}


def points_ledger(events: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """The dated ledger (see :func:`_points_ledger`); an empty one is built once and copied."""
    if len(events):
        return _points_ledger(events, book)
    key = (tuple(events.columns), tuple(map(str, events.dtypes)), book.digest)
    if key not in _EMPTY_LEDGERS:
        _EMPTY_LEDGERS[key] = _points_ledger(events, book)
    return _EMPTY_LEDGERS[key].copy()


def _points_ledger(events: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """The dated ledger: running totals per platform, track and natural year, and node crossings.

    ``events`` needs ``date`` (when the violation happened or was ruled), ``platform``,
    ``violation``; optional ``points`` and ``track`` (given points win over the rulebook's),
    ``grade`` (情节 code, or named in the violation as 「虚假交易-严重」), ``order_id``,
    ``note``. Events are rulings: a conditional rule's condition counts as met. Totals reset at
    12-31 24:00 except what the platform's ``year_end`` keeps (sealed totals, a carried amount);
    a rule's ``window_cap`` caps the points within its window. Events with no rule, or a graded
    rule without a grade, get a problem and no points.
    """
    frame = events.copy().reset_index(drop=True)
    for column in ("order_id", "note", "grade"):
        if column not in frame:
            frame[column] = None
    dates = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[ns]")
    n = len(frame)
    computed = violation_points(
        book,
        frame["platform"].to_numpy(),
        frame["violation"].to_numpy(),
        dates,
        complaint_upheld=np.ones(n, dtype=bool),
        grade=frame["grade"].to_numpy(dtype=object),
    )
    given_points = (
        pd.to_numeric(frame["points"], errors="coerce")
        if "points" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    given_track = (
        frame["track"] if "track" in frame else pd.Series(None, index=frame.index, dtype=object)
    )
    given = given_points.notna().to_numpy()
    points = np.where(given, given_points.fillna(0).to_numpy(), computed.points).astype("int64")
    tracks = np.where(given_track.notna(), given_track.to_numpy(dtype=object), computed.tracks)
    problems = np.where(given, np.array(None, dtype=object), computed.problems)
    raw = frame["violation"]
    codes = {v: book.violation_and_grade(v)[0] or v for v in pd.unique(raw.dropna())}
    violations = raw.map(codes).where(raw.notna(), raw).to_numpy(dtype=object)
    names = {c: book.violation_names.get(str(c), str(c)) for c in pd.unique(violations)}

    ledger = pd.DataFrame(
        {
            "date": dates,
            "platform": frame["platform"].to_numpy(dtype=object),
            "track": tracks,
            "violation": violations,
            "violation_name": pd.Series(violations, dtype=object).map(names).to_numpy(),
            "points": points,
            "rule": computed.labels,
            "order_id": frame["order_id"].to_numpy(dtype=object),
            "note": frame["note"].to_numpy(dtype=object),
            "problem": problems,
            "_capped": ~given,
        }
    )
    ledger["year"] = pd.DatetimeIndex(ledger["date"]).year
    ledger = ledger.sort_values(
        ["platform", "track", "date"], kind="stable", na_position="last"
    ).reset_index(drop=True)
    _apply_window_caps(ledger, book)
    ledger["running_total"] = _opening(ledger, book) + (
        ledger.groupby(["platform", "track", "year"], dropna=False)["points"]
        .cumsum()
        .astype("int64")
        .to_numpy()
    )
    nodes = _crossings(ledger, book)
    return _with_nodes(ledger, nodes)[list(LEDGER_COLUMNS)]


def _apply_window_caps(ledger: pd.DataFrame, book: Rulebook) -> None:
    """Points beyond a rule's ``window_cap`` (e.g. Tmall late shipment ≤ 6 in 30 days) drop to
    what the window still allows; only the few events of capped rules are walked in order."""
    labels = ledger["rule"].to_numpy(dtype=object)
    for label in pd.unique(labels[pd.notna(labels)]):
        rule_id = str(label).split("@", 1)[0]
        rule = book.violations.get(rule_id)
        index = (
            next((i for i, v in enumerate(rule.versions) if v.label == label), None)
            if rule
            else None
        )
        cap = None if rule is None or index is None else rule.violation_params(index).window_cap
        if cap is None:
            continue
        rows = np.flatnonzero((labels == label) & ledger["_capped"].to_numpy(dtype=bool))
        for platform in pd.unique(ledger["platform"].to_numpy()[rows]):
            mine = rows[ledger["platform"].to_numpy()[rows] == platform]
            mine = mine[np.argsort(ledger["date"].to_numpy()[mine], kind="stable")]
            charged: list[tuple[np.datetime64, int]] = []
            for row in mine:
                when = ledger.at[row, "date"].to_datetime64()
                window = when - cap.days * _DAY
                used = sum(p for t, p in charged if t > window)
                allowed = max(0, min(int(ledger.at[row, "points"]), cap.max_points - used))
                ledger.at[row, "points"] = allowed
                charged.append((when, allowed))


def _opening(ledger: pd.DataFrame, book: Rulebook) -> np.ndarray:
    """Each row's opening balance of its year: 0, or what the previous year's reset kept
    (``year_end``: a sealed total, or the carried amount). A short loop over the years of each
    platform and track that keeps anything."""
    opening = np.zeros(len(ledger), dtype="int64")
    if not len(ledger):
        return opening
    sums = ledger.groupby(["platform", "track", "year"], dropna=True)["points"].sum()
    kept: dict[tuple[str, str, int], int] = {}
    for (platform, track), years in sums.groupby(level=[0, 1]):
        rule = book.year_end.get(str(platform), {}).get(str(track))
        if rule is None:
            continue
        new = {int(y): int(p) for (_, _, y), p in years.items()}
        balance = 0
        for year in range(min(new), max(new) + 1):
            kept[(str(platform), str(track), year)] = balance
            total = balance + new.get(year, 0)
            if rule.sealed_at is not None and total >= rule.sealed_at:
                balance = total
            elif rule.carry_from is not None and new.get(year, 0) >= rule.carry_from:
                balance = int(rule.carry_as or 0)
            else:
                balance = 0
    if kept:
        keys = pd.MultiIndex.from_arrays(
            [ledger["platform"].astype(str), ledger["track"].astype(str), ledger["year"]]
        )
        opening = pd.Series(kept, dtype="int64").reindex(keys).fillna(0).astype("int64").to_numpy()
    return opening


def _crossings(ledger: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """Every node reached, with its measure's period: nodes reached together run one after
    another, and a node reached while one of its track runs starts when that one ends
    (淘宝网市场管理与违规处理规范 第十二条（二）「依次执行」; 11001321 情形四)."""
    total = ledger["running_total"].to_numpy(dtype="int64")
    previous = total - ledger["points"].to_numpy(dtype="int64")
    event_dates = ledger["date"].to_numpy(dtype="datetime64[ns]")
    found: list[tuple[int, Node, str]] = []  # (ledger row, node, version label)
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
                for row, count in zip(rows[crossed > 0], crossed[crossed > 0], strict=True):
                    first = (previous[row] // spec.points + 1) * spec.points
                    for k in range(int(count)):
                        found.append((int(row), _at(spec, first + k * spec.points), ver.label))
                continue
            for spec in params.thresholds:
                hit = rows[(previous[rows] < spec.points) & (total[rows] >= spec.points)]
                found.extend((int(row), spec, ver.label) for row in hit)
    found.sort(key=lambda f: (f[0], f[1].points))
    records = []
    running: dict[tuple[str, str], np.datetime64] = {}
    for row, spec, label in found:
        key = (str(ledger.at[row, "platform"]), str(ledger.at[row, "track"]))
        reached = event_dates[row]
        start = max(reached, running.get(key, reached))
        end = np.datetime64("NaT") if spec.days is None else start + spec.days * _DAY
        if spec.days is not None:
            running[key] = end
        records.append(
            {
                "_row": row,
                "platform": key[0],
                "track": key[1],
                "node": spec.points,
                "reached": reached,
                "start": start,
                "end": end,
                "permanent": spec.days is None,
                "consequence": spec.consequence,
                "fine_fen": spec.fine_fen,
                "rule": label,
                "order_id": ledger.at[row, "order_id"],
            }
        )
    frame = pd.DataFrame(records, columns=["_row", *NODE_COLUMNS])
    for column in ("reached", "start", "end"):
        frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def _at(spec: Node, points: int) -> Node:
    return Node(points=points, days=spec.days, consequence=spec.consequence, fine_fen=spec.fine_fen)


def _with_nodes(ledger: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """The ledger rows with their nodes summed up: node values, consequences, fines, the first
    node's start and the last one's end."""
    n = len(ledger)
    node = np.full(n, "", dtype=object)
    consequence = np.full(n, "", dtype=object)
    fine = np.zeros(n, dtype="int64")
    start = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ends = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    permanent = np.zeros(n, dtype=bool)
    node_rule = np.full(n, "", dtype=object)
    if len(nodes):
        grouped = nodes.groupby("_row", sort=True)
        rows = np.asarray(list(grouped.groups), dtype="int64")
        node[rows] = grouped["node"].agg(lambda s: "、".join(map(str, s))).to_numpy()
        consequence[rows] = grouped["consequence"].agg(_join_consequences).to_numpy()
        fine[rows] = grouped["fine_fen"].sum().to_numpy()
        start[rows] = grouped["start"].min().to_numpy()
        permanent[rows] = grouped["permanent"].any().to_numpy()
        ends[rows] = grouped["end"].max().to_numpy()
        ends[permanent] = np.datetime64("NaT")
        node_rule[rows] = grouped["rule"].last().to_numpy()
    out = ledger.drop(columns=["_capped"])
    out["node"] = node
    out["consequence"] = consequence
    out["fine_fen"] = fine
    out["node_start"] = start
    out["ends_at"] = ends
    out["permanent"] = permanent
    out["node_rule"] = node_rule
    return out


def _join_consequences(values: pd.Series) -> str:
    """「A；B」, with repeats of one consequence shown once as 「A（×2）」."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return "；".join(v if c == 1 else f"{v}（×{c}）" for v, c in counts.items())


def node_periods(ledger: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """One row per node reached in a ledger from :func:`points_ledger`: reached date and the
    period its measure runs (see :data:`NODE_COLUMNS`)."""
    return (
        _crossings(ledger.reset_index(drop=True), book)
        .drop(columns=["_row"])
        .reset_index(drop=True)
    )


def campaign_bans(ledger: pd.DataFrame, book: Rulebook) -> pd.DataFrame:
    """Every campaign ban the ledger's events cause, each from its date to its end; a ban runs
    its full length across the year-end reset (ruleId 20009114: 营销活动的限制不随着…清零而取消)
    and permanent bans count events of every year. Columns: :data:`BAN_COLUMNS`."""
    frames = []
    for platform, campaign in book.campaigns.items():
        mine = ledger[ledger["platform"] == platform].reset_index(drop=True)
        if not len(mine):
            continue
        dates = mine["date"].to_numpy(dtype="datetime64[ns]")
        version = campaign.select(dates)
        for index, ver in enumerate(campaign.versions):
            rows = mine[version == index]
            if len(rows):
                frames.append(_bans(rows, campaign.campaign_params(index), platform, ver.label))
    bans = pd.concat([_no_bans(), *frames], ignore_index=True)
    bans["start"] = bans["start"].astype("datetime64[ns]")
    bans["until"] = bans["until"].astype("datetime64[ns]")
    return bans.sort_values(["platform", "start"], kind="stable").reset_index(drop=True)[
        list(BAN_COLUMNS)
    ]


def _bans(rows: pd.DataFrame, spec: object, platform: str, label: str) -> pd.DataFrame:
    """The bans of one platform's rows under one campaign version (vectorised per kind)."""
    from .rulebook import CampaignParams, expect

    spec = expect(spec, CampaignParams, label)
    rows = rows.sort_values("date", kind="stable")  # yearly sums across tracks run by date
    dates = rows["date"].to_numpy(dtype="datetime64[ns]")
    years = rows["year"].to_numpy()
    year_end = pd.to_datetime(pd.Series(years + 1).astype(str) + "-01-01").to_numpy(
        dtype="datetime64[ns]"
    )
    points = rows["points"].to_numpy(dtype="int64")
    track = rows["track"].to_numpy(dtype=object)
    fake = rows["violation"].to_numpy(dtype=object) == "fake_transaction"
    total = rows["running_total"].to_numpy(dtype="int64")
    previous = total - points
    out: list[pd.DataFrame] = []
    nat = np.datetime64("NaT")

    def add(mask: np.ndarray, until: np.ndarray | np.datetime64, reason: np.ndarray | str) -> None:
        if mask.any():
            ends = until[mask] if isinstance(until, np.ndarray) else np.full(mask.sum(), until)
            texts = reason[mask] if isinstance(reason, np.ndarray) else np.full(mask.sum(), reason)
            out.append(
                pd.DataFrame(
                    {
                        "platform": platform,
                        "start": dates[mask],
                        "until": ends.astype("datetime64[ns]"),
                        "permanent": np.isnat(ends.astype("datetime64[ns]")),
                        "reason": texts,
                        "rule": label,
                    }
                )
            )

    day_text = np.datetime_as_string(dates, unit="D")

    def year_cumsum(values: np.ndarray) -> np.ndarray:
        summed: np.ndarray = pd.Series(values).groupby(years).cumsum().to_numpy(dtype="int64")
        return summed

    if spec.every_a is not None:
        every, days = spec.every_a.points, spec.every_a.days
        a_points = np.where((track == "A") & ~fake, points, 0)
        a_total = year_cumsum(a_points)
        hit = (a_points > 0) & (a_total // every > (a_total - a_points) // every)
        add(
            hit,
            dates + days * _DAY,
            np.char.add(
                np.char.add(f"一般违规（虚假交易除外）累计达到 {every} 的倍数（", day_text),
                f"），{days} 天内不得报名",
            ),
        )
    if spec.every_b_year is not None:
        every = spec.every_b_year
        hit = (track == "B") & (points > 0) & (total // every > previous // every)
        add(hit, year_end, f"严重违规累计达到 {every} 的倍数，本自然年度内不得报名")
    if spec.fake_transaction_days is not None:
        days = spec.fake_transaction_days
        add(
            fake & (points > 0),
            dates + days * _DAY,
            np.char.add(np.char.add("虚假交易扣分（", day_text), f"），{days} 天内不得报名"),
        )
    if spec.fake_transaction_never is not None:
        never = spec.fake_transaction_never
        fake_total = year_cumsum(np.where(fake, points, 0))
        hit = fake & (fake_total >= never) & (fake_total - points < never)
        add(hit, nat, f"虚假交易扣分 ≥ {never}，永久不得报名")
    counterfeit = track == "C"
    if spec.counterfeit_never is not None:
        never = spec.counterfeit_never
        hit = counterfeit & (total >= never) & (previous < never)
        add(hit, nat, f"售假扣分 ≥ {never}，永久不得报名")
    if spec.counterfeit_year is not None:
        low = spec.counterfeit_year
        high = np.inf if spec.counterfeit_never is None else spec.counterfeit_never
        hit = counterfeit & (total >= low) & (previous < low) & (total < high)
        add(hit, year_end, f"售假扣分 ≥ {low}，本自然年度内不得报名")
    if spec.total_points_until_reset is not None:
        limit = spec.total_points_until_reset
        ab = np.where(np.isin(track, ["A", "B"]), points, 0)
        ab_total = year_cumsum(ab)
        hit = (ab > 0) & (ab_total >= limit) & (ab_total - ab < limit)
        add(hit, year_end, f"本年度扣分 ≥ {limit}，年底清零前不得报名")
    return pd.concat([_no_bans(), *out], ignore_index=True)


def _no_bans() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": pd.Series(dtype=object),
            "start": pd.Series(dtype="datetime64[ns]"),
            "until": pd.Series(dtype="datetime64[ns]"),
            "permanent": pd.Series(dtype=bool),
            "reason": pd.Series(dtype=object),
            "rule": pd.Series(dtype=object),
        }
    )


def campaign_eligibility(ledger: pd.DataFrame, book: Rulebook, as_of: pd.Timestamp) -> pd.DataFrame:
    """Whether each platform's shop may join campaigns as of a time, with reasons: the bans of
    :func:`campaign_bans` in force then.

    Columns: ``platform``, ``eligible`` (可报名 / 不可报名), ``until`` (when it ends; ``NaT`` with
    ``permanent``), ``permanent``, ``reasons``, ``checks_by_hand``, ``rule``.
    """
    as_of = pd.Timestamp(as_of)
    past = ledger[ledger["date"] <= as_of]
    active = None  # no violation yet: no ban (most runs), nothing to look up
    if len(past):
        bans = campaign_bans(past, book)
        moment = as_of.to_datetime64()
        active = bans[(bans["start"] <= moment) & (bans["permanent"] | (bans["until"] > moment))]
    rows = []
    for platform, campaign in book.campaigns.items():
        index = campaign.index_at(as_of)
        if index < 0:
            continue
        ver, spec = campaign.versions[index], campaign.campaign_params(index)
        permanent, until, reasons, banned = False, pd.NaT, "", False
        if active is not None:
            mine = active[active["platform"] == platform]
            permanent = bool(mine["permanent"].any())
            finite = mine.loc[~mine["permanent"], "until"]
            until = pd.NaT if permanent or not len(finite) else finite.max()
            reasons = "；".join(dict.fromkeys(mine["reason"].astype(str)))
            banned = bool(len(mine))
        rows.append(
            {
                "platform": platform,
                "eligible": "不可报名" if banned else "可报名",
                "until": until,
                "permanent": permanent,
                "reasons": reasons,
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


def grade_name(grade: str | None) -> str:
    """Chinese name of a grade code.

    >>> grade_name("especially_serious")
    '特别严重'
    """
    return GRADES.get(str(grade), "")
