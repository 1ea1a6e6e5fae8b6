"""The ``shoprules`` console script: the workbook layer's commands plus ``shoprules addin build |
install | remove``.

Imports run addin → workbook → formulas only: this module mounts :data:`addin_app` on
:data:`shoprules.workbook.cli.app`. The ``addin`` commands import no xlwings (so ``shoprules
--help`` works without it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Final

import typer
from shoprules.workbook.cli import app

from . import build as _build
from . import install as _install

__all__ = ["addin_app", "app", "main"]

EXIT_NOT_WINDOWS: Final = 2

addin_app = typer.Typer(
    help="Excel 加载项（店铺罚则 选项卡与 SR_ 函数）/ the Excel add-in",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _is_windows() -> bool:
    return sys.platform.startswith("win")


@addin_app.command()
def build(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="输出路径（默认：包内的加载项文件）/ output path"),
    ] = None,
) -> None:
    """从 xlwings 快速入门模板生成加载项 / build the .xlam from xlwings' quickstart template."""
    path = _build.build_addin(out)
    typer.echo(f"已生成加载项 / built: {path}")


@addin_app.command()
def install() -> None:
    """复制加载项到 XLSTART 并写入配置 / copy the add-in to XLSTART and write its config."""
    plan = _install.plan_install()
    if not _is_windows():
        typer.echo("加载项只能安装在 Windows 版 Excel 上。在 Windows 上，此命令会：")
        typer.echo("The add-in installs on Windows Excel only. On Windows this command would:")
        for line in _install.describe(plan):
            typer.echo(f"  {line}")
        raise typer.Exit(EXIT_NOT_WINDOWS)
    try:
        written = _install.apply_install(plan)
    except _install.UnrepresentablePathError as error:
        typer.echo(f"无法安装 / cannot install: {error}", err=True)
        raise typer.Exit(1) from error
    for line in _install.describe(plan):
        typer.echo(line)
    for path in written:
        typer.echo(f"已写入 / written: {path}")
    typer.echo("完成。重启 Excel 后出现「店铺罚则」选项卡 / done: restart Excel.")


@addin_app.command()
def remove() -> None:
    """从 XLSTART 删除加载项并清除配置 / remove the add-in and its config keys."""
    plan = _install.plan_install()
    if not _is_windows():
        typer.echo("加载项只在 Windows 上安装。在 Windows 上，此命令会：")
        typer.echo("The add-in is installed on Windows only. On Windows this command would:")
        for line in _install.describe(plan, remove=True):
            typer.echo(f"  {line}")
        raise typer.Exit(EXIT_NOT_WINDOWS)
    removed = _install.apply_remove(plan)
    for path in removed:
        typer.echo(f"已删除 / removed: {path}")
    if not removed:
        typer.echo("没有找到已安装的加载项 / nothing installed")


app.add_typer(addin_app, name="addin")


def main() -> None:
    """Run the ``shoprules`` command line."""
    app()
