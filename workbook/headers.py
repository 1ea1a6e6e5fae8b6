"""Moved to :mod:`shoprules.workbook.readers.headers`; this alias only serves
``workbook/audit.py``'s old import until it is updated, then goes."""

from .readers.headers import header_score

__all__ = ["header_score"]
