"""Zip-bomb limits for .xlsx/.xlsm: how large a workbook's parts may unpack, checked from the
zip's central directory before anything is read or patched. The declared sizes bound what is
inflated: :mod:`zipfile` stops at a part's declared size and calamine's zip reader fails as soon
as a part gives more (a part that lies about its size is refused as damaged).

>>> import zipfile
>>> info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
>>> info.file_size, info.compress_size = 1_100_000_000, 40_000_000  # 1M rows × 30 columns
>>> check_zip_sizes([info], "订单.xlsx")  # passes
>>> info.compress_size = 1_100_000  # the same size from 1 MB: 1000 : 1
>>> try:
...     check_zip_sizes([info], "订单.xlsx")
... except ZipBombError as error:
...     print(error.message.split("。")[0])
工作簿「订单.xlsx」中的 xl/worksheets/sheet1.xml 由 1.0 MB 解压为 1.0 GB（压缩比 1000 : 1，超过 200 : 1）
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from typing import Final

from .errors import ShoprulesError

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "RATIO_FROM_BYTES",
    "ZipBombError",
    "check_zip_sizes",
]

#: The largest part unpacked: a 1,000,000-row × 30-column export's sheet XML is about 1 GB
#: (measured ~1.1 KB a row), so three times that. The patcher refuses sheets over 4 GB anyway.
MAX_MEMBER_BYTES: Final = 3 << 30
#: All parts together: the sheet, its shared strings (at most about as large), styles and the
#: rest of a 1M-row export stay under 2.5 GB; a workbook of several such sheets up to 6 GB.
MAX_TOTAL_BYTES: Final = 6 << 30
#: Unpacked : packed. Real sheets compress 10–30 : 1 (numbers, ids and row references vary);
#: deflate cannot exceed about 1030 : 1, which is where bombs sit. 200 leaves real files room.
MAX_RATIO: Final = 200
#: The ratio is judged only on parts unpacking to more than this: small parts (styles, an empty
#: sheet) compress far better than data and are harmless at any ratio.
RATIO_FROM_BYTES: Final = 16 << 20

_HINT: Final = (
    "请从平台重新导出订单，或用 Excel 打开后另存为 .xlsx 再试；确是超大的订单表请按月份拆成几个文件"
)


class ZipBombError(ShoprulesError, ValueError):
    """A workbook whose parts unpack to absurd sizes (a zip bomb): refused before reading."""

    default_hint = _HINT


def _size(count: int) -> str:
    """A byte count for people.

    >>> _size(1 << 30), _size(5 << 20), _size(3000)
    ('1.0 GB', '5.0 MB', '2.9 KB')
    """
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count / 1024:.1f} KB"


def _refuse(book: str, what: str) -> ZipBombError:
    return ZipBombError(
        f"工作簿「{book}」{what}。这不像 Excel 或平台导出的文件（疑似“压缩炸弹”），已拒绝读取"
    )


def check_zip_sizes(members: Iterable[zipfile.ZipInfo], book: str) -> None:
    """Refuse (:class:`ZipBombError`) a workbook whose central directory declares a part over
    :data:`MAX_MEMBER_BYTES`, parts over :data:`MAX_TOTAL_BYTES` in all, or a part over
    :data:`RATIO_FROM_BYTES` packed more than :data:`MAX_RATIO` : 1. ``book`` names the file."""
    total = 0
    for info in members:
        size, packed = info.file_size, info.compress_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise _refuse(
                book,
                f"中的 {info.filename} 解压后有 {_size(size)}，超过单个部件 {_size(MAX_MEMBER_BYTES)} 的上限",
            )
        if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(packed, 1):
            ratio = size // max(packed, 1)
            raise _refuse(
                book,
                f"中的 {info.filename} 由 {_size(packed)} 解压为 {_size(size)}"
                f"（压缩比 {ratio} : 1，超过 {MAX_RATIO} : 1）",
            )
    if total > MAX_TOTAL_BYTES:
        raise _refuse(
            book, f"的各部件解压后共 {_size(total)}，超过 {_size(MAX_TOTAL_BYTES)} 的上限"
        )
