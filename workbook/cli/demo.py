"""``shoprules demo``: build a demo shop workbook, recompute it and export its audit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from ..masking import scrub
from .app import Styled, audit_progress, console, fail, plain, summary_table
from .recompute import run_recompute

__all__ = ["demo", "points_lines"]


def demo(
    directory: Annotated[
        Path, typer.Argument(help="演示文件放在这里（默认 ./shoprules-demo）")
    ] = Path("shoprules-demo"),
) -> None:
    """生成演示店铺工作簿（淘宝、天猫、拼多多导出），重算并导出审计表 / build and recompute a demo shop."""
    from ..demo import DEMO_AS_OF, build_demo

    shown = console()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        built = build_demo(directory)
    except OSError as error:
        raise fail(
            shown,
            f"无法写入演示文件到 {directory}（{error}）",
            "如果 Excel/WPS 打开了上次的演示工作簿，请先关闭；或换一个目录: shoprules demo 其他目录",
        ) from error
    shown.print(
        f"演示店铺工作簿: {built.path}（{built.orders} 个订单，{len(built.order_sheets)} 个平台导出工作表）"
    )
    as_of = pd.Timestamp(DEMO_AS_OF)
    shown.print(f"状态判断时间 as-of: {as_of:%Y-%m-%d %H:%M}（固定，演示结果可重现）")
    rows = []
    outcomes: list[tuple[str, Any]] = []
    for index, sheet in enumerate(built.order_sheets):
        outcome = run_recompute(
            shown,
            built.path,
            sheet=sheet,
            platform=None,  # detected from each export's headers (and the Tmall sheet's 平台 column)
            as_of=as_of,
            rules_as_of=None,
            out=None,
            keep_backup=index == 0,
        )
        # the export it was recognised as, and the engine's run-wide notes (e.g. no 揽收时间)
        shown.print(f"「{sheet}」: " + "；".join([*outcome.messages[:1], *outcome.engine.messages]))
        rows.append((sheet, outcome.summary))
        outcomes.append((sheet, outcome))
    shown.print(f"已写回 {built.path}（原文件备份 {built.path.name}.bak）")
    shown.print(summary_table(rows, as_of=as_of))
    for line in points_lines([o for _, o in outcomes]):
        shown.print(line)
    for sheet, outcome_of_sheet in outcomes:
        for row, text in outcome_of_sheet.problem_list()[:3]:
            shown.print(f"数据问题: 「{sheet}」第 {row} 行: {scrub(text)}")
    audit_path = directory / "demo-shop.audit.xlsx"
    from ..audit import audit_book

    try:
        with audit_progress(shown, "导出审计表") as step:
            report = audit_book(built.path, audit_path, as_of=as_of, progress=step)
    except Exception as error:  # report it; the recomputed workbook is already written
        shown.print(Styled(f"[yellow]审计表导出失败[/]: {plain(error)}"))
    else:
        shown.print(
            f"审计表: {audit_path}（{report.orders} 个订单，{report.formula_cells} 个违约金公式，"
            f"{report.ledger_rows} 条扣分记录，{report.rule_versions} 个规则版本）"
        )
    shown.print(f"用 Excel 打开 {built.path} 查看结果列（发货截止 … 数据问题）。")
    for extra in built.extra_files:
        shown.print(f"原始导出文件也可直接重算: shoprules recompute {extra} --platform taobao")


def points_lines(outcomes: Sequence[Any]) -> list[str]:
    """Node crossings from the points ledger and campaign eligibility as of the run. Each
    platform's lines come from the sheet holding its orders (that sheet's ledger has both its
    order events and the 违规记录 entries)."""
    from shoprules.formulas.fields import PLATFORM_CHINESE
    from shoprules.formulas.rulebook import TRACK_NAMES

    crossings: list[str] = []
    eligibility_lines: list[str] = []
    done: set[str] = set()
    for outcome in outcomes:
        mine = set(outcome.read.orders["platform"].dropna()) - done if outcome.read else set()
        done |= mine
        ledger = outcome.engine.ledger
        if ledger is not None and len(ledger) and "node" in ledger:
            crossed = ledger[(ledger["node"].astype(str) != "") & ledger["platform"].isin(mine)]
            for record in crossed.to_dict("records"):
                ends, begins = record.get("ends_at"), record.get("node_start")
                until = f"，至 {pd.Timestamp(ends):%Y-%m-%d}" if pd.notna(ends) else ""
                if pd.notna(begins) and pd.Timestamp(begins) > pd.Timestamp(record["date"]):
                    until = f"，自 {pd.Timestamp(begins):%Y-%m-%d} 起（前一处罚期满后）{until}"
                crossings.append(
                    f"扣分节点: {PLATFORM_CHINESE.get(record['platform'], record['platform'])}"
                    f"{TRACK_NAMES.get(record['track'], record['track'])} {record['year']} 年累计 "
                    f"{record['running_total']} 分（{pd.Timestamp(record['date']):%Y-%m-%d}）→ "
                    f"{record['consequence']}{until}"
                )
        eligibility = outcome.engine.eligibility
        if eligibility is not None and len(eligibility):
            for record in eligibility[eligibility["platform"].isin(mine)].to_dict("records"):
                name = PLATFORM_CHINESE.get(record["platform"], record["platform"])
                reasons = f"（{record['reasons']}）" if record.get("reasons") else ""
                eligibility_lines.append(f"活动报名: {name} {record['eligible']}{reasons}")
    return crossings + eligibility_lines
