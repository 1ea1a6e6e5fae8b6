"""Command line of the workbook layer: ``recompute``, ``rules``, ``demo``, ``audit``, ``version``.

The console script is :mod:`shoprules.addin.cli`, which adds the ``addin`` commands to this
:data:`app` (imports run addin → workbook → formulas).
"""

from __future__ import annotations

from . import audit, demo, recompute, rules
from .app import app, version

# registered in the order ``shoprules --help`` lists them
for _command in (recompute.recompute, rules.rules, demo.demo, audit.audit, version):
    app.command()(_command)

__all__ = ["app"]
