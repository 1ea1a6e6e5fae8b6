"""Engine benchmark: every result column for N synthetic orders, vectorised engine versus a plain
per-row Python loop over the same rows, side by side in one run.

    uv run python bench/bench_engine.py            # 1,000,000 rows vectorised; loop on 100,000
    uv run python bench/bench_engine.py --loop-rows 1000000
    uv run python bench/bench_engine.py --recent   # paid 2023-06 … 2026-06: the 2025–2026 tiers and caps

The loop is the independent scalar implementation (tests/engine/scalar_reference.py) that the
differential test proves equal to the engine, and it computes the same result columns: 发货截止,
发货状态 (with 即将超时 and 无需发货), 延迟小时, 违约金 (out-of-stock stacking, same-day caps,
once per order, less 已赔付) and its 违约金依据 text, 平台扣款, 扣分, 退货截止, 退货状态, 运费承担,
售后截止 and 售后时效状态. Only 数据问题 (the problem texts) and the audit detail, points ledger and
campaign eligibility are engine-only. It is what a per-row macro or script does. Both run
once on 1,000 rows before the timing (one-off costs of the process, not per-row work).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (shared test data)

from shoprules.formulas.engine import compute
from shoprules.formulas.rulebook import load_rulebook

from tests.engine.scalar_reference import compute_rows
from tests.factories import bulk_orders


def loop_compute(orders: pd.DataFrame, as_of: dt.datetime) -> list[dict[str, object]]:
    """The same rules one row at a time: the independent scalar implementation that the
    differential test checks the engine against (tests/engine/scalar_reference.py)."""
    book = load_rulebook()
    records = orders.astype(object).where(orders.notna(), None).to_dict("records")
    rows = [
        {k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for k, v in r.items()}
        for r in records
    ]
    return compute_rows(book, rows, as_of)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=100_000)
    parser.add_argument(
        "--recent",
        action="store_true",
        help="orders two years later (2023-06 … 2026-06, as of 2026-07-01): tiers and same-day caps",
    )
    args = parser.parse_args()
    as_of = pd.Timestamp("2026-07-01" if args.recent else "2024-07-01")
    load_rulebook()
    orders = bulk_orders(args.rows, seed=7)
    if args.recent:
        for name in ("paid_at", "shipped_at", "signed_at", "refund_requested_at"):
            orders[name] = orders[name] + pd.Timedelta(days=730)
        orders["buyer_id"] = "b" + (orders.index % 5000).astype(str)
    subset = orders.iloc[: args.loop_rows].reset_index(drop=True)
    # Both sides once on 1,000 rows first: the one-off costs of a process (lazy imports, the
    # empty points ledger built once) are not per-row work.
    warm = orders.iloc[:1000].reset_index(drop=True)
    compute(warm, as_of=as_of)
    loop_compute(warm, as_of.to_pydatetime())

    t0 = time.perf_counter()
    compute(subset, as_of=as_of)
    vector_subset = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop_compute(subset, as_of.to_pydatetime())
    loop_subset = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = compute(orders, as_of=as_of)
    vector_full = time.perf_counter() - t0

    print(f"engine benchmark — {args.rows:,} synthetic orders, 6 platforms, as of {as_of:%Y-%m-%d}")
    print(f"{'':32}{'rows':>12}{'seconds':>10}{'rows/s':>14}")
    print(
        f"{'per-row Python loop':32}{len(subset):>12,}{loop_subset:>10.2f}{len(subset) / loop_subset:>14,.0f}"
    )
    print(
        f"{'vectorised engine (all columns)':32}{len(subset):>12,}{vector_subset:>10.2f}{len(subset) / vector_subset:>14,.0f}"
    )
    print(
        f"{'vectorised engine (all columns)':32}{len(orders):>12,}{vector_full:>10.2f}{len(orders) / vector_full:>14,.0f}"
    )
    print(f"speed-up at {len(subset):,} rows: {loop_subset / vector_subset:.1f}×")
    print(
        f"late rows: {int(result.results['ship_status'].isin(['延迟发货', '超时未发货']).sum()):,}; damages total: {int(result.results['damages'].sum()) / 100:,.2f} yuan"
    )


if __name__ == "__main__":
    main()
