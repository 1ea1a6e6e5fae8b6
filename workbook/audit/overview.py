"""概览: per platform × month COUNTIFS/SUMIFS over 明细, and the two native charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.engine import EngineResult
from shoprules.formulas.fields import PLATFORM_CHINESE
from shoprules.formulas.rulebook import TRACK_NAMES, NodeParams

from ..cells.excel import excel_serials
from .book import _Book
from .values import _col


def _write_overview(
    wb: _Book,
    sheet: Any,
    *,
    orders_month: pd.Series,
    platform_cn: pd.Series,
    res: pd.DataFrame,
    det: pd.DataFrame,
    engine: EngineResult,
    detail_columns: dict[str, int],
    n: int,
) -> int:
    """Per platform × month table (COUNTIFS/SUMIFS over 明细) and the two charts."""
    last = max(n + 1, 2)

    def rng(header: str) -> str:
        letter = _col(detail_columns[header])
        return f"'明细'!${letter}$2:${letter}${last}"

    p_rng, m_rng, s_rng = rng("平台"), rng("月份"), rng("发货状态")
    d_rng, f_rng, k_rng = rng("违约金"), rng("平台扣款"), rng("扣分")
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
    groups = groups.sort_values(["_p", "month"]).reset_index(drop=True)

    sheet.write_string(0, 0, "店铺罚则审计概览（违约金给买家，平台扣款给平台）", wb.title)
    sheet.write_string(
        1,
        0,
        f"状态判断时间 as-of {engine.as_of:%Y-%m-%d %H:%M}；订单 {n} 行；"
        "表中数字均为对「明细」的公式汇总，可在 Excel/WPS/LibreOffice 中重算",
    )
    headers = ["平台", "月份", "订单数", "延迟发货(单)", "违约金(元)", "平台扣款(元)", "扣分"]
    top = 3
    for c, header in enumerate(headers):
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
            text = f"SUM({letter}{top + 2}:{letter}{total_row})"
            sheet.write_formula(
                total_row, c, f"=ROUND({text},2)" if fmt is money else f"={text}", fmt, cached
            )
            formulas += 1
    if len(groups):
        sheet.autofilter(top, 0, total_row - 1, len(headers) - 1)

    # Chart data 1: month × (platform 违约金 / 平台扣款), SUMIFS by month only.
    months = sorted(groups["month"].unique().tolist())
    platforms = [p for p in PLATFORM_CHINESE.values() if p in set(groups["platform"])]
    series = []
    for p in platforms:
        sub = groups[groups["platform"] == p]
        for key, label, rng_ in (("damages", "违约金", d_rng), ("fee", "平台扣款", f_rng)):
            if sub[key].sum() > 0:
                series.append((p, key, label, rng_, sub.set_index("month")[key]))
    block = total_row + 3
    sheet.write_string(block - 1, 0, "按月金额（元，图表数据）", wb.bold)
    sheet.write_string(block, 0, "月份", wb.header)
    for j, (p, _key, label, _r, _v) in enumerate(series, start=1):
        sheet.write_string(block, j, f"{p}{label}", wb.header)
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

    # Chart data 2: points running total per platform and track, against node thresholds.
    ledger = engine.ledger
    block2 = block + len(months) + 3
    sheet.write_string(block2 - 1, 0, "扣分累计（图表数据）", wb.bold)
    if not len(ledger):
        sheet.write_string(block2, 0, "无扣分记录")
        return formulas
    data = ledger.assign(
        _p=ledger["platform"].map(
            lambda p: list(PLATFORM_CHINESE).index(p) if p in PLATFORM_CHINESE else 99
        )
    )
    data = data.sort_values(["_p", "track", "date"], kind="stable").reset_index(drop=True)
    for c, header in enumerate(["平台与类别", "日期", "年度累计扣分"]):
        sheet.write_string(block2, c, header, wb.header)
    names = data["platform"].map(lambda p: PLATFORM_CHINESE.get(p, str(p))).astype(str) + data[
        "track"
    ].map(lambda t: TRACK_NAMES.get(t, "") if isinstance(t, str) else "").astype(str)
    dates = excel_serials(data["date"])
    for i in range(len(data)):
        row = block2 + 1 + i
        sheet.write_string(row, 0, names[i])
        if dates[i] == dates[i]:
            sheet.write_number(row, 1, float(dates[i]), wb.formats["date"])
        sheet.write_number(row, 2, int(data["running_total"][i]), integer)
    chart2 = wb.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    lines: list[tuple[str, float, float, int]] = []
    start_x, end_x = float(np.nanmin(dates)), float(np.nanmax(dates))
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
        track_key = (str(data["platform"][rows[0]]), str(data["track"][rows[0]]))
        track = engine.rulebook.node_tracks.get(track_key)
        version = track.at(data["date"][rows[-1]]) if track is not None else None
        if version is None:
            continue
        top_total = int(data["running_total"][rows].max())
        nodes = version.params
        assert isinstance(nodes, NodeParams), version.label
        if nodes.every is None:
            levels = [t.points for t in nodes.thresholds]
        else:
            every = nodes.every.points
            levels = list(range(every, max(top_total, every) + every, every))
        for level in levels[: min(6, max(1, sum(1 for x in levels if x <= top_total) + 1))]:
            if len(lines) >= 200:  # Excel charts hold at most 255 series
                break
            lines.append((f"{name}节点 {level} 分", start_x, end_x, level))
    block3 = block2 + len(data) + 3
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
    chart2.set_title({"name": "年度累计扣分与扣分节点"})
    chart2.set_x_axis(
        {"name": "日期", "num_format": "yyyy-mm-dd", "min": start_x - 1, "max": end_x + 1}
    )
    chart2.set_y_axis({"name": "分", "min": 0})
    chart2.set_legend({"position": "bottom"})
    chart2.set_size({"width": 720, "height": 400})
    sheet.insert_chart(23, 8, chart2)
    return formulas
