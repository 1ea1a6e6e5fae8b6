"""The legacy-Excel twins (``SR_…_FILL``) through xlwings' own UDF path, on Linux.

``xlwings.udfs.call_udf`` runs for real: argument conversion (``conversion.read`` with our
options), the result conversion, the ``expand="table"`` cache and the scheduled resize
(``delayed_resize_dynamic_array_formula`` on xlwings' event loop and COM executor thread). The
Windows parts are replaced: pywin32's marshalling calls are identities, the engine's value
cleaning is xlwings 0.37.8's own code cut out of ``_xlwindows.py`` (pywin32 dates are
``datetime`` subclasses there), and Excel is a small fake sheet that, like Excel 2016/2019, shows
only the top-left value of an array returned to one cell and recalculates an array formula when
``FormulaArray`` is set. Arguments arrive as Excel hands them to the wrapper: tuples of tuples for
ranges, floats, time-zone-aware datetimes (what pywin32 gives), ``None`` for blank cells, error
codes as ints, the missing-argument marker for omitted optional arguments.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import functools
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from shoprules.formulas import api

from .test_contract import real_udfs  # noqa: F401  (fixture reused)

MODULE = "shoprules.addin.udfs"
MISSING = -2147352572  # what VBA passes for an omitted Optional argument
NA_ERROR = -2146826246  # #N/A
UTC = dt.UTC


@functools.cache
def _engine_from_xlwings_source() -> Any:
    """xlwings 0.37.8's ``_xlwindows.Engine`` value cleaning, cut out of its source (parsed
    once, at import, before any helper thread runs)."""
    import xlwings
    from xlwings.utils import np_datetime_to_datetime

    source = (Path(xlwings.__file__).parent / "_xlwindows.py").read_text(encoding="utf-8")
    wanted = {
        "_com_time_to_datetime",
        "_datetime_to_com_time",
        "cell_errors",
        "_clean_value_data_element",
        "Engine",
    }
    nodes = []
    for node in ast.parse(source).body:
        names = {getattr(node, "name", None)} | {
            t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)
        }
        if names & wanted:
            nodes.append(node)
    assert len(nodes) == len(wanted)
    utc = types.SimpleNamespace(TimeZoneInfo=types.SimpleNamespace(utc=lambda: UTC))
    namespace: dict[str, Any] = {
        "dt": dt,
        "pd": pd,
        "np": np,
        "np_datetime_to_datetime": np_datetime_to_datetime,
        "win32timezone": utc,
        "time_types": (dt.date, dt.datetime, np.datetime64),
    }
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "_xlwindows.py", "exec"), namespace)
    return namespace["Engine"]()


_engine_from_xlwings_source()


async def _drain() -> None:
    """Wait for the resizes xlwings scheduled (every task but this one)."""
    current = asyncio.current_task()
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t is not current))


class FakeSheet:
    """One sheet of a fake Excel: it is also its own book and app (xlwings only asks names/pid)."""

    name = "订单"
    pid = 4242

    def __init__(self, xl_udfs: Any) -> None:
        self.xl_udfs = xl_udfs
        self.values: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], tuple[str, tuple[Any, ...]]] = {}
        self.lock = threading.Lock()

    @property
    def book(self) -> FakeSheet:
        return self

    @property
    def app(self) -> FakeSheet:
        return self

    def range(self, first: FakeRange, last: FakeRange) -> FakeRange:
        return FakeRange(
            self, first.row, first.column, last.row - first.row + 1, last.column - first.column + 1
        )

    def calculate(self, block: FakeRange) -> None:
        """Excel computing the formula anchored at ``block``'s top-left for ``block``."""
        fname, args = self.formulas[(block.row, block.column)]
        result = self.xl_udfs.call_udf(MODULE, fname, args, None, block)
        rows = result if isinstance(result, list) else [[result]]
        with self.lock:
            for i in range(block.rows):
                for j in range(block.columns):
                    inside = i < len(rows) and j < len(rows[i])
                    self.values[(block.row + i, block.column + j)] = (
                        rows[i][j] if inside else "#N/A"
                    )

    def enter(self, row: int, column: int, fname: str, *args: Any) -> None:
        """Type ``=fname(…)`` into one cell (Excel 2016: an array result shows its first value)."""
        self.formulas[(row, column)] = (fname, args)
        self.calculate(FakeRange(self, row, column))

    def column(self, column: int, first: int, last: int) -> list[Any]:
        with self.lock:
            return [self.values.get((r, column)) for r in range(first, last + 1)]


class FakeRange:
    """A COM ``Range`` and its xlwings impl at once."""

    CLSID = None

    def __init__(self, sheet: FakeSheet, row: int, column: int, rows: int = 1, columns: int = 1):
        self.sheet, self.row, self.column, self.rows, self.columns = (
            sheet,
            row,
            column,
            rows,
            columns,
        )

    @property
    def api(self) -> FakeRange:
        return self

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.columns)

    @property
    def address(self) -> str:
        def a1(r: int, c: int) -> str:
            letters = ""
            while c:
                c, rest = divmod(c - 1, 26)
                letters = chr(ord("A") + rest) + letters
            return f"${letters}${r}"

        last = a1(self.row + self.rows - 1, self.column + self.columns - 1)
        first = a1(self.row, self.column)
        return first if self.shape == (1, 1) else f"{first}:{last}"

    def __call__(self, row: int, column: int) -> FakeRange:
        return FakeRange(self.sheet, self.row + row - 1, self.column + column - 1)

    @property
    def formula_array(self) -> str:
        fname = self.sheet.formulas[(self.row, self.column)][0]
        return f"={fname}(…)"

    @formula_array.setter
    def formula_array(self, formula: str) -> None:
        assert formula == self.formula_array  # the same formula, now over the whole block
        self.sheet.calculate(self)

    @property
    def formula(self) -> str:
        return self.formula_array

    def clear_contents(self) -> None:
        with self.sheet.lock:
            for i in range(self.rows):
                for j in range(self.columns):
                    self.sheet.values.pop((self.row + i, self.column + j), None)


@pytest.fixture
def excel(
    real_udfs: tuple[Any, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FakeSheet]:
    import xlwings

    xl_udfs, module = real_udfs
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    windows = types.ModuleType("xlwings._xlwindows")
    vars(windows).update(Range=lambda xl: xl, is_range_instance=lambda _value: False)
    vars(windows).update(BOOK_CALLER=None)
    server = types.ModuleType("xlwings.com_server")
    vars(server).update(loop=loop)
    monkeypatch.setitem(sys.modules, "xlwings._xlwindows", windows)
    monkeypatch.setitem(sys.modules, "xlwings.com_server", server)
    monkeypatch.setattr(xlwings, "_xlwindows", windows, raising=False)
    monkeypatch.setattr(xlwings, "com_server", server, raising=False)
    pythoncom = xl_udfs.pythoncom
    monkeypatch.setattr(pythoncom, "IID_IDispatch", None, raising=False)
    monkeypatch.setattr(
        pythoncom, "CoMarshalInterThreadInterfaceInStream", lambda _iid, api: api, raising=False
    )
    monkeypatch.setattr(
        pythoncom, "CoGetInterfaceAndReleaseStream", lambda stream, _iid: stream, raising=False
    )
    monkeypatch.setattr(xl_udfs, "Dispatch", lambda obj, **kwargs: obj)
    engine = xlwings.main.Engine(impl=_engine_from_xlwings_source())
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", engine)
    monkeypatch.setitem(
        xl_udfs.udf_modules, MODULE, {"module": module, "filetime": None, "filename": MODULE}
    )
    xl_udfs.cache.clear()
    try:
        yield FakeSheet(xl_udfs)
    finally:
        asyncio.run_coroutine_threadsafe(_drain(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        xl_udfs.cache.clear()


def _wait_until(check: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the scheduled resize did not fill the column")
        time.sleep(0.02)


def _column(*values: Any) -> tuple[tuple[Any, ...], ...]:
    """A one-column range as pywin32 hands it over (tuples of tuples)."""
    return tuple((v,) for v in values)


def test_one_formula_fills_the_column_with_the_engine_results(excel: FakeSheet) -> None:
    paid = dt.datetime(2024, 3, 1, 10, 0, tzinfo=UTC)  # pywin32 dates are aware (UTC)
    amounts = _column(100.0, 70.0, None, 1000.0, "abc", NA_ERROR)
    platforms = _column("淘宝", "天猫", None, "taobao", "淘宝", "淘宝")
    times = _column(paid, paid, None, paid, paid, paid)
    excel.enter(
        2, 8, "SR_DAMAGES_FILL", amounts, platforms, "延迟发货", times, MISSING, MISSING, None
    )
    # Excel 2016 shows the first value at once; xlwings then writes the array formula H2:H7
    assert excel.column(8, 2, 2) == [5.0]
    _wait_until(lambda: excel.column(8, 7, 7) != [None])
    cells = excel.column(8, 2, 7)
    expected = api.damages(
        pd.Series([10000, 7000, 100000], dtype="Int64"),
        pd.Series(["taobao", "tmall", "taobao"]),
        pd.Series(["late_shipment"] * 3),
        pd.Series([pd.Timestamp("2024-03-01 10:00")] * 3),
    )
    assert cells[0:2] == [f / 100 for f in expected["fen"][:2]]
    assert cells[2] == ""  # a blank row stays blank
    assert cells[3] == expected["fen"][2] / 100
    assert str(cells[4]).startswith("#SR! ")
    assert str(cells[5]).startswith("#SR! ")  # the #N/A cell, passed as text (err_to_str)
    assert excel.column(8, 8, 8) == [None]  # nothing written below the result
    # xlwings keeps the first (one-cell) call's result: its cache key holds the caller's address
    assert len(excel.xl_udfs.cache) == 1


def test_fill_equals_the_dynamic_array_function(excel: FakeSheet) -> None:
    signed = _column(
        dt.datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        45352.5,  # a serial number (a date from another formula's array)
        None,
        "2024/3/5 18:00",
    )
    excel.enter(1, 1, "SR_RETURN_DEADLINE", signed, None)
    excel.enter(1, 2, "SR_RETURN_DEADLINE_FILL", signed, None)
    assert excel.column(1, 1, 4) == [excel.values[(1, 1)], None, None, None]  # first row only
    _wait_until(lambda: excel.column(2, 4, 4) != [None])
    spilled = excel.xl_udfs.call_udf(
        MODULE, "SR_RETURN_DEADLINE", (signed, None), None, FakeRange(excel, 1, 3)
    )
    assert excel.column(2, 1, 4) == [row[0] for row in spilled]
    assert isinstance(excel.values[(1, 2)], dt.datetime)
    assert excel.values[(3, 2)] == ""


def test_omitted_optional_arguments_and_a_single_cell(excel: FakeSheet) -> None:
    # Issue #10: Taobao late shipment has no fixed points today (the A3 ended 2019-08-26).
    excel.enter(1, 1, "SR_POINTS_FILL", "发票问题", "天猫", MISSING, MISSING, None)
    time.sleep(0.3)  # a 1x1 result schedules no resize
    assert excel.values == {(1, 1): excel.values[(1, 1)]}
    assert isinstance(excel.values[(1, 1)], int | float)
    assert excel.xl_udfs.cache == {}


def test_a_shrinking_result_clears_the_old_block(excel: FakeSheet) -> None:
    reasons = _column("卖家", "买家", "不明")
    excel.enter(1, 1, "SR_FREIGHT_FILL", reasons, MISSING)
    _wait_until(lambda: excel.column(1, 3, 3) != [None])
    excel.formulas[(1, 1)] = ("SR_FREIGHT_FILL", (_column("卖家"), MISSING))
    excel.calculate(FakeRange(excel, 1, 1, 3, 1))  # Excel recalculates the old 3-row array
    # The resize runs on xlwings' loop: it clears the old block, then re-enters the formula in
    # the one cell, so the top cell is briefly empty; wait for both steps.
    _wait_until(
        lambda: (
            excel.column(1, 2, 3) == [None, None]
            and str(excel.column(1, 1, 1)[0]).startswith("发货:")
        )
    )
    assert excel.column(1, 1, 3)[1:] == [None, None]


def test_promise_hours_and_goods_type_through_xlwings(excel: FakeSheet) -> None:
    """Issue #10: the tier arguments as Excel hands them over — a column of floats, blanks and
    text, a single goods cell, an omitted argument — give the engine's figures."""
    paid = dt.datetime(2025, 10, 1, 10, 0, tzinfo=UTC)
    amounts = _column(300.0, 300.0, 300.0, 300.0)
    hours = _column(24.0, 72.0, None, "72小时")
    excel.enter(1, 1, "SR_DAMAGES_FILL", amounts, "淘宝", MISSING, paid, hours, MISSING, None)
    _wait_until(lambda: excel.column(1, 4, 4) != [None])
    assert excel.column(1, 1, 4) == [3.0, 15.0, 3.0, 15.0]
    spilled = excel.xl_udfs.call_udf(
        MODULE,
        "SR_DAMAGES",
        (_column(300.0, 300.0), "天猫", "延迟发货", paid, _column(168.0, 48.0), "预售", None),
        None,
        FakeRange(excel, 1, 3),
    )
    assert spilled == [[30.0], [15.0]]
    expected = api.damages(
        pd.Series([30000, 30000], dtype="Int64"),
        "tmall",
        "late_shipment",
        pd.Timestamp("2025-10-01 10:00"),
        promise_hours=pd.Series([168.0, 48.0]),
        goods_type="presale",
    )
    assert [row[0] for row in spilled] == [f / 100 for f in expected["fen"]]
