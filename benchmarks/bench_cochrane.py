"""Benchmark of ``compendium cochrane``: a whole process on a 21-analysis review.

Target (issue 20): at most 2 s wall clock for a review of 21 analyses (best of ``--repeat`` runs;
CPU time printed beside it because the machine may be shared). The review is SYNTHETIC (random
counts drawn with a seed by ``tests/cochrane_fixtures.synthetic_review``: 21 Mantel-Haenszel
analyses of 12 studies in two subgroups each), written to a temporary folder. The start-up of
``compendium --help``, measured in the same run, is printed as the reference. Results go to
``benchmarks/results/bench_cochrane.csv`` (git-ignored).

Run: ``python benchmarks/bench_cochrane.py`` from the repository root (after ``make setup``).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

from bench_cli import timed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_S = 2.0
ANALYSES = 21


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest counts")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from cochrane_fixtures import synthetic_review

    compendium = str(Path(sys.executable).with_name("compendium"))
    with tempfile.TemporaryDirectory() as tmp:
        review = synthetic_review(Path(tmp) / "synthetic.rm5", analyses=ANALYSES)
        rows = []
        for label, argv in (
            ("compendium --help", [compendium, "--help"]),
            (f"compendium cochrane --json ({ANALYSES} analyses)", [compendium, "cochrane", str(review), "--json"]),
        ):
            wall, cpu = min(timed(argv) for _ in range(args.repeat))
            rows.append((label, wall, cpu))
            print(f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "bench_cochrane.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["command", "wall_s", "cpu_s"])
        writer.writerows((label, f"{wall:.4f}", f"{cpu:.4f}") for label, wall, cpu in rows)
    wall = rows[-1][1]
    print(f"target <= {TARGET_S} s: {'met' if wall <= TARGET_S else 'NOT met'} ({wall / rows[0][1]:.1f}x the start-up)")
    return 0 if wall <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
