"""The bad-input corpus found by attack (issue 11): zoned times, malformed amounts, duplicate
headers, out-of-range 规则 values, and files that cannot be used at all — each either read
correctly, reported on its row, or refused with exit code 2 and a message about the file
(never 内部错误, never a crash)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from shoprules.workbook.cli import app
from shoprules.workbook.readers import read_rows
from typer.testing import CliRunner

from tests.factories import SHOP_HEADER, shop_rows, write_workbook

AS_OF = "2024-07-01 09:00"
CLI = "from shoprules.workbook.cli import app; app()"
runner = CliRunner()


def recompute(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["recompute", str(path), "--as-of", AS_OF])
    return result.exit_code, result.output


# ---------------------------------------------------------------------------------------------
# Times with a zone: converted from UTC (or the given offset) to China time, or rejected


@pytest.mark.parametrize(
    ("text", "china"),
    [
        ("2024-03-01T07:04:05Z", "2024-03-01 15:04:05"),
        ("2024-03-01T07:04:05.250Z", "2024-03-01 15:04:05.250"),
        ("2024-02-29T20:00:00+00:00", "2024-03-01 04:00:00"),
        ("2024-03-01 15:04:05+08:00", "2024-03-01 15:04:05"),
        ("2024-03-01 15:04:05+0800", "2024-03-01 15:04:05"),
        ("2024-03-01 02:00:00-05:00", "2024-03-01 15:00:00"),
        ("2024-03-01 15:04:05 UTC", "2024-03-01 23:04:05"),
    ],
)
def test_zoned_times_are_converted_to_china_time(text: str, china: str) -> None:
    rows: list[list[object]] = [["订单编号", "付款时间", "平台"], ["1", text, "淘宝"]]
    result = read_rows(rows)
    assert result.orders.loc[0, "paid_at"] == pd.Timestamp(china)
    assert result.problems[0] == ""


@pytest.mark.parametrize("text", ["2024-03-01T10:00:00+25:00", "2024-03-01T10:00:00+05:75"])
def test_impossible_zones_are_rejected_with_a_reason(text: str) -> None:
    rows: list[list[object]] = [["订单编号", "付款时间", "平台"], ["1", text, "淘宝"]]
    result = read_rows(rows)
    assert pd.isna(result.orders.loc[0, "paid_at"])
    assert result.problems[0] == f"付款时间无法识别: {text}"


# ---------------------------------------------------------------------------------------------
# Amounts: separators only between groups of three, currency marks only at the ends


@pytest.mark.parametrize("text", ["1,2,3", "12，5", "12RMB34", "12元34", "1,0000", "1 234", "-¥-5"])
def test_malformed_amounts_are_row_problems_not_numbers(text: str) -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "实付金额", "平台"],
        ["1", "2024-03-01", text, "淘宝"],
    ]
    result = read_rows(rows)
    assert pd.isna(result.orders.loc[0, "paid_amount"])
    assert result.problems[0] == f"实付金额无法识别: {text}"


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1,234,567.80", 123456780), ("¥ 1，000 元", 100000), ("RMB12", 1200), ("¥-5", -500)],
)
def test_well_formed_amounts_still_read(text: str, fen: int) -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "实付金额", "平台"],
        ["1", "2024-03-01", text, "淘宝"],
    ]
    result = read_rows(rows)
    assert result.orders.loc[0, "paid_amount"] == fen


# ---------------------------------------------------------------------------------------------
# Duplicate headers


def test_duplicate_headers_are_reported_with_the_column_used() -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "实付金额", "付款时间", "平台", "实付金额 "],
        ["1", "2024-03-01", "10", "2024-03-05", "淘宝", "99"],
    ]
    result = read_rows(rows)
    assert "表头「付款时间」重复出现在 B、D 列：使用 B 列，其余忽略" in result.messages
    assert "表头「实付金额」重复出现在 C、F 列：使用 C 列，其余忽略" in result.messages
    assert result.orders.loc[0, "paid_at"] == pd.Timestamp("2024-03-01")
    assert result.orders.loc[0, "paid_amount"] == 1000


def test_duplicate_headers_shown_by_recompute(tmp_path: Path) -> None:
    header = [*SHOP_HEADER, "付款时间"]
    path = write_workbook(tmp_path / "dup.xlsx", shop_rows(), header=header, as_text=True)
    code, output = recompute(path)
    assert code in (0, 1)
    assert "表头「付款时间」重复出现在" in output


# ---------------------------------------------------------------------------------------------
# 规则 overrides out of range


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("taobao.late_shipment.max", -5, "上下限不能为负数"),
        ("taobao.late_shipment.min", 1000, "下限 1000.00 元大于上限"),
        ("taobao.late_shipment.rate", "150%", "比例应在 0–100% 之间"),
        ("taobao.late_shipment.rate", -0.05, "比例应在 0–100% 之间"),
        ("taobao.late_shipment.max", "三十", "应为数字"),
        ("pdd.ship_by.duration", "0h", "时长应大于 0"),
    ],
)
def test_out_of_range_overrides_exit_2_naming_the_key(
    tmp_path: Path, key: str, value: object, reason: str
) -> None:
    path = write_workbook(
        tmp_path / "rules.xlsx",
        shop_rows(),
        header=SHOP_HEADER,
        as_text=True,
        overrides=[["taobao.late_shipment.max", 40, ""], [key, value, "试验"]],
    )
    code, output = recompute(path)
    assert code == 2
    assert f"「规则」表第 3 行，参数 {key}" in output
    assert reason in output
    assert "内部错误" not in output


# ---------------------------------------------------------------------------------------------
# Files that cannot be used: exit 2 with a message about the file

LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def _book(folder: Path) -> Path:
    return write_workbook(folder / "base.xlsx", shop_rows(), header=SHOP_HEADER, as_text=True)


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, change(item.filename, old.read(item)))
    return target


def _with_dtd(member: str, root: bytes, dtd: bytes, use: bytes) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        data = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        data = data.replace(b"<" + root, dtd + b"<" + root, 1)
        return data.replace(b"<t>", b"<t>" + use, 1)

    return change


def laughs_in_shared_strings(folder: Path) -> Path:
    change = _with_dtd("xl/sharedStrings.xml", b"sst", LAUGHS, b"&lol3;")
    return _rewrite(_book(folder), folder / "laughs.xlsx", change)


def laughs_in_sheet(folder: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        data = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        cell = b'<c r="Z1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        return data.replace(b"<worksheet", LAUGHS + b"<worksheet", 1).replace(b"</row>", cell, 1)

    return _rewrite(_book(folder), folder / "laughs_sheet.xlsx", change)


def external_entity(folder: Path) -> Path:
    change = _with_dtd("xl/sharedStrings.xml", b"sst", EXTERNAL, b"&x;")
    return _rewrite(_book(folder), folder / "xxe.xlsx", change)


def corrupt_deflate(folder: Path) -> Path:
    source = _book(folder)
    raw = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + 40):
        raw[i] ^= 0x55
    target = folder / "deflate.xlsx"
    target.write_bytes(bytes(raw))
    return target


def bad_shared_string_index(folder: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb'(<c r="B2"[^>]*t="s"[^>]*><v>)\d+', rb"\g<1>99999", data)

    return _rewrite(_book(folder), folder / "sst_index.xlsx", change)


def truncated_zip(folder: Path) -> Path:
    data = _book(folder).read_bytes()
    target = folder / "truncated.xlsx"
    target.write_bytes(data[: len(data) // 2])
    return target


def empty_sheet(folder: Path) -> Path:
    target = folder / "empty.xlsx"
    openpyxl.Workbook().save(target)
    return target


def far_cell(folder: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["订单编号", "付款时间", "平台"])
    sheet.append(["1", "2024-03-01 10:00", "淘宝"])
    sheet["XFD1048576"] = "x"
    target = folder / "far.xlsx"
    book.save(target)
    return target


def far_cell_under_a_small_dimension(folder: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:C2"/>', data)

    return _rewrite(far_cell(folder), folder / "far_small_dimension.xlsx", change)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (laughs_in_shared_strings, "含有 DTD/实体声明"),
        (laughs_in_sheet, "含有 DTD/实体声明"),
        (external_entity, "含有 DTD/实体声明"),
        (corrupt_deflate, "已损坏或不完整"),
        (bad_shared_string_index, "不存在的共享字符串"),
        (truncated_zip, "已损坏或不完整"),
        (empty_sheet, "工作簿是空的"),
        (far_cell, "最远的单元格 XFD1048576"),
        (far_cell_under_a_small_dimension, "最远的单元格 XFD1048576"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_unusable_files_exit_2_with_a_message(
    tmp_path: Path, build: Callable[[Path], Path], message: str
) -> None:
    path = build(tmp_path)
    before = path.read_bytes()
    code, output = recompute(path)
    assert code == 2
    assert message in output
    assert "内部错误" not in output
    assert "未写入任何文件" in output
    assert path.read_bytes() == before


def test_six_kb_workbook_with_one_far_cell_exits_2_within_seconds(tmp_path: Path) -> None:
    """Run in a child process: if the sheet were allocated whole, the process would abort or
    run out of time rather than fail this test politely."""
    path = far_cell(tmp_path)
    assert path.stat().st_size < 6 * 1024
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CLI, "recompute", str(path), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "XFD1048576" in done.stdout
    assert time.monotonic() - started < 20
