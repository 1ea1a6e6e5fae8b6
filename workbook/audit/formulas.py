"""明细's live damages formulas on the 规则 parameters, and the engine's amounts they must match.

The formulas compute in fen exactly like :func:`shoprules.formulas.damages.version_amounts`:
``ROUND(ROUND(amount*100,0)*ROUND(rate*10000,0)/10000,0)`` is half-up on an exact integer
quotient (``n.5`` is exact in binary), ``INT(…/1000000)*100`` floors to whole yuan; then the
clamp to [min, max].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.rulebook import Bands, Flat, RateClamped, Version

from .rules_sheet import _RC, _damages
from .values import _col


def _rate_formula(amount: str, row: int, stack: str | None) -> str:
    """Formula text (with ``{r}`` for the 明细 row) for one rate_clamped version on 规则 row."""
    ref = {k: f"'规则'!${_col(c)}${row}" for k, c in _RC.items()}
    fen = f"ROUND({amount}{{r}}*100,0)"
    bp = f"ROUND({ref['比例']}*10000,0)"
    raw = f'IF({ref["取整"]}="floor_yuan",INT({fen}*{bp}/1000000)*100,ROUND({fen}*{bp}/10000,0))'
    clamped = f"MIN(MAX({raw},ROUND({ref['下限(元)']}*100,0)),ROUND({ref['上限(元)']}*100,0))"
    if stack is not None:
        clamped = (
            f"MIN({clamped},MAX(ROUND({ref['叠加上限(元)']}*100,0)-ROUND({stack}{{r}}*100,0),0))"
        )
    return f"={clamped}/100"


def _bands_formula(amount: str, row: int, params: Bands) -> str:
    """Nested IF over the bands (thresholds and band parameters as constants)."""
    ref = f"'规则'!${_col(_RC['取整'])}${row}"
    fen = f"ROUND({amount}{{r}}*100,0)"
    expression = "0"
    for band in params.bands:
        if band.amount_fen is not None:
            value = str(band.amount_fen)
        else:
            bp = band.rate_bp
            raw = f'IF({ref}="floor_yuan",INT({fen}*{bp}/1000000)*100,ROUND({fen}*{bp}/10000,0))'
            value = f"MIN(MAX({raw},{band.min_fen}),{band.max_fen})"
        expression = f"IF({fen}>={band.from_fen},{value},{expression})"
    return f"={expression}/100"


def _version_formula(version: Version, row: int, amount: str, stack: str | None) -> str:
    params = _damages(version)
    if isinstance(params, Flat):
        return f"='规则'!${_col(_RC['固定金额(元)'])}${row}"
    if isinstance(params, RateClamped):
        return _rate_formula(amount, row, stack if params.stack_max_fen is not None else None)
    assert isinstance(params, Bands), version.label
    return _bands_formula(amount, row, params)


def _fill(templates: pd.Series, rows: np.ndarray) -> list[Any]:
    """Substitute each row's number into its template (``None`` stays ``None``)."""
    out: list[Any] = [None] * len(templates)
    for i, (template, row) in enumerate(zip(templates.tolist(), rows.tolist(), strict=True)):
        if isinstance(template, str):
            out[i] = template.replace("{r}", str(row))
    return out


def _version_amounts(
    labels: pd.Series, base: np.ndarray, versions: dict[str, Version]
) -> np.ndarray:
    out = np.zeros(len(labels), dtype="int64")
    for label in pd.unique(labels.dropna()):
        if label == "" or label not in versions:
            continue
        rows = (labels == label).to_numpy()
        out[rows] = _damages(versions[label]).amounts(np.maximum(base[rows], 0))
    return out
