"""The built add-in: a valid zip from xlwings' template, a 店铺罚则 ribbon whose callbacks exist
in the template's VBA (read with oletools' olevba), and the committed copy is current."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree
from shoprules.addin import build

NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("xlam") / build.ADDIN_NAME)


def test_committed_addin_is_current(built: Path) -> None:
    committed = build.bundled_addin()
    assert committed.is_file(), "run: uv run shoprules addin build"
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(committed.read_bytes()).hexdigest(), (
        "the committed add-in is stale: run `uv run shoprules addin build`"
    )


def test_valid_zip_with_the_template_members(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {
            build.RIBBON_PART,
            "xl/vbaProject.bin",
            "xl/workbook.xml",
            "[Content_Types].xml",
        } <= names
        assert b"<dc:title>" + build.TITLE.encode() + b"</dc:title>" in z.read("docProps/core.xml")


def test_ribbon_has_the_tab_and_chinese_buttons(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        root = ElementTree.fromstring(z.read(build.RIBBON_PART))
    tabs = root.findall(f".//{NS}tab")
    assert [t.get("label") for t in tabs] == ["店铺罚则"]
    buttons = root.findall(f".//{NS}button")
    assert buttons
    for button in buttons:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in button.get("label", ""))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyparsing deprecations inside olevba
def test_callbacks_exist_in_the_templates_vba(built: Path) -> None:
    from oletools.olevba import VBA_Parser

    with zipfile.ZipFile(built) as z:
        root = ElementTree.fromstring(z.read(build.RIBBON_PART))
    callbacks = {action for b in root.iter() if (action := b.get("onAction"))}
    parser = VBA_Parser(str(built))
    try:
        modules = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    for callback in callbacks:
        module, _, sub = callback.partition(".")
        assert module in modules, callback
        assert f"Sub {sub}(control As IRibbonControl)" in modules[module], callback
    # The callback imports the module named after the file: our handler module.
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in modules["RibbonMyAddin"]
    assert build.ADDIN_NAME.removesuffix(".xlam") == "shoprules.addin.ribbon"
    assert 'XLWINGS_VERSION As String = "0.37.8"' in modules["xlwings"]


def test_handler_module_has_main() -> None:
    from shoprules.addin import ribbon

    assert callable(ribbon.main)
