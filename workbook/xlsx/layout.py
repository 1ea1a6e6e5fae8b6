"""Where the result columns go: scan the header row (and, when needed, the whole sheet) for
existing result headers and the right-most used column."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..columns import header_style_column, place_columns
from .columns import OutputColumn
from .parts import _Parts, _prefix, _shared_strings
from .sheetxml import (
    _MERGE,
    _ROW_R,
    _STYLE,
    _T_TEXT,
    _TYPE,
    _V_TEXT,
    _cells,
    _col,
    _has_value,
    _iter_sheet,
    _last_value_column,
    _plain,
    _split_row,
    _unescape,
)


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
    keep: frozenset[int] = frozenset()  # rows that are not orders: copied as they are


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
    value in or below the header row, the style new header cells take (that of the header cell
    :func:`~shoprules.workbook.columns.header_style_column` names), the last row number seen,
    and whether the used column is a guess.

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
                piece = _plain(piece)
                if number == header_row:
                    _, content, _ = _split_row(piece, prefix)
                    _, cells, _ = _cells(content, prefix)
                    texts = _header_cells(archive, parts, cells, prefix)
                    for column, (text, _) in sorted(texts.items()):
                        if text in wanted:
                            found[text] = column
                        used = max(used, column)
                    source = header_style_column({c: text for c, (text, _) in texts.items()})
                    style = texts[source][1] if source is not None else None
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
    placement = place_columns({c: h for h, c in found.items()}, headers, last_used=used)
    return _Plan(
        header_row,
        rows,
        columns,
        placement.columns,
        placement.appended,
        style,
        parts.date1904,
        prefix,
        last_row,
        guess,
    )
