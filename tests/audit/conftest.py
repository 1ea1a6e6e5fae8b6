"""Audit workbooks built once per session (the engine run and the export are the slow part)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from shoprules.formulas.engine import EngineResult, compute
from shoprules.workbook.audit import AuditReport, AuditSource, audit_book, export_audit

from tests.factories import (
    AUDIT_AS_OF,
    ORDER_EXPORT_HEADER,
    SHOP_WIDE_HEADER,
    audit_orders,
    export_rows,
    write_workbook,
)

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


def recompute_then_audit(book: Path, out: Path, as_of: pd.Timestamp, sheets: list[str]) -> Path:
    """The demo's (and the ribbon's) path: recompute every order sheet in place, then audit."""
    from shoprules.workbook.recompute import recompute_book

    for sheet in sheets:
        recompute_book(book, sheet=sheet, as_of=as_of, keep_backup=False)
    audit_book(book, out, as_of=as_of, created_at=CREATED)
    return out


@pytest.fixture(scope="session")
def recomputed_demo_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoprules.workbook.demo import DEMO_AS_OF, build_demo

    directory = tmp_path_factory.mktemp("demo-recomputed")
    built = build_demo(directory)
    return recompute_then_audit(
        built.path,
        directory / "demo-shop.audit.xlsx",
        pd.Timestamp(DEMO_AS_OF),
        list(built.order_sheets),
    )


GENERATED_AS_OF = pd.Timestamp("2024-07-01 09:00")


def recomputed_generated(folder: Path, layout: str, n: int) -> Path:
    """A generated order workbook (``shop_wide`` or ``order_export`` rows), recomputed, audited."""
    header = {"shop_wide": SHOP_WIDE_HEADER, "order_export": ORDER_EXPORT_HEADER}[layout]
    book = write_workbook(
        folder / f"{layout}.xlsx",
        export_rows(layout, n, seed=5, as_of=GENERATED_AS_OF.to_pydatetime()),
        header=header,
    )
    return recompute_then_audit(book, folder / f"{layout}.audit.xlsx", GENERATED_AS_OF, ["订单"])


needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) 未安装")
