"""Write result columns into an existing ``.xlsx``/``.xlsm`` without touching anything else.

What changes: the order sheet's XML (its result cells, ``<dimension>``, ``<cols>`` widths of
appended columns, a row's ``spans`` hint) and ``styles.xml`` (number formats and cell formats
appended at the end, never renumbered; reused on re-runs). Every other zip member is copied as
its raw compressed bytes — local header, data and central-directory record unchanged apart from
its offset — in the original order: other sheets, charts, images, drawings, pivot caches,
comments, data validation, defined names, ``vbaProject.bin``. The shared-string table is never
touched (new text is an inline string) and text is never written as a formula, even when it
starts with ``=``, ``+``, ``-`` or ``@``. The result goes to a temporary file in the book's
folder, is fsynced and moved into place with ``os.replace``; ``BOOK.xlsx.bak`` keeps the original.

Streaming: the sheet XML is read ``_CHUNK`` bytes at a time and cut into ``<row>`` elements by
byte search (no tree is built, so 100,000 rows cost a few MB of memory); a row is copied
unchanged unless it gets or loses result cells. Data rows are handled without parsing their
cells when they end with result cells only (a re-run) or have none yet (a first run); other rows
are split into cells. The new XML is deflated in a second thread while the next rows are built.
The sheet is never parsed by an XML parser, so entities are never expanded; the small parts that
are (workbook, relationships, styles, shared strings) go through defusedxml.

Where the columns go: a result column whose header is already in the header row (the right-most
such cell, surrounding spaces ignored) is overwritten where it is; the others are appended right
of the right-most cell with a value in the header row or any row below it (merged ranges
included) — immediately right of the data. Rows above the header (a title) do not count.

Rows that are not orders (``keep_rows``: a total row, notes, values typed below the data) are
copied as they are, every cell of them. Stale results: in other rows below the header that are
not data rows any more, a result column's cell
is cleared when it holds a value (not a formula) in a result cell format (default font, fill and
border with a result number format, as written here) — results of deleted orders never linger,
while a formula, or a note the user typed and formatted there, stays. Clearing keeps a format the
user applied. Data rows get the new value or, for ``None``, a cleared cell.

Safety (:mod:`.guard`): one run per workbook at a time (an advisory lock beside it); the book
must still be the file that was read (``read_as``: size, time, SHA-256; checked again just
before the replace); a symlink's target is written and the link kept; a read-only or immutable
file is refused; a killed run's temporary files are removed by the next run; a re-run that
changes nothing writes nothing.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import IO

from defusedxml import ElementTree as SafeET

from ..cells.excel import column_letter
from ..columns import FORMATS
from ..zipsizes import check_zip_sizes
from .atomic import _copy_atomically, _fsync_folder, backup_path, lock_file_for
from .columns import OutputColumn, PatchReport
from .conditional import sheet_extras, status_styles
from .errors import CorruptWorkbook, WorkbookChanged, WorkbookLocked, WorkbookNotWritable
from .guard import (
    LOCK_TIMEOUT,
    Fingerprint,
    check_same_file,
    check_unchanged,
    check_writable,
    real_path,
    remove_stale_temps,
    temp_prefix,
    workbook_lock,
)
from .layout import _Plan, _plan, _Restart
from .parts import _locate, _Parts
from .rewrite import _rewrite_sheet
from .styles import _append_styles, _our_styles
from .zipio import _CHUNK, _Archive, _deflate_stream, _read_central_directory, _write_zip

# --------------------------------------------------------------------------------------------
# public entry point


def patch_sheet_columns(
    book: Path,
    sheet: str,
    header_row: int,
    row_numbers: Sequence[int],
    columns: Sequence[OutputColumn],
    *,
    out: Path | None = None,
    keep_backup: bool = True,
    compresslevel: int = 3,
    keep_rows: Collection[int] = (),
    read_as: Fingerprint | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> PatchReport:
    """Write ``columns`` into ``sheet`` of ``book`` (in place, or to ``out``): see the module
    docstring for where they go and what else is kept.

    ``header_row`` and ``row_numbers`` are 1-based sheet rows; each column has one value per
    entry of ``row_numbers``. ``keep_rows`` are rows that are not orders (a total, a note): they
    are copied as they are, even when listed in ``row_numbers`` (their values are not written). ``read_as`` is the :func:`~.guard.fingerprint` taken when the book
    was read: the book must still be that file, else :class:`WorkbookChanged` and nothing is
    written. A symlink is followed and its target written. In place, ``BOOK.bak`` keeps the
    original when ``keep_backup``. Raises :class:`WorkbookLocked`, :class:`CorruptWorkbook`,
    :class:`SheetNotFound`, :class:`WorkbookNotWritable` and its kinds
    :class:`WorkbookReadOnly`, :class:`WorkbookChanged`, :class:`WorkbookBusy` (messages in
    Chinese, saying what to do); on any error the book is left as it was.

    >>> import tempfile, openpyxl
    >>> folder = Path(tempfile.mkdtemp())
    >>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "订单"
    >>> ws.append(["订单编号", "实付金额"]); ws.append(["1001", 99]); wb.save(folder / "a.xlsx")
    >>> report = patch_sheet_columns(folder / "a.xlsx", "订单", 1, [2],
    ...     [OutputColumn("违约金", [5.0], "money"), OutputColumn("数据问题", ["=x"], "text")])
    >>> report.columns, report.backup.name
    ({'违约金': 'C', '数据问题': 'D'}, 'a.xlsx.bak')
    >>> [c.value for c in openpyxl.load_workbook(folder / "a.xlsx")["订单"][2]]
    ['1001', 99, 5, '=x']
    """
    book = Path(book)
    target = Path(out) if out is not None else book
    source, written = real_path(book), real_path(target)
    in_place = written == source
    plan_rows = _validate(header_row, row_numbers, columns)
    keep = frozenset(int(n) for n in keep_rows)
    if keep:
        plan_rows = [(n, k) for n, k in plan_rows if n not in keep]
    for candidate in dict.fromkeys([book, source, target, written]):
        lock = lock_file_for(candidate)
        if lock.exists():
            raise WorkbookLocked(
                f"工作簿「{candidate.name}」正在 Excel/WPS 中打开（旁边有 {lock.name}）。"
                "请先保存并关闭它，再重试；原文件未改动。"
                "（若确实没有打开，可能是 Excel 异常退出留下的，删除该文件后重试）"
            )
    if not source.is_file():
        raise FileNotFoundError(f"找不到工作簿: {book}")
    check_writable(written)
    with contextlib.ExitStack() as locks:
        for path in sorted({source, written}):
            locks.enter_context(workbook_lock(path, timeout=lock_timeout))
        remove_stale_temps(written)
        return _patch_locked(
            source, written, sheet, header_row, plan_rows, columns, keep,
            backup=keep_backup and (out is None or in_place), read_as=read_as,
            compresslevel=compresslevel,
        )  # fmt: skip


def _patch_locked(
    book: Path,
    target: Path,
    sheet: str,
    header_row: int,
    plan_rows: list[tuple[int, int]],
    columns: Sequence[OutputColumn],
    keep: frozenset[int],
    *,
    backup: bool,
    read_as: Fingerprint | None,
    compresslevel: int,
) -> PatchReport:
    try:
        raw = open(book, "rb")  # noqa: SIM115 - closed below, before the replace
    except OSError as error:
        raise CorruptWorkbook(f"无法读取「{book.name}」（{error.strerror or error}）") from error
    try:
        opened = os.fstat(raw.fileno())
        if read_as is not None:
            check_unchanged(book, raw, read_as)
        temp, report = _write_temp(book, target, raw, sheet, header_row, plan_rows, columns, keep, compresslevel)  # fmt: skip
        if target == book and _same_bytes(temp, raw, opened.st_size):
            temp.unlink(missing_ok=True)  # a re-run that changes nothing: file, time, .bak kept
            report.bytes = opened.st_size
            return report
        try:
            check_same_file(book, opened)
            if backup:
                report.backup = backup_path(book)
                _copy_atomically(book, report.backup, raw)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    finally:
        raw.close()
    try:
        check_same_file(book, opened)  # just before the replace
        os.replace(temp, target)
        _fsync_folder(target.parent)
    except WorkbookChanged:
        temp.unlink(missing_ok=True)
        raise
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WorkbookNotWritable(
            f"无法替换「{target.name}」（{error.strerror or error}）。原文件未改动；"
            "请确认文件没有被其他程序占用、文件夹可写，或用 -o 写到其他位置"
        ) from error
    report.bytes = target.stat().st_size
    return report


def _same_bytes(temp: Path, raw: IO[bytes], size: int) -> bool:
    """Whether the new file is byte for byte the one read (same size checked first: free)."""
    if temp.stat().st_size != size:
        return False
    raw.seek(0)
    with open(temp, "rb") as new:
        while block := raw.read(_CHUNK):
            if new.read(len(block)) != block:
                return False
    return True


def _write_temp(
    book: Path,
    target: Path,
    raw: IO[bytes],
    sheet: str,
    header_row: int,
    plan_rows: list[tuple[int, int]],
    columns: Sequence[OutputColumn],
    keep: frozenset[int],
    compresslevel: int,
) -> tuple[Path, PatchReport]:
    """The patched workbook in a temporary file beside ``target``, read from ``raw``."""
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CorruptWorkbook(
            f"「{book.name}」不是可读的 .xlsx/.xlsm 工作簿，可能已损坏或不完整（{error}）。"
            "原文件未改动；请用 Excel 打开并另存为 .xlsx 后重试"
        ) from error
    with archive:
        check_zip_sizes(archive.infolist(), book.name)  # a zip bomb is not patched either
        try:
            members = _read_central_directory(raw)
            parts = _locate(archive, sheet)
            plan = _plan(archive, parts, header_row, plan_rows, columns)
            styles_xml, xf_ids, appended = _append_styles(
                archive.read(parts.styles), sorted({c.kind for c in columns})
            )
            styles_xml, dxf_ids, dxfs = status_styles(styles_xml, [c.header for c in columns])
            appended += dxfs
        except (zipfile.BadZipFile, EOFError, KeyError, SafeET.ParseError, zlib.error) as error:
            raise _corrupt(book, error) from error
        ours = {int(v) for v in _our_styles(styles_xml)}
        folder = target.parent
        try:
            fd, temp_name = tempfile.mkstemp(dir=folder, prefix=temp_prefix(target), suffix=".tmp")
        except OSError as error:
            raise WorkbookNotWritable(
                f"无法在文件夹「{folder}」中写入（{error.strerror or error}）。原文件未改动；"
                "请检查该文件夹是否只读、磁盘是否已满，或用 -o 写到其他位置"
            ) from error
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "w+b") as handle:

                def attempt(plan: _Plan) -> PatchReport:
                    plan.xf_ids, plan.ours, plan.keep = xf_ids, ours, keep
                    report = PatchReport(path=target, styles_appended=appended)
                    _write_book(handle, raw, archive, members, parts, plan, report, styles_xml, appended, compresslevel, dxf_ids)  # fmt: skip
                    return report

                try:
                    report = attempt(plan)
                except _Restart:  # a value right of the header row: scan the sheet in full
                    handle.seek(0)
                    handle.truncate()
                    report = attempt(
                        _plan(archive, parts, header_row, plan_rows, columns, full=True)
                    )
                handle.flush()
                os.fsync(handle.fileno())
            mode = os.fstat(raw.fileno()).st_mode & 0o7777
            os.chmod(temp, mode)
        except (zipfile.BadZipFile, EOFError, zlib.error, SafeET.ParseError) as error:
            temp.unlink(missing_ok=True)
            raise _corrupt(book, error) from error
        except OSError as error:
            temp.unlink(missing_ok=True)
            raise WorkbookNotWritable(
                f"写入临时文件失败（{error.strerror or error}）。原文件未改动；请检查磁盘空间和权限"
            ) from error
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return temp, report


def _write_book(
    handle: IO[bytes],
    raw: IO[bytes],
    archive: zipfile.ZipFile,
    members: _Archive,
    parts: _Parts,
    plan: _Plan,
    report: PatchReport,
    styles_xml: bytes,
    styles_changed: int,
    level: int,
    dxf_ids: dict[str, int],
) -> None:
    report.columns = {c.header: column_letter(plan.targets[c.header]) for c in plan.columns}
    report.appended = [c.header for c in plan.columns if c.header in plan.new_headers]
    wrap, tables = sheet_extras(
        archive, parts.sheet, prefix=plan.prefix, header_row=plan.header_row,
        targets=plan.targets, rows=plan.rows, dxf_ids=dxf_ids,
    )  # fmt: skip
    replacements: dict[str, Callable[[IO[bytes]], tuple[int, int, int]]] = {
        parts.sheet: lambda f: _deflate_stream(
            f, wrap(_rewrite_sheet(archive, parts.sheet, plan, report)), level
        ),
    }
    for member, xml in tables.items():  # tables widened over the result columns
        replacements[member] = functools.partial(_write_part, xml=xml, level=level)
    if styles_changed:
        replacements[parts.styles] = lambda f: _deflate_stream(f, iter([styles_xml]), level)
    _write_zip(raw, handle, members, replacements)


def _write_part(out: IO[bytes], *, xml: bytes, level: int) -> tuple[int, int, int]:
    return _deflate_stream(out, iter([xml]), level)


def _corrupt(book: Path, error: BaseException) -> CorruptWorkbook:
    return CorruptWorkbook(
        f"「{book.name}」已损坏或不完整，无法读取（{type(error).__name__}: {error}）。"
        "原文件未改动；请用 Excel 打开并另存为 .xlsx 后重试"
    )


def _validate(
    header_row: int, row_numbers: Sequence[int], columns: Sequence[OutputColumn]
) -> list[tuple[int, int]]:
    if header_row < 1:
        raise ValueError(f"表头行号应 ≥ 1: {header_row}")
    if not columns:
        raise ValueError("没有要写入的列")
    headers = [c.header for c in columns]
    if len(set(headers)) != len(headers) or any(not h.strip() for h in headers):
        raise ValueError(f"列标题不能为空或重复: {headers}")
    for column in columns:
        if column.kind not in FORMATS:
            raise ValueError(f"列「{column.header}」的类型未知: {column.kind!r}")
        if len(column.values) != len(row_numbers):
            raise ValueError(
                f"列「{column.header}」有 {len(column.values)} 个值，但有 {len(row_numbers)} 行"
            )
    pairs = sorted((int(n), k) for k, n in enumerate(row_numbers))
    for (a, _), (b, _) in itertools.pairwise(pairs):
        if a == b:
            raise ValueError(f"行号重复: {a}")
    if pairs and (pairs[0][0] <= header_row or pairs[-1][0] > 1_048_576):
        raise ValueError(f"数据行号应在表头行 {header_row} 之下且不超过 1048576")
    return pairs
