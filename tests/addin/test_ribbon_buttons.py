"""The 重算 and 导出审计 buttons' Python entry points (called by the add-in's ``ShoprulesAddin``
VBA): each runs one step and shows its result, or a short Chinese error."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from shoprules.addin import ribbon


class _App:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str, str]] = []
        self.status_bar: Any = False

    def alert(self, prompt: str, title: str = "", mode: str = "info", **_: Any) -> None:
        self.alerts.append((prompt, title, mode))


def _book() -> Any:
    return SimpleNamespace(app=_App())


def test_recompute_button_shows_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    done = SimpleNamespace(text=lambda: "已重算 3 个订单")
    calls: list[Any] = []

    def recompute(book: Any) -> Any:
        calls.append(book)
        return done

    monkeypatch.setattr(ribbon, "recompute", recompute)
    monkeypatch.setattr(
        ribbon, "export_audit", lambda _book: pytest.fail("the 重算 button must not export")
    )
    book = _book()
    ribbon.recompute_button(book)
    assert calls == [book]
    assert book.app.alerts == [("已重算 3 个订单", "店铺罚则", "info")]


def test_export_audit_button_shows_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ribbon, "recompute", lambda _book: pytest.fail("must not recompute"))
    monkeypatch.setattr(ribbon, "export_audit", lambda _book: tmp_path / "店铺.audit.xlsx")
    book = _book()
    ribbon.export_audit_button(book)
    prompt, title, mode = book.app.alerts[0]
    assert (title, mode) == ("店铺罚则", "info")
    assert "店铺.audit.xlsx" in prompt


@pytest.mark.parametrize(
    ("button", "step"),
    [("recompute_button", "重算"), ("export_audit_button", "导出审计表")],
)
def test_buttons_report_errors_shortly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, button: str, step: str
) -> None:
    monkeypatch.setenv("SHOPRULES_ADDIN_LOG", str(tmp_path / "addin.log"))

    def refuse(_book: Any) -> Any:
        raise ribbon.UserMessage("请先保存工作簿")

    monkeypatch.setattr(ribbon, "recompute", refuse)
    monkeypatch.setattr(ribbon, "export_audit", refuse)
    book = _book()
    getattr(ribbon, button)(book)
    prompt, _, mode = book.app.alerts[0]
    assert mode == "critical"
    assert prompt.startswith(f"{step}失败：")
