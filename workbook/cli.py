"""Command line: ``shoprules``."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="shoprules：电商平台罚则计算 / Chinese e-commerce penalty rules", no_args_is_help=True
)


@app.command()
def demo() -> None:
    """生成演示店铺工作簿并重算 (not yet)."""
    typer.echo("演示尚未实现 / demo not yet available")


@app.command()
def version() -> None:
    """显示版本 / show version."""
    from importlib.metadata import version as v

    typer.echo(v("shoprules"))
