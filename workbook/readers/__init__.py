"""Read any order sheet or raw platform export into the engine's canonical columns.

- :mod:`.formats`: file sniffing and raw loading (xlsx/xlsm/xls, HTML tables, CSV)
- :mod:`.headers`: header normalisation and the alias table; :mod:`.exports`: one module per
  platform with its exports' signatures and quirks
- :mod:`.orders`: rows → canonical orders (:func:`read_rows`, :func:`read_orders`)
- :mod:`.refunds`: refund / after-sale exports joined onto the orders
- :mod:`.sidecars`: the workbook's ``规则`` and ``违规记录`` sheets
- :mod:`.errors`: :class:`UnusableInput`, the only exception a reader raises
"""

from __future__ import annotations

from .errors import UnusableInput
from .orders import read_orders, read_rows
from .result import ReadResult
from .sidecars import read_overrides, read_violation_log

__all__ = [
    "ReadResult",
    "UnusableInput",
    "read_orders",
    "read_overrides",
    "read_rows",
    "read_violation_log",
]
