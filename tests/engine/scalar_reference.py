"""A plain one-row-at-a-time implementation of every result column of the batch engine but
数据问题 (ship-by, status, hours late, damages and their rule text, platform fee, points, return
window, freight, after-sale deadline and status), with the order lifecycle (order stage,
once-per-order amounts, already-paid settlement), written independently of the vectorised code
from the same rulebook.

Two uses: the differential test (both must agree on every row) and the benchmark baseline (what a
per-row script or macro does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoprules.formulas.fields import ORDER_STAGES, PLATFORM_CHINESE
from shoprules.formulas.rulebook import NO_RULE, Rule, Rulebook, Version
from shoprules.formulas.rulebook.loader import AFTERSALE_STAGES

_SELLER_FIRST = (
    "buyer_wrong_address",
    "buyer_refused_free",
    "buyer_partial_free_bundle",
    "seller",
    "buyer",
)
#: Order stages before any shipment (无需发货) and stages that say the order shipped.
_NOT_SHIPPING = ("unpaid", "closed", "refunded")
_SHIPPED = ("shipped", "received", "finished")
#: The order times an after-sale timer may count from or stop at (the export's columns).
_AFTERSALE_EVENTS = ("refund_requested_at", "seller_agreed_at", "return_shipped_at", "shipped_at")
#: 退款状态 words saying the after-sale is over.
_FINISHED = ("成功", "关闭", "完结", "取消")
#: After-sale stage by the event that starts it (later stages win).
_STAGE_OF = {event: i for i, starts in enumerate(AFTERSALE_STAGES) for event in starts}
_ONCE = "（每单计一次，已计入该订单第一行）"
_DIRECT = {
    "seller": "seller",
    "卖家": "seller",
    "buyer": "buyer",
    "买家": "buyer",
    "unclear": "unclear",
    "不明": "unclear",
}


def _version(rule: Rule | None, when: dt.datetime | None) -> Version | None:
    if rule is None or when is None:
        return None
    found = None
    for version in rule.versions:
        if version.since.to_pydatetime() <= when:
            found = version
    if found is not None and found.until is not None and when >= found.until.to_pydatetime():
        return None
    return found


def _round(product: int, rounding: str) -> int:
    """``product`` is fen × basis points."""
    if rounding == "floor_yuan":
        return (product // 1_000_000) * 100
    if rounding == "yuan_half_up":
        return ((product + 500_000) // 1_000_000) * 100
    return (product + 5000) // 10000


def _tier(params: Any, promise_h: float | None, goods: str) -> dict[str, Any]:
    hours = 48.0 if promise_h is None else promise_h
    for tier in params["tiers"]:
        if "promise_over_h" in tier and not hours > tier["promise_over_h"]:
            continue
        if "promise_max_h" in tier and not hours <= tier["promise_max_h"]:
            continue
        if "goods" in tier and goods not in tier["goods"]:
            continue
        return {"from": 0, **tier}
    raise AssertionError("the last tier covers every row")


def _amount(params: Any, base: int, promise_h: float | None = None, goods: str = "normal") -> int:
    if params["kind"] == "flat":
        return int(params["amount"])
    if params["kind"] == "rate_clamped":
        bands = [{"from": 0, "rate": params["rate"], "min": params["min"], "max": params["max"]}]
    elif params["kind"] == "promise_tiered":
        bands = [_tier(params, promise_h, goods)]
    else:
        bands = list(params["bands"])
    band = [b for b in bands if b["from"] <= base][-1]
    if "amount" in band:
        return int(band["amount"])
    value = _round(base * band["rate"], params["rounding"])
    return int(min(max(value, band["min"]), band["max"]))


def _add(start: dt.datetime, text: str) -> dt.datetime:
    if text.endswith("wd"):
        raise NotImplementedError("working days are not used by the packaged rules")
    if text.endswith("h"):
        return start + dt.timedelta(hours=float(text[:-1]))
    return start + dt.timedelta(days=float(text[:-1]))


def _order_level(version: Version) -> bool:
    """A late-shipment amount owed once per order: a flat amount, or one computed on the
    order's paid total."""
    params = version.params.as_mapping()
    return params["kind"] == "flat" or params.get("base") == "order_paid"


def _order_totals(book: Rulebook, rows: list[dict[str, Any]]) -> dict[tuple[Any, Any], int]:
    """Paid total per (platform, order id) for the platforms with a rule version based on the
    order's total (``base: order_paid``); a missing or negative amount counts as 0."""
    platforms = set()
    for name in ("late_shipment", "out_of_stock"):
        for code in PLATFORM_CHINESE:
            rule = book.damages.get(f"{code}.{name}")
            if rule is not None and any(
                v.params.as_mapping().get("base") == "order_paid" for v in rule.versions
            ):
                platforms.add(code)
    totals: dict[tuple[Any, Any], int] = {}
    for row in rows:
        if row.get("platform") in platforms and row.get("order_id") is not None:
            key = (row["platform"], row["order_id"])
            totals[key] = totals.get(key, 0) + max(row.get("paid_amount") or 0, 0)
    return totals


def compute_rows(
    book: Rulebook, rows: list[dict[str, Any]], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """:func:`compute_row` for every row, then the steps that look across rows, in the engine's
    order: the same-buyer same-day caps (in row order, each group — platform, buyer, payment
    day; a row without a buyer id alone — keeps its rows' damages until the cap is used up),
    once-per-order late-shipment amounts (kept on the order's first late row), and the
    already-paid settlement."""
    totals = _order_totals(book, rows)
    timers = aftersale_timers(book)
    out = [compute_row(book, row, as_of, totals, timers) for row in rows]
    _caps(book, rows, out)
    seen: set[tuple[Any, Any]] = set()
    for row, result in zip(rows, out, strict=True):
        late_version = result.pop("_late_version")
        if late_version is None or not _order_level(late_version) or row.get("order_id") is None:
            continue
        key = (row["platform"], row["order_id"])
        if key not in seen:
            seen.add(key)
            continue
        if result["damages"] is not None:
            result["damages"] = 0
        result["platform_fee"] = 0
        result["damages_rule"] += _ONCE
    for row, result in zip(rows, out, strict=True):
        paid = row.get("already_paid")
        owed = result["damages"]
        if paid is not None and paid > 0 and owed is not None and owed > 0:
            left = max(owed - paid, 0)
            result["damages"] = left
            result["damages_rule"] += f"；已赔付 {paid / 100:.2f} 元，仍应付 {left / 100:.2f} 元"
        if result.pop("_no_ship"):  # 无需发货: no figures, the reason as the rule text
            result.update(damages=0, platform_fee=0, points=0, damages_rule=result["_reason"])
        result.pop("_reason")
    return out


def _caps(book: Rulebook, rows: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    used: dict[tuple[Any, ...], int] = {}
    for i, (row, result) in enumerate(zip(rows, out, strict=True)):
        damages = result["damages"]
        if not damages:
            continue
        cap = _version(
            book.cap_groups.get(f"{row['platform']}.same_buyer_same_day"), row["paid_at"]
        )
        if cap is None:
            continue
        buyer = row.get("buyer_id")
        buyer = str(buyer).strip() if buyer is not None and str(buyer).strip() else None
        key = (row["platform"], buyer if buyer is not None else ("row", i), row["paid_at"].date())
        result["_group"] = key
        result["_cap"] = cap
    groups: dict[tuple[Any, ...], bool] = {}
    for result in out:
        if "_group" in result and result["_widen"]:
            groups[result["_group"]] = True
    for result in out:
        if "_group" not in result:
            continue
        key, cap = result.pop("_group"), result.pop("_cap")
        params = cap.params.as_mapping()
        limit = params["max"]
        if groups.get(key) and "raised_max" in params:
            limit = params["raised_max"]
        before = used.get(key, 0)
        allowed = max(min(result["damages"], limit - before), 0)
        used[key] = before + result["damages"]
        if allowed < result["damages"]:
            result["damages_rule"] += f"，{cap.label} 合并封顶"
        result["damages"] = allowed
    for result in out:
        result.pop("_widen", None)


def compute_row(  # noqa: C901
    book: Rulebook,
    row: dict[str, Any],
    as_of: dt.datetime,
    order_totals: dict[tuple[Any, Any], int] | None = None,
    timers: dict[str | None, list[Rule]] | None = None,
) -> dict[str, Any]:
    """All scalar results for one order row (times as ``datetime`` or ``None``, money in fen),
    before the steps that look across rows (see :func:`compute_rows`)."""
    platform = row.get("platform")
    paid = row.get("paid_at")
    stage = row.get("order_stage")
    unshipped = row.get("shipped_at") is None and row.get("picked_up_at") is None
    no_ship = unshipped and stage in _NOT_SHIPPING
    out: dict[str, Any] = {
        "ship_by": None,
        "ship_status": None,
        "hours_late": None,
        "damages": None,
        "damages_rule": "",
        "platform_fee": 0,
        "points": 0,
        "_widen": False,
        "_late_version": None,
        "_no_ship": no_ship,
        "_reason": f"无需发货：订单{ORDER_STAGES[str(stage)]}（发货前）" if no_ship else "",
    }
    timers = aftersale_timers(book) if timers is None else timers
    mine = timers.get(platform, timers[None])
    out["aftersale_by"], out["aftersale_status"] = _aftersale(mine, row, as_of)
    signed = row.get("signed_at")
    if signed is None and row.get("confirmed_at") is not None and not no_ship:
        signed = row["confirmed_at"]  # the return window counts from the confirm time (估算)
    ship_rule = book.timers.get(f"{platform}.ship_by")
    version = _version(ship_rule, paid)
    goods = row.get("goods_type") or "normal"
    promised = row.get("promised_ship_by")
    deadline = None
    if version is not None:
        durations = version.params.as_mapping()["durations"]
        duration = durations.get(goods, durations["default"])
        if promised is not None:
            deadline = promised
        elif str(duration) != "promised" and paid is not None:
            deadline = _add(paid, str(duration))
    out["ship_by"] = deadline
    if no_ship:
        out["ship_status"] = "无需发货"
        return _returns(book, row, signed, as_of, out)
    if unshipped and (stage in _SHIPPED or row.get("confirmed_at") is not None or signed):
        # shipped (the export says so) without a ship time: no status, lateness unknown
        out.update(platform_fee=None, points=None)
        return _returns(book, row, signed, as_of, out)
    if deadline is None or version is None:
        return _returns(book, row, signed, as_of, out)
    promise_h = None if paid is None else (deadline - paid).total_seconds() / 3600
    stops = [row.get(name) for name in version.params.as_mapping()["stop"]]
    stop = next((s for s in stops if s is not None), None)
    if stop is not None and stop > as_of:
        stop = None
    if stop is not None:
        late = stop > deadline
        out["ship_status"] = "延迟发货" if late else "按时发货"
        hours = (stop - deadline).total_seconds() / 3600 if late else 0.0
    else:
        late = as_of > deadline
        soon = not late and deadline - as_of <= dt.timedelta(hours=book.warning_hours)
        out["ship_status"] = "超时未发货" if late else "即将超时" if soon else "待发货"
        hours = (as_of - deadline).total_seconds() / 3600 if late else 0.0
    out["hours_late"] = int(hours * 10 + 0.5 + 1e-9) / 10
    damages: int | None = 0
    if late:
        base = row.get("paid_amount")
        rule = book.damages.get(f"{platform}.late_shipment")
        dver = _version(rule, deadline)  # the rule in force when the deadline was missed
        params = None if dver is None else dver.params.as_mapping()
        if rule is None:
            damages = None
            out["damages_rule"] = f"{NO_RULE}: {PLATFORM_CHINESE[str(platform)]}延迟发货赔付未收录"
        elif dver is None or params is None:
            damages = None
            out["damages_rule"] = rule.no_rule_message()
        elif goods in params.get("excluded_goods", ()):
            damages = None  # complaint-based for these goods, not computed (note, not a problem)
            out["damages_rule"] = dver.label
        elif params["receiver"] == "platform":
            out["_late_version"] = dver
            out["platform_fee"] = _amount(params, _base(params, row, base, order_totals))
            out["damages_rule"] = dver.label + "（平台扣款）；买家赔付规则未收录"
            damages = None
        else:
            out["_late_version"] = dver
            out["damages_rule"] = dver.label
            if base is None or base < 0:
                damages = None
            else:
                order_base = _base(params, row, base, order_totals)
                damages = _amount(params, order_base, promise_h, goods)
                oos, label = _out_of_stock(
                    book, row, as_of, deadline, damages, promise_h, goods, order_totals
                )
                if oos > 0:
                    damages += oos
                    out["damages_rule"] += " + " + label
                out["_widen"] = oos > 0 and promise_h is not None and promise_h > 48
        # Points: the version in force when the violation happened (the missed deadline).
        pver = _version(book.violations.get(f"{platform}.late_shipment"), deadline)
        if (
            pver is not None
            and "points" in pver.params.as_mapping()
            and row.get("complaint_upheld")
            and not row.get("paid_before_ruling")
        ):
            out["points"] = pver.params.as_mapping()["points"]
    out["damages"] = damages
    return _returns(book, row, signed, as_of, out)


def _base(
    params: dict[str, Any],
    row: dict[str, Any],
    amount: int | None,
    order_totals: dict[tuple[Any, Any], int] | None,
) -> int:
    """The amount a version is computed on: the row's paid amount, or the order's paid total
    (``base: order_paid``) where the row has an order id."""
    own = max(amount or 0, 0)
    if params.get("base") != "order_paid" or row.get("order_id") is None or not order_totals:
        return own
    return order_totals.get((row.get("platform"), row["order_id"]), own)


def aftersale_timers(book: Rulebook) -> dict[str | None, list[Rule]]:
    """Per platform code, the after-sale timers that can run on its orders (an ``outcome``, a
    start event the export has; the platform's own and the ``all.*`` ones), in rulebook order;
    under ``None`` the ``all.*`` ones alone (an unknown platform)."""
    out: dict[str | None, list[Rule]] = {}
    for code in (None, *PLATFORM_CHINESE):
        out[code] = [
            rule
            for rule_id, rule in book.timers.items()
            if rule.meta.outcome is not None
            and rule.meta.start in _AFTERSALE_EVENTS
            and rule_id.split(".", 1)[0] in ("all", code)
        ]
    return out


def _aftersale(
    timers: list[Rule], row: dict[str, Any], as_of: dt.datetime
) -> tuple[dt.datetime | None, str]:
    """售后截止 and 售后时效状态: of the after-sale timers that run for this row, those of the
    latest stage reached (request → return shipment agreed → return shipped …), and among them
    the one with the earliest deadline; a 退款状态 saying the after-sale is over makes it 已完成.
    Only a step still open (处理中, or missed without the platform's outcome) keeps a deadline."""
    best: tuple[int, dt.datetime, str, str] | None = None
    for rule in timers:
        start = _timer_start(rule, row, as_of)
        version = _version(rule, start)
        if start is None or version is None:
            continue
        deadline, state = _timer_state(rule, version.params.as_mapping(), start, row, as_of)
        level = _STAGE_OF.get(str(rule.meta.start), -1)
        if best is None or level > best[0] or (level == best[0] and deadline < best[1]):
            best = (level, deadline, rule.name, state)
    if best is None:
        return None, ""
    _, deadline, name, state = best
    status = row.get("refund_status")
    if isinstance(status, str) and any(word in status for word in _FINISHED):
        state = "已完成"
    if state in ("已完成", "已超时"):
        return None, f"{name}：{state}"
    return deadline, f"{name}：{state}"


def _timer_start(rule: Rule, row: dict[str, Any], as_of: dt.datetime) -> dt.datetime | None:
    """When an after-sale timer starts for this row (``None``: it does not run for it)."""
    start: dt.datetime | None = row.get(str(rule.meta.start))
    shipped = row.get("shipped_at")
    if (
        start is not None
        and rule.meta.applies == "not_shipped"
        and not (shipped is None or shipped > start or shipped > as_of)
    ):
        return None  # the request came after the shipment
    return start


def _timer_state(
    rule: Rule, params: dict[str, Any], start: dt.datetime, row: dict[str, Any], as_of: dt.datetime
) -> tuple[dt.datetime, str]:
    """Deadline and state (已完成, 已超时, 处理中 or 已超时（outcome）) of one timer."""
    if params["align"] == "next_midnight":
        start = dt.datetime(start.year, start.month, start.day) + dt.timedelta(days=1)
    deadline = _add(start, str(params["durations"]["default"]))
    stops = [row.get(s) for s in params["stop"] if s in _AFTERSALE_EVENTS]
    stop = next((s for s in stops if s is not None), None)
    if stop is not None and stop <= as_of:
        in_time = stop < deadline if params["in_time"] == "before" else stop <= deadline
        return deadline, "已完成" if in_time else "已超时"
    if as_of <= deadline:
        return deadline, "处理中"
    return deadline, f"已超时（{rule.meta.outcome}）"


def _out_of_stock(
    book: Rulebook,
    row: dict[str, Any],
    as_of: dt.datetime,
    deadline: dt.datetime,
    late_part: int,
    promise_h: float | None,
    goods: str,
    order_totals: dict[tuple[Any, Any], int] | None,
) -> tuple[int, str]:
    """Out-of-stock damages stacked on a late shipment's ``late_part`` (0 when none applies)
    and their version."""
    platform = row.get("platform")
    oos_version = _version(book.damages.get(f"{platform}.out_of_stock"), deadline)
    timer = _version(book.timers.get(f"{platform}.out_of_stock_after"), deadline)
    if oos_version is None or timer is None:
        return 0, ""
    oos_deadline = _add(deadline, str(timer.params.as_mapping()["durations"]["default"]))
    pickup = row.get("picked_up_at") or row.get("shipped_at")
    missing = (pickup is None and as_of > oos_deadline) or (
        pickup is not None and pickup > oos_deadline
    )
    params = oos_version.params.as_mapping()
    if not missing or (params["requires_complaint"] and not row.get("complaint_upheld")):
        return 0, ""
    base = _base(params, row, row.get("paid_amount"), order_totals)
    oos = _amount(params, base, promise_h, goods)
    if "stack_max" in params:
        oos = min(oos, max(params["stack_max"] - late_part, 0))
    return oos, oos_version.label


def _returns(
    book: Rulebook,
    row: dict[str, Any],
    signed: dt.datetime | None,
    as_of: dt.datetime,
    out: dict[str, Any],
) -> dict[str, Any]:
    requested = row.get("refund_requested_at")
    returnable = row.get("returnable")
    end = None
    if signed is not None:
        end = dt.datetime(signed.year, signed.month, signed.day) + dt.timedelta(days=1, hours=168)
    in_force = _version(book.timers["all.return_window"], signed)
    if returnable is False:
        status, end = "不适用", None
    elif signed is None or end is None:  # end is None exactly when signed is
        status = "未签收"
    elif in_force is None:
        status, end = None, None
    elif requested is not None:
        status = "申请及时" if requested < end else "申请逾期"
    else:
        status = "可退货" if as_of < end else "已过期"
    out["return_by"], out["return_status"] = end, status
    reason = row.get("refund_reason")
    out["freight"] = ""
    if requested is not None or (reason is not None and str(reason).strip()):
        fault = _fault(book, reason)
        when = requested or signed or row.get("paid_at")
        legs = None
        special = _version(book.freight.get(f"{row.get('platform')}.return_freight"), when)
        if special is not None and fault in special.params.as_mapping():
            legs = special.params.as_mapping()[fault]
        else:
            if fault.startswith("buyer_"):
                fault = "buyer"
            if fault == "buyer" and row.get("free_shipping"):
                fault = "buyer_free"
            general = _version(book.freight["all.return_freight"], when)
            legs = general.params.as_mapping()[fault] if general is not None else None
        out["freight"] = f"发货:{legs[0]} 退货:{legs[1]}" if legs else ""
    return out


def _fault(book: Rulebook, reason: Any) -> str:
    if reason is None or not str(reason).strip():
        return "unclear"
    text = str(reason).strip()
    if text.lower() in _DIRECT:
        return _DIRECT[text.lower()]
    for group in _SELLER_FIRST:
        if any(word in text for word in book.freight_keywords.get(group, ())):
            return group
    return "unclear"
