"""Workbook parts: which zip members hold the workbook, a sheet, the styles and shared strings."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from .errors import CorruptWorkbook, SheetNotFound


@dataclass
class _Parts:
    sheet: str
    styles: str
    shared_strings: str | None
    date1904: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of ``part``: id → (type suffix, member name)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    try:
        root = SafeET.fromstring(archive.read(rels_name))
    except KeyError:
        return {}
    found = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        member = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], member)
    return found


def _locate(archive: zipfile.ZipFile, sheet: str) -> _Parts:
    names = set(archive.namelist())
    workbook = next(
        (m for kind, m in _rels(archive, "").values() if kind == "officeDocument"),
        "xl/workbook.xml",
    )
    if workbook not in names:
        raise CorruptWorkbook("工作簿缺少 workbook.xml，不是有效的 .xlsx/.xlsm 文件")
    root = SafeET.fromstring(archive.read(workbook))
    rels = _rels(archive, workbook)
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in root.iter()
    )
    sheets: list[tuple[str, str]] = []
    for element in root.iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        sheets.append((element.get("name") or "", rid))
    match = next((s for s in sheets if s[0] == sheet), None) or next(
        (s for s in sheets if s[0].casefold() == sheet.casefold()), None
    )
    if match is None:
        raise SheetNotFound(
            f"工作簿中没有工作表「{sheet}」（现有: {'、'.join(n for n, _ in sheets)}）。请检查工作表名称"
        )
    kind, member = rels.get(match[1], ("", ""))
    if kind != "worksheet" or member not in names:
        raise SheetNotFound(f"「{match[0]}」不是普通工作表（可能是图表工作表），无法写入结果列")
    styles = next((m for k, m in rels.values() if k == "styles"), None)
    if styles is None or styles not in names:
        raise CorruptWorkbook("工作簿缺少样式表 styles.xml；请用 Excel 打开并另存后重试")
    shared = next((m for k, m in rels.values() if k == "sharedStrings" and m in names), None)
    return _Parts(member, styles, shared, date1904)


def _shared_strings(
    archive: zipfile.ZipFile, member: str | None, wanted: set[int]
) -> dict[int, str]:
    """Only the shared strings at ``wanted`` indices, streamed (defusedxml's iterparse: no
    entity expansion, no network), stopping after the last one needed."""
    found: dict[int, str] = {}
    if member is None or not wanted:
        return found
    last = max(wanted)
    index = 0
    with archive.open(member) as stream:
        for _, element in SafeET.iterparse(stream, events=("end",)):
            if _local(element.tag) != "si":
                continue
            if index in wanted:
                parts = [element.text or ""] if _local(element.tag) == "t" else []
                for child in element:
                    name = _local(child.tag)
                    if name == "t":
                        parts.append(child.text or "")
                    elif name == "r":
                        parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
                found[index] = "".join(parts)
            element.clear()
            index += 1
            if index > last:
                break
    return found


def _prefix(xml: bytes, root: bytes) -> bytes:
    """``b"x:"`` when the document writes its elements with a namespace prefix, else ``b""``."""
    match = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?%s[\s>]" % root, xml[:4096])
    return (match.group(1) + b":") if match and match.group(1) else b""
