"""Benchmark of the meta-analysis engine against R's metafor on the same simulated data.

Run: ``python benchmarks/bench_meta.py`` (from the repository root, with ``src`` importable).

Data are SIMULATED (seeded): vi ~ U(0.01, 0.5), yi ~ N(0.3, vi + 0.1). Times are wall-clock
medians (best of ``repeat`` runs for small k); peak memory is tracemalloc's peak for Python and
R's ``gc()`` "max used" for metafor. metafor builds dense k x k matrices, so it is run only where
that is feasible (REML and DL at k <= 1 000; its leave-one-out is timed at k = 200 and, at
k = 1000, extrapolated from 10 of the 1000 refits, as stated in the table).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from compendium.meta import rma  # noqa: E402
from compendium.meta.diagnostics import leave_one_out  # noqa: E402

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
    out = subprocess.run(["Rscript", str(script), str(data), task, method], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"]


def main() -> None:
    r_ok = have_metafor()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for k in SIZES:
            yi, vi = simulate(k)
            for method in ("REML", "DL"):
                repeat = 5 if k <= 100_000 else 3
                py_t, py_mem = time_python(lambda: rma(yi, vi, method=method, test="knha"), repeat)
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
            py_t, py_mem = time_python(lambda: leave_one_out(fit), 3)
            r_t = r_mem = None
            note = "metafor time extrapolated from 10 of the 1000 refits" if task == "l1o10" else ""
            if r_ok:
                r_t, r_mem = time_r(yi, vi, task, "REML", workdir)
            rows.append(("leave1out REML knha", k, py_t, py_mem, r_t, r_mem, note))
    print("Meta-analysis engine vs metafor -- SIMULATED data (seed %d)" % SEED)
    print(f"metafor available: {r_ok}")
    header = f"{'task':<22}{'k':>10}{'python s':>12}{'py peak MiB':>13}{'metafor s':>12}{'R max MB':>10}{'ratio':>9}  note"
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
