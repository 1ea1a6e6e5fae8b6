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
import re
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

from defusedxml import ElementTree as SafeET

from .errors import UnusableInput

HEADER_SCAN_LIMIT: Final = 20
ORDER_SHEET_SKIP: Final = ("规则", "违规记录")


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


def open_workbook_sheets(path: Path, fmt: str) -> tuple[list[str], object]:
    """Sheet names and the calamine workbook for xlsx/xlsm/xls."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types
        raise UnusableInput(
            f"工作簿无法打开（{error}）。文件可能已损坏、加密或不是 Excel 文件，请重新导出"
        ) from error
    return list(book.sheet_names), book


def read_sheet_rows(book: object, name: str) -> list[list[object]]:
    """All rows of one sheet as Python values (calamine ignores a wrong ``<dimension>`` tag)."""
    sheet = book.get_sheet_by_name(name)  # type: ignore[attr-defined]
    return [list(row) for row in sheet.to_python(skip_empty_area=False)]


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
    return fmt, [
        RawSheet(name, None, epoch1904, partial(read_sheet_rows, book, name)) for name in names
    ]
