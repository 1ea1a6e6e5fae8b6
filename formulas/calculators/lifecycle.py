"""Order lifecycle: what the export's order stage, confirm time and already-paid amounts mean for
the shipping, damages and return figures (SPEC §3 end, §4).

Run first (:func:`lifecycle`, then :func:`with_estimates` for the return window's start), and
after the shipping and damages calculators (:func:`adjust_shipping`, :func:`once_per_order`,
:func:`settle`). Notes that do not make a row unusable start with :data:`NOTE`.

>>> t = lambda *v: np.array(v, dtype="datetime64[ns]")
>>> life = lifecycle(np.array(["closed", "finished", "received", None], dtype=object),
...     {"shipped_at": t("NaT", "NaT", "NaT", "NaT"), "picked_up_at": t("NaT", "NaT", "NaT", "NaT"),
...      "signed_at": t("NaT", "NaT", "NaT", "NaT"),
...      "confirmed_at": t("NaT", "NaT", "2024-03-02T10:00", "NaT")})
>>> life.no_ship.tolist(), life.shipped_untimed.tolist(), life.estimated_sign.tolist()
([True, False, False, False], [False, True, True, False], [False, False, True, False])
>>> life.reason[0]
'无需发货：订单已关闭（发货前）'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from ..fields import ORDER_STAGES
from ..rulebook import Rulebook
from ..rulebook.params import Flat
from .common import Platforms, add_problem, empty_text, no_problems
from .shipping import PENDING, Shipping

NO_SHIP: Final = "无需发货"
SOON: Final = "即将超时"
#: Prefix of a note that leaves the row's figures in place (not a data problem).
NOTE: Final = "提示："
DEFAULT_WARNING_HOURS: Final = 12.0

_NOT_SHIPPING: Final = ("unpaid", "closed", "refunded")
_SHIPPED: Final = ("shipped", "received", "finished")
SIGN_ESTIMATE: Final = NOTE + "无签收时间，按确认收货时间估算退货截止（估算）"


@dataclass(frozen=True)
class Lifecycle:
    """Per row: ``no_ship`` (unpaid, closed or refunded with no shipment: 无需发货) and why
    (``reason``); ``shipped_untimed`` (shipped, received or finished per the export, or
    confirmed/signed, but no ship or pickup time); ``estimated_sign`` (the sign-for time stands
    in from 确认收货时间); ``notes`` (``""`` when none)."""

    no_ship: np.ndarray
    reason: np.ndarray
    shipped_untimed: np.ndarray
    estimated_sign: np.ndarray
    notes: np.ndarray


def _missing(times: Mapping[str, np.ndarray], name: str, n: int) -> np.ndarray:
    column = times.get(name)
    return np.ones(n, dtype=bool) if column is None else np.isnat(column)


def lifecycle(stage: np.ndarray | None, times: Mapping[str, np.ndarray]) -> Lifecycle:
    """Lifecycle facts from ``stage`` (``order_stage`` codes or ``None``) and the time columns
    ``shipped_at``, ``picked_up_at``, ``signed_at``, ``confirmed_at``."""
    n = len(next(iter(times.values())))
    # stage codes as small integers once (hash look-ups), not object compares per code
    known = (*_NOT_SHIPPING, *_SHIPPED)
    if stage is None:
        index = np.full(n, -1, dtype=np.int64)
    else:
        index = pd.Index(known).get_indexer(np.asarray(stage, dtype=object))  # -1: other
    not_shipping = (index >= 0) & (index < len(_NOT_SHIPPING))
    shipped_stage = index >= len(_NOT_SHIPPING)
    unshipped = _missing(times, "shipped_at", n) & _missing(times, "picked_up_at", n)
    unsigned = _missing(times, "signed_at", n)
    confirmed = ~_missing(times, "confirmed_at", n)
    no_ship = unshipped & not_shipping
    reason = empty_text(n)
    for i, code in enumerate(_NOT_SHIPPING):
        rows = no_ship & (index == i)
        reason[rows] = f"{NO_SHIP}：订单{ORDER_STAGES[code]}（发货前）"
    said_shipped = shipped_stage | confirmed | ~unsigned
    untimed = unshipped & said_shipped & ~no_ship
    estimated = unsigned & confirmed & ~no_ship
    notes = no_problems(n)
    for i, code in enumerate(_SHIPPED, start=len(_NOT_SHIPPING)):
        add_problem(notes, untimed & (index == i), _untimed(f"订单{ORDER_STAGES[code]}"))
    add_problem(notes, untimed & ~shipped_stage, _untimed("已签收或确认收货"))
    add_problem(notes, estimated, SIGN_ESTIMATE)
    return Lifecycle(no_ship, reason, untimed, estimated, notes)


def _untimed(word: str) -> str:
    return f"{NOTE}{word}但没有发货时间，未计算发货时效"


def with_estimates(times: Mapping[str, np.ndarray], life: Lifecycle) -> dict[str, np.ndarray]:
    """``times`` with ``signed_at`` filled from ``confirmed_at`` where :class:`Lifecycle`
    estimates it (the return window then counts from the confirm time)."""
    out = dict(times)
    if life.estimated_sign.any():
        signed = np.array(out["signed_at"], dtype="datetime64[ns]", copy=True)
        signed[life.estimated_sign] = np.asarray(out["confirmed_at"])[life.estimated_sign]
        out["signed_at"] = signed
    return out


def warning_hours(book: Rulebook) -> float:
    """The 即将超时 window in hours (``Rulebook.warning_hours``, default 12)."""
    return float(getattr(book, "warning_hours", DEFAULT_WARNING_HOURS))


def adjust_shipping(
    ship: Shipping, life: Lifecycle, *, as_of: pd.Timestamp, warning: float
) -> Shipping:
    """Shipping with 无需发货 rows (no lateness, no shipping problems), shipped rows without a
    time (no status, no lateness) and 即将超时 for pending rows within ``warning`` hours."""
    status = ship.status.copy()
    hours = ship.hours_late.copy()
    late = ship.late & ~life.no_ship & ~life.shipped_untimed
    problems = ship.problems.copy()
    problems[life.no_ship] = ""
    status[life.no_ship] = NO_SHIP
    status[life.shipped_untimed] = None
    hours[life.no_ship | life.shipped_untimed] = np.nan
    now = pd.Timestamp(as_of).to_datetime64()
    window = np.timedelta64(round(warning * 3600), "s")
    soon = (status == PENDING) & ~np.isnat(ship.ship_by) & (ship.ship_by - now <= window)
    status[soon] = SOON
    return replace(ship, status=status, hours_late=hours, late=late, problems=problems)


def once_per_order(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    order_ids: np.ndarray,
    late_rule: np.ndarray,
    late_fen: np.ndarray,
    damages: pd.api.extensions.ExtensionArray,
    fee: np.ndarray,
    rule_text: np.ndarray,
    oos_fen: np.ndarray | None = None,
) -> np.ndarray:
    """Per-order late-shipment amounts (flat, or computed on the order's total: ``base:
    order_paid``) counted on the order's first row only: the other rows of the same platform and
    order id lose them, with any out-of-stock part stacked on them (arrays changed in place).
    Returns the rows changed."""
    platforms = Platforms.of(platform)
    per_order = np.zeros(len(late_rule), dtype=bool)
    for name, rule in book.damages.items():
        labels = [
            version.label
            for version in rule.versions
            if isinstance(version.params, Flat)
            or getattr(version.params, "base", None) == "order_paid"
        ]
        rows = platforms.masks.get(rule.platform())
        if not labels or not name.endswith(".late_shipment") or rows is None:
            continue
        idx = np.flatnonzero(rows)  # a rule's labels are on its own platform's rows only
        for label in labels:
            per_order[idx[late_rule[idx] == label]] = True
    if not per_order.any():
        return per_order
    repeat = np.zeros(len(late_rule), dtype=bool)
    for rows in platforms.masks.values():
        idx = np.flatnonzero(rows & per_order)
        if len(idx) < 2:
            continue
        # factorize numbers the orders by first appearance: a row whose number is not above
        # every number before it repeats an order already seen (-1: no order id)
        codes = pd.factorize(order_ids[idx], use_na_sentinel=True)[0]
        seen = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
        repeat[idx[(codes >= 0) & (codes <= seen)]] = True
    stacked = np.zeros(len(late_rule), dtype="int64") if oos_fen is None else oos_fen
    buyer = repeat & (late_fen + stacked > 0) & ~pd.isna(damages)
    damages[buyer] = damages[buyer] - late_fen[buyer] - stacked[buyer]
    late_fen[repeat] = 0
    stacked[repeat] = 0
    fee[repeat] = 0
    rule_text[repeat] = rule_text[repeat] + "（每单计一次，已计入该订单第一行）"
    return np.asarray(repeat, dtype=bool)


def settle(
    damages: pd.api.extensions.ExtensionArray,
    rule_text: np.ndarray,
    already_paid: pd.api.extensions.ExtensionArray | None,
) -> pd.arrays.IntegerArray:
    """违约金 still owed: the computed damages less what the buyer was already paid (never
    below 0), with both amounts named in 违约金依据 (``rule_text`` changed in place).

    >>> text = np.array(["r", "r", "r"], dtype=object)
    >>> settle(pd.array([500, 500, 0], dtype="Int64"), text,
    ...        pd.array([200, 800, 300], dtype="Int64")).tolist(), text[0]
    ([300, 0, 0], 'r；已赔付 2.00 元，仍应付 3.00 元')
    """
    owed = pd.array(damages, dtype="Int64")
    if already_paid is None:
        return owed
    paid = pd.array(already_paid, dtype="Int64")
    rows = np.asarray(~paid.isna() & ~owed.isna(), dtype=bool)
    rows &= paid.fillna(0).to_numpy(dtype="int64") > 0
    rows &= owed.fillna(0).to_numpy(dtype="int64") > 0
    if not rows.any():
        return owed
    before = owed.to_numpy(dtype="int64", na_value=0)[rows]
    left = np.maximum(before - paid.to_numpy(dtype="int64", na_value=0)[rows], 0)
    owed[rows] = left
    rule_text[rows] = [
        f"{t}；已赔付 {p / 100:.2f} 元，仍应付 {r / 100:.2f} 元"
        for t, p, r in zip(
            rule_text[rows], paid.to_numpy(dtype="int64", na_value=0)[rows], left, strict=True
        )
    ]
    return owed


def is_problem(text: object) -> bool:
    """Whether a 数据问题 text holds a real problem (not only :data:`NOTE` notes).

    >>> is_problem(""), is_problem(NOTE + "x"), is_problem("缺少付款时间；" + NOTE + "x")
    (False, False, True)
    """
    if not isinstance(text, str) or not text:
        return False
    return any(part and not part.startswith(NOTE) for part in text.split("；"))
