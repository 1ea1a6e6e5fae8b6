"""The audit workbook without LibreOffice: sheets, formulas, masking, injection, determinism."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from shoprules.workbook.audit import SHEETS, export_audit

from tests.factories import AUDIT_AS_OF, audit_orders

from .conftest import CREATED, Built, source

FORMULA_HEADERS = {"延迟发货金额", "缺货违约金", "违约金", "平台扣款"}


def _text(value: object) -> str:
    """A cell value that must be text."""
    assert isinstance(value, str), value
    return value


def _xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def test_sheets_headers_and_cached_values(generated: Built) -> None:
    book = openpyxl.load_workbook(generated.path, data_only=True)
    assert book.sheetnames == list(SHEETS)
    detail = book["明细"]
    assert detail.freeze_panes == "A2"
    assert detail.auto_filter.ref
    headers = [c.value for c in detail[1]]
    cols = generated.report.detail_columns
    assert headers[cols["违约金"]] == "违约金"
    fen = generated.engine.results["damages"]
    values = [row[cols["违约金"]].value for row in detail.iter_rows(min_row=2)]
    for engine_fen, value in zip(fen.tolist(), values, strict=True):
        if engine_fen is pd.NA:
            assert value is None
        else:
            assert isinstance(value, int | float), value
            assert round(value * 100) == engine_fen


def test_rules_sheet_ends_with_each_versions_last_day_and_checked_date(generated: Built) -> None:
    """Issue #10: 有效至 (the last day in force, as ``shoprules rules`` prints it) and 核对日期
    are the last columns of both version tables; the columns the 明细 formulas use stay put."""
    import datetime as dt

    from shoprules.formulas.rulebook import load_rulebook
    from shoprules.workbook.audit.rules_sheet import RULE_HEADERS

    assert RULE_HEADERS[-2:] == ("有效至", "核对日期")
    assert RULE_HEADERS.index("取整") == 9  # column J, as the formulas reference it
    sheet = openpyxl.load_workbook(generated.path, data_only=True)["规则"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][-2:] == ["有效至", "核对日期"]
    damages_rows = rows[1 : next(i for i, row in enumerate(rows) if row[0] is None)]
    by_label = {row[0]: row for row in damages_rows}
    versions = {v.label: v for v in load_rulebook().all_versions()}
    seed = by_label["taobao.late_shipment@2016-07-21"]
    assert seed[len(RULE_HEADERS) - 2 :] == [dt.datetime(2019, 8, 25), dt.datetime(2026, 12, 1)]
    assert versions["taobao.late_shipment@2016-07-21"].span.endswith("2019-08-25")
    other_header = next(i for i, row in enumerate(rows) if row[0] == "规则版本" and i > 0)
    width = len([v for v in rows[other_header] if v is not None])
    assert rows[other_header][width - 2 : width] == ["有效至", "核对日期"]
    checked_rows = 0
    for row in rows[other_header + 1 :]:
        if str(row[0]) not in versions:
            break
        version = versions[str(row[0])]
        checked_rows += 1
        last_day = None if version.until is None else version.until - pd.Timedelta(days=1)
        assert row[width - 2] == (None if last_day is None else last_day.to_pydatetime())
        assert row[width - 1] == (
            None if version.checked is None else version.checked.to_pydatetime()
        )
    assert checked_rows > 5


def test_formulas_only_in_money_columns(generated: Built) -> None:
    book = openpyxl.load_workbook(generated.path)
    detail = book["明细"]
    headers = [c.value for c in detail[1]]
    seen = set()
    for row in detail.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f" and cell.column is not None:
                seen.add(headers[cell.column - 1])
    assert seen == FORMULA_HEADERS
    titles = [
        row[generated.report.detail_columns["商品标题"]] for row in detail.iter_rows(min_row=2)
    ]
    injected = [c for c in titles if str(c.value).startswith(("=", "+", "-", "@"))]
    assert injected
    assert all(c.data_type == "s" for c in injected)


def test_buyer_data_masked_by_default(generated: Built) -> None:
    text = _xml_text(generated.path)
    assert "13912345678" not in text
    assert "13812345678" not in text
    assert "文三路" not in text
    assert "buyer_123" not in text
    assert "张小明" not in text
    book = openpyxl.load_workbook(generated.path)
    detail = book["明细"]
    cols = generated.report.detail_columns
    row = next(detail.iter_rows(min_row=2, max_row=2))
    assert _text(row[cols["收货人姓名"]].value).endswith("**")
    assert "****" in _text(row[cols["联系手机"]].value)
    assert _text(row[cols["收货地址"]].value).endswith("区***")
    assert row[cols["收货人姓名"]].data_type == "s"
    sources = {r[0].value: r[1].value for r in book["来源"].iter_rows(min_row=2)}
    assert _text(sources["个人信息"]).startswith("已脱敏")


def test_unmask_keeps_data_and_says_so(tmp_path: Path) -> None:
    orders, extra, log = audit_orders(200)
    from shoprules.formulas.engine import compute

    engine = compute(orders, as_of=AUDIT_AS_OF, violation_log=log)
    out = tmp_path / "unmasked.xlsx"
    export_audit(
        out,
        orders=orders,
        engine=engine,
        source=source(200),
        unmask=True,
        extra_columns=extra,
    )
    book = openpyxl.load_workbook(out)
    sources = {r[0].value: r[1].value for r in book["来源"].iter_rows(min_row=2)}
    assert _text(sources["个人信息"]).startswith("未脱敏")
    assert "文三路" in _xml_text(out)


def test_deterministic_except_created_at(tmp_path: Path) -> None:
    orders, extra, log = audit_orders(300)
    from dataclasses import replace

    from shoprules.formulas.engine import compute

    engine = compute(orders, as_of=AUDIT_AS_OF, violation_log=log)
    paths = []
    for i, created in enumerate([CREATED, CREATED, CREATED.replace(year=2030)]):
        out = tmp_path / f"run{i}.xlsx"
        export_audit(
            out,
            orders=orders,
            engine=engine,
            source=replace(source(300), created_at=created),
            extra_columns=extra,
        )
        paths.append(out)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    a, b = (openpyxl.load_workbook(p) for p in paths[1:])
    differ = [
        (name, ca.coordinate)
        for name in a.sheetnames
        for ra, rb in zip(a[name].iter_rows(), b[name].iter_rows(), strict=True)
        for ca, cb in zip(ra, rb, strict=True)
        if ca.value != cb.value
    ]
    assert len(differ) == 1
    assert differ[0][0] == "来源"


def test_boundary_amounts_present(generated: Built) -> None:
    base = generated.orders["paid_amount"].astype("Int64").fillna(0).to_numpy(dtype="int64")
    late = generated.engine.detail["late_rule"].astype(str).str.contains("@")
    assert ((base * 500) % 10000 == 5000)[late.to_numpy()].any()
    assert ((base * 3000) % 10000 == 5000)[late.to_numpy()].any()
    assert (generated.engine.detail["oos_fen"] > 0).any()
    labels = set(generated.engine.detail["late_rule"]) | set(generated.engine.detail["oos_rule"])
    book = generated.engine.rulebook
    for rule_id in ("late_shipment", "out_of_stock"):
        for key, rule in book.damages.items():
            if key.endswith(rule_id):
                assert {v.label for v in rule.versions} <= labels, key
    assert np.isin(
        ["taobao", "tmall", "pdd", "douyin", "kuaishou", "jd"], generated.orders["platform"]
    ).all()


def test_problem_sheet_lists_problems_and_counts_notes(generated: Built) -> None:
    """数据问题 lists the rows with a real problem (the count 来源 and the exit code use) and
    counts each 提示 note instead of listing its rows: a note changes no figure."""
    from shoprules.formulas.calculators.lifecycle import NOTE, is_problem
    from shoprules.workbook.audit.problems import NOTES_TITLE

    texts = generated.engine.results["problems"].fillna("").astype(str)
    real = int(texts.map(is_problem).sum())
    noted = int(texts.str.contains(NOTE, regex=False).sum())
    assert real == generated.report.problem_rows == generated.engine.problem_rows
    assert noted > 0, "the generated orders carry notes (no 揽收时间 on some rows)"
    book = openpyxl.load_workbook(generated.path, read_only=True)
    rows = list(book["数据问题"].iter_rows(values_only=True))
    table = rows[1 : 1 + real]
    assert len(table) == real
    assert all(is_problem(r[-1]) for r in table)
    title = next(i for i, r in enumerate(rows) if r[0] == NOTES_TITLE)
    counts = {str(r[1]): int(str(r[0])) for r in rows[title + 2 :] if r[1]}
    assert sum(counts.values()) >= noted
    assert all(str(note).startswith(NOTE) for note in counts)
