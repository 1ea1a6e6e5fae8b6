"""The PII corpus (pii_cases.csv: form, header, value, expected) through the one masking policy."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from shoprules.workbook.masking import (
    KIND_LABELS,
    header_family,
    mask_column,
    mask_frame,
    personal_kind,
    scrub,
)

CORPUS = Path(__file__).with_name("pii_cases.csv")


def _cases() -> list[tuple[str, str, str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return [(r["form"], r["header"], r["value"], r["expected"]) for r in csv.DictReader(f)]


CASES = _cases()

#: Every form the policy must cover (issue 12); the corpus holds at least one case of each.
REQUIRED_FORMS = (
    "name",
    "phone",
    "phone apostrophe",
    "phone +86 dashes",
    "phone 0086",
    "phone full-width +86",
    "phone dots",
    "phone spaces",
    "phone Chinese numerals",
    "phone 幺",
    "address",
    "province kept",
    "city kept",
    "district kept",
    "street",
    "street detail",
    "account",
    "account email",
    "QQ",
    "WeChat",
    "ID 18 X",
    "ID 15",
    "invoice person",
    "invoice company",
    "combined commas",
    "combined spaces",
    "combined labels",
    "text phone",
    "text full-width",
    "text dots",
    "text dashes",
    "text +86",
    "text 0086 dashes",
    "text Chinese numerals",
    "text 幺",
    "text ID 18 X",
    "text ID 18 x",
    "text ID 15",
    "text order id kept",
    "id",
    "flag",
    "amount",
    "time",
    "status",
)


def test_corpus_covers_every_form() -> None:
    forms = {form for form, *_ in CASES}
    assert not set(REQUIRED_FORMS) - forms
    assert len(CASES) >= 120


@pytest.mark.parametrize(
    ("form", "header", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_case(form: str, header: str, value: str, expected: str) -> None:
    masked, kinds = mask_frame(pd.DataFrame({header: [value]}))
    assert masked.iloc[0, 0] == expected
    family = header_family(header)
    assert (header in kinds) == (family in KIND_LABELS)
    if form.startswith(("id", "flag", "enum", "amount", "count", "time", "status")):
        assert family == "never"
        assert personal_kind(header) is None


def test_corpus_column_wise() -> None:
    """All values of one header in one column give the same result as one by one."""
    by_header: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, header, value, expected in CASES:
        by_header[header].append((value, expected))
    frame = pd.DataFrame(
        {h: pd.Series([v for v, _ in rows], dtype=object) for h, rows in by_header.items()}
    )
    masked, _ = mask_frame(frame)
    for header, rows in by_header.items():
        got = masked[header].iloc[: len(rows)].tolist()
        assert got == [e for _, e in rows], header


def test_free_text_cases_through_scrub() -> None:
    """The free-text scrubber on its own gives what mask_frame gives a free-text column."""
    for form, _, value, expected in CASES:
        if form.startswith("text"):
            assert scrub(value) == expected, (form, value)


def test_blanks_and_non_text_cells_stay() -> None:
    values = pd.Series(["张三", None, float("nan"), "", "  "], dtype=object)
    out = mask_column(values, "name")
    assert out.iloc[0] == "张**"
    assert pd.isna(out.iloc[1])
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == ""
    assert out.iloc[4] == "  "
    notes = pd.Series(["电话13812345678", 13812345678, None, 1.5], dtype=object)
    masked, _ = mask_frame(pd.DataFrame({"买家留言": notes}))
    assert masked["买家留言"].tolist()[:3] == ["电话138****5678", 13812345678, None]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的个人信息类别"):
        mask_column(pd.Series(["x"]), "passport")


def test_every_kind_has_a_label() -> None:
    kinds = {header_family(h) for _, h, _, _ in CASES} - {"never", "text", None}
    assert kinds <= set(KIND_LABELS)
    assert set(KIND_LABELS) <= kinds
