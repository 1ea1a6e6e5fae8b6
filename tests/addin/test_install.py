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


# --- the code page the VBA reads the config in (issue #13) -----------------------------------


def test_chinese_user_folder_is_written_in_gbk(tmp_path: Path) -> None:
    home = tmp_path / "Users" / "张三"
    interpreter = home / "店铺" / ".venv" / "Scripts" / "pythonw.exe"
    source = tmp_path / "src.xlam"
    source.write_bytes(b"PK fake")
    plan = install.plan_install(
        home=home, appdata=home / "AppData", interpreter=interpreter, source=source
    )
    assert plan.encoding == install.DEFAULT_CODE_PAGE == "cp936"
    written = install.apply_install(plan)
    assert written == [plan.addin, plan.config]
    data = plan.config.read_bytes()
    assert "张三".encode("gbk") in data
    assert "张三".encode() not in data  # not UTF-8
    assert b"\r\n" in data
    # what VBA's Input # sees: "KEY","value" pairs decoded in the ANSI code page
    pairs = [line.split('","') for line in data.decode("gbk").strip().split("\r\n")]
    values = {k.strip('"'): v.strip('"') for k, v in pairs}
    assert values["INTERPRETER_WIN"] == str(interpreter)
    assert values["UDF MODULES"] == "shoprules.addin.udfs"


def test_reinstall_reads_an_old_utf8_config_and_a_gbk_one(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    plan.config.parent.mkdir(parents=True)
    plan.config.write_bytes('"PYTHONPATH","D:\\店铺\\代码"\n'.encode())  # written by 0.1.0
    install.apply_install(plan)
    assert '"PYTHONPATH","D:\\店铺\\代码"' in plan.config.read_bytes().decode("gbk")
    install.apply_install(plan)  # now GBK on disk: kept as it is
    assert plan.config.read_bytes().decode("gbk").count("店铺") == 1


def test_other_code_pages_follow_the_running_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "_windows_acp", lambda: 950)  # Traditional Chinese Windows
    assert install.ansi_code_page() == "cp950"
    monkeypatch.setattr(install, "_windows_acp", lambda: 65001)  # "Unicode UTF-8" beta option
    assert install.ansi_code_page() == "utf-8"
    monkeypatch.setattr(install, "_windows_acp", lambda: None)  # not Windows
    assert install.ansi_code_page() == "cp936"


def test_unrepresentable_interpreter_path_says_why_and_the_fix(tmp_path: Path) -> None:
    source = tmp_path / "a.xlam"
    source.write_bytes(b"PK fake")
    plan = install.plan_install(
        home=tmp_path / "home",
        appdata=tmp_path,
        interpreter=Path("C:/Users/刘䶮/.venv/Scripts/pythonw.exe"),  # 䶮 (U+4DAE) not in GBK
        source=source,
    )
    with pytest.raises(install.UnrepresentablePathError) as caught:
        install.apply_install(plan)
    message = str(caught.value)
    assert "䶮" in message
    assert "cp936" in message
    assert "无法表示" in message
    assert "纯英文路径" in message  # the fix: the project and its .venv in an ASCII folder
    assert "8.3" in message
    assert not plan.addin.exists()  # nothing was written
    assert not plan.config.exists()
    assert any("无法安装" in line for line in install.describe(plan))
    assert install.apply_remove(plan) == []  # remove still works


def test_unrepresentable_interpreter_path_uses_the_short_path_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        install, "_windows_short_path", lambda _path: Path("C:/Users/5C0F~1/PY.EXE")
    )
    plan = install.plan_install(
        home=tmp_path / "home",
        appdata=tmp_path,
        interpreter=Path("C:/Users/刘䶮/py.exe"),
        source=tmp_path / "a.xlam",
    )
    assert plan.settings["INTERPRETER_WIN"] == str(Path("C:/Users/5C0F~1/PY.EXE"))
    assert any("8.3" in note for note in plan.notes)
    assert any("8.3" in line for line in install.describe(plan))


def test_unrepresentable_user_folder_is_refused(tmp_path: Path) -> None:
    plan = install.plan_install(
        home=tmp_path / "Ærø",  # Æ is not in GBK
        appdata=tmp_path,
        interpreter=Path("C:/py/pythonw.exe"),
        source=tmp_path / "a.xlam",
    )
    with pytest.raises(install.UnrepresentablePathError, match="用户文件夹"):
        install.apply_install(plan)


def test_install_on_windows_with_an_unrepresentable_path_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = install.plan_install(
        home=tmp_path / "home",
        appdata=tmp_path,
        interpreter=Path("C:/Users/刘䶮/py.exe"),
        source=tmp_path / "a.xlam",
    )
    monkeypatch.setattr(cli, "_is_windows", lambda: True)
    monkeypatch.setattr(install, "plan_install", lambda: plan)
    result = CliRunner().invoke(cli.addin_app, ["install"])
    assert result.exit_code == 1
    assert "纯英文路径" in result.output


def test_install_prints_files_paths_and_code_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    monkeypatch.setattr(cli, "_is_windows", lambda: True)
    monkeypatch.setattr(install, "plan_install", lambda: plan)
    result = CliRunner().invoke(cli.addin_app, ["install"])
    assert result.exit_code == 0, result.output
    assert "cp936" in result.output
    assert f"已写入 / written: {plan.addin}" in result.output
    assert f"已写入 / written: {plan.config}" in result.output
