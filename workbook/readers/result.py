"""What a reader returns: the canonical orders and their per-row problems."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class ReadResult:
    """Canonical orders plus everything needed to report on and write back to the sheet."""

    orders: pd.DataFrame
    problems: pd.Series
    platform: str | None
    sheet: str | None
    header_row: int
    row_numbers: list[int]
    headers: list[str]
    columns_used: dict[str, str]
    missing: list[str]
    source_format: str = "rows"
    epoch1904: bool = False
    messages: list[str] = field(default_factory=list)
    export_name: str | None = None
    extra: pd.DataFrame | None = None


class RowProblems:
    """Per-row message lists, joined with '；' at the end."""

    def __init__(self, n: int) -> None:
        self.messages = np.full(n, "", dtype=object)

    def add(self, mask: np.ndarray, message: object) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        given = np.asarray(message, dtype=object)
        messages = given if given.ndim else np.full(int(mask.sum()), message, dtype=object)
        current = self.messages[mask]
        self.messages[mask] = np.where(
            current == "", messages, current + "；" + messages.astype(str)
        )

    def series(self) -> pd.Series:
        return pd.Series(self.messages, dtype=object)
