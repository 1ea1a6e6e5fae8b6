"""Sheet XML by byte search: split it into ``<row>`` pieces while streaming, split a row into
cells, find a row's trailing cells and its last value, without an XML parser."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import IO, Final

from ..cells.excel import column_index
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


class _Accumulator:
    """A growing buffer for the rare long pieces (a head, a row or a comment longer than what
    is buffered): blocks are appended in place and searches resume where they stopped, so a
    piece of any length costs time linear in its length."""

    def __init__(self, start: bytes, stream: IO[bytes], close_row: bytes) -> None:
        self.data = bytearray(start)
        self.stream = stream
        self.close_row = close_row
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        block = self.stream.read(_CHUNK)
        if not block:
            self.eof = True
            return False
        self.data += block
        return True

    def special_end(self, at: int) -> int:
        """End of the comment/CDATA/PI at ``at`` (-1 when unterminated), ``at`` if none."""
        data = self.data
        while len(data) - at < 9 and self.more():
            pass
        for opening, closing in _SPECIAL_END.items():
            if data.startswith(opening, at):
                scan = at + len(opening)
                while (found := data.find(closing, scan)) < 0:
                    scan = max(scan, len(data) - len(closing) + 1)
                    if not self.more():
                        return -1
                return found + len(closing)
        return at

    def row_end(self) -> int:
        """End of the row that starts the buffer (comments and CDATA in it skipped)."""
        data = self.data
        while (tag_end := data.find(b">")) < 0:
            if not self.more():
                raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
        if data[tag_end - 1] == 47:  # "<row …/>"
            return tag_end + 1
        scan = checked = tag_end
        while True:
            close = data.find(self.close_row, scan)
            if close < 0:
                scan = max(scan, len(data) - len(self.close_row) + 1)
                if not self.more():
                    raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
                continue
            special = _first_special(data, checked, close)
            if special < 0:
                return close + len(self.close_row)
            end = self.special_end(special)
            if end < 0:
                raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
            scan = checked = max(end, special + 1)

    def head_end(self, open_data: bytes) -> tuple[int, int]:
        """Start and ``>`` of the ``<sheetData`` tag (outside comments and the declaration)."""
        data = self.data
        scan = 0
        while True:
            found = data.find(open_data, scan)
            special = _first_special(data, scan, found if found >= 0 else len(data))
            if special >= 0:
                end = self.special_end(special)
                if end < 0:
                    raise CorruptWorkbook("工作表 XML 不完整，文件已损坏")
                scan = max(end, special + 1)
                continue
            if found >= 0:
                while (tag_end := data.find(b">", found)) < 0 or len(data) <= found + len(
                    open_data
                ):
                    if not self.more():
                        raise CorruptWorkbook("工作表 XML 中没有 sheetData，文件已损坏")
                if data[found + len(open_data)] in _ROW_DELIMITERS:
                    return found, tag_end
                scan = found + 1
                continue
            scan = max(scan, len(data) - len(open_data) - 9)
            if not self.more():
                raise CorruptWorkbook("工作表 XML 中没有 sheetData，文件已损坏")


def _first_special(data: bytes | bytearray, start: int, end: int) -> int:
    """Where the first ``<!`` or ``<?`` in ``data[start:end]`` is, or -1."""
    if data.find(b"!", start, end) < 0 and data.find(b"?", start, end) < 0:
        return -1  # the usual case, found by two memchr calls
    lead = data.find(b"<!", start, end)
    pi = data.find(b"<?", start, end)
    if lead < 0:
        return pi
    return lead if pi < 0 or lead < pi else pi


def _iter_sheet(stream: IO[bytes], prefix: bytes) -> Iterator[tuple[str, bytes]]:
    """Split sheet XML into ``head`` (through the ``<sheetData>`` tag), ``row`` and ``gap``
    pieces and ``tail`` pieces (from ``</sheetData>``), reading ``_CHUNK`` bytes at a time.

    Comments, CDATA sections and processing instructions are skipped (a ``<row>`` or
    ``</row>`` inside them is text); a row containing one comes out whole (see :func:`_plain`).
    Linear in the sheet size: gaps (whitespace between rows, comments) are passed on as they
    are read, and a piece longer than the buffer is grown in place, never re-copied or
    re-searched from its start.
    """
    open_data = b"<%ssheetData" % prefix
    close_data = b"</%ssheetData>" % prefix
    open_row = b"<%srow" % prefix
    close_row = b"</%srow>" % prefix
    after_open = len(open_row)
    after_close = len(close_row)
    longest = max(len(close_data), after_open + 1, 9)  # 9: "<![CDATA["
    delimiters = _ROW_DELIMITERS

    head, buffer, eof = _head(stream, open_data, close_data, close_row)
    yield "head", head
    pos = 0
    special = _first_special(buffer, 0, len(buffer))  # comments/CDATA/PIs: rare, found once

    while True:
        at = buffer.find(b"<", pos)
        if at < 0 or (at + longest > len(buffer) and not eof):  # a tag may be cut: read on
            cut = len(buffer) if at < 0 else at
            if cut > pos:
                yield "gap", buffer[pos:cut]
            block = b"" if eof else stream.read(_CHUNK)
            if not block:
                eof = True
                if at < 0:
                    raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
            buffer = buffer[cut:] + block
            pos = 0
            special = _first_special(buffer, 0, len(buffer))
            continue
        if at > pos:
            yield "gap", buffer[pos:at]
        if buffer.startswith(open_row, at) and buffer[at + after_open] in delimiters:
            tag_end = buffer.find(b">", at)
            if tag_end >= 0:
                if buffer[tag_end - 1] == 47:  # "<row …/>"
                    pos = tag_end + 1
                    yield "row", buffer[at:pos]
                    continue
                close = buffer.find(close_row, tag_end)
                if close >= 0 and (special < 0 or special > close):
                    pos = close + after_close
                    yield "row", buffer[at:pos]
                    continue
            long = _Accumulator(buffer[at:], stream, close_row)  # longer than the buffer
            long.eof = eof
            end = long.row_end()
        elif buffer.startswith(close_data, at):
            break
        else:  # a comment, CDATA or PI between rows, or an element that is not a row: kept
            long = _Accumulator(buffer[at:], stream, close_row)
            long.eof = eof
            end = _special_end(long)
        yield "row" if end > 1 and long.data.startswith(open_row) else "gap", bytes(long.data[:end])
        buffer, pos, eof = bytes(long.data[end:]), 0, long.eof
        special = _first_special(buffer, 0, len(buffer))
        del long
    yield from _tail(buffer[at:], stream, eof)


def _head(
    stream: IO[bytes], open_data: bytes, close_data: bytes, close_row: bytes
) -> tuple[bytes, bytes, bool]:
    """The ``head`` piece (through the ``<sheetData>`` tag), the bytes read after it, and
    whether the stream is at its end. ``<sheetData/>`` comes out as an open and a close tag."""
    head = _Accumulator(b"", stream, close_row)
    start, tag_end = head.head_end(open_data)
    data = head.data
    if data[tag_end - 1] == 47:  # "<sheetData/>"
        return (
            bytes(data[:start]) + open_data + b">",
            close_data + bytes(data[tag_end + 1 :]),
            head.eof,
        )
    return bytes(data[: tag_end + 1]), bytes(data[tag_end + 1 :]), head.eof


def _special_end(long: _Accumulator) -> int:
    """Where a comment, CDATA section or PI (or a non-row element) between rows ends; at least 1."""
    end = long.special_end(0)
    if end < 0:
        raise CorruptWorkbook("工作表 XML 不完整（sheetData 未结束），文件已损坏")
    return max(end, 1)


def _tail(rest: bytes, stream: IO[bytes], eof: bool) -> Iterator[tuple[str, bytes]]:
    """The ``tail`` pieces from ``</sheetData>``, cut after a ">" so that no element is split
    between two pieces."""
    while True:
        block = b"" if eof else stream.read(_CHUNK)
        if not block:
            if rest:
                yield "tail", rest
            return
        rest += block
        cut = rest.rfind(b">") + 1
        if cut:
            yield "tail", rest[:cut]
            rest = rest[cut:]


def _plain(row: bytes) -> bytes:
    """A row without comments and processing instructions, its CDATA sections as escaped text
    (the same XML content), for the byte searches below; rows without them are returned as they
    are.

    >>> _plain(b'<row r="2"><!-- <c r="H2"/> --><c r="A2"><v><![CDATA[1<2]]></v></c></row>')
    b'<row r="2"><c r="A2"><v>1&lt;2</v></c></row>'
    """
    if (b"!" not in row and b"?" not in row) or (b"<!" not in row and b"<?" not in row):
        return row  # the usual case, found by two memchr calls (a "<" search stops at every tag)
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
