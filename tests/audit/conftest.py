"""Audit workbooks built once per session (the engine run and the export are the slow part)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from shoprules.formulas.engine import EngineResult, compute
from shoprules.workbook.audit import AuditReport, AuditSource, audit_book, export_audit

from tests.factories import AUDIT_AS_OF, audit_orders

from .recalc import soffice

CREATED = dt.datetime(2026, 1, 1, 8, 0, 0)


@dataclass
class Built:
    path: Path
    report: AuditReport
    engine: EngineResult
    orders: pd.DataFrame


def source(n: int, as_of: pd.Timestamp = AUDIT_AS_OF) -> AuditSource:
    return AuditSource(
        file_name="generated.xlsx",
        sha256="0" * 64,
        rows_read=n,
        sheet="订单",
        as_of=as_of,
        rules_as_of=None,
        tool_version="test",
        created_at=CREATED,
    )


def build_generated(out: Path, n: int = 5000, *, unmask: bool = False) -> Built:
    orders, extra, log = audit_orders(n)
    engine = compute(orders, as_of=AUDIT_AS_OF, violation_log=log)
    report = export_audit(
        out,
        orders=orders,
        engine=engine,
        input_problems=None,
        source=source(n),
        unmask=unmask,
        extra_columns=extra,
    )
    return Built(out, report, engine, orders)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_generated(tmp_path_factory.mktemp("audit") / "generated.audit.xlsx")


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoprules.workbook.demo import DEMO_AS_OF, build_demo

    directory = tmp_path_factory.mktemp("demo")
    built = build_demo(directory)
    out = directory / "demo-shop.audit.xlsx"
    audit_book(built.path, out, as_of=pd.Timestamp(DEMO_AS_OF), created_at=CREATED)
    return out


needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) 未安装")
