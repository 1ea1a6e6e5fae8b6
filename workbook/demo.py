"""The demo shop: one workbook holding a Taobao, a Tmall and a Pinduoduo order export as a shop
operator pastes them (each platform's own headers and quirks), a ``规则`` sheet, a ``违规记录``
sheet that reaches a points node, and a dashboard sheet with live formulas and a chart (to show
that recompute changes nothing but the result columns).

Everything is deterministic (fixed seed, fixed as-of), so the demo and its golden numbers are
reproducible.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     built = build_demo(Path(folder), orders_per_platform=(12, 8, 9))
...     built.path.name, built.order_sheets, built.orders
('demo-shop.xlsx', ['淘宝订单', '天猫订单', '拼多多订单'], 29)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

#: The demo's fixed "now": statuses (待发货, 可退货 …) are judged at this time.
DEMO_AS_OF: Final = dt.datetime(2024, 7, 1, 9, 0)
DEMO_SEED: Final = 20240701
DEMO_FILE: Final = "demo-shop.xlsx"

_START: Final = np.datetime64("2024-04-01T08:00:00", "s")
_SPAN_SECONDS: Final = int((np.datetime64("2024-06-30T22:00:00", "s") - _START).astype(int))

_TITLES: Final = (
    "【顺丰包邮】原厂授权日本制吉川雪平锅不锈钢 20cm",
    "纯棉短袖T恤男夏季宽松圆领",
    "儿童保温杯316不锈钢带吸管",
    "北欧风陶瓷餐具套装 4人份",
    "无线蓝牙耳机 降噪 长续航",
    "真丝枕套 22姆米 单只装",
    '=HYPERLINK("http://example.com","点我领券") 防晒衣女',  # formula-looking text stays text
    "夏季凉拖鞋 防滑 EVA",
)
_REASONS: Final = (
    "七天无理由退换货",
    "不喜欢/不想要",
    "尺码不合适",
    "质量问题",
    "商品描述不符",
    "错发/漏发",
    "收到商品破损",
    "其他",
)
_BUYERS: Final = ("tb6125470", "小鹿乱撞2019", "momo_家居控", "阿杰的店铺", "sunny_day88", "王**")
_ADDRESSES: Final = (
    "广东省 广州市 越秀区 黄花岗街道环市东路云鹤南街50号(510180)",
    "浙江省 杭州市 西湖区 文三路 478 号华星时代广场(310013)",
    "上海 上海市 浦东新区 张杨路 500 号(200120)",
    "北京 北京市 朝阳区 建国路 88 号 SOHO 现代城(100022)",
)


@dataclass
class DemoShop:
    """What :func:`build_demo` made: the workbook, its order sheets and each sheet's platform."""

    path: Path
    order_sheets: list[str]
    platforms: dict[str, str]
    orders: int
    extra_files: list[Path] = field(default_factory=list)


@dataclass
class _Orders:
    paid: np.ndarray
    shipped: np.ndarray
    signed: np.ndarray
    requested: np.ndarray
    reason: np.ndarray
    goods_fen: np.ndarray
    postage_fen: np.ndarray
    title: np.ndarray
    late: np.ndarray


def _timeline(rng: np.random.Generator, n: int) -> _Orders:
    """Payment, shipping, sign-for and refund times: mostly on time, some late, some unshipped,
    returns inside and outside the 7-day window."""
    paid = np.sort(_START + rng.integers(0, _SPAN_SECONDS, n).astype("timedelta64[s]"))
    kind = rng.random(n)
    delay_h = np.where(kind < 0.80, rng.uniform(2, 40, n), rng.uniform(50, 110, n))
    late = kind >= 0.80
    shipped = paid + (delay_h * 3600).astype("int64").astype("timedelta64[s]")
    as_of = np.datetime64(DEMO_AS_OF, "s")
    shipped[(shipped > as_of) | (rng.random(n) < 0.03)] = np.datetime64("NaT")
    signed = shipped + rng.integers(20 * 3600, 4 * 86400, n).astype("timedelta64[s]")
    signed[signed > as_of] = np.datetime64("NaT")
    returns = (rng.random(n) < 0.22) & ~np.isnat(signed)
    # Most requests fall inside the window, some after it (8–12 days after sign-for).
    after = np.where(
        rng.random(n) < 0.7,
        rng.integers(3600, 6 * 86400, n),
        rng.integers(8 * 86400, 12 * 86400, n),
    )
    requested = signed + after.astype("timedelta64[s]")
    requested[~returns | (requested > as_of)] = np.datetime64("NaT")
    reason = np.where(
        ~np.isnat(requested),
        np.array(_REASONS, dtype=object)[rng.integers(0, len(_REASONS), n)],
        "",
    )
    goods = rng.choice(np.array([1990, 3900, 5990, 8800, 12900, 19900, 26800, 45900, 129900]), n)
    postage = np.where(rng.random(n) < 0.75, 0, rng.choice(np.array([600, 800, 1000]), n))
    title = np.array(_TITLES, dtype=object)[rng.integers(0, len(_TITLES), n)]
    return _Orders(paid, shipped, signed, requested, reason, goods, postage, title, late)


def _text_times(times: np.ndarray, fmt: str = "%Y-%m-%d %H:%M:%S") -> list[object]:
    index = pd.DatetimeIndex(times.astype("datetime64[ns]"))
    out = np.asarray(index.strftime(fmt), dtype=object)
    out[np.asarray(index.isna())] = ""
    return list(out.tolist())


def _cell_times(times: np.ndarray) -> list[object]:
    index = pd.DatetimeIndex(times.astype("datetime64[ns]"))
    out = np.asarray(index.to_pydatetime(), dtype=object)
    out[np.asarray(index.isna())] = None
    return list(out.tolist())


def _yuan_text(fen: np.ndarray) -> list[object]:
    whole, cents = fen.astype("int64") // 100, fen.astype("int64") % 100
    return [f"{w}.{c:02d}" for w, c in zip(whole.tolist(), cents.tolist(), strict=True)]


def _ids(rng: np.random.Generator, n: int, low: int, high: int) -> list[object]:  # text ids
    return [str(v) for v in np.sort(rng.integers(low, high, n, dtype="int64")).tolist()]


def taobao_sheet(rng: np.random.Generator, n: int) -> tuple[list[str], list[list[object]]]:
    """The old 订单报表 (``ExportOrderList….csv``, GBK) opened in Excel: text amounts, text dates,
    headers with trailing spaces; the operator added 签收时间/退款/投诉 columns on the right."""
    o = _timeline(rng, n)
    ids = _ids(rng, n, 3_515_313_147_329_357_900, 3_915_313_147_329_357_900)
    header = [
        "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
        "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式",
        "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ",
        "物流公司", "订单备注", "宝贝总数量", "店铺名称", "订单关闭原因", "买家服务费",
        "退款金额", "发货时间", "确认收货时间",
        # added by the operator from the logistics and refund reports
        "签收时间", "退款申请时间", "退款原因", "投诉成立", "已主动赔付",
    ]  # fmt: skip
    total = o.goods_fen + o.postage_fen
    status = np.where(
        np.isnat(o.shipped),
        "买家已付款，等待卖家发货",
        np.where(np.isnat(o.signed), "卖家已发货，等待买家确认", "交易成功"),
    )
    created = o.paid - rng.integers(5, 600, n).astype("timedelta64[s]")
    confirmed = o.signed + np.timedelta64(3, "D")
    confirmed[confirmed > np.datetime64(DEMO_AS_OF)] = np.datetime64("NaT")
    # A few late orders drew a complaint the platform upheld; some of those were paid first.
    upheld = np.where(o.late & (rng.random(n) < 0.35), "是", "")
    paid_first = np.where(upheld == "是", np.where(rng.random(n) < 0.3, "是", "否"), "")
    buyers = np.array(_BUYERS, dtype=object)[rng.integers(0, len(_BUYERS), n)]
    columns: list[list[object]] = [
        ids,
        list(buyers),
        [f"{b}@qq.com" for b in range(1_400_000_000, 1_400_000_000 + n)],
        _yuan_text(o.goods_fen),
        _yuan_text(o.postage_fen),
        _yuan_text(total),
        _yuan_text(total),
        list(status),
        [""] * n,
        [["薛先生", "李*", "张**", "王小姐"][i % 4] for i in range(n)],
        list(np.array(_ADDRESSES, dtype=object)[rng.integers(0, len(_ADDRESSES), n)]),
        ["快递"] * n,
        [f"'139{v:08d}" for v in rng.integers(0, 10**8, n).tolist()],
        _text_times(created),
        _text_times(o.paid),
        list(o.title),
        ["1"] * n,
        [f"SF{v}" if s else "" for v, s in zip(rng.integers(10**11, 10**12, n).tolist(), ~np.isnat(o.shipped), strict=True)],
        np.where(np.isnat(o.shipped), "", "顺丰速运").tolist(),
        [""] * n,
        ["1"] * n,
        ["吉川生活旗舰店"] * n,
        ["订单未关闭"] * n,
        ["0元"] * n,
        _yuan_text(np.where(np.isnat(o.requested), 0, o.goods_fen)),
        np.where(np.isnat(o.shipped), "null", np.array(_text_times(o.shipped), dtype=object)).tolist(),
        _text_times(confirmed),
        _text_times(o.signed),
        _text_times(o.requested),
        list(o.reason),
        list(upheld),
        list(paid_first),
    ]  # fmt: skip
    rows = [list(r) for r in zip(*columns, strict=True)]
    if n > 5:
        rows[3][14] = "2024-13-01 10:00:00"  # a mistyped payment time: shows up in 数据问题
    return header, rows


def tmall_sheet(rng: np.random.Generator, n: int) -> tuple[list[str], list[list[object]]]:
    """The new 千牛 订单导出 (xlsx): real date cells, numeric amounts, 应发货时间 for presale; the
    operator added 签收/退款 columns and a 平台 column (Tmall and Taobao exports look the same)."""
    o = _timeline(rng, n)
    ids = _ids(rng, n, 2_005_313_147_329_357_900, 2_405_313_147_329_357_900)
    header = [
        "订单编号", "支付单号", "买家应付货款", "买家应付邮费", "总金额", "买家实付金额",
        "订单状态", "买家留言", "订单创建时间", "订单付款时间", "商品标题", "宝贝种类",
        "物流单号", "物流公司", "备注标签", "商家备注", "宝贝总数量", "店铺ID", "店铺名称",
        "商品属性SKU", "发货时间", "应发货时间", "确认收货时间", "确认收货打款金额",
        "签收时间", "退款申请时间", "退款原因", "平台",
    ]  # fmt: skip
    presale = rng.random(n) < 0.08
    promised = np.where(
        presale,
        o.paid + np.timedelta64(10, "D"),
        np.datetime64("NaT"),
    ).astype("datetime64[s]")
    total = o.goods_fen + o.postage_fen
    status = np.where(np.isnat(o.shipped), "买家已付款，等待卖家发货", "交易成功")
    confirmed = o.signed + np.timedelta64(2, "D")
    confirmed[confirmed > np.datetime64(DEMO_AS_OF)] = np.datetime64("NaT")
    columns: list[list[object]] = [
        ids,
        [f"2024{v:020d}" for v in rng.integers(0, 10**15, n).tolist()],
        (o.goods_fen / 100).tolist(),
        (o.postage_fen / 100).tolist(),
        (total / 100).tolist(),
        (total / 100).tolist(),
        list(status),
        [""] * n,
        _cell_times(o.paid - np.timedelta64(90, "s")),
        _cell_times(o.paid),
        list(o.title),
        [1] * n,
        [f"YT{v}" for v in rng.integers(10**12, 10**13, n).tolist()],
        ["圆通速递"] * n,
        [""] * n,
        np.where(presale, "预售 10 天发货", "").tolist(),
        [1] * n,
        [67_108_864] * n,
        ["吉川生活天猫旗舰店"] * n,
        ["颜色分类:默认"] * n,
        _cell_times(o.shipped),
        _cell_times(promised),
        _cell_times(confirmed),
        pd.Series(total / 100, dtype=object).where(~np.isnat(confirmed), None).tolist(),
        _cell_times(o.signed),
        _cell_times(o.requested),
        list(o.reason),
        ["天猫"] * n,  # the export is the same as Taobao's: the operator marks the platform
    ]  # fmt: skip
    return header, [list(r) for r in zip(*columns, strict=True)]


def pdd_sheet(rng: np.random.Generator, n: int) -> tuple[list[str], list[list[object]]]:
    """拼多多 订单查询 → 导出 (the default columns in their order), ids ``YYMMDD-…``, cells with
    stray tabs, plus 承诺发货时间 and the operator's 签收/退款 columns."""
    o = _timeline(rng, n)
    header = [
        "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
        "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
        "商品数量(件)", "发货时间", "确认收货时间", "商品id", "商品规格", "样式ID",
        "商家编码-规格维度", "商家编码-商品维度", "商家备注", "售后状态", "快递单号",
        "快递公司", "订单成交时间", "承诺发货时间", "是否分期", "分期期数", "手续费承担方",
        "分期方式", "签收时间", "退款申请时间", "退款原因", "商品类型",
    ]  # fmt: skip
    days = pd.DatetimeIndex(o.paid.astype("datetime64[ns]")).strftime("%y%m%d")
    ids: list[object] = [
        f"{d}-{v}" for d, v in zip(days, rng.integers(10**14, 10**15, n).tolist(), strict=True)
    ]
    goods_type = np.where(rng.random(n) < 0.1, "直邮", "普通")
    promise_h = np.where(goods_type == "直邮", 120, 48)
    promised = o.paid + (promise_h * 3600).astype("timedelta64[s]")
    total = o.goods_fen + o.postage_fen
    after_sale = np.where(
        np.isnat(o.requested),
        "无售后或售后取消",
        np.where(rng.random(n) < 0.5, "退款成功", "售后处理中"),
    )
    columns: list[list[object]] = [
        list(o.title),
        ids,
        np.where(np.isnat(o.shipped), "待发货", np.where(np.isnat(o.signed), "已发货，待签收", "已签收")).tolist(),
        (o.goods_fen / 100).tolist(),
        (o.postage_fen / 100).tolist(),
        [0.0] * n,
        [0.0] * n,
        [0.0] * n,
        (total / 100).tolist(),
        (total / 100).tolist(),
        [1] * n,
        [f"\t{t}" if t else "" for t in _text_times(o.shipped)],
        _text_times(o.signed + np.timedelta64(1, "D")),
        [str(v) for v in rng.integers(10**9, 10**10, n).tolist()],
        ["默认"] * n,
        [str(v) for v in rng.integers(10**8, 10**9, n).tolist()],
        [""] * n,
        [""] * n,
        [""] * n,
        list(after_sale),
        [f"JT{v}" for v in rng.integers(10**12, 10**13, n).tolist()],
        ["极兔速递"] * n,
        [f"\t{t}" for t in _text_times(o.paid)],
        _text_times(promised),
        ["否"] * n,
        [""] * n,
        [""] * n,
        [""] * n,
        _text_times(o.signed),
        _text_times(o.requested),
        list(o.reason),
        list(goods_type),
    ]  # fmt: skip
    rows = [list(r) for r in zip(*columns, strict=True)]
    if n > 7:
        rows[6][8] = "待确认"  # an amount that is not a number
    return header, rows


def violation_rows(taobao_ids: list[object], tmall_ids: list[object]) -> list[list[object]]:
    """Violations that are not order events; Taobao's two information leaks reach the 12-point
    serious-violation node."""
    return [
        [
            dt.datetime(2024, 4, 12),
            "淘宝",
            "泄露买家信息",
            taobao_ids[2],
            6,
            "客服在群里发了买家电话截图",
        ],
        [
            dt.datetime(2024, 5, 20),
            "淘宝",
            "泄露买家信息",
            taobao_ids[9],
            6,
            "快递面单照片未打码发到朋友圈",
        ],
        [dt.datetime(2024, 4, 2), "天猫", "发票问题", tmall_ids[1], 6, "买家要求开票被拒绝"],
        [
            dt.datetime(2024, 6, 8),
            "天猫",
            "包邮不符",
            tmall_ids[4],
            4,
            "标题写包邮，偏远地区加收邮费",
        ],
    ]


def build_demo(
    directory: Path,
    *,
    seed: int = DEMO_SEED,
    orders_per_platform: tuple[int, int, int] = (160, 120, 140),
) -> DemoShop:
    """Write ``demo-shop.xlsx`` (and the raw Taobao CSV export it was pasted from) into
    ``directory``; returns what was made. Recomputing is the caller's job."""
    import xlsxwriter

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_taobao, n_tmall, n_pdd = orders_per_platform
    sheets = {
        "淘宝订单": taobao_sheet(rng, n_taobao),
        "天猫订单": tmall_sheet(rng, n_tmall),
        "拼多多订单": pdd_sheet(rng, n_pdd),
    }
    platforms = {"淘宝订单": "taobao", "天猫订单": "tmall", "拼多多订单": "pdd"}  # for reference
    path = directory / DEMO_FILE
    book = xlsxwriter.Workbook(
        str(path),
        {"default_date_format": "yyyy-mm-dd hh:mm:ss", "strings_to_formulas": False},
    )
    book.set_properties(
        {"title": "演示店铺订单", "author": "shoprules demo", "created": DEMO_AS_OF}
    )
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for name, (header, rows) in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header, bold)
        for index, cells in enumerate(zip(*rows, strict=True)):
            for offset, value in enumerate(cells):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(offset + 1, index, value)
                else:
                    sheet.write(offset + 1, index, value)
        sheet.freeze_panes(1, 1)
        sheet.set_column(0, len(header) - 1, 14)
        sheet.autofilter(0, 0, len(rows), len(header) - 1)

    rules = book.add_worksheet("规则")
    rules.write_row(0, 0, ["参数", "值", "备注"], bold)
    rules.write_row(
        1,
        0,
        [
            "taobao.late_shipment.max",
            "",
            "示例：填 40 即把淘宝延迟发货违约金上限改为 40 元（留空不生效）",
        ],
    )
    rules.write_row(
        2, 0, ["pdd.ship_by.duration.direct_mail", "", "示例：填 6d 即直邮商品 6 天内发货"]
    )
    rules.set_column(0, 0, 34)
    rules.set_column(2, 2, 60)

    log = book.add_worksheet("违规记录")
    log.write_row(0, 0, ["日期", "平台", "违规类型", "订单编号", "扣分", "备注"], bold)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    taobao_ids = [r[0] for r in sheets["淘宝订单"][1]]
    tmall_ids = [r[0] for r in sheets["天猫订单"][1]]
    for line, entry in enumerate(violation_rows(taobao_ids, tmall_ids), start=1):
        log.write_datetime(line, 0, entry[0], day)
        for column, value in enumerate(entry[1:], start=1):
            if isinstance(value, int):
                log.write_number(line, column, value)
            else:
                log.write_string(line, column, str(value))
    log.set_column(0, 5, 20)

    board = book.add_worksheet("看板")
    board.write_row(0, 0, ["平台", "订单数", "实付合计(元)"], bold)
    paid_columns = {"淘宝订单": "G", "天猫订单": "F", "拼多多订单": "I"}
    for index, (name, (_, rows)) in enumerate(sheets.items(), start=1):
        letter = paid_columns[name]
        area = f"'{name}'!{letter}2:{letter}{len(rows) + 1}"
        amounts = [r[ord(letter) - ord("A")] for r in rows]
        cached = round(sum(float(str(v)) for v in amounts if _is_number(v)), 2)
        board.write_string(index, 0, name.removesuffix("订单"))
        board.write_formula(index, 1, f"=COUNTA('{name}'!A:A)-1", None, len(rows))
        # Taobao's amounts are text (as pasted from the CSV export), hence IFERROR(VALUE(…)).
        board.write_array_formula(
            index, 2, index, 2, f"{{=SUM(IFERROR(VALUE({area}),0))}}", None, cached
        )
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {"name": "订单数", "categories": "='看板'!$A$2:$A$4", "values": "='看板'!$B$2:$B$4"}
    )
    chart.set_title({"name": "各平台订单数"})
    chart.set_legend({"none": True})
    board.insert_chart("E2", chart)
    board.write_string(6, 0, "本表的公式和图表在重算后保持不变。")
    book.close()

    raw_csv = directory / "ExportOrderList202407010900.csv"
    header, rows = sheets["淘宝订单"]
    raw_csv.write_bytes(_taobao_csv(header[:27], [r[:27] for r in rows]).encode("gb18030"))
    return DemoShop(
        path=path,
        order_sheets=list(sheets),
        platforms=platforms,
        orders=sum(len(rows) for _, rows in sheets.values()),
        extra_files=[raw_csv],
    )


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _taobao_csv(header: list[str], rows: list[list[object]]) -> str:
    """Taobao's CSV quoting: every field quoted, the order id written ``="…"``."""
    lines = [",".join(f'"{h}"' for h in header)]
    for row in rows:
        cells = [
            f'="{row[0]}"',
            *('"' + str("" if v is None else v).replace('"', '""') + '"' for v in row[1:]),
        ]
        lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"
