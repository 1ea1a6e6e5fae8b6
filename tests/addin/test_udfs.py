"""The SR_ functions with Excel-shaped inputs: what xlwings delivers with ``ndim=2`` and
``err_to_str=True`` (floats, naive datetimes, None, "#N/A" text, 2-D lists), plus the scalars
the Linux no-op decorators pass through. Results must equal the engine's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from shoprules.addin import convert as cv
from shoprules.addin import udfs as u
from shoprules.formulas import api

D = dt.datetime


def col(*values: object) -> list[list[object]]:
    return [[v] for v in values]


def flat(result: object) -> list[object]:
    assert isinstance(result, list)
    return [row[0] for row in result]


def caller_1904(flag: bool) -> SimpleNamespace:
    return SimpleNamespace(
        sheet=SimpleNamespace(book=SimpleNamespace(api=SimpleNamespace(Date1904=flag)))
    )


# --- SR_DAMAGES ------------------------------------------------------------------------------


def test_damages_scalar_chinese_and_english_names() -> None:
    assert u.SR_DAMAGES(100.0, "淘宝", "延迟发货", D(2024, 3, 1)) == 5.0
    assert u.SR_DAMAGES(100.0, "taobao", "late_shipment", D(2024, 3, 1)) == 5.0
    assert u.SR_DAMAGES([[100.0]], [["淘宝"]], [["延迟发货"]], [[D(2024, 3, 1)]]) == 5.0
    assert u.SR_DAMAGES(1.15, "天猫", "缺货", D(2024, 3, 1)) == 5.0  # 30% of 1.15 clamped to 5
    assert u.SR_DAMAGES(70.0, "tmall", "out_of_stock", D(2024, 3, 1)) == 21.0


def test_damages_default_violation_is_late_shipment() -> None:
    assert u.SR_DAMAGES(1000.0, "淘宝", event_time=D(2017, 5, 1)) == 30.0
    assert u.SR_DAMAGES(100.0, "淘宝", "late_shipment", D(2017, 5, 1)) == 5.0


def test_damages_column_equals_engine() -> None:
    amounts = [100.0, 1.15, 2000.0, 35.5, 10.0, 0.0]
    platforms = ["淘宝", "天猫", "拼多多", "快手", "抖店", "京东"]
    codes = ["taobao", "tmall", "pdd", "kuaishou", "douyin", "jd"]
    when = D(2024, 3, 1, 10)
    result = flat(u.SR_DAMAGES(col(*amounts), col(*platforms), "延迟发货", col(*[when] * 6)))
    engine = api.damages(
        pd.Series([10000, 115, 200000, 3550, 1000, 0], dtype="Int64"),
        pd.Series(codes, dtype=object),
        "late_shipment",
        pd.Timestamp(when),
    )
    assert result == cv.fen_to_excel(engine["fen"])
    assert result[:4] == [5.0, 5.0, 3.0, 5.0]


def test_damages_blanks_errors_and_bad_rows_only_in_their_row() -> None:
    result = flat(
        u.SR_DAMAGES(
            col(100.0, None, "abc", 100.0, "#N/A", "¥1,000.00", 100.0),
            col("淘宝", None, "淘宝", "亚马逊", "淘宝", "淘宝", None),
            "延迟发货",
            D(2024, 3, 1),
        )
    )
    assert result[0] == 5.0
    assert result[1] == ""  # a blank row gives a blank result
    assert result[2] == "#SR! 实付金额无法识别: abc"
    assert str(result[3]).startswith("#SR! 平台无法识别: 亚马逊")
    assert result[4] == "#SR! 实付金额是错误值: #N/A"
    assert result[5] == 30.0
    assert result[6] == "#SR! 缺少平台"


def test_damages_no_rule_is_visible() -> None:
    result = u.SR_DAMAGES(100.0, "抖音", "缺货", D(2024, 3, 1))
    assert isinstance(result, str)
    assert result.startswith("#SR! 无适用规则")


def test_damages_rule_version_by_event_time_dates_serials_text() -> None:
    before, after = D(2019, 8, 1), D(2019, 9, 1)  # taobao min 1 → 5 on 2019-08-26
    serial_before = (before - D(1899, 12, 30)).days
    assert u.SR_DAMAGES(10.0, "淘宝", "延迟发货", before) == 1.0
    assert u.SR_DAMAGES(10.0, "淘宝", "延迟发货", after) == 5.0
    assert u.SR_DAMAGES(10.0, "淘宝", "延迟发货", float(serial_before)) == 1.0
    assert u.SR_DAMAGES(10.0, "淘宝", "延迟发货", "2019/8/1 10:00") == 1.0
    assert u.SR_DAMAGES(10.0, "淘宝", "延迟发货", "2019年9月1日") == 5.0
    assert (
        u.SR_DAMAGES(10.0, "淘宝", "延迟发货", "2022-13-01") == "#SR! 事件时间无法识别: 2022-13-01"
    )
    # The same serial read in the 1904 system is four years later: a 5-yuan-minimum version.
    assert (
        u.SR_DAMAGES(
            10.0, "淘宝", "延迟发货", float(serial_before - 1462), caller=caller_1904(True)
        )
        == 1.0
    )
    assert (
        u.SR_DAMAGES(10.0, "淘宝", "延迟发货", float(serial_before), caller=caller_1904(True))
        == 5.0
    )


def test_damages_promise_hours_and_goods_type_as_excel_passes_them() -> None:
    """Issue #10: the promise/goods tiers. Hours arrive as floats, numeric text or blanks;
    goods types in Chinese or as codes; single cells broadcast over ranges."""
    when = D(2025, 10, 1, 10)
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, 24.0) == 3.0  # ≤48 h: 1% [3;30]
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, 72.0) == 15.0  # >48 h: 5% [5;30]
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, "72小时") == 15.0
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, [["72"]]) == 15.0
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, None) == 3.0  # default 48 h
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, "") == 3.0
    assert u.SR_DAMAGES(300.0, "天猫", "延迟发货", when, 168.0, "预售") == 30.0
    assert u.SR_DAMAGES(300.0, "tmall", "late_shipment", when, 168.0, "presale") == 30.0
    assert u.SR_DAMAGES(300.0, "天猫", "延迟发货", when, 168.0, "普通") == 15.0
    assert u.SR_DAMAGES(300.0, "天猫", "延迟发货", when, 168.0, None) == 15.0  # blank: 普通
    # the new arguments by name, the old ones left to their defaults
    assert (
        u.SR_DAMAGES(300.0, "天猫", event_time=when, promise_hours=120.0, goods_type="定制") == 30.0
    )


def test_damages_promise_hours_float_noise_stays_in_its_tier() -> None:
    """=(承诺发货时间-付款时间)*24 may carry float noise; 48 h is still the ≤48 h tier."""
    when = D(2025, 10, 1, 10)
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, 48.000000000001) == 3.0
    assert u.SR_DAMAGES(300.0, "淘宝", "延迟发货", when, 48.01) == 15.0


def test_damages_tier_columns_equal_the_engine_api() -> None:
    when = D(2026, 6, 1, 10)
    hours = [24.0, 72.0, "300", None, 72.0, 168.0]
    goods = ["普通", None, "普通", "普通", "预售", "定制"]
    result = flat(
        u.SR_DAMAGES(
            col(150.0, 250.0, 150.0, 150.0, 6000.0, 300.0),
            col("抖音", "抖音", "抖音", "抖音", "抖音", "天猫"),
            "延迟发货",
            when,
            col(*hours),
            col(*goods),
        )
    )
    engine = api.damages(
        pd.Series([15000, 25000, 15000, 15000, 600000, 30000], dtype="Int64"),
        pd.Series(["douyin"] * 5 + ["tmall"], dtype=object),
        "late_shipment",
        pd.Timestamp(when),
        promise_hours=pd.Series([24.0, 72.0, 300.0, None, 72.0, 168.0]),
        goods_type=pd.Series(["normal", "normal", "normal", "normal", "presale", "custom"]),
    )
    assert result == cv.fen_to_excel(engine["fen"])
    assert result == [0.0, 3.0, 3.0, 0.0, 50.0, 30.0]


def test_damages_tier_inputs_bad_only_in_their_row() -> None:
    when = D(2025, 10, 1, 10)
    result = flat(
        u.SR_DAMAGES(
            col(300.0, 300.0, 300.0, 300.0, 300.0, 300.0, 300.0, None),
            "淘宝",
            "延迟发货",
            when,
            col("三天", "#N/A", -1.0, True, 72.0, None, 72.0, None),
            col("普通", "普通", "普通", "普通", "奇怪", "定制", "普通", None),
        )
    )
    assert result[0] == "#SR! 承诺发货时长无法识别: 三天（填小时数，如 48 或 72）"
    assert result[1] == "#SR! 承诺发货时长是错误值: #N/A"
    assert result[2] == "#SR! 承诺发货时长不能为负数"
    assert str(result[3]).startswith("#SR! 承诺发货时长无法识别: True")
    assert str(result[4]).startswith("#SR! 商品类型无法识别: 奇怪")
    # Taobao custom goods are not paid automatically: the engine's note, never a number
    assert result[5] == "#SR! 提示：定制商品延迟发货不自动赔付（需买家投诉），未计算违约金"
    assert result[6] == 15.0
    assert result[7] == ""  # a blank row stays blank


def test_damages_goods_without_a_default_window_need_the_promise() -> None:
    """Presale/custom goods ship by their promised time: with no hours a tiered version cannot
    choose its tier (the engine has no deadline for them either); an untiered one needs none."""
    when = D(2026, 4, 9, 10)
    assert u.SR_DAMAGES(300.0, "天猫", "延迟发货", when, None, "预售") == (
        "#SR! 缺少承诺发货时长：预售商品按承诺发货时间发货，平台没有默认时效，无法确定赔付档位"
    )
    assert u.SR_DAMAGES(300.0, "天猫", "延迟发货", D(2024, 3, 1), None, "预售") == 15.0


def test_damages_fill_twin_takes_the_new_arguments() -> None:
    when = D(2025, 10, 1, 10)
    assert u.SR_DAMAGES_FILL(col(300.0, 300.0), "淘宝", "延迟发货", when, col(24.0, 72.0)) == [
        [3.0],
        [15.0],
    ]
    assert u.SR_DAMAGES_FILL(300.0, "天猫", "延迟发货", when, 168.0, "预售") == 30.0


def test_unequal_ranges_and_2d_blocks_give_one_clear_error() -> None:
    assert (
        u.SR_DAMAGES(col(1.0, 2.0), col("淘宝", "淘宝", "淘宝")) == "#SR! 各区域行数不一致: 2 与 3"
    )
    message = u.SR_DAMAGES([[1.0, 2.0], [3.0, 4.0]], "淘宝")
    assert message == "#SR! 只接受单列或单行区域，收到 2 行 × 2 列"


def test_row_ranges_return_a_row() -> None:
    assert u.SR_DAMAGES([[100.0, 200.0]], "淘宝", "延迟发货", D(2024, 3, 1)) == [[5.0, 10.0]]


def test_unexpected_errors_are_one_short_cell_and_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "addin.log"
    monkeypatch.setenv("SHOPRULES_ADDIN_LOG", str(log))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(api, "damages", broken)
    result = u.SR_DAMAGES(100.0, "淘宝")
    assert result.startswith("#SR! 内部错误 RuntimeError")
    assert "Traceback" not in result
    assert "engine down" in log.read_text(encoding="utf-8")


# --- deadlines and statuses -------------------------------------------------------------------


def test_ship_deadline_forms_and_promised_time() -> None:
    paid = [D(2024, 3, 1, 10), 45352.5, "2024-03-01 10:00", None, "2024-13-01", "#N/A"]
    result = flat(u.SR_SHIP_DEADLINE(col(*paid), "天猫"))
    assert result[0] == D(2024, 3, 3, 10)
    assert result[1] == D(2024, 3, 3, 12)
    assert result[2] == D(2024, 3, 3, 10)
    assert result[3] == ""
    assert result[4] == "#SR! 付款时间无法识别: 2024-13-01"
    assert result[5] == "#SR! 付款时间是错误值: #N/A"
    assert u.SR_SHIP_DEADLINE(D(2024, 3, 1), "拼多多", "普通", D(2024, 3, 10)) == D(2024, 3, 10)
    assert u.SR_SHIP_DEADLINE(D(2024, 3, 1), "拼多多", "奇怪").startswith("#SR! 商品类型无法识别")


def test_ship_deadline_equals_engine() -> None:
    paid = pd.Series(pd.to_datetime(["2024-03-01 10:00", "2021-06-01 08:00", "2024-05-05 23:59"]))
    result = flat(
        u.SR_SHIP_DEADLINE(
            col(*paid.dt.to_pydatetime()), col("淘宝", "拼多多", "京东"), col("普通", "直邮", None)
        )
    )
    engine = api.ship_deadline(
        paid,
        pd.Series(["taobao", "pdd", "jd"]),
        pd.Series(["normal", "direct_mail", "normal"]),
        None,
    )
    assert result == cv.times_to_excel(engine["deadline"])


def test_ship_status_column_equals_engine() -> None:
    paid = [D(2024, 3, 1, 10), D(2024, 3, 1, 10), D(2024, 3, 4, 10), D(2024, 3, 1, 10), None]
    shipped = [D(2024, 3, 2), D(2024, 3, 4), None, None, None]
    as_of = D(2024, 3, 5)
    result = flat(u.SR_SHIP_STATUS(col(*paid), col(*shipped), "淘宝", None, None, as_of))
    assert result == ["按时发货", "延迟发货", "待发货", "超时未发货", ""]
    engine = api.ship_status(
        pd.Series(paid[:4], dtype="datetime64[ns]"),
        pd.Series(shipped[:4], dtype="datetime64[ns]"),
        "taobao",
        None,
        None,
        pd.Timestamp(as_of),
    )
    assert result[:4] == engine["status"].tolist()
    assert u.SR_SHIP_STATUS(None, D(2024, 3, 2), "淘宝") == ""
    assert u.SR_SHIP_STATUS(
        col(None, D(2024, 3, 1)), col(D(2024, 3, 2), None), "淘宝", None, None, as_of
    )[0] == ["#SR! 缺少付款时间"]


def test_return_deadline_and_status() -> None:
    signed = [D(2024, 3, 1, 10), "2024/3/2", 45352.0, None, "bad"]
    result = flat(u.SR_RETURN_DEADLINE(col(*signed)))
    assert result == [
        D(2024, 3, 9),
        D(2024, 3, 10),
        D(2024, 3, 9),
        "",
        "#SR! 签收时间无法识别: bad",
    ]
    engine = api.return_deadline(pd.Series(pd.to_datetime(["2024-03-01 10:00"])))
    assert u.SR_RETURN_DEADLINE(D(2024, 3, 1, 10)) == cv.times_to_excel(engine["deadline"])[0]

    status = flat(
        u.SR_RETURN_STATUS(
            col(D(2024, 3, 1, 10), D(2024, 3, 1, 10), D(2024, 3, 1, 10), D(2024, 2, 1), None),
            col(None, D(2024, 3, 5), D(2024, 3, 12), None, None),
            D(2024, 3, 6),
            col(True, True, True, True, True),
        )
    )
    assert status == ["可退货", "申请及时", "申请逾期", "已过期", ""]
    assert u.SR_RETURN_STATUS(D(2024, 3, 1), None, D(2024, 3, 2), False) == "不适用"
    assert u.SR_RETURN_STATUS(D(2024, 3, 1), None, D(2024, 3, 2), "否") == "不适用"


# --- points, freight, rules -------------------------------------------------------------------


def test_points_scalars_columns_and_names() -> None:
    assert u.SR_POINTS("发票问题", "天猫", D(2024, 3, 1)) == 6
    assert u.SR_POINTS("invoice_refusal", "tmall", D(2024, 3, 1)) == 6
    # Issue #10: Taobao's fixed 3 late-shipment points ended 2019-08-26, hence a 2019 date.
    result = flat(u.SR_POINTS(col("延迟发货", "xx", None, "泄露买家信息"), "淘宝", D(2019, 3, 1)))
    engine = api.violation_points(
        pd.Series(["late_shipment"]), "taobao", pd.Timestamp(2019, 3, 1), False, None
    )
    assert result[0] == int(engine["points"][0])
    assert str(result[1]).startswith("#SR! 违规类型无法识别: xx")
    assert result[2] == ""


def test_points_graded_names() -> None:
    """Issue #10: 2026 Taobao points depend on the grade (情节) named with the violation."""
    assert u.SR_POINTS("虚假交易-严重", "淘宝", D(2026, 5, 1)) == 48
    assert u.SR_POINTS("售假-一般", "淘宝", D(2026, 6, 1)) == 0
    assert str(u.SR_POINTS("虚假交易", "淘宝", D(2026, 5, 1))).startswith("#SR! 未注明情节")


def test_points_paid_before_ruling_matches_engine() -> None:
    for paid in (True, False):
        engine = api.violation_points(
            pd.Series(["late_shipment"]), "taobao", pd.Timestamp(2019, 3, 1), paid, None
        )
        expected = engine["points"][0]
        got = u.SR_POINTS("延迟发货", "淘宝", D(2019, 3, 1), paid)
        assert got == ("" if pd.isna(expected) else int(expected))


def test_freight() -> None:
    result = flat(u.SR_FREIGHT(col("质量问题", "不想要了", "其他", None, "seller", "#N/A"), False))
    assert result[:5] == [
        "发货:卖家 退货:卖家",
        "发货:买家 退货:买家",
        "发货:卖家 退货:买家",
        "",
        "发货:卖家 退货:卖家",
    ]
    assert result[5] == "#SR! 退款原因是错误值: #N/A"
    engine = api.freight(pd.Series(["不想要了"]), True, event_time=u._now())
    assert u.SR_FREIGHT("不想要了", True) == engine["text"][0]
    assert u.SR_FREIGHT("质量问题", "maybe").startswith("#SR! 包邮无法识别")


def test_rule_parameter_and_description() -> None:
    assert u.SR_RULE("淘宝", "延迟发货", "max", D(2024, 1, 1)) == 30.0
    assert u.SR_RULE("taobao", "late_shipment", "min", D(2017, 1, 1)) == 1.0
    assert u.SR_RULE("淘宝", "ship_by", "duration", D(2024, 1, 1)) == "48h"
    text = u.SR_RULE("淘宝", "延迟发货", None, D(2024, 1, 1))
    assert "taobao.late_shipment@2022-07-18" in text
    assert "来源" in text
    rates = flat(u.SR_RULE(col("淘宝", "京东", None), "延迟发货", "rate", D(2024, 1, 1)))
    assert rates == [0.05, 0.3, ""]
    assert u.SR_RULE("淘宝", "延迟发货", "xx").startswith("#SR! 参数无法识别")
    engine = api.rule_parameter("taobao", "late_shipment", "max", pd.Timestamp(2024, 1, 1))
    assert u.SR_RULE("淘宝", "延迟发货", "max", D(2024, 1, 1)) == engine["value"][0]


def test_every_function_gives_blank_for_an_all_blank_column() -> None:
    blanks = col(None, None)
    assert flat(u.SR_DAMAGES(blanks, "淘宝")) == ["", ""]
    assert flat(u.SR_SHIP_DEADLINE(blanks, "淘宝")) == ["", ""]
    assert flat(u.SR_SHIP_STATUS(blanks, blanks, "淘宝")) == ["", ""]
    assert flat(u.SR_POINTS(blanks, "淘宝")) == ["", ""]
    assert flat(u.SR_RETURN_DEADLINE(blanks)) == ["", ""]
    assert flat(u.SR_RETURN_STATUS(blanks)) == ["", ""]
    assert flat(u.SR_FREIGHT(blanks)) == ["", ""]
    assert flat(u.SR_RULE(blanks, blanks)) == ["", ""]


def test_results_are_never_nan_or_tracebacks() -> None:
    values = flat(
        u.SR_DAMAGES(col(100.0, None, "x", float("nan")), "淘宝", "延迟发货", D(2024, 3, 1))
    )
    for value in values:
        assert not (isinstance(value, float) and np.isnan(value))
        assert "Traceback" not in str(value)
