"""Zip bombs: a workbook whose parts unpack to absurd sizes is refused before anything is read
or patched (exit code 2, a Chinese message and what to do); real large exports pass."""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from shoprules.workbook.cli import app
from shoprules.workbook.readers.formats import (
    check_xlsx_parts,
    open_workbook_sheets,
    read_sheet_rows,
)
from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns
from shoprules.workbook.zipsizes import (
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FROM_BYTES,
    ZipBombError,
    check_zip_sizes,
)
from typer.testing import CliRunner

from tests.factories import SHOP_HEADER, shop_rows, write_workbook

AS_OF = "2024-07-01 09:00"
SHEET = "xl/worksheets/sheet1.xml"
runner = CliRunner()


def _with_sheet(source: Path, target: Path, pieces: Iterable[bytes]) -> Path:
    """``source`` with its first sheet's XML replaced by ``pieces``, deflated as written."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename != SHEET:
                new.writestr(info, old.read(info), zipfile.ZIP_DEFLATED)
                continue
            part = zipfile.ZipInfo(SHEET, info.date_time)
            part.compress_type = zipfile.ZIP_DEFLATED
            with new.open(part, "w") as stream:
                for piece in pieces:
                    stream.write(piece)
    return target


def _padded(sheet_xml: bytes, padding: int) -> Iterator[bytes]:
    """The sheet with ``padding`` spaces before ``</sheetData>`` (deflate packs them about
    1000 : 1: small on disk)."""
    head, _, tail = sheet_xml.partition(b"</sheetData>")
    yield head
    block = b" " * (1 << 20)
    for _ in range(padding // len(block)):
        yield block
    yield b"</sheetData>" + tail


def _declaring(path: Path, member: str, size: int) -> Path:
    """``path`` with ``member``'s declared unpacked size set to ``size`` (local header and
    central directory), its data unchanged: a part that says it unpacks to ``size``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    struct.pack_into("<L", data, offset + 22, size)
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            struct.pack_into("<L", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def normal(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "orders.xlsx", shop_rows(), header=SHOP_HEADER)


@pytest.fixture
def ratio_bomb(normal: Path, tmp_path: Path) -> Path:
    """A real bomb: the order sheet unpacks to 64 MB from about 64 KB (ratio ~1000 : 1)."""
    with zipfile.ZipFile(normal) as archive:
        sheet = archive.read(SHEET)
    bomb = _with_sheet(normal, tmp_path / "bomb.xlsx", _padded(sheet, 64 << 20))
    assert bomb.stat().st_size < 200_000
    return bomb


@pytest.fixture
def size_bomb(normal: Path) -> Path:
    """A sheet of a few KB that declares 3.5 GB unpacked."""
    return _declaring(normal, SHEET, 3_500_000_000)


@pytest.mark.parametrize("command", ["recompute", "audit"])
@pytest.mark.parametrize("bomb", ["ratio_bomb", "size_bomb"])
def test_bomb_refused_exit_2_nothing_written(
    command: str, bomb: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path: Path = request.getfixturevalue(bomb)
    before = path.read_bytes()
    result = runner.invoke(app, [command, str(path), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "压缩炸弹" in result.output
    assert "xl/worksheets/sheet1.xml" in result.output
    assert "怎么办" in result.output
    assert "重新导出" in result.output
    assert "内部错误" not in result.output
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.audit.xlsx"))
    assert not list(tmp_path.glob("*.bak"))


def test_bomb_is_not_patched_either(ratio_bomb: Path) -> None:
    before = ratio_bomb.read_bytes()
    column = OutputColumn("违约金", [1.0], "money")
    with pytest.raises(ZipBombError, match="压缩比"):
        patch_sheet_columns(ratio_bomb, "订单", 1, [2], [column])
    assert ratio_bomb.read_bytes() == before


def test_limits_pass_a_million_row_export_and_refuse_bombs() -> None:
    def part(name: str, size: int, packed: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name)
        info.file_size, info.compress_size = size, packed
        return info

    # 1,000,000 rows × 30 columns: ~1.1 GB of sheet XML at 10–30 : 1, shared strings beside it
    for ratio in (10, 30):
        export = [
            part(SHEET, 1_100_000_000, 1_100_000_000 // ratio),
            part("xl/sharedStrings.xml", 600_000_000, 600_000_000 // ratio),
            part("xl/styles.xml", 40_000, 300),  # small parts pack far better: not judged
        ]
        check_zip_sizes(export, "export.xlsx")
    assert MAX_MEMBER_BYTES >= 2 * 1_100_000_000
    assert MAX_RATIO >= 5 * 30
    with pytest.raises(ZipBombError, match="单个部件"):
        check_zip_sizes([part(SHEET, MAX_MEMBER_BYTES + 1, MAX_MEMBER_BYTES)], "b.xlsx")
    with pytest.raises(ZipBombError, match="压缩比 1000 : 1"):
        check_zip_sizes([part(SHEET, RATIO_FROM_BYTES * 2, RATIO_FROM_BYTES // 500)], "b.xlsx")
    many = [part(f"xl/worksheets/sheet{i}.xml", 2 << 30, 200 << 20) for i in range(4)]
    assert sum(p.file_size for p in many) > MAX_TOTAL_BYTES
    with pytest.raises(ZipBombError, match="各部件解压后共"):
        check_zip_sizes(many, "b.xlsx")


def _export_rows(count: int) -> Iterator[bytes]:
    """Sheet rows like a platform export's: a unique id, a platform, an amount, two times, a
    product name (inline text, as exports write it)."""
    rng = random.Random(3)

    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    for r in range(2, count + 2):
        paid = f"2024-0{rng.randint(1, 6)}-{rng.randint(10, 28)} {rng.randint(10, 23)}:{rng.randint(10, 59)}:00"
        shipped = f"2024-0{rng.randint(1, 6)}-{rng.randint(10, 28)} {rng.randint(10, 23)}:{rng.randint(10, 59)}:00"
        cells = [
            text(f"A{r}", str(rng.randrange(10**17, 10**18))),
            text(f"B{r}", rng.choice(["淘宝", "天猫", "拼多多"])),
            f'<c r="C{r}"><v>{rng.uniform(1, 3000):.2f}</v></c>',
            text(f"D{r}", paid),
            text(f"E{r}", shipped),
            text(f"F{r}", f"商品{rng.randrange(10**6)} 规格{rng.randrange(100)}"),
        ]
        yield f'<row r="{r}">{"".join(cells)}</row>'.encode()


def test_a_real_large_sheet_passes(normal: Path, tmp_path: Path) -> None:
    """A sheet of ~19 MB of export-like rows (50,000) packs far under the ratio limit and is read."""
    with zipfile.ZipFile(normal) as archive:
        sheet = archive.read(SHEET)
    head, _, tail = sheet.partition(b"</sheetData>")
    head = head[: head.index(b"<sheetData>") + len(b"<sheetData>")]
    header = "".join(
        f'<c r="{c}1" t="inlineStr"><is><t>{t}</t></is></c>'
        for c, t in zip(
            "ABCDEF",
            ["订单编号", "平台", "实付金额", "付款时间", "发货时间", "商品名称"],
            strict=True,
        )
    )
    pieces = [
        head,
        f'<row r="1">{header}</row>'.encode(),
        *_export_rows(50_000),
        b"</sheetData>" + tail,
    ]
    path = _with_sheet(normal, tmp_path / "large.xlsx", pieces)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    assert info.file_size > RATIO_FROM_BYTES  # large enough for the ratio to be judged
    assert info.file_size < 30 * info.compress_size
    check_xlsx_parts(path)
    names, book = open_workbook_sheets(path, "xlsx")
    assert names == ["订单"]
    assert len(read_sheet_rows(book, "订单", path)) == 50_001
