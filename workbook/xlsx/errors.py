"""Why a workbook could not be patched or written; messages in Chinese, saying what to do."""

from __future__ import annotations

from ..errors import ShoprulesError


class WorkbookLocked(ShoprulesError, OSError):
    """Excel has the workbook open (its ``~$`` owner file is beside it)."""

    default_hint = "在 Excel/WPS 中保存并关闭该工作簿后重试"


class CorruptWorkbook(ShoprulesError, ValueError):
    """The file is not a readable xlsx/xlsm (truncated, damaged, or another format)."""


class SheetNotFound(ShoprulesError, ValueError):
    """The workbook has no (work)sheet of that name."""


class WorkbookNotWritable(ShoprulesError, OSError):
    """The folder or the file cannot be written (read-only folder, no permission, disk full)."""


class WorkbookChanged(WorkbookNotWritable):
    """The file changed (size, modification time or content) between reading it and replacing
    it: another program saved it, or it was swapped. Nothing is written."""


class WorkbookBusy(WorkbookNotWritable):
    """Another shoprules run holds the workbook's lock longer than the wait allows."""


class WorkbookReadOnly(WorkbookNotWritable):
    """The file has no write permission bit or is marked immutable; it is never chmod-ed."""
