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

import numpy as np

from .rulebook import DamagesParams, Rule, governing_times


@dataclass(frozen=True)
class DamagesColumn:
    """Per row: amount in fen (0 where no version applies; check ``version``), version index
    (-1 = no rule in force), label, receiver (buyer/platform) and problem text."""

    fen: np.ndarray
    version: np.ndarray
    labels: np.ndarray
    receivers: np.ndarray
    problems: np.ndarray


def version_amounts(params: DamagesParams, base_fen: np.ndarray) -> np.ndarray:
    """Amounts in fen for one version over a column of base amounts (fen, non-negative)."""
    return params.amounts(np.asarray(base_fen, dtype="int64"))


def rule_damages(
    rule: Rule,
    base_fen: np.ndarray,
    governing: np.ndarray,
    rules_as_of: object = None,
    *,
    promise_h: np.ndarray | None = None,
    goods: np.ndarray | None = None,
    case: str | None = None,
) -> DamagesColumn:
    """Damages of one rule (one platform and violation) over columns of bases and times
    (``governing``: the rule's ``governed_by`` time of each row; ``rules_as_of`` pins it;
    ``promise_h``: the promised ship window in hours, ``goods``: goods types, ``case``: the
    violation's case, for the kinds keyed by them)."""
    base = np.asarray(base_fen, dtype="int64")
    governing = governing_times(governing, rules_as_of)
    version = rule.select(governing)
    n = len(base)
    fen = np.zeros(n, dtype="int64")
    labels = np.empty(n, dtype=object)
    receivers = np.empty(n, dtype=object)
    problems = np.empty(n, dtype=object)
    for index, ver in enumerate(rule.versions):
        rows = version == index
        if not rows.any():
            continue
        params = rule.damages_params(index)
        fen[rows] = params.amounts(
            base[rows],
            promise_h=None if promise_h is None else promise_h[rows],
            goods=None if goods is None else goods[rows],
            case=case,
        )
        labels[rows] = ver.label
        receivers[rows] = params.receiver
    missing = (version < 0) & ~np.isnat(governing)
    problems[missing] = rule.no_rule_message()
    return DamagesColumn(fen, version, labels, receivers, problems)
