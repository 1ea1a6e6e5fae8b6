"""Moved to :mod:`shoprules.workbook.readers.formats`; this alias only serves
``workbook/audit.py``'s old import until it is updated, then goes."""

from .readers.errors import UnusableInput
from .readers.formats import HEADER_SCAN_LIMIT, ORDER_SHEET_SKIP, load_raw

__all__ = ["HEADER_SCAN_LIMIT", "ORDER_SHEET_SKIP", "UnusableInput", "load_raw"]
