"""Every public docstring example in the package runs."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest
import shoprules.addin
import shoprules.formulas
import shoprules.workbook

SKIP = {"shoprules.addin.udfs", "shoprules.addin.ribbon"}  # need xlwings' Windows runtime at import


def _modules() -> list[str]:
    names = []
    for package in (shoprules.formulas, shoprules.workbook, shoprules.addin):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            names.append(info.name)
    return [n for n in names if n not in SKIP]


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
