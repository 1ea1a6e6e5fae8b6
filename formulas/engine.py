"""The batch engine: canonical order columns in, the thirteen result columns of SPEC §4 out
(售后状态 is written 售后时效状态: exports have an input column of that name).

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

from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from . import calculators as calc
from .calculators import lifecycle
from .calculators.common import Platforms, add_problem, no_problems
from .calculators.returns import RETURN_STATUSES
from .calculators.shipping import LATE, ON_TIME, OVERDUE, PENDING
from .fields import FIELDS
from .rulebook import Rulebook, load_rulebook

__all__ = [
    "LATE",
    "ON_TIME",
    "OVERDUE",
    "PENDING",
    "RESULT_HEADERS",
    "RETURN_STATUSES",
    "EngineResult",
    "compute",
]

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
    "aftersale_by": "售后截止",
    # Not 售后状态: PDD, Douyin and Kuaishou exports have their own 售后状态 (the refund status
    # input), which a result column of that name would overwrite.
    "aftersale_status": "售后时效状态",
    "problems": "数据问题",
}


@dataclass
class EngineResult:
    """``results``: one row per order (money in fen, ``Int64``); ``detail``: the per-row rule
    versions and parts behind each figure (for the audit); ``ledger`` and ``eligibility``: the
    points ledger and campaign eligibility as of ``as_of``; ``messages``: notes for the whole
    run."""

    results: pd.DataFrame
    detail: pd.DataFrame
    ledger: pd.DataFrame
    eligibility: pd.DataFrame
    as_of: pd.Timestamp
    rules_as_of: pd.Timestamp | None
    rulebook: Rulebook
    problem_rows: int = field(default=0)
    #: Notes for the whole run rather than one row (e.g. an export with no 揽收时间 column).
    messages: tuple[str, ...] = ()


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
    return pd.Series(np.empty(n, dtype=object), dtype=object)


def _objects(orders: pd.DataFrame, name: str) -> np.ndarray | None:
    """An optional text column as an object array, ``None`` when the export has no such column
    (the calculators then skip it instead of scanning a column of blanks)."""
    if name not in orders:
        return None
    values: np.ndarray = orders[name].to_numpy(dtype=object)
    return values


def _times(orders: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in orders:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    times: np.ndarray = pd.to_datetime(orders[name]).to_numpy(dtype="datetime64[ns]")
    return times


def _flags(orders: pd.DataFrame, name: str, n: int, default: bool) -> np.ndarray:
    if name not in orders:
        return np.full(n, default, dtype=bool)
    values = orders[name].reset_index(drop=True).astype("boolean")
    flags: np.ndarray = values.fillna(default).to_numpy(dtype=bool)
    return flags


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
    pin = rules_as_of
    platform = Platforms.of(_column(orders, "platform", n).to_numpy(dtype=object))
    times = {name: _times(orders, name, n) for name in _TIMES}
    known = platform.known
    goods = (
        orders["goods_type"].reset_index(drop=True).fillna("normal").to_numpy(dtype=object)
        if "goods_type" in orders
        else None
    )
    upheld = _flags(orders, "complaint_upheld", n, False)

    life = lifecycle.lifecycle(_objects(orders, "order_stage"), times)
    times = lifecycle.with_estimates(times, life)
    ship = calc.shipping(book, platform, times, as_of=as_of, goods=goods, rules_as_of=pin)
    ship = lifecycle.adjust_shipping(ship, life, as_of=as_of, warning=lifecycle.warning_hours(book))
    times["ship_by"] = ship.ship_by
    amount = _column(orders, "paid_amount", n).astype("Int64")
    order_ids = _column(orders, "order_id", n).astype(object).to_numpy()
    owed = calc.damages(
        book, platform, amount.array, ship.late, times, as_of=as_of,
        complaint_upheld=upheld, rules_as_of=pin, goods=goods,
        buyer=_objects(orders, "buyer_id"), order_ids=order_ids,
    )  # fmt: skip
    lifecycle.once_per_order(
        book, platform, order_ids, owed.late_rule, owed.late_fen, owed.damages,
        owed.fee, owed.rule, owed.oos_fen,
    )  # fmt: skip
    if "already_paid" in orders:
        owed = replace(
            owed,
            damages=lifecycle.settle(
                owed.damages, owed.rule, _column(orders, "already_paid", n).array
            ),
        )
    charged = calc.points(
        book, platform, order_ids, ship.late, ship.ship_by, as_of=as_of,
        complaint_upheld=upheld, paid_before_ruling=_flags(orders, "paid_before_ruling", n, False),
        violation_log=violation_log, rules_as_of=pin,
    )  # fmt: skip
    ret = calc.returns(
        book, times, as_of=as_of, returnable=_flags(orders, "returnable", n, True),
        rules_as_of=pin,
    )  # fmt: skip
    paid = calc.freight(
        book, platform, _column(orders, "refund_reason", n) if "refund_reason" in orders else None,
        _flags(orders, "free_shipping", n, False), times, rules_as_of=pin,
    )  # fmt: skip
    after = calc.aftersale_columns(
        book, platform, {k: v for k, v in times.items() if k in _AFTERSALE_EVENTS},
        as_of=as_of, refund_status=_objects(orders, "refund_status"),
        rules_as_of=pin,
    )  # fmt: skip

    problems = _problems(
        input_problems,
        known,
        times,
        (ship.problems, ship.notes, owed.problems, ret.problems, after.problems),
    )
    return _assemble(ship, owed, charged, ret, paid, after, problems, known, book, as_of, pin, life)


def _problems(
    given: pd.Series | None,
    known: np.ndarray,
    times: dict[str, np.ndarray],
    parts: tuple[np.ndarray, ...],
) -> np.ndarray:
    """The 数据问题 text per row: the reader's problems (or an unknown platform), then each
    calculator's, then a sign-for before the shipment (checked here when no reader did)."""
    problems = no_problems(len(known))
    if given is not None:
        problems[:] = given.fillna("").astype(str).to_numpy(dtype=object)
    else:
        add_problem(problems, ~known, "平台无法识别（请填写「平台」列或使用 --platform）")
    for part in parts:
        has = part != ""
        add_problem(problems, has, part[has])
    if given is None:
        signed, shipped = times["signed_at"], times["shipped_at"]
        wrong = ~np.isnat(signed) & ~np.isnat(shipped) & (signed < shipped)
        add_problem(problems, wrong, "签收时间早于发货时间")
    return problems


_TIMES: Final = (
    "paid_at",
    "signed_at",
    "confirmed_at",
    "refund_requested_at",
    "seller_agreed_at",
    "return_shipped_at",
    "shipped_at",
    "picked_up_at",
    "promised_ship_by",
)
#: The order times the after-sale timers count from or stop at (the export's columns).
_AFTERSALE_EVENTS: Final = (
    "refund_requested_at",
    "seller_agreed_at",
    "return_shipped_at",
    "shipped_at",
)


def _assemble(
    ship: calc.Shipping,
    owed: calc.Damages,
    charged: calc.Points,
    ret: calc.Returns,
    paid: calc.Freight,
    after: calc.AfterSale,
    problems: np.ndarray,
    known: np.ndarray,
    book: Rulebook,
    as_of: pd.Timestamp,
    rules_as_of: pd.Timestamp | None,
    life: lifecycle.Lifecycle,
) -> EngineResult:
    """The calculators' columns as :class:`EngineResult` (results in sheet order, detail).
    Rows with a data problem keep only 数据问题 (SPEC §4: never a 0 meaning "unknown");
    lifecycle notes are added after the problems and blank nothing but the lateness."""
    fee = pd.arrays.IntegerArray(np.asarray(owed.fee + charged.log_fee, dtype="int64"), ~known)
    points = pd.arrays.IntegerArray(np.asarray(charged.points, dtype="int64"), ~known)
    damages = pd.array(owed.damages, dtype="Int64")
    rule_text = owed.rule  # the run's own column: changed in place
    damages[life.no_ship] = 0
    fee[life.no_ship] = 0
    points[life.no_ship & (charged.points == 0)] = 0
    rule_text[life.no_ship] = life.reason[life.no_ship]
    for column in (damages, fee, points):
        column[life.shipped_untimed] = pd.NA
    # Only the rows with any text are classified, each distinct text once.
    listed = np.flatnonzero(problems != "")
    codes, texts = pd.factorize(pd.Series(problems[listed], dtype=object))
    bad = np.zeros(len(problems), dtype=bool)
    bad[listed] = np.array([lifecycle.is_problem(t) for t in texts] + [False], dtype=bool)[codes]
    problems = problems.copy()
    noted = life.shipped_untimed | life.estimated_sign  # the rows with a lifecycle note
    add_problem(problems, noted, life.notes[noted])

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype=object, copy=False)

    hours = pd.arrays.FloatingArray(
        np.asarray(ship.hours_late, dtype="float64"), np.isnan(ship.hours_late)
    )
    results = pd.DataFrame(
        {
            "ship_by": ship.ship_by,
            "ship_status": text(ship.status),
            "hours_late": hours,
            "damages": damages,
            "damages_rule": text(rule_text),
            "platform_fee": fee,
            "points": points,
            "return_by": ret.return_by,
            "return_status": text(ret.status),
            "freight": text(paid.text),
            "aftersale_by": after.deadline,
            "aftersale_status": text(after.status),
            "problems": text(problems),
        },
        copy=False,
    )
    _blank_problem_rows(results, bad)
    detail = pd.DataFrame(
        {
            "ship_rule": text(ship.labels),
            "stop_at": ship.stop,
            "late_rule": text(owed.late_rule),
            "late_fen": owed.late_fen,
            "oos_rule": text(owed.oos_rule),
            "oos_fen": owed.oos_fen,
            "points_rule": text(charged.rule),
            "track": text(charged.track),
            "return_rule": text(ret.labels),
            "fault": text(paid.fault),
            "aftersale_rule": text(after.labels),
        },
        copy=False,
    )
    return EngineResult(
        results=results,
        detail=detail,
        ledger=charged.ledger,
        eligibility=charged.eligibility,
        as_of=as_of,
        rules_as_of=None if rules_as_of is None else pd.Timestamp(rules_as_of),
        rulebook=book,
        problem_rows=int(bad.sum()),
        messages=ship.messages,
    )


def _blank_problem_rows(results: pd.DataFrame, bad: np.ndarray) -> None:
    """Every result cell but 数据问题 blank on the rows with a data problem."""
    if not bad.any():
        return
    for name in results.columns:
        if name == "problems":
            continue
        column = results[name]
        if column.dtype.kind == "M":
            results.loc[bad, name] = pd.NaT
        elif column.dtype == object:
            results.loc[bad, name] = None
        else:
            results.loc[bad, name] = pd.NA
