"""Each real export format, built here byte for byte, reads back to exact canonical values."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from shoprules.workbook.readers import (
    UnusableInput,
    read_orders,
    read_overrides,
    read_rows,
    read_violation_log,
)

TAOBAO_HEADER = '"订单编号","买家会员名","买家支付宝账号","买家应付货款","买家应付邮费","买家支付积分","总金额","返点积分","买家实际支付金额","买家实际支付积分","订单状态","买家留言","收货人姓名","收货地址 ","运送方式","联系电话 ","联系手机","订单创建时间","订单付款时间 ","宝贝标题 ","宝贝种类 ","物流单号 ","物流公司","订单备注","宝贝总数量","店铺Id","店铺名称","订单关闭原因","卖家服务费","买家服务费","发票抬头","是否手机订单","分阶段订单信息","特权订金订单id","是否上传合同照片","是否上传小票","是否代付","定金排名","修改后的sku","修改后的收货地址","异常信息","天猫卡券抵扣","集分宝抵扣","是否是O2O交易","退款金额","预约门店"'
TAOBAO_ROW = '="35153131473293579","tb6125470","1432480331@qq.com","201.12","10.00","0","211.12","0","211.12","0","买家已付款，等待卖家发货","","薛先生langer","广东省 广州市 越秀区 黄花岗街道(510180)","快递","","\'13925130165","2017-07-08 00:42:32","2017-07-08 00:42:39","【顺丰包邮】原厂授权日本制吉川COOK-PAL雪平锅不锈钢","1","","","","1","0","勤驿达海外生活","订单未关闭","0","0元","","手机订单","",="","否","否","否","","","","","","","","0.00",""'


def test_taobao_old_order_report_gbk(tmp_path: Path) -> None:
    path = tmp_path / "ExportOrderList201707081200.csv"
    path.write_bytes((TAOBAO_HEADER + "\r\n" + TAOBAO_ROW + "\r\n").encode("gbk"))
    result = read_orders(path)
    row = result.orders.iloc[0]
    assert result.source_format == "csv"
    assert result.platform == "taobao"
    assert row["order_id"] == "35153131473293579"
    assert row["paid_amount"] == 20112  # 211.12 paid − 10.00 postage
    assert row["postage"] == 1000
    assert row["paid_at"] == pd.Timestamp("2017-07-08 00:42:39")
    assert row["title"] == "【顺丰包邮】原厂授权日本制吉川COOK-PAL雪平锅不锈钢"
    assert result.problems[0] == ""
    assert "签收时间" in result.missing
    assert any("天猫" in m for m in result.messages)


DOUYIN_HEADER = "主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商家编码,商品单价,订单应付金额,运费,优惠总金额,支付完成时间,承诺发货时间,售后状态,发货时间,订单完成时间"


def test_douyin_utf8_bom_tabs_and_dashes(tmp_path: Path) -> None:
    path = tmp_path / "douyin.csv"
    rows = [
        DOUYIN_HEADER,
        '"\t6917926768823643751","\t6917926768823643752","保温杯","500ml","1","\t3567","-","99.00","1,009.00","9.00","0.00","2026-09-22 00:54:10","2026-09-24 00:54:10","-","-","-"',
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode("utf-8"))
    result = read_orders(path)
    row = result.orders.iloc[0]
    assert result.platform == "douyin"
    assert row["order_id"] == "6917926768823643751"
    assert row["sub_order_id"] == "6917926768823643752"
    assert row["paid_amount"] == 100000  # 1,009.00 including postage − 9.00 postage
    assert row["promised_ship_by"] == pd.Timestamp("2026-09-24 00:54:10")
    assert pd.isna(row["shipped_at"])
    assert row["refund_status"] is None
    assert result.problems[0] == ""


def test_pdd_csv(tmp_path: Path) -> None:
    header = "商品,订单号,订单状态,商品总价(元),邮费(元),店铺优惠折扣(元),平台优惠折扣(元),多多支付立减金额(元),用户实付金额(元),商家实收金额(元),商品数量(件),发货时间,确认收货时间,商品id,商品规格,样式ID,商家编码-规格维度,商家编码-商品维度,商家备注,售后状态,快递单号,快递公司,订单成交时间,是否分期,分期期数,手续费承担方,分期方式"
    row = "纸巾,240301-123456789012345,已发货,19.90,0.00,0,0,0,19.90,19.90,1,\t2024-03-03 10:00:00,\t,123,10包,456,,,,无售后或售后取消,YT1,圆通,2024-03-01 09:00:00,否,,,"
    path = tmp_path / "pdd.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    result = read_orders(path)
    got = result.orders.iloc[0]
    assert result.platform == "pdd"
    assert got["order_id"] == "240301-123456789012345"
    assert got["paid_amount"] == 1990
    assert got["free_shipping"]
    assert got["shipped_at"] == pd.Timestamp("2024-03-03 10:00:00")
    assert got["paid_at"] == pd.Timestamp("2024-03-01 09:00:00")
    assert pd.isna(got["confirmed_at"])


def _xlsx(
    path: Path, rows: list[list[object]], *, date1904: bool = False, sheet: str = "Sheet1"
) -> None:
    book = xlsxwriter.Workbook(str(path), {"date_1904": date1904, "strings_to_numbers": False})
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date_format)
            elif value is not None:
                ws.write(r, c, value)
    book.close()


def test_kuaishou_title_row_above_header(tmp_path: Path) -> None:
    path = tmp_path / "kuaishou.xlsx"
    _xlsx(
        path,
        [
            ["快手小店订单导出", None, None],
            [
                "订单号",
                "订单支付时间",
                "实付款",
                "快递费",
                "预售/承诺发货时间",
                "商品名称",
                "发货时间",
            ],
            ["2412345678901234567", "2026/04/02", "131.00", "0", "2026/04/04", "围巾", None],
        ],
    )
    result = read_orders(path)
    row = result.orders.iloc[0]
    assert result.platform == "kuaishou"
    assert result.header_row == 2
    assert result.row_numbers == [3]
    assert row["order_id"] == "2412345678901234567"
    assert row["paid_amount"] == 13100
    assert row["paid_at"] == pd.Timestamp("2026-04-02")


def test_jd_gbk_repeated_totals_are_not_added(tmp_path: Path) -> None:
    header = "订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付,应付金额,订单状态,订单类型,运费金额,付款确认时间"
    rows = [
        "11729384072,1953814331,锅,1,在线支付,2015-12-31 23:19:56,758.00,1097.00,932.45,0.00,932.45,等待出库,销售订单,0.00,2015-12-31 23:20:30",
        "11729384072,1953814332,铲,1,在线支付,2015-12-31 23:19:56,339.00,1097.00,932.45,0.00,932.45,等待出库,销售订单,0.00,2015-12-31 23:20:30",
    ]
    path = tmp_path / "jd.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("gbk"))
    result = read_orders(path)
    assert result.platform == "jd"
    # The order's 应付金额 932.45 counts once, on its first SKU row; never summed, never doubled.
    assert result.orders["paid_amount"].tolist() == [93245, 0]
    assert result.orders["postage"].tolist() == [0, 0]
    assert result.problems.tolist() == ["", ""]  # the repeated order id is normal for JD
    assert any("只计入每个订单的第一行" in m for m in result.messages)


def test_xlsx_with_wrong_dimension_tag(tmp_path: Path) -> None:
    path = tmp_path / "wrongdim.xlsx"
    _xlsx(
        path,
        [
            ["订单编号", "付款时间", "实付金额", "平台"],
            ["A1", dt.datetime(2024, 3, 1, 10), 12.5, "天猫"],
            ["A2", dt.datetime(2024, 3, 2, 11), 7, "淘宝"],
        ],
    )
    patched = tmp_path / "patched.xlsx"
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1"/>', data)
            target.writestr(item, data)
    result = read_orders(patched)
    assert result.orders["order_id"].tolist() == ["A1", "A2"]
    assert result.orders["platform"].tolist() == ["tmall", "taobao"]
    assert result.orders["paid_amount"].tolist() == [1250, 700]
    assert result.orders["paid_at"].tolist() == [
        pd.Timestamp("2024-03-01 10:00"),
        pd.Timestamp("2024-03-02 11:00"),
    ]


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "退款报表.xls"
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table>"
        "<tr><th>订单编号</th><th>退款编号</th><th>买家实际支付金额</th><th>退款的申请时间</th><th>买家退款原因</th><th>退款状态</th></tr>"
        "<tr><td>35153131473293579</td><td>R1</td><td>201.12</td><td>2017-07-10 12:00:00</td><td>不喜欢</td><td>退款成功</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    result = read_orders(path)
    row = result.orders.iloc[0]
    assert result.source_format == "html"
    assert row["order_id"] == "35153131473293579"
    assert row["refund_requested_at"] == pd.Timestamp("2017-07-10 12:00")
    assert row["refund_reason"] == "不喜欢"


def test_1904_epoch_workbook(tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    _xlsx(
        path,
        [
            ["订单编号", "付款时间", "实付金额", "平台", "发货时间"],
            ["M1", dt.datetime(2024, 3, 1, 15, 4, 5), 30, "淘宝", 43892.5],
        ],
        date1904=True,
    )
    result = read_orders(path)
    assert result.epoch1904
    row = result.orders.iloc[0]
    assert row["paid_at"] == pd.Timestamp("2024-03-01 15:04:05")
    assert row["shipped_at"] == pd.Timestamp("2024-03-03 12:00")  # a bare serial in the 1904 system


def test_refund_export_joined_by_order_id(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_bytes((TAOBAO_HEADER + "\r\n" + TAOBAO_ROW + "\r\n").encode("gbk"))
    refunds = tmp_path / "refunds.csv"
    refunds.write_text(
        "订单编号,退款编号,买家实际支付金额,退款的申请时间,买家退款原因,退款状态\n"
        '="35153131473293579",R1,211.12,2017-07-12 09:00:00,质量问题,退款成功\n'
        '="999",R2,1.00,2017-07-12 09:00:00,不喜欢,退款成功\n',
        encoding="utf-8",
    )
    result = read_orders(orders, refunds=refunds)
    row = result.orders.iloc[0]
    assert row["refund_requested_at"] == pd.Timestamp("2017-07-12 09:00")
    assert row["refund_reason"] == "质量问题"
    assert row["refund_status"] == "退款成功"
    assert any("1 行订单匹配" in m for m in result.messages)


def test_refund_export_brings_the_after_sale_times(tmp_path: Path) -> None:
    """Taobao 退款报表 买家退货时间 → return_shipped_at; Douyin 售后单 同意售后申请时间 →
    seller_agreed_at (the after-sale timers count from them)."""
    orders = tmp_path / "orders.csv"
    orders.write_bytes((TAOBAO_HEADER + "\r\n" + TAOBAO_ROW + "\r\n").encode("gbk"))
    refunds = tmp_path / "refunds.csv"
    refunds.write_text(
        "订单编号,退款编号,退款的申请时间,同意售后申请时间,买家退货时间,退款状态\n"
        '="35153131473293579",R1,2017-07-12 09:00:00,2017-07-12 10:00:00,'
        "2017-07-13 08:00:00,待卖家收货\n",
        encoding="utf-8",
    )
    row = read_orders(orders, refunds=refunds).orders.iloc[0]
    assert row["seller_agreed_at"] == pd.Timestamp("2017-07-12 10:00")
    assert row["return_shipped_at"] == pd.Timestamp("2017-07-13 08:00")


def test_sheet_found_by_headers_and_side_sheets(tmp_path: Path) -> None:
    path = tmp_path / "shop.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "本工作簿记录本店订单")
    orders = book.add_worksheet("订单")
    for c, h in enumerate(["订单编号", "平台", "付款时间", "实付金额"]):
        orders.write(0, c, h)
    for c, v in enumerate(["X1", "拼多多", "2024-03-01 10:00", "20"]):
        orders.write_string(1, c, v)
    rules = book.add_worksheet("规则")
    settings: list[list[object]] = [
        ["参数", "值", "备注"],
        ["taobao.late_shipment.max", 40, "活动期"],
        ["pdd.ship_by.duration.direct_mail", "6d", ""],
    ]
    for r, setting in enumerate(settings):
        for c, value in enumerate(setting):
            rules.write(r, c, value)
    log = book.add_worksheet("违规记录")
    for r, row in enumerate(
        [
            ["日期", "平台", "违规", "订单编号", "备注"],
            ["2024-02-01", "天猫", "发票问题", "", "拒开发票"],
            ["2024-13-01", "火星", "x", "", ""],
        ]
    ):
        for c, v in enumerate(row):
            log.write_string(r, c, v)
    book.close()
    result = read_orders(path)
    assert result.sheet == "订单"
    assert result.orders.loc[0, "platform"] == "pdd"
    values, notes = read_overrides(path)
    assert values == {"taobao.late_shipment.max": 40, "pdd.ship_by.duration.direct_mail": "6d"}
    assert notes["taobao.late_shipment.max"] == "活动期"
    violations = read_violation_log(path)
    assert violations.loc[0, "platform"] == "tmall"
    assert violations.loc[0, "date"] == pd.Timestamp("2024-02-01")
    assert violations.loc[0, "problem"] is None
    assert "违规日期" in violations.loc[1, "problem"]
    assert "平台无法识别" in violations.loc[1, "problem"]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["2024-13-01", "10", "淘宝", None, None], "付款时间无法识别: 2024-13-01"),
        (["2024-03-01", "无退款申请", "淘宝", None, None], "实付金额无法识别: 无退款申请"),
        (["2024-03-01", "-5", "淘宝", None, None], "实付金额为负数"),
        (["2024-03-01", "10", "亚马逊", None, None], "平台无法识别: 亚马逊"),
        (["2024-03-05", "10", "淘宝", "2024-03-01", None], "发货时间早于付款时间"),
        (["2024-03-01", "10", "淘宝", "2024-03-03", "2024-03-02"], "签收时间早于发货时间"),
        (["2024-03-01", "10", "淘宝", "昨天", None], "发货时间无法识别: 昨天"),
    ],
)
def test_bad_inputs_give_a_message_and_no_wrong_number(cells: list[object], message: str) -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "实付金额", "平台", "发货时间", "签收时间"],
        ["1", *cells],
    ]
    result = read_rows(rows)
    assert message in result.problems[0]
    assert result.orders.loc[0, "order_id"] == "1"


def test_duplicate_ids_and_float_ids() -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "平台"],
        ["7", "2024-03-01", "淘宝"],
        ["7", "2024-03-01", "淘宝"],
        [3.5153131473293579e16, "2024-03-01", "淘宝"],
        [12345.0, "2024-03-01", "淘宝"],
    ]
    result = read_rows(rows)
    assert result.problems[0] == "订单编号重复"
    assert "丢失精度" in result.problems[2]
    assert result.orders.loc[3, "order_id"] == "12345"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "空"),
        (b"PK\x03\x04garbage-not-a-zip", "工作簿"),
        ("名称,数量\n苹果,3\n".encode(), "表头"),
        ("订单时间,付款时间\n1,2\n".encode(), "订单编号"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnusableInput, match=message):
        read_orders(path)


def test_blank_rows_skipped_and_row_numbers_kept() -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间"],
        ["1", "2024-03-01"],
        [None, ""],
        ["  ", None],
        ["2", "2024-03-02"],
    ]
    result = read_rows(rows, platform="淘宝")
    assert result.row_numbers == [2, 5]
    assert result.orders["platform"].tolist() == ["taobao", "taobao"]


def test_yes_no_columns() -> None:
    rows: list[list[object]] = [
        ["订单编号", "付款时间", "平台", "投诉成立", "已主动赔付", "包邮"],
        ["1", "2024-03-01", "淘宝", "是", "", "是"],
        ["2", "2024-03-01", "淘宝", True, "否", False],
        ["3", "2024-03-01", "淘宝", None, "maybe", "0"],
    ]
    result = read_rows(rows)
    assert result.orders["complaint_upheld"].tolist() == [True, True, pd.NA]
    assert result.orders["paid_before_ruling"].tolist() == [pd.NA, False, pd.NA]
    assert result.orders["free_shipping"].tolist() == [True, False, False]
    assert result.problems.tolist() == ["", "", "已主动赔付应为 是/否: maybe"]


@pytest.mark.parametrize(
    ("encoding", "meta"),
    [
        ("utf-8", ""),
        ("gbk", ""),
        ("gbk", "<meta charset='gbk'>"),
        ("utf-8", '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'),
    ],
)
def test_html_xls_without_or_with_charset(tmp_path: Path, encoding: str, meta: str) -> None:
    page = f"<html><head>{meta}</head><body><table><tr><td>订单编号</td><td>付款时间</td><td>平台</td></tr><tr><td>9</td><td>2024-03-01</td><td>淘宝</td></tr></table></body></html>"
    path = tmp_path / "export.xls"
    path.write_bytes(page.encode(encoding))
    result = read_orders(path)
    assert result.orders.loc[0, "platform"] == "taobao"
    assert result.columns_used["order_id"] == "订单编号"
