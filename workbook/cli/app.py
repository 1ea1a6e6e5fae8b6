"""The ``shoprules`` typer app: console, option parsing, the summary table, and the one handler
that turns every expected failure into a Chinese message and exit code 2.

Exit codes: 0 everything computed; 1 some rows have problems (listed; their results are left
blank and 数据问题 says why); 2 the input cannot be used (nothing was written).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..clock import china_now
from ..errors import ShoprulesError

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_UNUSABLE",
    "AsOfOption",
    "RulesAsOfOption",
    "SafeConsole",
    "Styled",
    "app",
    "china_now",
    "console",
    "fail",
    "input_errors",
    "now_or",
    "parse_when",
    "plain",
    "progress",
    "run_times",
    "summary_table",
    "yuan",
]

app = typer.Typer(
    help="shoprules：电商平台罚则计算（违约金、平台扣款、扣分、发货与退货时效）/ "
    "Chinese e-commerce penalty rules",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EXIT_OK: Final = 0
EXIT_PROBLEMS: Final = 1
EXIT_UNUSABLE: Final = 2
_STAGES: Final = {"read": "读取订单", "compute": "计算", "write": "写回结果", "done": "完成"}


#: Terminal escapes (ESC sequences) and other control characters a cell may carry; \t and \n stay.
_CONTROL: Final = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


class Styled(str):
    """Console text whose ``[style]`` markup is the program's own. Anything else printed is text:
    cell values never style, break or control the terminal. Put data into a ``Styled`` template
    only through :func:`plain`."""


def plain(value: object) -> str:
    """Data made safe inside a :class:`Styled` template: control characters and terminal escapes
    removed, ``[...]`` markup escaped.

    >>> plain("[/bold]\\x1b[31m红")
    '\\\\[/bold]红'
    """
    return escape(_CONTROL.sub("", str(value)))


class SafeConsole(Console):
    """A console that prints plain ``str`` as literal text (control characters removed) and
    interprets markup only in :class:`Styled` strings."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """As :meth:`rich.console.Console.print`, with the rule above."""
        safe = [
            Text(_CONTROL.sub("", o)) if isinstance(o, str) and not isinstance(o, Styled) else o
            for o in objects
        ]
        super().print(*safe, **kwargs)


def console() -> Console:
    """The console every command prints to (wide when piped, so tables stay unwrapped)."""
    out = SafeConsole(highlight=False, soft_wrap=True)
    if not out.is_terminal:
        out.width = max(out.width, 120)  # piped or captured: keep the table unwrapped
    return out


def parse_when(text: str | None, option: str) -> pd.Timestamp | None:
    """``"2024-07-01"`` or ``"2024-07-01 18:30"`` → timestamp; a clear error otherwise.

    >>> parse_when("2024/07/01 18:30", "--as-of")
    Timestamp('2024-07-01 18:30:00')
    """
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


def now_or(text: str | None, option: str) -> pd.Timestamp:
    """The option's time, or now in China time."""
    return parse_when(text, option) or pd.Timestamp(china_now())


#: ``--as-of`` and ``--rules-as-of`` of the commands that compute (recompute, audit).
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help='按此时间判断状态，"YYYY-MM-DD HH:MM"（默认现在，中国时间）'),
]
RulesAsOfOption = Annotated[
    str | None,
    typer.Option("--rules-as-of", help="所有行统一按此日期有效的规则计算（默认按每行自己的时间）"),
]


def run_times(
    as_of: str | None, rules_as_of: str | None
) -> tuple[Console, pd.Timestamp, pd.Timestamp | None]:
    """A computing command's opening: its console, the status time (``--as-of``, by default now
    in China time) and the rules date all rows use (``--rules-as-of``, None: each row's own)."""
    return console(), now_or(as_of, "--as-of"), parse_when(rules_as_of, "--rules-as-of")


def yuan(fen: int) -> str:
    """Integer fen → ``'1,234.50'``.

    >>> yuan(123450), yuan(-5)
    ('1,234.50', '-0.05')
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@contextmanager
def _step_bar(out: Console, label: str, steps: Sequence[str]) -> Iterator[Any]:
    """A transient bar over named ``steps`` (terminal only); yields ``step(name)``."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=len(steps))

        def step(name: str) -> None:
            done = steps.index(name) if name in steps else 0
            bar.update(task, completed=done, description=f"{label}: {name}")

        yield step
        bar.update(task, completed=len(steps))


@contextmanager
def progress(out: Console, label: str) -> Iterator[Any]:
    """A progress bar over the read → compute → write stages (shown on a terminal only)."""
    with _step_bar(out, label, list(_STAGES.values())) as step:
        yield lambda stage: step(_STAGES[stage])


@contextmanager
def audit_progress(out: Console, label: str) -> Iterator[Any]:
    """A progress bar over the audit's steps (``AUDIT_STEPS``; shown on a terminal only)."""
    from ..audit import AUDIT_STEPS

    with _step_bar(out, label, AUDIT_STEPS) as step:
        yield step


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
            Text(_CONTROL.sub("", name)),  # a sheet's name is the user's text, never markup
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
        from ..pipeline import RecomputeSummary

        total = RecomputeSummary(
            *(sum(getattr(s, f) for _, s in rows) for f in RecomputeSummary.__dataclass_fields__)
        )
        table.add_section()
        add("合计", total)
    return table


def fail(out: Console, message: str, hint: str | None = None) -> typer.Exit:
    """Print the error (and what to do) and return the exit-code-2 exception to raise."""
    out.print(Styled(f"[bold red]错误[/]: {plain(message)}"))
    if hint:
        out.print(f"怎么办: {hint}")
    out.print("未写入任何文件 / nothing was written")
    return typer.Exit(EXIT_UNUSABLE)


@contextmanager
def input_errors(out: Console, target: Path) -> Iterator[None]:
    """The one error handler: every expected failure (a :class:`ShoprulesError`: bad input, a
    locked, corrupt or unwritable book) → its Chinese message and exit code 2; anything else is
    a bug, reported briefly (SHOPRULES_DEBUG=1 shows it)."""
    try:
        yield
    except ShoprulesError as error:
        raise fail(out, str(error), error.hint) from error
    except PermissionError as error:
        raise fail(
            out,
            f"无法写入 {error.filename or target}（文件被占用或没有权限）",
            "关闭 Excel/WPS 中打开的该工作簿，或用 -o 写到别的位置",
        ) from error
    except Exception as error:  # a bug, not the input: say so briefly, details on request
        if os.environ.get("SHOPRULES_DEBUG"):
            raise
        raise fail(
            out,
            f"内部错误 {type(error).__name__}: {error}",
            "设置环境变量 SHOPRULES_DEBUG=1 重新运行可看到详细信息；请连同文件（可删去买家信息）反馈",
        ) from error


def version() -> None:
    """显示版本 / show version."""
    from importlib.metadata import version as installed

    typer.echo(installed("shoprules"))
