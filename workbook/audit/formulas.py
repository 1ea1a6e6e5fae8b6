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


def _rate_formula(amount: str, row: int, stack: str | None) -> str:
    """Formula text (with ``{r}`` for the 明细 row) for one rate_clamped version on 规则 row."""
    ref = {k: f"'规则'!${_col(c)}${row}" for k, c in _RC.items()}
    fen = f"ROUND({amount}{{r}}*100,0)"
    bp = f"ROUND({ref['比例']}*10000,0)"
    raw = _rounded(fen, bp, ref["取整"])
    clamped = f"MIN(MAX({raw},ROUND({ref['下限(元)']}*100,0)),ROUND({ref['上限(元)']}*100,0))"
    if stack is not None:
        clamped = (
            f"MIN({clamped},MAX(ROUND({ref['叠加上限(元)']}*100,0)-ROUND({stack}{{r}}*100,0),0))"
        )
    return f"={clamped}/100"


def _rounded(fen: str, bp: str, rounding: str) -> str:
    """``fen × bp`` rounded as the version says (``rounding``: a 规则 cell or a quoted literal)."""
    return (
        f'IF({rounding}="floor_yuan",INT({fen}*{bp}/1000000)*100,'
        f'IF({rounding}="yuan_half_up",ROUND({fen}*{bp}/1000000,0)*100,ROUND({fen}*{bp}/10000,0)))'
    )


def _tier_formula(amount: str, row: int, tier: Tier) -> str:
    """One tier of a tiered version (its parameters as constants; the rounding from 规则)."""
    if tier.amount_fen is not None:
        return f"={tier.amount_fen}/100"
    ref = f"'规则'!${_col(_RC['取整'])}${row}"
    raw = _rounded(f"ROUND({amount}{{r}}*100,0)", str(tier.rate_bp or 0), ref)
    return f"=MIN(MAX({raw},{tier.min_fen}),{tier.max_fen})/100"


def tier_index(params: PromiseTiered, promise_h: float, goods: str | None) -> int:
    """Which tier of ``params`` a row falls in (the engine's choice, for one row)."""
    covered = [
        bool(t.covers(np.array([promise_h], dtype="float64"), np.array([goods], dtype=object))[0])
        for t in params.tiers
    ]
    return covered.index(True)


def _bands_formula(amount: str, row: int, params: Bands) -> str:
    """Nested IF over the bands (thresholds and band parameters as constants)."""
    ref = f"'规则'!${_col(_RC['取整'])}${row}"
    fen = f"ROUND({amount}{{r}}*100,0)"
    expression = "0"
    for band in params.bands:
        if band.amount_fen is not None:
            value = str(band.amount_fen)
        else:
            raw = _rounded(fen, str(band.rate_bp), ref)
            value = f"MIN(MAX({raw},{band.min_fen}),{band.max_fen})"
        expression = f"IF({fen}>={band.from_fen},{value},{expression})"
    return f"={expression}/100"


def _version_formula(
    version: Version, row: int, amount: str, stack: str | None, tier: int = 0
) -> str:
    params = _damages(version)
    if isinstance(params, PromiseTiered):
        return _tier_formula(amount, row, params.tiers[tier])
    if isinstance(params, Flat):
        return f"='规则'!${_col(_RC['固定金额(元)'])}${row}"
    if isinstance(params, RateClamped):
        return _rate_formula(amount, row, stack if params.stack_max_fen is not None else None)
    return _bands_formula(amount, row, expect(params, Bands, version.label))


def _fill(templates: pd.Series, rows: np.ndarray) -> list[Any]:
    """Substitute each row's number into its template (``None`` stays ``None``)."""
    out: list[Any] = [None] * len(templates)
    for i, (template, row) in enumerate(zip(templates.tolist(), rows.tolist(), strict=True)):
        if isinstance(template, str):
            out[i] = template.replace("{r}", str(row))
    return out


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

    def template(self, label: str, i: int, stack: str | None) -> str | None:
        if label not in self.versions:
            return None
        params = _damages(self.versions[label])
        tier = (
            tier_index(params, float(self.promise_h[i]), self.goods[i])
            if isinstance(params, PromiseTiered)
            else 0
        )
        return _version_formula(
            self.versions[label], self.rule_row[label], self.amount_ref, stack, tier
        )

    def formulas(self, labels: pd.Series, stack: str | None, keep: np.ndarray) -> list[Any]:
        """Each row's formula for its version label (``None`` where ``keep`` is False)."""
        templates = pd.Series(
            [self.template(lab, i, stack) for i, lab in enumerate(labels.tolist())], dtype=object
        ).where(keep, None)
        return _fill(templates, self.excel_rows)


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
