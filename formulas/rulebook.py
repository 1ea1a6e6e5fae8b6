"""The rulebook: dated, sourced rule data, loaded strictly from the packaged ``rules/*.yaml``.

Every value has ``since`` (effective date), ``source`` and ``confidence``. The loader rejects
unknown keys, duplicate keys, malformed or non-increasing dates and values without a source or
confidence, naming the file and key. The version applied to a row is chosen by that row's
governing time with :meth:`Rule.select` (a vectorised ``searchsorted``).

>>> book = load_rulebook()
>>> rule = book.damages["taobao.late_shipment"]
>>> [v.label for v in rule.versions]
['taobao.late_shipment@2016-07-21', 'taobao.late_shipment@2022-07-18']
>>> rule.select(np.array(["2017-05-01", "2023-01-01", "2010-01-01"], dtype="datetime64[ns]")).tolist()
[0, 1, -1]
>>> book.violation_code("延迟发货"), book.violation_code("fake_shipment"), book.violation_code("?")
('late_shipment', 'fake_shipment', None)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import yaml

from .fields import GOODS_TYPES, PLATFORMS
from .money import rate_to_bp, yuan_to_fen_exact

CONFIDENCES: Final = ("high", "medium", "low", "seed")
RULE_FILES: Final = ("damages", "timers", "violations", "nodes", "freight")
TRACKS: Final = ("A", "B", "C")
TRACK_NAMES: Final = {"A": "一般违规", "B": "严重违规", "C": "售假违规"}
_DURATION: Final = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>h|d|wd)$")


class RuleFileError(ValueError):
    """A rule file breaks the schema; the message names the file and the key."""


class OverrideError(ValueError):
    """A parameter override (a row of the workbook's ``规则`` sheet) cannot be applied."""


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


@dataclass(frozen=True)
class Version:
    """One dated version of a rule: its parameters and where they come from."""

    rule_id: str
    since: pd.Timestamp
    params: Mapping[str, Any]
    source: str
    confidence: str
    note: str | None = None
    overridden: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``taobao.late_shipment@2022-07-18`` (``*`` marks overridden parameters)."""
        mark = "*" if self.overridden else ""
        return f"{self.rule_id}@{self.since:%Y-%m-%d}{mark}"


@dataclass(frozen=True)
class Rule:
    """A rule with its versions in date order; ``meta`` holds the rule-level settings."""

    rule_id: str
    kind: str
    name: str
    meta: Mapping[str, Any]
    versions: tuple[Version, ...]

    @property
    def since(self) -> np.ndarray:
        return np.array([v.since.to_datetime64() for v in self.versions], dtype="datetime64[ns]")

    def select(self, times: np.ndarray) -> np.ndarray:
        """Index of the version in force at each time; -1 before the first version or for NaT."""
        times = np.asarray(times, dtype="datetime64[ns]")
        index = np.searchsorted(self.since, times, side="right") - 1
        index[np.isnat(times)] = -1
        return index

    def at(self, time: object) -> Version | None:
        """The version in force at one time, ``None`` when none is."""
        index = int(self.select(np.array([pd.Timestamp(time).to_datetime64()]))[0])
        return self.versions[index] if index >= 0 else None

    def platform(self) -> str:
        return self.rule_id.split(".", 1)[0]

    def no_rule_message(self) -> str:
        """What a row outside every version of this rule shows (never a silent 0)."""
        return f"无适用规则: {self.rule_id} 自 {self.versions[0].since:%Y-%m-%d} 起生效"


@dataclass(frozen=True)
class AppliedOverride:
    key: str
    value: object
    note: str
    versions: tuple[str, ...]


@dataclass(frozen=True)
class NodeTrack:
    """Point nodes of one platform and track, in dated versions."""

    platform: str
    track: str
    name: str
    versions: tuple[Version, ...]

    def at(self, time: object) -> Version | None:
        since = np.array([v.since.to_datetime64() for v in self.versions], dtype="datetime64[ns]")
        index = int(np.searchsorted(since, pd.Timestamp(time).to_datetime64(), side="right")) - 1
        return self.versions[index] if index >= 0 else None


@dataclass(frozen=True)
class Rulebook:
    """Everything in ``rules/*.yaml``, plus the overrides applied to it."""

    damages: Mapping[str, Rule]
    timers: Mapping[str, Rule]
    violations: Mapping[str, Rule]
    freight: Mapping[str, Rule]
    violation_names: Mapping[str, str]
    violation_aliases: Mapping[str, str]
    node_tracks: Mapping[tuple[str, str], NodeTrack]
    campaigns: Mapping[str, tuple[Version, ...]]
    resets: Mapping[str, str]
    freight_keywords: Mapping[str, tuple[str, ...]]
    digest: str
    overrides: tuple[AppliedOverride, ...] = field(default=())

    def violation_code(self, text: object) -> str | None:
        """Violation code for a code or a Chinese name / alias; ``None`` when unknown."""
        if text is None:
            return None
        return self.violation_aliases.get(str(text).strip().lower().replace(" ", ""))

    def all_rules(self) -> Iterable[Rule]:
        for table in (self.damages, self.timers, self.violations, self.freight):
            yield from table.values()

    def find(self, rule_id: str) -> Rule | None:
        for table in (self.damages, self.timers, self.violations, self.freight):
            if rule_id in table:
                return table[rule_id]
        return None

    def with_overrides(
        self, overrides: Mapping[str, object], notes: Mapping[str, str] | None = None
    ) -> Rulebook:
        """A copy with parameters replaced, e.g. ``{"taobao.late_shipment.max": 40}``.

        Keys: ``<rule>.<parameter>`` (every version) or ``<rule>@<YYYY-MM-DD>.<parameter>``
        (one version). Parameters: damages ``rate`` ``min`` ``max`` ``amount``; timers
        ``duration`` or ``duration.<goods type>``; violations ``points``.

        >>> book = load_rulebook().with_overrides({"taobao.late_shipment@2022-07-18.max": 40})
        >>> book.damages["taobao.late_shipment"].versions[1].params["max"], book.overrides[0].versions
        (4000, ('taobao.late_shipment@2022-07-18*',))
        """
        tables = {
            "damages": dict(self.damages),
            "timers": dict(self.timers),
            "violations": dict(self.violations),
        }
        applied: list[AppliedOverride] = []
        problems: list[str] = []
        for key, value in overrides.items():
            try:
                labels = _apply_override(tables, str(key).strip(), value)
            except OverrideError as error:
                problems.append(str(error))
                continue
            applied.append(AppliedOverride(str(key), value, (notes or {}).get(key, ""), labels))
        if problems:
            raise OverrideError("；".join(problems))
        return replace(
            self,
            damages=tables["damages"],
            timers=tables["timers"],
            violations=tables["violations"],
            overrides=self.overrides + tuple(applied),
        )


# ---------------------------------------------------------------------------------------------
# Overrides


_OVERRIDE_KEY: Final = re.compile(
    r"^(?P<rule>[a-z]+\.[a-z_]+)(?:@(?P<since>\d{4}-\d{2}-\d{2}))?\.(?P<param>[a-z_]+(?:\.[a-z_]+)?)$"
)
_OVERRIDABLE: Final = {
    "damages": {"rate", "min", "max", "amount"},
    "timers": {"duration"},
    "violations": {"points"},
}


def _apply_override(tables: dict[str, dict[str, Rule]], key: str, value: object) -> tuple[str, ...]:
    match = _OVERRIDE_KEY.match(key)
    if not match:
        raise OverrideError(
            f"规则参数名无法识别: {key!r}（格式: taobao.late_shipment.max 或 taobao.late_shipment@2022-07-18.max）"
        )
    rule_id, param = match["rule"], match["param"]
    base_param = param.split(".", 1)[0]
    for kind, table in tables.items():
        if rule_id in table and base_param in _OVERRIDABLE[kind]:
            rule = table[rule_id]
            break
    else:
        raise OverrideError(
            f"没有可覆盖的规则参数: {key!r}（请对照「规则」表或 shoprules rules 的参数名）"
        )
    wanted = pd.Timestamp(match["since"]) if match["since"] else None
    versions = list(rule.versions)
    labels = []
    for i, version in enumerate(versions):
        if wanted is not None and version.since != wanted:
            continue
        params = dict(version.params)
        try:
            _set_param(kind, params, param, value)
        except (ValueError, KeyError) as error:
            raise OverrideError(f"规则参数 {key!r} 的值 {value!r} 无效: {error}") from error
        versions[i] = replace(version, params=params, overridden=(*version.overridden, param))
        labels.append(versions[i].label)
    if not labels:
        raise OverrideError(f"规则 {rule_id} 没有 {match['since']} 生效的版本: {key!r}")
    tables[kind][rule_id] = replace(rule, versions=tuple(versions))
    return tuple(labels)


def _set_param(kind: str, params: dict[str, Any], param: str, value: object) -> None:
    if kind == "damages":
        if param == "rate":
            if params.get("kind") != "rate_clamped":
                raise ValueError("该版本不是按比例计算")
            params["rate"] = rate_to_bp(value)  # type: ignore[arg-type]
        elif param in ("min", "max"):
            if params.get("kind") != "rate_clamped":
                raise ValueError("该版本没有上下限")
            params[param] = yuan_to_fen_exact(value)  # type: ignore[arg-type]
        elif param == "amount":
            if params.get("kind") != "flat":
                raise ValueError("该版本不是固定金额")
            params["amount"] = yuan_to_fen_exact(value)  # type: ignore[arg-type]
    elif kind == "timers":
        durations = dict(params["durations"])
        goods = param.split(".", 1)[1] if "." in param else "default"
        if goods not in (*GOODS_TYPES, "default"):
            raise ValueError(f"商品类型应为 {'/'.join(GOODS_TYPES)}")
        durations[goods] = Duration.parse(value)
        params["durations"] = durations
    elif kind == "violations":
        points = float(value)  # type: ignore[arg-type]
        if points < 0 or points != int(points):
            raise ValueError("扣分应为非负整数")
        params["points"] = int(points)


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
        return RuleFileError(f"{self.file}: {path}: {problem}")

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
        try:
            bp = rate_to_bp(value)  # type: ignore[arg-type]
        except ValueError as error:
            raise self.fail(path, str(error)) from error
        if not 0 <= bp <= 10_000:
            raise self.fail(path, "比例应在 0%–100% 之间")
        return bp

    def provenance(self, entry: dict[str, Any], path: str) -> tuple[str, str, str | None]:
        source = self.text(entry.get("source"), f"{path}.source")
        confidence = self.choice(entry.get("confidence"), f"{path}.confidence", CONFIDENCES)
        note = entry.get("note")
        if note is not None:
            note = self.text(note, f"{path}.note")
        return source, confidence, note

    def versions(
        self,
        value: object,
        path: str,
        rule_id: str,
        parse: Callable[[dict[str, Any], str], dict[str, Any]],
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
            source, confidence, note = self.provenance(entry, where)
            params = parse(
                {
                    k: v
                    for k, v in entry.items()
                    if k not in ("since", "source", "confidence", "note")
                },
                where,
            )
            out.append(Version(rule_id, since, params, source, confidence, note))
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


_VERSION_KEYS: Final = ("since", "source", "confidence", "note")


def _parse_damages(check: _Checker, data: dict[str, Any]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for key, body in data.items():
        rule_id = check.rule_id(key, str(key))
        body = check.mapping(
            body, rule_id, required=("name", "violation", "governed_by", "versions")
        )
        governed_by = check.choice(
            body["governed_by"], f"{rule_id}.governed_by", ("paid_at", "event_time")
        )

        def parse(entry: dict[str, Any], where: str) -> dict[str, Any]:
            kind = check.choice(
                entry.get("kind"), f"{where}.kind", ("rate_clamped", "flat", "bands")
            )
            common = (
                "kind",
                "receiver",
                "rounding",
                "stacks_on",
                "stack_max",
                "requires_complaint",
            )
            params: dict[str, Any] = {"kind": kind}
            if kind == "rate_clamped":
                check.mapping(
                    entry,
                    where,
                    required=("kind", "rate", "min", "max", "base", "receiver"),
                    optional=(*common,),
                )
                params["rate"] = check.rate(entry["rate"], f"{where}.rate")
                params["min"] = check.yuan(entry["min"], f"{where}.min")
                params["max"] = check.yuan(entry["max"], f"{where}.max")
                if params["min"] > params["max"]:
                    raise check.fail(f"{where}.min", "下限大于上限 / min above max")
                params["base"] = check.choice(entry["base"], f"{where}.base", ("item_paid",))
            elif kind == "flat":
                check.mapping(
                    entry, where, required=("kind", "amount", "receiver"), optional=common
                )
                params["amount"] = check.yuan(entry["amount"], f"{where}.amount")
            else:
                check.mapping(entry, where, required=("kind", "bands", "receiver"), optional=common)
                params["bands"] = _parse_bands(check, entry["bands"], f"{where}.bands")
            params["receiver"] = check.choice(
                entry["receiver"], f"{where}.receiver", ("buyer", "platform")
            )
            params["rounding"] = check.choice(
                entry.get("rounding", "fen_half_up"),
                f"{where}.rounding",
                ("fen_half_up", "floor_yuan"),
            )
            if "stacks_on" in entry:
                params["stacks_on"] = check.text(entry["stacks_on"], f"{where}.stacks_on")
            if "stack_max" in entry:
                params["stack_max"] = check.yuan(entry["stack_max"], f"{where}.stack_max")
            requires = entry.get("requires_complaint", False)
            if not isinstance(requires, bool):
                raise check.fail(f"{where}.requires_complaint", "应为 true/false")
            params["requires_complaint"] = requires
            return params

        versions = check.versions(body["versions"], f"{rule_id}.versions", rule_id, parse)
        meta = {
            "violation": check.text(body["violation"], f"{rule_id}.violation"),
            "governed_by": governed_by,
        }
        rules[rule_id] = Rule(
            rule_id, "damages", check.text(body["name"], f"{rule_id}.name"), meta, versions
        )
    return rules


def _parse_bands(check: _Checker, value: object, path: str) -> tuple[dict[str, int], ...]:
    if not isinstance(value, list) or not value:
        raise check.fail(path, "应为非空列表 / expected a non-empty list")
    bands: list[dict[str, int]] = []
    for i, band in enumerate(value):
        where = f"{path}[{i}]"
        band = check.mapping(
            band, where, required=("from",), optional=("amount", "rate", "min", "max")
        )
        parsed = {"from": check.yuan(band["from"], f"{where}.from")}
        if "amount" in band:
            if {"rate", "min", "max"} & set(band):
                raise check.fail(where, "amount 与 rate/min/max 不能同时出现")
            parsed["amount"] = check.yuan(band["amount"], f"{where}.amount")
        else:
            check.mapping(band, where, required=("from", "rate", "min", "max"))
            parsed["rate"] = check.rate(band["rate"], f"{where}.rate")
            parsed["min"] = check.yuan(band["min"], f"{where}.min")
            parsed["max"] = check.yuan(band["max"], f"{where}.max")
        if bands and parsed["from"] <= bands[-1]["from"]:
            raise check.fail(f"{where}.from", "区间下限未递增 / band bounds not increasing")
        bands.append(parsed)
    if bands[0]["from"] != 0:
        raise check.fail(
            f"{path}[0].from", "第一个区间应从 0 开始 / the first band must start at 0"
        )
    return tuple(bands)


_TIMER_STARTS: Final = (
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
_TIMER_STOPS: Final = (
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
            body, rule_id, required=("name", "start", "versions"), optional=("override", "outcome")
        )
        meta = {
            "start": check.choice(body["start"], f"{rule_id}.start", _TIMER_STARTS),
            "override": check.choice(body["override"], f"{rule_id}.override", ("promised_ship_by",))
            if "override" in body
            else None,
            "outcome": check.text(body["outcome"], f"{rule_id}.outcome")
            if "outcome" in body
            else None,
        }

        def parse(entry: dict[str, Any], where: str) -> dict[str, Any]:
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
            return {
                "durations": durations,
                "align": check.choice(entry["align"], f"{where}.align", ("exact", "next_midnight")),
                "stop": tuple(check.choice(s, f"{where}.stop", _TIMER_STOPS) for s in stops),
                "in_time": check.choice(
                    entry["in_time"], f"{where}.in_time", ("at_or_before", "before")
                ),
            }

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

        def parse(entry: dict[str, Any], where: str) -> dict[str, Any]:
            check.mapping(entry, where, required=("track", "points", "condition"))
            points = entry["points"]
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                raise check.fail(
                    f"{where}.points", "扣分应为非负整数 / points must be a non-negative integer"
                )
            return {
                "track": check.choice(entry["track"], f"{where}.track", TRACKS),
                "points": points,
                "condition": check.choice(
                    entry["condition"],
                    f"{where}.condition",
                    ("always", "complaint_upheld_and_not_paid_before_ruling"),
                ),
            }

        versions = check.versions(body["versions"], f"rules.{rule_id}.versions", rule_id, parse)
        rules[rule_id] = Rule(rule_id, "violations", names[code], {"violation": code}, versions)
    return rules, names, aliases


def _parse_nodes(
    check: _Checker, data: dict[str, Any]
) -> tuple[dict[tuple[str, str], NodeTrack], dict[str, tuple[Version, ...]], dict[str, str]]:
    tracks: dict[tuple[str, str], NodeTrack] = {}
    campaigns: dict[str, tuple[Version, ...]] = {}
    resets: dict[str, str] = {}
    for platform, body in data.items():
        if platform not in PLATFORMS:
            raise check.fail(str(platform), f"未知平台 / unknown platform {platform!r}")
        body = check.mapping(
            body, platform, required=("reset", "reset_source", "tracks"), optional=("campaign",)
        )
        if body["reset"] != "12-31 24:00":
            raise check.fail(f"{platform}.reset", "只支持自然年清零 12-31 24:00")
        check.text(body["reset_source"], f"{platform}.reset_source")
        resets[platform] = body["reset"]
        for track, track_body in check.mapping(
            body["tracks"], f"{platform}.tracks", optional=TRACKS
        ).items():
            where = f"{platform}.tracks.{track}"
            track_body = check.mapping(track_body, where, required=("name", "versions"))
            rule_id = f"{platform}.nodes_{track}"

            def parse(entry: dict[str, Any], at: str) -> dict[str, Any]:
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
                    if [n["points"] for n in nodes] != sorted({n["points"] for n in nodes}):
                        raise check.fail(
                            f"{at}.thresholds", "节点分值未递增 / thresholds not increasing"
                        )
                    return {"thresholds": tuple(nodes)}
                check.mapping(
                    entry, at, required=("every", "days", "consequence"), optional=("fine",)
                )
                return {"every": _parse_node(check, {**entry, "points": entry["every"]}, at)}

            versions = check.versions(track_body["versions"], f"{where}.versions", rule_id, parse)
            tracks[(platform, track)] = NodeTrack(
                platform, track, check.text(track_body["name"], f"{where}.name"), versions
            )
        if "campaign" in body:

            def parse_campaign(entry: dict[str, Any], at: str) -> dict[str, Any]:
                allowed = (
                    "every_A",
                    "fake_transaction_never",
                    "counterfeit_year",
                    "counterfeit_never",
                    "checks_by_hand",
                    "total_points_until_reset",
                )
                check.mapping(entry, at, optional=allowed)
                return dict(entry)

            campaigns[platform] = check.versions(
                body["campaign"], f"{platform}.campaign", f"{platform}.campaign", parse_campaign
            )
    return tracks, campaigns, resets


def _parse_node(check: _Checker, node: dict[str, Any], where: str) -> dict[str, Any]:
    points = node["points"]
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise check.fail(f"{where}.points", "节点分值应为正整数")
    days = node["days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days <= 0):
        raise check.fail(f"{where}.days", "天数应为正整数或 null（永久）")
    return {
        "points": points,
        "days": days,
        "consequence": check.text(node["consequence"], f"{where}.consequence"),
        "fine": check.yuan(node["fine"], f"{where}.fine") if "fine" in node else 0,
    }


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

        def parse(entry: dict[str, Any], where: str) -> dict[str, Any]:
            check.mapping(entry, where, optional=FREIGHT_FAULTS)
            out = {}
            for fault, legs in entry.items():
                legs = check.mapping(legs, f"{where}.{fault}", required=("outbound", "return"))
                out[fault] = (
                    check.choice(legs["outbound"], f"{where}.{fault}.outbound", _PAYERS),
                    check.choice(legs["return"], f"{where}.{fault}.return", _PAYERS),
                )
            return out

        versions = check.versions(body["versions"], f"rules.{rule_id}.versions", rule_id, parse)
        rules[rule_id] = Rule(rule_id, "freight", "退货运费承担", {}, versions)
    return rules, keywords


def _read_yaml(path: Path | resources.abc.Traversable, name: str) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except RuleFileError as error:
        raise RuleFileError(f"{name}: {error}") from None
    except (yaml.YAMLError, ValueError) as error:
        raise RuleFileError(f"{name}: YAML 无法解析 / cannot parse: {error}") from error
    if not isinstance(data, dict):
        raise RuleFileError(f"{name}: 顶层应为映射 / top level must be a mapping")
    return data, raw


def load_rulebook_from(folder: Path | resources.abc.Traversable) -> Rulebook:
    """Load and validate the rule files in ``folder`` (see :data:`RULE_FILES`)."""
    data: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name in RULE_FILES:
        file = folder / f"{name}.yaml"
        if not file.is_file():
            raise RuleFileError(f"{name}.yaml: 缺少规则文件 / rule file missing")
        data[name], raw = _read_yaml(file, f"{name}.yaml")
        digest.update(raw)
    damages = _parse_damages(_Checker("damages.yaml"), data["damages"])
    timers = _parse_timers(_Checker("timers.yaml"), data["timers"])
    violations, names, aliases = _parse_violations(_Checker("violations.yaml"), data["violations"])
    tracks, campaigns, resets = _parse_nodes(_Checker("nodes.yaml"), data["nodes"])
    freight, keywords = _parse_freight(_Checker("freight.yaml"), data["freight"])
    check = _Checker("damages.yaml")
    for rule in damages.values():
        if rule.meta["violation"] not in names:
            raise check.fail(
                f"{rule.rule_id}.violation", f"未知违规代码 {rule.meta['violation']!r}"
            )
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
    )


@cache
def load_rulebook() -> Rulebook:
    """The packaged rulebook (loaded once per process)."""
    return load_rulebook_from(resources.files(__package__) / "rules")
