"""SR_DAMAGES: one column call over 100,000 rows vs 100,000 single-cell calls, side by side.

This is the Python side of what Excel does: a spilled column formula is one call, a formula
filled down is one call per cell (plus, in Excel, a COM round trip per call that is not measured
here). Inputs are Excel-shaped (floats, naive datetimes, 2-D lists, as xlwings delivers them).

By default the per-cell side times a sample of 2,000 calls and scales it to 100,000 (the full run
takes minutes); ``--full`` runs every call. Target: column call ≥ 50× faster and < 0.5 s.

    uv run python bench/bench_udf.py [--rows 100000] [--sample 2000] [--full]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* (shared test data)

from shoprules.addin.udfs import SR_DAMAGES

from tests.factories import udf_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    amounts, names, times = udf_inputs(args.rows, seed=7)

    SR_DAMAGES(amounts[:10], names[:10], "延迟发货", times[:10])  # warm up: rulebook loaded once
    start = time.perf_counter()
    column = SR_DAMAGES(amounts, names, "延迟发货", times)
    column_s = time.perf_counter() - start

    calls = args.rows if args.full else min(args.sample, args.rows)
    start = time.perf_counter()
    cells = [SR_DAMAGES(amounts[i][0], names[i][0], "延迟发货", times[i][0]) for i in range(calls)]
    per_cell_s = (time.perf_counter() - start) * args.rows / calls

    assert [row[0] for row in column[:calls]] == cells, "column and per-cell results differ"
    label = "measured" if calls == args.rows else f"{calls:,} calls measured, scaled"
    print(f"SR_DAMAGES over {args.rows:,} rows")
    print(f"  column call (one call, spills)   {column_s:8.3f} s")
    print(f"  per-cell calls ({label})  {per_cell_s:8.1f} s")
    print(f"  ratio                            {per_cell_s / column_s:8.0f} ×")
    print(
        f"  targets: column < 0.5 s {'OK' if column_s < 0.5 else 'MISSED'}; "
        f"ratio ≥ 50× {'OK' if per_cell_s / column_s >= 50 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
