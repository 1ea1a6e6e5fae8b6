"""Write-back safety (issue 12): a file changed between read and write is refused; two runs on
one book wait for each other; symlinks are followed; read-only files are refused; rows that are
not orders keep every cell; a killed run's temporary files are cleaned; the sheet splitter skips
comments and CDATA and is linear in the sheet size."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from shoprules.workbook import pipeline, recompute
from shoprules.workbook.cli import app
from shoprules.workbook.xlsx import (
    OutputColumn,
    WorkbookBusy,
    WorkbookChanged,
    WorkbookLocked,
    WorkbookReadOnly,
    fingerprint,
    guard,
    patch,
    patch_sheet_columns,
    sheetxml,
    workbook_lock,
)
from typer.testing import CliRunner

from .conftest import build_order_book
from .test_odd_xml import handmade

COLUMNS = [OutputColumn("违约金", [1.0] * 6, "money")]
ROWS = list(range(2, 8))
AS_OF = "2024-07-01 09:00"
ORDER_HEADER = ["订单编号", "平台", "实付金额", "付款时间", "发货时间"]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".shoprules" in p.name)


def order_book(path: Path, n: int = 3) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.create_sheet("订单", 0)
    del wb[wb.sheetnames[1]]
    ws.append(ORDER_HEADER)
    for i in range(n):
        ws.append([f"10{i}", "淘宝", 100 + i, "2024-03-01 10:00", "2024-03-04 10:00"])
    wb.save(path)
    return path


def cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def cells(path: Path, sheet: str = "订单") -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


# --- 1. the file is checked unchanged before it is replaced ----------------------------------


def test_file_swapped_after_reading_is_refused(order_book: Path, tmp_path: Path) -> None:
    read_as = fingerprint(order_book)
    other = build_order_book(tmp_path / "other.xlsx", extras=False)
    os.replace(other, order_book)  # another program saved a different file under the name
    swapped = order_book.read_bytes()
    with pytest.raises(WorkbookChanged, match="重新运行"):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, read_as=read_as)
    assert order_book.read_bytes() == swapped
    assert not order_book.with_name(order_book.name + ".bak").exists()
    assert leftovers(order_book.parent) == []


def test_content_changed_with_size_and_time_kept_is_refused(order_book: Path) -> None:
    """Same size and modification time, different bytes: the hash tells."""
    read_as = fingerprint(order_book)
    data = bytearray(order_book.read_bytes())
    data[-30] ^= 1  # inside the end-of-central-directory record's neighbourhood
    order_book.write_bytes(bytes(data))
    os.utime(order_book, ns=(read_as.mtime_ns, read_as.mtime_ns))
    with pytest.raises(WorkbookChanged):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, read_as=read_as)
    assert order_book.read_bytes() == bytes(data)


def test_file_swapped_while_patching_is_refused(
    order_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap lands after the patch read the book, just before the replace."""
    other = build_order_book(tmp_path / "other.xlsx", extras=False)
    write_temp = patch._write_temp

    def then_swap(*args: Any, **kwargs: Any) -> Any:
        result = write_temp(*args, **kwargs)
        os.replace(other, order_book)
        return result

    monkeypatch.setattr(patch, "_write_temp", then_swap)
    swapped = other.read_bytes()
    with pytest.raises(WorkbookChanged):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert order_book.read_bytes() == swapped
    assert not order_book.with_name(order_book.name + ".bak").exists()
    assert leftovers(order_book.parent) == []


def test_recompute_of_a_swapped_file_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = order_book(tmp_path / "orders.xlsx")
    other = order_book(tmp_path / "other.xlsx", n=5)
    read_orders = vars(pipeline)["read_orders"]  # the name pipeline imported, patched there

    def read_then_swap(*args: Any, **kwargs: Any) -> Any:
        result = read_orders(*args, **kwargs)
        os.replace(other, book)
        return result

    monkeypatch.setattr(pipeline, "read_orders", read_then_swap)
    swapped = other.read_bytes()
    code, output = cli("recompute", book, "--as-of", AS_OF)
    assert code == 2, output
    assert "计算期间被修改" in output
    assert book.read_bytes() == swapped
    assert not book.with_name(book.name + ".bak").exists()


# --- 2. one run at a time per workbook --------------------------------------------------------

_SLOW_RECOMPUTE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pandas as pd
    from shoprules.workbook import pipeline, recompute

    compute = pipeline.compute_output_columns

    def slow(*args, **kwargs):
        Path(sys.argv[2]).write_text("computing")
        time.sleep(1.5)
        return compute(*args, **kwargs)

    pipeline.compute_output_columns = slow
    outcome = recompute.recompute_book(sys.argv[1], as_of=pd.Timestamp("2024-07-01 09:00"))
    print(outcome.summary.orders)
    """
)


def test_two_concurrent_recomputes_of_one_book(tmp_path: Path) -> None:
    """Two processes recompute the same book at once: the second waits for the first, both
    finish, the results are right and ``.bak`` still holds the original (the second run changes
    nothing, so it writes nothing)."""
    book = order_book(tmp_path / "orders.xlsx")
    original = book.read_bytes()
    reference = order_book(tmp_path / "reference.xlsx")
    recompute.recompute_book(reference, as_of=dt.datetime(2024, 7, 1, 9, 0))
    first = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RECOMPUTE, str(book), str(tmp_path / "first")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "first").exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the first run has read the book and is computing
    second = subprocess.run(
        [sys.executable, "-c", _SLOW_RECOMPUTE, str(book), str(tmp_path / "second")],
        capture_output=True,
        timeout=120,
    )
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err.decode()
    assert second.returncode == 0, second.stderr.decode()
    assert cells(book) == cells(reference)
    assert book.with_name("orders.xlsx.bak").read_bytes() == original
    assert leftovers(tmp_path) == []


def test_lock_waits_then_refuses(order_book: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from shoprules.workbook.xlsx import workbook_lock\n"
            "with workbook_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(30)\n",
            str(order_book),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"held"
        before = order_book.read_bytes()
        started = time.monotonic()
        with pytest.raises(WorkbookBusy, match="另一个 shoprules"):
            patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, lock_timeout=0.5)
        assert time.monotonic() - started >= 0.5
        assert order_book.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the dead holder's lock; re-entrant in one thread
    with workbook_lock(order_book, timeout=5), workbook_lock(order_book):
        pass
    assert not guard.lock_path_for(order_book).exists()


# --- 3. symlinks --------------------------------------------------------------------------------


def test_symlink_target_is_written_and_the_link_stays(tmp_path: Path) -> None:
    real = tmp_path / "data" / "orders.xlsx"
    real.parent.mkdir()
    build_order_book(real)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    original = real.read_bytes()
    report = patch_sheet_columns(link, "订单", 1, ROWS, COLUMNS)
    assert link.is_symlink()
    assert link.resolve() == real
    assert cells(real)["G2"] == 1
    assert report.backup == real.with_name("orders.xlsx.bak")
    assert report.backup.read_bytes() == original
    assert leftovers(tmp_path) == []
    assert leftovers(real.parent) == []


def test_symlink_target_open_in_excel_is_refused(tmp_path: Path) -> None:
    real = build_order_book(tmp_path / "orders.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    (tmp_path / "~$orders.xlsx").write_bytes(b"owner")
    before = real.read_bytes()
    with pytest.raises(WorkbookLocked):
        patch_sheet_columns(link, "订单", 1, ROWS, COLUMNS)
    assert real.read_bytes() == before
    assert link.is_symlink()


# --- 4. read-only files -----------------------------------------------------------------------


def test_read_only_file_refused_and_not_chmodded(tmp_path: Path) -> None:
    """Checked on the mode bits (root could write it anyway): exit 2, nothing written."""
    book = order_book(tmp_path / "orders.xlsx")
    book.chmod(0o444)
    before = book.read_bytes()
    with pytest.raises(WorkbookReadOnly, match="只读"):
        patch_sheet_columns(book, "订单", 1, [2], [OutputColumn("违约金", [1.0], "money")])
    code, output = cli("recompute", book, "--as-of", AS_OF)
    assert code == 2, output
    assert "只读" in output
    assert book.read_bytes() == before
    assert book.stat().st_mode & 0o777 == 0o444
    assert not book.with_name(book.name + ".bak").exists()
    assert leftovers(tmp_path) == []


def test_immutable_file_refused(order_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_immutable", lambda _path, _info: True)
    with pytest.raises(WorkbookReadOnly):
        patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)


def test_chattr_immutable_detected(order_book: Path) -> None:
    if subprocess.run(["chattr", "+i", str(order_book)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (not root, or the file system lacks it)")
    try:
        with pytest.raises(WorkbookReadOnly):
            patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    finally:
        subprocess.run(["chattr", "-i", str(order_book)], check=True)


# --- 5. rows that are not orders keep every cell ----------------------------------------------


def test_total_and_note_rows_keep_every_cell(tmp_path: Path) -> None:
    book = order_book(tmp_path / "orders.xlsx")
    assert cli("recompute", book, "--as-of", AS_OF)[0] in (0, 1)
    wb = openpyxl.load_workbook(book)
    ws = wb["订单"]
    header = [c.value for c in ws[1]]
    column = {h: get_column_letter(i + 1) for i, h in enumerate(header)}
    money, problems = column["违约金"], column["数据问题"]
    ws["A6"] = "合计"
    ws[f"{money}6"] = f"=SUM({money}2:{money}4)"
    ws["A8"] = "备注：以上为三月订单"
    ws[f"{problems}9"] = "客服已核对"
    ws[f"{money}9"] = 12.5
    ws[f"{money}9"].number_format = ws[f"{money}2"].number_format  # Excel extends formats
    wb.save(book)
    code, output = cli("recompute", book, "--as-of", AS_OF)
    assert code in (0, 1), output
    after = cells(book)
    assert after["A6"] == "合计"
    assert after[f"{money}6"] == f"=SUM({money}2:{money}4)"
    assert after["A8"] == "备注：以上为三月订单"
    assert after[f"{problems}9"] == "客服已核对"
    assert after[f"{money}9"] == 12.5
    for row in (6, 7, 8, 9):  # nothing written into them
        written = {k for k in after if k[1:] == str(row) and k[0] in column.values()}
        assert written <= {"A6", f"{money}6", "A8", f"{problems}9", f"{money}9"}, row
    assert after[f"{money}2"] == 5  # the orders still get their results


def test_keep_rows_are_copied_even_with_result_formats(order_book: Path) -> None:
    """A kept row is never cleared, even where a stale result would be."""
    patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    report = patch_sheet_columns(
        order_book, "订单", 1, [2, 3], [OutputColumn("违约金", [2.0, 2.0], "money")], keep_rows=[7]
    )
    after = cells(order_book)
    assert after["G7"] == 1  # kept; row 6 was not kept and is cleared as a stale result
    assert "G6" not in after
    assert report.cells_cleared == 3
    report = patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS, keep_rows=[3, 7])
    after = cells(order_book)
    assert after["G2"] == after["G4"] == 1
    assert after["G3"] == 2  # listed as a data row too, but kept: its value is not written
    assert report.rows_written == 4


# --- 6. stale temporary files -----------------------------------------------------------------

_SLOW_PATCH = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from shoprules.workbook.xlsx import OutputColumn, patch_sheet_columns, rewrite

    patch_row = rewrite._patch_row

    def slow(*args, **kwargs):
        time.sleep(60)
        return patch_row(*args, **kwargs)

    rewrite._patch_row = slow
    patch_sheet_columns(Path(sys.argv[1]), "订单", 1, [2], [OutputColumn("违约金", [1.0], "money")])
    """
)


def test_temp_files_of_a_killed_run_are_removed_next_time(order_book: Path) -> None:
    folder = order_book.parent
    before = order_book.read_bytes()
    run = subprocess.Popen([sys.executable, "-c", _SLOW_PATCH, str(order_book)])
    deadline = time.monotonic() + 60
    while not any(n.endswith(".tmp") for n in leftovers(folder)) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(run.pid, signal.SIGKILL)  # killed in the middle of writing the temporary file
    run.wait()
    assert order_book.read_bytes() == before
    (stale,) = [folder / n for n in leftovers(folder) if n.endswith(".tmp")]
    young = folder / f".shoprules-{order_book.name}.young.tmp"
    young.write_bytes(b"another run, seconds ago")
    foreign = folder / ".shoprules-other.xlsx.abc123.tmp"
    foreign.write_bytes(b"another book's")
    not_ours = folder / f".shoprules-{order_book.name}.notes.txt"
    not_ours.write_bytes(b"")
    old = time.time() - 120
    for path in (stale, foreign, not_ours):
        os.utime(path, (old, old))
    patch_sheet_columns(order_book, "订单", 1, ROWS, COLUMNS)
    assert not stale.exists()
    assert young.exists()
    assert foreign.exists()
    assert not_ours.exists()
    assert cells(order_book)["G2"] == 1
    assert not guard.lock_path_for(order_book).exists()


# --- 7. the sheet splitter: comments, CDATA, linear time ---------------------------------------


def _row(n: int, *cells_xml: str) -> str:
    return f'<row r="{n}">' + "".join(cells_xml) + "</row>"


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_comments_and_cdata_in_sheet_data_get_no_results(tmp_path: Path) -> None:
    sheet = (
        "<sheetData>"
        + _row(1, _text("A1", "订单编号"), _text("B1", "标题"))
        + '<!-- <row r="2"><c r="A2"><v>9</v></c></row> -->'
        + _row(2, _text("A2", "1001"), '<c r="B2" t="inlineStr"><is><t><![CDATA[a</row><row r="9">b]]></t></is></c>')
        + "<!-- a comment between rows -->"
        + _row(3, _text("A3", "1002"), "<!-- <c r=\"C3\"><v>7</v></c> -->", _text("B3", "c"))
        + "<?pi <row r='4'/> ?>"
        + "</sheetData>"
    )  # fmt: skip
    path = handmade(tmp_path / "c.xlsx", sheet)
    patch_sheet_columns(path, "订单", 1, [2, 3], [OutputColumn("违约金", [1.5, 2.5], "money")])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<!-- <row r="2"><c r="A2"><v>9</v></c></row> -->' in xml  # untouched, no result
    assert "<!-- a comment between rows -->" in xml
    assert "<?pi <row r='4'/> ?>" in xml
    ws = openpyxl.load_workbook(path)["订单"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["订单编号", "标题", "违约金"],
        ["1001", 'a</row><row r="9">b', 1.5],
        ["1002", "c", 2.5],
    ]


def _split_seconds(xml: bytes, repeat: int, give_up: float = float("inf")) -> float:
    """Best CPU time of splitting ``xml`` (pieces consumed, not kept)."""
    import io

    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        total = sum(len(piece) for _, piece in sheetxml._iter_sheet(io.BytesIO(xml), b""))
        best = min(best, time.process_time() - started)
        assert total == len(xml)
        if best > give_up:
            break
    return best


def test_splitter_is_linear_in_whitespace_padding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small read blocks stand in for a sheet much larger than a block (a 400 KB zip can hold
    400 MB of whitespace): four times the padding must not take sixteen times as long."""
    monkeypatch.setattr(sheetxml, "_CHUNK", 4096)
    rows = "".join(_row(n, _text(f"A{n}", str(n))) for n in range(1, 201))

    def sheet(padding: int) -> bytes:
        return f"<worksheet><sheetData>{rows}{' ' * padding}{rows}</sheetData></worksheet>".encode()

    small = _split_seconds(sheet(4 << 20), 7)
    large = _split_seconds(sheet(16 << 20), 5, give_up=20 * small)
    assert large < 8 * small, (small, large)  # linear: ~4×; the old splitter: ~16×


def test_padded_sheet_patches_in_time_close_to_an_unpadded_one(tmp_path: Path) -> None:
    rows = "".join(_row(n, _text(f"A{n}", str(n)), _text(f"B{n}", "x")) for n in range(2, 202))
    head = _row(1, _text("A1", "订单编号"), _text("B1", "标题"))
    columns = [OutputColumn("违约金", [1.5] * 200, "money")]
    timings = []
    for padding in (0, 2 << 20):
        path = handmade(tmp_path / f"p{padding}.xlsx", f"<sheetData>{head}{' ' * padding}{rows}</sheetData>")  # fmt: skip
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            patch_sheet_columns(path, "订单", 1, list(range(2, 202)), columns, keep_backup=False)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    assert timings[1] < 20 * timings[0] + 0.5, timings
    assert cells(tmp_path / f"p{2 << 20}.xlsx")["C201"] == 1.5
