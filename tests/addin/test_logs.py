"""The add-in log: full tracebacks, each under a heading stamped in China time."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from shoprules.addin.logs import log_exception


def test_log_heading_is_china_time_whatever_the_machine_zone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Drift fix: the heading was the machine's local time; now China time, the project's one
    clock, like the CLI, the audit and the ribbon."""
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("SHOPRULES_ADDIN_LOG", str(tmp_path / "addin.log"))
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        utc = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        try:
            raise ValueError("boom")
        except ValueError as error:
            path = log_exception("重算", error)
    finally:
        monkeypatch.delenv("TZ")
        os.environ.pop("TZ", None)
        time.tzset()
    text = path.read_text(encoding="utf-8")
    heading = re.match(r"=== (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) 重算\n", text)
    assert heading is not None, text
    stamped = dt.datetime.strptime(heading[1], "%Y-%m-%d %H:%M:%S")
    assert abs((stamped - (utc + dt.timedelta(hours=8))).total_seconds()) < 120
    assert "ValueError: boom" in text
