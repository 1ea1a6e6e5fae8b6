"""Rows of cells (a sheet or a raw platform export) → the engine's canonical order columns.

Problems are collected per row (Chinese messages), never raised: a bad date leaves that field
empty and says why, the row's other fields still load. Only a file that cannot be read at all
raises :class:`UnusableInput`.

>>> rows = [["订单编号", "平台", "实付金额", "付款时间"],
...         ['="35153131473293579"', "淘宝", "¥1,234.50", "2024/3/1 15:04"],
...         ["2", "京东", "12元", "2024-13-01"]]
>>> result = read_rows(rows)
>>> result.orders[["order_id", "platform", "paid_amount"]].to_dict("list")
{'order_id': ['35153131473293579', '2'], 'platform': ['taobao', 'jd'], 'paid_amount': [123450, 1200]}
>>> result.problems.tolist()
['', '付款时间无法识别: 2024-13-01']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from shoprules.formulas.fields import (
    FIELD_NAMES,
    FIELDS,
    PLATFORM_CHINESE,
    normalize_goods_type,
    normalize_platform,
)

from ..cells.booleans import TRUE_WORDS, parse_booleans
from ..cells.excel import column_letter
from ..cells.ids import clean_ids
from ..cells.money import parse_yuan
from ..cells.text import clean_text
from ..cells.times import parse_times
from .errors import UnusableInput
from .exports import LINE_EXPORTS, TMALL_HINTS, detect_export, total_header_is_order_level
from .formats import HEADER_SCAN_LIMIT, ORDER_SHEET_SKIP, RawSheet, load_raw
from .headers import (
    DIRECT_ALIASES,
    EXPECTED,
    PAID_TOTAL_ALIASES,
    PRESALE_COLUMNS,
    header_score,
    normalize_header,
)
from .line_amounts import split_by_weight
from .order_status import classify_statuses
from .refunds import join_refunds
from .result import ReadResult, RowProblems

__all__ = ["read_orders", "read_rows"]


def _find_header(rows: list[list[object]]) -> int:
    best, best_score = -1, 1
    for index, row in enumerate(rows[:HEADER_SCAN_LIMIT]):
        score = header_score(row)
        if score > best_score:
            best, best_score = index, score
    return best


def read_rows(
    rows: list[list[object]],
    *,
    platform: str | None = None,
    epoch1904: bool = False,
    first_row_number: int = 1,
    sheet: str | None = None,
) -> ReadResult:
    """Canonical orders from a 2-D list of cells (as Excel, xlwings or calamine give them)."""
    if not rows:
        raise UnusableInput(f"工作表{f'「{sheet}」' if sheet else ''}是空的，没有任何内容")
    header_index = _find_header(rows)
    if header_index < 0:
        raise UnusableInput(
            f"前 {HEADER_SCAN_LIMIT} 行中没有找到订单表头（如 订单编号、付款时间、实付金额）。"
            "请确认选择了订单工作表，或直接粘贴平台导出的原始文件"
        )
    raw_headers = rows[header_index]
    width = len(raw_headers)
    headers = [normalize_header(h) for h in raw_headers]
    frame, row_numbers = _body(rows, header_index, width, first_row_number)
    n = len(frame)

    position: dict[str, int] = {}
    for index, header in enumerate(headers):
        position.setdefault(header, index)
    export = detect_export(headers)
    messages: list[str] = _duplicate_headers(headers)
    chosen, columns_used = _choose_columns(raw_headers, position)
    total_index = next((position[a] for a in PAID_TOTAL_ALIASES if a in position), None)
    if "order_id" not in chosen:
        raise UnusableInput(
            "表头中没有订单编号列（订单编号 / 订单号 / 主订单编号），无法识别订单。请检查是否选对了工作表"
        )

    problems = RowProblems(n)
    orders, postage_problems = _clean_fields(frame, chosen, problems, epoch1904=epoch1904)

    # Paid amount: the canonical column, else the export's paid total minus postage. A row whose
    # postage cannot be read gets no paid amount (never the total with postage still in it).
    from_total = orders["paid_amount"] is None and total_index is not None
    if orders["paid_amount"] is None and total_index is not None:
        _paid_from_total(
            frame[total_index].reset_index(drop=True),
            str(raw_headers[total_index]).strip(),
            orders,
            postage_problems,
            problems=problems,
            columns_used=columns_used,
            messages=messages,
        )

    # Platform: the argument, else a 平台 column per row, else the header signature.
    detected = export[0] if export else None
    given = normalize_platform(platform) if platform else None
    _platform_notes(platform, given, detected, export, orders, position, messages)
    platform_codes = _platform_codes(given, detected, orders["platform"], problems, n)
    orders["platform"] = platform_codes
    if orders["order_stage"] is not None:
        orders["order_stage"] = _stages(orders["order_stage"], platform_codes, messages)
    _goods_types(frame, position, orders, problems, columns_used, messages)
    if orders["free_shipping"] is None and isinstance(orders["postage"], pd.Series):
        orders["free_shipping"] = pd.array(
            orders["postage"].eq(0).astype("boolean"), dtype="boolean"
        )
        messages.append("包邮按邮费为 0 判断")

    if from_total and total_header_is_order_level(headers[total_index or 0]):
        _jd_order_totals(frame, position, orders, platform_codes, messages)

    canonical = _assemble(orders, n)
    _check_contradictions(canonical, problems, detected, export[1] if export else None)

    missing = [FIELDS[f].chinese for f in EXPECTED if f not in columns_used]
    if export:
        messages.insert(0, f"识别为「{export[1]}」")
    messages.append(
        "使用的列: " + "、".join(f"{FIELDS[k].chinese}←{v}" for k, v in columns_used.items())
    )
    if missing:
        messages.append("未找到的列: " + "、".join(missing))
    return ReadResult(
        orders=canonical,
        problems=problems.series(),
        platform=given or detected,
        sheet=sheet,
        header_row=first_row_number + header_index,
        row_numbers=row_numbers,
        headers=headers,
        columns_used=columns_used,
        missing=missing,
        epoch1904=epoch1904,
        messages=messages,
        export_name=export[1] if export else None,
        extra=_extra_columns(frame, chosen, headers, raw_headers),
    )


def _body(
    rows: list[list[object]], header_index: int, width: int, first_row_number: int
) -> tuple[pd.DataFrame, list[int]]:
    """The non-blank rows under the header, cut or padded to its width, and their sheet row
    numbers."""
    body: list[list[object]] = []
    row_numbers: list[int] = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        first = row[0] if row else None
        if (first is None or (isinstance(first, str) and not first.strip())) and not any(
            cell not in (None, "") and not (isinstance(cell, str) and not cell.strip())
            for cell in row
        ):
            continue
        cells = list(row[:width]) + [None] * (width - len(row))
        body.append(cells)
        row_numbers.append(first_row_number + offset)
    frame = (
        pd.DataFrame(body, columns=range(width), dtype=object)
        if body
        else pd.DataFrame(columns=range(width), dtype=object)
    )
    return frame, row_numbers


def _choose_columns(
    raw_headers: list[object], position: dict[str, int]
) -> tuple[dict[str, int], dict[str, str]]:
    """Each field's column (its first alias present) and the header it was read from."""
    columns_used: dict[str, str] = {}
    chosen: dict[str, int] = {}
    for name, aliases in DIRECT_ALIASES.items():
        for alias in aliases:
            if alias in position:
                chosen[name] = position[alias]
                columns_used[name] = str(raw_headers[position[alias]]).strip()
                break
    return chosen, columns_used


def _clean_fields(
    frame: pd.DataFrame, chosen: dict[str, int], problems: RowProblems, *, epoch1904: bool
) -> tuple[dict[str, Any], np.ndarray]:
    """Each field's column cleaned by its kind (``None`` when absent), recording the cells that
    cannot be read; returns the fields and which rows' postage could not be read."""
    n = len(frame)
    postage_problems = np.zeros(n, dtype=bool)
    orders: dict[str, Any] = {}
    for name in FIELD_NAMES:
        spec = FIELDS[name]
        column = frame[chosen[name]] if name in chosen else None
        if column is None:
            orders[name] = None
            continue
        column = column.reset_index(drop=True)
        if spec.kind == "id":
            values, id_problems = clean_ids(column, spec.chinese)
            problems.add(
                (id_problems != "").to_numpy(),
                id_problems[id_problems != ""].to_numpy(dtype=object),
            )
            orders[name] = values
        elif spec.kind == "text":
            orders[name] = clean_text(column)
        elif spec.kind == "time":
            parsed = parse_times(column, epoch1904=epoch1904)
            bad = parsed.bad.to_numpy()
            problems.add(
                bad, np.array([f"{spec.chinese}无法识别: {v}" for v in column[bad]], dtype=object)
            )
            orders[name] = parsed.values.to_numpy(dtype="datetime64[ns]")
        elif spec.kind == "money":
            money = parse_yuan(column)
            bad = money.bad.to_numpy()
            if name == "postage":
                postage_problems = bad
            problems.add(
                bad, np.array([f"{spec.chinese}无法识别: {v}" for v in column[bad]], dtype=object)
            )
            orders[name] = money.fen
        elif spec.kind == "bool":
            flags = parse_booleans(column)
            bad = flags.bad
            problems.add(
                bad, np.array([f"{spec.chinese}应为 是/否: {v}" for v in column[bad]], dtype=object)
            )
            orders[name] = flags.values
        else:  # enum
            orders[name] = clean_text(column)
    return orders, postage_problems


def _paid_from_total(
    total_column: pd.Series,
    header: str,
    orders: dict[str, Any],
    postage_problems: np.ndarray,
    *,
    problems: RowProblems,
    columns_used: dict[str, str],
    messages: list[str],
) -> None:
    """``orders["paid_amount"]`` from the export's paid total (column ``header``) minus postage."""
    money = parse_yuan(total_column)
    bad = money.bad.to_numpy()
    problems.add(bad, np.array([f"实付金额无法识别: {v}" for v in total_column[bad]], dtype=object))
    postage = orders["postage"]
    if isinstance(postage, pd.Series):
        postage_bad = postage_problems
        postage_blank = postage.isna().to_numpy() & ~postage_bad & money.fen.notna().to_numpy()
        paid = money.fen - postage.fillna(0)
        paid[postage_bad] = pd.NA
        orders["paid_amount"] = paid.astype("Int64")
        columns_used["paid_amount"] = f"{header} − {columns_used['postage']}"
        messages.append(f"违约金基数 = {header} − {columns_used['postage']}（不含邮费）")
        if postage_bad.any():
            problems.add(postage_bad, "实付金额无法确定（邮费无法识别）")
        if postage_blank.any():
            messages.append(
                f"{int(postage_blank.sum())} 行{columns_used['postage']}为空，按 0 元邮费计算实付金额"
            )
    else:
        orders["paid_amount"] = money.fen.astype("Int64")
        columns_used["paid_amount"] = header
        messages.append(
            f"未找到邮费列：实付金额直接取「{header}」，其中可能含邮费；如有邮费列请一并导出"
        )


def _platform_notes(
    platform: str | None,
    given: str | None,
    detected: str | None,
    export: tuple[str, str] | None,
    orders: dict[str, Any],
    position: dict[str, int],
    messages: list[str],
) -> None:
    """Notes on a platform the header cannot tell or contradicts; an unknown ``platform`` raises."""
    if detected == "taobao" and given is None and orders["platform"] is None:
        hint = "（表头含天猫字段）" if any(h in position for h in TMALL_HINTS) else ""
        messages.append(
            f"淘宝与天猫的导出格式相同{hint}，已按淘宝计算；天猫店请使用 --platform tmall"
        )
    same_format = {given, detected} == {"taobao", "tmall"}  # one export format for both
    if given is not None and detected is not None and given != detected and not same_format:
        messages.append(
            f"注意：--platform 指定为{PLATFORM_CHINESE.get(given, given)}，但表头看起来是"
            f"「{export[1] if export else detected}」（{PLATFORM_CHINESE.get(detected, detected)}）。"
            "已按指定的平台计算，请确认平台无误"
        )
    if platform and given is None:
        raise UnusableInput(
            f"平台名称无法识别: {platform}（可用 {'、'.join(PLATFORM_CHINESE.values())}）"
        )


def _platform_codes(
    given: str | None,
    detected: str | None,
    named: pd.Series | None,
    problems: RowProblems,
    n: int,
) -> np.ndarray:
    """Each row's platform code: ``given``, else its 平台 cell (``named``), else ``detected``."""
    platform_codes = np.full(n, given or detected, dtype=object)
    if given is None and named is not None:
        codes, names = pd.factorize(named)
        known = np.array([*map(normalize_platform, names), None], dtype=object)
        normalized = pd.Series(known[codes], dtype=object)
        has_name = named.notna().to_numpy()
        platform_codes[has_name] = normalized[has_name].to_numpy(dtype=object)
        unknown = has_name & normalized.isna().to_numpy()
        problems.add(
            unknown, np.array([f"平台无法识别: {v}" for v in named[unknown]], dtype=object)
        )
    missing_platform = pd.isna(platform_codes) & ~(
        named.notna().to_numpy() if named is not None else np.zeros(n, dtype=bool)
    )
    problems.add(missing_platform, "平台无法识别（请添加「平台」列或使用 --platform）")
    return platform_codes


def _goods_types(
    frame: pd.DataFrame,
    position: dict[str, int],
    orders: dict[str, Any],
    problems: RowProblems,
    columns_used: dict[str, str],
    messages: list[str],
) -> None:
    """``orders["goods_type"]`` as codes, from its column or else a presale column."""
    goods = orders["goods_type"]
    if goods is not None:
        codes = goods.map(normalize_goods_type)
        bad = goods.notna().to_numpy() & codes.isna().to_numpy()
        problems.add(
            bad,
            np.array(
                [f"商品类型无法识别: {v}（可用 普通/直供/直邮/预售/定制）" for v in goods[bad]],
                dtype=object,
            ),
        )
        orders["goods_type"] = codes.where(~bad, "normal")
        return
    presale = _presale_from_columns(frame, position)
    if presale is not None:
        mask, header = presale
        orders["goods_type"] = np.where(mask, "presale", "normal").astype(object)
        columns_used["goods_type"] = header
        messages.append(f"预售订单按「{header}」识别")


def _jd_order_totals(
    frame: pd.DataFrame,
    position: dict[str, int],
    orders: dict[str, Any],
    platform_codes: np.ndarray,
    messages: list[str],
) -> None:
    """JD repeats the order's totals (应付金额, 运费金额) on every SKU row: count them once, on
    the order's first row; its other SKU rows carry 0 so that nothing is counted twice."""
    jd_rows = pd.Series(platform_codes == "jd", dtype=bool)
    ids = pd.Series(orders["order_id"], dtype=object)
    repeat = (jd_rows & ids.notna() & ids.where(jd_rows).duplicated(keep="first")).to_numpy()
    if not repeat.any():
        return
    for name in ("paid_amount", "postage"):
        if isinstance(orders[name], pd.Series):
            column = orders[name].copy()
            column[repeat & column.notna().to_numpy()] = 0
            orders[name] = column
    messages.append(
        f"京东导出的订单金额在每个商品行重复：只计入每个订单的第一行，"
        f"其余 {int(repeat.sum())} 个商品行的实付金额与邮费记为 0（不重复计算）"
    )
    _split_jd_lines(frame, position, orders, jd_rows.to_numpy(), messages)


def _extra_columns(
    frame: pd.DataFrame, chosen: dict[str, int], headers: list[str], raw_headers: list[object]
) -> pd.DataFrame | None:
    """The columns no field consumed, under their own headers (first of a duplicate kept); the
    raw 订单状态 words stay visible next to the stage read from them."""
    consumed = {i for name, i in chosen.items() if name != "order_stage"}
    extra_columns = [i for i in range(len(headers)) if i not in consumed and headers[i]]
    extra = frame[extra_columns].copy() if extra_columns else None
    if extra is not None:
        extra.columns = [str(raw_headers[i]).strip() for i in extra_columns]
        extra = extra.loc[:, ~extra.columns.duplicated()].reset_index(drop=True)
    return extra


def _split_jd_lines(
    frame: pd.DataFrame,
    position: dict[str, int],
    orders: dict[str, Any],
    jd_rows: np.ndarray,
    messages: list[str],
) -> None:
    """JD's per-item cap applies per item: the order's paid amount shared over its SKU rows by
    京东价 × 订购数量 (when the export has both)."""
    if "京东价" not in position or not isinstance(orders["paid_amount"], pd.Series):
        return
    price = parse_yuan(frame[position["京东价"]].reset_index(drop=True)).fen
    weight = price.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if "订购数量" in position:
        quantity = pd.to_numeric(
            frame[position["订购数量"]].reset_index(drop=True), errors="coerce"
        )
        weight = weight * quantity.fillna(1).to_numpy(dtype="float64")
    weight[~jd_rows] = np.nan
    split, changed = split_by_weight(
        pd.Series(orders["order_id"], dtype=object), orders["paid_amount"], weight
    )
    if changed.any():
        orders["paid_amount"] = split
        messages.append(
            f"京东多商品订单的实付金额按 京东价×订购数量 分摊到 {int(changed.sum())} 个商品行"
            "（违约金上限按件计算）"
        )


def _stages(statuses: pd.Series, platforms: np.ndarray, messages: list[str]) -> np.ndarray:
    """订单状态 words → lifecycle stages; unknown words are named once (they change nothing)."""
    stages, unknown = classify_statuses(statuses, platforms)
    if unknown.any():
        words = "、".join(sorted({str(v).strip() for v in statuses[unknown]})[:8])
        messages.append(f"订单状态未收录（按未知处理，不影响计算）: {words}")
    return stages


def _duplicate_headers(headers: list[str]) -> list[str]:
    """One message per header that appears in more than one column: which columns, which one is
    read (the first, as Excel's own look-ups do).

    >>> _duplicate_headers(["订单编号", "付款时间", "付款时间", "", ""])
    ['表头「付款时间」重复出现在 B、C 列：使用 B 列，其余忽略']
    """
    columns: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        if header:
            columns.setdefault(header, []).append(index)
    return [
        f"表头「{header}」重复出现在 {'、'.join(column_letter(i + 1) for i in where)} 列："
        f"使用 {column_letter(where[0] + 1)} 列，其余忽略"
        for header, where in columns.items()
        if len(where) > 1
    ]


def _assemble(orders: dict[str, Any], n: int) -> pd.DataFrame:
    columns: dict[str, object] = {}
    for name in FIELD_NAMES:
        kind = FIELDS[name].kind
        value = orders[name]
        if value is None:
            if kind == "time":
                value = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            elif kind == "money":
                value = pd.arrays.IntegerArray(np.zeros(n, dtype="int64"), np.ones(n, dtype=bool))
            elif kind == "bool":
                value = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
            elif name == "goods_type":
                value = np.full(n, "normal", dtype=object)
            else:
                value = np.full(n, None, dtype=object)
        if kind in ("id", "text", "enum"):
            value = pd.Series(np.asarray(value, dtype=object), dtype=object)
        columns[name] = value
    return pd.DataFrame(columns, index=range(n))


def _presale_from_columns(
    frame: pd.DataFrame, position: dict[str, int]
) -> tuple[np.ndarray, str] | None:
    """Presale rows from an export's 预售 columns (no 商品类型 column): Taobao ``预售订单``
    (是/预售), Kuaishou ``预售定金支付时间`` (filled), Douyin ``订单类型`` (contains 预售)."""
    for header, kind in PRESALE_COLUMNS:
        if header not in position:
            continue
        column = clean_text(frame[position[header]].reset_index(drop=True))
        present = column.notna().to_numpy()
        if kind == "filled":
            return present, header
        text = column.fillna("").astype(str)
        mask = (
            text.str.contains("预售", regex=False).to_numpy()
            | text.str.lower().isin(TRUE_WORDS).to_numpy()
        )
        return mask & present, header
    return None


def _check_contradictions(
    orders: pd.DataFrame, problems: RowProblems, platform: str | None, export: str | None
) -> None:
    paid = orders["paid_at"].to_numpy()
    shipped = orders["shipped_at"].to_numpy()
    signed = orders["signed_at"].to_numpy()
    confirmed = orders["confirmed_at"].to_numpy()
    requested = orders["refund_requested_at"].to_numpy()
    for later, earlier, message in (
        (shipped, paid, "发货时间早于付款时间"),
        (signed, shipped, "签收时间早于发货时间"),
        (confirmed, shipped, "确认收货时间早于发货时间"),
        (requested, paid, "退款申请时间早于付款时间"),
    ):
        both = ~np.isnat(later) & ~np.isnat(earlier)
        problems.add(both & (later < earlier), f"{message}，请核对")
    amount = orders["paid_amount"]
    problems.add((amount.fillna(0) < 0).to_numpy(dtype=bool), "实付金额为负数")
    if platform == "jd" or (export is not None and export in LINE_EXPORTS):
        return  # one row per item line without a sub-order id: the order id repeats by design
    keys = orders["order_id"].astype(str) + "|" + orders["sub_order_id"].fillna("").astype(str)
    duplicated = (keys.duplicated(keep=False) & orders["order_id"].notna()).to_numpy()
    problems.add(duplicated, "订单编号重复")


def read_orders(
    path: str | Path,
    *,
    platform: str | None = None,
    sheet: str | None = None,
    refunds: str | Path | None = None,
) -> ReadResult:
    """Read an order file (any supported format); optionally join a refund/after-sale export."""
    path = Path(path)
    fmt, sheets = load_raw(path)
    chosen = _choose_sheet(sheets, sheet)
    result = read_rows(
        chosen.rows, platform=platform, epoch1904=chosen.epoch1904, sheet=chosen.name
    )
    result.source_format = fmt
    if refunds is not None:
        try:
            refund_result = read_orders(refunds, platform=platform)
        except UnusableInput as error:
            raise UnusableInput(f"退款/售后文件无法读取: {error}") from error
        join_refunds(result, refund_result)
    return result


def _choose_sheet(sheets: list[RawSheet], name: str | None) -> RawSheet:
    if name is not None:
        for candidate in sheets:
            if candidate.name == name:
                return candidate
        names = "、".join(str(s.name) for s in sheets)
        raise UnusableInput(f"找不到工作表「{name}」（有: {names}）")
    best, best_score = None, 1
    for candidate in sheets:
        if candidate.name in ORDER_SHEET_SKIP:
            continue
        score = max((header_score(row) for row in candidate.rows[:HEADER_SCAN_LIMIT]), default=0)
        if score > best_score:
            best, best_score = candidate, score
    if best is None and not any(s.rows for s in sheets if s.name not in ORDER_SHEET_SKIP):
        raise UnusableInput("工作簿是空的：工作表中没有任何内容。请确认导出完整后重试")
    if best is None:
        raise UnusableInput(
            "没有找到订单工作表（前 20 行内需有 订单编号、付款时间 等表头）。请用 --sheet 指定"
        )
    return best
