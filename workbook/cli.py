"""Command line: ``shoprules``.

Exit codes: 0 everything computed; 1 some rows have problems (listed; their results are left
blank and 数据问题 says why); 2 the input cannot be used (nothing was written).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="shoprules：电商平台罚则计算（违约金、平台扣款、扣分、发货与退货时效）/ "
    "Chinese e-commerce penalty rules",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EXIT_OK: Final = 0
EXIT_PROBLEMS: Final = 1
EXIT_UNUSABLE: Final = 2
PROBLEMS_SHOWN: Final = 20
_CHINA: Final = dt.timezone(dt.timedelta(hours=8))
_STAGES: Final = {"read": "读取订单", "compute": "计算", "write": "写回结果", "done": "完成"}


def _console() -> Console:
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = max(console.width, 120)  # piped or captured: keep the table unwrapped
    return console


def china_now() -> dt.datetime:
    """Now in China time (UTC+8), naive, to the minute."""
    return dt.datetime.now(_CHINA).replace(tzinfo=None, second=0, microsecond=0)


def parse_when(text: str | None, option: str) -> pd.Timestamp | None:
    """``"2024-07-01"`` or ``"2024-07-01 18:30"`` → timestamp; a clear error otherwise."""
    if text is None or not str(text).strip():
        return None
    try:
        value = pd.Timestamp(str(text).strip().replace("/", "-"))
    except (ValueError, TypeError):
        value = None
    if value is None or pd.isna(value) or value.tzinfo is not None:
        raise typer.BadParameter(
            f'时间格式应为 YYYY-MM-DD 或 "YYYY-MM-DD HH:MM"（中国时间），而不是 {text!r}',
            param_hint=option,
        )
    return value


def yuan(fen: int) -> str:
    """Integer fen → ``'1,234.50'``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@contextmanager
def _progress(console: Console, label: str) -> Iterator[Any]:
    """A progress bar over the read → compute → write stages (shown on a terminal only)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=3)

        def stage(name: str) -> None:
            done = {"read": 0, "compute": 1, "write": 2, "done": 3}[name]
            progress.update(task, completed=done, description=f"{label}: {_STAGES[name]}")

        yield stage


def summary_table(rows: Sequence[tuple[str, Any]], *, as_of: pd.Timestamp) -> Table:
    """The end-of-run table: one line per sheet (and a total when there are several)."""
    table = Table(title=f"重算结果（状态按 {as_of:%Y-%m-%d %H:%M} 判断）", title_justify="left")
    table.add_column("工作表", no_wrap=True)
    for header in (
        "订单数",
        "延迟发货",
        "违约金合计\n(元)",
        "平台扣款合计\n(元)",
        "扣分合计",
        "数据问题\n行数",
    ):
        table.add_column(header, justify="right", overflow="fold")

    def add(name: str, s: Any) -> None:
        table.add_row(
            name,
            str(s.orders),
            str(s.late),
            yuan(s.damages_fen),
            yuan(s.platform_fee_fen),
            str(s.points),
            str(s.problem_rows),
        )

    for name, summary in rows:
        add(name, summary)
    if len(rows) > 1:
        from .recompute import RecomputeSummary

        total = RecomputeSummary(
            *(sum(getattr(s, f) for _, s in rows) for f in RecomputeSummary.__dataclass_fields__)
        )
        table.add_section()
        add("合计", total)
    return table


def _fail(console: Console, message: str, hint: str | None = None) -> typer.Exit:
    console.print(f"[bold red]错误[/]: {message}")
    if hint:
        console.print(f"怎么办: {hint}")
    console.print("未写入任何文件 / nothing was written")
    return typer.Exit(EXIT_UNUSABLE)


def run_recompute(
    console: Console,
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
    from .recompute import recompute_book

    label = f"{book.name}" + (f" [{sheet}]" if sheet else "")
    with _input_errors(console, book), _progress(console, label) as stage:
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


@contextmanager
def _input_errors(console: Console, target: Path) -> Iterator[None]:
    """Every expected failure (bad input, locked/corrupt/unwritable book) → a Chinese message
    and exit code 2; anything else is a bug, reported briefly (SHOPRULES_DEBUG=1 shows it)."""
    from .readers import UnusableInput
    from .xlsx import CorruptWorkbook, SheetNotFound, WorkbookLocked, WorkbookNotWritable

    try:
        yield
    except UnusableInput as error:
        raise _fail(console, str(error)) from error
    except WorkbookLocked as error:
        raise _fail(console, str(error), "在 Excel/WPS 中保存并关闭该工作簿后重试") from error
    except (CorruptWorkbook, SheetNotFound, WorkbookNotWritable) as error:
        raise _fail(console, str(error)) from error
    except PermissionError as error:
        raise _fail(
            console,
            f"无法写入 {error.filename or target}（文件被占用或没有权限）",
            "关闭 Excel/WPS 中打开的该工作簿，或用 -o 写到别的位置",
        ) from error
    except Exception as error:  # a bug, not the input: say so briefly, details on request
        if os.environ.get("SHOPRULES_DEBUG"):
            raise
        raise _fail(
            console,
            f"内部错误 {type(error).__name__}: {error}",
            "设置环境变量 SHOPRULES_DEBUG=1 重新运行可看到详细信息；请连同文件（可删去买家信息）反馈",
        ) from error


def _print_outcome(console: Console, outcome: Any, *, quiet_messages: bool = False) -> None:
    read = outcome.read
    where = f"「{read.sheet}」" if read is not None and read.sheet else ""
    if not quiet_messages:
        for message in outcome.messages:
            console.print(f"  · {message}")
    action = "已写回" if outcome.in_place else "已写入"
    letters = list(getattr(outcome.report, "columns", {}).values())
    span = f"，{letters[0]}–{letters[-1]} 列" if len(letters) > 1 else ""
    console.print(f"{action} {outcome.output} {where}（{len(outcome.columns)} 个结果列{span}）")
    backup = getattr(outcome.report, "backup", None)
    if backup:
        console.print(f"原文件备份: {backup}")


def print_ship_list(console: Console, outcome: Any, as_of: pd.Timestamp) -> None:
    """What must ship today and what is overdue, soonest first (one line per order)."""
    from .to_ship import OVERDUE_LABEL, ship_list

    if outcome.read is None:
        return
    table = ship_list(outcome.read.orders, outcome.engine.results, as_of, outcome.row_numbers)
    if table.empty:
        return
    overdue = int((table["状态"] == OVERDUE_LABEL).sum())
    console.print(
        f"[yellow]待发货清单[/]: 已超时 {overdue} 单，今天须发货 {len(table) - overdue} 单（截止最早的在前）:"
    )
    for line in table.head(PROBLEMS_SHOWN).itertuples(index=False):
        console.print(
            f"  {line[0]} {line[1]} 截止 {pd.Timestamp(line[2]):%m-%d %H:%M} {line[3]}"
            f"（剩余 {line[4]} 小时，第 {line[5]} 行）"
        )
    if len(table) > PROBLEMS_SHOWN:
        console.print(f"  …… 另有 {len(table) - PROBLEMS_SHOWN} 单，见审计表「待发货清单」")


def _print_problems(console: Console, outcome: Any) -> None:
    problems = outcome.problem_list()
    if not problems:
        return
    console.print(f"[yellow]{len(problems)} 行数据有问题[/]（结果留空，原因写在「数据问题」列）:")
    for row, text in problems[:PROBLEMS_SHOWN]:
        console.print(f"  第 {row} 行: {text}")
    if len(problems) > PROBLEMS_SHOWN:
        console.print(f"  …… 另有 {len(problems) - PROBLEMS_SHOWN} 行，见「数据问题」列")


@app.command()
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
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help='按此时间判断状态，"YYYY-MM-DD HH:MM"（默认现在，中国时间）'),
    ] = None,
    rules_as_of: Annotated[
        str | None,
        typer.Option(
            "--rules-as-of", help="所有行统一按此日期有效的规则计算（默认按每行自己的时间）"
        ),
    ] = None,
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
    console = _console()
    when = parse_when(as_of, "--as-of") or pd.Timestamp(china_now())
    pinned = parse_when(rules_as_of, "--rules-as-of")
    console.print(
        f"状态判断时间 as-of: {when:%Y-%m-%d %H:%M}"
        + (f"；规则统一按 {pinned:%Y-%m-%d} 版本" if pinned is not None else "")
    )
    outcome = run_recompute(
        console, book, sheet=sheet, platform=platform, as_of=when, rules_as_of=pinned, out=out
    )
    _print_outcome(console, outcome)
    console.print(summary_table([(outcome.read.sheet or book.name, outcome.summary)], as_of=when))
    print_ship_list(console, outcome, when)
    _print_problems(console, outcome)
    raise typer.Exit(EXIT_PROBLEMS if outcome.summary.problem_rows else EXIT_OK)


@app.command()
def rules(
    platform: Annotated[
        str | None, typer.Option("--platform", help="只看一个平台（taobao/淘宝 …）")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="显示该日期有效的版本（默认今天）；all 显示全部历史版本"),
    ] = None,
) -> None:
    """列出生效的规则及出处 / print the rules in force with their sources."""
    from shoprules.formulas.fields import PLATFORM_CHINESE, normalize_platform
    from shoprules.formulas.rulebook import load_rulebook

    console = _console()
    every_version = as_of is not None and as_of.strip().lower() in ("all", "全部")
    when = None if every_version else parse_when(as_of, "--as-of") or pd.Timestamp(china_now())
    code = None
    if platform:
        code = normalize_platform(platform)
        if code is None:
            console.print(
                f"[bold red]错误[/]: 平台名称无法识别: {platform}（可用 "
                + "、".join(f"{k}/{v}" for k, v in PLATFORM_CHINESE.items())
                + "）"
            )
            raise typer.Exit(EXIT_UNUSABLE)
    book = load_rulebook()
    title = "全部版本" if when is None else f"{when:%Y-%m-%d %H:%M} 生效的规则"
    console.print(f"[bold]{title}[/]（规则库 {book.digest[:12]}）")
    shown = 0
    for heading, rules_of_kind in (
        ("违约金 / 平台扣款", book.damages),
        ("时限", book.timers),
        ("违规扣分", book.violations),
        ("退货运费", book.freight),
    ):
        lines: list[str] = []
        for rule_id, rule in rules_of_kind.items():
            if code is not None and rule.platform() not in (code, "all"):
                continue
            if when is None:
                versions = list(rule.versions)
            else:
                version = rule.at(when)
                versions = [version] if version is not None else []
            if not versions:
                continue
            lines.append(f"[bold]{rule_id}[/] {rule.name}")
            for version in versions:
                lines.append(
                    f"  {version.since:%Y-%m-%d} 起: {version.describe()}"
                    f"（可信度 {version.confidence}）"
                )
                lines.append(f"    来源: {version.source}")
                if version.note:
                    lines.append(f"    注: {version.note}")
                shown += 1
        if lines:
            console.print(f"\n[bold underline]{heading}[/]")
            for line in lines:
                console.print(line)
    if not shown:
        console.print(f"{title}: 没有生效的规则")
        raise typer.Exit(EXIT_OK)
    console.print("\n[bold underline]扣分节点[/]")
    for (node_platform, _track), node in book.node_tracks.items():
        if code is not None and node_platform != code:
            continue
        version = node.versions[-1] if when is None else node.at(when)
        if version is None:
            continue
        steps = version.describe()
        console.print(
            f"[bold]{PLATFORM_CHINESE.get(node_platform, node_platform)} {node.name}[/]"
            f"（{version.since:%Y-%m-%d} 起，可信度 {version.confidence}）: {steps}\n"
            f"    来源: {version.source}"
        )


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Argument(help="演示文件放在这里（默认 ./shoprules-demo）")
    ] = Path("shoprules-demo"),
) -> None:
    """生成演示店铺工作簿（淘宝、天猫、拼多多导出），重算并导出审计表 / build and recompute a demo shop."""
    from .demo import DEMO_AS_OF, build_demo

    console = _console()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        built = build_demo(directory)
    except OSError as error:
        raise _fail(
            console,
            f"无法写入演示文件到 {directory}（{error}）",
            "如果 Excel/WPS 打开了上次的演示工作簿，请先关闭；或换一个目录: shoprules demo 其他目录",
        ) from error
    console.print(
        f"演示店铺工作簿: {built.path}（{built.orders} 个订单，{len(built.order_sheets)} 个平台导出工作表）"
    )
    as_of = pd.Timestamp(DEMO_AS_OF)
    console.print(f"状态判断时间 as-of: {as_of:%Y-%m-%d %H:%M}（固定，演示结果可重现）")
    rows = []
    outcomes: list[tuple[str, Any]] = []
    for index, sheet in enumerate(built.order_sheets):
        outcome = run_recompute(
            console,
            built.path,
            sheet=sheet,
            platform=None,  # detected from each export's headers (and the Tmall sheet's 平台 column)
            as_of=as_of,
            rules_as_of=None,
            out=None,
            keep_backup=index == 0,
        )
        console.print(f"「{sheet}」: " + "；".join(outcome.messages[:1]))
        rows.append((sheet, outcome.summary))
        outcomes.append((sheet, outcome))
    console.print(f"已写回 {built.path}（原文件备份 {built.path.name}.bak）")
    console.print(summary_table(rows, as_of=as_of))
    for line in points_lines([o for _, o in outcomes]):
        console.print(line)
    for sheet, outcome_of_sheet in outcomes:
        for row, text in outcome_of_sheet.problem_list()[:3]:
            console.print(f"数据问题: 「{sheet}」第 {row} 行: {text}")
    audit_path = directory / "demo-shop.audit.xlsx"
    try:
        audit = importlib.import_module(".audit", __package__)
    except ImportError:
        console.print(
            "审计表导出尚未可用（shoprules.workbook.audit 未安装）/ audit export not available yet"
        )
    else:
        try:
            report = audit.audit_book(built.path, audit_path, as_of=as_of)
        except Exception as error:  # report it; the recomputed workbook is already written
            console.print(f"[yellow]审计表导出失败[/]: {error}")
        else:
            console.print(
                f"审计表: {audit_path}（{report.orders} 个订单，{report.formula_cells} 个违约金公式，"
                f"{report.ledger_rows} 条扣分记录，{report.rule_versions} 个规则版本）"
            )
    console.print(f"用 Excel 打开 {built.path} 查看结果列（发货截止 … 数据问题）。")
    for extra in built.extra_files:
        console.print(f"原始导出文件也可直接重算: shoprules recompute {extra} --platform taobao")


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


@app.command()
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
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help='按此时间判断状态，"YYYY-MM-DD HH:MM"（默认现在，中国时间）'),
    ] = None,
    rules_as_of: Annotated[
        str | None,
        typer.Option("--rules-as-of", help="所有行统一按此日期有效的规则计算"),
    ] = None,
    unmask: Annotated[
        bool, typer.Option("--unmask", help="不遮盖买家姓名、电话、地址、账号（默认遮盖）")
    ] = False,
) -> None:
    """导出审计表：每个数字都有规则版本、出处和可重算的公式 / export the audit workbook.

    退出码 / exit codes: 0 正常；1 部分行有数据问题；2 输入无法使用（未写入任何文件）。
    """
    from .audit import audit_book

    console = _console()
    when = parse_when(as_of, "--as-of") or pd.Timestamp(china_now())
    pinned = parse_when(rules_as_of, "--rules-as-of")
    target = out if out is not None else book.with_name(book.stem + ".audit.xlsx")
    if target.resolve() == book.resolve():
        raise _fail(console, "审计表不能覆盖原工作簿", "用 -o 指定另一个文件名")
    if target.with_name("~$" + target.name).exists():
        raise _fail(
            console, f"「{target.name}」正在 Excel 中打开", "关闭它后重试，或用 -o 指定另一个文件名"
        )
    console.print(f"状态判断时间 as-of: {when:%Y-%m-%d %H:%M}")
    with _input_errors(console, target):
        report = audit_book(
            book,
            target,
            sheet=sheet,
            platform=platform,
            as_of=when,
            rules_as_of=pinned,
            unmask=unmask,
        )
    console.print(
        f"审计表: {report.path}（{report.orders} 个订单，{report.formula_cells} 个违约金公式，"
        f"{report.ledger_rows} 条扣分记录，{report.rule_versions} 个规则版本"
        + ("；未遮盖买家信息" if report.unmasked else "；买家信息已遮盖")
        + "）"
    )
    raise typer.Exit(EXIT_PROBLEMS if report.problem_rows else EXIT_OK)


@app.command()
def version() -> None:
    """显示版本 / show version."""
    from importlib.metadata import version as v

    typer.echo(v("shoprules"))


app.add_typer(importlib.import_module("shoprules.addin.cli").addin_app, name="addin")
