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

Stale results: in rows below the header that are not data rows any more, a result column's cell
is cleared when it holds a value (not a formula) in a result cell format (default font, fill and
border with a result number format, as written here) — results of deleted orders never linger,
while a formula, or a note the user typed and formatted there, stays. Clearing keeps a format the
user applied. Data rows get the new value or, for ``None``, a cleared cell.

>>> column_letter(1), column_letter(28), column_index("AB")
('A', 'AB', 28)
>>> excel_serial(dt.datetime(2024, 3, 1, 12, 0)), excel_serial(dt.datetime(2024, 3, 1), date1904=True)
(45352.5, 43890.0)
>>> xml_text("=1+1 & <b>"), xml_text("a\\x01_x0041_")
('=1+1 &amp; &lt;b&gt;', 'a_x0001__x005F_x0041_')
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
import os
import posixpath
import re
import shutil
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import IO, Final, Literal

from defusedxml import ElementTree as SafeET

ColumnKind = Literal["datetime", "money", "hours", "integer", "text"]

#: number format per kind: (built-in numFmtId or None for a custom one, format code)
_FORMATS: Final[dict[str, tuple[int | None, str]]] = {
    "datetime": (None, "yyyy-mm-dd hh:mm:ss"),
    "money": (2, "0.00"),
    "hours": (None, "0.0"),
    "integer": (1, "0"),
    "text": (49, "@"),
}
#: column widths for appended columns (characters)
_WIDTHS: Final[dict[str, str]] = {
    "datetime": "19",
    "money": "10",
    "hours": "9",
    "integer": "7",
    "text": "22",
}
#: ``quotePrefix="0"`` is the schema default; it marks the cell formats this module appends, so
#: re-runs reuse them and stale results can be told from what a user typed.
_MARKER: Final = {"quotePrefix": "0"}
_CHUNK: Final = 1 << 20
_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)
_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ROW_R: Final = re.compile(rb'\sr="(\d+)"')
_CELL_R: Final = re.compile(rb'\sr="([A-Z]{1,3})\d+"')
_STYLE: Final = re.compile(rb'\ss="(\d+)"')
_SPANS: Final = re.compile(rb'\sspans="(\d+):(\d+)"')
_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="\$?([A-Z]+)\$?\d+:\$?([A-Z]+)\$?(\d+)"')
_REF: Final = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


class WorkbookLocked(OSError):
    """Excel has the workbook open (its ``~$`` owner file is beside it)."""


class CorruptWorkbook(ValueError):
    """The file is not a readable xlsx/xlsm (truncated, damaged, or another format)."""


class SheetNotFound(ValueError):
    """The workbook has no (work)sheet of that name."""


class WorkbookNotWritable(OSError):
    """The folder or the file cannot be written (read-only folder, no permission, disk full)."""


@dataclass(frozen=True)
class OutputColumn:
    """One result column: its header, one value per data row (aligned with ``row_numbers``) and
    its kind, which picks the number format.

    Values: ``None`` (blank cell), ``int``/``float``, ``bool``, ``str`` (always an inline string,
    never a formula, even when it starts with ``=``), naive ``datetime``/``date``.
    Kinds: ``datetime`` (yyyy-mm-dd hh:mm:ss), ``money`` (0.00), ``hours`` (0.0), ``integer``
    (0), ``text`` (@).
    """

    header: str
    values: Sequence[object]
    kind: ColumnKind


@dataclass
class PatchReport:
    """What :func:`patch_sheet_columns` did."""

    path: Path
    backup: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)  # header → column letter
    appended: list[str] = field(default_factory=list)  # headers that were not there before
    rows_written: int = 0  # data rows with at least one result value
    cells_cleared: int = 0  # stale results cleared in rows that are no longer data rows
    styles_appended: int = 0  # numFmt + xf elements added to styles.xml
    bytes: int = 0  # size of the written file


def column_letter(index: int) -> str:
    """1-based column number → letters."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """Column letters → 1-based column number."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def excel_serial(value: dt.datetime | dt.date, *, date1904: bool = False) -> float:
    """A naive datetime (or date) as an Excel serial number, to the microsecond."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
    delta = value - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    return (delta.days * 86400_000_000 + delta.seconds * 1_000_000 + delta.microseconds) / 86400e6


def xml_text(text: str) -> str:
    """Text as cell-string XML: escaped, with the characters XML cannot carry written as
    OOXML ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` protected), as Excel does."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lock_file_for(book: Path) -> Path:
    """Where Excel puts its owner file while ``book`` is open."""
    return book.with_name("~$" + book.name)


def backup_path(book: Path) -> Path:
    """``BOOK.xlsx`` → ``BOOK.xlsx.bak``."""
    return book.with_name(book.name + ".bak")


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
) -> PatchReport:
    """Write ``columns`` into ``sheet`` of ``book`` (in place, or to ``out``): see the module
    docstring for where they go and what else is kept.

    ``header_row`` and ``row_numbers`` are 1-based sheet rows; each column has one value per
    entry of ``row_numbers``. In place, ``BOOK.bak`` keeps the original when ``keep_backup``.
    Raises :class:`WorkbookLocked`, :class:`CorruptWorkbook`, :class:`SheetNotFound`,
    :class:`WorkbookNotWritable` (messages in Chinese, saying what to do); on any error the book
    is left as it was.

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
    in_place = target.resolve() == book.resolve() if target.exists() else False
    plan_rows = _validate(header_row, row_numbers, columns)
    for candidate in {book, target}:
        lock = lock_file_for(candidate)
        if lock.exists():
            raise WorkbookLocked(
                f"工作簿「{candidate.name}」正在 Excel/WPS 中打开（旁边有 {lock.name}）。"
                "请先保存并关闭它，再重试；原文件未改动。"
                "（若确实没有打开，可能是 Excel 异常退出留下的，删除该文件后重试）"
            )
    if not book.is_file():
        raise FileNotFoundError(f"找不到工作簿: {book}")
    try:
        archive = zipfile.ZipFile(book)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CorruptWorkbook(
            f"「{book.name}」不是可读的 .xlsx/.xlsm 工作簿，可能已损坏或不完整（{error}）。"
            "原文件未改动；请用 Excel 打开并另存为 .xlsx 后重试"
        ) from error
    with archive, open(book, "rb") as raw:
        try:
            members = _read_central_directory(raw)
            parts = _locate(archive, sheet)
            plan = _plan(archive, parts, header_row, plan_rows, columns)
            styles_xml, xf_ids, appended = _append_styles(
                archive.read(parts.styles), sorted({c.kind for c in columns})
            )
        except (zipfile.BadZipFile, EOFError, KeyError, SafeET.ParseError, zlib.error) as error:
            raise _corrupt(book, error) from error
        ours = {int(v) for v in _our_styles(styles_xml)}
        folder = target.parent
        try:
            fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".shoprules-", suffix=".tmp")
        except OSError as error:
            raise WorkbookNotWritable(
                f"无法在文件夹「{folder}」中写入（{error.strerror or error}）。原文件未改动；"
                "请检查该文件夹是否只读、磁盘是否已满，或用 -o 写到其他位置"
            ) from error
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "w+b") as handle:

                def attempt(plan: _Plan) -> PatchReport:
                    plan.xf_ids, plan.ours = xf_ids, ours
                    report = PatchReport(path=target, styles_appended=appended)
                    _write_book(handle, raw, archive, members, parts, plan, report, styles_xml, appended, compresslevel)  # fmt: skip
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
            mode = book.stat().st_mode & 0o7777
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
    try:
        if keep_backup and (out is None or in_place):
            report.backup = backup_path(book)
            _copy_atomically(book, report.backup)
        os.replace(temp, target)
        _fsync_folder(folder)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WorkbookNotWritable(
            f"无法替换「{target.name}」（{error.strerror or error}）。原文件未改动；"
            "请确认文件没有被其他程序占用、文件夹可写，或用 -o 写到其他位置"
        ) from error
    report.bytes = target.stat().st_size
    return report


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
) -> None:
    report.columns = {c.header: column_letter(plan.targets[c.header]) for c in plan.columns}
    report.appended = [c.header for c in plan.columns if c.header in plan.new_headers]
    replacements: dict[str, Callable[[IO[bytes]], tuple[int, int, int]]] = {
        parts.sheet: lambda f: _deflate_stream(
            f, _rewrite_sheet(archive, parts.sheet, plan, report), level
        ),
    }
    if styles_changed:
        replacements[parts.styles] = lambda f: _deflate_stream(f, iter([styles_xml]), level)
    _write_zip(raw, handle, members, replacements)


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
        if column.kind not in _FORMATS:
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


def _copy_atomically(source: Path, destination: Path) -> None:
    fd, name = tempfile.mkstemp(dir=destination.parent, prefix=".shoprules-", suffix=".bak")
    try:
        with os.fdopen(fd, "wb") as handle, open(source, "rb") as original:
            shutil.copyfileobj(original, handle, _CHUNK)
            handle.flush()
            os.fsync(handle.fileno())
        shutil.copystat(source, name)
        os.replace(name, destination)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; os.replace is durable enough there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# zip: raw copy of every member but the rewritten ones

_EOCD: Final = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR: Final = struct.Struct("<4sLQL")
_ZIP64_EOCD: Final = struct.Struct("<4sQ2H2L4Q")
_CENTRAL: Final = struct.Struct("<4s6H3L5H2L")
_LOCAL: Final = struct.Struct("<4s5H3L2H")


@dataclass
class _Member:
    name: str
    central: bytes  # the raw central-directory record
    offset: int  # of its local header in the source
    end: int  # where its bytes (local header, data, descriptor) end in the source


@dataclass
class _Archive:
    members: list[_Member]
    comment: bytes


def _read_central_directory(raw: IO[bytes]) -> _Archive:
    raw.seek(0, os.SEEK_END)
    size = raw.tell()
    tail_start = max(0, size - 65557)
    raw.seek(tail_start)
    tail = raw.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise zipfile.BadZipFile("no end of central directory")
    _, _, _, _, count, cd_size, cd_offset, comment_len = _EOCD.unpack_from(tail, at)
    comment = tail[at + _EOCD.size : at + _EOCD.size + comment_len]
    locator = at - _ZIP64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        _, _, z64_offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator)
        raw.seek(z64_offset)
        record = raw.read(_ZIP64_EOCD.size)
        if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
            fields = _ZIP64_EOCD.unpack(record)
            count, cd_size, cd_offset = fields[7], fields[8], fields[9]
    raw.seek(cd_offset)
    directory = raw.read(cd_size)
    if len(directory) != cd_size:
        raise zipfile.BadZipFile("truncated central directory")
    members: list[_Member] = []
    position = 0
    for _ in range(count):
        if directory[position : position + 4] != b"PK\x01\x02":
            raise zipfile.BadZipFile("bad central directory record")
        fields = _CENTRAL.unpack_from(directory, position)
        name_len, extra_len, comment_len2 = fields[10], fields[11], fields[12]
        length = _CENTRAL.size + name_len + extra_len + comment_len2
        record = directory[position : position + length]
        name_raw = record[_CENTRAL.size : _CENTRAL.size + name_len]
        name = name_raw.decode("utf-8" if fields[3] & 0x800 else "cp437")
        offset = fields[16]
        if offset == 0xFFFFFFFF:
            offset = _zip64_offset(record, fields)
        members.append(_Member(name, record, offset, 0))
        position += length
    starts = sorted({m.offset for m in members} | {cd_offset})
    following = {start: starts[i + 1] for i, start in enumerate(starts[:-1])}
    for member in members:
        member.end = following[member.offset]
    return _Archive(members, comment)


def _zip64_extra(record: bytes, fields: tuple[int, ...]) -> tuple[int, list[int]]:
    """Position of the zip64 extra block's values in ``record`` and which fields it holds."""
    start = _CENTRAL.size + fields[10]
    end = start + fields[11]
    position = start
    while position + 4 <= end:
        tag, size = struct.unpack_from("<2H", record, position)
        if tag == 1:
            present = []
            if fields[9] == 0xFFFFFFFF:
                present.append(9)
            if fields[8] == 0xFFFFFFFF:
                present.append(8)
            if fields[16] == 0xFFFFFFFF:
                present.append(16)
            return position + 4, present
        position += 4 + size
    raise zipfile.BadZipFile("zip64 offset without zip64 extra field")


def _zip64_offset(record: bytes, fields: tuple[int, ...]) -> int:
    values, present = _zip64_extra(record, fields)
    return int(struct.unpack_from("<Q", record, values + 8 * present.index(16))[0])


def _with_offset(record: bytes, offset: int) -> bytes:
    fields = _CENTRAL.unpack_from(record)
    if fields[16] != 0xFFFFFFFF:
        if offset > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作簿超过 4 GB，不支持")
        return record[:42] + struct.pack("<L", offset) + record[46:]
    values, present = _zip64_extra(record, fields)
    at = values + 8 * present.index(16)
    return record[:at] + struct.pack("<Q", offset) + record[at + 8 :]


def _write_zip(
    raw: IO[bytes],
    out: IO[bytes],
    archive: _Archive,
    replacements: dict[str, Callable[[IO[bytes]], tuple[int, int, int]]],
) -> None:
    """Copy ``archive`` member by member into ``out``; members named in ``replacements`` are
    written by their function (which returns crc, compressed and uncompressed size)."""
    central: list[bytes] = []
    for member in archive.members:
        offset = out.tell()
        write = replacements.get(member.name)
        if write is None:
            raw.seek(member.offset)
            remaining = member.end - member.offset
            while remaining:
                block = raw.read(min(remaining, _CHUNK))
                if not block:
                    raise zipfile.BadZipFile(f"truncated member {member.name}")
                out.write(block)
                remaining -= len(block)
            central.append(_with_offset(member.central, offset))
            continue
        if offset > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作簿超过 4 GB，不支持")
        fields = _CENTRAL.unpack_from(member.central)
        name = member.central[_CENTRAL.size : _CENTRAL.size + fields[10]]
        flags = fields[3] & 0x800
        mtime, mdate = fields[5], fields[6]
        out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, 8, mtime, mdate, 0, 0, 0, len(name), 0))
        out.write(name)
        crc, packed, size = write(out)
        if packed > 0xFFFFFFFE or size > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作表 XML 超过 4 GB，不支持")
        end = out.tell()
        out.seek(offset)
        out.write(
            _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, mtime, mdate, crc, packed, size, len(name), 0)
        )
        out.seek(end)
        extra = _strip_zip64(member.central, fields)
        comment = member.central[_CENTRAL.size + fields[10] + fields[11] :]
        record = _CENTRAL.pack(
            b"PK\x01\x02", fields[1], 20, flags, 8, mtime, mdate, crc, packed, size,
            len(name), len(extra), len(comment), 0, fields[14], fields[15], offset,
        )  # fmt: skip
        central.append(record + name + extra + comment)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    count = len(central)
    if count > 0xFFFE or start > 0xFFFFFFFE:
        raise WorkbookNotWritable("工作簿成员过多或超过 4 GB，不支持")
    comment = archive.comment
    out.write(_EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, len(comment)))
    out.write(comment)


def _strip_zip64(record: bytes, fields: tuple[int, ...]) -> bytes:
    extra = record[_CENTRAL.size + fields[10] : _CENTRAL.size + fields[10] + fields[11]]
    kept = []
    position = 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, position)
        if tag != 1:
            kept.append(extra[position : position + 4 + size])
        position += 4 + size
    return b"".join(kept)


def _deflate_stream(out: IO[bytes], pieces: Iterator[bytes], level: int) -> tuple[int, int, int]:
    """Deflate ``pieces`` into ``out``; returns crc, compressed and uncompressed size.

    Compression and writing run in a second thread (zlib and file writes release the GIL), so
    on two cores they overlap with building the next piece instead of adding to it."""
    queue: Queue[bytes | None] = Queue(maxsize=4)
    totals = [0, 0, 0]  # crc, packed, size
    failure: list[BaseException] = []

    def work() -> None:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        crc = packed = size = 0
        while (piece := queue.get()) is not None:
            if failure:
                continue  # keep draining so the producer never blocks
            try:
                crc = zlib.crc32(piece, crc)
                size += len(piece)
                block = compressor.compress(piece)
                packed += len(block)
                out.write(block)
            except BaseException as error:
                failure.append(error)
        if not failure:
            try:
                block = compressor.flush()
                packed += len(block)
                out.write(block)
            except BaseException as error:
                failure.append(error)
        totals[:] = [crc, packed, size]

    worker = threading.Thread(target=work, name="shoprules-deflate", daemon=True)
    worker.start()
    try:
        for piece in pieces:
            if failure:
                break
            queue.put(piece)
    finally:
        queue.put(None)
        worker.join()
    if failure:
        raise failure[0]
    return totals[0], totals[1], totals[2]


# --------------------------------------------------------------------------------------------
# workbook parts


@dataclass
class _Parts:
    sheet: str
    styles: str
    shared_strings: str | None
    date1904: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of ``part``: id → (type suffix, member name)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    try:
        root = SafeET.fromstring(archive.read(rels_name))
    except KeyError:
        return {}
    found = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        member = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], member)
    return found


def _locate(archive: zipfile.ZipFile, sheet: str) -> _Parts:
    names = set(archive.namelist())
    workbook = next(
        (m for kind, m in _rels(archive, "").values() if kind == "officeDocument"),
        "xl/workbook.xml",
    )
    if workbook not in names:
        raise CorruptWorkbook("工作簿缺少 workbook.xml，不是有效的 .xlsx/.xlsm 文件")
    root = SafeET.fromstring(archive.read(workbook))
    rels = _rels(archive, workbook)
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in root.iter()
    )
    sheets: list[tuple[str, str]] = []
    for element in root.iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        sheets.append((element.get("name") or "", rid))
    match = next((s for s in sheets if s[0] == sheet), None) or next(
        (s for s in sheets if s[0].casefold() == sheet.casefold()), None
    )
    if match is None:
        raise SheetNotFound(
            f"工作簿中没有工作表「{sheet}」（现有: {'、'.join(n for n, _ in sheets)}）。请检查工作表名称"
        )
    kind, member = rels.get(match[1], ("", ""))
    if kind != "worksheet" or member not in names:
        raise SheetNotFound(f"「{match[0]}」不是普通工作表（可能是图表工作表），无法写入结果列")
    styles = next((m for k, m in rels.values() if k == "styles"), None)
    if styles is None or styles not in names:
        raise CorruptWorkbook("工作簿缺少样式表 styles.xml；请用 Excel 打开并另存后重试")
    shared = next((m for k, m in rels.values() if k == "sharedStrings" and m in names), None)
    return _Parts(member, styles, shared, date1904)


def _shared_strings(
    archive: zipfile.ZipFile, member: str | None, wanted: set[int]
) -> dict[int, str]:
    """Only the shared strings at ``wanted`` indices, streamed (defusedxml's iterparse: no
    entity expansion, no network), stopping after the last one needed."""
    found: dict[int, str] = {}
    if member is None or not wanted:
        return found
    last = max(wanted)
    index = 0
    with archive.open(member) as stream:
        for _, element in SafeET.iterparse(stream, events=("end",)):
            if _local(element.tag) != "si":
                continue
            if index in wanted:
                parts = [element.text or ""] if _local(element.tag) == "t" else []
                for child in element:
                    name = _local(child.tag)
                    if name == "t":
                        parts.append(child.text or "")
                    elif name == "r":
                        parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
                found[index] = "".join(parts)
            element.clear()
            index += 1
            if index > last:
                break
    return found


# --------------------------------------------------------------------------------------------
# styles: append only


def _append_styles(styles_xml: bytes, kinds: list[str]) -> tuple[bytes, dict[str, int], int]:
    """Find or append one marked cell format per kind. Returns the new styles.xml, the xf index
    per kind and how many elements were appended; existing ones are never renumbered."""
    root = SafeET.fromstring(styles_xml)
    prefix = _prefix(styles_xml, b"styleSheet")
    fmt_codes: dict[str, int] = {}
    xfs: list[tuple[dict[str, str], bool]] = []
    for element in root:
        name = _local(element.tag)
        if name == "numFmts":
            for fmt in element:
                code, number = fmt.get("formatCode"), fmt.get("numFmtId")
                if code is not None and number is not None and number.isdigit():
                    fmt_codes.setdefault(code, int(number))
        elif name == "cellXfs":
            xfs = [(dict(xf.attrib), len(xf) > 0) for xf in element if _local(xf.tag) == "xf"]
    if not xfs:
        raise CorruptWorkbook("styles.xml 缺少单元格格式 cellXfs；请用 Excel 打开并另存后重试")
    next_fmt = max([163, *fmt_codes.values()]) + 1
    new_fmts: list[bytes] = []
    new_xfs: list[bytes] = []
    xf_ids: dict[str, int] = {}
    for kind in kinds:
        builtin, code = _FORMATS[kind]
        if builtin is not None:
            fmt_id = builtin
        elif code in fmt_codes:
            fmt_id = fmt_codes[code]
        else:
            fmt_id = fmt_codes[code] = next_fmt
            next_fmt += 1
            new_fmts.append(
                b'<%snumFmt numFmtId="%d" formatCode="%s"/>'
                % (prefix, fmt_id, html.escape(code).encode())
            )
        wanted = _xf_attributes(fmt_id)
        index = next((i for i, (attrs, kids) in enumerate(xfs) if attrs == wanted and not kids), -1)
        if index < 0:  # the same format after a re-save dropped the default-valued marker
            plain = {k: v for k, v in wanted.items() if k not in _MARKER}
            index = next((i for i, (a, kids) in enumerate(xfs) if a == plain and not kids), -1)
        if index < 0:
            index = len(xfs)
            xfs.append((wanted, False))
            new_xfs.append(
                b"<%sxf %s/>"
                % (
                    prefix,
                    b" ".join(b'%s="%s"' % (k.encode(), v.encode()) for k, v in wanted.items()),
                )
            )
        xf_ids[kind] = index
    text = styles_xml
    if new_fmts:
        close = b"</%snumFmts>" % prefix
        if close in text:
            at = text.index(close)
            text = text[:at] + b"".join(new_fmts) + text[at:]
            text = _set_count(text, b"numFmts", prefix, len(fmt_codes))
        else:
            empty = re.search(rb"<%snumFmts\b[^>]*/>" % re.escape(prefix), text)
            block = b'<%snumFmts count="%d">%s</%snumFmts>' % (
                prefix, len(new_fmts), b"".join(new_fmts), prefix,
            )  # fmt: skip
            if empty:
                text = text[: empty.start()] + block + text[empty.end() :]
            else:
                opening = re.search(rb"<%sstyleSheet\b[^>]*>" % re.escape(prefix), text)
                if opening is None:
                    raise CorruptWorkbook("styles.xml 格式异常；请用 Excel 打开并另存后重试")
                text = text[: opening.end()] + block + text[opening.end() :]
    if new_xfs:
        close = b"</%scellXfs>" % prefix
        if close not in text:
            raise CorruptWorkbook("styles.xml 格式异常；请用 Excel 打开并另存后重试")
        at = text.index(close)
        text = text[:at] + b"".join(new_xfs) + text[at:]
        text = _set_count(text, b"cellXfs", prefix, len(xfs))
    return text, xf_ids, len(new_fmts) + len(new_xfs)


def _xf_attributes(fmt_id: int) -> dict[str, str]:
    return {
        "numFmtId": str(fmt_id),
        "fontId": "0",
        "fillId": "0",
        "borderId": "0",
        "xfId": "0",
        "applyNumberFormat": "1",
        **_MARKER,
    }


def _our_styles(styles_xml: bytes) -> list[str]:
    """Indices of the cell formats that results are written with: default font, fill and
    border with one of the result number formats — the ones this module appends, and the same
    formats after Excel or openpyxl re-saved the book and renumbered them."""
    root = SafeET.fromstring(styles_xml)
    ids = {str(builtin) for builtin, _ in _FORMATS.values() if builtin is not None}
    codes = {code for builtin, code in _FORMATS.values() if builtin is None}
    for element in root:
        if _local(element.tag) == "numFmts":
            ids |= {f.get("numFmtId") or "" for f in element if f.get("formatCode") in codes}
    found = []
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                if (
                    len(xf) == 0
                    and xf.get("numFmtId") in ids
                    and all(xf.get(name, "0") == "0" for name in ("fontId", "fillId", "borderId"))
                    and xf.get("quotePrefix") not in ("1", "true")
                ):
                    found.append(str(index))
    return found


def _set_count(text: bytes, element: bytes, prefix: bytes, count: int) -> bytes:
    opening = re.search(rb"<%s%s\b[^>]*>" % (re.escape(prefix), element), text)
    if opening is None:
        return text
    tag = opening.group(0)
    if re.search(rb'\scount="\d*"', tag):
        new = re.sub(rb'(\scount=")\d*(")', rb"\g<1>%d\g<2>" % count, tag, count=1)
    else:
        new = tag[:-1] + b' count="%d">' % count
    return text[: opening.start()] + new + text[opening.end() :]


def _prefix(xml: bytes, root: bytes) -> bytes:
    """``b"x:"`` when the document writes its elements with a namespace prefix, else ``b""``."""
    match = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?%s[\s>]" % root, xml[:4096])
    return (match.group(1) + b":") if match and match.group(1) else b""


# --------------------------------------------------------------------------------------------
# the sheet: scan (header row, right-most used column) and streamed rewrite


@dataclass
class _Plan:
    header_row: int
    rows: list[tuple[int, int]]  # (sheet row, index into the values), by sheet row
    columns: Sequence[OutputColumn]
    targets: dict[str, int]  # header → column number
    new_headers: dict[str, int]  # headers to write (not found in the header row)
    header_style: bytes | None  # s="…" value for new header cells
    date1904: bool
    prefix: bytes
    used_row: int  # highest row number seen in the sheet
    guess: bool  # the appended columns' place is a guess, checked while rewriting
    xf_ids: dict[str, int] = field(default_factory=dict)
    ours: set[int] = field(default_factory=set)


def _iter_sheet(stream: IO[bytes], prefix: bytes) -> Iterator[tuple[str, bytes]]:
    """Split sheet XML into ``head`` (through the ``<sheetData>`` tag), ``row`` and ``gap``
    pieces and ``tail`` pieces (from ``</sheetData>``), reading ``_CHUNK`` bytes at a time."""
    open_data = b"<%ssheetData" % prefix
    close_data = b"</%ssheetData>" % prefix
    open_row = b"<%srow" % prefix
    close_row = b"</%srow>" % prefix
    buffer = b""
    eof = False

    def more() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        block = stream.read(_CHUNK)
        if not block:
            eof = True
            return False
        buffer += block
        return True

    while True:
        start = buffer.find(open_data)
        end = buffer.find(b">", start) if start >= 0 else -1
        if end >= 0:
            break
        if not more():
            raise CorruptWorkbook("工作表 XML 中没有 sheetData，文件已损坏")
    if buffer[end - 1 : end] == b"/":
        yield "head", buffer[:start] + open_data + b">"
        buffer = close_data + buffer[end + 1 :]
    else:
        yield "head", buffer[: end + 1]
        buffer = buffer[end + 1 :]
    position = 0
    data_end = buffer.find(close_data)
    while True:
        row = buffer.find(open_row, position)
        if data_end >= 0 and (row < 0 or data_end < row):
            if data_end > position:
                yield "gap", buffer[position:data_end]
            yield "tail", buffer[data_end:]
            while more():
                yield "tail", buffer
                buffer = b""
            return
        finish = -1
        if row >= 0:
            tag_end = buffer.find(b">", row)
            if tag_end >= 0:
                if buffer[tag_end - 1] == 47:  # "/>"
                    finish = tag_end + 1
                else:
                    close = buffer.find(close_row, tag_end)
                    finish = close + len(close_row) if close >= 0 else -1
        if finish < 0:
            buffer = buffer[position:]
            position = 0
            searched = max(0, len(buffer) - len(close_data))
            if not more():
                raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
            if data_end < 0:
                found = buffer.find(close_data, searched)
                data_end = found
            else:
                data_end = buffer.find(close_data)
            continue
        if row > position:
            yield "gap", buffer[position:row]
        yield "row", buffer[row:finish]
        position = finish


_COLUMNS: dict[bytes, int] = {}


def _col(letters: bytes) -> int:
    number = _COLUMNS.get(letters)
    if number is None:
        number = _COLUMNS[letters] = column_index(letters.decode("ascii"))
    return number


def _split_row(row: bytes, prefix: bytes) -> tuple[bytes, bytes, bytes]:
    """``<row …>`` start tag, content, closing (``</row>`` or ``b""`` for a self-closed row)."""
    tag_end = row.find(b">") + 1
    if row[tag_end - 2 : tag_end] == b"/>":
        return row[: tag_end - 2] + b">", b"", b""
    close = len(row) - len(b"</%srow>" % prefix)
    return row[:tag_end], row[tag_end:close], row[close:]


def _cells(content: bytes, prefix: bytes) -> tuple[bytes, list[tuple[int, bytes, bool]], bytes]:
    """Full parse of a row's content: leading bytes, ``(column, xml, had_ref)`` per cell
    (columns counted when a cell has no ``r``), trailing bytes (an ``extLst``)."""
    pattern = _cell_pattern(prefix)
    cells: list[tuple[int, bytes, bool]] = []
    column = 0
    first = last = -1
    for match in pattern.finditer(content):
        xml = match.group(0)
        ref = _CELL_R.search(xml, 0, xml.find(b">"))
        column = _col(ref.group(1)) if ref else column + 1
        cells.append((column, xml, ref is not None))
        if first < 0:
            first = match.start()
        last = match.end()
    if first < 0:
        return content, [], b""
    return content[:first], cells, content[last:]


_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    pattern = _PATTERNS.get(prefix)
    if pattern is None:
        p = re.escape(prefix)
        pattern = _PATTERNS[prefix] = re.compile(
            rb"<%sc(?=[\s>/])[^>]*?(?:/>|>.*?</%sc>)" % (p, p), re.S
        )
    return pattern


_DELIMITERS: Final = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def _tail_cells(content: bytes, prefix: bytes, first_target: int) -> list[tuple[int, int]] | None:
    """``(column, offset)`` of the trailing run of cells whose column is ≥ ``first_target``, left
    to right, found scanning backwards from the end of the row's content; ``None`` when a cell
    there has no ``r`` or the row has an ``extLst`` (then the row is parsed in full)."""
    if b"extLst" in content:
        return None
    opening = b"<%sc" % prefix
    skip = len(opening)
    position = len(content)
    found: list[tuple[int, int]] = []
    while True:
        at = content.rfind(opening, 0, position)
        if at < 0:
            break
        position = at
        if content[at + skip : at + skip + 1] not in _DELIMITERS:
            continue
        if content.startswith(b' r="', at + skip):  # the usual layout: r first
            start = at + skip + 4
            letters = content[start : content.find(b'"', start)].rstrip(b"0123456789")
        else:
            ref = _CELL_R.search(content, at, content.find(b">", at))
            if ref is None:
                return None
            letters = ref.group(1)
        if not letters:
            return None
        column = _col(letters)
        if column < first_target:
            break
        found.append((column, at))
    found.reverse()
    return found


def _has_value(cell: bytes) -> bool:
    end = cell.find(b">")
    return cell[end - 1 : end] != b"/" and cell.find(b"<", end) != cell.rfind(b"<")


def _scan(
    archive: zipfile.ZipFile,
    parts: _Parts,
    header_row: int,
    headers: list[str],
    prefix: bytes,
    *,
    full: bool,
) -> tuple[dict[str, int], int, bytes | None, int, bool]:
    """Header cells that name a result column (right-most wins), the right-most column with a
    value in or below the header row, the style of the right-most header cell, the last row
    number seen, and whether the used column is a guess.

    The sheet is read to the end only when some headers are found and others are not, or with
    ``full``. When all are found nothing more is needed; when none is (a first run) the header
    row's last column is taken as a guess that the rewrite checks (see :class:`_Restart`)."""
    found: dict[str, int] = {}
    used = 0
    style: bytes | None = None
    last_row = 0
    number = 0
    wanted = set(headers)
    complete = False
    with archive.open(parts.sheet) as stream:
        for kind, piece in _iter_sheet(stream, prefix):
            if kind == "row":
                tag_end = piece.find(b">")
                ref = _ROW_R.search(piece, 0, tag_end)
                number = int(ref.group(1)) if ref else number + 1
                last_row = max(last_row, number)
                if number < header_row:
                    continue
                if number == header_row:
                    _, content, _ = _split_row(piece, prefix)
                    _, cells, _ = _cells(content, prefix)
                    texts = _header_cells(archive, parts, cells, prefix)
                    for column, (text, cell_style) in sorted(texts.items()):
                        if text in wanted:
                            found[text] = column
                        style = cell_style
                        used = max(used, column)
                    if wanted <= set(found):
                        complete = True
                        break
                    if not found and not full:
                        return found, used, style, last_row, True
                    continue
                used = max(used, _last_value_column(piece, prefix))
            elif kind == "tail":
                for merge in _MERGE.finditer(piece):
                    if int(merge.group(3)) >= header_row:
                        used = max(used, _col(merge.group(2)))
    return found, used, style, last_row if not complete else 0, False


class _Restart(Exception):
    """The first run's guess of the last used column was wrong: a value lies right of the
    header row's last cell. The sheet is rewritten after a full scan."""


def _last_value_column(row: bytes, prefix: bytes) -> int:
    """Column of the right-most cell with a value (backwards from the row's end)."""
    _, content, _ = _split_row(row, prefix)
    opening = b"<%sc" % prefix
    skip = len(opening)
    position = len(content)
    while True:
        at = content.rfind(opening, 0, position)
        if at < 0:
            return 0
        position = at
        if content[at + skip : at + skip + 1] not in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            continue
        end = content.find(b">", at)
        if content[end - 1 : end] == b"/":
            continue
        ref = _CELL_R.search(content, at, end)
        if ref is None:
            _, cells, _ = _cells(content, prefix)
            return max((c for c, xml, _ in cells if _has_value(xml)), default=0)
        if _has_value(content[at : content.find(b"</%sc>" % prefix, end) + skip + 3]):
            return _col(ref.group(1))


_T_TEXT: Final = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_V_TEXT: Final = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>(.*?)</(?:\w+:)?v>", re.S)
_TYPE: Final = re.compile(rb'\st="(\w+)"')


def _header_cells(
    archive: zipfile.ZipFile, parts: _Parts, cells: list[tuple[int, bytes, bool]], prefix: bytes
) -> dict[int, tuple[str, bytes | None]]:
    """Header-row cells with a value: column → (stripped text, style)."""
    shared_wanted: dict[int, int] = {}
    texts: dict[int, tuple[str, bytes | None]] = {}
    for column, xml, _ in cells:
        if not _has_value(xml):
            continue
        tag = xml[: xml.find(b">")]
        style_match = _STYLE.search(tag)
        style = style_match.group(1) if style_match else None
        kind_match = _TYPE.search(tag)
        kind = kind_match.group(1) if kind_match else b"n"
        if kind == b"inlineStr":
            if b"<%srPh" % prefix in xml:
                xml = re.sub(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", b"", xml, flags=re.S)
            text = b"".join(_T_TEXT.findall(xml))
            texts[column] = (_unescape(text).strip(), style)
        else:
            value = _V_TEXT.search(xml)
            if value is None:
                continue
            if kind == b"s":
                if value.group(1).strip().isdigit():
                    shared_wanted[column] = int(value.group(1))
                    texts[column] = ("", style)
            else:
                texts[column] = (_unescape(value.group(1)).strip(), style)
    if shared_wanted:
        strings = _shared_strings(archive, parts.shared_strings, set(shared_wanted.values()))
        for column, index in shared_wanted.items():
            texts[column] = (strings.get(index, "").strip(), texts[column][1])
    return texts


def _unescape(text: bytes) -> str:
    value = html.unescape(text.decode("utf-8"))
    if "_x" in value:
        value = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)
    return value


def _plan(
    archive: zipfile.ZipFile,
    parts: _Parts,
    header_row: int,
    rows: list[tuple[int, int]],
    columns: Sequence[OutputColumn],
    *,
    full: bool = False,
) -> _Plan:
    with archive.open(parts.sheet) as stream:
        prefix = _prefix(stream.read(4096), b"worksheet")
    headers = [c.header for c in columns]
    found, used, style, last_row, guess = _scan(
        archive, parts, header_row, headers, prefix, full=full
    )
    targets: dict[str, int] = {}
    new_headers: dict[str, int] = {}
    next_free = max([used, *found.values()]) + 1
    for header in headers:
        if header in found:
            targets[header] = found[header]
        else:
            targets[header] = new_headers[header] = next_free
            next_free += 1
    if next_free - 1 > 16384:
        raise ValueError("结果列超出 Excel 的最大列 XFD")
    return _Plan(
        header_row,
        rows,
        columns,
        targets,
        new_headers,
        style,
        parts.date1904,
        prefix,
        last_row,
        guess,
    )


def _rewrite_sheet(
    archive: zipfile.ZipFile, member: str, plan: _Plan, report: PatchReport
) -> Iterator[bytes]:
    """The patched sheet XML, in pieces of about ``_CHUNK`` bytes."""
    prefix = plan.prefix
    by_column = sorted((plan.targets[c.header], c) for c in plan.columns)
    target_columns = {column for column, _ in by_column}
    first_target = min(target_columns)
    last_target = max(target_columns)
    encoded = [
        (
            column,
            b'<%sc r="%s' % (prefix, column_letter(column).encode()),
            _encode_column(c.values, c.kind, plan.xf_ids[c.kind], plan.date1904, prefix),
        )
        for column, c in by_column
    ]
    headers: dict[int, bytes] = {}
    style = b' s="%s"' % plan.header_style if plan.header_style else b""
    for header, column in plan.new_headers.items():
        ref = b"%s%d" % (column_letter(column).encode(), plan.header_row)
        headers[column] = b'<%sc r="%s"%s t="inlineStr"><%sis><%st>%s</%st></%sis></%sc>' % (
            prefix, ref, style, prefix, prefix, xml_text(header).encode(), prefix, prefix, prefix,
        )  # fmt: skip
    data_rows = plan.rows
    pending = 0
    number = 0
    inserted = False
    context = _Row(target_columns, first_target, plan.ours, prefix, report, plan.guess)
    out: list[bytes] = []
    size = 0

    def new_cells(row: int, index: int) -> list[tuple[int, bytes | None]]:
        number = b"%d" % row
        return [
            (column, None if (tail := values[index]) is None else opening + number + tail)
            for column, opening, values in encoded
        ]

    openings = [(opening, values) for _, opening, values in encoded]

    def joined(row: int, index: int) -> bytes:
        number = b"%d" % row
        return b"".join(
            [
                opening + number + tail
                for opening, values in openings
                if (tail := values[index]) is not None
            ]
        )

    def row_xml(row: int, cells: list[tuple[int, bytes | None]]) -> bytes:
        present = [xml for _, xml in cells if xml is not None]
        if not present:
            return b""
        report.rows_written += row != plan.header_row
        return b'<%srow r="%d">%s</%srow>' % (prefix, row, b"".join(present), prefix)

    header_pending = bool(headers)
    row_open = b'<%srow r="' % prefix
    stream = archive.open(member)
    for kind, piece in _iter_sheet(stream, prefix):
        if kind == "row":
            if piece.startswith(row_open):
                number = int(piece[len(row_open) : piece.find(b'"', len(row_open))])
                row_ref: re.Match[bytes] | None = None
                has_ref = True
            else:
                row_ref = _ROW_R.search(piece, 0, piece.find(b">"))
                number = int(row_ref.group(1)) if row_ref else number + 1
                has_ref = row_ref is not None
            if header_pending and plan.header_row < number:
                out.append(row_xml(plan.header_row, list(headers.items())))
                header_pending, inserted = False, True
            while pending < len(data_rows) and data_rows[pending][0] < number:
                row, index = data_rows[pending]
                created = row_xml(row, new_cells(row, index))
                inserted |= bool(created)
                out.append(created)
                pending += 1
            if inserted and not has_ref:
                piece = piece[: len(prefix) + 4] + b' r="%d"' % number + piece[len(prefix) + 4 :]
            if number < plan.header_row:
                out.append(piece)
            else:
                if number == plan.header_row:
                    out.append(_patch_row(piece, number, list(headers.items()), False, context))
                    header_pending = False
                elif pending < len(data_rows) and data_rows[pending][0] == number:
                    index = data_rows[pending][1]
                    pending += 1
                    present = joined(number, index)
                    report.rows_written += bool(present)
                    fast = _data_row_fast(piece, present, context)
                    if fast is None:
                        fast = _patch_row(piece, number, new_cells(number, index), False, context)
                    out.append(fast)
                else:
                    out.append(_patch_row(piece, number, [], True, context))
        elif kind == "head":
            out.append(_patch_head(piece, plan, prefix, first_target, last_target))
        elif kind == "tail":
            if plan.guess:
                for merge in _MERGE.finditer(piece):
                    if (
                        int(merge.group(3)) >= plan.header_row
                        and _col(merge.group(2)) >= first_target
                    ):
                        raise _Restart
            if header_pending:
                out.append(row_xml(plan.header_row, list(headers.items())))
                header_pending = False
            while pending < len(data_rows):
                row, index = data_rows[pending]
                out.append(row_xml(row, new_cells(row, index)))
                pending += 1
            out.append(piece)
        else:
            out.append(piece)
        size += len(piece)  # the input's size: close enough to the output's
        if size >= _CHUNK or len(out) >= 4096:
            yield b"".join(out)
            out.clear()
            size = 0
    stream.close()
    yield b"".join(out)


@dataclass
class _Row:
    """What :func:`_patch_row` needs besides the row."""

    targets: set[int]
    first_target: int
    ours: set[int]
    prefix: bytes
    report: PatchReport
    guess: bool
    letters: dict[int, bytes] = field(init=False)
    last_target: int = field(init=False)
    close_row: bytes = field(init=False)
    any_cell: bytes = field(init=False)
    bare_cell: bytes = field(init=False)
    close_cell: bytes = field(init=False)
    target_cell: re.Pattern[bytes] = field(init=False)  # the start of a result cell
    result_cells: re.Pattern[bytes] = field(init=False)
    cell_open: bytes = field(init=False)
    ours_bytes: set[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.ours_bytes = {b"%d" % s for s in self.ours}
        self.letters = {c: column_letter(c).encode() for c in self.targets}
        self.last_target = max(self.targets)
        self.close_row = b"</%srow>" % self.prefix
        self.any_cell = b"<%sc " % self.prefix
        self.bare_cell = b"<%sc>" % self.prefix
        self.close_cell = b"</%sc>" % self.prefix
        self.cell_open = b'<%sc r="' % self.prefix
        choices = b"|".join(self.letters[c] for c in sorted(self.targets))
        self.target_cell = re.compile(rb"%s(%s)\d" % (re.escape(self.cell_open), choices))
        styles = b"|".join(sorted(self.ours_bytes)) or b"(?!)"
        p = re.escape(self.prefix)
        self.result_cells = re.compile(  # result cells only, in result formats; a cell's
            # content never runs past its own </c> (else fullmatch would swallow other cells)
            rb'(?:<%sc r="(?:%s)\d+"(?: s="(?:%s)")?(?: t="\w+")?(?:/>|>(?:[^<]++|<(?!/%sc>))*+</%sc>))*'
            % (p, choices, styles, p, p),
        )


def _patch_row(
    row: bytes, number: int, new: list[tuple[int, bytes | None]], stale: bool, ctx: _Row
) -> bytes:
    """One existing row with its result cells replaced (``new``: column → cell XML, or None to
    clear it), or — a ``stale`` row — with the result cells of earlier runs cleared. Returns
    ``row`` itself when nothing changes."""
    prefix, targets, first_target = ctx.prefix, ctx.targets, ctx.first_target
    ours, report = ctx.ours, ctx.report
    tag, content, close = _split_row(row, prefix)
    tail = _tail_cells(content, prefix, first_target) if content else []
    if tail is None:
        lead, all_cells, trailer = _cells(content, prefix)
        cells = [
            (c, x if has_ref else _add_ref(x, c, number, prefix)) for c, x, has_ref in all_cells
        ]
        before = lead + b"".join(x for c, x in cells if c < first_target)
        tail_cells = [(c, x) for c, x in cells if c >= first_target]
    elif not tail:  # no result cells yet: append (the first run's case)
        present = [x for _, x in new if x is not None]
        if stale or not present:
            return row
        spans = _SPANS.search(tag)
        if spans and int(spans.group(2)) < new[-1][0]:
            last = max(c for c, x in new if x is not None)
            tag = (
                tag[: spans.start(2)] + b"%d" % max(int(spans.group(2)), last) + tag[spans.end(2) :]
            )
        return tag + content + b"".join(present) + (close or b"</%srow>" % prefix)
    else:
        split = tail[0][1]
        before, trailer = content[:split], b""
        ends = [offset for _, offset in tail[1:]] + [len(content)]
        tail_cells = [(c, content[o:e]) for (c, o), e in zip(tail, ends, strict=True)]
    if ctx.guess and any(_has_value(xml) for _, xml in tail_cells):
        raise _Restart
    replacement = dict(new)
    changed = False
    merged: list[tuple[int, bytes]] = []
    for column, xml in tail_cells:
        if column not in targets:
            merged.append((column, xml))
            continue
        if column in replacement:
            value = replacement.pop(column)
            if value is not None:
                changed |= value != xml
                merged.append((column, value))
                continue
            if not _has_value(xml):
                merged.append((column, xml))
                continue
        elif not stale or not _is_ours(xml, ours, prefix):
            merged.append((column, xml))  # a header cell in place, or something the user typed
            continue
        report.cells_cleared += stale
        changed = True
        cleared = _cleared(xml, ours, prefix)
        if cleared:
            merged.append((column, cleared))
    for column, value in replacement.items():
        if value is not None:
            merged.append((column, value))
            changed = True
    if not changed:
        return row
    merged.sort(key=lambda item: item[0])
    spans = _SPANS.search(tag)
    if spans and merged:
        low = min(int(spans.group(1)), merged[0][0])
        high = max(int(spans.group(2)), merged[-1][0])
        tag = tag[: spans.start()] + b' spans="%d:%d"' % (low, high) + tag[spans.end() :]
    return tag + before + b"".join(x for _, x in merged) + trailer + (close or b"</%srow>" % prefix)


def _data_row_fast(row: bytes, present: bytes, ctx: _Row) -> bytes | None:
    """A data row in the two common cases, without parsing its cells: no result cells yet (the
    new ones are appended), or it ends with result cells only, all in result formats (they are
    swapped for the new ones). ``present`` is the new cells' XML. None when neither applies
    (a cell without a leading ``r``, an ``extLst``, other cells among the results…)."""
    close = ctx.close_row
    if not row.endswith(close):
        return None
    end = len(row) - len(close)
    if not (row.endswith(ctx.close_cell, 0, end) or row.endswith(b"/>", 0, end)) or row.endswith(
        b"Lst/>", 0, end
    ):
        return None  # an extLst after the cells, or text between cells and </row>
    if ctx.bare_cell in row:  # <c> without attributes: its column is implicit
        return None
    found = ctx.target_cell.search(row)
    if found is None:
        start = end
    elif ctx.guess:
        return None
    else:
        start = found.start()
        if ctx.result_cells.fullmatch(row, start, end) is None:
            return None
    previous = row.rfind(ctx.any_cell, 0, start)
    if previous >= 0:
        if not row.startswith(ctx.cell_open, previous):
            return None
        at = previous + len(ctx.cell_open)
        letters = row[at : row.find(b'"', at)].rstrip(b"0123456789")
        if not letters or _col(letters) >= ctx.first_target:
            return None
    if not present:
        return row if found is None else row[:start] + close
    head = row[:start]
    spans = _SPANS.search(row, 0, row.find(b">"))
    if spans and int(spans.group(2)) < ctx.last_target:
        head = row[: spans.start(2)] + b"%d" % ctx.last_target + row[spans.end(2) : start]
    return head + present + close


def _is_ours(cell: bytes, ours: set[int], prefix: bytes) -> bool:
    """A value (not a formula) in one of the cell formats this module appends."""
    if not _has_value(cell) or b"<%sf" % prefix in cell:
        return False
    style = _STYLE.search(cell, 0, cell.find(b">"))
    return style is not None and int(style.group(1)) in ours


def _cleared(cell: bytes, ours: set[int], prefix: bytes) -> bytes:
    """An emptied cell: gone when it had no format or one of ours, else just its format."""
    tag = cell[: cell.find(b">")]
    style = _STYLE.search(tag)
    if style is None or int(style.group(1)) in ours:
        return b""
    ref = _CELL_R.search(tag)
    return b"<%sc%s%s/>" % (prefix, ref.group(0) if ref else b"", style.group(0))


def _add_ref(cell: bytes, column: int, row: int, prefix: bytes) -> bytes:
    at = len(prefix) + 2
    return cell[:at] + b' r="%s%d"' % (column_letter(column).encode(), row) + cell[at:]


def _patch_head(head: bytes, plan: _Plan, prefix: bytes, first: int, last: int) -> bytes:
    """Widen ``<dimension>`` and give appended columns a width in ``<cols>``."""
    last_row = max([plan.header_row, plan.used_row, *(r for r, _ in plan.rows[-1:])])
    dimension = re.search(rb'<%sdimension\s+ref="([^"]*)"' % re.escape(prefix), head)
    if dimension:
        ref = dimension.group(1).decode()
        corners = [_REF.match(part) for part in ref.split(":")]
        if corners and all(corners):
            cols = [column_index(m.group(1)) for m in corners if m]
            rows = [int(m.group(2)) for m in corners if m]
            low_col, low_row = min([*cols, first]), min([*rows, plan.header_row])
            high_col, high_row = max([*cols, last]), max([*rows, last_row])
            new = f"{column_letter(low_col)}{low_row}:{column_letter(high_col)}{high_row}".encode()
            if new != dimension.group(1):
                head = head[: dimension.start(1)] + new + head[dimension.end(1) :]
    if not plan.new_headers:
        return head
    covered: set[int] = set()
    for col in re.finditer(rb"<%scol\b[^>]*>" % re.escape(prefix), head):
        low = re.search(rb'\smin="(\d+)"', col.group(0))
        high = re.search(rb'\smax="(\d+)"', col.group(0))
        if low and high:
            covered.update(range(int(low.group(1)), min(int(high.group(1)), 16384) + 1))
    kinds = {c.header: c.kind for c in plan.columns}
    added = [
        (column, b'<%scol min="%d" max="%d" width="%s" customWidth="1"/>' % (prefix, column, column, _WIDTHS[kinds[h]].encode()))
        for h, column in sorted(plan.new_headers.items(), key=lambda item: item[1])
        if column not in covered
    ]  # fmt: skip
    if not added:
        return head
    close = head.rfind(b"</%scols>" % prefix)
    if close >= 0:  # insert each new <col> before the first existing one to its right
        start = head.find(b">", head.rfind(b"<%scols" % prefix, 0, close)) + 1
        existing = [
            (int(m.group(1)), start + m.start())
            for m in re.finditer(
                rb'<%scol\b[^>]*?\smin="(\d+)"' % re.escape(prefix), head[start:close]
            )
        ]
        pieces, position = [], 0
        for column, xml in added:
            at = next((offset for low, offset in existing if low > column), close)
            pieces += [head[position:at], xml]
            position = at
        return b"".join(pieces) + head[position:]
    data = head.rfind(b"<%ssheetData" % prefix)
    return (
        head[:data]
        + b"<%scols>%s</%scols>" % (prefix, b"".join(x for _, x in added), prefix)
        + head[data:]
    )


# --------------------------------------------------------------------------------------------
# cell XML


def _encode_column(
    values: Sequence[object], kind: str, xf: int, date1904: bool, prefix: bytes
) -> list[bytes | None]:
    """Each value's cell XML after the row number (``" s="3"><v>1.5</v></c>``), or None for a
    blank; repeated values share one bytes object."""
    number_tail = b'" s="%d"><%sv>' % (xf, prefix)
    number_end = b"</%sv></%sc>" % (prefix, prefix)
    string_tail = b'" s="%d" t="inlineStr"><%sis><%st' % (xf, prefix, prefix)
    string_end = b"</%st></%sis></%sc>" % (prefix, prefix, prefix)
    bool_tail = b'" s="%d" t="b"><%sv>' % (xf, prefix)
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    cache: dict[tuple[type, object], bytes | None] = {}

    def encode(value: object) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, str):
            if value == "":
                return None
            text = xml_text(value)
            space = b' xml:space="preserve">' if text != text.strip() or "\n" in text else b">"
            return string_tail + space + text.encode("utf-8") + string_end
        if isinstance(value, bool):
            return bool_tail + (b"1" if value else b"0") + number_end
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            return number_tail + _number(value) + number_end
        if isinstance(value, int):
            return number_tail + b"%d" % value + number_end
        if isinstance(value, dt.datetime):
            if value != value:  # pandas NaT
                return None
            if value.tzinfo is not None:
                raise ValueError(f"时间应为不带时区的中国时间: {value!r}")
            delta = value - epoch
            serial = (
                delta.days * 86400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
            ) / 86400e6
            return number_tail + _number(serial) + number_end
        if isinstance(value, dt.date):
            return number_tail + b"%d" % (value - epoch.date()).days + number_end
        item = getattr(value, "item", None)  # numpy scalars
        if callable(item):
            return encode(item())
        if value != value:  # pd.NA and friends
            return None
        return encode(str(value))

    encoded: list[bytes | None] = []
    append = encoded.append
    day = dt.timedelta(days=1)
    for value in values:
        if value is None:
            append(None)
            continue
        if value.__class__ is dt.datetime and value.tzinfo is None:
            serial = (value - epoch) / day
            append(number_tail + _number(serial) + number_end)  # unique values: no cache
            continue
        try:
            key = (value.__class__, value)
            found = cache.get(key, False)
        except TypeError:  # unhashable
            append(encode(value))
            continue
        if found is False:
            found = cache[key] = encode(value)
        append(found)  # type: ignore[arg-type]
    return encoded


def _number(value: float) -> bytes:
    if value.is_integer() and abs(value) < 1e15:
        return b"%d" % value
    return float.__repr__(value).encode()
