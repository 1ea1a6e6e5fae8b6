"""Excel output: result columns patched into an existing ``.xlsx``/``.xlsm`` (:mod:`.patch`),
or a new workbook for inputs that cannot be patched (:mod:`.new`).

Modules: ``columns`` (what is written), ``errors``, ``cells`` (values → cell XML), ``zipio``
(the zip container), ``parts`` (workbook parts), ``styles`` (styles.xml), ``sheetxml`` (sheet XML
by byte search), ``layout`` (where the columns go), ``rewrite`` (the streamed sheet rewrite),
``atomic`` (lock file, backup, atomic replace), ``guard`` (read fingerprint, advisory lock,
symlinks, read-only files, stale temporary files), ``patch`` and ``new`` (the two entry points).
"""

from ..cells.excel import column_index, column_letter, excel_serial
from ..columns import ColumnKind
from .atomic import backup_path, lock_file_for
from .cells import xml_text
from .columns import OutputColumn, PatchReport
from .errors import (
    CorruptWorkbook,
    SheetNotFound,
    WorkbookBusy,
    WorkbookChanged,
    WorkbookLocked,
    WorkbookNotWritable,
    WorkbookReadOnly,
)
from .guard import Fingerprint, fingerprint, locks_workbook, workbook_lock
from .new import write_new_workbook
from .patch import patch_sheet_columns

__all__ = [
    "ColumnKind",
    "CorruptWorkbook",
    "Fingerprint",
    "OutputColumn",
    "PatchReport",
    "SheetNotFound",
    "WorkbookBusy",
    "WorkbookChanged",
    "WorkbookLocked",
    "WorkbookNotWritable",
    "WorkbookReadOnly",
    "backup_path",
    "column_index",
    "column_letter",
    "excel_serial",
    "fingerprint",
    "lock_file_for",
    "locks_workbook",
    "patch_sheet_columns",
    "workbook_lock",
    "write_new_workbook",
    "xml_text",
]
