"""Benchmark of the meta-analysis engine against R's metafor on the same simulated data.

Run: ``python benchmarks/bench_meta.py [--quick]`` (from the repository root, with ``src``
importable). Three parts, each printing whether its target is met:

1. the engine in-process against metafor (fit and leave-one-out);
2. leave-one-out at k = 1000 where REML tau2 is near 0 against the tau2 ~ 0.1 case
   (issue 15: within 3x);
3. whole processes (issue 12): ``compendium meta FILE --yi yi --vi vi`` against ``Rscript``
   with metafor (k = 1000: at most 0.2x) and against the read-only floor, a fresh Python that
   imports pandas and reads the CSV (k = 10^6: at most 2x). Wall-clock and CPU (user + sys)
   times are both reported; on a shared machine CPU time is the steadier of the two. The table
   goes to ``benchmarks/results/meta_whole_process.csv`` and a log-log figure of time against k
   to ``meta_whole_process.png`` (git-ignored: results belong to the machine that made them).

Data are SIMULATED (seeded): vi ~ U(0.01, 0.5), yi ~ N(0.3, vi + 0.1). Times are wall-clock
medians (best of ``repeat`` runs for small k); peak memory is tracemalloc's peak for Python and
R's ``gc()`` "max used" for metafor. metafor builds dense k x k matrices, so it is run only where
that is feasible (REML and DL at k <= 1 000; its leave-one-out is timed at k = 200 and, at
k = 1000, extrapolated from 10 of the 1000 refits, as stated in the table).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from compendium.cli import BLAS_THREAD_VARIABLES  # noqa: E402  (imports no numpy)

for _name, _value in BLAS_THREAD_VARIABLES.items():  # as every `compendium` command runs (src/compendium/cli.py)
    os.environ.setdefault(_name, _value)

import numpy as np  # noqa: E402

from compendium.meta import leave1out, rma  # noqa: E402

SEED = 20240501
SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
R_MAX_K = 2_000

R_SCRIPT = r"""
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); task <- args[2]; method <- args[3]
gc(reset = TRUE)
if (task == "fit") {
  t <- system.time(rma(d$yi, d$vi, method = method, test = "knha"))[["elapsed"]]
} else if (task == "l1o") {
  fit <- rma(d$yi, d$vi, method = method, test = "knha")
  t <- system.time(leave1out(fit))[["elapsed"]]
} else {  # l1o10: time 10 of the k refits, extrapolate to k
  t10 <- system.time(for (i in 1:10) rma(d$yi[-i], d$vi[-i], method = method, test = "knha"))[["elapsed"]]
  t <- t10 * nrow(d) / 10
}
g <- gc()
cat(sprintf('{"seconds": %.6f, "peak_mb": %.1f}\n', t, sum(g[, ncol(g)])))
"""


def simulate(k: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Seeded simulated meta-analysis data (not real studies)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.5, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    return yi, vi


def time_python(func, repeat: int) -> tuple[float, float]:
    """(median seconds, peak MiB) of ``func()``; memory measured in a separate run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return float(np.median(times)), peak


def have_metafor() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True)
    return check.returncode == 0


def time_r(yi: np.ndarray, vi: np.ndarray, task: str, method: str, workdir: Path) -> tuple[float, float]:
    data = workdir / f"data_{len(yi)}.csv"
    if not data.exists():
        np.savetxt(data, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="", fmt="%.17g")
    script = workdir / "bench.R"
    script.write_text(R_SCRIPT)
    out = subprocess.run(["Rscript", str(script), str(data), task, method], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"]


RESULTS = Path(__file__).resolve().parent / "results"
WHOLE_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
R_WHOLE_MAX_K = 2_000
R_WHOLE = (
    "suppressMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1]); print(rma(d$yi, d$vi, test = 'knha'))"
)
FLOOR = "import sys, pandas; pandas.read_csv(sys.argv[1])"
#: the meta sub-command registered alone: what `compendium meta` costs once the top-level command
#: stops importing the other sub-commands' dependencies (src/compendium/cli.py, issue 12.2)
META_ALONE = (
    "import argparse, sys; from compendium.meta import cli; p = argparse.ArgumentParser(); "
    "cli.add_parser(p.add_subparsers()); sys.exit(cli.main(p.parse_args(sys.argv[1:])))"
)


def near_zero_data(k: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Issue 15's data: tau2 near 0 (effects gauss(0.3, 0.2), variances uniform(0.01, 0.2)); SIMULATED."""
    draw = random.Random(seed)
    yi = np.array([draw.gauss(0.3, 0.2) for _ in range(k)])
    vi = np.array([draw.uniform(0.01, 0.2) for _ in range(k)])
    return yi, vi


def leave1out_boundary() -> bool:
    """Leave-one-out at k = 1000: tau2 near 0 against tau2 ~ 0.1; target ratio <= 3."""
    times = {}
    for label, (yi, vi) in (("tau2 ~ 0.1", simulate(1_000)), ("tau2 near 0", near_zero_data(1_000))):
        fit = rma(yi, vi, method="REML", test="knha")
        seconds, _ = time_python(partial(leave1out, fit), 3)
        times[label] = seconds
        print(f"leave1out REML knha k=1000, {label:<12} (tau2 = {fit.tau2:.4f}): {seconds:.3f} s")
    ratio = times["tau2 near 0"] / times["tau2 ~ 0.1"]
    met = ratio <= 3.0
    print(f"target leave1out near-0 / tau2 0.1 <= 3: ratio {ratio:.2f} -> {'MET' if met else 'NOT MET'}")
    return met


def run_process(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + sys) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_of(argv: list[str], repeat: int) -> tuple[float, float]:
    """The fastest of ``repeat`` runs (wall and CPU taken from their own minimum)."""
    runs = [run_process(argv) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def whole_process(sizes: tuple[int, ...], r_ok: bool, workdir: Path) -> bool:
    """``compendium meta`` against Rscript + metafor and against reading the CSV with pandas."""
    compendium = str(Path(sys.executable).with_name("compendium"))
    rows = []
    for k in sizes:
        yi, vi = simulate(k)
        data = workdir / f"whole_{k}.csv"
        np.savetxt(data, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="", fmt="%.17g")
        repeat = 5 if k <= 100_000 else 3
        timings = {
            "compendium meta": best_of([compendium, "meta", str(data), "--yi", "yi", "--vi", "vi"], repeat),
            "meta sub-command alone": best_of(
                [sys.executable, "-c", META_ALONE, "meta", str(data), "--yi", "yi", "--vi", "vi"], repeat
            ),
            "read-only floor (python + pandas.read_csv)": best_of([sys.executable, "-c", FLOOR, str(data)], repeat),
        }
        if r_ok and k <= R_WHOLE_MAX_K:
            timings["Rscript + metafor"] = best_of(["Rscript", "-e", R_WHOLE, str(data)], repeat)
        for tool, (wall, cpu) in timings.items():
            rows.append({"tool": tool, "k": k, "wall_s": round(wall, 4), "cpu_s": round(cpu, 4)})
            print(f"{tool:<44}{k:>10}{wall:10.3f} s wall{cpu:10.3f} s CPU")
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "meta_whole_process.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["tool", "k", "wall_s", "cpu_s"])
        writer.writeheader()
        writer.writerows(rows)
    plot_whole_process(rows)
    return report_targets(rows)


def report_targets(rows: list[dict]) -> bool:
    """Print and return whether the issue-12 targets are met (wall and CPU separately)."""

    def get(tool: str, k: int, what: str) -> float | None:
        found = [r[what] for r in rows if r["tool"].startswith(tool) and r["k"] == k]
        return found[0] if found else None

    all_met = True
    for k, other, limit in ((1_000, "Rscript", 0.2), (1_000_000, "read-only", 2.0)):
        for tool in ("compendium meta", "meta sub-command alone"):
            for what in ("wall_s", "cpu_s"):
                ours, ref = get(tool, k, what), get(other, k, what)
                if ours is None or ref is None:
                    print(f"target k={k} {tool} / {other} <= {limit} ({what}): not measured")
                    continue
                met = ours / ref <= limit
                if tool == "compendium meta":
                    all_met &= met
                print(
                    f"target k={k} {tool} / {other} <= {limit} ({what}): ratio {ours / ref:.2f} "
                    f"-> {'MET' if met else 'NOT MET'}"
                )
    return all_met


def plot_whole_process(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for tool in dict.fromkeys(r["tool"] for r in rows):
        points = [(r["k"], r["wall_s"]) for r in rows if r["tool"] == tool]
        ax.plot(*zip(*points), marker="o", label=tool)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of studies k (log scale)")
    ax.set_ylabel("whole-process wall time, seconds (log scale)")
    ax.set_title("Whole-process time of a REML fit (knha) against k")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "meta_whole_process.png", dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="whole-process part only, k = 1000 and 10^6")
    options = parser.parse_args()
    r_ok = have_metafor()
    met = leave1out_boundary()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = (1_000, 1_000_000) if options.quick else WHOLE_SIZES
        met &= whole_process(sizes, r_ok, Path(tmp))
    if not options.quick:
        engine_table(r_ok)
    print("all targets met" if met else "some targets NOT met (see above)")


def engine_table(r_ok: bool) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for k in SIZES:
            yi, vi = simulate(k)
            for method in ("REML", "DL"):
                repeat = 5 if k <= 100_000 else 3
                py_t, py_mem = time_python(partial(rma, yi, vi, method=method, test="knha"), repeat)
                r_t = r_mem = None
                note = ""
                if r_ok and k <= R_MAX_K:
                    r_t, r_mem = time_r(yi, vi, "fit", method, workdir)
                elif r_ok:
                    note = "metafor skipped: dense k x k matrices (>= 0.8 GB each at k = 10 000, O(k^3) time)"
                rows.append((f"rma {method} knha", k, py_t, py_mem, r_t, r_mem, note))
        for k, task in ((200, "l1o"), (1_000, "l1o10")):
            yi, vi = simulate(k)
            fit = rma(yi, vi, method="REML", test="knha")
            py_t, py_mem = time_python(partial(leave1out, fit), 3)
            r_t = r_mem = None
            note = "metafor time extrapolated from 10 of the 1000 refits" if task == "l1o10" else ""
            if r_ok:
                r_t, r_mem = time_r(yi, vi, task, "REML", workdir)
            rows.append(("leave1out REML knha", k, py_t, py_mem, r_t, r_mem, note))
    print(f"Meta-analysis engine vs metafor -- SIMULATED data (seed {SEED})")
    print(f"metafor available: {r_ok}")
    header = (
        f"{'task':<22}{'k':>10}{'python s':>12}{'py peak MiB':>13}{'metafor s':>12}{'R max MB':>10}{'ratio':>9}  note"
    )
    print(header)
    print("-" * len(header))
    for task, k, py_t, py_mem, r_t, r_mem, note in rows:
        r_text = f"{r_t:12.4f}" if r_t is not None else f"{'-':>12}"
        m_text = f"{r_mem:10.1f}" if r_mem is not None else f"{'-':>10}"
        ratio = f"{r_t / py_t:9.1f}" if r_t is not None else f"{'-':>9}"
        print(f"{task:<22}{k:>10}{py_t:12.4f}{py_mem:13.1f}{r_text}{m_text}{ratio}  {note}")
    print("ratio = metafor time / Python time (higher is faster for Python).")


if __name__ == "__main__":
    main()
