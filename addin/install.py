"""Put the add-in in Excel's XLSTART folder and write its configuration (Windows).

The add-in is xlwings' quickstart template, whose compiled VBA names its project ``myaddin``:
it reads its settings from ``%USERPROFILE%\\.myaddin\\myaddin.conf`` (lines ``"KEY","value"``,
read by VBA's ``Input #``). We write there the interpreter of the current environment
(``INTERPRETER_WIN``, ``pythonw.exe``) and ``UDF MODULES`` = ``shoprules.addin.udfs``, and keep
any other keys the user set.

>>> plan = plan_install(home=Path("C:/Users/li"), appdata=Path("C:/Users/li/AppData/Roaming"),
...                     interpreter=Path("C:/shop/.venv/Scripts/pythonw.exe"), source=Path("a.xlam"))
>>> plan.addin.as_posix()
'C:/Users/li/AppData/Roaming/Microsoft/Excel/XLSTART/shoprules.addin.ribbon.xlam'
>>> plan.config.as_posix()
'C:/Users/li/.myaddin/myaddin.conf'
>>> plan.settings["UDF MODULES"]
'shoprules.addin.udfs'
>>> merge_config('"SHOW CONSOLE","True"\\n"UDF MODULES","old"\\n', {"UDF MODULES": "new"})
'"SHOW CONSOLE","True"\\n"UDF MODULES","new"\\n'
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .build import ADDIN_NAME, bundled_addin

__all__ = [
    "InstallPlan",
    "apply_install",
    "apply_remove",
    "describe",
    "merge_config",
    "plan_install",
]

#: The template's VBA project name (``PROJECT_NAME`` in its compiled VBA; not editable here).
PROJECT_NAME: Final = "myaddin"
UDF_MODULES: Final = "shoprules.addin.udfs"
OUR_KEYS: Final = ("INTERPRETER_WIN", "UDF MODULES")


@dataclass(frozen=True)
class InstallPlan:
    """Where the add-in and its configuration go, and what the configuration says."""

    source: Path
    addin: Path
    config: Path
    settings: dict[str, str] = field(default_factory=dict)


def windows_interpreter(executable: str | Path = sys.executable) -> Path:
    """``pythonw.exe`` next to the running interpreter when there is one (no console window)."""
    path = Path(executable)
    windowed = path.with_name("pythonw.exe")
    return windowed if windowed.exists() else path


def plan_install(
    *,
    home: Path | None = None,
    appdata: Path | None = None,
    interpreter: Path | None = None,
    source: Path | None = None,
) -> InstallPlan:
    """The install plan for this user (paths are computed, nothing is touched)."""
    home = home or Path(os.environ.get("USERPROFILE") or Path.home())
    appdata = appdata or Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    interpreter = interpreter or windows_interpreter()
    return InstallPlan(
        source=source or bundled_addin(),
        addin=appdata / "Microsoft" / "Excel" / "XLSTART" / ADDIN_NAME,
        config=home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf",
        settings={"INTERPRETER_WIN": str(interpreter), "UDF MODULES": UDF_MODULES},
    )


def _key(line: str) -> str:
    return line.split(",", 1)[0].strip().strip('"').upper()


def merge_config(existing: str, settings: Mapping[str, str | None]) -> str:
    """Set (or with ``None`` remove) keys in a config file's text; other lines are kept, blank
    lines are dropped (an empty trailing line breaks the VBA reader, xlwings #2174)."""
    wanted = {k.upper(): v for k, v in settings.items()}
    lines = [ln for ln in existing.splitlines() if ln.strip() and _key(ln) not in wanted]
    lines += [f'"{k}","{v}"' for k, v in settings.items() if v is not None]
    return "".join(line + "\n" for line in lines)


def apply_install(plan: InstallPlan) -> None:
    """Copy the add-in into XLSTART and write the configuration."""
    if not plan.source.is_file():
        raise FileNotFoundError(f"找不到加载项文件 {plan.source}，请先运行 shoprules addin build")
    plan.addin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plan.source, plan.addin)
    plan.config.parent.mkdir(parents=True, exist_ok=True)
    existing = plan.config.read_text(encoding="utf-8") if plan.config.exists() else ""
    plan.config.write_text(merge_config(existing, plan.settings), encoding="utf-8")


def apply_remove(plan: InstallPlan) -> list[Path]:
    """Remove the add-in from XLSTART and our keys from the configuration; what was removed."""
    removed = []
    if plan.addin.exists():
        plan.addin.unlink()
        removed.append(plan.addin)
    if plan.config.exists():
        text = merge_config(plan.config.read_text(encoding="utf-8"), dict.fromkeys(OUR_KEYS))
        if text:
            plan.config.write_text(text, encoding="utf-8")
        else:
            plan.config.unlink()
            removed.append(plan.config)
    return removed


def describe(plan: InstallPlan, *, remove: bool = False) -> list[str]:
    """What install (or remove) does, in Chinese and English, one step a line."""
    if remove:
        return [
            f"删除加载项 / remove the add-in: {plan.addin}",
            f"从配置中删除 {', '.join(OUR_KEYS)} / remove our keys from: {plan.config}",
        ]
    return [
        f"复制加载项 / copy the add-in: {plan.source} → {plan.addin}",
        f"写入配置 / write the configuration: {plan.config}",
        *(f'    "{k}","{v}"' for k, v in plan.settings.items()),
    ]
