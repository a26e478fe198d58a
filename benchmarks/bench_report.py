"""Benchmark of ``make report`` end to end, with a per-stage breakdown of where the time goes.

Times, in a temporary copy of the repository (environment present):

* ``make clean report`` (stages side by side where the DAG allows, ``JOBS`` = CPU cores), and the
  same one stage after another (``JOBS=1``) for comparison in the same run;
* ``make report`` with nothing changed.

Targets (issue 12): the clean build under 20 s on a 2-core machine; the nothing-changed re-run
under 0.1 s. Per stage it prints, from the executed notebooks' papermill timings: kernel start
(until the first cell starts), imports (cells that only import), computation, figure rendering
(cells that save figures) and HTML build (the cell that writes the report); and, measured in a
fresh Python process with ``-X importtime``, the packages that dominate each stage's imports.
The breakdown is written as CSV (``--csv``, default ``build/bench_report.csv``).

Run: ``python benchmarks/bench_report.py`` from the repository root (after ``make setup``).
``--in-place`` times the repository itself and wipes its ``reports/`` first (``make clean``).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULL_TARGET_S = 20.0
RERUN_TARGET_S = 0.1
#: not copied: the environment (linked instead), version control, generated and cached files
SKIP = {".venv", ".git", "build", ".make", ".pytest_cache", "__pycache__", ".ipynb_checkpoints"}
#: how a code cell is classified, first match wins (the call that dominates such a cell)
FIGURE_CALLS = re.compile(r"save_figure\(|_figures\(|_plot\(")
HTML_CALLS = re.compile(r"write_report\(")
#: statements that do not count as work in an "imports" cell
SETUP_CALLS = {"work_from_root", "set_option"}
PHASES = ("kernel_start", "imports", "computation", "figures", "html")


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


def _time_make(repo: Path, env: dict[str, str], *targets: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(["make", *targets], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"make {' '.join(targets)} failed in {repo}:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def _phase(source: str) -> str:
    """The phase a code cell belongs to (see the module docstring)."""
    if HTML_CALLS.search(source):
        return "html"
    if FIGURE_CALLS.search(source):
        return "figures"
    try:
        statements = ast.parse(source).body
    except SyntaxError:
        return "computation"
    imports_only = statements and all(
        isinstance(s, (ast.Import, ast.ImportFrom))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _call_name(s.value) in SETUP_CALLS)
        for s in statements
    )
    return "imports" if imports_only else "computation"


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def stage_breakdown(notebook: Path) -> dict[str, float]:
    """Seconds per phase of one executed notebook, from papermill's cell timings."""
    executed = json.loads(notebook.read_text(encoding="utf-8"))
    started = datetime.fromisoformat(executed["metadata"]["papermill"]["start_time"])
    cells = [
        c
        for c in executed["cells"]
        if c["cell_type"] == "code" and c["metadata"].get("papermill", {}).get("start_time")
    ]
    times = dict.fromkeys(PHASES, 0.0)
    if cells:
        times["kernel_start"] = (
            datetime.fromisoformat(cells[0]["metadata"]["papermill"]["start_time"]) - started
        ).total_seconds()
    for cell in cells:
        if "parameters" in cell["metadata"].get("tags", []) or "injected-parameters" in cell["metadata"].get(
            "tags", []
        ):
            continue
        times[_phase("".join(cell["source"]))] += cell["metadata"]["papermill"]["duration"]
    times["total"] = executed["metadata"]["papermill"]["duration"]
    return times


def import_profile(notebook: Path, python: Path, top: int = 6) -> tuple[float, list[tuple[str, float]]]:
    """Seconds to run the stage notebook's import statements in a fresh Python process, and the
    packages that take longest to import (own time of all their modules, from ``-X importtime``)."""
    source = json.loads(notebook.read_text(encoding="utf-8"))
    imports = []
    for cell in source["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            statements = ast.parse("".join(cell["source"])).body
        except SyntaxError:
            continue
        imports += [ast.unparse(s) for s in statements if isinstance(s, (ast.Import, ast.ImportFrom))]
    code = "import matplotlib; matplotlib.use('agg')\n" + "\n".join(imports)
    start = time.perf_counter()
    done = subprocess.run([str(python), "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    own: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:  # a module's own time, added to its top-level package (scipy.stats -> scipy)
            package = match.group(2).split(".")[0]
            own[package] = own.get(package, 0.0) + int(match.group(1)) / 1e6
    return elapsed, sorted(own.items(), key=lambda item: -item[1])[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="time the repository itself (wipes reports/ first)")
    parser.add_argument(
        "--csv", type=Path, default=ROOT / "build" / "bench_report.csv", help="where to write the breakdown"
    )
    parser.add_argument("--no-serial", action="store_true", help="skip the one-stage-at-a-time comparison run")
    args = parser.parse_args()
    if not (ROOT / ".venv" / ".installed").exists():
        sys.exit("the environment is missing: run `make setup` first (the benchmark times the report, not the install)")
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        if args.in_place:
            repo = ROOT
        else:
            repo = _copy_repository(Path(scratch))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "src"), env.get("PYTHONPATH")]))
        _time_make(repo, env, "clean", ".make/stages.mk")
        serial = None
        if not args.no_serial:
            serial, _ = _time_make(repo, env, "report", "JOBS=1")
            _time_make(repo, env, "clean")
        full, _ = _time_make(repo, env, "report", f"JOBS={jobs}")
        rerun, output = _time_make(repo, env, "report")
        stages = sorted(p.parent.name for p in (repo / "reports").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
        rows = []
        for stage in stages:
            times = stage_breakdown(repo / "reports" / stage / f"{stage}.ipynb")
            fresh, packages = import_profile(repo / "notebooks" / f"{stage}.ipynb", ROOT / ".venv" / "bin" / "python")
            rows.append(
                {
                    "stage": stage,
                    **{k: round(v, 2) for k, v in times.items()},
                    "imports_fresh_process": round(fresh, 2),
                    "top_imports": "; ".join(f"{name} {seconds:.2f}" for name, seconds in packages),
                }
            )
        report = repo / "reports" / "consensus_report.html"
        print(
            f"{len(stages)} stages, {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; "
            f"working copy: {'in place' if args.in_place else repo}"
        )
        if serial is not None:
            print(f"make clean report, JOBS=1 (one stage at a time): {serial:6.1f} s")
        print(
            f"make clean report, JOBS={jobs} (side by side):      {full:6.1f} s  (target < {FULL_TARGET_S:g} s) "
            f"{'ok' if full < FULL_TARGET_S else 'SLOW'}"
        )
        print(
            f"make report, nothing changed:              {rerun:6.3f} s  (target < {RERUN_TARGET_S:g} s) "
            f"{'ok' if rerun < RERUN_TARGET_S else 'SLOW'}"
        )
        if "compendium run" in output:
            print("warning: the re-run executed a stage; something is always out of date")
        header = ["stage", *PHASES, "total", "imports_fresh_process"]
        print(
            "\nper stage, seconds (phases from papermill's cell timings; imports_fresh_process: the stage's "
            "import lines alone in a new Python)"
        )
        print("  ".join(f"{h:>14}" if h != "stage" else f"{h:<28}" for h in header))
        for row in rows:
            print("  ".join(f"{row[h]:>14}" if h != "stage" else f"{row[h]:<28}" for h in header))
        print("\nwhere each stage's import time goes (seconds per package, all its modules, fresh process):")
        for row in rows:
            print(f"  {row['stage']:<28} {row['top_imports']}")
        print(
            f"report: {report.stat().st_size / 1024:.0f} kB"
            if report.exists()
            else "report: not written (no stage 05?)"
        )
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        totals = [
            {"stage": "make clean report", "total": round(full, 2)},
            {"stage": "make report nothing changed", "total": round(rerun, 3)},
        ]
        if serial is not None:
            totals.insert(0, {"stage": "make clean report JOBS=1", "total": round(serial, 2)})
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*header, "top_imports"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows + totals)
        print(f"breakdown written to {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
