"""The demo audit equals its committed golden; regenerate with tests/golden/regenerate.py."""

from __future__ import annotations

import difflib
from pathlib import Path

from .regenerate import GOLDEN, demo_audit, snapshot


def test_demo_audit_matches_golden(tmp_path: Path) -> None:
    actual = snapshot(demo_audit(tmp_path))
    expected = GOLDEN.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), "golden", "actual", n=0
                )
            )[:60]
        )
        raise AssertionError(
            "审计表与 golden 不一致；若是有意的规则变更，运行 "
            "uv run python tests/golden/regenerate.py 并审阅差异:\n" + diff
        )
