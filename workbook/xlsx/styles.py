"""``styles.xml``: append the result cell formats (never renumbering existing ones) and find
the formats results were written with."""

from __future__ import annotations

import html
import re
from typing import Final

from defusedxml import ElementTree as SafeET

from ..columns import FORMATS
from .errors import CorruptWorkbook
from .parts import _local, _prefix

#: ``quotePrefix="0"`` is the schema default; it marks the cell formats this module appends, so
#: re-runs reuse them and stale results can be told from what a user typed.
_MARKER: Final = {"quotePrefix": "0"}


def _append_styles(styles_xml: bytes, kinds: list[str]) -> tuple[bytes, dict[str, int], int]:
    """Find or append one marked cell format per kind. Returns the new styles.xml, the xf index
    per kind and how many elements were appended; existing ones are never renumbered."""
    fmt_codes, xfs = _existing_formats(styles_xml)
    prefix = _prefix(styles_xml, b"styleSheet")
    next_fmt = max([163, *fmt_codes.values()]) + 1
    new_fmts: list[bytes] = []
    new_xfs: list[bytes] = []
    xf_ids: dict[str, int] = {}
    for kind in kinds:
        builtin, code = FORMATS[kind].builtin_id, FORMATS[kind].code
        if builtin is not None:
            fmt_id = builtin
        elif code in fmt_codes:
            fmt_id = fmt_codes[code]
        else:
            fmt_id = fmt_codes[code] = next_fmt
            next_fmt += 1
            new_fmts.append(
                b'<%snumFmt numFmtId="%d" formatCode="%s"/>'
                % (prefix, fmt_id, html.escape(code).encode())
            )
        wanted = _xf_attributes(fmt_id)
        index = _find_xf(xfs, wanted)
        if index < 0:
            index = len(xfs)
            xfs.append((wanted, False))
            new_xfs.append(
                b"<%sxf %s/>"
                % (
                    prefix,
                    b" ".join(b'%s="%s"' % (k.encode(), v.encode()) for k, v in wanted.items()),
                )
            )
        xf_ids[kind] = index
    text = styles_xml
    if new_fmts:
        text = _insert_num_fmts(text, prefix, new_fmts, count=len(fmt_codes))
    if new_xfs:
        text = _insert_xfs(text, prefix, new_xfs, count=len(xfs))
    return text, xf_ids, len(new_fmts) + len(new_xfs)


def _existing_formats(
    styles_xml: bytes,
) -> tuple[dict[str, int], list[tuple[dict[str, str], bool]]]:
    """The number format id per format code, and each cell format's attributes and whether it
    has child elements."""
    root = SafeET.fromstring(styles_xml)
    fmt_codes: dict[str, int] = {}
    xfs: list[tuple[dict[str, str], bool]] = []
    for element in root:
        name = _local(element.tag)
        if name == "numFmts":
            for fmt in element:
                code, number = fmt.get("formatCode"), fmt.get("numFmtId")
                if code is not None and number is not None and number.isdigit():
                    fmt_codes.setdefault(code, int(number))
        elif name == "cellXfs":
            xfs = [(dict(xf.attrib), len(xf) > 0) for xf in element if _local(xf.tag) == "xf"]
    if not xfs:
        raise CorruptWorkbook("styles.xml 缺少单元格格式 cellXfs；请用 Excel 打开并另存后重试")
    return fmt_codes, xfs


def _find_xf(xfs: list[tuple[dict[str, str], bool]], wanted: dict[str, str]) -> int:
    """The index of a childless cell format with exactly ``wanted``'s attributes, or -1."""
    index = next((i for i, (attrs, kids) in enumerate(xfs) if attrs == wanted and not kids), -1)
    if index < 0:  # the same format after a re-save dropped the default-valued marker
        plain = {k: v for k, v in wanted.items() if k not in _MARKER}
        index = next((i for i, (a, kids) in enumerate(xfs) if a == plain and not kids), -1)
    return index


def _insert_num_fmts(text: bytes, prefix: bytes, new_fmts: list[bytes], *, count: int) -> bytes:
    """Append ``new_fmts`` to ``<numFmts>``, creating it (first in the stylesheet) if missing."""
    close = b"</%snumFmts>" % prefix
    if close in text:
        at = text.index(close)
        text = text[:at] + b"".join(new_fmts) + text[at:]
        return _set_count(text, b"numFmts", prefix, count)
    empty = re.search(rb"<%snumFmts\b[^>]*/>" % re.escape(prefix), text)
    block = b'<%snumFmts count="%d">%s</%snumFmts>' % (
        prefix, len(new_fmts), b"".join(new_fmts), prefix,
    )  # fmt: skip
    if empty:
        return text[: empty.start()] + block + text[empty.end() :]
    opening = re.search(rb"<%sstyleSheet\b[^>]*>" % re.escape(prefix), text)
    if opening is None:
        raise CorruptWorkbook("styles.xml 格式异常；请用 Excel 打开并另存后重试")
    return text[: opening.end()] + block + text[opening.end() :]


def _insert_xfs(text: bytes, prefix: bytes, new_xfs: list[bytes], *, count: int) -> bytes:
    """Append ``new_xfs`` to ``<cellXfs>`` and set its count."""
    close = b"</%scellXfs>" % prefix
    if close not in text:
        raise CorruptWorkbook("styles.xml 格式异常；请用 Excel 打开并另存后重试")
    at = text.index(close)
    text = text[:at] + b"".join(new_xfs) + text[at:]
    return _set_count(text, b"cellXfs", prefix, count)


def _xf_attributes(fmt_id: int) -> dict[str, str]:
    return {
        "numFmtId": str(fmt_id),
        "fontId": "0",
        "fillId": "0",
        "borderId": "0",
        "xfId": "0",
        "applyNumberFormat": "1",
        **_MARKER,
    }


def _our_styles(styles_xml: bytes) -> list[str]:
    """Indices of the cell formats that results are written with: default font, fill and
    border with one of the result number formats — the ones this module appends, and the same
    formats after Excel or openpyxl re-saved the book and renumbered them."""
    root = SafeET.fromstring(styles_xml)
    ids = {str(f.builtin_id) for f in FORMATS.values() if f.builtin_id is not None}
    codes = {f.code for f in FORMATS.values() if f.builtin_id is None}
    for element in root:
        if _local(element.tag) == "numFmts":
            ids |= {f.get("numFmtId") or "" for f in element if f.get("formatCode") in codes}
    found = []
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                if (
                    len(xf) == 0
                    and xf.get("numFmtId") in ids
                    and all(xf.get(name, "0") == "0" for name in ("fontId", "fillId", "borderId"))
                    and xf.get("quotePrefix") not in ("1", "true")
                ):
                    found.append(str(index))
    return found


def _set_count(text: bytes, element: bytes, prefix: bytes, count: int) -> bytes:
    opening = re.search(rb"<%s%s\b[^>]*>" % (re.escape(prefix), element), text)
    if opening is None:
        return text
    tag = opening.group(0)
    if re.search(rb'\scount="\d*"', tag):
        new = re.sub(rb'(\scount=")\d*(")', rb"\g<1>%d\g<2>" % count, tag, count=1)
    else:
        new = tag[:-1] + b' count="%d">' % count
    return text[: opening.start()] + new + text[opening.end() :]
