"""Shared fixtures of the add-in tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def template_xlam() -> Path:
    """xlwings' own quickstart ribbon add-in (the build's template)."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


@pytest.fixture(scope="session")
def template_vba(template_xlam: Path) -> bytes:
    with zipfile.ZipFile(template_xlam) as z:
        return z.read("xl/vbaProject.bin")
