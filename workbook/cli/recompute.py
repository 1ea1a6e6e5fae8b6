"""``shoprules recompute``: write the result columns into an order workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import pandas as pd
import typer
from rich.console import Console

from ..masking import scrub
from .app import (
    EXIT_OK,
    EXIT_PROBLEMS,
    AsOfOption,
    RulesAsOfOption,
    Styled,
    input_errors,
    progress,
    run_times,
    summary_table,
)

__all__ = [
    "PROBLEMS_SHOWN",
    "print_outcome",
    "print_problems",
    "print_ship_list",
    "recompute",
    "run_recompute",
]

PROBLEMS_SHOWN: Final = 20


def run_recompute(
    out_console: Console,
    book: Path,
    *,
    sheet: str | None,
    platform: str | None,
    as_of: pd.Timestamp,
    rules_as_of: pd.Timestamp | None,
    out: Path | None,
    keep_backup: bool = True,
) -> Any:
    """Recompute one sheet, translating every expected failure into a message and exit code 2."""
    from ..recompute import recompute_book

    label = f"{book.name}" + (f" [{sheet}]" if sheet else "")
    with input_errors(out_console, book), progress(out_console, label) as stage:
        return recompute_book(
            book,
            sheet=sheet,
            platform=platform,
            as_of=as_of,
            rules_as_of=rules_as_of,
            out=out,
            stage=stage,
            keep_backup=keep_backup,
        )


def print_outcome(out: Console, outcome: Any, *, quiet_messages: bool = False) -> None:
    """The messages, where the columns went, and the backup."""
    read = outcome.read
    where = f"「{read.sheet}」" if read is not None and read.sheet else ""
    if not quiet_messages:
        for message in outcome.messages:
            out.print(f"  · {scrub(message)}")  # phones / ID numbers a raw value may carry
    action = "已写回" if outcome.in_place else "已写入"
    letters = list(getattr(outcome.report, "columns", {}).values())
    span = f"，{letters[0]}–{letters[-1]} 列" if len(letters) > 1 else ""
    out.print(f"{action} {outcome.output} {where}（{len(outcome.columns)} 个结果列{span}）")
    backup = getattr(outcome.report, "backup", None)
    if backup:
        out.print(f"原文件备份: {backup}")


def print_ship_list(out: Console, outcome: Any, as_of: pd.Timestamp) -> None:
    """What must ship today and what is overdue, soonest first (one line per order)."""
    from ..to_ship import OVERDUE_LABEL, ship_list

    if outcome.read is None:
        return
    table = ship_list(outcome.read.orders, outcome.engine.results, as_of, outcome.row_numbers)
    if table.empty:
        return
    overdue = int((table["状态"] == OVERDUE_LABEL).sum())
    out.print(
        Styled(
            f"[yellow]待发货清单[/]: 已超时 {overdue} 单，今天须发货 {len(table) - overdue} 单"
            "（截止最早的在前）:"
        )
    )
    for line in table.head(PROBLEMS_SHOWN).itertuples(index=False):
        out.print(
            f"  {line[0]} {line[1]} 截止 {pd.Timestamp(line[2]):%m-%d %H:%M} {line[3]}"
            f"（剩余 {line[4]} 小时，第 {line[5]} 行）"
        )
    if len(table) > PROBLEMS_SHOWN:
        out.print(f"  …… 另有 {len(table) - PROBLEMS_SHOWN} 单，见审计表「待发货清单」")


def print_problems(out: Console, outcome: Any) -> None:
    """The first rows with a problem (the rest are counted)."""
    problems = outcome.problem_list()
    if not problems:
        return
    out.print(
        Styled(f"[yellow]{len(problems)} 行数据有问题[/]（结果留空，原因写在「数据问题」列）:")
    )
    for row, text in problems[:PROBLEMS_SHOWN]:
        out.print(f"  第 {row} 行: {scrub(text)}")
    if len(problems) > PROBLEMS_SHOWN:
        out.print(f"  …… 另有 {len(problems) - PROBLEMS_SHOWN} 行，见「数据问题」列")


def recompute(
    book: Annotated[Path, typer.Argument(help="订单工作簿或平台导出文件（.xlsx/.xlsm/.xls/.csv）")],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="订单工作表名（默认自动寻找）")
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="平台: taobao/淘宝 tmall/天猫 pdd/拼多多 douyin/抖音 kuaishou/快手 jd/京东",
        ),
    ] = None,
    as_of: AsOfOption = None,
    rules_as_of: RulesAsOfOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="写到另一个文件（默认原地写回；CSV/.xls 写到 BOOK.shoprules.xlsx）"
        ),
    ] = None,
) -> None:
    """重算订单表：在数据右侧写入 发货截止 … 数据问题 十三列 / recompute the result columns.

    退出码 / exit codes: 0 正常；1 部分行有数据问题（已列出）；2 输入无法使用（未写入任何文件）。
    """
    shown, when, pinned = run_times(as_of, rules_as_of)
    shown.print(
        f"状态判断时间 as-of: {when:%Y-%m-%d %H:%M}"
        + (f"；规则统一按 {pinned:%Y-%m-%d} 版本" if pinned is not None else "")
    )
    several, sheets = (False, [sheet]) if sheet is not None else _order_sheets(shown, book)
    outcomes: list[Any] = []
    for index, name in enumerate(sheets):
        source, target = book, out
        if (
            several
            and outcomes
            and not outcomes[0].in_place
            and outcomes[0].read.source_format
            in (
                "xlsx",
                "xlsm",
            )
        ):
            source, target = Path(outcomes[0].output), None  # -o's copy holds earlier sheets
        elif several and name is not None and _new_workbook_format(book):
            target = _per_sheet(out, book, name)  # .xls: one new workbook per order sheet
        try:
            outcome = run_recompute(
                shown,
                source,
                sheet=name,
                platform=platform,
                as_of=when,
                rules_as_of=pinned,
                out=target,
                keep_backup=index == 0,  # the backup is the original book
            )
        except typer.Exit:
            if outcomes:
                done = "、".join(f"「{o.read.sheet}」" for o in outcomes)
                shown.print(f"（此前已写入的工作表: {done}；原文件备份见上）")
            raise
        print_outcome(shown, outcome)
        outcomes.append(outcome)
    rows = [(o.read.sheet or book.name, o.summary) for o in outcomes]
    shown.print(summary_table(rows, as_of=when))
    for outcome in outcomes:
        print_ship_list(shown, outcome, when)
        print_problems(shown, outcome)
    problems = any(o.summary.problem_rows for o in outcomes)
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


def _order_sheets(shown: Console, book: Path) -> tuple[bool, list[str | None]]:
    """Every order sheet of a workbook with several (announced), else ``[None]`` (the reader
    picks the one sheet)."""
    from ..recompute import order_sheet_names

    with input_errors(shown, book):
        _, names = order_sheet_names(book)
    if len(names) < 2:
        return False, [None]
    shown.print(
        f"工作簿有 {len(names)} 个订单工作表：{'、'.join(names)}，逐个重算（只算其中一个请用 --sheet）"
    )
    return True, list(names)


def _new_workbook_format(book: Path) -> bool:
    """Whether ``book``'s results go to a new workbook (an .xls), judged by its first bytes."""
    try:
        with book.open("rb") as handle:
            return handle.read(4) != b"PK\x03\x04"
    except OSError:
        return False


def _per_sheet(out: Path | None, book: Path, sheet: str) -> Path:
    """``订单.xls`` sheet 天猫 → ``订单.shoprules.天猫.xlsx`` (or ``-o``'s name with the sheet)."""
    from ..recompute import new_workbook_path

    base = out if out is not None else new_workbook_path(book)
    return base.with_name(f"{base.stem}.{sheet}{base.suffix}")
