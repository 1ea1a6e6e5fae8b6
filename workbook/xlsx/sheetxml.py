"""Sheet XML by byte search: split it into ``<row>`` pieces while streaming, split a row into
cells, find a row's trailing cells and its last value, without an XML parser."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import IO, Final

from .cells import column_index
from .errors import CorruptWorkbook
from .zipio import _CHUNK

_ROW_R: Final = re.compile(rb'\sr="(\d+)"')
_CELL_R: Final = re.compile(rb'\sr="([A-Z]{1,3})\d+"')
_STYLE: Final = re.compile(rb'\ss="(\d+)"')
_SPANS: Final = re.compile(rb'\sspans="(\d+):(\d+)"')
_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="\$?([A-Z]+)\$?\d+:\$?([A-Z]+)\$?(\d+)"')


_SPECIAL_END: Final = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_SPECIAL: Final = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[(.*?)\]\]>", re.S)
_ROW_DELIMITERS: Final = frozenset(b" \t\r\n>/")


def _iter_sheet(stream: IO[bytes], prefix: bytes) -> Iterator[tuple[str, bytes]]:
    """Split sheet XML into ``head`` (through the ``<sheetData>`` tag), ``row`` and ``gap``
    pieces and ``tail`` pieces (from ``</sheetData>``), reading ``_CHUNK`` bytes at a time.

    Comments, CDATA sections and processing instructions are skipped (a ``<row>`` or
    ``</row>`` inside them is text); a row containing one comes out whole (see :func:`_plain`).
    Linear in the sheet size: every byte is searched about once, gaps (whitespace between rows,
    comments) are passed on as they are read, and the buffer holds at most a chunk plus the
    current row.
    """
    open_data = b"<%ssheetData" % prefix
    close_data = b"</%ssheetData>" % prefix
    open_row = b"<%srow" % prefix
    close_row = b"</%srow>" % prefix
    longest = max(len(close_data), len(open_row) + 1, 9)  # 9: "<![CDATA["
    buffer = bytearray()
    eof = False

    def more() -> bool:
        nonlocal eof
        if eof:
            return False
        block = stream.read(_CHUNK)
        if not block:
            eof = True
            return False
        buffer.extend(block)
        return True

    def special_end(at: int) -> int:
        """End of the comment/CDATA/PI starting at ``at`` (-1 at EOF), or ``at`` when the bytes
        there start none; reads more as needed."""
        while True:
            for opening, closing in _SPECIAL_END.items():
                if buffer.startswith(opening, at):
                    scan = at + len(opening)
                    while (found := buffer.find(closing, scan)) < 0:
                        scan = max(scan, len(buffer) - len(closing) + 1)
                        if not more():
                            return -1
                    return found + len(closing)
            if len(buffer) - at >= 9 or not more():
                return at

    def take(end: int) -> bytes:
        piece = bytes(buffer[:end])
        del buffer[:end]
        return piece

    # head: through the <sheetData …> tag (a comment or the XML declaration may hold the name)
    scan = 0
    while True:
        found = buffer.find(open_data, scan)
        lead = buffer.find(b"<!", scan, found if found >= 0 else len(buffer))
        pi = buffer.find(b"<?", scan, found if found >= 0 else len(buffer))
        special = min((x for x in (lead, pi) if x >= 0), default=-1)
        if special >= 0:
            end = special_end(special)
            if end < 0:
                raise CorruptWorkbook("工作表 XML 不完整，文件已损坏")
            scan = max(end, special + 1)
            continue
        if found >= 0:
            while (tag_end := buffer.find(b">", found)) < 0 or len(buffer) <= found + len(
                open_data
            ):
                if not more():
                    raise CorruptWorkbook("工作表 XML 中没有 sheetData，文件已损坏")
            if buffer[found + len(open_data)] in _ROW_DELIMITERS:
                break
            scan = found + 1
            continue
        scan = max(scan, len(buffer) - longest)
        if not more():
            raise CorruptWorkbook("工作表 XML 中没有 sheetData，文件已损坏")
    if buffer[tag_end - 1] == 47:  # "<sheetData/>"
        yield "head", bytes(buffer[:found]) + open_data + b">"
        del buffer[: tag_end + 1]
        buffer[0:0] = close_data
    else:
        yield "head", take(tag_end + 1)

    # rows and gaps, up to </sheetData>
    while True:
        at = buffer.find(b"<")
        if at < 0:  # whitespace only: pass it on
            if buffer:
                yield "gap", take(len(buffer))
            if not more():
                raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
            continue
        if at:
            yield "gap", take(at)
        while len(buffer) < longest and more():
            pass
        if buffer.startswith(close_data):
            break
        if (
            buffer.startswith(open_row)
            and buffer[len(open_row) : len(open_row) + 1]
            and (buffer[len(open_row)] in _ROW_DELIMITERS)
        ):
            yield "row", take(_row_end(buffer, close_row, more, special_end))
            continue
        end = special_end(0)
        if end < 0:
            raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
        yield "gap", take(max(end, 1))  # a comment, or an element that is not a row: kept
    # the tail, cut after a ">" so that no element is split between two pieces
    while True:
        if eof or not more():
            if buffer:
                yield "tail", take(len(buffer))
            return
        cut = buffer.rfind(b">") + 1
        if cut:
            yield "tail", take(cut)


def _row_end(
    buffer: bytearray,
    close_row: bytes,
    more: Callable[[], bool],
    special_end: Callable[[int], int],
) -> int:
    """End of the row that starts at the buffer's start, skipping comments and CDATA."""
    tag_end = buffer.find(b">")
    while tag_end < 0:
        if not more():
            raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
        tag_end = buffer.find(b">")
    if buffer[tag_end - 1] == 47:  # "<row …/>"
        return tag_end + 1
    scan = checked = tag_end
    while True:
        close = buffer.find(close_row, scan)
        if close < 0:
            scan = max(scan, len(buffer) - len(close_row) + 1)
            if not more():
                raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
            continue
        lead = buffer.find(b"<!", checked, close)
        pi = buffer.find(b"<?", checked, close)
        special = min((x for x in (lead, pi) if x >= 0), default=-1)
        if special < 0:
            return close + len(close_row)
        end = special_end(special)
        if end < 0:
            raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
        scan = checked = max(end, special + 1)


def _plain(row: bytes) -> bytes:
    """A row without comments and processing instructions, its CDATA sections as escaped text
    (the same XML content), for the byte searches below; rows without them are returned as they
    are.

    >>> _plain(b'<row r="2"><!-- <c r="H2"/> --><c r="A2"><v><![CDATA[1<2]]></v></c></row>')
    b'<row r="2"><c r="A2"><v>1&lt;2</v></c></row>'
    """
    if b"<!" not in row and b"<?" not in row:
        return row
    return _SPECIAL.sub(
        lambda m: (
            b""
            if m.group(1) is None
            else html.escape(m.group(1).decode("utf-8"), quote=False).encode("utf-8")
        ),
        row,
    )


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


def _unescape(text: bytes) -> str:
    value = html.unescape(text.decode("utf-8"))
    if "_x" in value:
        value = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)
    return value
