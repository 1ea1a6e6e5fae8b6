"""Refusals and failures leave the book as it was: Excel lock file, corrupt or truncated zip,
missing sheet, read-only folder, a failure in the middle of writing."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from shoprules.workbook.xlsx import (
    CorruptWorkbook,
    OutputColumn,
    SheetNotFound,
    WorkbookLocked,
    WorkbookNotWritable,
    patch_sheet_columns,
    rewrite,
)

COLUMNS = [OutputColumn("违约金", [1.0] * 6, "money")]
ROWS = list(range(2, 8))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".shoprules"))


def test_lock_file_refused(order_book: Path) -> None:
    lock = order_book.with_name("~$" + order_book.name)
    lock.write_bytes(b"\x05owner")
    before = order_book.read_bytes()
    with pytest.raises(WorkbookLocked, match="关闭") as caught:
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert "Excel" in str(caught.value)
    assert isinstance(caught.value, OSError)
    assert order_book.read_bytes() == before
    assert not order_book.with_name(order_book.name + ".bak").exists()
    assert leftovers(order_book.parent) == []


def test_lock_file_of_the_output_refused(order_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    (tmp_path / "~$out.xlsx").write_bytes(b"x")
    with pytest.raises(WorkbookLocked):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, out=out)
    assert not out.exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-10], id="end-record-cut"),
        pytest.param(lambda _data: b"not a zip at all" * 100, id="not-a-zip"),
        pytest.param(lambda _data: b"", id="empty"),
    ],
)
def test_corrupt_zip_clean_error(order_book: Path, damage: Callable[[bytes], bytes]) -> None:
    order_book.write_bytes(damage(order_book.read_bytes()))
    before = order_book.read_bytes()
    with pytest.raises(CorruptWorkbook, match="原文件未改动"):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert order_book.read_bytes() == before
    assert leftovers(order_book.parent) == []
    assert not order_book.with_name(order_book.name + ".bak").exists()


def test_damaged_sheet_data_clean_error(order_book: Path) -> None:
    """Flip bytes inside the compressed order sheet: the CRC or inflate fails while streaming."""
    with zipfile.ZipFile(order_book) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(order_book.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + 40
    for i in range(start, start + 20):
        data[i] ^= 0x5A
    order_book.write_bytes(bytes(data))
    with pytest.raises(CorruptWorkbook):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert order_book.read_bytes() == bytes(data)
    assert leftovers(order_book.parent) == []


def test_xlsx_without_sheet_data(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(CorruptWorkbook):
        patch_sheet_columns(path, "订单", 1, ROWS, COLUMNS)


def test_missing_sheet(order_book: Path) -> None:
    before = order_book.read_bytes()
    with pytest.raises(SheetNotFound, match="看板") as caught:
        patch_sheet_columns(order_book, "订单表", 1, ROWS, COLUMNS)
    assert "订单表" in str(caught.value)
    assert order_book.read_bytes() == before


def test_sheet_name_case_insensitive(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "o.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Orders").write_row(0, 0, ["订单编号"])
    book.close()
    report = patch_sheet_columns(path, "orders", 1, [2], [OutputColumn("违约金", [1], "money")])
    assert report.columns == {"违约金": "B"}


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        patch_sheet_columns(tmp_path / "nope.xlsx", "订单", 1, ROWS, COLUMNS)


def _folder_blocks_writes(folder: Path) -> bool:
    try:
        (folder / "probe").write_bytes(b"")
    except PermissionError:
        return True
    (folder / "probe").unlink()
    return False


def test_read_only_folder_real(order_book: Path) -> None:
    """chmod 555 on the folder; skipped where that does not stop writes (root, some CI)."""
    folder = order_book.parent
    before = order_book.read_bytes()
    folder.chmod(0o555)
    try:
        if not _folder_blocks_writes(folder):
            pytest.skip("running as root: a read-only folder does not block writes here")
        with pytest.raises(WorkbookNotWritable, match="只读"):
            patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    finally:
        folder.chmod(0o755)
    assert order_book.read_bytes() == before


def test_read_only_folder_simulated(order_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root chmod cannot block writes, so the folder refuses new files the way a read-only
    folder does: creating the temporary file fails with EACCES."""
    before = order_book.read_bytes()

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(WorkbookNotWritable, match="只读") as caught:
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert isinstance(caught.value, OSError)
    assert order_book.read_bytes() == before


def test_replace_refused_keeps_the_original(
    order_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file another program holds open: clean error, no temp file."""
    before = order_book.read_bytes()

    def refuse(_src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WorkbookNotWritable, match="占用"):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, keep_backup=False)
    assert order_book.read_bytes() == before
    assert leftovers(order_book.parent) == []


def test_failure_while_streaming_leaves_no_trace(
    order_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = order_book.read_bytes()

    def boom(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rewrite, "_patch_row", boom)
    with pytest.raises(RuntimeError):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert order_book.read_bytes() == before
    assert leftovers(order_book.parent) == []


def test_aware_datetime_rejected(order_book: Path) -> None:
    import datetime as dt

    aware = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    before = order_book.read_bytes()
    with pytest.raises(ValueError, match="时区"):
        patch_sheet_columns(
            order_book, "订单", 1, [2], [OutputColumn("发货截止", [aware], "datetime")]
        )
    assert order_book.read_bytes() == before


def test_permissions_kept(order_book: Path) -> None:
    order_book.chmod(0o640)
    patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert order_book.stat().st_mode & 0o777 == 0o640


class _NoSeek:
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target

    def write(self, data: bytes, /) -> int:
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        self._target.flush()


@pytest.mark.parametrize("style", ["data-descriptors", "zip64-extras", "stored"])
def test_unusual_zip_layouts_are_copied(order_book: Path, tmp_path: Path, style: str) -> None:
    """Members written with data descriptors, zip64 extra fields or no compression are copied
    byte for byte and the result is a valid zip."""
    rebuilt = tmp_path / "rebuilt.xlsx"
    with zipfile.ZipFile(order_book) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with open(rebuilt, "wb") as handle:
        target = _NoSeek(handle) if style == "data-descriptors" else handle
        method = zipfile.ZIP_STORED if style == "stored" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(target, "w", method) as archive:
            for info, data in items:
                with archive.open(
                    info.filename, "w", force_zip64=style == "zip64-extras"
                ) as member:
                    member.write(data)
    from .conftest import raw_members

    before = raw_members(rebuilt)
    patch_sheet_columns(rebuilt, "订单", 1, ROWS, COLUMNS)
    after = raw_members(rebuilt)
    changed = {b[0] for b, a in zip(before, after, strict=True) if b != a}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    with zipfile.ZipFile(rebuilt) as archive:
        assert archive.testzip() is None
    import openpyxl

    assert openpyxl.load_workbook(rebuilt)["订单"]["G2"].value == 1
