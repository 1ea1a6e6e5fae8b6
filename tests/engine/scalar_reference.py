"""A plain one-row-at-a-time implementation of the batch engine's ship, damages, points, return and
freight columns, written independently of the vectorised code from the same rulebook.

Two uses: the differential test (both must agree on every row) and the benchmark baseline (what a
per-row script or macro does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoprules.formulas.rulebook import Rule, Rulebook, Version

_SELLER_FIRST = (
    "buyer_wrong_address",
    "buyer_refused_free",
    "buyer_partial_free_bundle",
    "seller",
    "buyer",
)
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


def compute_rows(
    book: Rulebook, rows: list[dict[str, Any]], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """:func:`compute_row` for every row, then the same-buyer same-day caps across rows: in
    row order, each group (platform, buyer, payment day; a row without a buyer id alone) keeps
    its rows' damages until the cap is used up."""
    out = [compute_row(book, row, as_of) for row in rows]
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
        key, params = result.pop("_group"), result.pop("_cap").params.as_mapping()
        limit = params["max"]
        if groups.get(key) and "raised_max" in params:
            limit = params["raised_max"]
        before = used.get(key, 0)
        allowed = max(min(result["damages"], limit - before), 0)
        used[key] = before + result["damages"]
        result["damages"] = allowed
    for result in out:
        result.pop("_widen", None)
    return out


def compute_row(  # noqa: C901
    book: Rulebook, row: dict[str, Any], as_of: dt.datetime
) -> dict[str, Any]:
    """All scalar results for one order row (times as ``datetime`` or ``None``, money in fen),
    before the same-day caps that group rows (see :func:`compute_rows`)."""
    platform = row.get("platform")
    paid = row.get("paid_at")
    out: dict[str, Any] = {
        "ship_by": None,
        "ship_status": None,
        "hours_late": None,
        "damages": None,
        "platform_fee": 0,
        "points": 0,
        "_widen": False,
    }
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
    if deadline is None or version is None:
        return _returns(book, row, as_of, out)
    promise_h = None if paid is None else (deadline - paid).total_seconds() / 3600
    stops = [row.get(name) for name in version.params.as_mapping()["stop"]]
    stop = next((s for s in stops if s is not None), None)
    if stop is not None and stop > as_of:
        stop = None
    if stop is not None:
        late = stop > deadline
        out["ship_status"] = "延迟发货" if late else "按时发货"
        hours = (stop - deadline).total_seconds() / 3600 if late else 0.0
    elif all(s is None for s in stops) and (
        row.get("signed_at") is not None or row.get("confirmed_at") is not None
    ):
        # received without a ship time: shipped, lateness unknown (issue #11)
        out.update(platform_fee=None, points=None)
        return _returns(book, row, as_of, out)
    else:
        late = as_of > deadline
        soon = not late and deadline - as_of <= dt.timedelta(hours=12)
        out["ship_status"] = "超时未发货" if late else "即将超时" if soon else "待发货"
        hours = (as_of - deadline).total_seconds() / 3600 if late else 0.0
    out["hours_late"] = int(hours * 10 + 0.5 + 1e-9) / 10
    damages: int | None = 0
    if late:
        base = row.get("paid_amount")
        rule = book.damages.get(f"{platform}.late_shipment")
        dver = _version(rule, deadline)  # the rule in force when the deadline was missed
        if dver is None:
            damages = None
        elif dver.params.as_mapping()["receiver"] == "platform":
            out["platform_fee"] = _amount(dver.params.as_mapping(), max(base or 0, 0))
            damages = None
        elif (
            base is None or base < 0 or goods in dver.params.as_mapping().get("excluded_goods", ())
        ):
            damages = None
        else:
            damages = _amount(dver.params.as_mapping(), base, promise_h, goods)
            oos = _out_of_stock(book, row, as_of, deadline, base, damages, promise_h, goods)
            damages += oos
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
    return _returns(book, row, as_of, out)


def _out_of_stock(
    book: Rulebook,
    row: dict[str, Any],
    as_of: dt.datetime,
    deadline: dt.datetime,
    base: int,
    late_part: int,
    promise_h: float | None,
    goods: str,
) -> int:
    """Out-of-stock damages stacked on a late shipment's ``late_part`` (0 when none applies)."""
    platform = row.get("platform")
    oos_version = _version(book.damages.get(f"{platform}.out_of_stock"), deadline)
    timer = _version(book.timers.get(f"{platform}.out_of_stock_after"), deadline)
    if oos_version is None or timer is None:
        return 0
    oos_deadline = _add(deadline, str(timer.params.as_mapping()["durations"]["default"]))
    pickup = row.get("picked_up_at") or row.get("shipped_at")
    missing = (pickup is None and as_of > oos_deadline) or (
        pickup is not None and pickup > oos_deadline
    )
    if not missing or (
        oos_version.params.as_mapping()["requires_complaint"] and not row.get("complaint_upheld")
    ):
        return 0
    oos = _amount(oos_version.params.as_mapping(), base, promise_h, goods)
    if "stack_max" in oos_version.params.as_mapping():
        oos = min(oos, max(oos_version.params.as_mapping()["stack_max"] - late_part, 0))
    return oos


def _returns(
    book: Rulebook, row: dict[str, Any], as_of: dt.datetime, out: dict[str, Any]
) -> dict[str, Any]:
    signed = row.get("signed_at")
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
