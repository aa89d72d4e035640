"""Timing calls inside one process, shared by the benchmarks: every figure is taken after one untimed call
(imports, caches), in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def samples(fn: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls of ``fn`` after an untimed one."""
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, max) milliseconds of ``runs`` calls after an untimed one."""
    ms = samples(fn, runs)
    return statistics.median(ms), max(ms)
