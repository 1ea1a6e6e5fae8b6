"""``shoprules rules``: the rules in force (or every version) with their sources."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import typer

from .app import EXIT_OK, EXIT_UNUSABLE, china_now, console, parse_when

__all__ = ["describe_params", "rules"]


def describe_params(kind: str, params: Any) -> str:
    """A rule version's parameters in one line of Chinese.

    >>> describe_params("damages", {"kind": "rate_clamped", "rate": 500, "min": 500, "max": 3000,
    ...                             "receiver": "buyer", "rounding": "fen_half_up"})
    '5% [5.00, 30.00] 元，赔给买家'
    """
    from shoprules.formulas.money import fen_to_yuan_text

    receiver = {"buyer": "赔给买家", "platform": "平台扣款"}
    if kind == "damages":
        who = receiver.get(str(params.get("receiver")), "")
        floor = "，取整到元" if params.get("rounding") == "floor_yuan" else ""
        match params.get("kind"):
            case "rate_clamped":
                text = (
                    f"{params['rate'] / 100:g}% [{fen_to_yuan_text(params['min'])}, "
                    f"{fen_to_yuan_text(params['max'])}] 元"
                )
            case "flat":
                text = f"每单 {fen_to_yuan_text(params['amount'])} 元"
            case _:
                text = str(params.get("kind"))
        return f"{text}{floor}，{who}" if who else text + floor
    if kind == "timers":
        names = {
            "default": "默认",
            "normal": "普通",
            "direct_supply": "直供",
            "direct_mail": "直邮",
            "presale": "预售",
            "custom": "定制",
        }
        durations = params.get("durations", {})
        return "；".join(
            f"{names.get(k, k)} {'按承诺时间' if str(v) == 'promised' else v}"
            for k, v in durations.items()
        )
    if kind == "violations":
        from shoprules.formulas.rulebook import TRACK_NAMES

        track = TRACK_NAMES.get(str(params.get("track")), str(params.get("track")))
        condition = params.get("condition")
        extra = "（投诉成立且未在判定前赔付）" if condition and condition != "always" else ""
        return f"{track} {params.get('points')} 分{extra}"
    if kind == "freight":
        cases = {
            "seller": "卖家责任",
            "buyer": "买家责任",
            "buyer_free": "买家责任且包邮",
            "unclear": "责任不明",
            "buyer_wrong_address": "买家填错地址",
            "buyer_refused_free": "拒收包邮商品",
            "buyer_partial_free_bundle": "退回包邮组合中的一件",
        }
        return "；".join(
            f"{cases.get(k, k)} 发货:{v[0]} 退货:{v[1]}"
            for k, v in params.items()
            if isinstance(v, tuple | list) and len(v) == 2
        )
    return "；".join(f"{k}: {v}" for k, v in params.items() if not isinstance(v, dict))


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

    out = console()
    every_version = as_of is not None and as_of.strip().lower() in ("all", "全部")
    when = None if every_version else parse_when(as_of, "--as-of") or pd.Timestamp(china_now())
    code = None
    if platform:
        code = normalize_platform(platform)
        if code is None:
            out.print(
                f"[bold red]错误[/]: 平台名称无法识别: {platform}（可用 "
                + "、".join(f"{k}/{v}" for k, v in PLATFORM_CHINESE.items())
                + "）"
            )
            raise typer.Exit(EXIT_UNUSABLE)
    book = load_rulebook()
    title = "全部版本" if when is None else f"{when:%Y-%m-%d %H:%M} 生效的规则"
    out.print(f"[bold]{title}[/]（规则库 {book.digest[:12]}）")
    shown = 0
    for kind, heading, rules_of_kind in (
        ("damages", "违约金 / 平台扣款", book.damages),
        ("timers", "时限", book.timers),
        ("violations", "违规扣分", book.violations),
        ("freight", "退货运费", book.freight),
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
                    f"  {version.since:%Y-%m-%d} 起: {describe_params(kind, version.params)}"
                    f"（可信度 {version.confidence}）"
                )
                lines.append(f"    来源: {version.source}")
                if version.note:
                    lines.append(f"    注: {version.note}")
                shown += 1
        if lines:
            out.print(f"\n[bold underline]{heading}[/]")
            for line in lines:
                out.print(line)
    if not shown:
        out.print(f"{title}: 没有生效的规则")
        raise typer.Exit(EXIT_OK)
    out.print("\n[bold underline]扣分节点[/]")
    for (node_platform, _track), node in book.node_tracks.items():
        if code is not None and node_platform != code:
            continue
        version = node.versions[-1] if when is None else node.at(when)
        if version is None:
            continue
        steps = "；".join(
            f"{t['points']} 分 → {t['consequence']}" for t in version.params.get("thresholds", ())
        )
        if "every" in version.params:
            every = version.params["every"]
            steps = f"每满 {every['points']} 分 → {every['consequence']}"
        out.print(
            f"[bold]{PLATFORM_CHINESE.get(node_platform, node_platform)} {node.name}[/]"
            f"（{version.since:%Y-%m-%d} 起，可信度 {version.confidence}）: {steps}\n"
            f"    来源: {version.source}"
        )
