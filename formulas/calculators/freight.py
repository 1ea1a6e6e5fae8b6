"""Return freight: who pays each leg of an order with a refund request or refund reason.

The rule version is chosen by the request time (else sign-for, else payment).

>>> from shoprules.formulas.rulebook import load_rulebook
>>> t = np.array(["2024-03-01", "NaT"], dtype="datetime64[ns]")
>>> out = freight(load_rulebook(), np.array(["taobao", "taobao"], dtype=object),
...               pd.Series(["质量问题", None]), np.array([False, False]),
...               {"refund_requested_at": t, "signed_at": t, "paid_at": t})
>>> out.text.tolist(), out.fault.tolist()
(['发货:卖家 退货:卖家', ''], ['seller', None])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..freight import classify_fault, freight_split
from ..rulebook import Rulebook
from ..timers import first_present
from .common import Platforms, empty_text


@dataclass(frozen=True)
class Freight:
    """Per row: the text (``发货:卖家 退货:买家``; ``""`` without a refund) and the fault."""

    text: np.ndarray
    fault: np.ndarray


def freight(
    book: Rulebook,
    platform: Platforms | np.ndarray,
    reason: pd.Series | None,
    free_shipping: np.ndarray,
    events: Mapping[str, np.ndarray],
    *,
    rules_as_of: object = None,
) -> Freight:
    """Payers for the rows with a request time or a non-blank reason (``reason`` ``None``: the
    export has no reason column). ``events``: ``refund_requested_at``, ``signed_at``,
    ``paid_at``."""
    requested_at = np.asarray(events["refund_requested_at"], dtype="datetime64[ns]")
    n = len(requested_at)
    if reason is None:
        has_reason = np.zeros(n, dtype=bool)
    else:
        reason = reason.reset_index(drop=True)
        has_reason = reason.notna().to_numpy().copy()
    if reason is not None and has_reason.any():
        has_reason[has_reason] = reason[has_reason].astype(str).str.strip().ne("").to_numpy()
    has_refund = ~np.isnat(requested_at) | has_reason
    text = empty_text(n)
    fault = np.empty(n, dtype=object)
    if has_refund.any():
        if reason is None:  # no reason: the fault is unclear
            faults = np.full(int(has_refund.sum()), "unclear", dtype=object)
        else:
            faults = (
                classify_fault(reason[has_refund].reset_index(drop=True), book)
                .fillna("unclear")
                .to_numpy(dtype=object)
            )
        when = first_present(
            requested_at[has_refund],
            np.asarray(events["signed_at"])[has_refund],
            np.asarray(events["paid_at"])[has_refund],
        )
        split = freight_split(
            book,
            faults,
            np.asarray(free_shipping, dtype=bool)[has_refund],
            Platforms.of(platform).codes[has_refund],
            when,
            rules_as_of=rules_as_of,
        )
        text[has_refund] = np.where(pd.notna(split.text), split.text, "")
        fault[has_refund] = faults
    return Freight(text, fault)
