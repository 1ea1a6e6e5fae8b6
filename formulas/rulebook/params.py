"""Typed rule parameters: one frozen dataclass per rule kind, each with one ``describe()``.

Amounts are integer fen, rates integer basis points. ``as_mapping()`` gives the parameters under
their rule-file (YAML) names, for the audit's 参数 column; the calculators read the attributes.

>>> RateClamped(rate_bp=500, min_fen=500, max_fen=3000, receiver="buyer").describe()
'5% [5.00, 30.00] 元，赔给买家'
>>> ViolationParams(track="B", points=6).describe()
'严重违规 6 分'
>>> TimerParams(durations={"default": Duration(48, "h"), "presale": Duration(0, "promised")}).describe()
'默认 48h；预售 按承诺时间'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from ..money import (
    apply_rate_floor_yuan,
    apply_rate_half_up,
    apply_rate_half_up_yuan,
    fen_to_yuan_text,
)

TRACK_NAMES: Final = {"A": "一般违规", "B": "严重违规", "C": "售假违规"}
_DURATION: Final = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>h|d|wd)$")
_RECEIVERS: Final = {"buyer": "赔给买家", "platform": "平台扣款"}
_GOODS_NAMES: Final = {
    "default": "默认",
    "normal": "普通",
    "direct_supply": "直供",
    "direct_mail": "直邮",
    "presale": "预售",
    "custom": "定制",
}
_FAULT_NAMES: Final = {
    "seller": "卖家责任",
    "buyer": "买家责任",
    "buyer_free": "买家责任且包邮",
    "unclear": "责任不明",
    "buyer_wrong_address": "买家填错地址",
    "buyer_refused_free": "拒收包邮商品",
    "buyer_partial_free_bundle": "退回包邮组合中的一件",
}
CONDITIONAL: Final = "complaint_upheld_and_not_paid_before_ruling"


def _yuan(fen: int) -> str:
    """``500`` → ``'5'`` (the short form the 分档 text uses)."""
    return f"{fen / 100:g}"


@dataclass(frozen=True)
class Duration:
    """A timer duration: ``n`` hours, days or China working days; or ``promised`` only."""

    n: float
    unit: str  # "h" | "d" | "wd" | "promised"

    @classmethod
    def parse(cls, text: object) -> Duration:
        """``Duration.parse("48h")``, ``"4d"``, ``"3wd"``, ``"promised"``.

        >>> Duration.parse("4d"), Duration.parse(" 2wd ").unit
        (Duration(n=4.0, unit='d'), 'wd')
        """
        if str(text).strip() == "promised":
            return cls(0, "promised")
        match = _DURATION.match(str(text).strip())
        if not match:
            raise ValueError(f"时长格式应为 48h / 4d / 3wd / promised，而不是 {text!r}")
        if float(match["n"]) <= 0:
            raise ValueError(f"时长应大于 0，而不是 {text!r}")
        return cls(float(match["n"]), match["unit"])

    @property
    def hours(self) -> float | None:
        """Length in hours for h/d units, ``None`` for working days and promised."""
        return {"h": self.n, "d": self.n * 24}.get(self.unit)

    def __str__(self) -> str:
        if self.unit == "promised":
            return "promised"
        number = int(self.n) if self.n == int(self.n) else self.n
        return f"{number}{self.unit}"


class Params:
    """Shared behaviour: the rule-file view (read-only, YAML names) and parameter look-up."""

    def as_mapping(self) -> dict[str, Any]:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def parameter(self, name: str) -> object | None:  # noqa: ARG002 - the kinds override it by name
        """The value ``SR_RULE`` shows for a parameter name, ``None`` when this kind has none."""
        return None


# ---------------------------------------------------------------------------------------------
# Damages


#: Rounding modes: to the fen half-up (default), floored to whole yuan (Kuaishou, PDD 25 %),
#: half-up to whole yuan (Douyin 2026: 「按四舍五入规则取整」).
ROUNDINGS: Final = ("fen_half_up", "floor_yuan", "yuan_half_up")
_ROUNDING_TEXT: Final = {"floor_yuan": "，取整到元", "yuan_half_up": "，四舍五入到元"}


def _rate(base: np.ndarray, rate_bp: int, rounding: str) -> np.ndarray:
    rates = np.full(base.shape, rate_bp, dtype="int64")
    if rounding == "floor_yuan":
        return apply_rate_floor_yuan(base, rates)
    if rounding == "yuan_half_up":
        return apply_rate_half_up_yuan(base, rates)
    return apply_rate_half_up(base, rates)


@dataclass(frozen=True, kw_only=True)
class DamagesParams(Params):
    """Settings every damages version has; the subclasses add how the amount is computed."""

    receiver: str  # buyer | platform
    rounding: str = "fen_half_up"  # see ROUNDINGS
    stacks_on: str | None = None
    stack_max_fen: int | None = None
    requires_complaint: bool = False
    #: Goods types the rule does not pay automatically (Taobao 2025: 「除定制等特殊情形外」).
    excluded_goods: tuple[str, ...] = ()

    kind: str = field(init=False, default="")

    def amounts(
        self,
        base_fen: np.ndarray,
        *,
        promise_h: np.ndarray | None = None,
        goods: np.ndarray | None = None,
        case: str | None = None,
    ) -> np.ndarray:  # pragma: no cover - overridden
        """Amounts in fen per base (``promise_h``: promised ship window in hours, ``goods``:
        goods types, ``case``: the violation's case; only the kinds that need them read them)."""
        raise NotImplementedError

    def _amount_text(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def describe(self) -> str:
        """``'5% [5.00, 30.00] 元，赔给买家'`` (取整到元 where the amount is floored)."""
        text = self._amount_text()
        floor = _ROUNDING_TEXT.get(self.rounding, "")
        who = _RECEIVERS.get(self.receiver, "")
        return f"{text}{floor}，{who}" if who else text + floor

    def _head(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def _tail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"receiver": self.receiver, "rounding": self.rounding}
        if self.stacks_on is not None:
            out["stacks_on"] = self.stacks_on
        if self.stack_max_fen is not None:
            out["stack_max"] = self.stack_max_fen
        out["requires_complaint"] = self.requires_complaint
        if self.excluded_goods:
            out["excluded_goods"] = self.excluded_goods
        return out


@dataclass(frozen=True, kw_only=True)
class RateClamped(DamagesParams):
    """``rate × base``, rounded, clamped to [min, max].

    >>> RateClamped(rate_bp=1000, min_fen=500, max_fen=3000, receiver="buyer",
    ...             rounding="floor_yuan").amounts(np.array([13100, 1000, 90000])).tolist()
    [1300, 500, 3000]
    """

    rate_bp: int
    min_fen: int
    max_fen: int
    base: str = "item_paid"
    kind: str = field(init=False, default="rate_clamped")

    def amounts(self, base_fen: np.ndarray, **_: object) -> np.ndarray:
        raw = _rate(np.asarray(base_fen, dtype="int64"), self.rate_bp, self.rounding)
        clipped: np.ndarray = np.clip(raw, self.min_fen, self.max_fen)
        return clipped

    def check(self) -> None:
        """Raise ``ValueError`` unless 0 ≤ rate ≤ 100 %, and 0 ≤ min ≤ max.

        >>> RateClamped(rate_bp=500, min_fen=3000, max_fen=500, receiver="buyer").check()
        Traceback (most recent call last):
        ValueError: 下限 30.00 元大于上限 5.00 元
        """
        if not 0 <= self.rate_bp <= 10_000:
            raise ValueError(f"比例应在 0–100% 之间，而不是 {self.rate_bp / 100:g}%")
        if self.min_fen < 0 or self.max_fen < 0:
            raise ValueError("上下限不能为负数")
        if self.min_fen > self.max_fen:
            raise ValueError(
                f"下限 {fen_to_yuan_text(self.min_fen)} 元大于上限 {fen_to_yuan_text(self.max_fen)} 元"
            )

    def _amount_text(self) -> str:
        return (
            f"{self.rate_bp / 100:g}% [{fen_to_yuan_text(self.min_fen)}, "
            f"{fen_to_yuan_text(self.max_fen)}] 元"
        )

    def parameter(self, name: str) -> object | None:
        return {
            "rate": self.rate_bp / 10_000,
            "min": self.min_fen / 100,
            "max": self.max_fen / 100,
        }.get(name)

    def as_mapping(self) -> dict[str, Any]:
        return {
            **self._head(),
            "rate": self.rate_bp,
            "min": self.min_fen,
            "max": self.max_fen,
            "base": self.base,
            **self._tail(),
        }


@dataclass(frozen=True, kw_only=True)
class Flat(DamagesParams):
    """A fixed amount per order.

    >>> Flat(amount_fen=300, receiver="buyer").describe()
    '每单 3.00 元，赔给买家'
    """

    amount_fen: int
    kind: str = field(init=False, default="flat")

    def amounts(self, base_fen: np.ndarray, **_: object) -> np.ndarray:
        return np.full(np.shape(base_fen), self.amount_fen, dtype="int64")

    def check(self) -> None:
        """Raise ``ValueError`` for a negative amount."""
        if self.amount_fen < 0:
            raise ValueError(f"金额不能为负数: {fen_to_yuan_text(self.amount_fen)} 元")

    def _amount_text(self) -> str:
        return f"每单 {fen_to_yuan_text(self.amount_fen)} 元"

    def parameter(self, name: str) -> object | None:
        return self.amount_fen / 100 if name == "amount" else None

    def as_mapping(self) -> dict[str, Any]:
        return {**self._head(), "amount": self.amount_fen, **self._tail()}


@dataclass(frozen=True, kw_only=True)
class Band:
    """One band of a :class:`Bands` version: from ``from_fen`` on, a fixed amount or a clamped rate."""

    from_fen: int
    amount_fen: int | None = None
    rate_bp: int | None = None
    min_fen: int | None = None
    max_fen: int | None = None

    def text(self) -> str:
        """``'≥20 元 → 25% [5, 100]'``."""
        if self.amount_fen is not None:
            return f"≥{_yuan(self.from_fen)} 元 → {_yuan(self.amount_fen)} 元"
        return (
            f"≥{_yuan(self.from_fen)} 元 → {(self.rate_bp or 0) / 100:g}% "
            f"[{_yuan(self.min_fen or 0)}, {_yuan(self.max_fen or 0)}]"
        )

    def as_mapping(self) -> dict[str, int]:
        if self.amount_fen is not None:
            return {"from": self.from_fen, "amount": self.amount_fen}
        return {
            "from": self.from_fen,
            "rate": self.rate_bp or 0,
            "min": self.min_fen or 0,
            "max": self.max_fen or 0,
        }


@dataclass(frozen=True, kw_only=True)
class Bands(DamagesParams):
    """The first band whose lower bound is at or below the base applies.

    >>> bands = Bands(bands=(Band(from_fen=0, amount_fen=500),
    ...                      Band(from_fen=2000, rate_bp=2500, min_fen=500, max_fen=10000)),
    ...               receiver="buyer", rounding="floor_yuan")
    >>> bands.amounts(np.array([1999, 7000])).tolist(), bands.describe()
    ([500, 1700], '按金额分段：≥0 元 → 5 元；≥20 元 → 25% [5, 100]，取整到元，赔给买家')
    """

    bands: tuple[Band, ...]
    kind: str = field(init=False, default="bands")

    def amounts(self, base_fen: np.ndarray, **_: object) -> np.ndarray:
        base = np.asarray(base_fen, dtype="int64")
        starts = np.array([b.from_fen for b in self.bands], dtype="int64")
        which = np.searchsorted(starts, base, side="right") - 1
        out = np.zeros(base.shape, dtype="int64")
        for i, band in enumerate(self.bands):
            rows = which == i
            if not rows.any():
                continue
            if band.amount_fen is not None:
                out[rows] = band.amount_fen
            else:
                raw = _rate(base[rows], band.rate_bp or 0, self.rounding)
                out[rows] = np.clip(raw, band.min_fen, band.max_fen)
        return out

    def bands_text(self) -> str:
        """The bands in one line: ``'≥0 元 → 5 元；≥20 元 → 25% [5, 100]'``."""
        return "；".join(band.text() for band in self.bands)

    def _amount_text(self) -> str:
        return "按金额分段：" + self.bands_text()

    def as_mapping(self) -> dict[str, Any]:
        return {
            **self._head(),
            "bands": tuple(b.as_mapping() for b in self.bands),
            **self._tail(),
        }


@dataclass(frozen=True, kw_only=True)
class Tier:
    """One tier of a :class:`PromiseTiered` version: the rows it covers (promised ship window
    above ``promise_over_h`` and at most ``promise_max_h`` hours, goods types ``goods``; a
    missing bound means any) and their amount (fixed, or a clamped rate)."""

    promise_over_h: float | None = None
    promise_max_h: float | None = None
    goods: tuple[str, ...] = ()
    amount_fen: int | None = None
    rate_bp: int | None = None
    min_fen: int = 0
    max_fen: int = 0

    def covers(self, promise_h: np.ndarray, goods: np.ndarray | None) -> np.ndarray:
        """The rows this tier covers (a NaN window counts as the default 48 h)."""
        hours = np.where(np.isnan(promise_h), 48.0, promise_h)
        out = np.ones(len(hours), dtype=bool)
        if self.promise_over_h is not None:
            out &= hours > self.promise_over_h
        if self.promise_max_h is not None:
            out &= hours <= self.promise_max_h
        if self.goods:
            out &= (
                np.isin(np.asarray(goods, dtype=object), self.goods) if goods is not None else False
            )
        return out

    def condition_text(self) -> str:
        """``'48 < 承诺 ≤ 240 h 预售/定制'`` (``'其余'`` for the catch-all)."""
        parts = []
        if self.promise_over_h is not None and self.promise_max_h is not None:
            parts.append(f"{self.promise_over_h:g}<承诺≤{self.promise_max_h:g}h")
        elif self.promise_over_h is not None:
            parts.append(f"承诺>{self.promise_over_h:g}h")
        elif self.promise_max_h is not None:
            parts.append(f"承诺≤{self.promise_max_h:g}h")
        if self.goods:
            parts.append("/".join(_GOODS_NAMES.get(g, g) for g in self.goods))
        return " ".join(parts) or "其余"

    def text(self) -> str:
        if self.amount_fen is not None:
            return f"{self.condition_text()} → {_yuan(self.amount_fen)} 元"
        return (
            f"{self.condition_text()} → {(self.rate_bp or 0) / 100:g}% "
            f"[{_yuan(self.min_fen)}, {_yuan(self.max_fen)}]"
        )

    def as_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.promise_over_h is not None:
            out["promise_over_h"] = self.promise_over_h
        if self.promise_max_h is not None:
            out["promise_max_h"] = self.promise_max_h
        if self.goods:
            out["goods"] = self.goods
        if self.amount_fen is not None:
            out["amount"] = self.amount_fen
        else:
            out.update(rate=self.rate_bp or 0, min=self.min_fen, max=self.max_fen)
        return out


@dataclass(frozen=True, kw_only=True)
class PromiseTiered(DamagesParams):
    """The first tier covering a row applies (tiers keyed by the promised ship window and goods
    type; the last tier covers every row). Vectorised with ``np.select``.

    >>> tiered = PromiseTiered(tiers=(Tier(promise_max_h=48, amount_fen=0),
    ...     Tier(promise_max_h=240, rate_bp=100, min_fen=200, max_fen=5000),
    ...     Tier(rate_bp=100, min_fen=300, max_fen=5000)), receiver="buyer", rounding="yuan_half_up")
    >>> tiered.amounts(np.array([15000, 25000, 15000]), promise_h=np.array([24.0, 72, 360])).tolist()
    [0, 300, 300]
    """

    tiers: tuple[Tier, ...]
    base: str = "item_paid"
    kind: str = field(init=False, default="promise_tiered")

    def amounts(
        self,
        base_fen: np.ndarray,
        *,
        promise_h: np.ndarray | None = None,
        goods: np.ndarray | None = None,
        **_: object,
    ) -> np.ndarray:
        base = np.asarray(base_fen, dtype="int64")
        hours = (
            np.full(base.shape, np.nan)
            if promise_h is None
            else np.asarray(promise_h, dtype="float64")
        )
        choices = []
        for tier in self.tiers:
            if tier.amount_fen is not None:
                choices.append(np.full(base.shape, tier.amount_fen, dtype="int64"))
            else:
                raw = _rate(base, tier.rate_bp or 0, self.rounding)
                choices.append(np.clip(raw, tier.min_fen, tier.max_fen))
        conditions = [tier.covers(hours, goods) for tier in self.tiers]
        return np.select(conditions, choices, default=0).astype("int64")

    def _amount_text(self) -> str:
        return "按承诺发货时效分档：" + "；".join(tier.text() for tier in self.tiers)

    def as_mapping(self) -> dict[str, Any]:
        return {
            **self._head(),
            "tiers": tuple(t.as_mapping() for t in self.tiers),
            "base": self.base,
            **self._tail(),
        }


@dataclass(frozen=True, kw_only=True)
class ByCase(DamagesParams):
    """A clamped rate per case of the violation (e.g. fake shipment: no pickup within 24 h vs
    empty parcel); ``default_case`` where the case is not known.

    >>> ByCase(cases={"no_pickup_24h": Band(from_fen=0, rate_bp=500, min_fen=500, max_fen=10000),
    ...               "other": Band(from_fen=0, rate_bp=3000, min_fen=500, max_fen=50000)},
    ...        default_case="other", receiver="buyer").amounts(np.array([200000]), case="no_pickup_24h").tolist()
    [10000]
    """

    cases: Mapping[str, Band]
    default_case: str
    base: str = "item_paid"
    kind: str = field(init=False, default="by_case")

    def amounts(self, base_fen: np.ndarray, *, case: str | None = None, **_: object) -> np.ndarray:
        band = self.cases[case or self.default_case]
        raw = _rate(np.asarray(base_fen, dtype="int64"), band.rate_bp or 0, self.rounding)
        clipped: np.ndarray = np.clip(raw, band.min_fen, band.max_fen)
        return clipped

    def _amount_text(self) -> str:
        return "按情形：" + "；".join(
            f"{name} {(b.rate_bp or 0) / 100:g}% [{_yuan(b.min_fen or 0)}, {_yuan(b.max_fen or 0)}]"
            for name, b in self.cases.items()
        )

    def as_mapping(self) -> dict[str, Any]:
        return {
            **self._head(),
            "cases": {k: v.as_mapping() for k, v in self.cases.items()},
            "default_case": self.default_case,
            "base": self.base,
            **self._tail(),
        }


@dataclass(frozen=True, kw_only=True)
class CapParams(Params):
    """A combined cap on the damages of one buyer's orders paid on one day (同一买卖双方付款时间
    在同一自然日内的多笔交易合并计算); ``raised_max_fen`` where a group includes out of stock
    on a promise over 48 h (Taobao 第十五条二（一）).

    >>> CapParams(max_fen=10000, raised_max_fen=50000).describe()
    '同一买家同一付款日合计 ≤ 100 元（承诺>48h 且含缺货 ≤ 500 元）'
    """

    max_fen: int
    raised_max_fen: int | None = None

    def describe(self) -> str:
        text = f"同一买家同一付款日合计 ≤ {_yuan(self.max_fen)} 元"
        if self.raised_max_fen is not None:
            text += f"（承诺>48h 且含缺货 ≤ {_yuan(self.raised_max_fen)} 元）"
        return text

    def parameter(self, name: str) -> object | None:
        return self.max_fen / 100 if name == "max" else None

    def as_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"max": self.max_fen}
        if self.raised_max_fen is not None:
            out["raised_max"] = self.raised_max_fen
        return out


# ---------------------------------------------------------------------------------------------
# Timers, violations, freight


@dataclass(frozen=True, kw_only=True)
class TimerParams(Params):
    """Durations per goods type (``default`` for the rest), alignment, stop events, in-time test."""

    durations: Mapping[str, Duration]
    align: str = "exact"  # exact | next_midnight
    stop: tuple[str, ...] = ()
    in_time: str = "at_or_before"  # at_or_before | before

    def duration(self, goods: str = "default") -> Duration:
        """The duration for a goods type (the default one when it has none of its own)."""
        return self.durations.get(goods, self.durations["default"])

    def describe(self) -> str:
        return "；".join(
            f"{_GOODS_NAMES.get(k, k)} {'按承诺时间' if v.unit == 'promised' else v}"
            for k, v in self.durations.items()
        )

    def parameter(self, name: str) -> object | None:
        if name.split(".", 1)[0] != "duration":
            return None
        return str(self.duration(name.split(".", 1)[1] if "." in name else "default"))

    def as_mapping(self) -> dict[str, Any]:
        return {
            "durations": dict(self.durations),
            "align": self.align,
            "stop": self.stop,
            "in_time": self.in_time,
        }


#: Grades of a violation (情节), in the platforms' words; a 违规记录 entry names one, e.g.
#: 「虚假交易-严重」.
GRADES: Final = {
    "minor": "轻微",
    "general": "一般",
    "serious": "严重",
    "especially_serious": "特别严重",
}


@dataclass(frozen=True, kw_only=True)
class Grade:
    """Track and points of one grade (情节) of a graded violation."""

    track: str
    points: int


@dataclass(frozen=True, kw_only=True)
class WindowCap:
    """At most ``max_points`` points in any ``days`` consecutive days (e.g. Tmall's ≤ 6 per 30)."""

    days: int
    max_points: int


@dataclass(frozen=True, kw_only=True)
class ViolationParams(Params):
    """Points of one violation, its track (A/B/C) and when they are charged; or, for a graded
    violation, track and points per grade (情节) — a row without a grade gets none.

    >>> ViolationParams(track="", points=0, grades={"general": Grade(track="A", points=12),
    ...     "serious": Grade(track="B", points=48)}).describe()
    '情节一般 一般违规 12 分；情节严重 严重违规 48 分'
    """

    track: str
    points: int
    condition: str = "always"  # always | complaint_upheld_and_not_paid_before_ruling
    grades: Mapping[str, Grade] | None = None
    window_cap: WindowCap | None = None

    @property
    def conditional(self) -> bool:
        """Charged only when the complaint is upheld and not paid before the ruling."""
        return self.condition == CONDITIONAL

    def describe(self) -> str:
        extra = "（投诉成立且未在判定前赔付）" if self.condition != "always" else ""
        if self.window_cap is not None:
            extra += f"（{self.window_cap.days} 天内累计不超过 {self.window_cap.max_points} 分）"
        if self.grades is not None:
            return (
                "；".join(
                    f"情节{GRADES[g]} {TRACK_NAMES.get(v.track, v.track)} {v.points} 分"
                    for g, v in self.grades.items()
                )
                + extra
            )
        track = TRACK_NAMES.get(self.track, self.track)
        return f"{track} {self.points} 分{extra}"

    def parameter(self, name: str) -> object | None:
        if self.grades is not None and name.startswith("points."):
            grade = self.grades.get(name.split(".", 1)[1])
            return None if grade is None else grade.points
        return {"points": self.points, "track": self.track}.get(name)

    def as_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"condition": self.condition}
        if self.grades is not None:
            out["grades"] = {
                g: {"track": v.track, "points": v.points} for g, v in self.grades.items()
            }
        else:
            out = {"track": self.track, "points": self.points, **out}
        if self.window_cap is not None:
            out["window_cap"] = {
                "days": self.window_cap.days,
                "max_points": self.window_cap.max_points,
            }
        return out


@dataclass(frozen=True, kw_only=True)
class FreightParams(Params):
    """Per fault, the payer of the outbound and of the return leg (卖家 / 买家).

    >>> FreightParams(legs={"seller": ("卖家", "卖家")}).describe()
    '卖家责任 发货:卖家 退货:卖家'
    """

    legs: Mapping[str, tuple[str, str]]

    def describe(self) -> str:
        return "；".join(
            f"{_FAULT_NAMES.get(k, k)} 发货:{out} 退货:{back}"
            for k, (out, back) in self.legs.items()
        )

    def as_mapping(self) -> dict[str, Any]:
        return dict(self.legs)


# ---------------------------------------------------------------------------------------------
# Point nodes and campaign eligibility


@dataclass(frozen=True, kw_only=True)
class Node:
    """A point node: at ``points``, a measure for ``days`` (``None`` = permanent) and a fine."""

    points: int
    days: int | None
    consequence: str
    fine_fen: int = 0

    def as_mapping(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "days": self.days,
            "consequence": self.consequence,
            "fine": self.fine_fen,
        }


@dataclass(frozen=True, kw_only=True)
class NodeParams(Params):
    """Either fixed ``thresholds`` or a node at ``every`` multiple of some points.

    >>> NodeParams(every=Node(points=12, days=7, consequence="屏蔽 7 天")).describe()
    '每满 12 分 → 屏蔽 7 天'
    """

    thresholds: tuple[Node, ...] = ()
    every: Node | None = None

    def describe(self) -> str:
        if self.every is not None:
            return f"每满 {self.every.points} 分 → {self.every.consequence}"
        return "；".join(f"{t.points} 分 → {t.consequence}" for t in self.thresholds)

    def as_mapping(self) -> dict[str, Any]:
        if self.every is not None:
            return {"every": self.every.as_mapping()}
        return {"thresholds": tuple(t.as_mapping() for t in self.thresholds)}


@dataclass(frozen=True, kw_only=True)
class EveryA:
    """Campaign block: every multiple of ``points`` general (A) points blocks for ``days``."""

    points: int
    days: int


@dataclass(frozen=True, kw_only=True)
class CampaignParams(Params):
    """What blocks a shop from platform campaigns (each setting optional)."""

    every_a: EveryA | None = None
    fake_transaction_never: int | None = None
    counterfeit_year: int | None = None
    counterfeit_never: int | None = None
    checks_by_hand: tuple[str, ...] | None = None
    total_points_until_reset: int | None = None
    every_b_year: int | None = None
    fake_transaction_days: int | None = None

    def describe(self) -> str:
        parts = []
        if self.every_a is not None:
            parts.append(
                f"一般违规（虚假交易除外）每满 {self.every_a.points} 分 {self.every_a.days} 天内不得报名"
            )
        if self.every_b_year is not None:
            parts.append(f"严重违规每满 {self.every_b_year} 分本自然年度内不得报名")
        if self.fake_transaction_days is not None:
            parts.append(f"虚假交易扣分后 {self.fake_transaction_days} 天内不得报名")
        if self.fake_transaction_never is not None:
            parts.append(f"虚假交易扣分 ≥ {self.fake_transaction_never} 永久不得报名")
        if self.counterfeit_year is not None:
            parts.append(f"售假扣分 ≥ {self.counterfeit_year} 本年度不得报名")
        if self.counterfeit_never is not None:
            parts.append(f"售假扣分 ≥ {self.counterfeit_never} 永久不得报名")
        if self.total_points_until_reset is not None:
            parts.append(f"本年度扣分 ≥ {self.total_points_until_reset} 年底清零前不得报名")
        if self.checks_by_hand:
            parts.append("人工核对: " + "、".join(self.checks_by_hand))
        return "；".join(parts)

    def as_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.every_a is not None:
            out["every_A"] = {"points": self.every_a.points, "days": self.every_a.days}
        for key, attr in CAMPAIGN_KEYS.items():
            if getattr(self, attr) is not None:
                out[key] = getattr(self, attr)
        return out


#: The campaign block's rule-file keys besides ``every_A`` → :class:`CampaignParams` field (the
#: loader accepts these, :meth:`CampaignParams.as_mapping` gives them back in this order).
CAMPAIGN_KEYS: Final = {
    "fake_transaction_never": "fake_transaction_never",
    "counterfeit_year": "counterfeit_year",
    "counterfeit_never": "counterfeit_never",
    "checks_by_hand": "checks_by_hand",
    "total_points_until_reset": "total_points_until_reset",
    "every_B_year": "every_b_year",
    "fake_transaction_days": "fake_transaction_days",
}


@dataclass(frozen=True, kw_only=True)
class YearEnd:
    """What one track keeps at the year-end reset (a track without one is cleared).

    ``sealed_at``: a total at or above it is never cleared (the account is sealed).
    ``carry_from`` / ``carry_as``: a year whose own new points reach ``carry_from`` opens the
    next year at ``carry_as`` (once: a carried amount is not carried again).

    >>> YearEnd(sealed_at=48, carry_from=24, carry_as=24).describe()
    '达 48 分不清零；本年新增达 24 分以 24 分计入次年'
    """

    sealed_at: int | None = None
    carry_from: int | None = None
    carry_as: int | None = None

    def describe(self) -> str:
        parts = []
        if self.sealed_at is not None:
            parts.append(f"达 {self.sealed_at} 分不清零")
        if self.carry_from is not None:
            parts.append(f"本年新增达 {self.carry_from} 分以 {self.carry_as} 分计入次年")
        return "；".join(parts) or "清零"
