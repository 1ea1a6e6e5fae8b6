"""Column-at-a-time entry points for the Excel functions and any caller that has loose columns.

Every function takes equal-length :class:`pandas.Series` (a scalar broadcasts) of **already
normalised** values — platform codes (``taobao``…), violation codes (``late_shipment``…), goods
type codes, money in integer fen (``Int64``), times as ``datetime64[ns]`` — and returns a
:class:`pandas.DataFrame` with one row per input row and always a ``problem`` column: a Chinese
reason (``str``) where that row cannot be computed, ``None`` otherwise. A row whose required
inputs are blank gives blank results and no problem.

Normalising user text (``淘宝``, ``延迟发货``, ``2024/3/1``) is the caller's job:
:func:`shoprules.formulas.fields.normalize_platform`, :meth:`Rulebook.violation_code`,
:func:`shoprules.workbook.cells.times.parse_times`, :func:`shoprules.workbook.cells.money.parse_yuan`
(the workbook layer's cell parsers; this package parses no spreadsheet cells).


>>> import pandas as pd
>>> out = damages(pd.Series([1000, 10000, 70000]), "taobao", "late_shipment", pd.Timestamp("2017-05-01"))
>>> out["fen"].tolist(), out["rule"][0]
([100, 500, 3000], 'taobao.late_shipment@2016-07-21')
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from . import damages as _damages
from .calculators.damages import EXCLUDED_GOODS, excluded_goods
from .calculators.returns import returns as _returns
from .calculators.shipping import ship_deadlines as _ship_deadlines
from .calculators.shipping import shipping as _shipping
from .fields import GOODS_TYPES, PLATFORM_CHINESE
from .freight import classify_fault, freight_split
from .points import violation_points as _violation_points
from .rulebook import NO_RULE, Rulebook, load_rulebook
from .timers import hours_between, timer_deadlines

Column: TypeAlias = Any  # a pandas Series, or a scalar that broadcasts
_MISSING_PLATFORM: Final = "平台无法识别（可用 淘宝/天猫/拼多多/抖音/快手/京东）"
_NEGATIVE_HOURS: Final = "承诺发货时长不能为负数"
#: A tiered version with no window to choose its tier (goods that ship by their promised time).
_NO_WINDOW: Final = (
    "缺少承诺发货时长：{goods}商品按承诺发货时间发货，平台没有默认时效，无法确定赔付档位"
)


def _broadcast(*columns: Column) -> list[pd.Series]:
    lengths = {len(c) for c in columns if isinstance(c, pd.Series)}
    if len(lengths) > 1:
        raise ValueError(f"各列长度不一致 / columns differ in length: {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    out = []
    for column in columns:
        if isinstance(column, pd.Series):
            out.append(column.reset_index(drop=True))
        else:
            out.append(pd.Series([column] * n, dtype=object))
    return out


def _times(column: pd.Series) -> np.ndarray:
    """A writable datetime64 copy (pandas 3 hands out read-only views)."""
    times: np.ndarray = pd.to_datetime(column).to_numpy(dtype="datetime64[ns]", copy=True)
    return times


def _objects(column: pd.Series) -> np.ndarray:
    objects: np.ndarray = column.astype(object).where(column.notna(), None).to_numpy(dtype=object)
    return objects


def _problem_or_none(text: np.ndarray) -> np.ndarray:
    """A calculator's problem column (``""`` = fine) as the API's (``None`` = fine)."""
    out = np.asarray(text, dtype=object).copy()
    out[out == ""] = None
    return out


def _platform_problems(platform: np.ndarray, problems: np.ndarray) -> np.ndarray:
    bad: np.ndarray = pd.notna(platform) & ~np.isin(platform, list(PLATFORM_CHINESE))
    problems[bad] = _MISSING_PLATFORM
    return bad


def damages(
    amount_fen: Column,
    platform: Column,
    violation: Column,
    event_time: Column,
    *,
    promise_hours: Column | None = None,
    goods_type: Column | None = None,
    case: str | None = None,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Damages per row. Columns: ``fen`` (Int64), ``rule`` (``taobao.late_shipment@2022-07-18``),
    ``receiver`` (``buyer``/``platform``), ``problem``.

    Tiered versions read ``promise_hours`` (the promised ship window: promised ship time −
    payment, in hours) and ``goods_type``, as the batch engine does: a blank window is the
    platform's default one for the goods type at ``event_time`` (its ship-by timer, e.g. 48 h);
    where there is none (goods shipped by their promised time) a tiered version gives a problem.
    Goods a version does not pay automatically give the engine's note instead of an amount.
    Per-case versions read ``case`` (e.g. ``no_pickup_24h``; default: the version's
    ``default_case``).

    >>> when = pd.Timestamp("2025-10-01")
    >>> damages(30000, "taobao", "late_shipment", when, promise_hours=pd.Series([24, 72, None]))["fen"].tolist()
    [300, 1500, 300]
    >>> out = damages(30000, "tmall", "late_shipment", when, goods_type="presale")
    >>> out["problem"][0]
    '缺少承诺发货时长：预售商品按承诺发货时间发货，平台没有默认时效，无法确定赔付档位'
    """
    book = rulebook or load_rulebook()
    amount_s, platform_s, violation_s, time_s, hours_s, goods_s = _broadcast(
        amount_fen,
        platform,
        violation,
        event_time,
        np.nan if promise_hours is None else promise_hours,
        "normal" if goods_type is None else goods_type,
    )
    hours = pd.to_numeric(hours_s, errors="coerce").to_numpy(dtype="float64")
    goods = goods_s.where(goods_s.notna(), "normal").to_numpy(dtype=object)
    n = len(amount_s)
    amount = pd.array(amount_s, dtype="Int64")
    plat, viol, when = _objects(platform_s), _objects(violation_s), _times(time_s)
    fen = pd.array([pd.NA] * n, dtype="Int64")
    rule = np.full(n, None, dtype=object)
    receiver = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    blank = amount.isna() | pd.isna(plat) | pd.isna(viol) | np.isnat(when)
    bad_platform = _platform_problems(plat, problems)
    negative = ~blank & (amount.fillna(0) < 0)
    problems[negative] = "金额不能为负数"
    negative_hours = ~blank & (hours < 0)
    problems[negative_hours] = _NEGATIVE_HOURS
    ok = ~blank & ~bad_platform & ~negative & ~negative_hours
    keys = pd.Series(plat).astype(str) + "." + pd.Series(viol).astype(str)
    for key in pd.unique(keys[ok]):
        rows = ok & (keys == key).to_numpy()
        found = book.damages.get(key)
        if found is None:
            p, v = key.split(".", 1)
            problems[rows] = (
                f"{NO_RULE}: {PLATFORM_CHINESE.get(p, p)}没有「{book.violation_names.get(v, v)}」的赔付规则"
            )
            continue
        idx = np.flatnonzero(rows)
        tiered = np.array(
            [found.damages_params(i).kind == "promise_tiered" for i in range(len(found.versions))]
        )
        version = found.select(when[idx])
        window = hours[idx]
        needs = np.isnan(window) & (version >= 0) & tiered[version]
        if needs.any():  # only tiered versions read the window
            window[needs] = _default_windows(
                book, plat[idx[needs]], when[idx[needs]], goods[idx[needs]]
            )
        part = _damages.rule_damages(
            found, amount[rows].to_numpy(dtype="int64"), when[rows],
            promise_h=window, goods=goods[rows], case=case,
        )  # fmt: skip
        excluded = excluded_goods(found, part.version, goods[rows])
        no_window = needs & np.isnan(window) & ~excluded
        applied = (part.version >= 0) & ~excluded & ~no_window
        fen[idx[applied]] = part.fen[applied]
        rule[idx] = part.labels
        receiver[idx] = part.receivers
        problems[idx[part.version < 0]] = part.problems[part.version < 0]
        problems[idx[excluded]] = EXCLUDED_GOODS
        for i in idx[no_window]:
            problems[i] = _NO_WINDOW.format(goods=GOODS_TYPES.get(goods[i], goods[i]))
    return pd.DataFrame({"fen": fen, "rule": rule, "receiver": receiver, "problem": problems})


def _default_windows(
    book: Rulebook, plat: np.ndarray, when: np.ndarray, goods: np.ndarray
) -> np.ndarray:
    """The engine's promised ship window for rows that give none: the ship-by deadline with no
    promised time (the platform's default window for the goods type) − ``when``, in hours; NaN
    where the timer gives no deadline (goods shipped by their promised time)."""
    found = _ship_deadlines(book, plat, {"paid_at": when}, goods=goods)
    hours: np.ndarray = hours_between(found.ship_by, when)
    return hours


def ship_deadline(
    paid_at: Column,
    platform: Column,
    goods_type: Column,
    promised_by: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Ship-by deadline. Columns: ``deadline`` (datetime64[ns]), ``rule``, ``problem``."""
    book = rulebook or load_rulebook()
    paid_s, platform_s, goods_s, promised_s = _broadcast(paid_at, platform, goods_type, promised_by)
    n = len(paid_s)
    paid, promised = _times(paid_s), _times(promised_s)
    plat = _objects(platform_s)
    goods = goods_s.where(goods_s.notna(), "normal").to_numpy(dtype=object)
    deadline = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    rule = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    bad_platform = _platform_problems(plat, problems)
    ok = pd.notna(plat) & ~bad_platform & (~np.isnat(paid) | ~np.isnat(promised))
    if ok.any():
        found = _ship_deadlines(
            book,
            plat[ok],
            {"paid_at": paid[ok], "promised_ship_by": promised[ok]},
            goods=goods[ok],
            governing=np.where(np.isnat(paid), promised, paid)[ok],
        )
        deadline[ok], rule[ok] = found.ship_by, found.labels
        problems[ok] = _problem_or_none(found.problems)
    return pd.DataFrame({"deadline": deadline, "rule": rule, "problem": problems})


def ship_status(
    paid_at: Column,
    shipped_at: Column,
    platform: Column,
    goods_type: Column,
    promised_by: Column,
    as_of: Column,
    *,
    rulebook: Rulebook | None = None,
    picked_up_at: Column = None,
) -> pd.DataFrame:
    """Columns: ``status`` (按时发货/延迟发货/待发货/超时未发货), ``deadline``, ``hours_late``
    (float, one decimal), ``rule``, ``problem``. Uses the same code as the batch engine."""
    book = rulebook or load_rulebook()
    cols = _broadcast(paid_at, shipped_at, platform, goods_type, promised_by, as_of, picked_up_at)
    paid_s, shipped_s, platform_s, goods_s, promised_s, as_of_s, picked_s = cols
    plat = _objects(platform_s)
    events = {
        "paid_at": _times(paid_s),
        "shipped_at": _times(shipped_s),
        "picked_up_at": _times(picked_s),
        "promised_ship_by": _times(promised_s),
    }
    goods = goods_s.where(goods_s.notna(), "normal").to_numpy(dtype=object)
    as_of_times = _times(as_of_s)
    n = len(plat)
    status = np.full(n, None, dtype=object)
    deadline = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    hours = np.full(n, np.nan)
    rule = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    bad_platform = _platform_problems(plat, problems)
    usable = (
        pd.notna(plat)
        & ~bad_platform
        & (~np.isnat(events["paid_at"]) | ~np.isnat(events["promised_ship_by"]))
    )
    for moment in pd.unique(as_of_times[usable]):
        rows = usable & (as_of_times == moment)
        found = _shipping(
            book,
            plat[rows],
            {name: column[rows] for name, column in events.items()},
            as_of=pd.Timestamp(moment),
            goods=goods[rows],
        )
        status[rows], deadline[rows], hours[rows] = found.status, found.ship_by, found.hours_late
        rule[rows], problems[rows] = found.labels, _problem_or_none(found.problems)
    return pd.DataFrame(
        {
            "status": status,
            "deadline": deadline,
            "hours_late": hours,
            "rule": rule,
            "problem": problems,
        }
    )


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
    book = rulebook or load_rulebook()
    violation_s, platform_s, time_s, paid_s, upheld_s = _broadcast(
        violation, platform, event_time, paid_before_ruling, complaint_upheld
    )
    n = len(violation_s)
    viol, plat, when = _objects(violation_s), _objects(platform_s), _times(time_s)
    points = pd.array([pd.NA] * n, dtype="Int64")
    track = np.full(n, None, dtype=object)
    rule = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    bad_platform = _platform_problems(plat, problems)
    ok = pd.notna(viol) & pd.notna(plat) & ~np.isnat(when) & ~bad_platform
    if ok.any():
        paid = pd.array(paid_s, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        upheld = pd.array(upheld_s, dtype="boolean").fillna(True).to_numpy(dtype=bool)
        part = _violation_points(book, plat[ok], viol[ok], when[ok], upheld[ok], paid[ok])
        idx = np.flatnonzero(ok)
        has = pd.isna(part.problems)
        points[idx[has]] = part.points[has]
        track[idx], rule[idx], problems[idx] = part.tracks, part.labels, part.problems
    return pd.DataFrame({"points": points, "track": track, "rule": rule, "problem": problems})


def return_deadline(signed_at: Column, *, rulebook: Rulebook | None = None) -> pd.DataFrame:
    """End of the 7-day window (exclusive). Columns: ``deadline``, ``rule``, ``problem``."""
    book = rulebook or load_rulebook()
    (signed_s,) = _broadcast(signed_at)
    signed = _times(signed_s)
    result = timer_deadlines(book.timers["all.return_window"], signed, governing=signed)
    return pd.DataFrame(
        {"deadline": result.deadline, "rule": result.labels, "problem": result.problems}
    )


def return_status(
    signed_at: Column,
    requested_at: Column,
    as_of: Column,
    returnable: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """Columns: ``status`` (未签收/可退货/已过期/申请及时/申请逾期/不适用), ``deadline``,
    ``problem``. Same code as the batch engine."""
    book = rulebook or load_rulebook()
    signed_s, requested_s, as_of_s, returnable_s = _broadcast(
        signed_at, requested_at, as_of, returnable
    )
    events = {"signed_at": _times(signed_s), "refund_requested_at": _times(requested_s)}
    allowed = pd.array(returnable_s, dtype="boolean").fillna(True).to_numpy(dtype=bool)
    as_of_times = _times(as_of_s)
    n = len(as_of_times)
    status = np.full(n, None, dtype=object)
    deadline = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    problems = np.full(n, None, dtype=object)
    for moment in pd.unique(as_of_times[~np.isnat(as_of_times)]):
        rows = as_of_times == moment
        found = _returns(
            book,
            {name: column[rows] for name, column in events.items()},
            as_of=pd.Timestamp(moment),
            returnable=allowed[rows],
        )
        status[rows], deadline[rows] = found.status, found.return_by
    return pd.DataFrame({"status": status, "deadline": deadline, "problem": problems})


def freight(
    fault_or_reason: Column,
    free_shipping: Column,
    *,
    event_time: Column,
    rulebook: Rulebook | None = None,
    platform: Column = None,
) -> pd.DataFrame:
    """Columns: ``text`` (``发货:卖家 退货:买家``), ``fault`` (seller/buyer/unclear…),
    ``outbound`` and ``return_leg`` (卖家/买家), ``rule``, ``problem``. ``event_time`` chooses
    the rules (a blank time gives a blank row); without a platform, only the general rule."""
    book = rulebook or load_rulebook()
    reason_s, free_s, platform_s, time_s = _broadcast(
        fault_or_reason, free_shipping, platform, event_time
    )
    n = len(reason_s)
    when = _times(time_s)
    fault = classify_fault(reason_s.astype(object).where(reason_s.notna(), None), book).to_numpy(
        dtype=object
    )
    free = pd.array(free_s, dtype="boolean").fillna(False).to_numpy(dtype=bool)
    split = freight_split(book, fault, free, _objects(platform_s), when)
    blank = pd.isna(fault) | np.isnat(when)
    nothing = np.array(None, dtype=object)
    text = np.where(blank, nothing, split.text)
    columns = {
        "text": text,
        "fault": np.where(blank, nothing, fault),
        "outbound": np.where(blank, nothing, split.outbound),
        "return_leg": np.where(blank, nothing, split.return_leg),
        "rule": np.where(blank, nothing, split.labels),
        "problem": np.where(blank, nothing, split.problems),
    }
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()}, index=range(n))


_PARAMETER_NAMES: Final = {
    "rate": "比例",
    "min": "下限（元）",
    "max": "上限（元）",
    "amount": "金额（元）",
    "points": "扣分",
    "track": "类别",
    "duration": "时长",
}


def rule_parameter(
    platform: Column,
    rule: Column,
    parameter: Column,
    event_time: Column,
    *,
    rulebook: Rulebook | None = None,
) -> pd.DataFrame:
    """The parameter in force (``value``), or with a blank parameter the rule's description;
    plus ``rule``, ``source``, ``confidence``, ``problem``.

    ``rule`` is a violation code or name for damages and points (``延迟发货``), or a timer name
    (``ship_by``, ``return_window``…). Parameters: ``rate`` (fraction), ``min``, ``max``,
    ``amount`` (yuan), ``points``, ``track``, ``duration`` (text such as ``48h``). A blank
    ``event_time`` gives a blank row (the caller says which day it means, e.g. today)."""
    book = rulebook or load_rulebook()
    platform_s, rule_s, param_s, time_s = _broadcast(platform, rule, parameter, event_time)
    n = len(platform_s)
    when = _times(time_s)
    values = np.full(n, None, dtype=object)
    labels = np.full(n, None, dtype=object)
    sources = np.full(n, None, dtype=object)
    confidence = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    # One lookup per distinct (platform, rule, parameter, time): a handful, not one per row.
    keys = pd.DataFrame(
        {"p": _objects(platform_s), "r": _objects(rule_s), "k": _objects(param_s), "t": when}
    )
    for group_key, rows in keys.groupby(["p", "r", "k", "t"], dropna=False).groups.items():
        positions = np.asarray(rows)
        result = _one_parameter(book, *group_key)
        (
            values[positions],
            labels[positions],
            sources[positions],
            confidence[positions],
            problems[positions],
        ) = (result[0], result[1], result[2], result[3], result[4])
    columns = {
        "value": values,
        "rule": labels,
        "source": sources,
        "confidence": confidence,
        "problem": problems,
    }
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def _one_parameter(
    book: Rulebook, platform: object, rule: object, parameter: object, when: object
) -> tuple[object, ...]:
    if platform is None or pd.isna(platform) or rule is None or pd.isna(rule) or pd.isna(when):
        return (None, None, None, None, None)
    name = str(rule).strip()
    code = book.violation_code(name) or name
    prefix = "all" if code in ("return_window", "return_freight") else str(platform)
    candidates = [
        book.damages.get(f"{prefix}.{code}"),
        book.violations.get(f"{prefix}.{code}"),
        book.timers.get(f"{prefix}.{code}"),
    ]
    wanted = (
        None
        if parameter is None or pd.isna(parameter) or str(parameter).strip() == ""
        else str(parameter).strip()
    )
    not_in_force = None
    for found in candidates:
        if found is None:
            continue
        version = found.at(when)
        if version is None:
            # e.g. tmall.late_shipment: damages from 2016, points only from 2025-09-05
            not_in_force = not_in_force or found.no_rule_message()
            continue
        if wanted is None:
            return (
                f"{found.name}：{version.describe()}",
                version.label,
                version.source,
                version.confidence,
                None,
            )
        value = version.params.parameter(wanted)
        if value is not None:
            return (value, version.label, version.source, version.confidence, None)
    if all(c is None for c in candidates):
        return (None, None, None, None, f"{NO_RULE}: {platform}.{code}")
    if not_in_force is not None and all(c is None or c.at(when) is None for c in candidates):
        return (None, None, None, None, not_in_force)
    return (
        None,
        None,
        None,
        None,
        f"参数无法识别: {wanted}（可用 rate/min/max/amount/points/track/duration）",
    )
