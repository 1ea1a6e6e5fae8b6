"""Status colours and filter ranges in a recomputed order sheet: ``<conditionalFormatting>``
for the 发货状态/退货状态 result columns (with ``<dxf>`` styles appended to ``styles.xml``), and
the sheet's ``<autoFilter>`` or Excel table widened over the result columns.

Edits are by byte search on the sheet's tail (after ``</sheetData>``) and on the small table
parts; nothing else changes. A re-run replaces its own ``<conditionalFormatting>`` elements (told
by their status formulas) and reuses its ``<dxf>`` styles.

>>> STATUS_RULES["发货状态"][0]
StatusRule(text='延迟发货', colour='red', match='equal')
>>> _widen_ref("A1:K9", header_row=1, first=12, last=22, last_row=20)
'A1:V20'
>>> _widen_ref("A1:K9", header_row=1, first=13, last=22, last_row=20) is None  # a gap
True
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from ..cells.excel import column_index, column_letter
from .cells import xml_text


@dataclass(frozen=True)
class StatusRule:
    """Cells equal to (or, ``contains``, containing) ``text`` get the ``colour``."""

    text: str
    colour: Literal["red", "amber", "green"]
    match: Literal["equal", "contains"] = "equal"


#: colour → (font colour, fill colour): Excel's own "light red / yellow / green fill with dark
#: text" presets.
COLOURS: Final[dict[str, tuple[str, str]]] = {
    "red": ("9C0006", "FFC7CE"),
    "amber": ("9C5700", "FFEB9C"),
    "green": ("006100", "C6EFCE"),
}

#: Status column header → its colour rules, first match wins (SPEC §4 statuses; 售后状态 is
#: the platforms' own text, matched by part).
STATUS_RULES: Final[dict[str, tuple[StatusRule, ...]]] = {
    "发货状态": (
        StatusRule("延迟发货", "red"),
        StatusRule("超时未发货", "red"),
        StatusRule("即将超时", "amber"),
        StatusRule("待发货", "amber"),
        StatusRule("按时发货", "green"),
    ),
    "退货状态": (
        StatusRule("申请及时", "red"),  # a return the shop must accept
        StatusRule("申请逾期", "amber"),
        StatusRule("可退货", "amber"),
        StatusRule("已过期", "green"),
    ),
    "售后状态": (
        StatusRule("成功", "red", "contains"),
        StatusRule("待", "amber", "contains"),
        StatusRule("中", "amber", "contains"),
        StatusRule("关闭", "green", "contains"),
        StatusRule("无售后", "green", "contains"),
    ),
}

_TEXTS: Final = {r.text for rules in STATUS_RULES.values() for r in rules}


def _dxf(prefix: bytes, colour: str) -> bytes:
    font, fill = COLOURS[colour]
    p = prefix
    return (
        b'<%sdxf><%sfont><%scolor rgb="FF%s"/></%sfont><%sfill><%spatternFill>'
        b'<%sbgColor rgb="FF%s"/></%spatternFill></%sfill></%sdxf>'
        % (p, p, p, font.encode(), p, p, p, p, fill.encode(), p, p, p)
    )


def append_dxfs(styles_xml: bytes, prefix: bytes) -> tuple[bytes, dict[str, int], int]:
    """Find or append one ``<dxf>`` per colour in ``styles.xml``; returns the new XML, the dxf
    index per colour and how many were appended (existing ones are never renumbered)."""
    dxf_open = b"<%sdxf>" % prefix
    block = re.search(rb"<%sdxfs\b[^>]*?(/>|>(.*?)</%sdxfs>)" % (prefix, prefix), styles_xml, re.S)
    existing: list[bytes] = []
    if block is not None and block.group(2):
        body = block.group(2)
        existing = [dxf_open + piece for piece in body.split(dxf_open)[1:]]  # each ends with </dxf>
    ids: dict[str, int] = {}
    added: list[bytes] = []
    for colour in COLOURS:
        xml = _dxf(prefix, colour)
        index = next((i for i, x in enumerate(existing) if x.strip() == xml), -1)
        if index < 0:
            index = len(existing)
            existing.append(xml)
            added.append(xml)
        ids[colour] = index
    if not added:
        return styles_xml, ids, 0
    new_block = b'<%sdxfs count="%d">%s</%sdxfs>' % (
        prefix,
        len(existing),
        b"".join(existing),
        prefix,
    )
    if block is not None:
        text = styles_xml[: block.start()] + new_block + styles_xml[block.end() :]
    else:  # dxfs follows cellStyles (or cellXfs) in CT_Stylesheet
        anchor = None
        for name in (b"cellStyles", b"cellXfs"):
            anchor = re.search(
                rb"<%s%s\b[^>]*?(?:/>|>.*?</%s%s>)" % (prefix, name, prefix, name), styles_xml, re.S
            )
            if anchor is not None:
                break
        if anchor is None:
            return styles_xml, {}, 0
        at = anchor.end()
        text = styles_xml[:at] + new_block + styles_xml[at:]
    return text, ids, len(added)


def _formula(rule: StatusRule, cell: str) -> str:
    quoted = '"' + rule.text.replace('"', '""') + '"'
    if rule.match == "equal":
        return quoted
    return f"NOT(ISERROR(SEARCH({quoted},{cell})))"


def conditional_xml(
    prefix: bytes,
    columns: Mapping[str, int],
    first_row: int,
    last_row: int,
    dxf_ids: Mapping[str, int],
    priority: int,
) -> bytes:
    """``<conditionalFormatting>`` elements for the status columns among ``columns`` (header →
    1-based column), rows ``first_row``…``last_row``; priorities from ``priority`` on."""
    if last_row < first_row or not dxf_ids:
        return b""
    out: list[bytes] = []
    p = prefix
    for header, column in sorted(columns.items(), key=lambda item: item[1]):
        rules = STATUS_RULES.get(header)
        if not rules:
            continue
        letter = column_letter(column)
        cell = f"{letter}{first_row}"
        parts = []
        for rule in rules:
            formula = xml_text(_formula(rule, cell)).encode()
            dxf = dxf_ids[rule.colour]
            if rule.match == "equal":
                parts.append(
                    b'<%scfRule type="cellIs" dxfId="%d" priority="%d" operator="equal">'
                    b"<%sformula>%s</%sformula></%scfRule>" % (p, dxf, priority, p, formula, p, p)
                )
            else:
                parts.append(
                    b'<%scfRule type="containsText" dxfId="%d" priority="%d" '
                    b'operator="containsText" text="%s"><%sformula>%s</%sformula></%scfRule>'
                    % (p, dxf, priority, html.escape(rule.text).encode(), p, formula, p, p)
                )
            priority += 1
        out.append(
            b'<%sconditionalFormatting sqref="%s%d:%s%d">%s</%sconditionalFormatting>'
            % (p, letter.encode(), first_row, letter.encode(), last_row, b"".join(parts), p)
        )
    return b"".join(out)


#: CT_Worksheet elements that come after conditionalFormatting (ECMA-376 Part 1, §18.3.1.99).
_AFTER: Final = (
    b"dataValidations|hyperlinks|printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|"
    b"colBreaks|customProperties|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|"
    b"legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst"
)
_REF: Final = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")


def _widen_ref(ref: str, *, header_row: int, first: int, last: int, last_row: int) -> str | None:
    """``ref`` widened right to ``last`` and down to ``last_row`` when it starts on the header
    row and the result columns (``first``…``last``) touch or overlap it; else None."""
    match = _REF.match(ref)
    if match is None or int(match.group(2)) != header_row:
        return None
    left, right = column_index(match.group(1)), column_index(match.group(3))
    if first > right + 1 or last < left:
        return None
    bottom = max(int(match.group(4)), last_row)
    return f"{match.group(1)}{header_row}:{column_letter(max(right, last))}{bottom}"


def _is_ours(element: bytes, columns: set[str]) -> bool:
    sqref = re.search(rb'sqref="([A-Z]{1,3})\d+:([A-Z]{1,3})\d+"', element)
    if sqref is None or sqref.group(1) != sqref.group(2):
        return False
    if sqref.group(1).decode() not in columns:
        return False
    texts = re.findall(
        rb'"((?:[^"]|"")*)"', b" ".join(re.findall(rb"<(?:\w+:)?formula>(.*?)<", element))
    )
    return bool(texts) and all(html.unescape(t.decode()) in _TEXTS for t in texts)


def patch_tail(
    tail: bytes,
    prefix: bytes,
    *,
    columns: Mapping[str, int],
    header_row: int,
    last_row: int,
    dxf_ids: Mapping[str, int],
) -> bytes:
    """The sheet XML from ``</sheetData>`` on, with the status colours of ``columns`` (header →
    1-based column) replaced or added and the ``<autoFilter>`` widened over them."""
    p = re.escape(prefix)
    letters = {column_letter(c) for h, c in columns.items() if h in STATUS_RULES}
    element = re.compile(rb"<%sconditionalFormatting\b.*?</%sconditionalFormatting>" % (p, p), re.S)
    tail = element.sub(lambda m: b"" if _is_ours(m.group(0), letters) else m.group(0), tail)
    priorities = [int(x) for x in re.findall(rb'\spriority="(\d+)"', tail)]
    if columns:
        first, last = min(columns.values()), max(columns.values())

        def widen(match: re.Match[bytes]) -> bytes:
            ref = _widen_ref(
                match.group(2).decode(), header_row=header_row, first=first, last=last,
                last_row=last_row,
            )  # fmt: skip
            return match.group(0) if ref is None else match.group(1) + ref.encode() + b'"'

        filter_ = re.compile(rb'(<%sautoFilter\b[^>]*?\sref=")([^"]*)"' % p)
        tail = filter_.sub(widen, tail, count=1)
    xml = conditional_xml(
        prefix, columns, header_row + 1, last_row, dxf_ids, max(priorities, default=0) + 1
    )
    if not xml:
        return tail
    stop = re.search(
        rb"<(?:%s(?:%s)[\s>/]|mc:AlternateContent\b)|</%sworksheet>" % (p, _AFTER, p), tail
    )
    at = stop.start() if stop else len(tail)
    return tail[:at] + xml + tail[at:]


def with_tail_patched(
    pieces: Iterator[bytes],
    prefix: bytes,
    *,
    columns: Mapping[str, int],
    header_row: int,
    last_row: int,
    dxf_ids: Mapping[str, int],
) -> Iterator[bytes]:
    """The sheet XML pieces as they stream, with the tail (from ``</sheetData>``) held back and
    passed through :func:`patch_tail`. Cell text is escaped, so ``</sheetData>`` occurs once."""
    marker = b"</%ssheetData>" % prefix
    carry = b""
    for piece in pieces:
        carry += piece
        at = carry.find(marker)
        if at >= 0:
            yield carry[:at]
            tail = [carry[at:]]
            tail.extend(pieces)
            yield patch_tail(
                b"".join(tail), prefix, columns=columns, header_row=header_row,
                last_row=last_row, dxf_ids=dxf_ids,
            )  # fmt: skip
            return
        keep = len(marker) - 1
        if len(carry) > keep:
            yield carry[:-keep]
            carry = carry[-keep:]
    yield carry


def widen_tables(
    archive: zipfile.ZipFile,
    sheet_member: str,
    *,
    header_row: int,
    columns: Mapping[str, int],
    last_row: int,
) -> dict[str, bytes]:
    """The sheet's Excel tables (``xl/tables/tableN.xml``) whose header row is ``header_row`` and
    whose right edge the result columns touch, widened over them: member → new XML."""
    from .parts import _rels

    out: dict[str, bytes] = {}
    if not columns:
        return out
    names = set(archive.namelist())
    for kind, member in _rels(archive, sheet_member).values():
        if kind == "table" and member in names:
            xml = _widen_table(archive.read(member), header_row, columns, last_row)
            if xml is not None:
                out[member] = xml
    return out


def _widen_table(
    xml: bytes, header_row: int, columns: Mapping[str, int], last_row: int
) -> bytes | None:
    """One table part widened over the result columns (new ``tableColumn`` names are their
    headers), or None when it stays as it is."""
    by_column = {c: h for h, c in columns.items()}
    first, last = min(by_column), max(by_column)
    opening = re.search(rb"<(\w+:)?table\b[^>]*>", xml)
    if opening is None:
        return None
    prefix = opening.group(1) or b""
    p = re.escape(prefix)
    ref_match = re.search(rb'\sref="([^"]*)"', opening.group(0))
    corners = _REF.match(ref_match.group(1).decode()) if ref_match else None
    if ref_match is None or corners is None:
        return None
    ref = ref_match.group(1).decode()
    totals = re.search(rb'\stotalsRowCount="([1-9])"', opening.group(0))
    right = column_index(corners.group(3))
    if any(c not in by_column for c in range(right + 1, last + 1)):
        return None  # a column that is not a result between the table and the results
    bottom = int(corners.group(4)) if totals else last_row
    widened = _widen_ref(ref, header_row=header_row, first=first, last=last, last_row=bottom)
    if widened is None or widened == ref:
        return None
    start = opening.start() + ref_match.start(1)
    xml = xml[:start] + widened.encode() + xml[opening.start() + ref_match.end(1) :]
    auto = re.search(rb'<%sautoFilter\b[^>]*?\sref="([^"]*)"' % p, xml)
    if auto is not None:  # the filter stops above a totals row
        low = _REF.match(widened)
        if low is None:  # widened is built from the table's own ref above; never malformed
            raise ValueError(f"无法解析表格范围 {widened!r}")
        end_row = int(low.group(4)) - (int(totals.group(1)) if totals else 0)
        filter_ref = f"{low.group(1)}{header_row}:{low.group(3)}{end_row}"
        xml = xml[: auto.start(1)] + filter_ref.encode() + xml[auto.end(1) :]
    new_columns = [by_column[c] for c in range(right + 1, last + 1)]
    if new_columns:
        close = xml.find(b"</%stableColumns>" % prefix)
        if close < 0:
            return None
        ids = [int(x) for x in re.findall(rb'<%stableColumn\b[^>]*?\sid="(\d+)"' % p, xml)]
        added = b"".join(
            b'<%stableColumn id="%d" name="%s"/>'
            % (prefix, max(ids, default=0) + 1 + i, html.escape(h, quote=True).encode())
            for i, h in enumerate(new_columns)
        )
        xml = xml[:close] + added + xml[close:]
        count = re.search(rb'<%stableColumns\b[^>]*?\scount="(\d+)"' % p, xml)
        if count is not None:
            total = int(count.group(1)) + len(new_columns)
            xml = xml[: count.start(1)] + b"%d" % total + xml[count.end(1) :]
    return xml


__all__ = [
    "COLOURS",
    "STATUS_RULES",
    "StatusRule",
    "append_dxfs",
    "conditional_xml",
    "patch_tail",
    "widen_tables",
    "with_tail_patched",
]


def status_styles(styles_xml: bytes, headers: list[str]) -> tuple[bytes, dict[str, int], int]:
    """:func:`append_dxfs` when a status column is among ``headers`` (else nothing changes)."""
    from .parts import _prefix

    if not any(h in STATUS_RULES for h in headers):
        return styles_xml, {}, 0
    return append_dxfs(styles_xml, _prefix(styles_xml, b"styleSheet"))


def sheet_extras(
    archive: zipfile.ZipFile,
    sheet_member: str,
    *,
    prefix: bytes,
    header_row: int,
    targets: Mapping[str, int],
    rows: list[tuple[int, int]],
    dxf_ids: Mapping[str, int],
) -> tuple[Callable[[Iterator[bytes]], Iterator[bytes]], dict[str, bytes]]:
    """What the patcher adds around the rewritten sheet: a wrapper for its XML stream (status
    colours, the widened autoFilter) and the widened table parts (member → XML)."""
    last_row = max([header_row, *(r for r, _ in rows[-1:])])

    def wrap(pieces: Iterator[bytes]) -> Iterator[bytes]:
        return with_tail_patched(
            pieces, prefix, columns=targets, header_row=header_row, last_row=last_row,
            dxf_ids=dxf_ids,
        )  # fmt: skip

    tables = widen_tables(
        archive, sheet_member, header_row=header_row, columns=targets, last_row=last_row
    )
    return wrap, tables
