"""The audit workbook (SPEC §6): every figure with its rule version, source and a live formula.

Sheets: ``概览`` (per platform × month, SUMIFS/COUNTIFS over ``明细``, native charts), ``明细``
(every order; the damages cells are formulas on the ``规则`` parameters, written with their cached
values), ``扣分台账`` (points ledger, campaign eligibility), ``规则`` (every damages version,
the other versions used, overrides), ``数据问题`` and ``来源`` (input file, SHA-256, versions).

The formulas compute in fen exactly like :func:`shoprules.formulas.damages.version_amounts`:
``ROUND(ROUND(amount*100,0)*ROUND(rate*10000,0)/10000,0)`` is half-up on an exact integer
quotient (``n.5`` is exact in binary), ``INT(…/1000000)*100`` floors to whole yuan; then the
clamp to [min, max]. Text from orders is always written as a string (no formula injection).
Buyer personal data is masked unless ``unmask``.

Modules: ``export`` (:func:`export_audit`, :func:`audit_book`), one per sheet (``overview``,
``details``, ``ledger``, ``rules_sheet``, ``problems``, ``source``), ``formulas`` (the damages
formula text), ``book`` (formats and the table writer) and ``values`` (values as cell lists).
"""

from .export import AUDIT_STEPS, SHEETS, AuditReport, Progress, audit_book, export_audit
from .source import AuditSource, file_sha256, tool_version

__all__ = [
    "AUDIT_STEPS",
    "SHEETS",
    "AuditReport",
    "AuditSource",
    "Progress",
    "audit_book",
    "export_audit",
    "file_sha256",
    "tool_version",
]
