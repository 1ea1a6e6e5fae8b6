"""``shoprules audit``: export the audit workbook (the order file is only read)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import (
    EXIT_OK,
    EXIT_PROBLEMS,
    AsOfOption,
    RulesAsOfOption,
    audit_progress,
    fail,
    input_errors,
    run_times,
)

__all__ = ["audit"]


def audit(
    book: Annotated[Path, typer.Argument(help="订单工作簿或平台导出文件（只读，不会被修改）")],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="审计表路径（默认 BOOK 旁的 <名称>.audit.xlsx）"),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="只审计这一张订单表（默认全部订单表）")
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="平台（导出文件分不出淘宝/天猫时使用）"),
    ] = None,
    as_of: AsOfOption = None,
    rules_as_of: RulesAsOfOption = None,
    unmask: Annotated[
        bool, typer.Option("--unmask", help="不遮盖买家姓名、电话、地址、账号（默认遮盖）")
    ] = False,
) -> None:
    """导出审计表：每个数字都有规则版本、出处和可重算的公式 / export the audit workbook.

    退出码 / exit codes: 0 正常；1 部分行有数据问题；2 输入无法使用（未写入任何文件）。
    """
    from ..audit import audit_book

    shown, when, pinned = run_times(as_of, rules_as_of)
    target = out if out is not None else book.with_name(book.stem + ".audit.xlsx")
    if target.resolve() == book.resolve():
        raise fail(shown, "审计表不能覆盖原工作簿", "用 -o 指定另一个文件名")
    if target.with_name("~$" + target.name).exists():
        raise fail(
            shown, f"「{target.name}」正在 Excel 中打开", "关闭它后重试，或用 -o 指定另一个文件名"
        )
    shown.print(f"状态判断时间 as-of: {when:%Y-%m-%d %H:%M}")
    with input_errors(shown, target), audit_progress(shown, "导出审计表") as step:
        report = audit_book(
            book,
            target,
            sheet=sheet,
            platform=platform,
            as_of=when,
            rules_as_of=pinned,
            unmask=unmask,
            progress=step,
        )
    shown.print(
        f"审计表: {report.path}（{report.orders} 个订单，{report.formula_cells} 个违约金公式，"
        f"{report.ledger_rows} 条扣分记录，{report.rule_versions} 个规则版本"
        + ("；未遮盖买家信息" if report.unmasked else "；买家信息已遮盖")
        + "）"
    )
    raise typer.Exit(EXIT_PROBLEMS if report.problem_rows else EXIT_OK)
