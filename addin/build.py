"""Build the add-in file from xlwings' own quickstart ribbon template.

``xlwings quickstart NAME --addin --ribbon`` (it runs on Linux too) copies xlwings'
``quickstart_addin_ribbon.xlam``; we then replace its ribbon XML (``customUI/customUI.xml``,
kept in ``addin/ribbon/customUI.xml``) with the 店铺罚则 tab, set the workbook title, and add
two VBA modules to ``xl/vbaProject.bin`` (:mod:`shoprules.addin.macros`): ``xlwings_udfs``, the
text xlwings' ``import_udfs`` would import (so ``=SR_…`` works without importing functions),
and ``ShoprulesAddin`` (function wizard help at open, the ribbon callbacks). The modules are
added as source-only modules (:mod:`shoprules.addin.vba`); the template's VBA project is
version 0xFFFF, so Excel compiles it from source. Every template stream other than ``dir``,
``PROJECT`` and ``PROJECTwm`` keeps its bytes, every other zip member is copied byte for byte,
and the zip entries keep the template's order, timestamps and compression: the build is
reproducible.

The file is named after the handler module, ``shoprules.addin.ribbon.xlam``, as the template's
own ``RibbonMyAddin.RunMain`` expects (it imports the module named after the file).

>>> ADDIN_NAME
'shoprules.addin.ribbon.xlam'
>>> sorted(ribbon_callbacks())
['ShoprulesAddin.SrExportAudit', 'ShoprulesAddin.SrRecompute']
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Final

from . import macros
from .vba import project

__all__ = [
    "ADDIN_NAME",
    "CALLBACK_MODULE",
    "RIBBON_PART",
    "TITLE",
    "VBA_PART",
    "build_addin",
    "bundled_addin",
    "ribbon_callbacks",
    "ribbon_xml",
    "vba_modules",
]

#: The handler module the template's ``RunMain`` imports; the add-in file is named after it.
CALLBACK_MODULE: Final = "shoprules.addin.ribbon"
ADDIN_NAME: Final = f"{CALLBACK_MODULE}.xlam"
RIBBON_PART: Final = "customUI/customUI.xml"
CORE_PART: Final = "docProps/core.xml"
VBA_PART: Final = "xl/vbaProject.bin"
TITLE: Final = "店铺罚则 shoprules"
_QUICKSTART_NAME: Final = "shoprules_addin"


def ribbon_xml() -> str:
    """The 店铺罚则 ribbon (``addin/ribbon/customUI.xml``)."""
    return (resources.files(__package__) / "ribbon" / "customUI.xml").read_text(encoding="utf-8")


def ribbon_callbacks() -> set[str]:
    """The ``onAction`` callbacks of the ribbon XML."""
    return set(re.findall(r'onAction="([^"]+)"', ribbon_xml()))


def vba_modules() -> dict[str, str]:
    """Module name → source text (``\\n`` line ends) of the modules the build adds."""
    udfs, helps = macros.udf_module(ADDIN_NAME)
    return {macros.UDF_MODULE: udfs, macros.ADDIN_MODULE: macros.addin_module(helps)}


def bundled_addin() -> Path:
    """The add-in shipped with the package (``shoprules addin build`` regenerates it)."""
    return Path(str(resources.files(__package__) / ADDIN_NAME))


def _quickstart(folder: Path) -> Path:
    """Run ``xlwings quickstart <name> --addin --ribbon`` in ``folder``; the ``.xlam`` it made."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "xlwings.cli",
            "quickstart",
            _QUICKSTART_NAME,
            "--addin",
            "--ribbon",
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder / _QUICKSTART_NAME / f"{_QUICKSTART_NAME}.xlam"


def _titled(core: bytes) -> bytes:
    text = core.decode("utf-8")
    text, count = re.subn(
        r"<dc:title\s*/>|<dc:title>.*?</dc:title>", f"<dc:title>{TITLE}</dc:title>", text
    )
    if count != 1:
        raise ValueError("模板的 docProps/core.xml 没有 dc:title")
    return text.encode("utf-8")


def build_addin(target: Path | None = None) -> Path:
    """Make the add-in at ``target`` (default: the bundled copy in the package) and return it."""
    target = Path(target) if target is not None else bundled_addin()
    ribbon = ribbon_xml().encode("utf-8")
    modules = vba_modules()
    with tempfile.TemporaryDirectory(prefix="shoprules-build-") as folder:
        template = _quickstart(Path(folder))
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(template) as source, zipfile.ZipFile(partial, "w") as out:
            names = source.namelist()
            for part in (RIBBON_PART, VBA_PART, CORE_PART):
                if part not in names:
                    raise ValueError(f"xlwings 模板里没有 {part}")
            for info in source.infolist():
                data = source.read(info)
                if info.filename == RIBBON_PART:
                    data = ribbon
                elif info.filename == CORE_PART:
                    data = _titled(data)
                elif info.filename == VBA_PART:
                    data = project.add_source_modules(data, modules)
                entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                entry.compress_type = info.compress_type
                entry.external_attr = info.external_attr
                entry.create_system = info.create_system
                out.writestr(entry, data)
        partial.replace(target)
    return target
