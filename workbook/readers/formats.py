"""Open any order file as rows of cells: xlsx/xlsm/xls (python-calamine), HTML tables saved as
``.xls``, and CSV in UTF-8, UTF-8-BOM or GB18030 with a sniffed delimiter. The format is taken
from the file's first bytes, never its name.

>>> sniff_format(b"PK\\x03\\x04..."), sniff_format(b"\\xd0\\xcf\\x11\\xe0..."), sniff_format(b"<html><table>")
('xlsx', 'xls', 'html')
>>> decode_text("订单编号,金额".encode("gb18030"))
('订单编号,金额', 'gb18030')
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from defusedxml import ElementTree as SafeET

from ..cells.excel import column_index, column_letter
from ..zipsizes import check_zip_sizes
from .errors import UnusableInput

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

HEADER_SCAN_LIMIT: Final = 20
ORDER_SHEET_SKIP: Final = ("规则", "违规记录")
#: The largest sheet read: cells in the rectangle from A1 to the last cell used (calamine holds
#: that whole rectangle in memory). 2000 万 ≈ 200,000 rows × 100 columns.
MAX_SHEET_CELLS: Final = 20_000_000
_PROLOG_BYTES: Final = 65_536
_CHUNK: Final = 8 << 20


class RawSheet:
    """One sheet's cells; a workbook sheet is only parsed when its rows are first asked for."""

    def __init__(
        self,
        name: str | None,
        rows: list[list[object]] | None = None,
        epoch1904: bool = False,
        loader: Callable[[], list[list[object]]] | None = None,
    ) -> None:
        self.name = name
        self.epoch1904 = epoch1904
        self._rows = rows
        self._loader = loader

    @property
    def rows(self) -> list[list[object]]:
        if self._rows is None:
            self._rows = self._loader() if self._loader is not None else []
        return self._rows


def sniff_format(head: bytes) -> str:
    """``xlsx`` (zip), ``xls`` (OLE2), ``html`` or ``csv`` from the first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<", b"<!doctype")) and (b"<table" in head.lower() or b"<html" in text):
        return "html"
    return "csv"


_ENCRYPTED_OLE_MARKER: Final = "EncryptedPackage".encode("utf-16-le")


def is_encrypted_ole(raw: bytes) -> bool:
    """Whether an OLE2 file is a password-encrypted Office workbook (an ``EncryptedPackage``
    stream, as Excel writes for "encrypt with password").

    >>> is_encrypted_ole(b"\\xd0\\xcf\\x11\\xe0" + "EncryptedPackage".encode("utf-16-le"))
    True
    """
    return raw.startswith(b"\xd0\xcf\x11\xe0") and _ENCRYPTED_OLE_MARKER in raw


def _looks_binary(head: bytes) -> bool:
    """NUL bytes outside UTF-16 text, or a known non-table signature (PDF, images, archives)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    signatures = (
        b"%PDF",
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
        b"Rar!",
        b"7z\xbc\xaf",
        b"\x1f\x8b",
    )
    return head.startswith(signatures) or b"\x00" in head[:4096]


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 by its BOM, else UTF-8 (with or without BOM), then GB18030."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, ("utf-8" if encoding == "utf-8-sig" else encoding)
    raise UnusableInput(
        "文件编码无法识别（支持 UTF-8、UTF-8-BOM、GBK/GB18030），请用 Excel 另存为 CSV UTF-8 后重试"
    )


def read_csv_rows(raw: bytes) -> list[list[object]]:
    """Rows of a CSV file (all cells text), delimiter sniffed among ``,`` tab ``;``."""
    text, _ = decode_text(raw)
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    # A tab inside quotes (Douyin's "\t6917…" ids) must not win over commas between fields.
    if delimiter == "\t" and counts[","] and _quoted_tabs(sample):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [list(row) for row in reader]


def _quoted_tabs(sample: str) -> bool:
    return '"\t' in sample


def read_html_rows(raw: bytes) -> list[list[object]]:
    """Rows of the first ``<table>`` of an HTML page saved as ``.xls``."""
    from lxml import html as lxml_html

    declared = re.search(rb"charset\s*=\s*[\"']?\s*([A-Za-z0-9_-]+)", raw[:4096])
    encoding = declared.group(1).decode("ascii").lower() if declared else None
    if encoding in ("gbk", "gb2312", "gb18030"):
        encoding = "gb18030"
    try:
        text = raw.decode(encoding) if encoding else decode_text(raw)[0]
    except (LookupError, UnicodeDecodeError):
        text = decode_text(raw)[0]
    # Decoded here (UTF-8 or GB18030 by content) so a page without <meta charset> is not read as Latin-1.
    text = re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.I)
    parser = lxml_html.HTMLParser(no_network=True, recover=True, remove_comments=True)
    try:
        document = lxml_html.document_fromstring(text, parser=parser)
    except Exception as error:  # lxml raises several types for junk input
        raise UnusableInput(f"HTML 表格无法解析: {error}") from error
    tables = document.findall(".//table")
    if not tables:
        raise UnusableInput("文件是网页格式但没有表格，请从平台重新导出")
    rows: list[list[object]] = []
    for tr in tables[0].iter("tr"):
        rows.append(
            [
                "".join(str(t) for t in cell.itertext()).strip()
                for cell in tr
                if cell.tag in ("td", "th")
            ]
        )
    return rows


def workbook_is_1904(path: Path) -> bool:
    """Whether an xlsx/xlsm uses the 1904 date system (``workbookPr date1904``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            root = SafeET.fromstring(archive.read("xl/workbook.xml"))
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError):
        return False
    for element in root.iter():
        if element.tag.endswith("workbookPr"):
            return element.get("date1904") in ("1", "true")
    return False


def open_workbook_sheets(path: Path, fmt: str) -> tuple[list[str], CalamineWorkbook]:
    """Sheet names and the calamine workbook for xlsx/xlsm/xls (an xlsx's XML parts are checked
    first: see :func:`check_xlsx_parts`)."""
    from python_calamine import CalamineWorkbook

    if fmt in ("xlsx", "xlsm"):
        check_xlsx_parts(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types
        raise UnusableInput(
            f"工作簿无法打开（{error}）。文件可能已损坏、加密或不是 Excel 文件，请重新导出"
        ) from error
    return list(book.sheet_names), book


def read_sheet_rows(
    book: CalamineWorkbook, name: str, path: Path | None = None
) -> list[list[object]]:
    """All rows of one sheet as Python values (calamine ignores a wrong ``<dimension>`` tag).

    With ``path`` (an xlsx), the sheet's cell references are checked first, so that one cell far
    away (``XFD1048576``) is refused instead of making calamine allocate the whole sheet."""
    if path is not None:
        check_sheet_extent(path, name)
    try:
        sheet = book.get_sheet_by_name(name)
        if sheet.end is None:
            return []  # an empty sheet
        height, width = sheet.end[0] + 1, sheet.end[1] + 1
        if height * width > MAX_SHEET_CELLS:
            raise _too_large(name, height, width)
        return [list(row) for row in sheet.to_python(skip_empty_area=False)]
    except UnusableInput:
        raise
    except Exception as error:  # calamine raises its own error types
        raise UnusableInput(
            f"工作表「{name}」无法读取：{_calamine_reason(error)}。文件已损坏或不完整；"
            "请用 Excel 打开并另存为 .xlsx，或从平台重新导出"
        ) from error


def _calamine_reason(error: Exception) -> str:
    text = str(error)
    if "deflate" in text or "decompress" in text.lower():
        return f"压缩数据损坏（{text}）"
    if "shared string" in text.lower():
        return f"单元格引用了不存在的共享字符串（{text}）"
    return f"{type(error).__name__}: {text}"


# ---------------------------------------------------------------------------------------------
# xlsx checks before calamine: no DTD (entities), readable zip and deflate data, a sane extent

_DOCTYPE: Final = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START: Final = re.compile(rb"<(?![?!])")


def _corrupt_zip(path: Path, error: BaseException) -> UnusableInput:
    return UnusableInput(
        f"工作簿「{path.name}」已损坏或不完整（{type(error).__name__}: {error}），无法读取。"
        "文件可能没有下载或复制完整；请重新导出，或用 Excel 打开并另存为 .xlsx 后重试"
    )


def check_xlsx_parts(path: Path) -> None:
    """Refuse an xlsx whose zip cannot be read, whose parts unpack to absurd sizes (a zip bomb:
    :func:`~shoprules.workbook.zipsizes.check_zip_sizes`) or whose XML parts declare a DTD or
    entities (``<!DOCTYPE``/``<!ENTITY``: billion laughs, external entities; Excel never writes
    one)."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_sizes(archive.infolist(), path.name)
            for item in archive.infolist():
                if not item.filename.lower().endswith((".xml", ".rels")):
                    continue
                with archive.open(item) as stream:
                    head = stream.read(_PROLOG_BYTES)
                _check_prolog(path, item.filename, head, item.file_size)
    except UnusableInput:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise _corrupt_zip(path, error) from error


def _check_prolog(path: Path, member: str, head: bytes, size: int) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[: root.start()]
    if _DOCTYPE.search(prolog) or (root is None and size > len(head)):
        raise UnusableInput(
            f"工作簿「{path.name}」的 {member} 含有 DTD/实体声明（<!DOCTYPE>/<!ENTITY>）。"
            "Excel 不会写出这种内容，文件可能被篡改（实体膨胀或外部实体攻击），已拒绝读取。"
            "请从平台重新导出"
        )


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from workbook.xml and its relationships."""

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def rels(part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        try:
            root = SafeET.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
        except KeyError:
            return {}
        out = {}
        for rel in root:
            target = rel.get("Target") or ""
            out[rel.get("Id") or ""] = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
        return out

    workbook = next((m for m in rels("").values() if m.endswith("workbook.xml")), "xl/workbook.xml")
    targets = rels(workbook)
    members: dict[str, str] = {}
    for element in SafeET.fromstring(archive.read(workbook)).iter():
        if local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if local(k) == "id"), "")
            if rid in targets:
                members[element.get("name") or ""] = targets[rid]
    return members


def check_sheet_extent(path: Path, name: str) -> None:
    """Refuse a sheet whose used rectangle (A1 to its farthest cell) exceeds
    :data:`MAX_SHEET_CELLS`, reading only its cell references (no cell is parsed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_members(archive).get(name)
            if member is None or member not in archive.namelist():
                return  # not an XML worksheet (a chart sheet, xlsb): calamine's size check applies
            with archive.open(member) as stream:
                rows, columns, far = _sheet_extent(stream)
    except UnusableInput:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, SafeET.ParseError) as error:
        raise _corrupt_zip(path, error) from error
    except ValueError as error:  # defusedxml's DTD/entity refusals
        raise _corrupt_zip(path, error) from error
    if rows * columns > MAX_SHEET_CELLS:
        raise _too_large(name, rows, columns, far)


def _too_large(name: str, rows: int, columns: int, far: str | None = None) -> UnusableInput:
    where = f"（最远的单元格 {far}）" if far else ""
    return UnusableInput(
        f"工作表「{name}」的使用区域有 {rows:,} 行 × {columns:,} 列{where}，"
        f"超过可读取的 {MAX_SHEET_CELLS:,} 个单元格。通常是远处某个单元格有内容或格式："
        "请在 Excel 中删除数据区以外的行和列（或把订单复制到新工作表）后保存，再重试"
    )


_DIMENSION: Final = re.compile(
    rb"<(?:[\w.-]+:)?dimension\s+ref\s*=\s*[\"'](?:[A-Z]+[0-9]+:)?([A-Z]+)([0-9]+)[\"']"
)
#: An ``r`` attribute written other than ``r="…"`` (XML allows spaces and single quotes): such a
#: sheet is scanned with the slower general patterns.
_UNUSUAL_REF: Final = re.compile(rb"r(?:[ \t\r\n]+=|=[ \t\r\n]|=')")
_REF_USUAL: Final = rb' r="'
_REF_ANY: Final = rb"(?<![\w:.-])r\s*=\s*[\"']"


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class _Seekable(_Readable, Protocol):
    def seek(self, offset: int, /) -> int: ...


def _chunks(stream: _Readable) -> Iterator[bytes]:
    """The stream in large pieces, each cut before its last tag (carried into the next piece),
    so that no cell reference is cut in two."""
    carry = b""
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut <= 0:
            carry = data
            continue
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _sheet_extent(stream: _Seekable) -> tuple[int, int, str | None]:
    """(rows, columns) from A1 to the farthest cell reference, and that cell (``None`` when the
    sheet's ``<dimension>`` holds: then only a bound is returned).

    The usual case is one search over the sheet for a reference outside the rectangle the
    ``<dimension>`` tag allows; with no dimension, a wrong one or unusual attribute spelling,
    every reference is read."""
    head = stream.read(_PROLOG_BYTES)
    dimension = _DIMENSION.search(head)
    if dimension is not None:
        columns = column_index(dimension[1].decode())
        rows = MAX_SHEET_CELLS // columns
        # A reference within the columns and with fewer digits than the row limit is passed
        # over in one step (the alternatives below cannot match it).
        shorter = len(str(rows)) - 1
        fine = _at_most_letters(column_letter(columns)) + rb'[0-9]{1,%d}"' % shorter
        outside = re.compile(
            _REF_USUAL
            + (rb"(?!" + fine + rb")" if shorter else b"")
            + rb"(?:[A-Z]{0,3}"
            + _above_digits(rows)
            + rb'"|'
            + _above_letters(column_letter(columns))
            + rb'[0-9]|(?![A-Z]*[0-9]+"))'
        )
        if not any(
            _UNUSUAL_REF.search(c) or outside.search(c) for c in _chunks(_Prefixed(head, stream))
        ):
            return min(rows, int(dimension[2])), columns, None
        stream.seek(0)
        head = b""
    return _exact_extent(_Prefixed(head, stream))


def _exact_extent(stream: _Prefixed) -> tuple[int, int, str | None]:
    max_row, letters = 0, set()
    for chunk in _chunks(stream):
        ref = _REF_ANY if _UNUSUAL_REF.search(chunk) else _REF_USUAL
        quote = rb"[\"']" if ref is _REF_ANY else b'"'
        odd = re.search(ref + rb"(?![A-Z]*[0-9]+" + quote + b")", chunk)
        if odd is not None:
            raise UnusableInput(
                f"工作表的单元格引用无效: {chunk[odd.start() : odd.start() + 24]!r}。"
                "文件已损坏或被篡改，请从平台重新导出"
            )
        digits = set(re.findall(ref + rb"[A-Z]*([0-9]+)", chunk))
        if digits:
            max_row = max(max_row, *map(int, digits))
        letters.update(re.findall(ref + rb"([A-Z]+)", chunk))
    widest = max(letters, key=lambda x: (len(x), x), default=b"A").decode()
    return max_row, column_index(widest), f"{widest}{max_row}"


class _Prefixed:
    """A stream with bytes already read put back in front."""

    def __init__(self, head: bytes, stream: _Readable) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out + self._stream.read(max(size - len(out), 0))
        return self._stream.read(size)


def _above_digits(limit: int) -> bytes:
    """A pattern for decimal numbers above ``limit`` (longer ones, leading zeros included).

    >>> [bool(re.fullmatch(_above_digits(1500), s)) for s in (b"1499", b"1501", b"9999", b"15000")]
    [False, True, True, True]
    """
    text = str(limit)
    alternatives = [b"[0-9]{%d,}" % (len(text) + 1)]
    for i, char in enumerate(text):
        if char != "9":
            rest = len(text) - i - 1
            alternatives.append(
                text[:i].encode() + b"[%d-9]" % (int(char) + 1) + b"[0-9]{%d}" % rest
            )
    return b"(?:" + b"|".join(alternatives) + b")"


def _above_letters(letters: str) -> bytes:
    """A pattern for column letters after ``letters`` (``"AN"`` → ``AO``… ``ZZ``, ``AAA``…).

    >>> [bool(re.fullmatch(_above_letters("AN"), s)) for s in (b"AM", b"AN", b"AO", b"B", b"BA", b"AAA")]
    [False, False, True, False, True, True]
    """
    alternatives = [b"[A-Z]{%d,}" % (len(letters) + 1)]
    for i, char in enumerate(letters):
        if char != "Z":
            rest = len(letters) - i - 1
            alternatives.append(
                letters[:i].encode() + b"[" + chr(ord(char) + 1).encode() + b"-Z][A-Z]{%d}" % rest
            )
    return b"(?:" + b"|".join(alternatives) + b")"


def _at_most_letters(letters: str) -> bytes:
    """A pattern for column letters up to ``letters``, none included (``"AN"`` → none,
    ``A``… ``Z``, ``AA``… ``AN``); the same length first, as in most references.

    >>> [bool(re.fullmatch(_at_most_letters("AN"), s)) for s in (b"", b"Z", b"AM", b"AN", b"AO", b"BA", b"AAA")]
    [True, True, True, True, False, False, False]
    >>> _at_most_letters("M"), _at_most_letters("BC")
    (b'(?:[A-M])?', b'(?:[A-A][A-Z]{1}|B[A-C]|[A-Z]{1,1})?')
    """
    alternatives = []
    for i, char in enumerate(letters[:-1]):
        if char != "A":
            rest = len(letters) - i - 1
            alternatives.append(
                letters[:i].encode() + b"[A-" + chr(ord(char) - 1).encode() + b"][A-Z]{%d}" % rest
            )
    alternatives.append(letters[:-1].encode() + b"[A-" + letters[-1].encode() + b"]")
    if len(letters) > 1:
        alternatives.append(b"[A-Z]{1,%d}" % (len(letters) - 1))
    return b"(?:" + b"|".join(alternatives) + b")?"


def load_raw(path: Path) -> tuple[str, list[RawSheet]]:
    """(format, sheets) for any supported file; sheets are read lazily only for workbooks."""
    try:
        with path.open("rb") as handle:
            raw_head = handle.read(8192)
    except OSError as error:
        raise UnusableInput(f"无法读取文件 {path}: {error}") from error
    if not raw_head:
        raise UnusableInput(f"文件是空的: {path}")
    fmt = sniff_format(raw_head)
    if fmt == "xls" and is_encrypted_ole(path.read_bytes()):
        raise UnusableInput(
            "工作簿设置了打开密码（已加密），无法读取。请在 Excel 中打开，"
            "「文件 → 信息 → 保护工作簿 → 用密码进行加密」清空密码后另存，再重试"
        )
    if fmt == "csv" and _looks_binary(raw_head):
        raise UnusableInput(
            f"文件不是表格（不是 Excel 工作簿、网页表格或 CSV）: {path.name}。"
            "请从平台后台重新导出订单，或在 Excel 中另存为 .xlsx 后重试"
        )
    if fmt == "csv":
        return "csv", [RawSheet(None, read_csv_rows(path.read_bytes()))]
    if fmt == "html":
        return "html", [RawSheet(None, read_html_rows(path.read_bytes()))]
    names, book = open_workbook_sheets(path, fmt)
    epoch1904 = fmt == "xlsx" and workbook_is_1904(path)
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/vbaProject.bin" in archive.namelist():
                    fmt = "xlsm"
        except zipfile.BadZipFile as error:
            raise UnusableInput(f"工作簿已损坏（zip 无法读取）: {error}") from error
    scanned = path if fmt in ("xlsx", "xlsm") else None
    return fmt, [
        RawSheet(name, None, epoch1904, partial(read_sheet_rows, book, name, scanned))
        for name in names
    ]
