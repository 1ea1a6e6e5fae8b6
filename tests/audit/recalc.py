"""LibreOffice headless as an independent spreadsheet engine: recalculate on load, save as xlsx.

The profile (``-env:UserInstallation``) is per call and sets ``OOXMLRecalcMode`` to 0 (always
recalculate), so every formula's value in the output comes from LibreOffice, not the cache.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, outdir: Path, fmt: str = "xlsx", *, timeout: int = 600) -> Path:
    """Open ``path`` in LibreOffice with forced recalculation and save it as ``fmt`` in ``outdir``."""
    exe = soffice()
    assert exe is not None
    profile = outdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    target = outdir / "converted"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(target),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    out = target / (path.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice wrote nothing for {path}"
    return out


def formula_cells(path: Path) -> dict[tuple[str, str], tuple[object, object]]:
    """``{(sheet, cell): (formula, cached value)}`` for every formula cell of an xlsx file."""
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[tuple[str, str], tuple[object, object]] = {}
    for name in formulas.sheetnames:
        for frow, vrow in zip(formulas[name].iter_rows(), values[name].iter_rows(), strict=False):
            for fcell, vcell in zip(frow, vrow, strict=False):
                if fcell.data_type == "f":
                    out[(name, fcell.coordinate)] = (fcell.value, vcell.value)
    formulas.close()
    values.close()
    return out


def values(path: Path, sheet: str) -> dict[str, object]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[str, object] = {
        cell.coordinate: cell.value
        for row in book[sheet].iter_rows()
        for cell in row
        if cell.value is not None and hasattr(cell, "coordinate")
    }
    book.close()
    return out
