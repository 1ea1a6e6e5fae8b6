"""Column-at-a-time entry points for the Excel functions and any caller that has loose columns.

Every function takes equal-length :class:`pandas.Series` (a scalar broadcasts) of **already
normalised** values — platform codes (``taobao``…), violation codes (``late_shipment``…), goods
type codes, money in integer fen (``Int64``), times as ``datetime64[ns]`` — and returns a
:class:`pandas.DataFrame` with one row per input row and always a ``problem`` column: a Chinese
reason (``str``) where that row cannot be computed, ``None`` otherwise. A row whose required
inputs are blank gives blank results and no problem.

Normalising user text (``淘宝``, ``延迟发货``, ``2024/3/1``) is the caller's job:
:func:`shoprules.formulas.fields.normalize_platform`, :meth:`Rulebook.violation_code`,
:func:`shoprules.formulas.timeparse.parse_times`, :func:`shoprules.formulas.money.parse_yuan`.

THIS MODULE IS BEING WRITTEN: signatures are the contract; bodies land with the engine.
"""

from __future__ import annotations

import pandas as pd

from .rulebook import Rulebook

Column = pd.Series


def damages(
    amount_fen: Column,
    platform: Column,
    violation: Column,
    event_time: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Damages per row. Columns: ``fen`` (Int64), ``rule`` (``taobao.late_shipment@2022-07-18``),
    ``receiver`` (``buyer``/``platform``), ``problem``."""
    raise NotImplementedError


def ship_deadline(
    paid_at: Column,
    platform: Column,
    goods_type: Column,
    promised_by: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Ship-by deadline. Columns: ``deadline`` (datetime64[ns]), ``rule``, ``problem``."""
    raise NotImplementedError


def ship_status(
    paid_at: Column,
    shipped_at: Column,
    platform: Column,
    goods_type: Column,
    promised_by: Column,
    as_of: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Columns: ``status`` (按时发货/延迟发货/待发货/超时未发货), ``deadline``, ``hours_late``
    (float, one decimal), ``rule``, ``problem``."""
    raise NotImplementedError


def violation_points(
    violation: Column,
    platform: Column,
    event_time: Column,
    paid_before_ruling: Column,
    complaint_upheld: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Columns: ``points`` (Int64), ``track`` (A/B/C), ``rule``, ``problem``."""
    raise NotImplementedError


def return_deadline(signed_at: Column, *, rulebook: Rulebook | None = None) -> pd.DataFrame:
    """End of the 7-day window (exclusive). Columns: ``deadline``, ``rule``, ``problem``."""
    raise NotImplementedError


def return_status(
    signed_at: Column,
    requested_at: Column,
    as_of: Column,
    returnable: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Columns: ``status`` (未签收/可退货/已过期/申请及时/申请逾期/不适用), ``deadline``,
    ``problem``."""
    raise NotImplementedError


def freight(
    fault_or_reason: Column,
    free_shipping: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Columns: ``text`` (``发货:卖家 退货:买家``), ``fault`` (seller/buyer/unclear),
    ``outbound`` and ``return_leg`` (卖家/买家/无), ``rule``, ``problem``."""
    raise NotImplementedError


def rule_parameter(
    platform: Column,
    rule: Column,
    parameter: Column,
    event_time: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """The parameter in force (``value``), or with a blank parameter the rule's description;
    plus ``rule``, ``source``, ``confidence``, ``problem``."""
    raise NotImplementedError
