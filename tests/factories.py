"""Test data shared by tests/ and bench/: canonical order frames (``rule_edge_orders``,
``audit_orders``, ``bulk_orders``), raw export rows in each platform's header layout
(``platform_export_rows``) or a generated sheet's (``export_rows``), and .xlsx workbooks written
from rows (``write_workbook``). The same seed always gives the same data.

Tests import it as ``tests.factories``; bench scripts put the repository root on ``sys.path``
first. Not test data: the demo shop (``shoprules.workbook.demo``), which users see.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from shoprules.formulas.fields import PLATFORMS
from shoprules.formulas.rulebook import load_rulebook
from xlsxwriter.workbook import Workbook

#: A cell value as the workbook writer takes it (``None`` and ``""`` leave the cell empty).
Cell = str | int | float | dt.datetime | None
#: A row of cells (``list[object]``, so rows go straight to the readers' ``read_rows``).
Row = list[object]

# --------------------------------------------------------------------------------------------
# Canonical order frames (the engine's input columns)

#: "Now" for the audit orders: after every packaged rule version.
AUDIT_AS_OF = pd.Timestamp("2026-11-30 12:00")

# Base amounts (fen) at rounding boundaries: base × rate_bp ends in exactly 5000 for 5 %, 10 %
# and 30 %; floor-to-yuan edges for 10 % and 25 %; the clamp edges; binary-unfriendly yuan.
BOUNDARY_FEN = np.array(
    [
        1, 5, 10, 15, 25, 30, 35, 50, 90, 110, 115, 267, 268, 1005, 1010, 1030, 1050, 1990, 2005,
        9990, 10000, 10010, 10015, 12345, 13100, 13199, 59990, 60000, 60010, 99990, 100000,
        100010, 166665, 166667, 333335, 999995, 1000000, 2000005, 9999999,
    ],
    dtype="int64",
)  # fmt: skip

GOODS = np.array(
    ["normal", "normal", "normal", "direct_supply", "direct_mail", "presale", "custom"],
    dtype=object,
)
#: Buyer ids (blank, padded and repeated ones) so the same-buyer same-day caps group rows.
BUYERS = np.array([None, "", " b1 ", "b1", "b2", "b3", "b4", "买家5"], dtype=object)
REFUND_REASONS = np.array(
    [None, "质量问题", "不喜欢", "其他原因", "填错地址", "拒收", "两件包邮退一件", "seller", "尺码不合适"],
    dtype=object,
)  # fmt: skip


def rule_version_dates() -> list[pd.Timestamp]:
    """Every damages and timer version's ``since`` (and the day after its ``until``) in the
    packaged rulebook, sorted, once each."""
    book = load_rulebook()
    versions = [
        v for table in (book.damages, book.timers) for r in table.values() for v in r.versions
    ]
    dates = [v.since for v in versions] + [v.ends for v in versions if v.ends is not None]
    return sorted(set(dates))


def rule_edge_orders(n: int, seed: int, platforms: Sequence[str] = PLATFORMS) -> pd.DataFrame:
    """``n`` orders with every engine input column, half of them paid within three days of a rule
    version's ``since``; missing values, negative amounts and odd refund reasons included.

    >>> rule_edge_orders(3, seed=1).shape
    (3, 16)
    """
    rng = np.random.default_rng(seed)
    base_days = np.array([(s - pd.Timestamp("1970-01-01")).days for s in rule_version_dates()])
    near = base_days[rng.integers(0, len(base_days), n)] + rng.integers(-3, 3, n)
    spread = rng.integers(16_000, 20_700, n)
    days = np.where(rng.random(n) < 0.5, near, spread)
    paid = (
        (days.astype("int64") * 86400 + rng.integers(0, 86400, n))
        .astype("datetime64[s]")
        .astype("datetime64[ns]")
    )
    delay = (rng.gamma(2.0, 20.0, n) * 3600).astype("int64").astype("timedelta64[s]")
    shipped = paid + delay
    shipped[rng.random(n) < 0.1] = np.datetime64("NaT")
    picked = shipped + rng.integers(0, 80 * 3600, n).astype("timedelta64[s]")
    picked[rng.random(n) < 0.5] = np.datetime64("NaT")
    signed = shipped + rng.integers(3600, 6 * 86400, n).astype("timedelta64[s]")
    requested = signed + rng.integers(0, 9 * 86400, n).astype("timedelta64[s]")
    requested[rng.random(n) < 0.6] = np.datetime64("NaT")
    promised = paid + rng.integers(3600, 10 * 86400, n).astype("timedelta64[s]")
    promised[rng.random(n) < 0.7] = np.datetime64("NaT")
    amount = rng.integers(-100, 300_000, n)
    amount_missing = rng.random(n) < 0.03

    def flags(p_true: float, p_missing: float) -> pd.arrays.BooleanArray:
        return pd.arrays.BooleanArray(rng.random(n) < p_true, rng.random(n) < p_missing)

    codes = np.array(platforms, dtype=object)
    return pd.DataFrame(
        {
            "order_id": np.arange(n).astype(str),
            "platform": codes[rng.integers(0, len(codes), n)],
            "paid_amount": pd.arrays.IntegerArray(amount, amount_missing),
            "paid_at": paid,
            "promised_ship_by": promised,
            "shipped_at": shipped,
            "picked_up_at": picked,
            "signed_at": signed,
            "refund_requested_at": requested,
            "refund_reason": REFUND_REASONS[rng.integers(0, len(REFUND_REASONS), n)],
            "goods_type": GOODS[rng.integers(0, len(GOODS), n)],
            "buyer_id": BUYERS[rng.integers(0, len(BUYERS), n)],
            "free_shipping": flags(0.5, 0.1),
            "returnable": flags(0.9, 0.1),
            "complaint_upheld": flags(0.5, 0.2),
            "paid_before_ruling": flags(0.3, 0.2),
        }
    )


def audit_orders(
    n: int = 5000, seed: int = 5, platforms: Sequence[str] = PLATFORMS
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(orders, extra_columns, violation_log)`` for the audit: paid dates within 60 days of every
    rule version's ``since``, late and unshipped orders (out-of-stock stacking, Tmall's combined
    cap), amounts at rounding boundaries, bad rows (unknown platform, missing or negative amount),
    formula-looking titles and buyer personal data; a violation log for Douyin and Taobao.

    >>> [frame.shape for frame in audit_orders(40)]
    [(40, 10), (40, 5), (13, 5)]
    """
    rng = np.random.default_rng(seed)
    platform = np.array(platforms, dtype=object)[rng.integers(0, len(platforms), n)]
    sinces = np.array([d.to_datetime64() for d in rule_version_dates()], dtype="datetime64[ns]")
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


def bulk_orders(n: int, seed: int = 7, platforms: Sequence[str] = PLATFORMS) -> pd.DataFrame:
    """``n`` everyday orders (paid over three years from 2021-06, gamma-distributed shipping
    delay, 5 % unshipped, 20 % refund requests) with the columns a plain export gives.

    >>> bulk_orders(5).columns.tolist()[:3]
    ['order_id', 'platform', 'paid_amount']
    """
    rng = np.random.default_rng(seed)
    codes = np.array(platforms, dtype=object)
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
            "platform": codes[rng.integers(0, len(codes), n)],
            "paid_amount": pd.array(rng.integers(100, 200_000, n), dtype="Int64"),
            "paid_at": paid.astype("datetime64[ns]"),
            "shipped_at": shipped.astype("datetime64[ns]"),
            "signed_at": signed.astype("datetime64[ns]"),
            "refund_requested_at": requested.astype("datetime64[ns]"),
        }
    )


def udf_inputs(
    n: int, seed: int = 7
) -> tuple[list[list[object]], list[list[object]], list[list[object]]]:
    """``(amounts, platform names, paid times)`` as Excel hands a column to a UDF: 2-D lists of
    floats (yuan), Chinese platform names and naive datetimes.

    >>> [len(column) for column in udf_inputs(4)]
    [4, 4, 4]
    """
    rng = random.Random(seed)
    platforms = ["淘宝", "天猫", "拼多多", "快手", "抖店", "京东"]
    amounts: list[list[object]] = [[round(rng.uniform(1, 3000), 2)] for _ in range(n)]
    names: list[list[object]] = [[rng.choice(platforms)] for _ in range(n)]
    start = dt.datetime(2023, 1, 1)
    times: list[list[object]] = [
        [start + dt.timedelta(minutes=rng.randrange(0, 700_000))] for _ in range(n)
    ]
    return amounts, names, times


# --------------------------------------------------------------------------------------------
# Raw export rows (cells as an export holds them)

#: A shop's own order sheet: the headers the recompute tests use, every value as text.
SHOP_HEADER = [
    "订单编号", "平台", "商品标题", "实付金额", "付款时间", "发货时间", "签收时间", "退款申请时间",
    "退款原因", "揽收时间",
]  # fmt: skip

#: The same sheet with postage and buyer columns (the recompute benchmark).
SHOP_WIDE_HEADER = [
    "订单编号", "平台", "商品标题", "实付金额", "邮费", "付款时间", "发货时间", "签收时间",
    "退款申请时间", "退款原因", "买家会员名", "收货地址", "商家备注",
]  # fmt: skip

#: A typical 20-column order export with sub-orders, SKU, unit price and refund status.
ORDER_EXPORT_HEADER = [
    "订单编号", "子订单编号", "平台", "店铺", "商品标题", "商品编码", "数量", "单价", "实付金额",
    "邮费", "付款时间", "承诺发货时间", "发货时间", "签收时间", "退款申请时间", "退款原因",
    "退款状态", "买家会员名", "收货地址", "商家备注",
]  # fmt: skip

#: Douyin's (抖店) order export.
DOUYIN_HEADER = [
    "主订单编号", "子订单编号", "选购商品", "商品数量", "订单应付金额", "运费", "支付完成时间",
    "承诺发货时间", "发货时间", "订单完成时间", "售后状态", "收件人", "收件人手机号", "省", "市",
    "区", "详细地址", "商家备注", "订单状态", "商品ID",
]  # fmt: skip

#: Header layout by name, for ``export_rows``.
LAYOUTS: dict[str, list[str]] = {
    "shop": SHOP_HEADER,
    "shop_wide": SHOP_WIDE_HEADER,
    "order_export": ORDER_EXPORT_HEADER,
    "douyin": DOUYIN_HEADER,
}

CN_PLATFORMS = ["淘宝", "天猫", "拼多多", "抖音", "快手", "京东"]


def shop_rows() -> list[Row]:
    """Four clean orders (layout ``shop``): on time, late (Taobao 150 元 → 7.50), unshipped past
    the deadline as of 2024-07-01 09:00, and a return inside the window; one row with a
    formula-looking title. 揽收时间 is given (Taobao judges on pickup; without it 数据问题 notes
    the fallback to 发货时间)."""
    return [
        ["1001", "淘宝", "T恤", "99.00", "2024-06-01 10:00", "2024-06-02 10:00", "2024-06-04 09:00", "", "", "2024-06-02 10:00"],
        ["1002", "淘宝", "=1+1", "150.00", "2024-06-01 10:00", "2024-06-04 12:00", "", "", "", "2024-06-04 12:00"],
        ["1003", "天猫", "雪平锅", "1.15", "2024-06-20 10:00", "", "", "", "", ""],
        ["1004", "拼多多", "拖鞋", "19.90", "2024-06-10 10:00", "2024-06-10 20:00", "2024-06-12 15:00", "2024-06-14 10:00", "质量问题", "2024-06-10 20:00"],
    ]  # fmt: skip


def _shop_wide_rows(n: int, seed: int, as_of: dt.datetime) -> Iterator[Row]:
    rng = np.random.default_rng(seed)
    reasons = ["七天无理由", "质量问题", "尺码不合适", "商品描述不符"]
    start = dt.datetime(2024, 1, 1)
    paid_s = rng.integers(0, 170 * 86400, n)
    ship_h = rng.gamma(2.0, 18.0, n)
    sign_h = rng.integers(20, 96, n)
    refund = rng.random(n) < 0.15
    refund_h = rng.integers(1, 300, n)
    amounts = rng.integers(990, 99900, n) / 100
    platform = rng.integers(0, len(CN_PLATFORMS), n)
    for r in range(n):
        paid = start + dt.timedelta(seconds=int(paid_s[r]))
        shipped = paid + dt.timedelta(hours=float(ship_h[r]))
        signed = shipped + dt.timedelta(hours=int(sign_h[r]))
        requested = refund[r] and signed < as_of
        yield [
            f"{3515313147329357900 + r}",
            CN_PLATFORMS[platform[r]],
            "保温杯 500ml 316不锈钢",
            float(amounts[r]),
            0,
            paid,
            shipped if shipped < as_of else None,
            signed if signed < as_of else None,
            signed + dt.timedelta(hours=int(refund_h[r])) if requested else None,
            reasons[r % len(reasons)] if requested else None,
            "tb6125470",
            "浙江省 杭州市 西湖区 文三路 478 号(310013)",
            "-",
        ]


def _order_export_rows(n: int, seed: int) -> Iterator[Row]:
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    paid = rng.integers(0, 170 * 86400, n)
    for r in range(n):
        p = start + dt.timedelta(seconds=int(paid[r]))
        returned = r % 7 == 0
        yield [
            f"40182700{r:011d}",
            f"40182700{r:011d}01",
            CN_PLATFORMS[r % 6],
            "旗舰店",
            f"夏季新款纯棉T恤 {r % 977} 号 包邮",
            f"SKU{r % 5000:05d}",
            1 + r % 3,
            19.9 + r % 100,
            19.9 + r % 100,
            0 if r % 4 else 6,
            p,
            p + dt.timedelta(hours=48),
            p + dt.timedelta(hours=int(rng.integers(2, 90))),
            p + dt.timedelta(hours=120),
            p + dt.timedelta(hours=150) if returned else None,
            "七天无理由" if returned else None,
            "退款成功" if returned else None,
            f"买家{r % 30011}",
            f"浙江省杭州市余杭区某某路 {r % 999} 号",
            "加急" if r % 5 == 0 else None,
        ]


def _douyin_rows(n: int, seed: int) -> Iterator[Row]:
    rng = np.random.default_rng(seed)
    base = dt.datetime(2024, 1, 1)
    for r in range(1, n + 1):
        paid = base + dt.timedelta(seconds=int(rng.integers(0, 180 * 86400)))
        amount = f"{rng.integers(100, 100000) / 100:.2f}"
        shipped = paid + dt.timedelta(hours=int(rng.integers(1, 90)))
        yield [
            f"\t69{r:017d}", f"\t69{r:017d}1", "保温杯 500ml", 1, amount, "0.00", paid,
            paid + dt.timedelta(hours=48), shipped, "-", "-", "张三", "138****1234", "浙江省",
            "杭州市", "西湖区", "文三路 1 号", "-", "已发货", "3567",
        ]  # fmt: skip


def export_rows(
    layout: str, n: int, seed: int, *, as_of: dt.datetime = dt.datetime(2024, 7, 1, 9, 0)
) -> Iterator[Row]:
    """``n`` generated rows in ``LAYOUTS[layout]``'s column order, one at a time (a million rows
    never sit in memory): ``shop_wide`` (times after ``as_of`` left empty), ``order_export``
    or ``douyin`` (ids with Douyin's leading tab, amounts as text, ``-`` for empty).

    >>> next(export_rows("douyin", 1, seed=3))[:4]
    ['\\t6900000000000000001', '\\t69000000000000000011', '保温杯 500ml', 1]
    """
    if layout == "shop_wide":
        return _shop_wide_rows(n, seed, as_of)
    if layout == "order_export":
        return _order_export_rows(n, seed)
    if layout == "douyin":
        return _douyin_rows(n, seed)
    raise ValueError(f"no generated rows for layout {layout!r}; shop rows: shop_rows()")


#: Each platform's order export as canonical field → its header there (the columns the engine
#: needs; the real exports have many more). ``paid_total`` includes postage, as the exports do.
#: Tmall shares Taobao's layout (plus a Tmall-only column): the reader needs the platform named.
PLATFORM_LAYOUTS: dict[str, dict[str, str]] = {
    "taobao": {
        "order_id": "订单编号", "title": "宝贝标题", "paid_total": "买家实付金额",
        "postage": "买家应付邮费", "paid_at": "订单付款时间", "shipped_at": "发货时间",
        "signed_at": "签收时间", "refund_requested_at": "退款申请时间",
    },
    "tmall": {
        "order_id": "订单编号", "title": "宝贝标题", "paid_total": "买家实付金额",
        "postage": "买家应付邮费", "paid_at": "订单付款时间", "shipped_at": "发货时间",
        "signed_at": "签收时间", "refund_requested_at": "退款申请时间",
        "tmall_coupon": "天猫卡券抵扣",
    },
    "pdd": {
        "order_id": "订单号", "title": "商品", "paid_total": "用户实付金额(元)",
        "postage": "邮费(元)", "paid_at": "支付时间", "shipped_at": "发货时间",
        "signed_at": "签收时间", "refund_requested_at": "售后申请时间",
    },
    "douyin": {
        "order_id": "主订单编号", "sub_order_id": "子订单编号", "title": "选购商品",
        "paid_total": "订单应付金额", "postage": "运费", "paid_at": "支付完成时间",
        "shipped_at": "发货时间", "signed_at": "签收时间", "refund_requested_at": "售后申请时间",
    },
    "kuaishou": {
        "order_id": "订单号", "title": "商品名称", "paid_total": "实付款", "postage": "运费",
        "paid_at": "订单支付时间", "shipped_at": "发货时间", "signed_at": "签收时间",
        "refund_requested_at": "售后申请时间",
    },
    "jd": {
        "order_id": "订单号", "title": "商品名称", "paid_total": "应付金额", "postage": "运费金额",
        "paid_at": "付款确认时间", "shipped_at": "发货时间", "signed_at": "签收时间",
        "refund_requested_at": "售后申请时间",
    },
}  # fmt: skip

_TIMES = ("paid_at", "shipped_at", "signed_at", "refund_requested_at")


def platform_export_rows(
    orders: pd.DataFrame, platform: str, *, postage_fen: int = 0
) -> tuple[list[str], list[Row]]:
    """``(header, rows)`` of ``orders`` (canonical columns) as ``platform``'s order export shows
    them: one row per order, money as yuan text with postage added to the paid total, times as
    naive datetimes, blanks as ``None``. Reading them back gives the same canonical values.

    >>> header, rows = platform_export_rows(bulk_orders(2, platforms=["jd"]), "jd")
    >>> header[:3], rows[0][:3]
    (['订单号', '商品名称', '应付金额'], ['0', '商品', '683.86'])
    """
    layout = PLATFORM_LAYOUTS[platform]
    columns: dict[str, list[Cell]] = {}
    n = len(orders)
    columns["order_id"] = [str(v) for v in orders["order_id"]]
    columns["sub_order_id"] = [f"{v}1" for v in orders["order_id"]]
    titles = orders["title"] if "title" in orders else pd.Series(["商品"] * n)
    columns["title"] = [str(v) for v in titles]
    columns["paid_total"] = [
        None if pd.isna(v) else f"{(int(v) + postage_fen) / 100:.2f}" for v in orders["paid_amount"]
    ]
    columns["postage"] = [f"{postage_fen / 100:.2f}"] * n
    for name in _TIMES:
        values = orders[name] if name in orders else pd.Series([pd.NaT] * n)
        columns[name] = [None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in values]
    columns["tmall_coupon"] = ["0.00"] * n
    header = list(layout.values())
    rows: list[Row] = [[columns[field][i] for field in layout] for i in range(n)]
    return header, rows


# --------------------------------------------------------------------------------------------
# Workbooks


def write_workbook(
    path: Path,
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str],
    sheet: str = "订单",
    as_text: bool = False,
    constant_memory: bool = False,
    overrides: Sequence[Sequence[object]] | None = None,
    violations: Sequence[Sequence[object]] | None = None,
    chart: bool = False,
    then: Callable[[Workbook], None] | None = None,
) -> Path:
    """``header`` and ``rows`` on sheet ``sheet`` of a new .xlsx at ``path``: datetimes as date
    cells, numbers as numbers, anything else as text (never a formula) — or, with ``as_text``,
    every value as a text cell. ``overrides`` adds a 规则 sheet, ``violations`` a
    违规记录 sheet (first value a datetime), ``chart`` a 看板 sheet with a formula and a chart;
    ``then`` gets the open workbook to add anything else.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_workbook(Path(folder) / "o.xlsx", shop_rows(), header=SHOP_HEADER).name
    'o.xlsx'
    """
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "constant_memory": constant_memory}
    )
    ws = book.add_worksheet(sheet)
    dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, list(header))
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if as_text or not isinstance(value, int | float | dt.datetime):
                ws.write_string(count, column, str(value))
            elif isinstance(value, dt.datetime):
                ws.write_datetime(count, column, value, dates)
            else:
                ws.write_number(count, column, value)
    if overrides is not None:
        rules = book.add_worksheet("规则")
        rules.write_row(0, 0, ["参数", "值", "备注"])
        for index, override in enumerate(overrides, start=1):
            rules.write_row(index, 0, override)
    if violations is not None:
        log = book.add_worksheet("违规记录")
        log.write_row(0, 0, ["日期", "平台", "违规类型", "订单编号", "扣分", "备注"])
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        for index, violation in enumerate(violations, start=1):
            log.write_datetime(index, 0, violation[0], day)
            log.write_row(index, 1, violation[1:])
    if chart:
        other = book.add_worksheet("看板")
        other.write_formula("A1", f"=COUNTA('{sheet}'!A:A)-1", None, count)
        figure = book.add_chart({"type": "column"})
        figure.add_series({"values": "='看板'!$A$1:$A$1"})
        other.insert_chart("C2", figure)
    if then is not None:
        then(book)
    book.close()
    return path
