"""The end-to-end benchmarks' harness: each variant runs in its own subprocess on its own copy of
the inputs, so peak memory (max RSS) is measured per variant. A script calls :func:`measure` in
the parent and :func:`run_child` when started with ``--child VARIANT PATH…``."""

from __future__ import annotations

import importlib
import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

Variant = Callable[..., dict[str, object]]


def run_child(variant: Variant, paths: Sequence[Path], modules: Iterable[str]) -> None:
    """In the child: import ``modules`` (a fixed start-up cost, the same for every variant: done
    before the clock starts), run ``variant(*paths)``, print its seconds, peak MB and what it
    returned as one JSON line."""
    for module in modules:
        importlib.import_module(module)
    started = time.perf_counter()
    info = variant(*paths)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, **info}))


def measure(script: str, variant: str, inputs: Sequence[Path], folder: Path) -> dict[str, object]:
    """Run ``script --child VARIANT …`` on copies of ``inputs`` in ``folder/VARIANT``: its JSON
    line, or ``{"error": …}`` (the last line it wrote to stderr)."""
    own = folder / variant
    own.mkdir()
    copies = [own / path.name for path in inputs]
    for path, copy in zip(inputs, copies, strict=True):
        shutil.copyfile(path, copy)
    done = subprocess.run(
        [sys.executable, script, "--child", variant, *map(str, copies)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
