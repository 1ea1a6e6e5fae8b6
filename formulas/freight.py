"""Who pays the outbound and the return leg of a returned order.

Fault comes from ``seller`` / ``buyer`` / ``unclear`` (or 卖家 / 买家 / 不明), or from the refund
reason text through the rulebook's keyword table (first matching group wins; no match → unclear).

>>> from shoprules.formulas.rulebook import load_rulebook
>>> book = load_rulebook()
>>> faults = classify_fault(pd.Series(["质量问题", "不想要了", "其他", "buyer", "填错地址"]), book)
>>> faults.tolist()
['seller', 'buyer', 'unclear', 'buyer', 'buyer_wrong_address']
>>> split = freight_split(book, faults.to_numpy(), np.array([False, True, False, False, False]),
...                       np.array(["taobao"] * 5, dtype=object), np.full(5, np.datetime64("2024-03-01"), "datetime64[ns]"))
>>> split.text.tolist()
['发货:卖家 退货:卖家', '发货:卖家 退货:买家', '发货:卖家 退货:买家', '发货:买家 退货:买家', '发货:买家 退货:买家']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .rulebook import Rulebook, governing_times

_DIRECT: Final = {
    "seller": "seller",
    "卖家": "seller",
    "卖家责任": "seller",
    "商家": "seller",
    "buyer": "buyer",
    "买家": "buyer",
    "买家责任": "buyer",
    "unclear": "unclear",
    "不明": "unclear",
    "责任不明": "unclear",
    "约定不清": "unclear",
}
_KEYWORD_ORDER: Final = (
    "buyer_wrong_address",
    "buyer_refused_free",
    "buyer_partial_free_bundle",
    "seller",
    "buyer",
)
_SPECIAL_FALLBACK: Final = {
    "buyer_wrong_address": "buyer",
    "buyer_refused_free": "buyer",
    "buyer_partial_free_bundle": "buyer",
}


@dataclass(frozen=True)
class FreightSplit:
    text: np.ndarray
    outbound: np.ndarray
    return_leg: np.ndarray
    labels: np.ndarray
    problems: np.ndarray


def classify_fault(reasons: pd.Series, book: Rulebook) -> pd.Series:
    """Fault code per row: an explicit code, else the first keyword group found, else unclear.
    Blank reasons give ``None``. Reasons come from the platforms' short lists, so each distinct
    text is classified once and the answer spread back over the column."""
    codes, uniques = pd.factorize(reasons.astype(object).where(reasons.notna(), None))
    groups = [(group, book.freight_keywords.get(group, ())) for group in _KEYWORD_ORDER]
    answers = np.array(
        [_classify_one(str(text), groups) for text in uniques] + [None], dtype=object
    )
    return pd.Series(answers[codes], index=reasons.index, dtype=object)


def _classify_one(text: str, groups: list[tuple[str, tuple[str, ...]]]) -> str | None:
    text = text.strip()
    if not text:
        return None
    direct = _DIRECT.get(text.lower())
    if direct:
        return direct
    for group, words in groups:
        if any(word in text for word in words):
            return group
    return "unclear"


def freight_split(
    book: Rulebook,
    fault: np.ndarray,
    free_shipping: np.ndarray,
    platform: np.ndarray,
    governing: np.ndarray,
    rules_as_of: object = None,
) -> FreightSplit:
    """Payer of each leg per row. Platform special cases (Tmall since 2024-01-29) apply where in
    force; elsewhere the special faults count as the buyer's."""
    fault = np.asarray(fault, dtype=object)
    free = np.asarray(free_shipping, dtype=bool)
    platform = np.asarray(platform, dtype=object)
    governing = governing_times(governing, rules_as_of)
    n = len(fault)
    outbound = np.empty(n, dtype=object)
    return_leg = np.empty(n, dtype=object)
    labels = np.empty(n, dtype=object)
    problems = np.empty(n, dtype=object)
    # Integer codes: one comparison per (fault, version) on small ints, not on strings.
    fault_ids, fault_names = pd.factorize(fault)
    is_fault = {str(name): fault_ids == i for i, name in enumerate(fault_names)}
    no_rows = np.zeros(n, dtype=bool)
    platform_ids, platform_names = pd.factorize(platform)

    general = book.freight["all.return_freight"]
    special_done = np.zeros(n, dtype=bool)
    for i, platform_code in enumerate(platform_names):
        rule = book.freight.get(f"{platform_code}.return_freight")
        if rule is None:
            continue
        rows = platform_ids == i
        version = rule.select(governing)
        for index, ver in enumerate(rule.versions):
            for special, (out_payer, ret_payer) in rule.freight_params(index).legs.items():
                mask = rows & (version == index) & is_fault.get(special, no_rows)
                outbound[mask], return_leg[mask], labels[mask] = out_payer, ret_payer, ver.label
                special_done |= mask
    effective = {code: mask & ~special_done for code, mask in is_fault.items()}
    for special, fallback in _SPECIAL_FALLBACK.items():
        if special in effective:
            effective[fallback] = effective.get(fallback, no_rows) | effective.pop(special)
    buyer = effective.get("buyer", no_rows)
    effective["buyer_free"] = buyer & free
    effective["buyer"] = buyer & ~free

    version = general.select(governing)
    for index, ver in enumerate(general.versions):
        in_version = version == index
        for code, (out_payer, ret_payer) in general.freight_params(index).legs.items():
            mask = in_version & effective.get(code, no_rows)
            outbound[mask], return_leg[mask], labels[mask] = out_payer, ret_payer, ver.label
    known = pd.notna(fault)
    missing = known & (version < 0) & ~special_done & ~np.isnat(governing)
    problems[missing] = general.no_rule_message()
    done = pd.notna(outbound)
    pair = np.where(outbound == "卖家", 0, 2) + np.where(return_leg == "卖家", 0, 1)
    texts = np.array(
        [f"发货:{a} 退货:{b}" for a in ("卖家", "买家") for b in ("卖家", "买家")] + [None],
        dtype=object,
    )
    text = texts[np.where(done, pair, 4)]
    return FreightSplit(text, outbound, return_leg, labels, problems)
