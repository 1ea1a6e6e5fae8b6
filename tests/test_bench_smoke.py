"""Every benchmark script still runs end to end (tiny sizes, no timing asserted): a bench whose
variant breaks prints ``failed: …`` and carries on, so only running it shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
TINY = {
    "bench_audit.py": ["--rows", "300"],
    "bench_convert.py": ["--rows", "300"],
    "bench_engine.py": ["--rows", "600", "--loop-rows", "300"],
    "bench_read.py": ["--rows", "300"],
    "bench_recompute.py": ["--rows", "300"],
    "bench_udf.py": ["--rows", "300", "--sample", "30"],
    "bench_writeback.py": ["--rows", "300"],
}


def test_every_bench_script_is_listed() -> None:
    assert sorted(p.name for p in BENCH.glob("bench_*.py")) == sorted(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_bench_runs(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *TINY[script]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "failed" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
