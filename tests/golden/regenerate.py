"""Regenerate the demo audit golden: ``uv run python tests/golden/regenerate.py``.

The golden is every cell of the demo shop's audit workbook (values, and the formula text of
formula cells), one line per cell, so a rule change shows up as a reviewable diff. The created-at
and tool-version cells of 来源 are left out.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd

GOLDEN = Path(__file__).with_name("demo_audit.txt")
_SKIP_SOURCE_KEYS = ("生成时间", "工具版本 shoprules")


def demo_audit(directory: Path) -> Path:
    from shoprules.workbook.audit import audit_book
    from shoprules.workbook.demo import DEMO_AS_OF, build_demo

    built = build_demo(directory)
    out = directory / "demo-shop.audit.xlsx"
    audit_book(built.path, out, as_of=pd.Timestamp(DEMO_AS_OF), created_at=dt.datetime(2000, 1, 1))
    return out


def snapshot(path: Path) -> str:
    """Cell values (and formulas) of an audit workbook as sorted text lines."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    lines = []
    for name in values.sheetnames:
        skip_rows = {
            row[0].row
            for row in values[name].iter_rows()
            if name == "来源" and row[0].value in _SKIP_SOURCE_KEYS
        }
        for vrow, frow in zip(values[name].iter_rows(), formulas[name].iter_rows(), strict=True):
            for vcell, fcell in zip(vrow, frow, strict=True):
                if vcell.value is None or vcell.row in skip_rows:
                    continue
                value = round(vcell.value, 6) if isinstance(vcell.value, float) else vcell.value
                formula = f"\t{fcell.value}" if fcell.data_type == "f" else ""
                lines.append(f"{name}!{vcell.coordinate}\t{value!r}{formula}")
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        GOLDEN.write_text(snapshot(demo_audit(Path(directory))), encoding="utf-8")
    print(f"wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
