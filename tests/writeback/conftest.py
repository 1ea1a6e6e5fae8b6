"""Fixture workbooks for the write-back tests, built with XlsxWriter in ``tmp_path``: an order
sheet with text ids, numbers, dates and a formula; a second sheet with a chart; an image, a
comment, data validation, conditional formatting, merged cells, a hyperlink, defined names and —
for ``.xlsm`` — a ``vbaProject.bin`` (a minimal valid OLE compound file made here, since
XlsxWriter ships none; Excel would not find macros in it, but the zip member is real and must be
copied byte for byte)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter
from shoprules.workbook.columns import ColumnKind

HEADER = ["订单编号", "平台", "商品标题", "实付金额", "付款时间", "备注"]
RESULT_HEADERS = ["发货截止", "违约金", "延迟小时", "扣分", "数据问题"]
KINDS: list[ColumnKind] = ["datetime", "money", "hours", "integer", "text"]

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice not installed")


def order_rows(n: int = 6) -> list[list[object]]:
    titles = ["T恤", "=1+1", "+86 包邮", "@SUM(A1)", "-5 元券", "雪平锅"]
    return [
        [
            f"40182700331{i:08d}",
            ["淘宝", "天猫", "拼多多"][i % 3],
            titles[i % len(titles)],
            round(19.9 + i * 10.05, 2),
            dt.datetime(2024, 6, 1 + i % 28, 10, 30),
            "" if i % 2 else f"备注{i}",
        ]
        for i in range(n)
    ]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">L", len(data)) + body + struct.pack(">L", zlib.crc32(body))

    header = struct.pack(">2L5B", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\xff\x00\x00\x00\x00\xff\x00\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def minimal_ole(stream: bytes = b'Attribute VB_Name = "shoprules"\r\n' * 120) -> bytes:
    """A valid compound file (CFB v3) with one 4,096-byte stream ``PROJECT``."""
    data = stream[:4096].ljust(4096, b"\x00")
    sectors = len(data) // 512
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<5H6x", 0x3E, 3, 0xFFFE, 9, 6)
    header += struct.pack("<9L", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109L", 0, *([free] * 108))
    fat = [fat_sect, end, *range(3, 2 + sectors), end]
    fat_sector = struct.pack("<128L", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<H2B3L", len(encoded), kind, 1, nostream, nostream, child)
            + b"\x00" * 36
            + struct.pack("<2L4x", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry("PROJECT", 2, nostream, 2, len(data))
        + entry("", 0, nostream, 0, 0) * 2
    )
    return header + fat_sector + directory + data


def build_order_book(
    path: Path,
    rows: list[list[object]] | None = None,
    *,
    header_row: int = 1,
    date_1904: bool = False,
    vba: bool = False,
    extras: bool = True,
) -> Path:
    """The order sheet ``订单`` (header on ``header_row``; a title row above it when > 1) plus,
    with ``extras``, everything the write-back must leave alone."""
    rows = order_rows() if rows is None else rows
    book = xlsxwriter.Workbook(str(path), {"date_1904": date_1904, "strings_to_formulas": False})
    ws = book.add_worksheet("订单")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = book.add_format({"num_format": "#,##0.00"})
    when = book.add_format({"num_format": "yyyy/m/d h:mm"})
    top = header_row - 1
    if header_row > 1:
        ws.merge_range(0, 0, 0, 3, "2024年6月 订单导出", bold)
    ws.write_row(top, 0, HEADER, bold)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, when)
            elif isinstance(value, float):
                ws.write_number(r, c, value, money)
            else:
                ws.write_string(r, c, str(value))
    last = top + len(rows)
    if extras:
        ws.write_formula(last + 2, 3, f"=SUM(D{top + 2}:D{last + 1})", money, 0)
        ws.write_string(last + 2, 2, "合计")
        ws.write_comment(top + 1, 2, "买家备注: 加急")
        ws.data_validation(
            top + 1, 1, last, 1, {"validate": "list", "source": ["淘宝", "天猫", "拼多多"]}
        )
        ws.conditional_format(
            top + 1, 3, last, 3, {"type": "cell", "criteria": ">", "value": 50, "format": bold}
        )
        ws.write_url(last + 3, 0, "https://example.com/orders", string="订单后台")
        ws.insert_image(top + 1, 8, "tiny.png", {"image_data": io.BytesIO(tiny_png())})
        ws.freeze_panes(header_row, 0)
        ws.autofilter(top, 0, last, len(HEADER) - 1)
        other = book.add_worksheet("看板")
        other.write_row(0, 0, ["平台", "订单数"])
        other.write_row(1, 0, ["淘宝", 3])
        other.write_row(2, 0, ["天猫", 2])
        other.write_formula(3, 1, "=SUM(B2:B3)", None, 5)
        chart = book.add_chart({"type": "column"})
        chart.add_series({"categories": "=看板!$A$2:$A$3", "values": "=看板!$B$2:$B$3"})
        other.insert_chart("D2", chart)
        book.define_name("订单金额", f"=订单!$D${top + 2}:$D${last + 1}")
        book.define_name("看板!本地名", "=看板!$B$2")
    if vba:
        book.add_vba_project(io.BytesIO(minimal_ole()), is_stream=True)
    book.close()
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def raw_members(path: Path) -> list[tuple[str, int, int, bytes]]:
    """(name, compress type, CRC, raw compressed bytes) per member, in order."""
    found = []
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for info in archive.infolist():
            raw.seek(info.header_offset)
            local = raw.read(30)
            skip = struct.unpack("<2H", local[26:30])
            raw.seek(info.header_offset + 30 + skip[0] + skip[1])
            found.append(
                (info.filename, info.compress_type, info.CRC, raw.read(info.compress_size))
            )
    return found


def soffice_csv(book: Path, tmp_path: Path) -> list[list[str]]:
    """The first sheet as LibreOffice converts it to CSV (UTF-8), with its own profile."""
    import csv

    out = tmp_path / "lo-out"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = (out / (book.stem + ".csv")).read_text(encoding="utf-8")
    return list(csv.reader(text.splitlines()))


@pytest.fixture
def order_book(tmp_path: Path) -> Path:
    return build_order_book(tmp_path / "orders.xlsx")
