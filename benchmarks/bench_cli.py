"""Benchmark of the command line's start-up: ``compendium --help`` and ``compendium <cmd> --help``.

Target (issue 12): each at most 0.3 s as a whole process (wall clock, best of ``--repeat`` runs;
CPU time, user + sys, printed beside it because the machine may be shared). The sub-commands are
read from ``compendium --help``, so a new one is timed without editing this file. Results go to
``benchmarks/results/bench_cli.csv`` (git-ignored).

Run: ``python benchmarks/bench_cli.py`` from the repository root (after ``make setup``).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_S = 0.3


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sub_commands(compendium: str) -> list[str]:
    """The sub-command names, from argparse's answer to an unknown one ("choose from 'run', ...")."""
    text = subprocess.run([compendium, "no-such-command"], capture_output=True, text=True).stderr
    listed = re.search(r"choose from (.*)\)", text)
    return re.findall(r"'([^']+)'", listed.group(1)) if listed else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command; the fastest counts")
    args = parser.parse_args()
    compendium = str(Path(sys.executable).with_name("compendium"))
    commands = [[]] + [[name] for name in sub_commands(compendium)]
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    rows, all_met = [], True
    for command in commands:
        runs = [timed([compendium, *command, "--help"]) for _ in range(args.repeat)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        met = wall <= TARGET_S
        all_met &= met
        label = " ".join(["compendium", *command, "--help"])
        rows.append({"command": label, "wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "target_met": met})
        print(f"{label:<40}{wall:8.3f} s wall{cpu:8.3f} s CPU  (target <= {TARGET_S} s) {'MET' if met else 'NOT MET'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "bench_cli.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print("all targets met" if all_met else "some targets NOT met (see above)")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
