"""The shared test data is reproducible: same seed, same data; the examples in its docs run."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest
from shoprules.workbook.readers import read_rows

from tests import factories


def test_docstring_examples() -> None:
    result = doctest.testmod(factories, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_same_seed_same_frames() -> None:
    pd.testing.assert_frame_equal(
        factories.rule_edge_orders(50, seed=4), factories.rule_edge_orders(50, seed=4)
    )
    for first, again in zip(factories.audit_orders(50), factories.audit_orders(50), strict=True):
        pd.testing.assert_frame_equal(first, again)
    assert not factories.bulk_orders(50, seed=1).equals(factories.bulk_orders(50, seed=2))


def test_platform_mix() -> None:
    orders = factories.bulk_orders(200, platforms=["jd", "pdd"])
    assert set(orders["platform"]) == {"jd", "pdd"}


def test_export_rows_fit_their_layout() -> None:
    for layout in ("shop_wide", "order_export", "douyin"):
        rows = list(factories.export_rows(layout, 5, seed=1))
        assert {len(row) for row in rows} == {len(factories.LAYOUTS[layout])}
    assert {len(row) for row in factories.shop_rows()} == {len(factories.SHOP_HEADER)}


@pytest.mark.parametrize("platform", sorted(factories.PLATFORM_LAYOUTS))
def test_platform_export_rows_read_back_to_the_same_orders(platform: str) -> None:
    orders = factories.bulk_orders(200, seed=2, platforms=[platform])
    header, rows = factories.platform_export_rows(orders, platform, postage_fen=600)
    given = platform if platform == "tmall" else None
    table: list[list[object]] = [list(header), *rows]
    result = read_rows(table, platform=given)
    assert (result.problems == "").all()
    assert set(result.orders["platform"]) == {platform}
    fields = ["order_id", "paid_amount", "paid_at", "shipped_at", "signed_at"]
    fields.append("refund_requested_at")
    pd.testing.assert_frame_equal(
        result.orders[fields].reset_index(drop=True), orders[fields], check_dtype=False
    )
