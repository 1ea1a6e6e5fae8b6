"""``shoprules rules``: the rules in force (or every version) with their sources and checked
dates; ``--stale DAYS``: the versions whose source was not checked for DAYS days."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from .app import EXIT_OK, EXIT_UNUSABLE, Styled, china_now, console, parse_when, plain

__all__ = ["rules"]


def _platform_code(out: Console, platform: str | None) -> str | None:
    """The platform code of ``--platform`` (None: every platform); exit 2 when unknown."""
    from shoprules.formulas.fields import PLATFORM_CHINESE, normalize_platform

    if not platform:
        return None
    code = normalize_platform(platform)
    if code is None:
        out.print(
            Styled(
                f"[bold red]错误[/]: 平台名称无法识别: {plain(platform)}（可用 "
                + "、".join(f"{k}/{v}" for k, v in PLATFORM_CHINESE.items())
                + "）"
            )
        )
        raise typer.Exit(EXIT_UNUSABLE)
    return code


def _rule_lines(
    rules_of_kind: Mapping[str, Any], code: str | None, when: pd.Timestamp | None
) -> tuple[list[str], int]:
    """The lines for one kind of rule, and how many versions they show."""
    lines: list[str] = []
    shown = 0
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
        lines.append(Styled(f"[bold]{plain(rule_id)}[/] {plain(rule.name)}"))
        for version in versions:
            lines.append(f"  {version.span}: {version.describe()}（可信度 {version.confidence}）")
            lines.append(f"    来源: {version.source}（核对 {_checked(version)}）")
            if version.note:
                lines.append(f"    注: {version.note}")
            shown += 1
    return lines, shown


def _print_nodes(out: Console, book: Any, code: str | None, when: pd.Timestamp | None) -> None:
    from shoprules.formulas.fields import PLATFORM_CHINESE

    out.print(Styled("\n[bold underline]扣分节点[/]"))
    for (node_platform, _track), node in book.node_tracks.items():
        if code is not None and node_platform != code:
            continue
        version = node.versions[-1] if when is None else node.at(when)
        if version is None:
            continue
        steps = version.describe()
        out.print(
            Styled(
                f"[bold]{PLATFORM_CHINESE.get(node_platform, node_platform)} {plain(node.name)}[/]"
                f"（{version.span}，可信度 {version.confidence}）: {plain(steps)}\n"
                f"    来源: {plain(version.source)}（核对 {_checked(version)}）"
            )
        )


def _checked(version: Any) -> str:
    """A version's checked date (``未核对`` when it has none)."""
    return "未核对" if version.checked is None else f"{version.checked:%Y-%m-%d}"


def _print_stale(
    out: Console, book: Any, *, today: pd.Timestamp, days: int, code: str | None
) -> None:
    """``--stale DAYS``: versions of every kind whose source was not checked for DAYS days."""
    versions = [
        v for v in book.stale(today, days) if code is None or v.label.split(".", 1)[0] == code
    ]
    out.print(
        Styled(
            f"[bold]超过 {days} 天未核对出处的版本[/]（截至 {today:%Y-%m-%d}，"
            f"规则库 {book.digest[:12]}）: {len(versions)} 个"
        )
    )
    for version in versions:
        age = (
            ""
            if version.checked is None
            else f"，{(today.normalize() - version.checked).days} 天前"
        )
        out.print(
            f"  {version.label}（{version.span}）核对 {_checked(version)}{age}\n"
            f"    来源: {version.source}"
        )


def rules(
    platform: Annotated[
        str | None, typer.Option("--platform", help="只看一个平台（taobao/淘宝 …）")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="显示该日期有效的版本（默认今天）；all 显示全部历史版本"),
    ] = None,
    stale: Annotated[
        int | None,
        typer.Option(
            "--stale", min=0, metavar="DAYS", help="只列出超过 DAYS 天未核对出处的版本（所有种类）"
        ),
    ] = None,
) -> None:
    """列出生效的规则及出处、核对日期 / print the rules in force with their sources and checked dates."""
    from shoprules.formulas.rulebook import load_rulebook

    out = console()
    every_version = as_of is not None and as_of.strip().lower() in ("all", "全部")
    when = None if every_version else parse_when(as_of, "--as-of") or pd.Timestamp(china_now())
    code = _platform_code(out, platform)
    book = load_rulebook()
    if stale is not None:
        _print_stale(out, book, today=when or pd.Timestamp(china_now()), days=stale, code=code)
        raise typer.Exit(EXIT_OK)
    title = "全部版本" if when is None else f"{when:%Y-%m-%d %H:%M} 生效的规则"
    out.print(Styled(f"[bold]{title}[/]（规则库 {book.digest[:12]}）"))
    shown = 0
    for heading, rules_of_kind in (
        ("违约金 / 平台扣款", book.damages),
        ("同一买家同一付款日合并封顶", book.cap_groups),
        ("时限", book.timers),
        ("违规扣分", book.violations),
        ("退货运费", book.freight),
    ):
        lines, count = _rule_lines(rules_of_kind, code, when)
        shown += count
        if lines:
            out.print(Styled(f"\n[bold underline]{heading}[/]"))
            for line in lines:
                out.print(line)
    if not shown:
        out.print(f"{title}: 没有生效的规则")
        raise typer.Exit(EXIT_OK)
    _print_nodes(out, book, code, when)
