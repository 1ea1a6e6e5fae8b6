"""Sheet XML by byte search: split it into ``<row>`` pieces while streaming, split a row into
cells, find a row's trailing cells and its last value, without an XML parser."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import IO, Final

from .cells import column_index
from .errors import CorruptWorkbook
from .zipio import _CHUNK

_ROW_R: Final = re.compile(rb'\sr="(\d+)"')
_CELL_R: Final = re.compile(rb'\sr="([A-Z]{1,3})\d+"')
_STYLE: Final = re.compile(rb'\ss="(\d+)"')
_SPANS: Final = re.compile(rb'\sspans="(\d+):(\d+)"')
_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="\$?([A-Z]+)\$?\d+:\$?([A-Z]+)\$?(\d+)"')


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
