"""LibreOffice opens the patched workbook (no repair) and reads the same values: proof that the
patched package is valid beyond what openpyxl checks. Each run uses its own LibreOffice profile
so tests can run in parallel."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import build_order_book, needs_soffice, soffice_csv
from .test_patch import patch

pytestmark = [pytest.mark.libreoffice, needs_soffice]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_libreoffice_reads_the_patched_book(tmp_path: Path, suffix: str) -> None:
    path = build_order_book(tmp_path / f"orders{suffix}", vba=suffix == ".xlsm")
    before = soffice_csv(path, tmp_path / "before")
    patch(path, 6)
    after = soffice_csv(path, tmp_path / "after")
    assert [row[:6] for row in after] == [row[:6] for row in before]  # the data, unchanged
    assert after[0][6:11] == ["发货截止", "违约金", "延迟小时", "扣分", "数据问题"]
    assert after[1][6:11] == ["2024-06-03 10:30:15", "0.35", "0.0", "0", "=1+1"]
    assert after[2][6:11] == ["2024-06-04 10:30:15", "1.35", "1.5", "3", "+86"]
    assert after[3][6:11] == ["", "", "", "", ""]
    assert after[4][6:11] == ["2024-06-06 10:30:15", "3.35", "4.5", "3", " 前后空格 "]


def test_libreoffice_reads_a_rerun_with_fewer_rows(tmp_path: Path) -> None:
    path = build_order_book(tmp_path / "orders.xlsx", header_row=3)
    patch(path, 6, header_row=3)
    patch(path, 2, header_row=3, shift=1)
    rows = soffice_csv(path, tmp_path)
    assert rows[2][6:8] == ["发货截止", "违约金"]
    assert rows[3][7] == "1.35"
    assert [row[7] if len(row) > 7 else "" for row in rows[5:9]] == ["", "", "", ""]


def test_libreoffice_reads_prefixed_xml(tmp_path: Path) -> None:
    from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns

    from .test_odd_xml import cells, handmade

    path = handmade(tmp_path / "h.xlsx", cells("x", False), prefix="x")
    cols = [
        OutputColumn("违约金", [1.5, None], "money"),
        OutputColumn("数据问题", [None, "=x"], "text"),
    ]
    patch_sheet_columns(path, "订单", 1, [2, 3], cols)
    assert soffice_csv(path, tmp_path) == [
        ["订单编号", "标题", "违约金", "数据问题"],
        ["1001", "a", "1.50", ""],
        ["1002", "b", "", "=x"],
    ]
