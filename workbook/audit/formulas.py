"""明细's live damages formulas on the 规则 parameters, and the engine's amounts they must match.

The formulas compute in fen exactly like :func:`shoprules.formulas.damages.version_amounts`:
``ROUND(ROUND(amount*100,0)*ROUND(rate*10000,0)/10000,0)`` is half-up on an exact integer
quotient (``n.5`` is exact in binary), ``INT(…/1000000)*100`` floors to whole yuan and
``ROUND(…/1000000,0)*100`` rounds half-up to whole yuan; then the clamp to [min, max]. A tiered
version's formula is the tier the row falls in, with that tier's parameters as constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.rulebook import Bands, Flat, RateClamped, Version, expect
from shoprules.formulas.rulebook.params import PromiseTiered, Tier

from .rules_sheet import _RC, _damages
from .values import _col


def _rate_formula(amount: str, row: int, stack: str | None, rounding: str) -> str:
    """Formula text (with ``{r}`` for the 明细 row) for one rate_clamped version on 规则 row."""
    ref = {k: f"'规则'!${_col(c)}${row}" for k, c in _RC.items()}
    fen = f"ROUND({amount}{{r}}*100,0)"
    bp = f"ROUND({ref['比例']}*10000,0)"
    raw = _rounded(fen, bp, rounding)
    clamped = f"MIN(MAX({raw},ROUND({ref['下限(元)']}*100,0)),ROUND({ref['上限(元)']}*100,0))"
    if stack is not None:
        clamped = (
            f"MIN({clamped},MAX(ROUND({ref['叠加上限(元)']}*100,0)-ROUND({stack}{{r}}*100,0),0))"
        )
    return f"={clamped}/100"


def _rounded(fen: str, bp: str, rounding: str) -> str:
    """``fen × bp`` rounded as the version says (``rounding``: its 取整 mode, shown on 规则).

    >>> _rounded("F", "500", "floor_yuan"), _rounded("F", "500", "fen_half_up")
    ('INT(F*500/1000000)*100', 'ROUND(F*500/10000,0)')
    """
    if rounding == "floor_yuan":
        return f"INT({fen}*{bp}/1000000)*100"
    if rounding == "yuan_half_up":
        return f"ROUND({fen}*{bp}/1000000,0)*100"
    return f"ROUND({fen}*{bp}/10000,0)"


def _tier_formula(amount: str, tier: Tier, rounding: str) -> str:
    """One tier of a tiered version (its parameters as constants)."""
    if tier.amount_fen is not None:
        return f"={tier.amount_fen}/100"
    raw = _rounded(f"ROUND({amount}{{r}}*100,0)", str(tier.rate_bp or 0), rounding)
    return f"=MIN(MAX({raw},{tier.min_fen}),{tier.max_fen})/100"


def tier_indices(params: PromiseTiered, promise_h: np.ndarray, goods: np.ndarray) -> np.ndarray:
    """Which tier of ``params`` each row falls in (the engine's choice: the first that covers
    it; the last tier covers every row)."""
    out = np.full(len(promise_h), -1, dtype="int64")
    for index, tier in enumerate(params.tiers):
        out[(out < 0) & tier.covers(promise_h, goods)] = index
    return out


def _bands_formula(amount: str, params: Bands) -> str:
    """Nested IF over the bands (thresholds and band parameters as constants)."""
    fen = f"ROUND({amount}{{r}}*100,0)"
    expression = "0"
    for band in params.bands:
        if band.amount_fen is not None:
            value = str(band.amount_fen)
        else:
            raw = _rounded(fen, str(band.rate_bp), params.rounding)
            value = f"MIN(MAX({raw},{band.min_fen}),{band.max_fen})"
        expression = f"IF({fen}>={band.from_fen},{value},{expression})"
    return f"={expression}/100"


def _version_formula(
    version: Version, row: int, amount: str, stack: str | None, tier: int = 0
) -> str:
    """The formula template of ``version`` (on 规则 ``row``) with ``{r}`` for the 明细 row."""
    params = _damages(version)
    if isinstance(params, PromiseTiered):
        return _tier_formula(amount, params.tiers[tier], params.rounding)
    if isinstance(params, Flat):
        return f"='规则'!${_col(_RC['固定金额(元)'])}${row}"
    if isinstance(params, RateClamped):
        stacked = stack if params.stack_max_fen is not None else None
        return _rate_formula(amount, row, stacked, params.rounding)
    return _bands_formula(amount, expect(params, Bands, version.label))


def _version_amounts(
    labels: pd.Series,
    base: np.ndarray,
    versions: dict[str, Version],
    promise_h: np.ndarray,
    goods: np.ndarray,
) -> np.ndarray:
    out = np.zeros(len(labels), dtype="int64")
    for label in pd.unique(labels.dropna()):
        if label == "" or label not in versions:
            continue
        rows = (labels == label).to_numpy()
        out[rows] = _damages(versions[label]).amounts(
            np.maximum(base[rows], 0), promise_h=promise_h[rows], goods=goods[rows]
        )
    return out


@dataclass(frozen=True)
class _RowsContext:
    """What a 明细 row's live damages formula needs: the versions and their 规则 rows, the amount
    column, and each row's promised ship window and goods type (for tiered versions)."""

    versions: dict[str, Version]
    rule_row: dict[str, int]
    amount_ref: str
    promise_h: np.ndarray
    goods: np.ndarray
    excel_rows: np.ndarray

    def formulas(self, labels: pd.Series, stack: str | None, keep: np.ndarray) -> list[Any]:
        """Each row's formula for its version label (``None`` where ``keep`` is False or the
        label is no damages version): one template per version and tier, filled per row."""
        out: list[Any] = [None] * len(labels)
        values = labels.to_numpy(dtype=object)
        rows_text = self.excel_rows.astype(str)
        for label in pd.unique(values[keep]):
            version = self.versions.get(label)
            if version is None:
                continue
            rows = np.flatnonzero(keep & (values == label))
            params = _damages(version)
            tiers = (
                tier_indices(params, self.promise_h[rows], self.goods[rows])
                if isinstance(params, PromiseTiered)
                else np.zeros(len(rows), dtype="int64")
            )
            for tier in np.unique(tiers).tolist():
                mine = rows[tiers == tier]
                template = _version_formula(
                    version, self.rule_row[label], self.amount_ref, stack, tier
                )
                for i, row in zip(mine.tolist(), rows_text[mine].tolist(), strict=True):
                    out[i] = template.replace("{r}", row)
        return out


def _capped_parts(
    capped: np.ndarray,
    has_late: np.ndarray,
    late_fen: np.ndarray,
    oos_fen: np.ndarray,
    has_oos: np.ndarray,
    late_formulas: list[Any],
    oos_formulas: list[Any],
) -> None:
    """Rows cut by a same-buyer same-day cap show the engine's capped parts as numbers (the cap
    spans rows, so no one-row formula gives them)."""
    for i in np.flatnonzero(capped).tolist():
        late_formulas[i] = int(late_fen[i]) / 100 if has_late[i] else None
        oos_formulas[i] = int(oos_fen[i]) / 100 if has_oos[i] else None
