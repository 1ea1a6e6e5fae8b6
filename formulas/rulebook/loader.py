"""The strict YAML loader: rule files in, a validated :class:`Rulebook` of typed parameters out.

It rejects unknown keys, duplicate keys, malformed or non-increasing dates, versions that end
before they start or overlap the next, and versions without a source (a URL, a platform rule id or
the seed file), a ``checked`` date or a confidence, naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import pandas as pd
import yaml

from ..fields import GOODS_TYPES, PLATFORMS
from ..money import rate_to_bp, yuan_to_fen_exact
from .errors import RuleFileError
from .model import Campaign, NodeTrack, Rule, Rulebook, RuleMeta, Version
from .params import (
    CAMPAIGN_KEYS,
    GRADES,
    ROUNDINGS,
    Band,
    Bands,
    ByCase,
    CampaignParams,
    CapParams,
    DamagesParams,
    Duration,
    EveryA,
    Flat,
    FreightParams,
    Grade,
    Node,
    NodeParams,
    Params,
    PromiseTiered,
    RateClamped,
    Tier,
    TimerParams,
    ViolationParams,
    WindowCap,
    YearEnd,
)

CONFIDENCES: Final = ("high", "medium", "low", "seed")
RULE_FILES: Final = ("damages", "timers", "violations", "nodes", "freight")
TRACKS: Final = ("A", "B", "C")
#: The order times a damages rule can be governed by (``governed_by``): ``ship_by`` (the ship-by
#: deadline whose passing is the violation), ``paid_at``, or ``event_time`` for entries of the
#: violation log (违规记录) dated by their own date.
GOVERNED_BY: Final = ("ship_by", "paid_at", "event_time")
#: Damages bases: the item's paid amount (postage excluded), or the order's paid total after
#: coupons (Douyin 「订单实际支付金额」); order rows carry one amount, read as either.
BASES: Final = ("item_paid", "order_paid")
#: A version's ``source`` must name where it can be read again: a URL or domain, a platform rule
#: id (淘宝/天猫 ruleId, 抖店 article id or rule number) or the seed file.
_SOURCE: Final = re.compile(
    r"https?://|\b[a-z0-9-]+\.(?:com|cn|net|org|hk)\b|ruleId\s*\d+|\bseed\b|"
    r"\b[a-zA-Z][A-Za-z0-9]{11}\b|\b\d{6,}\b"
)
#: Keys every version may carry besides its parameters.
_VERSION_KEYS: Final = ("since", "until", "source", "confidence", "note", "checked", "read_at")

# ---------------------------------------------------------------------------------------------
# Strict YAML loading


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise RuleFileError(
                f"重复的键 / duplicate key {key!r} (line {key_node.start_mark.line + 1})"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Walks one file's data, recording the key path for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> RuleFileError:
        return RuleFileError(f"{self.file}: {path}: {problem}", file=self.file, key=path)

    def mapping(
        self,
        value: object,
        path: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "应为映射 / expected a mapping")
        required, optional = set(required), set(optional)
        if not required and not optional:
            return value  # a table keyed by ids; its entries are checked one by one
        unknown = set(value) - required - optional
        if unknown:
            raise self.fail(
                path, f"未知的键 / unknown key(s): {', '.join(sorted(map(str, unknown)))}"
            )
        missing = required - set(value)
        if missing:
            raise self.fail(path, f"缺少键 / missing key(s): {', '.join(sorted(missing))}")
        return value

    def date(self, value: object, path: str) -> pd.Timestamp:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(path, f"应为日期 YYYY-MM-DD / expected a date, got {value!r}")
        return pd.Timestamp(value)

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "应为非空文本 / expected non-empty text")
        return value.strip()

    def choice(self, value: object, path: str, options: Iterable[str]) -> str:
        options = tuple(options)
        if value not in options:
            raise self.fail(path, f"应为 {' / '.join(options)} 之一，而不是 {value!r}")
        return str(value)

    def yuan(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"应为金额（元）/ expected an amount in yuan, got {value!r}")
        if value < 0:
            raise self.fail(path, "金额不能为负 / negative amount")
        return yuan_to_fen_exact(value)

    def rate(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(path, f"比例无法识别 / not a rate: {value!r}")
        try:
            bp = rate_to_bp(value)
        except ValueError as error:
            raise self.fail(path, str(error)) from error
        if not 0 <= bp <= 10_000:
            raise self.fail(path, "比例应在 0%–100% 之间")
        return bp

    def provenance(self, entry: dict[str, Any], path: str) -> tuple[str, str, str | None]:
        source = self.text(entry.get("source"), f"{path}.source")
        if not _SOURCE.search(source):
            raise self.fail(
                f"{path}.source",
                "来源应为网址、平台规则编号或种子文件名 / source must be a URL, a platform rule id "
                f"or the seed file, got {source!r}",
            )
        confidence = self.choice(entry.get("confidence"), f"{path}.confidence", CONFIDENCES)
        note = entry.get("note")
        if note is not None:
            note = self.text(note, f"{path}.note")
        if "read_at" in entry:
            self.text(entry["read_at"], f"{path}.read_at")
        return source, confidence, note

    def versions(
        self,
        value: object,
        path: str,
        rule_id: str,
        parse: Callable[[dict[str, Any], str], Params],
    ) -> tuple[Version, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, "应为非空的版本列表 / expected a non-empty list of versions")
        out: list[Version] = []
        for i, entry in enumerate(value):
            where = f"{path}[{i}]"
            if not isinstance(entry, dict):
                raise self.fail(where, "应为映射 / expected a mapping")
            since = self.date(entry.get("since"), f"{where}.since")
            if out and since <= out[-1].since:
                raise self.fail(
                    f"{where}.since",
                    f"日期未递增 / dates not increasing: {since:%Y-%m-%d} after {out[-1].since:%Y-%m-%d}",
                )
            if out and out[-1].until is not None and since < out[-1].until:
                raise self.fail(
                    f"{where}.since",
                    f"与上一版本重叠 / overlaps the previous version (until {out[-1].until:%Y-%m-%d})",
                )
            until = None
            if entry.get("until") is not None:
                until = self.date(entry["until"], f"{where}.until")
                if until <= since:
                    raise self.fail(
                        f"{where}.until", "until 应晚于 since / until must be after since"
                    )
            if "checked" not in entry:
                raise self.fail(where, "缺少键 / missing key(s): checked")
            checked = self.date(entry["checked"], f"{where}.checked")
            source, confidence, note = self.provenance(entry, where)
            params = parse({k: v for k, v in entry.items() if k not in _VERSION_KEYS}, where)
            out.append(
                Version(
                    rule_id, since, params, source, confidence, note, until=until, checked=checked
                )
            )
        return tuple(out)

    def rule_id(self, key: object, path: str, *, allow_all: bool = False) -> str:
        if not isinstance(key, str) or "." not in key:
            raise self.fail(
                path, f"规则名应为 平台.名称 / rule id must be platform.name, got {key!r}"
            )
        platform = key.split(".", 1)[0]
        allowed = (*PLATFORMS, "all") if allow_all else PLATFORMS
        if platform not in allowed:
            raise self.fail(path, f"未知平台 / unknown platform {platform!r}")
        return key


def _parse_damages(
    check: _Checker, data: dict[str, Any]
) -> tuple[dict[str, Rule], dict[str, Rule]]:
    rules: dict[str, Rule] = {}
    caps = _parse_caps(check, data.get("cap_groups", {}))
    for key, body in data.items():
        if key == "cap_groups":
            continue
        rule_id = check.rule_id(key, str(key))
        body = check.mapping(
            body, rule_id, required=("name", "violation", "governed_by", "versions")
        )
        governed_by = check.choice(body["governed_by"], f"{rule_id}.governed_by", GOVERNED_BY)

        def parse(entry: dict[str, Any], where: str) -> DamagesParams:
            return _parse_damages_version(check, entry, where, caps)

        versions = check.versions(body["versions"], f"{rule_id}.versions", rule_id, parse)
        meta = RuleMeta(
            violation=check.text(body["violation"], f"{rule_id}.violation"),
            governed_by=governed_by,
        )
        rules[rule_id] = Rule(
            rule_id, "damages", check.text(body["name"], f"{rule_id}.name"), meta, versions
        )
    return rules, caps


_KIND_KEYS: Final = {
    "rate_clamped": ("rate", "min", "max", "base"),
    "flat": ("amount",),
    "bands": ("bands",),
    "promise_tiered": ("tiers", "base"),
    "by_case": ("cases", "default_case", "base"),
}


def _parse_damages_version(
    check: _Checker, entry: dict[str, Any], where: str, caps: dict[str, Rule]
) -> DamagesParams:
    kind = check.choice(entry.get("kind"), f"{where}.kind", tuple(_KIND_KEYS))
    common = (
        "kind",
        "receiver",
        "rounding",
        "stacks_on",
        "stack_max",
        "requires_complaint",
        "excluded_goods",
        "cap_group",
    )
    check.mapping(entry, where, required=("kind", "receiver", *_KIND_KEYS[kind]), optional=common)
    requires = entry.get("requires_complaint", False)
    if not isinstance(requires, bool):
        raise check.fail(f"{where}.requires_complaint", "应为 true/false")
    if "cap_group" in entry and entry["cap_group"] not in caps:
        raise check.fail(f"{where}.cap_group", f"未知的合并封顶组 {entry['cap_group']!r}")
    shared: dict[str, Any] = {
        "receiver": check.choice(entry["receiver"], f"{where}.receiver", ("buyer", "platform")),
        "rounding": check.choice(
            entry.get("rounding", "fen_half_up"), f"{where}.rounding", ROUNDINGS
        ),
        "stacks_on": check.text(entry["stacks_on"], f"{where}.stacks_on")
        if "stacks_on" in entry
        else None,
        "stack_max_fen": check.yuan(entry["stack_max"], f"{where}.stack_max")
        if "stack_max" in entry
        else None,
        "requires_complaint": requires,
        "excluded_goods": _goods_list(check, entry.get("excluded_goods", []), where),
    }
    if kind == "rate_clamped":
        band = _clamped(check, entry, where)
        return RateClamped(
            rate_bp=band.rate_bp or 0,
            min_fen=band.min_fen or 0,
            max_fen=band.max_fen or 0,
            base=check.choice(entry["base"], f"{where}.base", BASES),
            **shared,
        )
    if kind == "flat":
        return Flat(amount_fen=check.yuan(entry["amount"], f"{where}.amount"), **shared)
    if kind == "bands":
        return Bands(bands=_parse_bands(check, entry["bands"], f"{where}.bands"), **shared)
    if kind == "by_case":
        cases = check.mapping(entry["cases"], f"{where}.cases")
        parsed = {
            str(name): _clamped(
                check,
                check.mapping(spec, f"{where}.cases.{name}", required=("rate", "min", "max")),
                f"{where}.cases.{name}",
            )
            for name, spec in cases.items()
        }
        default = check.choice(entry["default_case"], f"{where}.default_case", tuple(parsed))
        return ByCase(
            cases=parsed,
            default_case=default,
            base=check.choice(entry["base"], f"{where}.base", BASES),
            **shared,
        )
    return PromiseTiered(
        tiers=_parse_tiers(check, entry["tiers"], f"{where}.tiers"),
        base=check.choice(entry["base"], f"{where}.base", BASES),
        **shared,
    )


def _goods_list(check: _Checker, value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise check.fail(where, "商品类型应为列表 / goods must be a list")
    return tuple(check.choice(g, where, GOODS_TYPES) for g in value)


def _clamped(check: _Checker, entry: dict[str, Any], where: str) -> Band:
    low = check.yuan(entry["min"], f"{where}.min")
    high = check.yuan(entry["max"], f"{where}.max")
    if low > high:
        raise check.fail(f"{where}.min", "下限大于上限 / min above max")
    return Band(
        from_fen=0, rate_bp=check.rate(entry["rate"], f"{where}.rate"), min_fen=low, max_fen=high
    )


def _hours(check: _Checker, value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise check.fail(where, "应为非负小时数 / expected hours")
    return float(value)


def _parse_tiers(check: _Checker, value: object, path: str) -> tuple[Tier, ...]:
    if not isinstance(value, list) or not value:
        raise check.fail(path, "应为非空列表 / expected a non-empty list")
    tiers: list[Tier] = []
    for i, spec in enumerate(value):
        where = f"{path}[{i}]"
        spec = check.mapping(
            spec,
            where,
            optional=("promise_over_h", "promise_max_h", "goods", "amount", "rate", "min", "max"),
        )
        over = (
            _hours(check, spec["promise_over_h"], f"{where}.promise_over_h")
            if "promise_over_h" in spec
            else None
        )
        top = (
            _hours(check, spec["promise_max_h"], f"{where}.promise_max_h")
            if "promise_max_h" in spec
            else None
        )
        goods = _goods_list(check, spec.get("goods", []), f"{where}.goods")
        if "amount" in spec:
            if {"rate", "min", "max"} & set(spec):
                raise check.fail(where, "amount 与 rate/min/max 不能同时出现")
            tier = Tier(
                promise_over_h=over,
                promise_max_h=top,
                goods=goods,
                amount_fen=check.yuan(spec["amount"], f"{where}.amount"),
            )
        else:
            check.mapping(
                spec,
                where,
                required=("rate", "min", "max"),
                optional=("promise_over_h", "promise_max_h", "goods"),
            )
            band = _clamped(check, spec, where)
            tier = Tier(
                promise_over_h=over,
                promise_max_h=top,
                goods=goods,
                rate_bp=band.rate_bp,
                min_fen=band.min_fen or 0,
                max_fen=band.max_fen or 0,
            )
        tiers.append(tier)
    last = tiers[-1]
    if last.promise_over_h is None and last.promise_max_h is None and not last.goods:
        return tuple(tiers)
    raise check.fail(
        f"{path}[{len(tiers) - 1}]",
        "最后一档应覆盖其余全部订单 / the last tier must cover every row",
    )


def _parse_caps(check: _Checker, value: object) -> dict[str, Rule]:
    """``cap_groups``: dated combined caps (同一买家同一付款日), one id per platform."""
    caps: dict[str, Rule] = {}
    for key, body in check.mapping(value, "cap_groups").items():
        rule_id = check.rule_id(key, f"cap_groups.{key}")
        body = check.mapping(body, f"cap_groups.{rule_id}", required=("name", "versions"))

        def parse(entry: dict[str, Any], where: str) -> CapParams:
            check.mapping(entry, where, required=("max",), optional=("raised_max",))
            return CapParams(
                max_fen=check.yuan(entry["max"], f"{where}.max"),
                raised_max_fen=check.yuan(entry["raised_max"], f"{where}.raised_max")
                if "raised_max" in entry
                else None,
            )

        versions = check.versions(
            body["versions"], f"cap_groups.{rule_id}.versions", rule_id, parse
        )
        caps[rule_id] = Rule(
            rule_id,
            "cap_groups",
            check.text(body["name"], f"cap_groups.{rule_id}.name"),
            RuleMeta(governed_by="paid_at"),
            versions,
        )
    return caps


def _parse_bands(check: _Checker, value: object, path: str) -> tuple[Band, ...]:
    if not isinstance(value, list) or not value:
        raise check.fail(path, "应为非空列表 / expected a non-empty list")
    bands: list[Band] = []
    for i, band in enumerate(value):
        where = f"{path}[{i}]"
        band = check.mapping(
            band, where, required=("from",), optional=("amount", "rate", "min", "max")
        )
        start = check.yuan(band["from"], f"{where}.from")
        if "amount" in band:
            if {"rate", "min", "max"} & set(band):
                raise check.fail(where, "amount 与 rate/min/max 不能同时出现")
            parsed = Band(from_fen=start, amount_fen=check.yuan(band["amount"], f"{where}.amount"))
        else:
            check.mapping(band, where, required=("from", "rate", "min", "max"))
            parsed = Band(
                from_fen=start,
                rate_bp=check.rate(band["rate"], f"{where}.rate"),
                min_fen=check.yuan(band["min"], f"{where}.min"),
                max_fen=check.yuan(band["max"], f"{where}.max"),
            )
        if bands and parsed.from_fen <= bands[-1].from_fen:
            raise check.fail(f"{where}.from", "区间下限未递增 / band bounds not increasing")
        bands.append(parsed)
    if bands[0].from_fen != 0:
        raise check.fail(
            f"{path}[0].from", "第一个区间应从 0 开始 / the first band must start at 0"
        )
    return tuple(bands)


#: Events a timer can count from (``start``) and that can meet it (``stop``).
TIMER_STARTS: Final = (
    "paid_at",
    "signed_at",
    "ship_by",
    "refund_requested_at",
    "return_shipped_at",
    "return_signed_at",
    "seller_agreed_at",
    "seller_confirmed_return_at",
    "refund_succeeded_at",
)
#: After-sale stages by the event that starts them: timers of one stage combine by the earliest
#: deadline, and the latest stage an order has reached is the one shown (售后截止 / 售后状态).
AFTERSALE_STAGES: Final = (
    ("refund_requested_at",),
    ("seller_agreed_at",),
    ("return_shipped_at", "return_signed_at"),
    ("seller_confirmed_return_at",),
    ("refund_succeeded_at",),
)
TIMER_STOPS: Final = (
    "seller_agreed_at",
    "shipped_at",
    "picked_up_at",
    "refund_requested_at",
    "seller_responded_at",
    "return_shipped_at",
    "seller_confirmed_return_at",
    "insurance_paid_at",
    "refund_proof_at",
)


def _parse_timers(check: _Checker, data: dict[str, Any]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for key, body in data.items():
        rule_id = check.rule_id(key, str(key), allow_all=True)
        body = check.mapping(
            body,
            rule_id,
            required=("name", "start", "versions"),
            optional=("override", "outcome", "applies"),
        )
        meta = RuleMeta(
            start=check.choice(body["start"], f"{rule_id}.start", TIMER_STARTS),
            override=check.choice(body["override"], f"{rule_id}.override", ("promised_ship_by",))
            if "override" in body
            else None,
            outcome=check.text(body["outcome"], f"{rule_id}.outcome")
            if "outcome" in body
            else None,
            applies=check.choice(body["applies"], f"{rule_id}.applies", ("not_shipped",))
            if "applies" in body
            else None,
        )

        def parse(entry: dict[str, Any], where: str) -> TimerParams:
            check.mapping(entry, where, required=("durations", "align", "stop", "in_time"))
            raw = check.mapping(
                entry["durations"],
                f"{where}.durations",
                required=("default",),
                optional=GOODS_TYPES,
            )
            durations: dict[str, Duration] = {}
            for goods, text in raw.items():
                try:
                    durations[goods] = Duration.parse(text)
                except ValueError as error:
                    raise check.fail(f"{where}.durations.{goods}", str(error)) from error
            stops = entry["stop"]
            if not isinstance(stops, list) or not stops:
                raise check.fail(f"{where}.stop", "应为事件列表 / expected a list of events")
            return TimerParams(
                durations=durations,
                align=check.choice(entry["align"], f"{where}.align", ("exact", "next_midnight")),
                stop=tuple(check.choice(s, f"{where}.stop", TIMER_STOPS) for s in stops),
                in_time=check.choice(
                    entry["in_time"], f"{where}.in_time", ("at_or_before", "before")
                ),
            )

        versions = check.versions(body["versions"], f"{rule_id}.versions", rule_id, parse)
        rules[rule_id] = Rule(
            rule_id, "timers", check.text(body["name"], f"{rule_id}.name"), meta, versions
        )
    return rules


def _parse_violations(
    check: _Checker, data: dict[str, Any]
) -> tuple[dict[str, Rule], dict[str, str], dict[str, str]]:
    check.mapping(data, "(top)", required=("codes", "rules"))
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for code, body in check.mapping(data["codes"], "codes").items():
        body = check.mapping(body, f"codes.{code}", required=("name", "aliases"))
        names[code] = check.text(body["name"], f"codes.{code}.name")
        for alias in (code, names[code], *body["aliases"]):
            normal = str(alias).strip().lower().replace(" ", "")
            if aliases.get(normal, code) != code:
                raise check.fail(
                    f"codes.{code}.aliases", f"别名 {alias!r} 已属于 {aliases[normal]}"
                )
            aliases[normal] = code
    rules: dict[str, Rule] = {}
    for key, body in check.mapping(data["rules"], "rules").items():
        rule_id = check.rule_id(key, f"rules.{key}")
        code = rule_id.split(".", 1)[1]
        if code not in names:
            raise check.fail(f"rules.{key}", f"违规代码 {code!r} 不在 codes 中")
        body = check.mapping(body, f"rules.{rule_id}", required=("versions",))

        def parse(entry: dict[str, Any], where: str) -> ViolationParams:
            condition = check.choice(
                entry.get("condition"),
                f"{where}.condition",
                ("always", "complaint_upheld_and_not_paid_before_ruling"),
            )
            cap = None
            if "window_cap" in entry:
                spec = check.mapping(
                    entry["window_cap"], f"{where}.window_cap", required=("days", "max_points")
                )
                cap = WindowCap(
                    days=_count(check, spec["days"], f"{where}.window_cap.days"),
                    max_points=_count(check, spec["max_points"], f"{where}.window_cap.max_points"),
                )
            if "grades" in entry:
                check.mapping(
                    entry, where, required=("grades", "condition"), optional=("window_cap",)
                )
                grades: dict[str, Grade] = {}
                for grade, value in check.mapping(
                    entry["grades"], f"{where}.grades", optional=GRADES
                ).items():
                    at = f"{where}.grades.{grade}"
                    value = check.mapping(value, at, required=("track", "points"))
                    grades[grade] = Grade(
                        track=check.choice(value["track"], f"{at}.track", TRACKS),
                        points=_points(check, value["points"], f"{at}.points"),
                    )
                if not grades:
                    raise check.fail(f"{where}.grades", "至少一个情节 / at least one grade")
                return ViolationParams(
                    track="", points=0, condition=condition, grades=grades, window_cap=cap
                )
            check.mapping(
                entry, where, required=("track", "points", "condition"), optional=("window_cap",)
            )
            return ViolationParams(
                track=check.choice(entry["track"], f"{where}.track", TRACKS),
                points=_points(check, entry["points"], f"{where}.points"),
                condition=condition,
                window_cap=cap,
            )

        versions = check.versions(body["versions"], f"rules.{rule_id}.versions", rule_id, parse)
        rules[rule_id] = Rule(
            rule_id, "violations", names[code], RuleMeta(violation=code), versions
        )
    return rules, names, aliases


def _parse_nodes(
    check: _Checker, data: dict[str, Any]
) -> tuple[
    dict[tuple[str, str], NodeTrack],
    dict[str, Campaign],
    dict[str, str],
    dict[str, dict[str, YearEnd]],
]:
    tracks: dict[tuple[str, str], NodeTrack] = {}
    campaigns: dict[str, Campaign] = {}
    resets: dict[str, str] = {}
    year_end: dict[str, dict[str, YearEnd]] = {}
    for platform, body in data.items():
        if platform not in PLATFORMS:
            raise check.fail(str(platform), f"未知平台 / unknown platform {platform!r}")
        body = check.mapping(
            body,
            platform,
            required=("reset", "reset_source", "tracks"),
            optional=("campaign", "year_end"),
        )
        if body["reset"] != "12-31 24:00":
            raise check.fail(f"{platform}.reset", "只支持自然年清零 12-31 24:00")
        check.text(body["reset_source"], f"{platform}.reset_source")
        resets[platform] = body["reset"]
        if "year_end" in body:
            year_end[platform] = _parse_year_end(check, body["year_end"], f"{platform}.year_end")
        for track, track_body in check.mapping(
            body["tracks"], f"{platform}.tracks", optional=TRACKS
        ).items():
            where = f"{platform}.tracks.{track}"
            track_body = check.mapping(track_body, where, required=("name", "versions"))
            rule_id = f"{platform}.nodes_{track}"

            def parse(entry: dict[str, Any], at: str) -> NodeParams:
                if "thresholds" in entry:
                    check.mapping(entry, at, required=("thresholds",))
                    nodes = []
                    for i, node in enumerate(entry["thresholds"]):
                        node = check.mapping(
                            node,
                            f"{at}.thresholds[{i}]",
                            required=("points", "days", "consequence"),
                            optional=("fine",),
                        )
                        nodes.append(_parse_node(check, node, f"{at}.thresholds[{i}]"))
                    if [n.points for n in nodes] != sorted({n.points for n in nodes}):
                        raise check.fail(
                            f"{at}.thresholds", "节点分值未递增 / thresholds not increasing"
                        )
                    return NodeParams(thresholds=tuple(nodes))
                check.mapping(
                    entry, at, required=("every", "days", "consequence"), optional=("fine",)
                )
                return NodeParams(every=_parse_node(check, {**entry, "points": entry["every"]}, at))

            versions = check.versions(track_body["versions"], f"{where}.versions", rule_id, parse)
            tracks[(platform, track)] = NodeTrack(
                platform, track, check.text(track_body["name"], f"{where}.name"), versions
            )
        if "campaign" in body:

            def parse_campaign(entry: dict[str, Any], at: str) -> CampaignParams:
                check.mapping(entry, at, optional=("every_A", *CAMPAIGN_KEYS))
                return _parse_campaign(check, entry, at)

            campaigns[platform] = Campaign(
                platform,
                check.versions(
                    body["campaign"], f"{platform}.campaign", f"{platform}.campaign", parse_campaign
                ),
            )
    return tracks, campaigns, resets, year_end


def _points(check: _Checker, points: object, where: str) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise check.fail(where, "扣分应为非负整数 / points must be a non-negative integer")
    return points


def _parse_year_end(check: _Checker, value: object, where: str) -> dict[str, YearEnd]:
    out: dict[str, YearEnd] = {}
    for track, spec in check.mapping(value, where, optional=TRACKS).items():
        at = f"{where}.{track}"
        spec = check.mapping(spec, at, optional=("sealed_at", "carry_from", "carry_as"))
        if ("carry_from" in spec) != ("carry_as" in spec):
            raise check.fail(at, "carry_from 与 carry_as 须同时出现")

        def count(key: str, spec: dict[str, Any] = spec, at: str = at) -> int | None:
            return _count(check, spec[key], f"{at}.{key}") if key in spec else None

        out[track] = YearEnd(
            sealed_at=count("sealed_at"), carry_from=count("carry_from"), carry_as=count("carry_as")
        )
    return out


def _parse_node(check: _Checker, node: dict[str, Any], where: str) -> Node:
    points = node["points"]
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise check.fail(f"{where}.points", "节点分值应为正整数")
    days = node["days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days <= 0):
        raise check.fail(f"{where}.days", "天数应为正整数或 null（永久）")
    return Node(
        points=points,
        days=days,
        consequence=check.text(node["consequence"], f"{where}.consequence"),
        fine_fen=check.yuan(node["fine"], f"{where}.fine") if "fine" in node else 0,
    )


def _count(check: _Checker, value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise check.fail(where, "应为正整数 / expected a positive integer")
    return value


def _parse_campaign(check: _Checker, entry: dict[str, Any], at: str) -> CampaignParams:
    every = None
    if "every_A" in entry:
        spec = check.mapping(entry["every_A"], f"{at}.every_A", required=("points", "days"))
        every = EveryA(
            points=_count(check, spec["points"], f"{at}.every_A.points"),
            days=_count(check, spec["days"], f"{at}.every_A.days"),
        )
    checks = entry.get("checks_by_hand")
    if checks is not None and (
        not isinstance(checks, list) or not all(isinstance(c, str) and c for c in checks)
    ):
        raise check.fail(f"{at}.checks_by_hand", "应为文本列表 / expected a list of texts")

    def count(key: str) -> int | None:
        return _count(check, entry[key], f"{at}.{key}") if key in entry else None

    return CampaignParams(
        every_a=every,
        fake_transaction_never=count("fake_transaction_never"),
        counterfeit_year=count("counterfeit_year"),
        counterfeit_never=count("counterfeit_never"),
        checks_by_hand=None if checks is None else tuple(checks),
        total_points_until_reset=count("total_points_until_reset"),
        every_b_year=count("every_B_year"),
        fake_transaction_days=count("fake_transaction_days"),
    )


_PAYERS: Final = ("卖家", "买家")
FREIGHT_FAULTS: Final = (
    "seller",
    "buyer",
    "buyer_free",
    "unclear",
    "buyer_wrong_address",
    "buyer_refused_free",
    "buyer_partial_free_bundle",
)


def _parse_freight(
    check: _Checker, data: dict[str, Any]
) -> tuple[dict[str, Rule], dict[str, tuple[str, ...]]]:
    check.mapping(data, "(top)", required=("keywords", "rules"))
    keyword_groups = (
        "buyer_wrong_address",
        "buyer_refused_free",
        "buyer_partial_free_bundle",
        "seller",
        "buyer",
    )
    keywords: dict[str, tuple[str, ...]] = {}
    for group, words in check.mapping(
        data["keywords"], "keywords", optional=keyword_groups
    ).items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise check.fail(f"keywords.{group}", "应为关键词列表 / expected a list of words")
        keywords[group] = tuple(words)
    rules: dict[str, Rule] = {}
    for key, body in check.mapping(data["rules"], "rules").items():
        rule_id = check.rule_id(key, f"rules.{key}", allow_all=True)
        body = check.mapping(body, f"rules.{rule_id}", required=("versions",))

        def parse(entry: dict[str, Any], where: str) -> FreightParams:
            check.mapping(entry, where, optional=FREIGHT_FAULTS)
            out: dict[str, tuple[str, str]] = {}
            for fault, legs in entry.items():
                legs = check.mapping(legs, f"{where}.{fault}", required=("outbound", "return"))
                out[fault] = (
                    check.choice(legs["outbound"], f"{where}.{fault}.outbound", _PAYERS),
                    check.choice(legs["return"], f"{where}.{fault}.return", _PAYERS),
                )
            return FreightParams(legs=out)

        versions = check.versions(body["versions"], f"rules.{rule_id}.versions", rule_id, parse)
        rules[rule_id] = Rule(rule_id, "freight", "退货运费承担", RuleMeta(), versions)
    return rules, keywords


def _read_yaml(path: Path | resources.abc.Traversable, name: str) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except RuleFileError as error:
        raise RuleFileError(f"{name}: {error}", file=name) from None
    except (yaml.YAMLError, ValueError) as error:
        raise RuleFileError(f"{name}: YAML 无法解析 / cannot parse: {error}", file=name) from error
    if not isinstance(data, dict):
        raise RuleFileError(f"{name}: 顶层应为映射 / top level must be a mapping", file=name)
    return data, raw


def load_rulebook_from(folder: Path | resources.abc.Traversable) -> Rulebook:
    """Load and validate the rule files in ``folder`` (see :data:`RULE_FILES`)."""
    data: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name in RULE_FILES:
        file = folder / f"{name}.yaml"
        if not file.is_file():
            raise RuleFileError(
                f"{name}.yaml: 缺少规则文件 / rule file missing", file=f"{name}.yaml"
            )
        data[name], raw = _read_yaml(file, f"{name}.yaml")
        digest.update(raw)
    damages, caps = _parse_damages(_Checker("damages.yaml"), data["damages"])
    timers = _parse_timers(_Checker("timers.yaml"), data["timers"])
    violations, names, aliases = _parse_violations(_Checker("violations.yaml"), data["violations"])
    tracks, campaigns, resets, year_end = _parse_nodes(_Checker("nodes.yaml"), data["nodes"])
    freight, keywords = _parse_freight(_Checker("freight.yaml"), data["freight"])
    check = _Checker("damages.yaml")
    for rule in damages.values():
        if rule.meta.violation not in names:
            raise check.fail(f"{rule.rule_id}.violation", f"未知违规代码 {rule.meta.violation!r}")
    return Rulebook(
        damages=damages,
        timers=timers,
        violations=violations,
        freight=freight,
        violation_names=names,
        violation_aliases=aliases,
        node_tracks=tracks,
        campaigns=campaigns,
        resets=resets,
        freight_keywords=keywords,
        digest=digest.hexdigest()[:12],
        cap_groups=caps,
        year_end=year_end,
    )


@cache
def load_rulebook() -> Rulebook:
    """The packaged rulebook (loaded once per process)."""
    return load_rulebook_from(resources.files("shoprules.formulas") / "rules")
