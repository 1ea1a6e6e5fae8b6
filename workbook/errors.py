"""The one error base class of the edge layer: an expected failure the user can act on.

Every exception the workbook layer raises for bad input or an unusable file derives from
:class:`ShoprulesError`; the CLI turns any of them into its Chinese message, the hint and exit
code 2 in one handler, and the ribbon shows the message without a traceback.

>>> error = ShoprulesError("「规则」表有无法应用的参数", file="店铺.xlsx", sheet="规则", row=3,
...                        key="taobao.nothing.max")
>>> str(error)
'「规则」表有无法应用的参数（店铺.xlsx「规则」表第 3 行，参数 taobao.nothing.max）'
>>> str(ShoprulesError("文件是空的"))
'文件是空的'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ShoprulesError"]


class ShoprulesError(Exception):
    """An expected failure: a Chinese ``message``, an optional ``hint`` (what to do), and where
    it happened (``file``, ``sheet``, 1-based sheet ``row``, rule parameter ``key``)."""

    #: what to do, when the subclass always has the same advice
    default_hint: str | None = None

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.file = None if file is None else Path(file)
        self.sheet = sheet
        self.row = row
        self.key = key

    def location(self) -> str:
        """Where, in words: ``'店铺.xlsx「规则」表第 3 行，参数 taobao.nothing.max'`` (or ``''``)."""
        place = self.file.name if self.file is not None else ""
        if self.sheet:
            place += f"「{self.sheet}」表"
        if self.row is not None:
            place += f"第 {self.row} 行"
        parts = [p for p in (place, f"参数 {self.key}" if self.key else "") if p]
        return "，".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{self.message}（{where}）" if where else self.message
