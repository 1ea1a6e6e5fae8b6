"""Generated orders for the audit cross-check and the benchmark: every platform, paid dates on
both sides of every damages version's ``since``, late and unshipped orders (out-of-stock stacking,
Tmall's combined cap), half-up and floor boundary amounts, bad rows and buyer personal data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from shoprules.formulas.fields import PLATFORMS
from shoprules.formulas.rulebook import load_rulebook

AS_OF = pd.Timestamp("2026-11-30 12:00")  # after every 2025–2026 version

# Base amounts (fen) at rounding boundaries: base × rate_bp ends in exactly 5000 for 5 %, 10 %
# and 30 %; floor-to-yuan edges for 10 % and 25 %; the clamp edges; binary-unfriendly yuan.
BOUNDARY_FEN = np.array(
    [
        1,
        5,
        10,
        15,
        25,
        30,
        35,
        50,
        90,
        110,
        115,
        267,
        268,
        1005,
        1010,
        1030,
        1050,
        1990,
        2005,
        9990,
        10000,
        10010,
        10015,
        12345,
        13100,
        13199,
        59990,
        60000,
        60010,
        99990,
        100000,
        100010,
        166665,
        166667,
        333335,
        999995,
        1000000,
        2000005,
        9999999,
    ],
    dtype="int64",
)


def since_dates() -> np.ndarray:
    book = load_rulebook()
    dates = [v.since for rule in book.damages.values() for v in rule.versions]
    dates += [v.since for rule in book.timers.values() for v in rule.versions]
    return np.array(sorted({d.to_datetime64() for d in dates}), dtype="datetime64[ns]")


def generate_orders(
    n: int = 5000, seed: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(orders, extra_columns, violation_log)`` for ``n`` orders."""
    rng = np.random.default_rng(seed)
    platform = np.array(PLATFORMS, dtype=object)[rng.integers(0, len(PLATFORMS), n)]
    sinces = since_dates()
    around = sinces[rng.integers(0, len(sinces), n)]
    offset = rng.integers(-60 * 24 * 3600, 60 * 24 * 3600, n).astype("timedelta64[s]")
    paid = (around + offset).astype("datetime64[ns]")
    paid[rng.random(n) < 0.01] = np.datetime64("NaT")
    delay_h = rng.choice([1, 20, 47, 49, 60, 73, 100, 130, 200, 400], n) + rng.random(n)
    shipped = paid + (delay_h * 3600).astype("timedelta64[s]")
    unshipped = rng.random(n) < 0.25
    shipped[unshipped] = np.datetime64("NaT")
    picked = np.where(rng.random(n) < 0.3, shipped + np.timedelta64(2, "h"), np.datetime64("NaT"))
    base = np.where(
        rng.random(n) < 0.4,
        BOUNDARY_FEN[rng.integers(0, len(BOUNDARY_FEN), n)],
        rng.integers(1, 300_000, n),
    )
    amount = pd.array(base, dtype="Int64")
    amount[rng.random(n) < 0.01] = pd.NA
    amount[rng.random(n) < 0.003] = -500
    platform[rng.random(n) < 0.005] = "amazon"
    signed = np.where(~unshipped, shipped + np.timedelta64(50, "h"), np.datetime64("NaT"))
    titles = np.array(
        ["T恤", '=HYPERLINK("http://x","券")', "+1", "@SUM(A1)", "-2+3", "耳机"], dtype=object
    )
    orders = pd.DataFrame(
        {
            "order_id": [f"{4000000000000000000 + i}" for i in range(n)],
            "platform": platform,
            "title": titles[rng.integers(0, len(titles), n)],
            "paid_amount": amount,
            "paid_at": paid,
            "shipped_at": shipped.astype("datetime64[ns]"),
            "picked_up_at": picked.astype("datetime64[ns]"),
            "signed_at": signed.astype("datetime64[ns]"),
            "complaint_upheld": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            "paid_before_ruling": pd.array(rng.random(n) < 0.3, dtype="boolean"),
        }
    )
    surnames = np.array(["张", "李", "王", "欧阳", "=cmd|' /C calc'!A0"], dtype=object)
    extra = pd.DataFrame(
        {
            "收货人姓名": surnames[rng.integers(0, len(surnames), n)] + "小明",
            "联系手机": [f"13{d:09d}" for d in rng.integers(0, 10**9, n)],
            "收货地址": np.where(
                rng.random(n) < 0.5,
                "浙江省杭州市西湖区文三路 100 号",
                "北京市朝阳区建国路 8 号 1 单元",
            ),
            "买家会员名": [f"buyer_{i}" for i in range(n)],
            "买家留言": np.where(rng.random(n) < 0.1, "请打我电话 13912345678", ""),
        }
    )
    douyin = np.flatnonzero(platform == "douyin")[:20]
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-01"] * len(douyin)),
            "platform": "douyin",
            "violation": "after_sale_violation",
            "order_id": orders["order_id"].to_numpy()[douyin],
            "note": "售后超时",
        }
    )
    taobao = np.flatnonzero(platform == "taobao")[:6]
    log = pd.concat(
        [
            log,
            pd.DataFrame(
                {
                    "date": pd.to_datetime([f"2024-0{m}-10" for m in range(1, 7)][: len(taobao)]),
                    "platform": "taobao",
                    "violation": "buyer_info_leak",
                    "order_id": orders["order_id"].to_numpy()[taobao],
                    "note": "泄露买家电话 13812345678",
                }
            ),
        ],
        ignore_index=True,
    )
    return orders, extra, log
