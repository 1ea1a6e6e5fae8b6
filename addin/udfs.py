"""Excel functions of the 店铺罚则 add-in (SPEC §5), registered with open-source xlwings.

Each function takes single cells or whole columns (equal-length ranges; single cells broadcast)
and returns one value or a column that spills. Blank rows give blank results; a bad row gives
``#SR! <reason>`` in that row only. Every call converts its arguments once per column
(:mod:`shoprules.addin.convert`) and makes one engine call (:mod:`shoprules.formulas.api`).

Arguments are declared ``ndim=2, err_to_str=True``: xlwings passes every range as a 2-D list and
error cells as text (``"#N/A"``) instead of ``None``. ``caller`` is xlwings' reserved argument
(the calling range; not visible in Excel): it is only used to ask the workbook for its date
system when a date arrives as a serial number.

Every function runs in the function wizard and at every recalculation (no ``call_in_wizard=False``:
its VBA guard returns 0 when Excel recalculates at open, xlwings #1574; the functions are fast).
Each ``SR_X`` has a legacy twin ``SR_X_FILL`` for Excel 2016/2019, which have no dynamic arrays: the
same arguments and result, returned with xlwings' ``expand="table"``, which after the call rewrites
the formula as an array formula over the result's size, so one formula fills the column.

Off Windows, ``xw.func``/``xw.arg``/``xw.ret`` are no-ops and the functions are plain Python.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd
import xlwings as xw
from shoprules.formulas import api
from shoprules.formulas.rulebook import load_rulebook
from shoprules.workbook.clock import china_now

from . import convert as cv
from .logs import log_exception

__all__ = [
    "SR_DAMAGES",
    "SR_DAMAGES_FILL",
    "SR_FREIGHT",
    "SR_FREIGHT_FILL",
    "SR_POINTS",
    "SR_POINTS_FILL",
    "SR_RETURN_DEADLINE",
    "SR_RETURN_DEADLINE_FILL",
    "SR_RETURN_STATUS",
    "SR_RETURN_STATUS_FILL",
    "SR_RULE",
    "SR_RULE_FILL",
    "SR_SHIP_DEADLINE",
    "SR_SHIP_DEADLINE_FILL",
    "SR_SHIP_STATUS",
    "SR_SHIP_STATUS_FILL",
]

CATEGORY: Final = "店铺罚则"
_RANGE: Final[dict[str, Any]] = {"ndim": 2, "err_to_str": True}

_DOC_PLATFORM: Final = (
    "平台：淘宝/天猫/拼多多/抖音/快手/京东 或 taobao/tmall/pdd/douyin/kuaishou/jd；单元格或整列"
)
_DOC_EVENT: Final = (
    "可选：违规发生的时间，决定规则版本（延迟发货为错过的发货截止时间，即 SR_SHIP_DEADLINE 的结果）；"
    "日期、序列号或文本；默认现在"
)
_DOC_AS_OF: Final = "可选：判断状态的时点；默认现在"
_DOC_GOODS: Final = "可选：商品类型 普通/直供/直邮/预售/定制；默认普通"
_DOC_PROMISED: Final = "可选：承诺发货时间（有则优先于平台默认时效）"
_DOC_PROMISE_HOURS: Final = (
    "可选：承诺发货时长（小时，付款到承诺发货时间，如 48、72）；空白按平台默认时效（普通商品 48）"
)


def _now() -> pd.Timestamp:
    """Now in China time (naive), to the second."""
    return pd.Timestamp(china_now("second"))


def _epoch1904(caller: Any, *columns: pd.Series) -> bool:
    """The calling workbook's date system, asked only when a date arrived as a number."""
    if caller is None:
        return False
    has_number = any(
        c.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).any()
        for c in columns
    )
    if not has_number:
        return False
    try:
        return bool(caller.sheet.book.api.Date1904)
    except Exception:  # the date system is a refinement; 1900 is Excel's default
        return False


def _blank_rows(layout: cv.Layout, primary: np.ndarray, *args: tuple[object, np.ndarray]) -> Any:
    """A row is blank when every range argument is blank in it (with no range arguments: when
    the first argument is blank). Blank rows give blank results, never an error."""
    ranged = [blank for argument, blank in args if layout.is_range(argument)]
    if not ranged:
        return primary.copy()
    return np.logical_and.reduce(ranged)


def _missing(blank: np.ndarray, rows: np.ndarray, label: str) -> np.ndarray:
    """``缺少<label>`` where a non-blank row lacks a required value."""
    out = np.full(len(rows), None, dtype=object)
    out[rows & ~blank] = f"缺少{label}"
    return out


def _filled(times: cv.Parsed, default: pd.Timestamp) -> pd.Series:
    """Times with blanks replaced by ``default`` (a fresh, writable array)."""
    values = times.values.to_numpy(dtype="datetime64[ns]")
    return pd.Series(np.where(np.isnat(values), default.to_datetime64(), values))


def _finish(
    layout: cv.Layout,
    blank: np.ndarray,
    input_problems: np.ndarray,
    values: list[object],
    engine_problems: object,
) -> Any:
    problems = cv.merge_problems(layout.n, input_problems, engine_problems)
    problems[blank] = None
    out = np.asarray(values, dtype=object)
    out[blank | pd.notna(problems)] = None
    return layout.to_excel(out, problems)


def _guarded(name: str, body: Callable[[], Any]) -> Any:
    """Run a UDF body: shape errors and unexpected errors become one ``#SR!`` cell (the
    traceback goes to the log file), never a traceback in the sheet."""
    try:
        return body()
    except cv.InputShapeError as error:
        return cv.error_text(str(error))
    except Exception as error:
        path = log_exception(name, error)
        return cv.error_text(f"内部错误 {type(error).__name__}，详情见 {path}")


def _ints(values: object) -> list[object]:
    array = pd.array(values, dtype="Int64")
    out = array.to_numpy(dtype="int64", na_value=0).astype(object)
    out[np.asarray(array.isna())] = None
    return list(out.tolist())


def _texts(values: object) -> list[object]:
    out = pd.Series(values, dtype=object)
    return list(out.where(out.notna() & (out != ""), None).tolist())


# ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("amount", doc="实付金额（元，不含邮费）；单元格或整列，如 E2:E5000", **_RANGE)
@xw.arg("platform", doc=_DOC_PLATFORM, **_RANGE)
@xw.arg(
    "violation",
    doc="可选：违规类型代码或中文名，如 延迟发货/缺货/虚假发货；默认 延迟发货",
    **_RANGE,
)
@xw.arg("event_time", doc=_DOC_EVENT, **_RANGE)
@xw.arg("promise_hours", doc=_DOC_PROMISE_HOURS, **_RANGE)
@xw.arg("goods_type", doc=_DOC_GOODS, **_RANGE)
def SR_DAMAGES(
    amount: Any,
    platform: Any,
    violation: Any = "late_shipment",
    event_time: Any = None,
    promise_hours: Any = None,
    goods_type: Any = None,
    caller: Any = None,
) -> Any:
    """违约金（元）：按平台规则计算订单应赔付的金额，按承诺发货时长和商品类型分档（与批量重算同一算法）；可整列计算并溢出。
    Damages in yuan under the rule in force, tiered by promised ship window and goods type."""

    def body() -> Any:
        layout = cv.Layout.of(amount, platform, violation, event_time, promise_hours, goods_type)
        book = load_rulebook()
        when_in = layout.column(event_time)
        a = cv.money(layout.column(amount), "实付金额")
        p = cv.platforms(layout.column(platform))
        v = cv.violations(layout.column(violation), book, default="late_shipment")
        t = cv.times(when_in, "事件时间", epoch1904=_epoch1904(caller, when_in))
        h = cv.hours(layout.column(promise_hours), "承诺发货时长")
        g = cv.goods_types(layout.column(goods_type))
        blank = _blank_rows(
            layout,
            a.blank,
            (amount, a.blank),
            (platform, p.blank),
            (event_time, t.blank),
            (promise_hours, h.blank),
        )
        problems = cv.merge_problems(
            layout.n,
            a.problems,
            _missing(blank, a.blank, "实付金额"),
            p.problems,
            _missing(blank, p.blank, "平台"),
            v.problems,
            t.problems,
            h.problems,
            g.problems,
        )
        ok = ~blank & pd.isna(problems)
        out = api.damages(
            pd.Series(a.values.where(ok, pd.NA), dtype="Int64"),
            p.values.where(ok, None),
            v.values,
            _filled(t, _now()),
            promise_hours=h.values,
            goods_type=g.values,
            rulebook=book,
        )
        return _finish(layout, blank, problems, cv.fen_to_excel(out["fen"]), out["problem"])

    return _guarded("SR_DAMAGES", body)


@xw.func(category=CATEGORY)
@xw.arg("paid_at", doc="付款时间：日期、序列号或文本；单元格或整列", **_RANGE)
@xw.arg("platform", doc=_DOC_PLATFORM, **_RANGE)
@xw.arg("goods_type", doc=_DOC_GOODS, **_RANGE)
@xw.arg("promised_by", doc=_DOC_PROMISED, **_RANGE)
def SR_SHIP_DEADLINE(
    paid_at: Any,
    platform: Any,
    goods_type: Any = None,
    promised_by: Any = None,
    caller: Any = None,
) -> Any:
    """发货截止时间：付款时间 + 平台发货时效（承诺发货时间优先）；请把结果列设为日期格式。
    Ship-by deadline (an Excel date-time)."""

    def body() -> Any:
        layout = cv.Layout.of(paid_at, platform, goods_type, promised_by)
        paid_in, promised_in = layout.column(paid_at), layout.column(promised_by)
        epoch = _epoch1904(caller, paid_in, promised_in)
        paid = cv.times(paid_in, "付款时间", epoch1904=epoch)
        promised = cv.times(promised_in, "承诺发货时间", epoch1904=epoch)
        p = cv.platforms(layout.column(platform))
        g = cv.goods_types(layout.column(goods_type))
        no_time = paid.blank & promised.blank
        blank = _blank_rows(
            layout, no_time, (paid_at, no_time), (platform, p.blank), (promised_by, promised.blank)
        )
        problems = cv.merge_problems(
            layout.n,
            paid.problems,
            promised.problems,
            _missing(blank, no_time, "付款时间"),
            p.problems,
            _missing(blank, p.blank, "平台"),
            g.problems,
        )
        ok = ~blank & pd.isna(problems)
        out = api.ship_deadline(
            paid.values.where(ok), p.values.where(ok, None), g.values, promised.values.where(ok)
        )
        return _finish(layout, blank, problems, cv.times_to_excel(out["deadline"]), out["problem"])

    return _guarded("SR_SHIP_DEADLINE", body)


@xw.func(category=CATEGORY)
@xw.arg("paid_at", doc="付款时间：日期、序列号或文本；单元格或整列", **_RANGE)
@xw.arg("shipped_at", doc="发货时间；空白表示尚未发货", **_RANGE)
@xw.arg("platform", doc=_DOC_PLATFORM, **_RANGE)
@xw.arg("goods_type", doc=_DOC_GOODS, **_RANGE)
@xw.arg("promised_by", doc=_DOC_PROMISED, **_RANGE)
@xw.arg("as_of", doc=_DOC_AS_OF, **_RANGE)
def SR_SHIP_STATUS(
    paid_at: Any,
    shipped_at: Any,
    platform: Any,
    goods_type: Any = None,
    promised_by: Any = None,
    as_of: Any = None,
    caller: Any = None,
) -> Any:
    """发货状态：按时发货/延迟发货/待发货/超时未发货（与批量重算同一算法）。
    Shipping status as of a time (default now)."""

    def body() -> Any:
        layout = cv.Layout.of(paid_at, shipped_at, platform, goods_type, promised_by, as_of)
        columns = [layout.column(x) for x in (paid_at, shipped_at, promised_by, as_of)]
        epoch = _epoch1904(caller, *columns)
        paid = cv.times(columns[0], "付款时间", epoch1904=epoch)
        shipped = cv.times(columns[1], "发货时间", epoch1904=epoch)
        promised = cv.times(columns[2], "承诺发货时间", epoch1904=epoch)
        moment = cv.times(columns[3], "判断时点", epoch1904=epoch)
        p = cv.platforms(layout.column(platform))
        g = cv.goods_types(layout.column(goods_type))
        no_time = paid.blank & promised.blank
        blank = _blank_rows(
            layout,
            no_time,
            (paid_at, no_time),
            (shipped_at, shipped.blank),
            (platform, p.blank),
            (promised_by, promised.blank),
        )
        problems = cv.merge_problems(
            layout.n,
            paid.problems,
            shipped.problems,
            promised.problems,
            moment.problems,
            _missing(blank, no_time, "付款时间"),
            p.problems,
            _missing(blank, p.blank, "平台"),
            g.problems,
        )
        ok = ~blank & pd.isna(problems)
        out = api.ship_status(
            paid.values.where(ok),
            shipped.values,
            p.values.where(ok, None),
            g.values,
            promised.values.where(ok),
            _filled(moment, _now()),
        )
        return _finish(layout, blank, problems, _texts(out["status"]), out["problem"])

    return _guarded("SR_SHIP_STATUS", body)


@xw.func(category=CATEGORY)
@xw.arg(
    "violation",
    doc="违规类型代码或中文名，如 延迟发货/发票问题/泄露买家信息；单元格或整列",
    **_RANGE,
)
@xw.arg("platform", doc=_DOC_PLATFORM, **_RANGE)
@xw.arg("event_time", doc="可选：违规日期（决定规则版本）；默认现在", **_RANGE)
@xw.arg("paid_before_ruling", doc="可选：判定前已主动赔付（TRUE/FALSE）；默认 FALSE", **_RANGE)
def SR_POINTS(
    violation: Any,
    platform: Any,
    event_time: Any = None,
    paid_before_ruling: Any = False,
    caller: Any = None,
) -> Any:
    """扣分：该违规在平台规则下扣几分（投诉成立时）。
    Deduction points for a violation under the platform's rules."""

    def body() -> Any:
        layout = cv.Layout.of(violation, platform, event_time, paid_before_ruling)
        book = load_rulebook()
        when_in = layout.column(event_time)
        v = cv.violations(layout.column(violation), book)
        p = cv.platforms(layout.column(platform))
        t = cv.times(when_in, "违规日期", epoch1904=_epoch1904(caller, when_in))
        paid = cv.booleans(layout.column(paid_before_ruling), "已主动赔付", default=False)
        blank = _blank_rows(
            layout, v.blank, (violation, v.blank), (platform, p.blank), (event_time, t.blank)
        )
        problems = cv.merge_problems(
            layout.n,
            v.problems,
            _missing(blank, v.blank, "违规类型"),
            p.problems,
            _missing(blank, p.blank, "平台"),
            t.problems,
            paid.problems,
        )
        ok = ~blank & pd.isna(problems)
        out = api.violation_points(
            v.values.where(ok, None),
            p.values.where(ok, None),
            _filled(t, _now()),
            paid.values,
            None,
            rulebook=book,
        )
        return _finish(layout, blank, problems, _ints(out["points"]), out["problem"])

    return _guarded("SR_POINTS", body)


@xw.func(category=CATEGORY)
@xw.arg("signed_at", doc="签收时间：日期、序列号或文本；单元格或整列", **_RANGE)
def SR_RETURN_DEADLINE(signed_at: Any, caller: Any = None) -> Any:
    """七天无理由退货截止（不含）：签收次日 0 点起 168 小时；请把结果列设为日期格式。
    End of the 7-day no-reason return window (exclusive)."""

    def body() -> Any:
        layout = cv.Layout.of(signed_at)
        signed_in = layout.column(signed_at)
        signed = cv.times(signed_in, "签收时间", epoch1904=_epoch1904(caller, signed_in))
        blank = signed.blank.copy()
        ok = ~blank & pd.isna(signed.problems)
        out = api.return_deadline(signed.values.where(ok))
        return _finish(
            layout, blank, signed.problems, cv.times_to_excel(out["deadline"]), out["problem"]
        )

    return _guarded("SR_RETURN_DEADLINE", body)


@xw.func(category=CATEGORY)
@xw.arg("signed_at", doc="签收时间；空白表示未签收；单元格或整列", **_RANGE)
@xw.arg("requested_at", doc="可选：退货/退款申请时间", **_RANGE)
@xw.arg("as_of", doc=_DOC_AS_OF, **_RANGE)
@xw.arg("returnable", doc="可选：是否支持七天无理由（TRUE/FALSE）；默认 TRUE", **_RANGE)
def SR_RETURN_STATUS(
    signed_at: Any,
    requested_at: Any = None,
    as_of: Any = None,
    returnable: Any = True,
    caller: Any = None,
) -> Any:
    """退货状态：未签收/可退货/已过期/申请及时/申请逾期/不适用（与批量重算同一算法）。
    Seven-day return status as of a time (default now)."""

    def body() -> Any:
        layout = cv.Layout.of(signed_at, requested_at, as_of, returnable)
        columns = [layout.column(x) for x in (signed_at, requested_at, as_of)]
        epoch = _epoch1904(caller, *columns)
        signed = cv.times(columns[0], "签收时间", epoch1904=epoch)
        requested = cv.times(columns[1], "申请时间", epoch1904=epoch)
        moment = cv.times(columns[2], "判断时点", epoch1904=epoch)
        allowed = cv.booleans(layout.column(returnable), "支持七天无理由", default=True)
        blank = _blank_rows(
            layout, signed.blank, (signed_at, signed.blank), (requested_at, requested.blank)
        )
        problems = cv.merge_problems(
            layout.n, signed.problems, requested.problems, moment.problems, allowed.problems
        )
        out = api.return_status(
            signed.values, requested.values, _filled(moment, _now()), allowed.values
        )
        return _finish(layout, blank, problems, _texts(out["status"]), out["problem"])

    return _guarded("SR_RETURN_STATUS", body)


@xw.func(category=CATEGORY)
@xw.arg(
    "fault_or_reason",
    doc="责任方 seller/buyer/unclear（卖家/买家/不明）或退款原因文本；单元格或整列",
    **_RANGE,
)
@xw.arg("free_shipping", doc="可选：商品是否包邮（TRUE/FALSE）；默认 FALSE", **_RANGE)
def SR_FREIGHT(fault_or_reason: Any, free_shipping: Any = False) -> Any:
    """运费承担：发货与退货运费各由谁承担，如「发货:卖家 退货:买家」。
    Who pays the outbound and the return postage."""

    def body() -> Any:
        layout = cv.Layout.of(fault_or_reason, free_shipping)
        reason = cv.texts(layout.column(fault_or_reason), "退款原因")
        free = cv.booleans(layout.column(free_shipping), "包邮", default=False)
        blank = _blank_rows(layout, reason.blank, (fault_or_reason, reason.blank))
        problems = cv.merge_problems(
            layout.n, reason.problems, free.problems, _missing(blank, reason.blank, "退款原因")
        )
        ok = ~blank & pd.isna(problems)
        out = api.freight(reason.values.where(ok, None), free.values, event_time=_now())
        return _finish(layout, blank, problems, _texts(out["text"]), out["problem"])

    return _guarded("SR_FREIGHT", body)


@xw.func(category=CATEGORY)
@xw.arg("platform", doc=_DOC_PLATFORM, **_RANGE)
@xw.arg("rule", doc="规则：违规类型（延迟发货…）或时效名（ship_by、return_window…）", **_RANGE)
@xw.arg(
    "parameter",
    doc="可选：rate/min/max/amount/points/track/duration；空白返回规则说明和来源",
    **_RANGE,
)
@xw.arg("event_time", doc="可选：查询哪一天生效的版本；默认现在", **_RANGE)
def SR_RULE(
    platform: Any,
    rule: Any,
    parameter: Any = None,
    event_time: Any = None,
    caller: Any = None,
) -> Any:
    """规则参数：某平台某规则在某时点生效的参数；不填参数则返回规则说明及来源。
    The rule parameter in force, or the rule's description and source."""

    def body() -> Any:
        layout = cv.Layout.of(platform, rule, parameter, event_time)
        when_in = layout.column(event_time)
        p = cv.platforms(layout.column(platform))
        r = cv.texts(layout.column(rule), "规则")
        k = cv.texts(layout.column(parameter), "参数")
        t = cv.times(when_in, "时间", epoch1904=_epoch1904(caller, when_in))
        blank = _blank_rows(layout, p.blank & r.blank, (platform, p.blank), (rule, r.blank))
        problems = cv.merge_problems(
            layout.n,
            p.problems,
            _missing(blank, p.blank, "平台"),
            r.problems,
            _missing(blank, r.blank, "规则"),
            k.problems,
            t.problems,
        )
        ok = ~blank & pd.isna(problems)
        # Blank times mean now; the API itself reads no clock.
        when = pd.Series(cv.times_to_excel(_filled(t, _now())), dtype=object)
        out = api.rule_parameter(p.values.where(ok, None), r.values, k.values, when)
        values = out["value"].to_numpy(dtype=object).copy()
        describe = k.blank & pd.notna(values)
        for i in np.flatnonzero(describe):
            values[i] = f"{values[i]}（{out['rule'].iat[i]}；来源: {out['source'].iat[i]}）"
        return _finish(layout, blank, problems, values.tolist(), out["problem"])

    return _guarded("SR_RULE", body)


# --- Legacy Excel (2016/2019: no dynamic arrays) ---------------------------------------------

FILL_SUFFIX: Final = "_FILL"
_FILL_NOTE: Final = "【Excel 2016/2019 用】只在首格输入一次，自动向下填满整列（会覆盖下方单元格）。"
_FILL_NOTE_EN: Final = " Excel 2016/2019: fills the cells below."


def _fill(base: Callable[..., Any]) -> Callable[..., Any]:
    """``<base>_FILL``: ``base``'s arguments, help and result, returned with xlwings' legacy
    ``expand="table"`` (after the call xlwings rewrites the formula as an array formula over the
    result's size; the next calculation fills it)."""

    def fill(*args: Any, **kwargs: Any) -> Any:
        return base(*args, **kwargs)

    fill.__name__ = fill.__qualname__ = base.__name__ + FILL_SUFFIX
    fill.__signature__ = inspect.signature(base)  # type: ignore[attr-defined]  # read by inspect.signature; not declared on functions
    fill.__annotations__ = dict(base.__annotations__)
    chinese, _, english = (base.__doc__ or "").partition("\n")
    fill.__doc__ = f"{_FILL_NOTE}{chinese}\n    {english.strip()}{_FILL_NOTE_EN}"
    info = getattr(base, "__xlfunc__", None)
    if info is not None:  # xlwings' real decorators (Windows, the build): the same argument help
        for arg in info["args"]:
            if arg["name"] != "caller":
                fill = xw.arg(arg["name"], doc=arg["doc"], **arg["options"])(fill)
        fill = xw.ret(expand="table")(fill)
        fill = xw.func(category=CATEGORY)(fill)
    return fill


SR_DAMAGES_FILL = _fill(SR_DAMAGES)
SR_SHIP_DEADLINE_FILL = _fill(SR_SHIP_DEADLINE)
SR_SHIP_STATUS_FILL = _fill(SR_SHIP_STATUS)
SR_POINTS_FILL = _fill(SR_POINTS)
SR_RETURN_DEADLINE_FILL = _fill(SR_RETURN_DEADLINE)
SR_RETURN_STATUS_FILL = _fill(SR_RETURN_STATUS)
SR_FREIGHT_FILL = _fill(SR_FREIGHT)
SR_RULE_FILL = _fill(SR_RULE)
