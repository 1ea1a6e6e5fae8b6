"""``shoprules recompute`` end to end on real files: exit codes, headers, values, re-runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from shoprules.formulas.engine import RESULT_HEADERS
from shoprules.workbook.cli import app
from typer.testing import CliRunner

from .conftest import AS_OF, HEADER, order_rows, write_book

runner = CliRunner()
HEADERS = list(RESULT_HEADERS.values())


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def results(path: Path, sheet: str = "订单") -> dict[str, list[object]]:
    """Result columns by header (data rows only), plus the raw header row under ``""``."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header: list[object] = list(rows[0])
    out: dict[str, list[object]] = {"": header}
    for name in HEADERS:
        if name in header:
            index = header.index(name)
            out[name] = [row[index] for row in rows[1:]]
    return out


def cell(path: Path, row: int, header: str, sheet: str = "订单") -> Cell:
    ws = openpyxl.load_workbook(path)[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    found = ws.cell(row=row, column=column)
    assert isinstance(found, Cell)
    return found


def test_writes_the_eleven_columns_right_of_the_data(book: Path) -> None:
    code, output = run("recompute", book, "--as-of", AS_OF)
    assert code == 0, output
    got = results(book)
    assert got[""] == [*HEADER, *HEADERS]
    assert got["发货状态"] == ["按时发货", "延迟发货", "超时未发货", "按时发货"]
    assert got["违约金"] == [0, 7.5, 5, 0]  # 150 × 5% = 7.50; Tmall 1.15 × 5% clamped to 5
    assert got["违约金依据"][1] == "taobao.late_shipment@2022-07-18"
    assert got["延迟小时"][1] == 26.0
    assert got["发货截止"][0] == dt.datetime(2024, 6, 3, 10, 0)
    assert got["退货截止"][3] == dt.datetime(2024, 6, 20, 0, 0)
    assert got["退货状态"][3] == "申请及时"
    assert got["运费承担"][3] == "发货:卖家 退货:卖家"
    assert got["数据问题"] == [None, None, None, None]
    assert "状态判断时间 as-of: 2024-07-01 09:00" in output
    assert "违约金合计" in output


def test_number_formats(book: Path) -> None:
    run("recompute", book, "--as-of", AS_OF)
    deadline = cell(book, 2, "发货截止")
    assert deadline.is_date
    assert "yy" in deadline.number_format
    assert cell(book, 3, "违约金").number_format in ("0.00", "#,##0.00")


def test_rerun_overwrites_the_same_columns(book: Path) -> None:
    run("recompute", book, "--as-of", AS_OF)
    first = results(book)
    code, _ = run("recompute", book, "--as-of", "2024-06-21 09:00")
    assert code == 0
    second = results(book)
    assert second[""] == first[""]  # no second set of columns
    assert second["发货状态"][2] == "待发货"  # judged at the new as-of


def test_rerun_finds_moved_result_columns(tmp_path: Path) -> None:
    """Result columns already present (even in another order) are reused, not appended."""
    header = [*HEADER, "违约金", "备注"]
    rows = [[*r, "old", "keep"] for r in order_rows()]
    path = write_book(tmp_path / "moved.xlsx", rows, header=header)
    assert run("recompute", path, "--as-of", AS_OF)[0] == 0
    got = results(path)
    assert got[""].count("违约金") == 1
    assert got["违约金"] == [0, 7.5, 5, 0]
    ws = openpyxl.load_workbook(path)["订单"]
    assert [c.value for c in ws["L"]][1:] == ["keep"] * 4


def test_problem_rows_exit_1_and_are_listed(tmp_path: Path) -> None:
    rows = order_rows()
    rows[1][4] = "2024-13-01"
    rows[2][3] = "待确认"
    path = write_book(tmp_path / "bad.xlsx", rows)
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 1
    assert "第 3 行" in output
    assert "付款时间无法识别: 2024-13-01" in output
    got = results(path)
    assert got["违约金"][1] is None
    assert "付款时间无法识别" in str(got["数据问题"][1])
    assert got["违约金"][2] is None
    assert "实付金额无法识别: 待确认" in str(got["数据问题"][2])
    assert got["数据问题"][0] is None


def test_unusable_input_exit_2_nothing_written(tmp_path: Path) -> None:
    path = write_book(tmp_path / "notes.xlsx", [["a", "b"]], header=["备忘", "内容"])
    before = path.read_bytes()
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 2
    assert "错误" in output
    assert "未写入任何文件" in output
    assert path.read_bytes() == before
    assert not path.with_name(path.name + ".bak").exists()


def test_missing_file_exit_2(tmp_path: Path) -> None:
    code, output = run("recompute", tmp_path / "nope.xlsx")
    assert code == 2
    assert "不存在" in output


def test_bad_as_of_is_a_usage_error(book: Path) -> None:
    code, output = run("recompute", book, "--as-of", "yesterday")
    assert code == 2
    assert "YYYY-MM-DD" in output


def test_csv_goes_to_a_new_workbook(tmp_path: Path) -> None:
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' for c in r) for r in order_rows()]
    path = tmp_path / "export.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 0, output
    out = tmp_path / "export.shoprules.xlsx"
    assert out.exists()
    assert path.read_bytes() == "\r\n".join(lines).encode("gb18030")
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[: len(HEADER)] == HEADER
    assert header[len(HEADER) :] == HEADERS
    assert ws.cell(row=3, column=len(HEADER) + 4).value == 7.5


def test_formula_text_stays_text(tmp_path: Path) -> None:
    """A title that looks like a formula is copied as text into the new workbook."""
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' for c in r) for r in order_rows()]
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8-sig")
    assert run("recompute", path, "--as-of", AS_OF)[0] == 0
    with zipfile.ZipFile(tmp_path / "export.shoprules.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = archive.read(sheets[0]).decode()
    assert "<f>" not in xml
    assert "<f " not in xml
    ws = openpyxl.load_workbook(tmp_path / "export.shoprules.xlsx").active
    assert ws is not None
    assert ws["C3"].value == "=1+1"
    assert ws["C3"].data_type == "s"


def test_rules_as_of_pins_the_version(book: Path) -> None:
    run("recompute", book, "--as-of", AS_OF, "--rules-as-of", "2019-01-01")
    got = results(book)
    # Taobao in 2019 (before 2019-08-26): 72 h window, so the 74 h shipment is 2 h late; 5% of
    # 150 = 7.50 within [1,30]
    assert got["违约金依据"][1] == "taobao.late_shipment@2016-07-21"
    assert got["延迟小时"][1] == 2.0


def test_overrides_from_the_rules_sheet(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "o.xlsx",
        order_rows(),
        overrides=[["taobao.late_shipment.max", "6", "活动期间上限"]],
    )
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 0, output
    got = results(path)
    assert got["违约金"][1] == 6
    assert got["违约金依据"][1] == "taobao.late_shipment@2022-07-18*"
    assert "taobao.late_shipment.max" in output


def test_bad_override_exit_2(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "o.xlsx", order_rows(), overrides=[["taobao.nothing.max", "6", ""]]
    )
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 2
    assert "规则" in output


def test_violation_log_points(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "v.xlsx",
        order_rows(),
        violations=[
            [dt.datetime(2024, 6, 5), "淘宝", "泄露买家信息", "1001", 6, "截图外泄"],
            [dt.datetime(2024, 6, 6), "淘宝", "泄露买家信息", "", 6, "朋友圈"],
        ],
    )
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 0, output
    assert results(path)["扣分"] == [6, 0, 0, 0]
    assert "扣分合计" in output


def test_other_sheets_and_charts_untouched(tmp_path: Path) -> None:
    path = write_book(tmp_path / "c.xlsx", order_rows(), chart=True)
    with zipfile.ZipFile(path) as archive:
        before = {
            n: hashlib.sha256(archive.read(n)).hexdigest()
            for n in archive.namelist()
            if "chart" in n or "drawing" in n or n.endswith("sheet2.xml")
        }
    assert run("recompute", path, "--as-of", AS_OF)[0] == 0
    with zipfile.ZipFile(path) as archive:
        after = {n: hashlib.sha256(archive.read(n)).hexdigest() for n in before}
    assert after == before
    assert path.with_name(path.name + ".bak").exists()


def test_lock_file_refused(book: Path) -> None:
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"locked")
    before = book.read_bytes()
    code, output = run("recompute", book, "--as-of", AS_OF)
    assert code == 2
    assert "Excel" in output or "打开" in output
    assert book.read_bytes() == before


def test_platform_option(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "平台"]
    rows = [[c for i, c in enumerate(r) if i != 1] for r in order_rows()]
    path = write_book(tmp_path / "p.xlsx", rows, header=header)
    code, _ = run("recompute", path, "--as-of", AS_OF, "--platform", "天猫")
    assert code == 0
    assert results(path)["违约金依据"][1] == "tmall.late_shipment@2020-09-17"


def test_out_option_leaves_the_book(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    out = tmp_path / "copy.xlsx"
    assert run("recompute", book, "--as-of", AS_OF, "-o", out)[0] == 0
    assert book.read_bytes() == before
    assert results(out)["违约金"] == [0, 7.5, 5, 0]


@pytest.mark.parametrize("args", [("--platform", "tmall"), ("--as-of", "2016-08-01")])
def test_rules_command(args: tuple[str, str]) -> None:
    code, output = run("rules", *args)
    assert code == 0
    assert "来源" in output
    assert "late_shipment" in output


def test_rules_command_all_versions_and_bad_platform() -> None:
    code, output = run("rules", "--platform", "taobao", "--as-of", "all")
    assert code == 0
    assert "taobao.late_shipment" in output
    assert "2016-07-21 至 2019-08-25" in output  # an ended version shows its last day
    assert "2025-09-05 起" in output
    assert "核对 2026-12-01" in output  # every version shows when its source was checked
    assert run("rules", "--platform", "ebay")[0] == 2


def test_rules_command_stale_lists_versions_not_checked_for_days() -> None:
    code, output = run("rules", "--stale", "5", "--as-of", "2026-12-01")
    assert code == 0
    assert "超过 5 天未核对出处的版本" in output
    assert "all.return_window@2016-07-21" in output  # checked 2026-11-23
    assert "taobao.late_shipment@2025-09-05" not in output  # checked 2026-12-01
    code, output = run("rules", "--stale", "5", "--as-of", "2026-12-01", "--platform", "淘宝")
    assert "all.return_window" not in output
    assert "taobao.insurance_payout@2022-10-29" in output
    _, output = run("rules", "--stale", "30", "--as-of", "2026-12-01")
    assert ": 0 个" in output


def test_html_saved_as_xls_goes_to_a_new_workbook(tmp_path: Path) -> None:
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in order_rows()
    )
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
    path = tmp_path / "ExportOrderList.xls"
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    page = f"<html><head>{meta}</head><body><table>{head}{cells}</table></body></html>"
    path.write_bytes(page.encode("gbk"))
    code, output = run("recompute", path, "--as-of", AS_OF)
    assert code == 0, output
    assert results(tmp_path / "ExportOrderList.shoprules.xlsx", sheet="订单")["违约金"] == [
        0,
        7.5,
        5,
        0,
    ]


def test_unknown_sheet_exit_2(book: Path) -> None:
    code, output = run("recompute", book, "--sheet", "没有这张表", "--as-of", AS_OF)
    assert code == 2
    assert "没有这张表" in output


def test_xlsm_keeps_its_macros(tmp_path: Path) -> None:
    """A macro workbook is patched in place; its VBA project is copied byte for byte."""
    plain = write_book(tmp_path / "plain.xlsx", order_rows())
    path = tmp_path / "orders.xlsm"
    vba = b"\xd0\xcf\x11\xe0 fake vba project " * 50
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/vbaProject.bin", vba)
    assert run("recompute", path, "--as-of", AS_OF)[0] == 0
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
    assert results(path)["违约金"] == [0, 7.5, 5, 0]
