"""Write result columns into an existing .xlsx/.xlsm without touching anything else.

Only the order sheet's XML is rewritten (its rows streamed one ``<row>`` at a time); styles are
only appended to; every other zip member is copied with identical content — other sheets,
charts, images, pivot caches, comments, data validation, defined names, ``vbaProject.bin``.
Text is written as inline strings (the shared-string table is untouched) and never as a formula.
The new file is written beside the book, fsynced and atomically moved into place; ``BOOK.bak``
keeps the original.

>>> column_letter(1), column_letter(28), column_index("AB")
('A', 'AB', 28)
>>> excel_serial(dt.datetime(2024, 3, 1, 12, 0)), excel_serial(dt.datetime(2024, 3, 1), date1904=True)
(45352.5, 43890.0)
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final, Literal
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

ColumnKind = Literal["datetime", "money", "hours", "integer", "text"]

NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"

#: number format per kind: (built-in id or None, format code)
_FORMATS: Final[dict[str, tuple[int | None, str]]] = {
    "datetime": (None, "yyyy-mm-dd hh:mm:ss"),
    "money": (2, "0.00"),
    "hours": (None, "0.0"),
    "integer": (1, "0"),
    "text": (49, "@"),
}
_WIDTHS: Final[dict[str, float]] = {
    "datetime": 19.0,
    "money": 10.0,
    "hours": 9.0,
    "integer": 7.0,
    "text": 22.0,
}
_ILLEGAL_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROW: Final = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL: Final = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_ATTR_R: Final = re.compile(rb'\br="([A-Z]+)?(\d+)?"')
_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)


class WorkbookLocked(OSError):
    """Excel has the workbook open (a ``~$`` lock file is beside it)."""


class CorruptWorkbook(ValueError):
    """The file is not a readable xlsx/xlsm zip (truncated, damaged or another format)."""


class SheetNotFound(ValueError):
    """The workbook has no sheet of that name."""


class WorkbookNotWritable(OSError):
    """The folder or the file cannot be written."""


@dataclass(frozen=True)
class OutputColumn:
    """One result column: its header, one value per data row (aligned with ``row_numbers``:
    ``None`` for a blank cell, numbers, text, naive ``datetime``) and how to format it."""

    header: str
    values: Sequence[object]
    kind: ColumnKind


@dataclass
class PatchReport:
    path: Path
    backup: Path | None
    columns: dict[str, str] = field(default_factory=dict)  # header → column letter
    rows_written: int = 0
    styles_appended: int = 0
    cleared_cells: int = 0
    bytes_written: int = 0


def column_letter(index: int) -> str:
    """1-based column number → letters."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """Column letters → 1-based number."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def excel_serial(value: dt.datetime, *, date1904: bool = False) -> float:
    """A naive datetime as an Excel serial number (rounded to the millisecond)."""
    delta = value - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    return round(delta.total_seconds() / 86400, 9)


def lock_file_for(book: Path) -> Path:
    """Where Excel puts its owner file while ``book`` is open."""
    return book.with_name("~$" + book.name)


def patch_sheet_columns(
    book: Path,
    sheet: str,
    header_row: int,
    row_numbers: Sequence[int],
    columns: Sequence[OutputColumn],
    *,
    out: Path | None = None,
    keep_backup: bool = True,
) -> PatchReport:
    """Write ``columns`` into ``sheet`` of ``book`` (in place, or to ``out``); see the module doc.

    Existing result columns are found by their header text in ``header_row`` and overwritten;
    the others are appended right of the last used header cell. Cells of those columns below
    the header in rows not in ``row_numbers`` are cleared, so results of deleted rows never
    linger.
    """
    book = Path(book)
    target = Path(out) if out is not None else book
    for column in columns:
        if len(column.values) != len(row_numbers):
            raise ValueError(
                f"列「{column.header}」有 {len(column.values)} 个值，但有 {len(row_numbers)} 行"
            )
    if lock_file_for(book).exists() or lock_file_for(target).exists():
        raise WorkbookLocked(
            f"工作簿「{book.name}」正在 Excel 中打开（发现 {lock_file_for(book).name}）。请先在 Excel 中保存并关闭它，然后重试"
        )
    try:
        archive = zipfile.ZipFile(book)
    except (zipfile.BadZipFile, OSError) as error:
        raise CorruptWorkbook(
            f"「{book.name}」不是可读的 Excel 工作簿（{error}）。原文件未改动；请用 Excel 打开并另存为 .xlsx 后重试"
        ) from error
    with archive:
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise CorruptWorkbook(f"「{book.name}」已损坏（{error}）。原文件未改动") from error
        if bad is not None:
            raise CorruptWorkbook(f"「{book.name}」已损坏（成员 {bad} 校验失败）。原文件未改动")
        sheet_path, date1904 = _locate_sheet(archive, sheet)
        styles_xml = archive.read("xl/styles.xml")
        sheet_xml = archive.read(sheet_path)
        shared = _SharedStrings(archive)

        header_cells = _header_texts(sheet_xml, header_row, shared)
        letters: dict[str, int] = {}
        used = max([*header_cells, _max_used_column(sheet_xml, header_row)])
        by_text: dict[str, int] = {}
        for index, text in sorted(header_cells.items()):
            by_text.setdefault(text, index)
        for column in columns:
            if column.header in by_text:
                letters[column.header] = by_text[column.header]
        next_free = max([used, *letters.values()]) + 1
        for column in columns:
            if column.header not in letters:
                letters[column.header] = next_free
                next_free += 1

        header_style = _style_of(sheet_xml, header_row, max(header_cells) if header_cells else None)
        new_styles, xf_ids, appended = _append_styles(styles_xml, {c.kind for c in columns})
        new_sheet, rows_written, cleared = _rewrite_sheet(
            sheet_xml,
            header_row,
            list(row_numbers),
            columns,
            letters,
            xf_ids,
            header_style,
            date1904,
        )
        report = PatchReport(
            path=target,
            backup=None,
            styles_appended=appended,
            rows_written=rows_written,
            cleared_cells=cleared,
        )
        report.columns = {c.header: column_letter(letters[c.header]) for c in columns}
        replacements = {sheet_path: new_sheet, "xl/styles.xml": new_styles}
        folder = target.parent
        try:
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the with below
                dir=folder, prefix=".shoprules-", suffix=".tmp", delete=False
            )
        except OSError as error:
            raise WorkbookNotWritable(
                f"无法在「{folder}」中写入临时文件（{error}）。请检查文件夹权限，或用 -o 指定其他位置"
            ) from error
        temp = Path(handle.name)
        try:
            with handle, zipfile.ZipFile(handle, "w") as result:
                for info in archive.infolist():
                    data = replacements.get(info.filename)
                    if data is None:
                        data = archive.read(info)
                    result.writestr(_clone(info), data, compress_type=info.compress_type)
                handle.flush()
            with open(temp, "rb+") as synced:
                os.fsync(synced.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    try:
        if target == book and keep_backup:
            backup = book.with_name(book.name + ".bak")
            shutil.copy2(book, backup)
            report.backup = backup
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WorkbookNotWritable(
            f"无法写入「{target}」（{error}）。原文件未改动；请检查权限或用 -o 指定其他位置"
        ) from error
    report.bytes_written = target.stat().st_size
    return report


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    copy.extra = info.extra
    return copy


def _locate_sheet(archive: zipfile.ZipFile, sheet: str) -> tuple[str, bool]:
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    date1904 = any(
        el.get("date1904") in ("1", "true") for el in workbook.iter(f"{{{NS_MAIN}}}workbookPr")
    )
    targets = {
        rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship")
    }
    available = []
    for element in workbook.iter(f"{{{NS_MAIN}}}sheet"):
        available.append(element.get("name"))
        if element.get("name") == sheet:
            target = str(targets.get(element.get(f"{{{NS_REL}}}id")) or "")
            if not target:
                raise CorruptWorkbook(f"工作表「{sheet}」在 workbook.xml.rels 中没有目标文件")
            if target.startswith("/"):
                return target.lstrip("/"), date1904
            return str(PurePosixPath("xl") / target), date1904
    raise SheetNotFound(
        f"工作簿中没有工作表「{sheet}」（有: {'、'.join(str(a) for a in available)}）"
    )


class _SharedStrings:
    """Lazy lookup of shared strings by index (parsed once, only if needed)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._items: list[str] | None = None

    def get(self, index: int) -> str:
        if self._items is None:
            self._items = []
            if "xl/sharedStrings.xml" in self._archive.namelist():
                root = SafeET.fromstring(self._archive.read("xl/sharedStrings.xml"))
                for si in root.iter(f"{{{NS_MAIN}}}si"):
                    self._items.append("".join(t.text or "" for t in si.iter(f"{{{NS_MAIN}}}t")))
        return self._items[index] if 0 <= index < len(self._items) else ""


def _find_row(sheet_xml: bytes, number: int) -> bytes | None:
    start = sheet_xml.find(b'<row r="%d"' % number)
    if start < 0:
        return None
    match = _ROW.match(sheet_xml, start)
    return match.group(0) if match else None


def _header_texts(sheet_xml: bytes, header_row: int, shared: _SharedStrings) -> dict[int, str]:
    row = _find_row(sheet_xml, header_row)
    if row is None:
        return {}
    texts = {}
    for cell in _CELL.finditer(row):
        xml = cell.group(0)
        ref = _ATTR_R.search(xml[: xml.find(b">") + 1])
        if not ref or not ref.group(1):
            continue
        index = column_index(ref.group(1).decode())
        value = _cell_text(xml, shared)
        if value is not None and value.strip():
            texts[index] = value.strip()
    return texts


def _cell_text(xml: bytes, shared: _SharedStrings) -> str | None:
    element = SafeET.fromstring(
        xml.replace(b"<c ", b'<c xmlns="%s" ' % NS_MAIN.encode(), 1) if b"xmlns" not in xml else xml
    )
    kind = element.get("t")
    if kind == "s":
        v = element.find(f"{{{NS_MAIN}}}v")
        return shared.get(int(v.text)) if v is not None and v.text else None
    if kind == "inlineStr":
        return "".join(t.text or "" for t in element.iter(f"{{{NS_MAIN}}}t"))
    v = element.find(f"{{{NS_MAIN}}}v")
    return v.text if v is not None else None


def _style_of(sheet_xml: bytes, row_number: int, column: int | None) -> str | None:
    if column is None:
        return None
    row = _find_row(sheet_xml, row_number)
    if row is None:
        return None
    match = re.search(
        rb'<c r="%s%d"[^>]*?\bs="(\d+)"' % (column_letter(column).encode(), row_number), row
    )
    return match.group(1).decode() if match else None


def _append_styles(styles_xml: bytes, kinds: set[str]) -> tuple[bytes, dict[str, str], int]:
    """Append (or reuse) one cell format per kind; never renumber existing ones."""
    text = styles_xml.decode("utf-8")
    appended = 0
    root = SafeET.fromstring(styles_xml)
    num_fmts = {
        el.get("formatCode"): el.get("numFmtId") for el in root.iter(f"{{{NS_MAIN}}}numFmt")
    }
    used_ids = [int(i) for i in num_fmts.values() if i is not None]
    next_fmt = max([163, *used_ids]) + 1
    cell_xfs = root.find(f"{{{NS_MAIN}}}cellXfs")
    if cell_xfs is None:
        raise CorruptWorkbook("styles.xml 缺少 cellXfs，工作簿格式异常；请用 Excel 另存后重试")
    existing = [dict(xf.attrib) for xf in cell_xfs.findall(f"{{{NS_MAIN}}}xf")]
    xf_ids: dict[str, str] = {}
    new_fmts: list[str] = []
    new_xfs: list[str] = []
    for kind in sorted(kinds):
        builtin, code = _FORMATS[kind]
        if builtin is not None:
            fmt_id = str(builtin)
        elif code in num_fmts:
            fmt_id = str(num_fmts[code])
        else:
            fmt_id = str(next_fmt)
            next_fmt += 1
            num_fmts[code] = fmt_id
            new_fmts.append(
                f'<numFmt numFmtId="{fmt_id}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
            )
        wanted = {
            "numFmtId": fmt_id,
            "fontId": "0",
            "fillId": "0",
            "borderId": "0",
            "xfId": "0",
            "applyNumberFormat": "1",
        }
        found = next((i for i, attrs in enumerate(existing) if attrs == wanted), None)
        if found is None:
            found = len(existing)
            existing.append(wanted)
            new_xfs.append(
                '<xf numFmtId="{numFmtId}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'.format(
                    **wanted
                )
            )
        xf_ids[kind] = str(found)
    if new_fmts:
        appended += len(new_fmts)
        if "<numFmts" in text:
            text = re.sub(r"</numFmts>", "".join(new_fmts) + "</numFmts>", text, count=1)
            count = len(re.findall(r"<numFmt\b", text))
            text = re.sub(r'(<numFmts\b[^>]*?count=")\d+(")', rf"\g<1>{count}\g<2>", text, count=1)
        else:
            text = re.sub(
                r"(<styleSheet\b[^>]*>)",
                r"\1" + f'<numFmts count="{len(new_fmts)}">' + "".join(new_fmts) + "</numFmts>",
                text,
                count=1,
            )
    if new_xfs:
        appended += len(new_xfs)
        text = re.sub(r"</cellXfs>", "".join(new_xfs) + "</cellXfs>", text, count=1)
        text = re.sub(
            r'(<cellXfs\b[^>]*?count=")\d+(")', rf"\g<1>{len(existing)}\g<2>", text, count=1
        )
    return (text.encode("utf-8") if appended else styles_xml), xf_ids, appended


def _cell_xml(ref: str, value: object, kind: str, style: str, date1904: bool) -> bytes:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return b""
    if kind == "text" or isinstance(value, str):
        text = _ILLEGAL_XML.sub("", str(value))
        if text == "":
            return b""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'.encode()
    if isinstance(value, dt.datetime):
        number: float | int = excel_serial(value, date1904=date1904)
    elif isinstance(value, dt.date):
        number = excel_serial(dt.datetime(value.year, value.month, value.day), date1904=date1904)
    elif isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'.encode()
    else:
        number = value  # type: ignore[assignment]
    return f'<c r="{ref}" s="{style}"><v>{_number_text(number)}</v></c>'.encode()


def _number_text(number: float | int) -> str:
    if isinstance(number, int) or float(number).is_integer():
        return str(int(number))
    return repr(float(number))


def _rewrite_sheet(
    sheet_xml: bytes,
    header_row: int,
    row_numbers: list[int],
    columns: Sequence[OutputColumn],
    letters: dict[str, int],
    xf_ids: dict[str, str],
    header_style: str | None,
    date1904: bool,
) -> tuple[bytes, int, int]:
    targets = sorted(letters.values())
    target_set = set(targets)
    per_row: dict[int, dict[int, bytes]] = {}
    header_cells: dict[int, bytes] = {}
    for column in columns:
        index = letters[column.header]
        ref = f"{column_letter(index)}{header_row}"
        style = f' s="{header_style}"' if header_style else ""
        header_cells[index] = (
            f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(column.header)}</t></is></c>'.encode()
        )
    per_row[header_row] = header_cells
    for column in columns:
        index = letters[column.header]
        letter = column_letter(index)
        style = xf_ids[column.kind]
        for number, value in zip(row_numbers, column.values, strict=True):
            xml = _cell_xml(f"{letter}{number}", value, column.kind, style, date1904)
            if xml:
                per_row.setdefault(number, {})[index] = xml
    wanted_rows = set(row_numbers) | {header_row}

    start = sheet_xml.find(b"<sheetData")
    if start < 0:
        raise CorruptWorkbook("工作表 XML 中没有 sheetData")
    open_end = sheet_xml.find(b">", start) + 1
    if sheet_xml[open_end - 2 : open_end] == b"/>":  # an empty <sheetData/>
        opening = sheet_xml[start : open_end - 2] + b">"
        body, after = b"", open_end
    else:
        opening = sheet_xml[start:open_end]
        body_end = sheet_xml.find(b"</sheetData>", open_end)
        body, after = sheet_xml[open_end:body_end], body_end + len(b"</sheetData>")

    out: list[bytes] = []
    cleared = 0
    written_rows: set[int] = set()
    pending = sorted(per_row)
    pending_index = 0
    last_number = 0
    max_col = max(targets) if targets else 0
    max_row = 0
    for match in _ROW.finditer(body):
        row_xml = match.group(0)
        tag_end = row_xml.find(b">") + 1
        tag = row_xml[:tag_end]
        number_match = re.search(rb'\br="(\d+)"', tag)
        number = int(number_match.group(1)) if number_match else last_number + 1
        last_number = number
        max_row = max(max_row, number)
        while pending_index < len(pending) and pending[pending_index] < number:
            new_number = pending[pending_index]
            out.append(_new_row(new_number, per_row[new_number]))
            written_rows.add(new_number)
            pending_index += 1
        if pending_index < len(pending) and pending[pending_index] == number:
            pending_index += 1
        new_cells = per_row.get(number, {})
        if number < header_row or (
            number not in wanted_rows and not _has_target_cells(row_xml, target_set)
        ):
            out.append(row_xml)
            continue
        self_closing = row_xml.endswith(b"/>") and row_xml.count(b"<") == 1
        cells = [] if self_closing else list(_CELL.finditer(row_xml))
        kept: list[tuple[int, bytes]] = []
        position = 0
        for cell in cells:
            xml = cell.group(0)
            found = _ATTR_R.search(xml[: xml.find(b">") + 1])
            position = (
                column_index(found.group(1).decode()) if found and found.group(1) else position + 1
            )
            max_col = max(max_col, position)
            if position in target_set:
                if position not in new_cells:
                    cleared += 1
                continue
            kept.append((position, xml))
        merged = sorted(kept + list(new_cells.items()), key=lambda item: item[0])
        open_tag = tag[:-2] + b">" if self_closing else tag
        open_tag = re.sub(rb'\s+spans="[^"]*"', b"", open_tag)
        out.append(open_tag + b"".join(xml for _, xml in merged) + b"</row>")
        if new_cells:
            written_rows.add(number)
    while pending_index < len(pending):
        new_number = pending[pending_index]
        out.append(_new_row(new_number, per_row[new_number]))
        written_rows.add(new_number)
        pending_index += 1
    max_row = max([max_row, *per_row.keys()])
    new_body = b"".join(out)
    result = sheet_xml[:start] + opening + new_body + b"</sheetData>" + sheet_xml[after:]
    result = _update_dimension(result, max_row, max_col)
    result = _ensure_widths(result, columns, letters)
    data_rows = len(written_rows - {header_row})
    return result, data_rows, cleared


def _max_used_column(sheet_xml: bytes, from_row: int) -> int:
    """Right-most column holding any cell at or below ``from_row`` (results go right of it)."""
    start = sheet_xml.find(b'<row r="%d"' % from_row)
    body = sheet_xml[start:] if start >= 0 else sheet_xml
    letters = set(re.findall(rb'<c r="([A-Z]+)\d+"', body))
    return max((column_index(letter.decode()) for letter in letters), default=0)


def _has_target_cells(row_xml: bytes, targets: set[int]) -> bool:
    for ref in re.finditer(rb'<c r="([A-Z]+)\d+"', row_xml):
        if column_index(ref.group(1).decode()) in targets:
            return True
    return False


def _new_row(number: int, cells: dict[int, bytes]) -> bytes:
    return b'<row r="%d">' % number + b"".join(xml for _, xml in sorted(cells.items())) + b"</row>"


def _update_dimension(sheet_xml: bytes, max_row: int, max_col: int) -> bytes:
    match = re.search(rb'<dimension ref="([^"]*)"\s*/>', sheet_xml)
    if not match:
        return sheet_xml
    first = match.group(1).split(b":")[0] or b"A1"
    first_col = re.match(rb"[A-Z]+", first)
    first_row = re.search(rb"\d+", first)
    ref = (first_col.group(0) if first_col else b"A") + (first_row.group(0) if first_row else b"1")
    new = b'<dimension ref="%s:%s%d"/>' % (ref, column_letter(max_col).encode(), max_row)
    return sheet_xml[: match.start()] + new + sheet_xml[match.end() :]


def _ensure_widths(
    sheet_xml: bytes, columns: Sequence[OutputColumn], letters: dict[str, int]
) -> bytes:
    """Give new result columns a readable width unless a ``<col>`` already covers them."""
    covered: set[int] = set()
    for match in re.finditer(rb'<col\b[^>]*?min="(\d+)"[^>]*?max="(\d+)"', sheet_xml):
        covered.update(range(int(match.group(1)), min(int(match.group(2)), 16384) + 1))
    new = [
        (letters[c.header], _WIDTHS[c.kind]) for c in columns if letters[c.header] not in covered
    ]
    if not new:
        return sheet_xml
    cols = b"".join(
        b'<col min="%d" max="%d" width="%s" customWidth="1"/>' % (i, i, str(w).encode())
        for i, w in sorted(new)
    )
    if b"<cols>" in sheet_xml:
        start = sheet_xml.find(b"<cols>") + len(b"<cols>")
        end = sheet_xml.find(b"</cols>", start)
        existing = sheet_xml[start:end]
        entries = re.findall(rb"<col\b[^>]*/>", existing) + re.findall(
            rb'<col min="\d+"[^>]*/>', cols
        )
        ordered = sorted(set(entries), key=lambda e: int(re.search(rb'min="(\d+)"', e).group(1)))  # type: ignore[union-attr]
        return sheet_xml[:start] + b"".join(ordered) + sheet_xml[end:]
    position = sheet_xml.find(b"<sheetData")
    return sheet_xml[:position] + b"<cols>" + cols + b"</cols>" + sheet_xml[position:]
