"""Benchmark of ``make report`` end to end: from a clean ``reports/`` (environment present), then a
nothing-changed re-run. Targets: under 60 s on a 2-core machine; the re-run under 2 s.

Run: ``python benchmarks/bench_report.py`` from the repository root (after ``make setup``).

By default it works in a temporary copy of the repository (file times preserved, ``.venv``
linked, ``PYTHONPATH`` pointing at the copy's ``src``) so that your ``reports/`` is left alone.
``--in-place`` times the repository itself and wipes its ``reports/`` first (``make clean``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULL_TARGET_S = 60.0
RERUN_TARGET_S = 2.0
#: not copied: the environment (linked instead), version control, generated and cached files
SKIP = {".venv", ".git", "build", ".pytest_cache", "__pycache__", ".ipynb_checkpoints"}


def _copy_repository(destination: Path) -> Path:
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in SKIP or n.endswith(".egg-info")}
        if Path(directory) == ROOT / "reports":
            skipped |= {n for n in names if n != "README.md"}
        return skipped

    copy = destination / "repo"
    shutil.copytree(ROOT, copy, ignore=ignore, copy_function=shutil.copy2, symlinks=True)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _time_make(repo: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(["make", "report"], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"make report failed in {repo}:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="time the repository itself (wipes reports/ first)")
    args = parser.parse_args()
    if not (ROOT / ".venv" / ".installed").exists():
        sys.exit("the environment is missing: run `make setup` first (the benchmark times the report, not the install)")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        if args.in_place:
            repo = ROOT
            subprocess.run(["make", "clean"], cwd=repo, check=True, capture_output=True)
        else:
            repo = _copy_repository(Path(scratch))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "src"), env.get("PYTHONPATH")]))
        stages = sorted(p.stem for p in (repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        full, _ = _time_make(repo, env)
        rerun, output = _time_make(repo, env)
        report = repo / "reports" / "consensus_report.html"
        print(f"stages: {', '.join(stages)} ({os.cpu_count()} CPU cores); working copy: {'in place' if args.in_place else repo}")
        print(f"make report from a clean reports/: {full:6.1f} s  (target < {FULL_TARGET_S:g} s) {'ok' if full < FULL_TARGET_S else 'SLOW'}")
        print(f"make report, nothing changed:      {rerun:6.2f} s  (target < {RERUN_TARGET_S:g} s) {'ok' if rerun < RERUN_TARGET_S else 'SLOW'}")
        if "compendium run" in output:
            print("warning: the re-run executed a stage; something is always out of date")
        print(f"report: {report.stat().st_size / 1024:.0f} kB" if report.exists() else "report: not written (no stage 05?)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
