"""Parameter overrides (rows of the workbook's ``规则`` sheet) applied to a rulebook copy.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> book = load_rulebook().with_overrides({"taobao.late_shipment@2022-07-18.max": 40})
>>> book.damages["taobao.late_shipment"].versions[2].params.max_fen, book.overrides[0].versions
(4000, ('taobao.late_shipment@2022-07-18*',))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import pandas as pd

from ..fields import GOODS_TYPES
from ..money import rate_to_bp, yuan_to_fen_exact
from .errors import OverrideError
from .model import Rule, Rulebook
from .params import (
    ByCase,
    Duration,
    Flat,
    Params,
    PromiseTiered,
    RateClamped,
    TimerParams,
    ViolationParams,
)


@dataclass(frozen=True)
class AppliedOverride:
    key: str
    value: object
    note: str
    versions: tuple[str, ...]


_OVERRIDE_KEY: Final = re.compile(
    r"^(?P<rule>[a-z]+\.[a-z_]+)(?:@(?P<since>\d{4}-\d{2}-\d{2}))?\.(?P<param>[a-z_]+(?:\.[a-z_]+)?)$"
)
_OVERRIDABLE: Final = {
    "damages": {"rate", "min", "max", "amount"},
    "timers": {"duration"},
    "violations": {"points"},
}


def apply_overrides(
    book: Rulebook, overrides: Mapping[str, object], notes: Mapping[str, str] | None = None
) -> Rulebook:
    """A copy of ``book`` with parameters replaced.

    Keys: ``<rule>.<parameter>`` (every version) or ``<rule>@<YYYY-MM-DD>.<parameter>`` (one
    version). Parameters: damages ``rate`` ``min`` ``max`` ``amount``; timers ``duration`` or
    ``duration.<goods type>``; violations ``points``. Every bad key is reported at once.
    """
    tables = {
        "damages": dict(book.damages),
        "timers": dict(book.timers),
        "violations": dict(book.violations),
    }
    applied: list[AppliedOverride] = []
    problems: list[str] = []
    warning = book.warning_hours
    for key, value in overrides.items():
        try:
            if str(key).strip() == "warning_hours":  # a setting, not a rule parameter
                warning = _warning_hours(value)
                applied.append(AppliedOverride("warning_hours", value, "", ()))
                continue
            labels = _apply_override(tables, str(key).strip(), value)
        except OverrideError as error:
            problems.append(str(error))
            continue
        applied.append(AppliedOverride(str(key), value, (notes or {}).get(key, ""), labels))
    if problems:
        raise OverrideError("；".join(problems), key=", ".join(map(str, overrides)))
    return replace(
        book,
        damages=tables["damages"],
        timers=tables["timers"],
        violations=tables["violations"],
        overrides=book.overrides + tuple(applied),
        warning_hours=warning,
    )


def _warning_hours(value: object) -> float:
    """The 即将超时 window (``warning_hours``): hours, more than 0 and at most 240."""
    try:
        hours = float(str(value).strip().removesuffix("h"))
    except ValueError:
        hours = float("nan")
    if not 0 < hours <= 240:
        raise OverrideError(
            f"warning_hours 应为 0–240 之间的小时数，而不是 {value!r}", key="warning_hours"
        )
    return hours


def _apply_override(tables: dict[str, dict[str, Rule]], key: str, value: object) -> tuple[str, ...]:
    match = _OVERRIDE_KEY.match(key)
    if not match:
        raise OverrideError(
            f"规则参数名无法识别: {key!r}（格式: taobao.late_shipment.max 或 taobao.late_shipment@2022-07-18.max）",
            key=key,
        )
    rule_id, param = match["rule"], match["param"]
    base_param = param.split(".", 1)[0]
    for kind, table in tables.items():
        if rule_id in table and base_param in _OVERRIDABLE[kind]:
            rule = table[rule_id]
            break
    else:
        raise OverrideError(
            f"没有可覆盖的规则参数: {key!r}（请对照「规则」表或 shoprules rules 的参数名）", key=key
        )
    wanted = pd.Timestamp(match["since"]) if match["since"] else None
    versions = list(rule.versions)
    labels = []
    for i, version in enumerate(versions):
        if wanted is not None and version.since != wanted:
            continue
        try:
            params = _with_param(version.params, param, value)
            if isinstance(params, RateClamped | Flat):
                params.check()
        except (ValueError, KeyError, TypeError, ArithmeticError) as error:
            reason = error if isinstance(error, ValueError | KeyError) else "应为数字"
            raise OverrideError(
                f"规则参数 {key!r} 的值 {value!r} 无效: {reason}", key=key
            ) from error
        versions[i] = replace(version, params=params, overridden=(*version.overridden, param))
        labels.append(versions[i].label)
    if not labels:
        raise OverrideError(f"规则 {rule_id} 没有 {match['since']} 生效的版本: {key!r}", key=key)
    tables[kind][rule_id] = replace(rule, versions=tuple(versions))
    return tuple(labels)


def _number(value: object) -> int | float | str:
    """A 规则 cell's value as the money and rate parsers take it (a number or its text); any
    other value (a date, a formula error) is no number: ``TypeError``, reported as 应为数字."""
    if isinstance(value, int | float | str):
        return value
    raise TypeError(f"not a number: {value!r}")


def _with_tier_param(params: PromiseTiered | ByCase, param: str, value: object) -> Params:
    """``rate``/``min``/``max`` replaced in every rate tier (or case) of a version."""
    field = {"rate": "rate_bp", "min": "min_fen", "max": "max_fen"}[param]
    number = rate_to_bp(_number(value)) if param == "rate" else yuan_to_fen_exact(_number(value))
    changes: dict[str, Any] = {field: number}
    if isinstance(params, PromiseTiered):
        tiers = tuple(
            t if t.amount_fen is not None else replace(t, **changes) for t in params.tiers
        )
        return replace(params, tiers=tiers)
    return replace(params, cases={k: replace(b, **changes) for k, b in params.cases.items()})


def _with_param(params: Params, param: str, value: object) -> Params:
    """``params`` with one parameter replaced (the value as typed on the 规则 sheet); on a
    tiered or per-case version, ``rate``/``min``/``max`` replace it in every rate tier or case."""
    if param in ("rate", "min", "max") and isinstance(params, PromiseTiered | ByCase):
        return _with_tier_param(params, param, value)
    if param == "rate":
        if not isinstance(params, RateClamped):
            raise ValueError("该版本不是按比例计算")
        return replace(params, rate_bp=rate_to_bp(_number(value)))
    if param in ("min", "max"):
        if not isinstance(params, RateClamped):
            raise ValueError("该版本没有上下限")
        fen = yuan_to_fen_exact(_number(value))
        return replace(params, min_fen=fen) if param == "min" else replace(params, max_fen=fen)
    if param == "amount":
        if not isinstance(params, Flat):
            raise ValueError("该版本不是固定金额")
        return replace(params, amount_fen=yuan_to_fen_exact(_number(value)))
    if isinstance(params, TimerParams):
        durations = dict(params.durations)
        goods = param.split(".", 1)[1] if "." in param else "default"
        if goods not in (*GOODS_TYPES, "default"):
            raise ValueError(f"商品类型应为 {'/'.join(GOODS_TYPES)}")
        durations[goods] = Duration.parse(value)
        return replace(params, durations=durations)
    if isinstance(params, ViolationParams):
        points = float(_number(value))
        if points < 0 or points != int(points):
            raise ValueError("扣分应为非负整数")
        return replace(params, points=int(points))
    raise ValueError(f"参数 {param} 无法覆盖")  # pragma: no cover - keys are checked first
