"""``shoprules audit``: writes a new workbook, never touches BOOK, exit codes 0/1/2."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
from shoprules.workbook.cli import app
from typer.testing import CliRunner

from .conftest import AS_OF

runner = CliRunner()


def test_audit_writes_a_new_workbook_and_leaves_book_alone(book: Path) -> None:
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    out = book.with_name("审计.xlsx")
    result = runner.invoke(
        app, ["audit", str(book), "-o", str(out), "--as-of", AS_OF], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    assert "审计表" in result.output
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    sheets = openpyxl.load_workbook(out).sheetnames
    assert sheets == ["概览", "待发货清单", "明细", "扣分台账", "规则", "数据问题", "来源"]


def test_audit_default_path_and_refusals(book: Path) -> None:
    result = runner.invoke(app, ["audit", str(book), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    assert book.with_name(book.stem + ".audit.xlsx").exists()
    same = runner.invoke(app, ["audit", str(book), "-o", str(book)], catch_exceptions=False)
    assert same.exit_code == 2
    assert "不能覆盖原工作簿" in same.output
    missing = runner.invoke(
        app, ["audit", str(book.with_name("无此文件.xlsx"))], catch_exceptions=False
    )
    assert missing.exit_code == 2


def test_audit_progress_bar_follows_the_steps() -> None:
    """On a terminal the audit shows a bar over AUDIT_STEPS (issue 12); piped output has none."""
    import io

    from rich.console import Console
    from shoprules.workbook.audit import AUDIT_STEPS
    from shoprules.workbook.cli.app import audit_progress as _audit_progress

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    with _audit_progress(console, "导出审计表") as step:
        for name in AUDIT_STEPS:
            step(name)
    assert "导出审计表" in stream.getvalue()
    piped = io.StringIO()
    with _audit_progress(Console(file=piped, force_terminal=False), "导出审计表") as step:
        step(AUDIT_STEPS[0])
    assert piped.getvalue() == ""
