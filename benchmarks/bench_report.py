"""Benchmark of ``make report`` end to end, with a per-stage breakdown of where the time goes.

Times, in a temporary copy of the repository (environment present):

* ``make clean report`` (stages side by side where the DAG allows, ``JOBS`` = CPU cores), and the
  same one stage at a time (each stage's ``compendium run --only`` timed on its own: wall and
  CPU seconds of the stage command with its kernel) for comparison in the same run;
* ``make report`` with nothing changed (best of three).

Targets (issue 12): the clean build at most 20 s on a 2-core machine; the nothing-changed re-run
at most 0.1 s under issue 12, at most 1 s since issue 22/24 (freshness from content: the runner
hashes every stage's inputs and outputs, one Python process). The machine may be shared: the load
average is printed, and so is the critical path of the DAG in CPU seconds (the stages' own CPU
time along the longest chain of stages that wait for each other; what the clean build takes on an
idle 2-core machine when, as here, that chain is longer than half the total CPU time).

Per stage it prints, from the one-at-a-time run: the stage command (wall, CPU), the runner's own
share (command wall minus the notebook: process start, parameter and fingerprint checks, papermill),
the kernel start (papermill's start until the first cell), and the notebook cells; then, from the
stage function (``compendium.stages.<name>.run``) re-run in a fresh Python process on the results
of that run: imports, computation, figures (the ``compendium.plots`` functions and
``save_figure``) and HTML (``render_html``), wall and CPU; and, with ``-X importtime``, the
packages that dominate the stage's imports. Written as CSV (``--csv``, default
``benchmarks/results/bench_report.csv``).

Run: ``python benchmarks/bench_report.py`` from the repository root (after ``make setup``).
``--in-place`` times the repository itself and wipes its ``reports/`` first (``make clean``).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPENDIUM = ROOT / ".venv" / "bin" / "compendium"
RESULTS = ROOT / "benchmarks" / "results"
FULL_TARGET_S = 20.0
RERUN_TARGET_S = 1.0
#: not copied: the environment (linked instead), version control, generated and cached files
SKIP = {".venv", ".git", "build", ".make", ".pytest_cache", "__pycache__", ".ipynb_checkpoints"}
#: what counts as figure drawing and as HTML building inside a stage function (the rest: computation)
FIGURE_MODULES = ("compendium.plots.", "compendium.analysis.figures")
FIGURE_FUNCTIONS = {"compendium.results_io.save_figure"}
HTML_FUNCTIONS = {"compendium.report.build.render_html"}
IN_PROCESS = ("imports", "computation", "figures", "html")


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


def _time_make(
    repo: Path, env: dict[str, str], *targets: str, program: tuple[str, ...] = ("make",)
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of make (or ``program``) and everything it started, stdout) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*program, *targets], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join([*program, *targets])} failed in {repo}:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout


def notebook_breakdown(notebook: Path) -> dict[str, float]:
    """Seconds of one executed notebook, from papermill's timings: the whole notebook, the kernel
    start (until the first cell starts), the cell that runs the stage and the other cells."""
    executed = json.loads(notebook.read_text(encoding="utf-8"))
    started = datetime.fromisoformat(executed["metadata"]["papermill"]["start_time"])
    cells = [
        c
        for c in executed["cells"]
        if c["cell_type"] == "code" and c["metadata"].get("papermill", {}).get("start_time")
    ]
    times = {"notebook": executed["metadata"]["papermill"]["duration"], "kernel_start": 0.0}
    times |= {"run_cell": 0.0, "other_cells": 0.0}
    if cells:
        first = datetime.fromisoformat(cells[0]["metadata"]["papermill"]["start_time"])
        times["kernel_start"] = (first - started).total_seconds()
    for cell in cells:
        which = "run_cell" if ".run(" in "".join(cell["source"]) else "other_cells"
        times[which] += cell["metadata"]["papermill"]["duration"]
    return times


def stage_order(repo: Path, env: dict[str, str]) -> list[str]:
    """The stages in pipeline order (``compendium run --list --json``)."""
    _, _, listed = _time_make(repo, env, "run", "--list", "--json", program=(str(COMPENDIUM),))
    return [stage["stage"] for stage in json.loads(listed)["stages"]]


def critical_path(seconds: dict[str, float], repo: Path) -> tuple[float, list[str]]:
    """The longest chain of stages that wait for each other, with ``seconds`` per stage."""
    sys.path.insert(0, str(repo / "src"))
    from compendium.pipeline.graph import upstream_of

    names = list(seconds)
    finish: dict[str, tuple[float, list[str]]] = {}
    for name in names:
        before = max((finish[u] for u in upstream_of(name, names).all), default=(0.0, []), key=lambda f: f[0])
        finish[name] = (before[0] + seconds[name], [*before[1], name])
    return max(finish.values(), key=lambda f: f[0])


def import_profile(stage: str, python: Path, repo: Path, top: int = 6) -> list[tuple[str, float]]:
    """The packages that take longest to import for the stage function (own time of all their
    modules, from ``-X importtime``, in a fresh process)."""
    code = f"import matplotlib; matplotlib.use('agg'); import compendium.stages.{stage[3:]}"
    done = subprocess.run([str(python), "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=repo)
    own: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:  # a module's own time, added to its top-level package (scipy.stats -> scipy)
            package = match.group(2).split(".")[0]
            own[package] = own.get(package, 0.0) + int(match.group(1)) / 1e6
    return sorted(own.items(), key=lambda item: -item[1])[:top]


class _Clock:
    """Wall and CPU seconds spent inside the wrapped functions of one phase (nested calls counted once)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.depth = 0

    def wrap(self, function: Callable) -> Callable:
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - any signature
            self.depth += 1
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.wall += time.perf_counter() - start
                    self.cpu += time.process_time() - start_cpu

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed


def _instrument(clocks: dict[str, _Clock]) -> None:
    """Replace, in every loaded compendium module, the figure and HTML functions by timed twins."""
    wrapped: dict[Callable, Callable] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("compendium") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if not inspect.isfunction(value) or not value.__module__.startswith("compendium"):
                continue
            qualified = f"{value.__module__}.{value.__name__}"
            if qualified in HTML_FUNCTIONS:
                phase = "html"
            elif qualified in FIGURE_FUNCTIONS or value.__module__.startswith(FIGURE_MODULES):
                phase = "figures"
            else:
                continue
            if value not in wrapped:
                wrapped[value] = clocks[phase].wrap(value)
            setattr(module, attribute, wrapped[value])


def profile_stage(stage: str, results_dir: str, output_dir: str) -> dict[str, float]:
    """Run one stage function in this (fresh) process; wall and CPU seconds per phase."""
    start, start_cpu = time.perf_counter(), time.process_time()
    import matplotlib

    matplotlib.use("agg")
    from compendium.review import review_for

    module = importlib.import_module(f"compendium.stages.{stage[3:]}")
    review = review_for("data/raw")
    imported, imported_cpu = time.perf_counter(), time.process_time()
    clocks = {"figures": _Clock(), "html": _Clock()}
    _instrument(clocks)
    module.run(review, "data/raw", results_dir, output_dir)
    ran, ran_cpu = time.perf_counter() - imported, time.process_time() - imported_cpu
    times = {"imports": imported - start, "imports_cpu": imported_cpu - start_cpu}
    times |= {phase: clock.wall for phase, clock in clocks.items()}
    times |= {f"{phase}_cpu": clock.cpu for phase, clock in clocks.items()}
    times["computation"] = ran - clocks["figures"].wall - clocks["html"].wall
    times["computation_cpu"] = ran_cpu - clocks["figures"].cpu - clocks["html"].cpu
    return times


def _profile_in_fresh_process(stage: str, repo: Path, python: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-stage-") as output:
        done = subprocess.run(
            [str(python), __file__, "--profile-stage", stage, "--results", str(repo / "reports"), "--out", output],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        sys.exit(f"profiling {stage} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="time the repository itself (wipes reports/ first)")
    parser.add_argument("--csv", type=Path, default=RESULTS / "bench_report.csv", help="where to write the breakdown")
    parser.add_argument("--profile-stage", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_stage:
        print(json.dumps(profile_stage(args.profile_stage, args.results, args.out)))
        return 0
    if not (ROOT / ".venv" / ".installed").exists():
        sys.exit("the environment is missing: run `make setup` first (the benchmark times the report, not the install)")
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    jobs = os.cpu_count() or 1
    python = ROOT / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        if args.in_place:
            repo = ROOT
        else:
            repo = _copy_repository(Path(scratch))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "src"), env.get("PYTHONPATH")]))
        _time_make(repo, env, "clean")
        load_before = os.getloadavg()[0]
        # one stage at a time, each timed on its own (in DAG order: every stage's inputs are built)
        stages = stage_order(repo, env)
        per_stage: dict[str, tuple[float, float]] = {}
        for stage in stages:
            wall, cpu, _ = _time_make(repo, env, "run", "--only", stage, program=(str(COMPENDIUM),))
            per_stage[stage] = (wall, cpu)
        rows = []
        for stage in stages:
            wall, cpu = per_stage[stage]
            notebook = notebook_breakdown(repo / "reports" / stage / f"{stage}.ipynb")
            inside = _profile_in_fresh_process(stage, repo, python, env)
            rows.append(
                {
                    "stage": stage,
                    "command_wall": wall,
                    "command_cpu": cpu,
                    "runner": wall - notebook["notebook"],
                    **notebook,
                    **inside,
                    "top_imports": "; ".join(f"{n} {t:.2f}" for n, t in import_profile(stage, python, repo)),
                }
            )
        serial = sum(w for w, _ in per_stage.values())
        _time_make(repo, env, "clean")
        full, full_cpu, _ = _time_make(repo, env, "report", f"JOBS={jobs}")
        reruns = [_time_make(repo, env, "report") for _ in range(3)]
        rerun, output = min(r[0] for r in reruns), reruns[0][2]
        load_after = os.getloadavg()[0]
        path_cpu, path = critical_path({s: per_stage[s][1] for s in stages}, repo)
        total_cpu = sum(c for _, c in per_stage.values())
        idle_estimate = max(path_cpu, total_cpu / jobs)
        report = repo / "reports" / "consensus_report.html"
        print(
            f"{len(stages)} stages, {os.cpu_count()} CPU cores, load average {load_before:.1f} before and "
            f"{load_after:.1f} after (other work on the machine slows every wall time below); "
            f"working copy: {'in place' if args.in_place else repo}"
        )
        print(f"make clean report, one stage at a time:    {serial:6.1f} s wall  {total_cpu:6.1f} s CPU")
        print(
            f"make clean report, JOBS={jobs} (side by side): {full:6.1f} s wall  {full_cpu:6.1f} s CPU  "
            f"(target <= {FULL_TARGET_S:g} s) {'MET' if full <= FULL_TARGET_S else 'NOT MET'}"
        )
        print(
            f"  critical path {' -> '.join(s[:2] for s in path)}: {path_cpu:.1f} CPU s; idle {jobs}-core estimate "
            f"max(critical path, total CPU / {jobs}) = {idle_estimate:.1f} s "
            f"{'MET' if idle_estimate <= FULL_TARGET_S else 'NOT MET'}"
        )
        print(
            f"make report, nothing changed:              {rerun:6.3f} s  (target <= {RERUN_TARGET_S:g} s) "
            f"{'MET' if rerun <= RERUN_TARGET_S else 'NOT MET'}"
        )
        if "running" in output:
            print("warning: the re-run executed a stage; something is always out of date")
        _print_rows(rows)
        print(
            f"report: {report.stat().st_size / 1024:.0f} kB"
            if report.exists()
            else "report: not written (no stage 05?)"
        )
        totals = [
            {"stage": "make clean report JOBS=1", "command_wall": serial, "command_cpu": total_cpu},
            {"stage": f"make clean report JOBS={jobs}", "command_wall": full, "command_cpu": full_cpu},
            {"stage": "critical path CPU / idle estimate", "command_wall": idle_estimate, "command_cpu": path_cpu},
            {"stage": "make report nothing changed", "command_wall": rerun},
            {"stage": "load average before/after", "command_wall": load_before, "command_cpu": load_after},
        ]
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for row in rows + totals:
                writer.writerow({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()})
        print(f"breakdown written to {args.csv}")
    return 0


def _print_rows(rows: list[dict]) -> None:
    print("\nper stage, one at a time (seconds; runner = command wall - notebook; from papermill's timings):")
    columns = ["command_wall", "command_cpu", "runner", "kernel_start", "run_cell", "other_cells"]
    print(f"{'stage':<28}" + "".join(f"{c:>14}" for c in columns))
    for row in rows:
        print(f"{row['stage']:<28}" + "".join(f"{row[c]:14.2f}" for c in columns))
    print("\ninside the stage function, fresh process (wall s / CPU s):")
    print(f"{'stage':<28}" + "".join(f"{c:>16}" for c in IN_PROCESS))
    for row in rows:
        print(f"{row['stage']:<28}" + "".join(f"{row[p]:8.2f}/{row[p + '_cpu']:<7.2f}" for p in IN_PROCESS))
    print("\nwhere each stage's import time goes (seconds per package, all its modules, fresh process):")
    for row in rows:
        print(f"  {row['stage']:<28} {row['top_imports']}")


if __name__ == "__main__":
    sys.exit(main())
