"""Engine benchmark: every result column for N synthetic orders, vectorised engine versus a plain
per-row Python loop over the same rows, side by side in one run.

    uv run python bench/bench_engine.py            # 1,000,000 rows vectorised; loop on 200,000
    uv run python bench/bench_engine.py --loop-rows 1000000

The loop is a straightforward scalar implementation of the same rules (ship-by deadline, status,
hours late, damages with clamping and half-up rounding, 7-day window and status) reading the same
rulebook; it is what a per-row spreadsheet macro or a naive script does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd
from shoprules.formulas.engine import compute
from shoprules.formulas.rulebook import load_rulebook

PLATFORMS = np.array(["taobao", "tmall", "pdd", "douyin", "kuaishou", "jd"], dtype=object)


def synthetic_orders(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2021-06-01T00:00:00", "s")
    paid = start + rng.integers(0, 3 * 365 * 86400, n).astype("timedelta64[s]")
    ship_delay = rng.gamma(2.0, 18.0, n) * 3600
    shipped = paid + ship_delay.astype("int64").astype("timedelta64[s]")
    shipped[rng.random(n) < 0.05] = np.datetime64("NaT")
    signed = shipped + rng.integers(24 * 3600, 5 * 86400, n).astype("timedelta64[s]")
    requested = signed + rng.integers(0, 10 * 86400, n).astype("timedelta64[s]")
    requested[rng.random(n) < 0.8] = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "order_id": np.arange(n).astype(str),
            "platform": PLATFORMS[rng.integers(0, len(PLATFORMS), n)],
            "paid_amount": pd.array(rng.integers(100, 200_000, n), dtype="Int64"),
            "paid_at": paid.astype("datetime64[ns]"),
            "shipped_at": shipped.astype("datetime64[ns]"),
            "signed_at": signed.astype("datetime64[ns]"),
            "refund_requested_at": requested.astype("datetime64[ns]"),
        }
    )


def loop_compute(orders: pd.DataFrame, as_of: dt.datetime) -> list[tuple[object, ...]]:
    """The same rules, one row at a time."""
    book = load_rulebook()
    out = []
    for platform, amount, paid, shipped, signed, requested in zip(
        orders["platform"].tolist(),
        orders["paid_amount"].tolist(),
        orders["paid_at"].dt.to_pydatetime().tolist(),
        orders["shipped_at"].dt.to_pydatetime().tolist(),
        orders["signed_at"].dt.to_pydatetime().tolist(),
        orders["refund_requested_at"].dt.to_pydatetime().tolist(),
        strict=True,
    ):
        rule = book.timers[f"{platform}.ship_by"]
        version = None
        for candidate in rule.versions:
            if candidate.since.to_pydatetime() <= paid:
                version = candidate
        deadline = (
            paid + dt.timedelta(hours=version.params["durations"]["default"].hours)
            if version
            else None
        )
        status, hours, damages = None, None, 0
        if deadline is not None:
            shipped_ok = shipped is not None and shipped == shipped and shipped <= as_of
            stop = shipped if shipped_ok else as_of
            late = stop > deadline
            status = (
                ("延迟发货" if late else "按时发货")
                if shipped_ok
                else ("超时未发货" if late else "待发货")
            )
            hours = round((stop - deadline).total_seconds() / 3600, 1) if late else 0.0
            if late:
                drule = book.damages.get(f"{platform}.late_shipment")
                dver = None
                for candidate in drule.versions if drule else ():
                    if candidate.since.to_pydatetime() <= paid:
                        dver = candidate
                if dver is not None:
                    p = dver.params
                    if p["kind"] == "flat":
                        damages = p["amount"]
                    else:
                        raw = amount * p["rate"]
                        value = (
                            (raw // 1_000_000) * 100
                            if p["rounding"] == "floor_yuan"
                            else (raw + 5000) // 10000
                        )
                        damages = min(max(value, p["min"]), p["max"])
        return_by, return_status = None, "未签收"
        if signed is not None and signed == signed:
            return_by = dt.datetime(signed.year, signed.month, signed.day) + dt.timedelta(
                days=1, hours=168
            )
            if requested is not None and requested == requested:
                return_status = "申请及时" if requested < return_by else "申请逾期"
            else:
                return_status = "可退货" if as_of < return_by else "已过期"
        out.append((deadline, status, hours, damages, return_by, return_status))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=200_000)
    args = parser.parse_args()
    as_of = pd.Timestamp("2024-07-01")
    load_rulebook()
    orders = synthetic_orders(args.rows)
    subset = orders.iloc[: args.loop_rows].reset_index(drop=True)

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
    print(
        f"speed-up at {len(subset):,} rows: {loop_subset / vector_subset:.1f}× (the loop computes fewer columns)"
    )
    print(
        f"late rows: {int(result.results['ship_status'].isin(['延迟发货', '超时未发货']).sum()):,}; damages total: {int(result.results['damages'].sum()) / 100:,.2f} yuan"
    )


if __name__ == "__main__":
    main()
