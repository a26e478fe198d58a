"""Benchmark of a review folder's set-up (issue 19): one environment serves many reviews.

Two thin folders are made with ``compendium init`` (gibson2002, hackshaw1998) from this checkout's
engine, in a fresh cache (``XDG_CACHE_HOME`` in a temporary folder, so nothing of ``~/.cache`` is
reused). The first ``make setup`` builds the shared environment (a venv with requirements.lock, the
engine wheel installed hash-checked); the second review's ``make setup`` finds it under the same key
(engine version + sha256 of requirements.lock) and only links it. Then the second review's
``make test`` (its own tests only) is timed. Target: the second set-up takes no more than a tenth of
the first, and ``make test`` at most 60 s.

pip's download cache is used as usual (a warm cache makes the first set-up a local install).
Results go to ``benchmarks/results/bench_env.csv`` (git-ignored).

Run: ``python benchmarks/bench_env.py`` from the repository root (after ``make setup``); about 3-5 min.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
COMPENDIUM = str(Path(sys.executable).parent / "compendium")
MAX_TEST_S = 60.0


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-env-") as work:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(work) / "cache")}
        folders = []
        for example in ("gibson2002", "hackshaw1998"):
            folder = Path(work) / example
            rows.append(
                (
                    f"init --example {example}",
                    timed([COMPENDIUM, "init", str(folder), "--example", example], Path(work), env),
                )
            )
            folders.append(folder)
        rows.append(
            ("first review: make setup (builds the shared environment)", timed(["make", "setup"], folders[0], env))
        )
        rows.append(("second review: make setup (reuses it)", timed(["make", "setup"], folders[1], env)))
        rows.append(("second review: make test (its own tests)", timed(["make", "test"], folders[1], env)))
    for what, seconds in rows:
        print(f"{what:60s} {seconds:8.2f} s")
    first, second, test = rows[2][1], rows[3][1], rows[4][1]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "bench_env.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([("what", "seconds"), *rows])
    ok = second <= first / 10 and test <= MAX_TEST_S
    print(
        f"second / first set-up: {second / first:.4f} (target <= 0.1); "
        f"make test {test:.1f} s (target <= {MAX_TEST_S:.0f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
