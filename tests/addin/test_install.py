"""Install / remove: files in place, config merged, and off Windows an explanation and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from shoprules.addin import cli, install
from typer.testing import CliRunner


def _plan(tmp_path: Path) -> install.InstallPlan:
    source = tmp_path / "src.xlam"
    source.write_bytes(b"PK fake")
    return install.plan_install(
        home=tmp_path / "home",
        appdata=tmp_path / "appdata",
        interpreter=Path("C:/env/Scripts/pythonw.exe"),
        source=source,
    )


def test_install_copies_and_writes_config_then_remove_cleans(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    plan.config.parent.mkdir(parents=True)
    plan.config.write_text('"SHOW CONSOLE","True"\n\n"UDF MODULES","old"\n', encoding="utf-8")
    install.apply_install(plan)
    assert plan.addin.read_bytes() == b"PK fake"
    assert plan.addin.parent.name == "XLSTART"
    text = plan.config.read_text(encoding="utf-8")
    assert text == (
        '"SHOW CONSOLE","True"\n"INTERPRETER_WIN","C:/env/Scripts/pythonw.exe"\n'
        '"UDF MODULES","shoprules.addin.udfs"\n'
    ).replace("C:/env/Scripts/pythonw.exe", str(Path("C:/env/Scripts/pythonw.exe")))
    removed = install.apply_remove(plan)
    assert removed == [plan.addin]
    assert plan.config.read_text(encoding="utf-8") == '"SHOW CONSOLE","True"\n'


def test_remove_deletes_a_config_left_empty(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    install.apply_install(plan)
    assert install.apply_remove(plan) == [plan.addin, plan.config]


def test_install_without_an_addin_file_says_what_to_do(tmp_path: Path) -> None:
    plan = install.plan_install(home=tmp_path, appdata=tmp_path, source=tmp_path / "missing.xlam")
    with pytest.raises(FileNotFoundError, match="shoprules addin build"):
        install.apply_install(plan)


@pytest.mark.parametrize("command", ["install", "remove"])
def test_off_windows_explains_and_exits_2(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_is_windows", lambda: False)
    result = CliRunner().invoke(cli.addin_app, [command])
    assert result.exit_code == 2
    assert "Windows" in result.output
    assert "XLSTART" in result.output


def test_install_on_windows_uses_the_plan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    monkeypatch.setattr(cli, "_is_windows", lambda: True)
    monkeypatch.setattr(install, "plan_install", lambda: plan)
    result = CliRunner().invoke(cli.addin_app, ["install"])
    assert result.exit_code == 0, result.output
    assert plan.addin.exists()
    assert CliRunner().invoke(cli.addin_app, ["remove"]).exit_code == 0
    assert not plan.addin.exists()


def test_mounted_in_the_main_cli() -> None:
    from shoprules.addin.cli import app

    result = CliRunner().invoke(app, ["addin", "--help"])
    assert result.exit_code == 0
    assert "build" in result.output
    assert "install" in result.output
