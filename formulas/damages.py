"""Damages per row: the version in force at each row's governing time, computed in fen.

>>> from shoprules.formulas.rulebook import load_rulebook
>>> book = load_rulebook()
>>> paid = np.array(["2017-05-01", "2017-05-01", "2017-05-01", "2023-01-01"], dtype="datetime64[ns]")
>>> base = np.array([1000, 10000, 70000, 1000])
>>> result = rule_damages(book.damages["taobao.late_shipment"], base, paid)
>>> result.fen.tolist(), result.labels[-1]
([100, 500, 3000, 500], 'taobao.late_shipment@2022-07-18')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .money import apply_rate_floor_yuan, apply_rate_half_up
from .rulebook import Rule


@dataclass(frozen=True)
class DamagesColumn:
    """Per row: amount in fen (0 where no version applies; check ``version``), version index
    (-1 = no rule in force), label, receiver (buyer/platform) and problem text."""

    fen: np.ndarray
    version: np.ndarray
    labels: np.ndarray
    receivers: np.ndarray
    problems: np.ndarray


def _rate(base: np.ndarray, rate_bp: int, rounding: str) -> np.ndarray:
    rates = np.full(base.shape, rate_bp, dtype="int64")
    if rounding == "floor_yuan":
        return apply_rate_floor_yuan(base, rates)
    return apply_rate_half_up(base, rates)


def version_amounts(params: dict[str, Any] | Any, base_fen: np.ndarray) -> np.ndarray:
    """Amounts in fen for one version over a column of base amounts (fen, non-negative)."""
    base = np.asarray(base_fen, dtype="int64")
    kind = params["kind"]
    if kind == "flat":
        return np.full(base.shape, params["amount"], dtype="int64")
    if kind == "rate_clamped":
        raw = _rate(base, params["rate"], params["rounding"])
        return np.clip(raw, params["min"], params["max"])
    bands = params["bands"]
    starts = np.array([b["from"] for b in bands], dtype="int64")
    which = np.searchsorted(starts, base, side="right") - 1
    out = np.zeros(base.shape, dtype="int64")
    for i, band in enumerate(bands):
        rows = which == i
        if not rows.any():
            continue
        if "amount" in band:
            out[rows] = band["amount"]
        else:
            raw = _rate(base[rows], band["rate"], params["rounding"])
            out[rows] = np.clip(raw, band["min"], band["max"])
    return out


def rule_damages(rule: Rule, base_fen: np.ndarray, governing: np.ndarray) -> DamagesColumn:
    """Damages of one rule (one platform and violation) over columns of bases and times."""
    base = np.asarray(base_fen, dtype="int64")
    governing = np.asarray(governing, dtype="datetime64[ns]")
    version = rule.select(governing)
    n = len(base)
    fen = np.zeros(n, dtype="int64")
    labels = np.full(n, None, dtype=object)
    receivers = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    for index, ver in enumerate(rule.versions):
        rows = version == index
        if not rows.any():
            continue
        fen[rows] = version_amounts(ver.params, base[rows])
        labels[rows] = ver.label
        receivers[rows] = ver.params["receiver"]
    missing = (version < 0) & ~np.isnat(governing)
    problems[missing] = rule.no_rule_message()
    return DamagesColumn(fen, version, labels, receivers, problems)
