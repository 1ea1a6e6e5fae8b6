"""Put the add-in in Excel's XLSTART folder and write its configuration (Windows).

The add-in is xlwings' quickstart template, whose compiled VBA names its project ``myaddin``:
it reads its settings from ``%USERPROFILE%\\.myaddin\\myaddin.conf`` (lines ``"KEY","value"``,
read by VBA's ``Open … For Input`` / ``Input #``, which decode the bytes in the system ANSI code
page: GBK, cp936, on Chinese Windows). We write there, in that code page, the interpreter of the
current environment (``INTERPRETER_WIN``, ``pythonw.exe``) and ``UDF MODULES`` =
``shoprules.addin.udfs``, and keep any other keys the user set. The VBA also hands the interpreter
path to ``LoadLibraryA`` and to xlwings' DLL as an ANSI string, so a path the code page cannot
spell is replaced by its 8.3 short path, or refused with the fix.

>>> plan = plan_install(home=Path("C:/Users/li"), appdata=Path("C:/Users/li/AppData/Roaming"),
...                     interpreter=Path("C:/shop/.venv/Scripts/pythonw.exe"), source=Path("a.xlam"))
>>> plan.addin.as_posix()
'C:/Users/li/AppData/Roaming/Microsoft/Excel/XLSTART/shoprules.addin.ribbon.xlam'
>>> plan.config.as_posix()
'C:/Users/li/.myaddin/myaddin.conf'
>>> plan.settings["UDF MODULES"]
'shoprules.addin.udfs'
>>> plan.encoding
'cp936'
>>> config_bytes("", {"INTERPRETER_WIN": "C:/Users/张三/py.exe"}, "cp936")
b'"INTERPRETER_WIN","C:/Users/\\xd5\\xc5\\xc8\\xfd/py.exe"\\r\\n'
>>> merge_config('"SHOW CONSOLE","True"\\n"UDF MODULES","old"\\n', {"UDF MODULES": "new"})
'"SHOW CONSOLE","True"\\n"UDF MODULES","new"\\n'
"""

from __future__ import annotations

import codecs
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .build import ADDIN_NAME, bundled_addin

__all__ = [
    "DEFAULT_CODE_PAGE",
    "InstallPlan",
    "UnrepresentablePathError",
    "ansi_code_page",
    "apply_install",
    "apply_remove",
    "config_bytes",
    "describe",
    "merge_config",
    "plan_install",
    "read_config",
]

#: The template's VBA project name (``PROJECT_NAME`` in its compiled VBA; not editable here).
PROJECT_NAME: Final = "myaddin"
UDF_MODULES: Final = "shoprules.addin.udfs"
OUR_KEYS: Final = ("INTERPRETER_WIN", "UDF MODULES")
#: Chinese (PRC) Windows' ANSI code page; used off Windows (tests, the plan printed on Linux).
DEFAULT_CODE_PAGE: Final = "cp936"


class UnrepresentablePathError(ValueError):
    """A path the VBA would read in the ANSI code page has characters that code page lacks."""


def _windows_acp() -> int | None:
    """The running Windows' ANSI code page (``GetACP``); ``None`` off Windows."""
    if not sys.platform.startswith("win"):
        return None
    import ctypes

    return int(ctypes.windll.kernel32.GetACP())


def _windows_short_path(path: Path) -> Path | None:
    """The 8.3 short form of an existing path (``GetShortPathNameW``); ``None`` off Windows,
    for a missing path, or when the volume keeps no short names (the long path comes back)."""
    if not sys.platform.startswith("win"):
        return None
    import ctypes

    get = ctypes.windll.kernel32.GetShortPathNameW
    size = get(str(path), None, 0)
    if not size:
        return None
    buffer = ctypes.create_unicode_buffer(size)
    if not get(str(path), buffer, size):
        return None
    return Path(buffer.value)


def ansi_code_page() -> str:
    """The code page the add-in's VBA reads its config in: ``cp<GetACP()>`` on Windows (65001,
    the "Unicode UTF-8" beta option, is ``utf-8``), ``cp936`` elsewhere.

    >>> ansi_code_page() if not sys.platform.startswith("win") else "cp936"
    'cp936'
    """
    acp = _windows_acp()
    if acp is None:
        return DEFAULT_CODE_PAGE
    name = "utf-8" if acp == 65001 else f"cp{acp}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "mbcs"  # Python's codec for the ANSI code page (Windows only)
    return name


def _representable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _bad_characters(text: str, encoding: str) -> str:
    return "".join(dict.fromkeys(c for c in text if not _representable(c, encoding)))


def _spellable(path: Path, encoding: str, what: str, *, short: bool) -> tuple[Path, str | None]:
    """``path`` if the code page can spell it, else (with ``short``) its 8.3 short path and a
    note; otherwise :class:`UnrepresentablePathError` with the fix."""
    if _representable(str(path), encoding):
        return path, None
    if short:
        alias = _windows_short_path(path)
        if alias is not None and _representable(str(alias), encoding):
            return alias, (
                f"{what}含有代码页 {encoding} 无法表示的字符，已改用 8.3 短路径 {alias}"
                f" / {what} is not representable in {encoding}: using its 8.3 short path"
            )
    bad = _bad_characters(str(path), encoding)
    fixes = (
        "在用户文件夹名只含常用汉字或英文字母的 Windows 账户下运行 Excel 和本命令"
        if not short
        else "把本项目（连同它的 .venv 虚拟环境）放到纯英文路径的文件夹，例如 C:\\shoprules，"
        "在该文件夹中重新运行 uv run shoprules addin install"
        "（该磁盘没有 8.3 短文件名，无法自动改用短路径）"
    )
    raise UnrepresentablePathError(
        f"{what} {path} 含有 Windows 系统代码页 {encoding} 无法表示的字符「{bad}」。"
        f"Excel 的 VBA 按该代码页读取配置和路径，这些字符会变成问号，加载项将找不到 Python。"
        f"解决办法：{fixes}。"
        f" / {what} {path} has characters ({bad}) that the Windows code page {encoding} cannot"
        f" represent; Excel's VBA reads the configuration and paths in that code page."
    )


@dataclass(frozen=True)
class InstallPlan:
    """Where the add-in and its configuration go, and what the configuration says."""

    source: Path
    addin: Path
    config: Path
    settings: dict[str, str] = field(default_factory=dict)
    #: The code page the configuration is written in (the VBA's ANSI code page).
    encoding: str = DEFAULT_CODE_PAGE
    #: What was adjusted for the code page (e.g. an 8.3 short path), one line each.
    notes: tuple[str, ...] = ()
    #: Why the VBA could not use this configuration (install refuses; remove still works).
    problems: tuple[str, ...] = ()


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
    encoding: str | None = None,
) -> InstallPlan:
    """The install plan for this user (paths are computed, nothing is touched).

    When the VBA could not read the user folder or the interpreter path in the code page
    ``encoding`` (default: :func:`ansi_code_page`), the reason and the fix go to ``problems``
    and :func:`apply_install` refuses.
    """
    encoding = encoding or ansi_code_page()
    home = home or Path(os.environ.get("USERPROFILE") or Path.home())
    appdata = appdata or Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    interpreter = interpreter or windows_interpreter()
    # The VBA builds the config path from Environ("USERPROFILE") and opens it with ANSI file
    # calls: no short-path way around an unspellable user folder.
    problems: list[str] = []
    note = None
    try:
        _spellable(home, encoding, "用户文件夹 / user folder", short=False)
    except UnrepresentablePathError as error:
        problems.append(str(error))
    try:
        interpreter, note = _spellable(interpreter, encoding, "Python 解释器路径", short=True)
    except UnrepresentablePathError as error:
        problems.append(str(error))
    return InstallPlan(
        source=source or bundled_addin(),
        addin=appdata / "Microsoft" / "Excel" / "XLSTART" / ADDIN_NAME,
        config=home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf",
        settings={"INTERPRETER_WIN": str(interpreter), "UDF MODULES": UDF_MODULES},
        encoding=encoding,
        notes=(note,) if note else (),
        problems=tuple(problems),
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


def read_config(path: Path, encoding: str) -> str:
    """A config file's text: UTF-8 (what earlier versions of this command wrote, BOM allowed)
    when it decodes as such, else the code page (what the VBA itself writes)."""
    if not path.exists():
        return ""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace")


def config_bytes(existing: str, settings: Mapping[str, str | None], encoding: str) -> bytes:
    """The merged config in the code page the VBA reads, with CRLF line ends; a value the code
    page cannot spell raises :class:`UnrepresentablePathError`."""
    text = merge_config(existing, settings)
    for line in text.splitlines():
        if not _representable(line, encoding):
            raise UnrepresentablePathError(
                f"配置行 {line} 含有代码页 {encoding} 无法表示的字符"
                f"「{_bad_characters(line, encoding)}」，Excel 的 VBA 无法读取；"
                f"请改用只含常用汉字或英文的路径。"
                f" / the config line cannot be written in {encoding}"
            )
    return text.replace("\n", "\r\n").encode(encoding)


def apply_install(plan: InstallPlan) -> list[Path]:
    """Copy the add-in into XLSTART and write the configuration; the files written."""
    if plan.problems:
        raise UnrepresentablePathError("\n".join(plan.problems))
    if not plan.source.is_file():
        raise FileNotFoundError(f"找不到加载项文件 {plan.source}，请先运行 shoprules addin build")
    data = config_bytes(read_config(plan.config, plan.encoding), plan.settings, plan.encoding)
    plan.addin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plan.source, plan.addin)
    plan.config.parent.mkdir(parents=True, exist_ok=True)
    plan.config.write_bytes(data)
    return [plan.addin, plan.config]


def apply_remove(plan: InstallPlan) -> list[Path]:
    """Remove the add-in from XLSTART and our keys from the configuration; what was removed."""
    removed = []
    if plan.addin.exists():
        plan.addin.unlink()
        removed.append(plan.addin)
    if plan.config.exists():
        existing = read_config(plan.config, plan.encoding)
        text = merge_config(existing, dict.fromkeys(OUR_KEYS))
        if text:
            plan.config.write_bytes(text.replace("\n", "\r\n").encode(plan.encoding, "replace"))
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
        f"写入配置（编码 {plan.encoding}，即 Excel VBA 读取时使用的系统代码页）"
        f" / write the configuration (encoding {plan.encoding}, the code page Excel's VBA"
        f" reads it in): {plan.config}",
        *(f'    "{k}","{v}"' for k, v in plan.settings.items()),
        *plan.notes,
        *(f"无法安装 / cannot install: {problem}" for problem in plan.problems),
    ]
