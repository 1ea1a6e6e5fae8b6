"""A real BIFF8 ``.xls`` (made by LibreOffice from an xlsx) reads back to the same values."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from shoprules.workbook.readers import read_orders

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None, reason="soffice not installed (CI installs it)"
    ),
]


def test_legacy_xls_from_libreoffice(tmp_path: Path) -> None:
    source = tmp_path / "jd.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("订单")
    dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, ["订单号", "商品名称", "京东价", "应付金额", "运费金额", "付款确认时间"])
    sheet.write_row(1, 0, ["11729384072", "锅", 758, 932.45, 10])
    sheet.write_datetime(1, 5, dt.datetime(2015, 12, 31, 23, 20, 30), dates)
    book.close()
    profile = tmp_path / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    legacy = tmp_path / "jd.xls"
    assert legacy.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE2, not a renamed zip
    result = read_orders(legacy)
    row = result.orders.iloc[0]
    assert result.source_format == "xls"
    assert result.platform == "jd"
    assert row["order_id"] == "11729384072"
    assert row["paid_amount"] == 92245  # 932.45 − 10.00 freight
    assert row["paid_at"] == pd.Timestamp("2015-12-31 23:20:30")
