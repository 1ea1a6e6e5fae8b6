"""The batch engine: canonical order columns in, the eleven result columns of SPEC §4 out.

Everything is computed column-wise: one vectorised pass per platform and rule version, never a
loop over rows.

>>> orders = pd.DataFrame({
...     "order_id": ["1", "2"], "platform": ["taobao", "tmall"],
...     "paid_amount": pd.array([10000, 200000], dtype="Int64"),
...     "paid_at": pd.to_datetime(["2023-03-01 10:00", "2018-03-01 10:00"]),
...     "shipped_at": pd.to_datetime(["2023-03-04 10:00", "2018-03-02 10:00"])})
>>> out = compute(orders, as_of=pd.Timestamp("2024-01-01")).results
>>> out[["ship_status", "hours_late", "damages", "damages_rule"]].to_dict("list")
{'ship_status': ['延迟发货', '按时发货'], 'hours_late': [24.0, 0.0], 'damages': [500, 0], 'damages_rule': ['taobao.late_shipment@2022-07-18', '']}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from .damages import rule_damages
from .fields import FIELDS, PLATFORM_CHINESE
from .freight import classify_fault, freight_split
from .points import campaign_eligibility, points_ledger, violation_points
from .rulebook import Rulebook, load_rulebook
from .timers import NO_RULE, first_present, hours_between, timer_deadlines

#: Result columns (engine name → Chinese header written to the sheet), in sheet order.
RESULT_HEADERS: Final[dict[str, str]] = {
    "ship_by": "发货截止",
    "ship_status": "发货状态",
    "hours_late": "延迟小时",
    "damages": "违约金",
    "damages_rule": "违约金依据",
    "platform_fee": "平台扣款",
    "points": "扣分",
    "return_by": "退货截止",
    "return_status": "退货状态",
    "freight": "运费承担",
    "problems": "数据问题",
}

ON_TIME: Final = "按时发货"
LATE: Final = "延迟发货"
PENDING: Final = "待发货"
OVERDUE: Final = "超时未发货"
RETURN_STATUSES: Final = ("未签收", "可退货", "已过期", "申请及时", "申请逾期", "不适用")


@dataclass
class EngineResult:
    """``results``: one row per order (money in fen, ``Int64``); ``detail``: the per-row rule
    versions and parts behind each figure (for the audit); ``ledger`` and ``eligibility``: the
    points ledger and campaign eligibility as of ``as_of``."""

    results: pd.DataFrame
    detail: pd.DataFrame
    ledger: pd.DataFrame
    eligibility: pd.DataFrame
    as_of: pd.Timestamp
    rules_as_of: pd.Timestamp | None
    rulebook: Rulebook
    problem_rows: int = field(default=0)


def _column(orders: pd.DataFrame, name: str, n: int) -> pd.Series:
    if name in orders:
        return orders[name].reset_index(drop=True)
    kind = FIELDS[name].kind
    if kind == "time":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if kind == "money":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype="int64"), np.ones(n, dtype=bool)))
    if kind == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)))
    return pd.Series(np.full(n, None, dtype=object), dtype=object)


def _times(orders: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in orders:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(orders[name]).to_numpy(dtype="datetime64[ns]")


def _flags(orders: pd.DataFrame, name: str, n: int, default: bool) -> np.ndarray:
    if name not in orders:
        return np.full(n, default, dtype=bool)
    values = orders[name].reset_index(drop=True).astype("boolean")
    return values.fillna(default).to_numpy(dtype=bool)


def _round_hours(hours: np.ndarray) -> np.ndarray:
    return np.floor(np.round(hours * 10, 6) + 0.5) / 10


def _add_problem(problems: np.ndarray, mask: np.ndarray, message: object) -> None:
    """Append a message (one for all, or one per masked row) to the rows in ``mask``."""
    if not mask.any():
        return
    given = np.asarray(message, dtype=object)
    messages = (
        given
        if given.ndim and len(given) == mask.sum()
        else np.broadcast_to(given, problems.shape)[mask]
    )
    current = problems[mask]
    problems[mask] = np.where(current == "", messages, current + "；" + messages.astype(str))


def compute(
    orders: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
    rules_as_of: pd.Timestamp | None = None,
    violation_log: pd.DataFrame | None = None,
    input_problems: pd.Series | None = None,
) -> EngineResult:
    """Compute every result column for canonical order rows (see :mod:`shoprules.formulas.fields`).

    ``as_of`` judges statuses (待发货 vs 超时未发货, 可退货 vs 已过期); ``rules_as_of`` pins one
    instant for choosing rule versions instead of each row's own governing time;
    ``violation_log`` (columns ``date``, ``platform``, ``violation`` and optional ``order_id``,
    ``points``, ``track``, ``note``) adds violations that are not order events.
    """
    book = rulebook or load_rulebook()
    as_of = pd.Timestamp(as_of)
    n = len(orders)
    platform = _column(orders, "platform", n).to_numpy(dtype=object)
    platform_ids, platform_names = pd.factorize(platform, use_na_sentinel=True)
    is_platform = {
        str(name): platform_ids == i
        for i, name in enumerate(platform_names)
        if name in PLATFORM_CHINESE
    }
    paid_at = _times(orders, "paid_at", n)
    signed_at = _times(orders, "signed_at", n)
    requested_at = _times(orders, "refund_requested_at", n)
    shipped_at = _times(orders, "shipped_at", n)
    picked_up_at = _times(orders, "picked_up_at", n)
    promised = _times(orders, "promised_ship_by", n)
    amount = _column(orders, "paid_amount", n).astype("Int64")
    goods = (
        _column(orders, "goods_type", n).fillna("normal").to_numpy(dtype=object)
        if "goods_type" in orders
        else None
    )
    upheld = _flags(orders, "complaint_upheld", n, False)
    paid_first = _flags(orders, "paid_before_ruling", n, False)
    returnable = _flags(orders, "returnable", n, True)
    free = _flags(orders, "free_shipping", n, False)

    pinned = None if rules_as_of is None else pd.Timestamp(rules_as_of).to_datetime64()

    def governing(times: np.ndarray) -> np.ndarray:
        """Each row's own governing times, or the pinned instant for every one of them."""
        if pinned is None:
            return times
        return np.full(len(times), pinned, dtype="datetime64[ns]")

    problems = np.full(n, "", dtype=object)
    if input_problems is not None:
        problems[:] = input_problems.fillna("").astype(str).to_numpy(dtype=object)
    known_platform = np.zeros(n, dtype=bool)
    for mask in is_platform.values():
        known_platform |= mask
    if input_problems is None:
        _add_problem(problems, ~known_platform, "平台无法识别（请填写「平台」列或使用 --platform）")

    # --- ship-by deadline and status -------------------------------------------------------
    ship_by = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ship_rule = np.full(n, None, dtype=object)
    stop = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    for code, rows in is_platform.items():
        rule = book.timers[f"{code}.ship_by"]
        result = timer_deadlines(
            rule,
            paid_at[rows],
            governing=governing(paid_at[rows]),
            goods_type=None if goods is None else goods[rows],
            override=promised[rows],
        )
        ship_by[rows] = result.deadline
        ship_rule[rows] = result.labels
        idx = np.flatnonzero(rows)
        has_paid = ~np.isnat(paid_at[rows]) | ~np.isnat(promised[rows])
        _add_problem(
            problems,
            _at(idx, n, has_paid & pd.notna(result.problems)),
            result.problems[has_paid & pd.notna(result.problems)],
        )
        for index, ver in enumerate(rule.versions):
            vrows = result.version == index
            stops = [
                {"shipped_at": shipped_at, "picked_up_at": picked_up_at}[s][rows][vrows]
                for s in ver.params["stop"]
            ]
            stop[idx[vrows]] = first_present(*stops)
    missing_paid = known_platform & np.isnat(paid_at) & np.isnat(promised)
    _add_problem(problems, missing_paid, "缺少付款时间，无法判断发货时效")

    stopped = ~np.isnat(stop) & (stop <= as_of.to_datetime64())
    has_deadline = ~np.isnat(ship_by)
    ship_status = np.full(n, None, dtype=object)
    hours_late = np.full(n, np.nan)
    on_time = has_deadline & stopped & (stop <= ship_by)
    late_shipped = has_deadline & stopped & (stop > ship_by)
    pending = has_deadline & ~stopped & (as_of.to_datetime64() <= ship_by)
    overdue = has_deadline & ~stopped & (as_of.to_datetime64() > ship_by)
    ship_status[on_time], ship_status[late_shipped] = ON_TIME, LATE
    ship_status[pending], ship_status[overdue] = PENDING, OVERDUE
    hours_late[on_time | pending] = 0.0
    hours_late[late_shipped] = _round_hours(
        hours_between(stop[late_shipped], ship_by[late_shipped])
    )
    hours_late[overdue] = _round_hours(
        hours_between(np.full(overdue.sum(), as_of.to_datetime64()), ship_by[overdue])
    )
    late = late_shipped | overdue

    # --- damages and platform deductions --------------------------------------------------
    damages = np.zeros(n, dtype="int64")
    damages_known = has_deadline.copy()
    fee = np.zeros(n, dtype="int64")
    damages_rule = np.full(n, "", dtype=object)
    late_part = np.zeros(n, dtype="int64")
    oos_part = np.zeros(n, dtype="int64")
    oos_rule = np.full(n, "", dtype=object)
    late_label = np.full(n, "", dtype=object)
    base = amount.fillna(0).to_numpy(dtype="int64")
    has_amount = amount.notna().to_numpy()
    negative = has_amount & (base < 0)
    for code, platform_rows in is_platform.items():
        rows = platform_rows & late
        if not rows.any():
            continue
        idx = np.flatnonzero(rows)
        late_rule = book.damages.get(f"{code}.late_shipment")
        if late_rule is None:
            damages_known[rows] = False
            damages_rule[rows] = f"{NO_RULE}: {PLATFORM_CHINESE[code]}延迟发货赔付未收录"
            continue
        part = rule_damages(late_rule, np.maximum(base[rows], 0), governing(paid_at[rows]))
        applied = part.version >= 0
        to_buyer = applied & (part.receivers == "buyer")
        to_platform = applied & (part.receivers == "platform")
        needs_amount = to_buyer & ~has_amount[rows]
        damages[idx[to_buyer]] = part.fen[to_buyer]
        late_part[idx[to_buyer]] = part.fen[to_buyer]
        fee[idx[to_platform]] = part.fen[to_platform]
        late_label[idx[applied]] = part.labels[applied]
        damages_rule[idx[to_buyer]] = part.labels[to_buyer]
        damages_rule[idx[to_platform]] = (
            part.labels[to_platform] + "（平台扣款）；买家赔付规则未收录"
        )
        damages_known[idx[to_platform | ~applied | needs_amount]] = False
        damages_rule[idx[~applied]] = part.problems[~applied]
        _add_problem(problems, _at(idx, n, needs_amount), "缺少实付金额，无法计算违约金")
    _add_problem(problems, negative, "实付金额为负数")
    damages_known &= ~negative

    # Out of stock on top of late shipment: still no pickup 72 h after the late-shipment point.
    for code, platform_rows in is_platform.items():
        rule_oos = book.damages.get(f"{code}.out_of_stock")
        timer = book.timers.get(f"{code}.out_of_stock_after")
        if rule_oos is None or timer is None:
            continue
        rows = platform_rows & late & damages_known
        if not rows.any():
            continue
        idx = np.flatnonzero(rows)
        after = timer_deadlines(timer, ship_by[rows], governing=governing(paid_at[rows]))
        version = after.version
        if not len(version):
            continue
        ver_stop = first_present(picked_up_at[rows], shipped_at[rows])
        still_missing = (
            (version >= 0)
            & ~np.isnat(after.deadline)
            & (
                np.isnat(ver_stop) & (as_of.to_datetime64() > after.deadline)
                | (ver_stop > after.deadline)
            )
        )
        part = rule_damages(rule_oos, np.maximum(base[rows], 0), governing(paid_at[rows]))
        applies = still_missing & (part.version >= 0)
        for index, ver in enumerate(rule_oos.versions):
            vrows = applies & (part.version == index)
            if ver.params.get("requires_complaint"):
                vrows &= upheld[rows]
            amount_oos = part.fen[vrows]
            if "stack_max" in ver.params:
                amount_oos = np.minimum(
                    amount_oos, np.maximum(ver.params["stack_max"] - late_part[idx[vrows]], 0)
                )
            oos_part[idx[vrows]] = amount_oos
            oos_rule[idx[vrows]] = ver.label
    stacked = oos_part > 0
    damages[stacked] += oos_part[stacked]
    damages_rule[stacked] = damages_rule[stacked] + " + " + oos_rule[stacked]

    # --- points for late shipment (conditions: complaint upheld, not paid before ruling) ----
    points = np.zeros(n, dtype="int64")
    track = np.full(n, None, dtype=object)
    points_rule = np.full(n, "", dtype=object)
    late_with_rule = np.zeros(n, dtype=bool)
    for code, platform_rows in is_platform.items():
        if f"{code}.late_shipment" in book.violations:
            late_with_rule |= platform_rows & late
    if late_with_rule.any():
        part_points = violation_points(
            book,
            platform[late_with_rule],
            np.full(late_with_rule.sum(), "late_shipment", dtype=object),
            governing(paid_at)[late_with_rule],
            upheld[late_with_rule],
            paid_first[late_with_rule],
        )
        points[late_with_rule] = part_points.points
        track[late_with_rule] = part_points.tracks
        points_rule[late_with_rule] = np.where(part_points.points > 0, part_points.labels, "")

    # --- the violation log (违规记录): points and deposit deductions not tied to order events --
    order_ids = _column(orders, "order_id", n).astype(object).to_numpy()
    events = _order_events(orders, order_ids, platform, paid_at, points, track, points_rule)
    if violation_log is not None and len(violation_log):
        log = violation_log.reset_index(drop=True).copy()
        log_events, log_fees = _log_events(log, book)
        events = pd.concat([events, log_events], ignore_index=True)
        if "order_id" in log:
            index_of = pd.Series(np.arange(n), index=pd.Index(order_ids.astype(str)))
            index_of = index_of[~index_of.index.duplicated()]
            matched = log["order_id"].astype(str).map(index_of)
            for log_row, order_row in matched.dropna().astype(int).items():
                points[order_row] += (
                    int(log_events.loc[log_row, "points"])
                    if pd.notna(log_events.loc[log_row, "points"])
                    else 0
                )
                fee[order_row] += int(log_fees[log_row])
    ledger = points_ledger(events, book)
    eligibility = campaign_eligibility(ledger, book, as_of)

    # --- the 7-day return window ----------------------------------------------------------
    window = book.timers["all.return_window"]
    ret = timer_deadlines(window, signed_at, governing=governing(signed_at))
    return_by = ret.deadline
    return_status = np.full(n, None, dtype=object)
    signed = ~np.isnat(signed_at)
    requested = ~np.isnat(requested_at)
    has_window = ~np.isnat(return_by)
    return_status[~signed] = "未签收"
    return_status[signed & has_window & requested & (requested_at < return_by)] = "申请及时"
    return_status[signed & has_window & requested & (requested_at >= return_by)] = "申请逾期"
    return_status[signed & has_window & ~requested & (as_of.to_datetime64() < return_by)] = "可退货"
    return_status[signed & has_window & ~requested & (as_of.to_datetime64() >= return_by)] = (
        "已过期"
    )
    return_status[~returnable] = "不适用"
    return_by[~returnable] = np.datetime64("NaT")
    _add_problem(
        problems,
        signed & ~has_window & pd.notna(ret.problems),
        ret.problems[signed & ~has_window & pd.notna(ret.problems)],
    )
    _add_problem(
        problems,
        signed & ~np.isnat(shipped_at) & (signed_at < shipped_at) & (input_problems is None),
        "签收时间早于发货时间",
    )

    # --- return freight -------------------------------------------------------------------
    reason = _column(orders, "refund_reason", n)
    has_reason = reason.notna().to_numpy().copy()
    if has_reason.any():
        has_reason[has_reason] = reason[has_reason].astype(str).str.strip().ne("").to_numpy()
    has_refund = requested | has_reason
    freight_text = np.full(n, "", dtype=object)
    if has_refund.any():
        faults = (
            classify_fault(reason[has_refund].reset_index(drop=True), book)
            .fillna("unclear")
            .to_numpy(dtype=object)
        )
        when = first_present(requested_at, signed_at, paid_at)[has_refund]
        split = freight_split(
            book,
            faults,
            free[has_refund],
            platform[has_refund],
            governing(when),
        )
        freight_text[has_refund] = np.where(pd.notna(split.text), split.text, "")
        detail_fault = np.full(n, None, dtype=object)
        detail_fault[has_refund] = faults
    else:
        detail_fault = np.full(n, None, dtype=object)

    damages_column = pd.array(np.where(damages_known | ~late, damages, 0), dtype="Int64")
    unknown_damages = late & ~damages_known
    damages_column[unknown_damages] = pd.NA
    damages_column[~has_deadline] = pd.NA
    fee_column = pd.array(fee, dtype="Int64")
    fee_column[~known_platform] = pd.NA
    points_column = pd.array(points, dtype="Int64")
    points_column[~known_platform] = pd.NA

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype=object, copy=False)

    results = pd.DataFrame(
        {
            "ship_by": ship_by,
            "ship_status": text(ship_status),
            "hours_late": pd.array(hours_late, dtype="Float64"),
            "damages": damages_column,
            "damages_rule": text(damages_rule),
            "platform_fee": fee_column,
            "points": points_column,
            "return_by": return_by,
            "return_status": text(return_status),
            "freight": text(freight_text),
            "problems": text(problems),
        },
        copy=False,
    )
    results["hours_late"] = results["hours_late"].where(~np.isnan(hours_late), pd.NA)
    detail = pd.DataFrame(
        {
            "ship_rule": text(ship_rule),
            "stop_at": stop,
            "late_rule": text(late_label),
            "late_fen": late_part,
            "oos_rule": text(oos_rule),
            "oos_fen": oos_part,
            "points_rule": text(points_rule),
            "track": text(track),
            "return_rule": text(ret.labels),
            "fault": text(detail_fault),
        },
        copy=False,
    )
    return EngineResult(
        results=results,
        detail=detail,
        ledger=ledger,
        eligibility=eligibility,
        as_of=as_of,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        rulebook=book,
        problem_rows=int((problems != "").sum()),
    )


def _at(idx: np.ndarray, n: int, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx[mask]] = True
    return out


def _order_events(
    orders: pd.DataFrame,
    order_ids: np.ndarray,
    platform: np.ndarray,
    paid_at: np.ndarray,
    points: np.ndarray,
    track: np.ndarray,
    points_rule: np.ndarray,
) -> pd.DataFrame:
    charged = points > 0
    return pd.DataFrame(
        {
            "date": paid_at[charged],
            "platform": platform[charged],
            "violation": "late_shipment",
            "points": points[charged],
            "track": track[charged],
            "order_id": order_ids[charged],
            "note": "订单延迟发货（投诉成立且未在判定前赔付）",
        }
    )


def _log_events(log: pd.DataFrame, book: Rulebook) -> tuple[pd.DataFrame, np.ndarray]:
    """Ledger events and per-entry platform deductions (fen) from the 违规记录 sheet."""
    dates = pd.to_datetime(log["date"], errors="coerce").to_numpy(dtype="datetime64[ns]")
    platform = log["platform"].to_numpy(dtype=object)
    violation = log["violation"].map(lambda v: book.violation_code(v) or v).to_numpy(dtype=object)
    fees = np.zeros(len(log), dtype="int64")
    for key in pd.unique(pd.Series(platform).astype(str) + "." + pd.Series(violation).astype(str)):
        rule = book.damages.get(key)
        if rule is None or rule.meta["governed_by"] != "event_time":
            continue
        rows = (
            pd.Series(platform).astype(str) + "." + pd.Series(violation).astype(str) == key
        ).to_numpy()
        part = rule_damages(rule, np.zeros(rows.sum(), dtype="int64"), dates[rows])
        fees[rows] = np.where((part.version >= 0) & (part.receivers == "platform"), part.fen, 0)
    given = (
        pd.to_numeric(log["points"], errors="coerce")
        if "points" in log
        else pd.Series(np.nan, index=log.index)
    )
    has_points_rule = (
        pd.Series(platform).astype(str) + "." + pd.Series(violation).astype(str)
    ).isin(list(book.violations))
    # A deposit-only violation (e.g. Douyin's after-sale deduction) costs no points.
    given = given.where(given.notna() | has_points_rule | (fees == 0), 0)
    events = pd.DataFrame(
        {
            "date": dates,
            "platform": platform,
            "violation": violation,
            "points": given,
            "track": log.get("track", None),
            "order_id": log.get("order_id", None),
            "note": log.get("note", None),
        }
    )
    return events, fees
