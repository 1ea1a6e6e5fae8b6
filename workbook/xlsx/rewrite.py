"""The streamed rewrite of the sheet XML: result cells replaced or appended row by row, stale
results cleared, ``<dimension>`` and ``<cols>`` widened."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from ..cells.excel import column_index, column_letter
from ..columns import FORMATS
from .cells import _encode_column, xml_text
from .columns import PatchReport
from .layout import _Plan, _Restart
from .sheetxml import (
    _CELL_R,
    _MERGE,
    _ROW_R,
    _SPANS,
    _STYLE,
    _cells,
    _col,
    _has_value,
    _iter_sheet,
    _plain,
    _split_row,
    _tail_cells,
)
from .zipio import _CHUNK

_REF: Final = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _rewrite_sheet(
    archive: zipfile.ZipFile, member: str, plan: _Plan, report: PatchReport
) -> Iterator[bytes]:
    """The patched sheet XML, in pieces of about ``_CHUNK`` bytes."""
    prefix = plan.prefix
    new = _NewCells(plan, report)
    data_rows = plan.rows
    n_rows = len(data_rows)
    header_row, keep = plan.header_row, plan.keep
    pending = 0
    number = 0
    inserted = False
    context = _Row(new.targets, new.first_target, plan.ours, prefix, report, plan.guess)
    out: list[bytes] = []
    size = 0
    joined = new.joined
    header_pending = bool(new.header_cells)
    row_open = b'<%srow r="' % prefix
    stream = archive.open(member)
    for kind, piece in _iter_sheet(stream, prefix):
        if kind == "row":
            if piece.startswith(row_open):
                number = int(piece[len(row_open) : piece.find(b'"', len(row_open))])
                has_ref = True
            else:
                number, has_ref = _row_number(piece, number)
            if (header_pending and header_row < number) or (
                pending < n_rows and data_rows[pending][0] < number
            ):  # rows the sheet lacks come first
                pending, header_pending, inserted = new.insert_before(
                    number, pending, header_pending, inserted, out
                )
            if inserted and not has_ref:
                piece = piece[: len(prefix) + 4] + b' r="%d"' % number + piece[len(prefix) + 4 :]
            if number < header_row or number in keep:
                out.append(piece)  # a title above the header, or not an order (a total, a note)
            else:
                plain = _plain(piece)  # comments and CDATA out of the way of the byte search
                if number != header_row and pending < n_rows and data_rows[pending][0] == number:
                    index = data_rows[pending][1]
                    pending += 1
                    present = joined(number, index)
                    report.rows_written += bool(present)
                    done = _data_row_fast(plain, present, context)
                    if done is None:
                        done = _patch_row(plain, number, new.cells(number, index), False, context)
                else:  # the header row, or a row that is no order any more: stale results go
                    is_header = number == header_row
                    cells = new.header_cells if is_header else []
                    done = _patch_row(plain, number, cells, not is_header, context)
                    header_pending &= not is_header
                out.append(piece if done is plain else done)
        elif kind == "head":
            out.append(_patch_head(piece, plan, prefix, new.first_target, new.last_target))
        elif kind == "tail":
            out += new.tail(piece, pending, header_pending, plan.guess)
        else:
            out.append(piece)
        size += len(piece)  # the input's size: close enough to the output's
        if size >= _CHUNK or len(out) >= 4096:
            yield b"".join(out)
            out.clear()
            size = 0
    stream.close()
    yield b"".join(out)


def _row_number(piece: bytes, previous: int) -> tuple[int, bool]:
    """A row's number from its ``r`` (not the first attribute), or the one after ``previous``
    when it has none; and whether it has one."""
    row_ref = _ROW_R.search(piece, 0, piece.find(b">"))
    return (int(row_ref.group(1)), True) if row_ref else (previous + 1, False)


class _NewCells:
    """The result cells, encoded once per column, and the header cells to add; rows of them."""

    def __init__(self, plan: _Plan, report: PatchReport) -> None:
        prefix = plan.prefix
        by_column = sorted((plan.targets[c.header], c) for c in plan.columns)
        self.targets = {column for column, _ in by_column}
        self.first_target = min(self.targets)
        self.last_target = max(self.targets)
        self.encoded = [
            (
                column,
                b'<%sc r="%s' % (prefix, column_letter(column).encode()),
                _encode_column(c.values, plan.xf_ids[c.kind], plan.date1904, prefix),
            )
            for column, c in by_column
        ]
        self.openings = [(opening, values) for _, opening, values in self.encoded]
        headers: dict[int, bytes] = {}
        style = b' s="%s"' % plan.header_style if plan.header_style else b""
        for header, column in plan.new_headers.items():
            ref = b"%s%d" % (column_letter(column).encode(), plan.header_row)
            headers[column] = b'<%sc r="%s"%s t="inlineStr"><%sis><%st>%s</%st></%sis></%sc>' % (
                prefix, ref, style, prefix, prefix, xml_text(header).encode(), prefix, prefix, prefix,
            )  # fmt: skip
        self.header_cells: list[tuple[int, bytes | None]] = list(headers.items())
        self.header_row = plan.header_row
        self.data_rows = plan.rows
        self.prefix = prefix
        self.report = report

    def cells(self, row: int, index: int) -> list[tuple[int, bytes | None]]:
        """Data row ``index``'s cells for sheet row ``row``: column → cell XML, or None."""
        number = b"%d" % row
        return [
            (column, None if (tail := values[index]) is None else opening + number + tail)
            for column, opening, values in self.encoded
        ]

    def joined(self, row: int, index: int) -> bytes:
        """Data row ``index``'s non-blank cells for sheet row ``row``, as one XML string."""
        number = b"%d" % row
        return b"".join(
            [
                opening + number + tail
                for opening, values in self.openings
                if (tail := values[index]) is not None
            ]
        )

    def row_xml(self, row: int, cells: list[tuple[int, bytes | None]]) -> bytes:
        """A new ``<row>`` of ``cells``, or nothing when all are blank."""
        present = [xml for _, xml in cells if xml is not None]
        if not present:
            return b""
        self.report.rows_written += row != self.header_row
        return b'<%srow r="%d">%s</%srow>' % (self.prefix, row, b"".join(present), self.prefix)

    def insert_before(
        self, number: int, pending: int, header_pending: bool, inserted: bool, out: list[bytes]
    ) -> tuple[int, bool, bool]:
        """Append to ``out`` the header row (if still to add) and the data rows that come before
        sheet row ``number``; the next pending data row, header still pending, rows inserted."""
        if header_pending and self.header_row < number:
            out.append(self.row_xml(self.header_row, self.header_cells))
            header_pending, inserted = False, True
        data_rows = self.data_rows
        while pending < len(data_rows) and data_rows[pending][0] < number:
            row, index = data_rows[pending]
            created = self.row_xml(row, self.cells(row, index))
            inserted |= bool(created)
            out.append(created)
            pending += 1
        return pending, header_pending, inserted

    def tail(self, piece: bytes, pending: int, header_pending: bool, guess: bool) -> list[bytes]:
        """The rows still to add (the header, data rows after the sheet's last), then ``piece``
        (from ``</sheetData>``)."""
        if guess:
            for merge in _MERGE.finditer(piece):
                if (
                    int(merge.group(3)) >= self.header_row
                    and _col(merge.group(2)) >= self.first_target
                ):
                    raise _Restart
        out: list[bytes] = []
        if header_pending:
            out.append(self.row_xml(self.header_row, self.header_cells))
        for row, index in self.data_rows[pending:]:
            out.append(self.row_xml(row, self.cells(row, index)))
        out.append(piece)
        return out


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
    target_cell: re.Pattern[bytes] = field(init=False)  # the start of a result cell, or <c>
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
        self.target_cell = re.compile(
            rb"%s|%s(%s)\d" % (re.escape(self.bare_cell), re.escape(self.cell_open), choices)
        )
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
    prefix, first_target = ctx.prefix, ctx.first_target
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
    merged, changed = _merge_cells(tail_cells, new, stale, ctx)
    if not changed:
        return row
    merged.sort(key=lambda item: item[0])
    spans = _SPANS.search(tag)
    if spans and merged:
        low = min(int(spans.group(1)), merged[0][0])
        high = max(int(spans.group(2)), merged[-1][0])
        tag = tag[: spans.start()] + b' spans="%d:%d"' % (low, high) + tag[spans.end() :]
    return tag + before + b"".join(x for _, x in merged) + trailer + (close or b"</%srow>" % prefix)


def _merge_cells(
    tail_cells: list[tuple[int, bytes]],
    new: list[tuple[int, bytes | None]],
    stale: bool,
    ctx: _Row,
) -> tuple[list[tuple[int, bytes]], bool]:
    """A row's cells from the first result column on, with ``new`` put in (see
    :func:`_patch_row`), unsorted; and whether anything changed."""
    prefix, targets, ours, report = ctx.prefix, ctx.targets, ctx.ours, ctx.report
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
    return merged, changed


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
    found = ctx.target_cell.search(row)  # one scan for both (a <c> after it: searched below)
    if found is not None and (found[1] is None or row.find(ctx.bare_cell, found.end()) >= 0):
        return None  # <c> without attributes: its column is implicit
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
    tag_end = row.find(b">")
    spans = _SPANS.search(row, 0, tag_end) if row.find(b"spans=", 0, tag_end) >= 0 else None
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
        (column, b'<%scol min="%d" max="%d" width="%s" customWidth="1"/>' % (prefix, column, column, str(FORMATS[kinds[h]].width).encode()))
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
