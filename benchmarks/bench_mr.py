"""Speed of the MR engine's vectorised bootstraps: ``python benchmarks/bench_mr.py``.

Target: the weighted-median bootstrap with 10 000 draws on 1 000 SNPs in under 1 s.
The SNP associations are SIMULATED (seeded), not data: true causal effect 0.3, exposure effects
of both signs. Prints the median wall time of three runs per task.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from compendium.mr.estimators import simple_median, weighted_median, weighted_mode  # noqa: E402

TARGET_SECONDS = 1.0
REPEATS = 3


def simulated_snps(k: int, seed: int = 20240601) -> tuple[np.ndarray, ...]:
    """SIMULATED two-sample summary statistics for ``k`` independent SNPs."""
    rng = np.random.default_rng(seed)
    bx = rng.uniform(0.02, 0.12, k) * rng.choice([-1.0, 1.0], k)
    bxse = rng.uniform(0.004, 0.008, k)
    byse = rng.uniform(0.01, 0.03, k)
    by = 0.3 * bx + rng.normal(0.0, byse)
    return bx, bxse, by, byse


def median_seconds(task: Callable[[], object]) -> float:
    """Median wall time of :data:`REPEATS` runs."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> int:
    rows = []
    for k, draws in ((1000, 10_000), (100, 10_000), (28, 10_000)):
        data = simulated_snps(k)
        seconds = median_seconds(partial(weighted_median, *data, n_bootstrap=draws, seed=1))
        rows.append(("weighted median", k, draws, seconds))
    data = simulated_snps(1000)
    seconds = median_seconds(lambda: simple_median(*data, n_bootstrap=10_000, seed=1))
    rows.append(("simple median", 1000, 10_000, seconds))
    for k in (28, 1000):
        data = simulated_snps(k)
        seconds = median_seconds(partial(weighted_mode, *data, n_bootstrap=10_000, seed=1))
        rows.append(("weighted mode", k, 10_000, seconds))
    print("MR bootstrap timings on SIMULATED data (median of 3 runs)")
    print(f"{'task':<18}{'SNPs':>7}{'draws':>8}{'seconds':>10}")
    for task, k, draws, seconds in rows:
        print(f"{task:<18}{k:>7}{draws:>8}{seconds:>10.3f}")
    headline = rows[0][3]
    verdict = "PASS" if headline < TARGET_SECONDS else "FAIL"
    print(f"target: weighted median, 1000 SNPs, 10000 draws < {TARGET_SECONDS:g} s: {verdict} ({headline:.3f} s)")
    return 0 if headline < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
