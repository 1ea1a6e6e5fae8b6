"""A new workbook for inputs that cannot be patched in place — CSV, ``.xls`` and HTML saved as
``.xls``: the source rows, plus the result columns, written by the patcher's own cell encoder
(:func:`~.cells._encode_column`, column at a time) as one streamed sheet XML.

Text stays text: ids (19-digit order numbers), titles starting with ``=`` and anything that looks
like a number or a URL are inline strings, never a number, formula or link. Numbers and datetimes
are written as such, with the kind's number format where ``kinds`` names the column (the caller
types ids, amounts and times: :mod:`shoprules.workbook.convert`). The header row is frozen and
filtered; result columns get their number formats, widths and status colours.

>>> import tempfile, openpyxl
>>> out = Path(tempfile.mkdtemp()) / "export.shoprules.xlsx"
>>> report = write_new_workbook(out, "订单", ["订单编号", "商品标题"],
...     [["4018270033112345678", "=HYPERLINK(1)"]], [OutputColumn("违约金", [7.5], "money")])
>>> report.columns, report.rows_written
({'违约金': 'C'}, 1)
>>> [c.value for c in openpyxl.load_workbook(out)["订单"][2]]
['4018270033112345678', '=HYPERLINK(1)', 7.5]
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from ..cells.excel import column_letter, display_width
from ..columns import FORMATS
from .cells import _encode_column, xml_text
from .columns import OutputColumn, PatchReport
from .conditional import COLOURS, STATUS_RULES, _dxf, conditional_xml
from .errors import WorkbookNotWritable
from .styles import _xf_attributes
from .zipio import _CENTRAL, _EOCD, _LOCAL, _deflate_stream


def write_new_workbook(
    out: Path,
    sheet: str,
    header: Sequence[object],
    rows: Sequence[Sequence[object]] | Any,
    columns: Sequence[OutputColumn],
    *,
    source_columns: Sequence[list[object]] | None = None,
    kinds: Mapping[int, str] | None = None,
) -> PatchReport:
    """Write ``header`` (row 1), ``rows`` (a list of lists or a DataFrame, one per data row,
    aligned with each column's values) and ``columns`` right of the widest row into a new
    ``out`` — written to a temporary file beside it and moved into place. ``source_columns``
    (the rows as columns, already typed) may replace ``rows``; ``kinds`` gives a source column
    (by index) a result kind's number format. Returns a
    :class:`~shoprules.workbook.xlsx.PatchReport`."""
    out = Path(out)
    if source_columns is not None:
        data = [list(c) for c in source_columns]
        while data and all(v is None or v == "" for v in data[-1]) and len(data) > len(header):
            data.pop()  # blank columns right of the data
        n = len(data[0]) if data else len(columns[0].values) if columns else 0
        width = max(len(header), len(data))
        data += [[None] * n for _ in range(width - len(data))]
    else:
        frame: Any = rows
        if hasattr(frame, "itertuples"):  # a DataFrame: its own header unless one was given
            header = list(header) or [str(c) for c in frame.columns]
            table = [list(r) for r in frame.itertuples(index=False, name=None)]
        else:
            table = [list(r) for r in rows]
        width = max([len(header), *(_width(r) for r in table)])
        n = len(table)
        data = _transpose(table, width)
    for column in columns:
        if len(column.values) != n:
            raise ValueError(f"列「{column.header}」有 {len(column.values)} 个值，但有 {n} 行")
    folder = out.parent
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".shoprules-", suffix=".xlsx")
    except OSError as error:
        raise WorkbookNotWritable(
            f"无法在文件夹「{folder}」中写入（{error.strerror or error}）。请检查权限，或用 -o 写到其他位置"
        ) from error
    os.close(fd)
    temp = Path(name)
    report = PatchReport(path=out)
    try:
        _write(temp, sheet, list(header), data, kinds or {}, columns, width, n, report)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, out)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WorkbookNotWritable(
            f"无法写入「{out}」（{error.strerror or error}）。请确认文件没有在 Excel 中打开、文件夹可写"
        ) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    report.bytes = out.stat().st_size
    return report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _width(row: Sequence[object]) -> int:
    width = len(row)
    while width and (row[width - 1] is None or row[width - 1] == ""):
        width -= 1
    return width


_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG: Final = "http://schemas.openxmlformats.org/package/2006"
_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_HEADER_XF: Final = 1
#: cell format per kind, after the default (0) and the header (1)
_XF: Final[dict[str, int]] = {kind: 2 + i for i, kind in enumerate(FORMATS)}
_ROWS_PER_PIECE: Final = 2000


def _styles() -> bytes:
    """The stylesheet: default and header cell formats, one per result kind (the same attributes
    :mod:`.styles` appends, so a later in-place run recognises them) and the status colours."""
    custom = {
        code: 164 + i
        for i, code in enumerate(f.code for f in FORMATS.values() if f.builtin_id is None)
    }
    fmts = "".join(
        f'<numFmt numFmtId="{n}" formatCode="{html.escape(code)}"/>' for code, n in custom.items()
    )
    xfs = [
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
        'applyFill="1" applyBorder="1"/>',
    ]
    for f in FORMATS.values():
        attributes = _xf_attributes(f.builtin_id if f.builtin_id is not None else custom[f.code])
        xfs.append("<xf " + " ".join(f'{k}="{v}"' for k, v in attributes.items()) + "/>")
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
    thin = "".join(
        f'<{s} style="thin"><color auto="1"/></{s}>' for s in ("left", "right", "top", "bottom")
    )
    dxfs = b"".join(_dxf(b"", colour) for colour in COLOURS).decode()
    return (
        f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
        f'<numFmts count="{len(custom)}">{fmts}</numFmts>'
        f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
        '<fgColor rgb="FFF2F2F2"/><bgColor indexed="64"/></patternFill></fill></fills>'
        f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
        f"<border>{thin}<diagonal/></border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        f'<dxfs count="{len(COLOURS)}">{dxfs}</dxfs></styleSheet>'
    ).encode()


def _parts(sheet: str, ref: str) -> dict[str, bytes]:
    """Every part but the sheet and the styles."""
    name = html.escape(sheet, quote=True)
    quoted = "'" + sheet.replace("'", "''") + "'"
    absolute = "$" + ref.replace(":", ":$")
    absolute = re.sub(r"([A-Z]+)(\d+)", r"\1$\2", absolute)
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            f'{_DECLARATION}<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            "<bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{html.escape(quoted)}!{absolute}</definedName></definedNames>"
            '<calcPr calcId="191029"/></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ).encode(),
    }


def _sheet_xml(
    header: list[object],
    data: list[list[object]],
    kinds: Mapping[int, str],
    columns: Sequence[OutputColumn],
    width: int,
    n: int,
    report: PatchReport,
) -> Iterator[bytes]:
    """The sheet XML in pieces: header row, then the rows built column-wise from each column's
    encoded cells (:func:`~.cells._encode_column`, the patcher's encoder)."""
    total = width + len(columns)
    last = column_letter(max(total, 1))
    ref = f"A1:{last}{n + 1}"
    widths = [
        _WIDTH_FOR.get(kinds.get(c, ""), _source_width(header[c] if c < len(header) else None))
        for c in range(width)
    ] + [float(FORMATS[c.kind].width) for c in columns]
    cols = "".join(
        f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(widths, 1)
    )
    yield (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="{ref}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
        f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    ).encode()
    titles = [("" if v is None else str(v)) for v in header] + [""] * (width - len(header))
    titles += [c.header for c in columns]
    cells = b"".join(
        b'<c r="%s1" s="%d" t="inlineStr"><is><t>%s</t></is></c>'
        % (column_letter(c).encode(), _HEADER_XF, xml_text(t).encode())
        for c, t in enumerate(titles, 1)
        if t != ""
    )
    yield b'<row r="1">%s</row>' % cells
    encoded: list[tuple[bytes, list[bytes | None]]] = []
    for c in range(width):
        values = data[c]
        kind = kinds.get(c)
        if kind is None and {dt.datetime, dt.date} & set(map(type, values)):
            kind = "datetime"  # times an .xls held as dates
        xf = _XF[kind] if kind is not None else 0
        opening = b'<c r="%s' % column_letter(c + 1).encode()
        encoded.append((opening, _encode(values, xf)))
    written = np.zeros(n, dtype=bool)
    for offset, column in enumerate(columns):
        tails = _encode(column.values, _XF[column.kind])
        written |= np.array([t is not None for t in tails], dtype=bool)
        encoded.append((b'<c r="%s' % column_letter(width + offset + 1).encode(), tails))
    report.rows_written = int(written.sum())
    numbers = [b"%d" % (r + 2) for r in range(n)]
    for start in range(0, n, _ROWS_PER_PIECE):
        block = numbers[start : start + _ROWS_PER_PIECE]
        block_cells = [
            [
                b"" if t is None else opening + number + t
                for number, t in zip(block, tails[start : start + len(block)], strict=True)
            ]
            for opening, tails in encoded
        ]
        yield b"".join(
            [
                b'<row r="%s">%s</row>' % (number, b"".join(row))
                for number, row in zip(block, zip(*block_cells, strict=True), strict=True)
            ]
        )
    statuses = {
        str(t).strip(): c for c, t in enumerate(titles, 1) if str(t).strip() in STATUS_RULES
    }
    colours = conditional_xml(b"", statuses, 2, n + 1, {c: i for i, c in enumerate(COLOURS)}, 1)
    yield (
        b'</sheetData><autoFilter ref="%s"/>%s<pageMargins left="0.7" right="0.7" top="0.75" '
        b'bottom="0.75" header="0.3" footer="0.3"/></worksheet>' % (ref.encode(), colours)
    )


_EPOCH: Final = dt.datetime(1899, 12, 30)
_DAY: Final = dt.timedelta(days=1)
_PLAIN: Final = frozenset({str, int, float, type(None)})


def _encode(values: Sequence[object], xf: int) -> list[bytes | None]:
    """:func:`~.cells._encode_column`'s cells, faster for whole columns: each distinct text or
    number encoded once and looked up, datetimes' serial numbers printed in one ``repr`` (the
    same shortest repr; integral serials without ``.0``)."""
    types = set(map(type, values))
    if dt.datetime in types:
        stamps = {i: v for i, v in enumerate(values) if type(v) is dt.datetime}
        at = list(stamps)
        rest = list(values)
        for i in at:
            rest[i] = None
        out = _encode(rest, xf)
        serials = [(v - _EPOCH) / _DAY for v in stamps.values()]
        head, tail = b'" s="%d"><v>' % xf, b"</v></c>"
        for i, text in zip(at, repr(serials)[1:-1].split(", "), strict=True):
            out[i] = head + (text[:-2] if text.endswith(".0") else text).encode() + tail
        return out
    if types <= _PLAIN:  # 1 and 1.0 share a key and a cell; bool (t="b") is not here
        distinct = list(set(values))
        table = dict(zip(distinct, _encode_column(distinct, xf, False, b""), strict=True))
        return list(map(table.__getitem__, values))
    return _encode_column(values, xf, False, b"")


_WIDTH_FOR: Final[dict[str, float]] = {"datetime": 19.0, "money": 11.0, "text": 22.0}


def _source_width(title: object) -> float:
    text = "" if title is None else str(title)
    return float(min(max(display_width(text) + 2, 10), 40))


def _write(
    path: Path,
    sheet: str,
    header: list[object],
    data: list[list[object]],
    kinds: Mapping[int, str],
    columns: Sequence[OutputColumn],
    width: int,
    n: int,
    report: PatchReport,
) -> None:
    for offset, column in enumerate(columns):
        report.columns[column.header] = column_letter(width + offset + 1)
    report.appended = [c.header for c in columns]
    ref = f"A1:{column_letter(max(width + len(columns), 1))}{n + 1}"
    with open(path, "wb") as handle:
        writer = _ZipWriter(handle)
        for name, xml in _parts(_sheet_name(sheet), ref).items():
            writer.add(name, iter([xml]))
        writer.add("xl/styles.xml", iter([_styles()]))
        writer.add(
            "xl/worksheets/sheet1.xml", _sheet_xml(header, data, kinds, columns, width, n, report)
        )
        writer.close()
        handle.flush()
        os.fsync(handle.fileno())


class _ZipWriter:
    """A new zip file, member by member, each deflated by :func:`~.zipio._deflate_stream` (in a
    second thread); fixed timestamps, so the same input gives the same bytes."""

    _DATE: Final = (1 << 5) | 1  # 1980-01-01
    _UTF8: Final = 0x800

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.central: list[bytes] = []

    def add(self, name: str, pieces: Iterator[bytes], level: int = 3) -> None:
        raw = name.encode()
        offset = self.handle.tell()
        header = _LOCAL.pack(b"PK\x03\x04", 20, self._UTF8, 8, 0, self._DATE, 0, 0, 0, len(raw), 0)
        self.handle.write(header + raw)
        crc, packed, size = _deflate_stream(self.handle, pieces, level)
        if packed > 0xFFFFFFFE or size > 0xFFFFFFFE or offset > 0xFFFFFFFE:
            raise WorkbookNotWritable("工作表 XML 超过 4 GB，不支持")
        end = self.handle.tell()
        self.handle.seek(offset)
        self.handle.write(
            _LOCAL.pack(
                b"PK\x03\x04", 20, self._UTF8, 8, 0, self._DATE, crc, packed, size, len(raw), 0
            )
        )
        self.handle.seek(end)
        self.central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                20,
                20,
                self._UTF8,
                8,
                0,
                self._DATE,
                crc,
                packed,
                size,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw
        )

    def close(self) -> None:
        start = self.handle.tell()
        directory = b"".join(self.central)
        self.handle.write(directory)
        count = len(self.central)
        self.handle.write(_EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31]
    return cleaned or "订单"


def _transpose(rows: list[list[object]], width: int) -> list[list[object]]:
    """Rows → ``width`` columns (short rows padded with blanks)."""
    if not rows:
        return [[] for _ in range(width)]
    padded = [r if len(r) >= width else r + [None] * (width - len(r)) for r in rows]
    return [list(column) for column in zip(*(r[:width] for r in padded), strict=True)]
