"""概览: per platform × month COUNTIFS/SUMIFS over 明细, and the two native charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.engine import EngineResult
from shoprules.formulas.fields import PLATFORM_CHINESE
from shoprules.formulas.rulebook import TRACK_NAMES, NodeParams, expect

from ..cells.excel import excel_serials
from .book import _Book
from .values import _col

_HEADER_ROW = 3  # 0-based row of the per platform × month table's header


def _write_overview(
    wb: _Book,
    sheet: Any,
    *,
    orders_month: pd.Series,
    platform_cn: pd.Series,
    res: pd.DataFrame,
    engine: EngineResult,
    detail_columns: dict[str, int],
    n: int,
) -> int:
    """Per platform × month table (COUNTIFS/SUMIFS over 明细) and the two charts."""
    rngs = _detail_ranges(detail_columns, n)
    groups = _platform_month_totals(orders_month, platform_cn, res)
    total_row, formulas = _write_table(wb, sheet, groups, rngs, engine=engine, n=n)
    block2, chart_formulas = _write_money_chart(wb, sheet, groups, rngs, total_row=total_row)
    _write_points_chart(wb, sheet, engine, block2=block2)
    return formulas + chart_formulas


def _detail_ranges(detail_columns: dict[str, int], n: int) -> dict[str, str]:
    """The absolute 明细 range of each summed column, keyed by its header."""
    last = max(n + 1, 2)
    out = {}
    for header in ("平台", "月份", "发货状态", "违约金", "平台扣款", "扣分"):
        letter = _col(detail_columns[header])
        out[header] = f"'明细'!${letter}$2:${letter}${last}"
    return out


def _platform_month_totals(
    orders_month: pd.Series, platform_cn: pd.Series, res: pd.DataFrame
) -> pd.DataFrame:
    """Orders, late, 违约金, 平台扣款 and 扣分 per platform × month, in platform then month order."""
    frame = pd.DataFrame(
        {
            "platform": platform_cn.to_numpy(dtype=object),
            "month": orders_month.to_numpy(dtype=object),
            "late": res["ship_status"].isin(["延迟发货", "超时未发货"]).to_numpy(),
            "damages": res["damages"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
            "fee": res["platform_fee"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
            "points": res["points"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
        }
    )
    frame = frame[frame["platform"].notna()]
    order = {cn: i for i, cn in enumerate(PLATFORM_CHINESE.values())}
    groups = (
        frame.groupby(["platform", "month"], sort=False)
        .agg(
            orders=("late", "size"),
            late=("late", "sum"),
            damages=("damages", "sum"),
            fee=("fee", "sum"),
            points=("points", "sum"),
        )
        .reset_index()
    )
    groups["_p"] = groups["platform"].map(order)
    return groups.sort_values(["_p", "month"]).reset_index(drop=True)


_HEADERS = ["平台", "月份", "订单数", "延迟发货(单)", "违约金(元)", "平台扣款(元)", "扣分"]


def _write_table(
    wb: _Book,
    sheet: Any,
    groups: pd.DataFrame,
    rngs: dict[str, str],
    *,
    engine: EngineResult,
    n: int,
) -> tuple[int, int]:
    """The title, the per platform × month rows and their 合计; returns (合计 row, formula count)."""
    p_rng, m_rng, s_rng = rngs["平台"], rngs["月份"], rngs["发货状态"]
    d_rng, f_rng, k_rng = rngs["违约金"], rngs["平台扣款"], rngs["扣分"]
    sheet.write_string(0, 0, "店铺罚则审计概览（违约金给买家，平台扣款给平台）", wb.title)
    sheet.write_string(
        1,
        0,
        f"状态判断时间 as-of {engine.as_of:%Y-%m-%d %H:%M}；订单 {n} 行；"
        "表中数字均为对「明细」的公式汇总，可在 Excel/WPS/LibreOffice 中重算",
    )
    top = _HEADER_ROW
    for c, header in enumerate(_HEADERS):
        sheet.write_string(top, c, header, wb.header)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 11)
    sheet.set_column(2, 6, 13)
    sheet.freeze_panes(top + 1, 0)
    money, integer = wb.formats["money"], wb.formats["integer"]
    formulas = 0
    for i, g in enumerate(groups.itertuples(index=False)):
        row = top + 1 + i
        cond = f"{p_rng},$A{row + 1},{m_rng},$B{row + 1}"
        sheet.write_string(row, 0, g.platform)
        sheet.write_string(row, 1, g.month)
        sheet.write_formula(row, 2, f"=COUNTIFS({cond})", integer, int(g.orders))
        sheet.write_formula(
            row,
            3,
            f'=COUNTIFS({cond},{s_rng},"延迟发货")+COUNTIFS({cond},{s_rng},"超时未发货")',
            integer,
            int(g.late),
        )
        sheet.write_formula(row, 4, f"=ROUND(SUMIFS({d_rng},{cond}),2)", money, g.damages / 100)
        sheet.write_formula(row, 5, f"=ROUND(SUMIFS({f_rng},{cond}),2)", money, g.fee / 100)
        sheet.write_formula(row, 6, f"=SUMIFS({k_rng},{cond})", integer, int(g.points))
        formulas += 5
    total_row = top + 1 + len(groups)
    sheet.write_string(total_row, 0, "合计", wb.bold)
    if len(groups):
        formulas += _write_totals(wb, sheet, groups, total_row=total_row)
        sheet.autofilter(top, 0, total_row - 1, len(_HEADERS) - 1)
    return total_row, formulas


def _write_totals(wb: _Book, sheet: Any, groups: pd.DataFrame, *, total_row: int) -> int:
    """The 合计 row's SUM formulas over the table; returns how many it wrote."""
    money, integer = wb.formats["money"], wb.formats["integer"]
    formulas = 0
    for c, (fmt, key) in enumerate(
        [
            (integer, "orders"),
            (integer, "late"),
            (money, "damages"),
            (money, "fee"),
            (integer, "points"),
        ],
        start=2,
    ):
        letter = _col(c)
        value = groups[key].sum()
        cached = value / 100 if key in ("damages", "fee") else int(value)
        text = f"SUM({letter}{_HEADER_ROW + 2}:{letter}{total_row})"
        sheet.write_formula(
            total_row, c, f"=ROUND({text},2)" if fmt is money else f"={text}", fmt, cached
        )
        formulas += 1
    return formulas


def _write_money_chart(
    wb: _Book, sheet: Any, groups: pd.DataFrame, rngs: dict[str, str], *, total_row: int
) -> tuple[int, int]:
    """Chart data 1: month × (platform 违约金 / 平台扣款), SUMIFS by month only, and its stacked
    column chart; returns (the next block's row, formula count)."""
    p_rng, m_rng = rngs["平台"], rngs["月份"]
    money = wb.formats["money"]
    months = sorted(groups["month"].unique().tolist())
    platforms = [p for p in PLATFORM_CHINESE.values() if p in set(groups["platform"])]
    series = []
    for p in platforms:
        sub = groups[groups["platform"] == p]
        for key, label, rng_ in (
            ("damages", "违约金", rngs["违约金"]),
            ("fee", "平台扣款", rngs["平台扣款"]),
        ):
            if sub[key].sum() > 0:
                series.append((p, key, label, rng_, sub.set_index("month")[key]))
    block = total_row + 3
    sheet.write_string(block - 1, 0, "按月金额（元，图表数据）", wb.bold)
    sheet.write_string(block, 0, "月份", wb.header)
    for j, (p, _key, label, _r, _v) in enumerate(series, start=1):
        sheet.write_string(block, j, f"{p}{label}", wb.header)
    formulas = 0
    for i, month in enumerate(months):
        row = block + 1 + i
        sheet.write_string(row, 0, month)
        for j, (p, _key, _label, rng_, values) in enumerate(series, start=1):
            cached = int(values.get(month, 0)) / 100
            sheet.write_formula(
                row, j, f'=ROUND(SUMIFS({rng_},{p_rng},"{p}",{m_rng},$A{row + 1}),2)', money, cached
            )
            formulas += 1
    if series and months:
        chart = wb.wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, (p, _key, label, _r, _v) in enumerate(series, start=1):
            chart.add_series(
                {
                    "name": f"{p}{label}",
                    "categories": ["概览", block + 1, 0, block + len(months), 0],
                    "values": ["概览", block + 1, j, block + len(months), j],
                }
            )
        chart.set_title({"name": "每月违约金与平台扣款（按平台）"})
        chart.set_y_axis({"name": "元", "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 360})
        sheet.insert_chart(3, 8, chart)
    return block + len(months) + 3, formulas


def _write_points_chart(wb: _Book, sheet: Any, engine: EngineResult, *, block2: int) -> None:
    """Chart data 2: points running total per platform and track, against node thresholds."""
    ledger = engine.ledger
    sheet.write_string(block2 - 1, 0, "扣分累计（图表数据）", wb.bold)
    if not len(ledger):
        sheet.write_string(block2, 0, "无扣分记录")
        return
    data = ledger.assign(
        _p=ledger["platform"].map(
            lambda p: list(PLATFORM_CHINESE).index(p) if p in PLATFORM_CHINESE else 99
        )
    )
    data = data.sort_values(["_p", "track", "date"], kind="stable").reset_index(drop=True)
    names, dates = _write_running_totals(wb, sheet, data, block2=block2)
    chart2 = wb.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    start_x, end_x = float(np.nanmin(dates)), float(np.nanmax(dates))
    lines: list[tuple[str, float, float, int]] = []
    for name, idx in names.groupby(names, sort=False).groups.items():
        rows = np.asarray(sorted(idx))
        first, last_ = block2 + 1 + int(rows[0]), block2 + 1 + int(rows[-1])
        chart2.add_series(
            {
                "name": str(name),
                "categories": ["概览", first, 1, last_, 1],
                "values": ["概览", first, 2, last_, 2],
            }
        )
        for level in _node_levels(engine, data, rows):
            if len(lines) >= 200:  # Excel charts hold at most 255 series
                break
            lines.append((f"{name}节点 {level} 分", start_x, end_x, level))
    _write_node_lines(wb, sheet, chart2, lines, block3=block2 + len(data) + 3)
    chart2.set_title({"name": "年度累计扣分与扣分节点"})
    chart2.set_x_axis(
        {"name": "日期", "num_format": "yyyy-mm-dd", "min": start_x - 1, "max": end_x + 1}
    )
    chart2.set_y_axis({"name": "分", "min": 0})
    chart2.set_legend({"position": "bottom"})
    chart2.set_size({"width": 720, "height": 400})
    sheet.insert_chart(23, 8, chart2)


def _write_running_totals(
    wb: _Book, sheet: Any, data: pd.DataFrame, *, block2: int
) -> tuple[pd.Series, np.ndarray]:
    """The 平台与类别 / 日期 / 年度累计扣分 rows; returns each row's series name and date serial."""
    for c, header in enumerate(["平台与类别", "日期", "年度累计扣分"]):
        sheet.write_string(block2, c, header, wb.header)
    names = data["platform"].map(lambda p: PLATFORM_CHINESE.get(p, str(p))).astype(str) + data[
        "track"
    ].map(lambda t: TRACK_NAMES.get(t, "") if isinstance(t, str) else "").astype(str)
    dates = excel_serials(data["date"])
    integer = wb.formats["integer"]
    for i in range(len(data)):
        row = block2 + 1 + i
        sheet.write_string(row, 0, names[i])
        if dates[i] == dates[i]:
            sheet.write_number(row, 1, float(dates[i]), wb.formats["date"])
        sheet.write_number(row, 2, int(data["running_total"][i]), integer)
    return names, dates


def _node_levels(engine: EngineResult, data: pd.DataFrame, rows: np.ndarray) -> list[int]:
    """The node thresholds to draw for one platform × track: those reached and the next one."""
    track_key = (str(data["platform"][rows[0]]), str(data["track"][rows[0]]))
    track = engine.rulebook.node_tracks.get(track_key)
    version = track.at(data["date"][rows[-1]]) if track is not None else None
    if version is None:
        return []
    top_total = int(data["running_total"][rows].max())
    nodes = expect(version.params, NodeParams, version.label)
    if nodes.every is None:
        levels = [t.points for t in nodes.thresholds]
    else:
        every = nodes.every.points
        levels = list(range(every, max(top_total, every) + every, every))
    return levels[: min(6, max(1, sum(1 for x in levels if x <= top_total) + 1))]


def _write_node_lines(
    wb: _Book,
    sheet: Any,
    chart2: Any,
    lines: list[tuple[str, float, float, int]],
    *,
    block3: int,
) -> None:
    """The 扣分节点 reference rows, each a dashed horizontal series on the points chart."""
    integer = wb.formats["integer"]
    sheet.write_string(block3 - 1, 0, "扣分节点（图表参考线）", wb.bold)
    for c, header in enumerate(["节点", "起", "止", "分值", "分值"]):
        sheet.write_string(block3, c, header, wb.header)
    for i, (label, x1, x2, level) in enumerate(lines):
        row = block3 + 1 + i
        sheet.write_string(row, 0, label)
        sheet.write_number(row, 1, x1, wb.formats["date"])
        sheet.write_number(row, 2, x2, wb.formats["date"])
        sheet.write_number(row, 3, level, integer)
        sheet.write_number(row, 4, level, integer)
        chart2.add_series(
            {
                "name": label,
                "categories": ["概览", row, 1, row, 2],
                "values": ["概览", row, 3, row, 4],
                "line": {"dash_type": "dash", "width": 1.25},
                "marker": {"type": "none"},
            }
        )
