"""How every benchmark times a page: the median of a few runs after a warm-up. Shared by
`python -m bench` and the benchmarks run alone (`python -m bench.reports`)."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, repeat: int = 7) -> float:
    fn()  # warm caches and the connection
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
