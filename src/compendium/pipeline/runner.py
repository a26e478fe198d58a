"""Run the stage notebooks in order with papermill, atomically, one run at a time.

Each stage ``NN_name`` runs from the repository root with its parameters injected and
``output_dir`` pointing at a temporary folder ``<results_dir>/.tmp/NN_name``. Only when every
cell succeeded does that folder replace ``<results_dir>/NN_name`` (and files the stage put in
``output_dir/publish/`` are moved up into ``<results_dir>``). Around that:

* before anything runs, every parameter is checked (:mod:`.parameters`, :mod:`.choices`) and the
  outputs of the earlier stages a stage reads are checked against the current inputs
  (:mod:`.fingerprint`): stale or missing ones stop the run, naming the stage to re-run;
* a failing cell, a dead kernel or an operating-system error (read-only folder, full disk) stops
  the run with the stage, the notebook and the reason; the failed notebook is kept in
  ``<results_dir>/.failed/NN_name/`` when it can be written, the previous good outputs stay
  untouched (with a note that the last attempt failed) and ``.tmp/`` is always removed;
* the whole run holds the lock of the results folder (:mod:`.lock`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import PARAMS_PATH, display_path, project_root
from compendium.paths import notebooks_dir as notebooks_dir_of
from compendium.pipeline.fingerprint import (
    mark_failed_attempt,
    read_fingerprint,
    refuse_stale,
    stage_inputs,
    write_fingerprint,
)
from compendium.pipeline.graph import declared_stage_names, upstream_of
from compendium.pipeline.lock import results_lock
from compendium.pipeline.parameters import ParameterSet, notebook_parameters, resolve_parameters

STAGE_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
PUBLISH_DIR = "publish"
TMP_DIR = ".tmp"
FAILED_DIR = ".failed"


@dataclass(frozen=True)
class Stage:
    """One stage notebook: ``number`` '03', ``name`` '03_meta_analysis', its path and declared parameters.

    ``problem`` is the reason its parameters cell could not be read (None when it could); such a
    stage is listed by ``compendium run --list`` with that reason and cannot run.
    """

    number: str
    name: str
    path: Path
    parameters: dict[str, object]
    problem: str | None = None


@dataclass(frozen=True)
class StageRun:
    """What running one stage produced: the executed notebook, its fingerprint and wall time."""

    stage: str
    notebook: Path
    fingerprint: str
    seconds: float

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "notebook": display_path(self.notebook),
            "fingerprint": self.fingerprint,
            "seconds": round(self.seconds, 2),
        }


def discover_stages(notebooks_dir: str | Path | None = None) -> list[Stage]:
    """All ``NN_name.ipynb`` notebooks of ``notebooks_dir`` (default: the review's, see
    :func:`compendium.paths.notebooks_dir`), in order (unreadable ones carry their ``problem``)."""
    stages = []
    for path in sorted(Path(notebooks_dir or notebooks_dir_of()).glob("*.ipynb")):
        match = STAGE_PATTERN.match(path.name)
        if match:
            try:
                stages.append(Stage(match.group(1), path.stem, path, notebook_parameters(path)))
            except CompendiumError as error:
                stages.append(Stage(match.group(1), path.stem, path, {}, problem=str(error)))
    if not stages:
        raise CompendiumError(f"{notebooks_dir}: no stage notebooks (NN_name.ipynb) found")
    return stages


def pipeline_stages(stages: list[Stage], review_file: str | Path | None = None) -> list[Stage]:
    """The stages of this review: the ``stages:`` list of ``review.yaml`` when it has one, else all."""
    names = declared_stage_names(review_file)
    if names is None:
        return stages
    by_name = {s.name: s for s in stages}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise CompendiumError(
            f"{display_path(review_file or 'review.yaml')}: 'stages' names {', '.join(unknown)}, "
            f"which have no notebook; notebooks are {', '.join(by_name)}"
        )
    return [s for s in stages if s.name in names]


def select_stages(stages: list[Stage], only: list[str] | None) -> list[Stage]:
    """The stages named in ``only`` (by number '03' or name '03_meta_analysis'), or all of them."""
    if not only:
        return stages
    selected = [s for s in stages if s.number in only or s.name in only]
    unknown = set(only) - {s.number for s in selected} - {s.name for s in selected}
    if unknown:
        raise CompendiumError(
            f"unknown stage(s) {', '.join(sorted(unknown))}; stages are {', '.join(s.name for s in stages)}"
        )
    return selected


def run_pipeline(
    only: list[str] | None = None,
    param_files: list[str | Path] | None = None,
    overrides: list[str] | None = None,
    notebooks_dir: str | Path | None = None,
    defaults_file: str | Path | None = PARAMS_PATH,
    review_file: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> list[StageRun]:
    """Check all parameters and inputs, then run the selected stages in order.

    ``defaults_file`` (the committed ``params.yaml``) is read first, then ``param_files`` in
    order, then ``overrides`` (``name=value``); later sources win (relative paths from the review's
    root). ``notebooks_dir`` defaults to the review's stage notebooks (:func:`compendium.paths.notebooks_dir`),
    ``review_file`` to the declaration that governs each stage's ``raw_dir``. Returns one
    :class:`StageRun` per executed stage.
    """
    root = project_root()
    if defaults_file and not Path(defaults_file).is_absolute():
        defaults_file = root / defaults_file
    stages = pipeline_stages(discover_stages(notebooks_dir or notebooks_dir_of(root)), review_file)
    selected = select_stages(stages, only)
    broken = [s.problem for s in selected if s.problem]
    if broken:
        raise CompendiumError("\n".join(broken))
    readable = [s for s in stages if not s.problem]
    for stage in stages:
        if stage.problem:
            log(f"[compendium] skipping {stage.name} (not selected; its notebook cannot be read)")
    # a review without params.yaml runs with the notebooks' defaults
    files = ([defaults_file] if defaults_file and Path(defaults_file).is_file() else []) + list(param_files or [])
    params = resolve_parameters({s.name: s.parameters for s in readable}, files, list(overrides or []))
    results_dirs = sorted({_results_dir(params.for_stage(s.parameters)) for s in selected})
    names = [s.name for s in stages]
    by_name = {s.name: s for s in stages}
    with _holding(results_dirs, log):
        runs = []
        for stage in selected:
            upstream = _checked_upstream(stage, by_name, names, params, review_file)
            runs.append(
                run_stage(stage, params, upstream, review_file=Path(review_file) if review_file else None, log=log)
            )
        return runs


def _results_dir(values: dict[str, object]) -> Path:
    return project_root() / str(values.get("results_dir", "reports"))


def _holding(results_dirs: list[Path], log: Callable[[str], None]) -> contextlib.ExitStack:
    """Hold the lock of every results folder the selected stages write to."""
    stack = contextlib.ExitStack()
    for results_dir in results_dirs:
        stack.enter_context(results_lock(results_dir, log=log))
    return stack


def expected_inputs(
    stage: Stage, names: list[str], params: ParameterSet, review_file: str | Path | None
) -> dict[str, object]:
    """The inputs ``stage``'s outputs would record if it ran now (upstream fingerprints as found on disk)."""
    values = params.for_stage(stage.parameters)
    results_dir = _results_dir(values)
    upstream = {}
    for name in upstream_of(stage.name, names).all:
        record = read_fingerprint(results_dir / name)
        upstream[name] = record["fingerprint"] if record else None
    return stage_inputs(stage.path, values, upstream, Path(review_file) if review_file else None)


def _checked_upstream(
    stage: Stage, by_name: dict[str, Stage], names: list[str], params: ParameterSet, review_file: str | Path | None
) -> dict[str, str | None]:
    """Check the outputs of every earlier stage ``stage`` reads (and theirs, recursively).

    Returns ``{upstream stage: fingerprint or None when absent}`` for the direct upstream stages.
    Missing required outputs and outputs built from other inputs raise :class:`CompendiumError`.
    """
    results_dir = _results_dir(params.for_stage(stage.parameters))
    graph = upstream_of(stage.name, names)
    found: dict[str, str | None] = {}
    for name in graph.all:
        folder = results_dir / name
        if not folder.is_dir():
            if name in graph.required:
                raise CompendiumError(
                    f"stage {stage.name} needs the outputs of stage {name}, and "
                    f"{display_path(folder)} does not exist; run it first: compendium run --only {name[:2]} "
                    "(or make report)"
                )
            found[name] = None
            continue
        upstream_stage = by_name[name]
        if upstream_stage.problem:
            raise CompendiumError(upstream_stage.problem)
        _checked_upstream(upstream_stage, by_name, names, params, review_file)
        expected = expected_inputs(upstream_stage, names, params, review_file)
        found[name] = refuse_stale(name, folder, expected, reader=stage.name)
    return found


def run_stage(
    stage: Stage,
    params: ParameterSet,
    upstream: dict[str, str | None],
    review_file: Path | None = None,
    log: Callable[[str], None] = print,
) -> StageRun:
    """Execute one stage into a temporary folder and move it into place on success."""
    import nbformat
    import papermill

    started = time.perf_counter()
    values = params.for_stage(stage.parameters)
    results_dir = _results_dir(values)
    final_dir = results_dir / stage.name
    work_dir = results_dir / TMP_DIR / stage.name
    inputs = stage_inputs(stage.path, values, upstream, review_file)
    executed = work_dir / f"{stage.name}.ipynb"
    try:
        shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True)
        values["output_dir"] = os.path.relpath(work_dir, project_root())
        notebook = nbformat.read(stage.path, as_version=4)
        _insert_parameters_used_cell(notebook, stage, values, params)
        input_path = work_dir / f"_input_{stage.name}.ipynb"
        nbformat.write(notebook, input_path)
        log(f"[compendium] running {stage.name} ...")
        try:
            papermill.execute_notebook(
                str(input_path),
                str(executed),
                parameters=values,
                cwd=str(project_root()),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                kernel_manager_class="compendium.pipeline.kernel.IPCKernelManager",
                # the notebook has finished: stop its kernel at once (a graceful shutdown first
                # interrupts the idle kernel, which logs "KeyboardInterrupt caught in kernel")
                shutdown_kernel="immediate",
            )
        except papermill.PapermillExecutionError as error:
            raise _stage_failed(
                stage,
                final_dir,
                executed,
                inputs,
                f"cell {error.cell_index} of the executed notebook (execution count {error.exec_count}): "
                f"{error.ename}: {error.evalue}",
            ) from None
        except OSError as error:
            raise _stage_failed(stage, final_dir, executed, inputs, _os_reason(error)) from None
        except Exception as error:  # noqa: BLE001 - nbclient's DeadKernelError, timeouts, kernel start failures
            reason = f"{type(error).__name__}: {error}"
            if type(error).__name__ == "DeadKernelError":
                reason = (
                    "the kernel died while a cell was running (killed by the system, often for lack of memory, "
                    f"or by a signal): {error}"
                )
            raise _stage_failed(stage, final_dir, executed, inputs, reason) from None
        input_path.unlink()
        fingerprint = write_fingerprint(work_dir, stage.name, inputs)
        _publish(work_dir, final_dir, results_dir)
    except OSError as error:
        raise _stage_failed(stage, final_dir, executed, inputs, _os_reason(error)) from None
    finally:
        _remove_tmp(work_dir, results_dir)
    log(f"[compendium] {stage.name} done -> {display_path(final_dir)}")
    return StageRun(stage.name, final_dir / executed.name, fingerprint, time.perf_counter() - started)


def _os_reason(error: OSError) -> str:
    where = f"{display_path(error.filename)}: " if error.filename else ""
    hint = ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = " (free some space and re-run)"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = " (make the results folder writable or set results_dir to another folder)"
    return f"{where}{error.strerror or error}{hint}"


def _stage_failed(
    stage: Stage, final_dir: Path, executed: Path, inputs: dict[str, object], reason: str
) -> CompendiumError:
    """Keep the failed notebook (when it can be written), note the failed attempt, build the error."""
    kept = _keep_failed_notebook(executed, final_dir.parent / FAILED_DIR / stage.name)
    if final_dir.is_dir():
        mark_failed_attempt(final_dir, inputs, reason)
        previous = (
            f"the previous outputs in {display_path(final_dir)} were left as they were "
            "(marked as built from the previous inputs)"
        )
    else:
        previous = f"no outputs were written to {display_path(final_dir)}"
    incomplete = (
        " (it may be cut short: it was being written when the error happened)" if "No space left" in reason else ""
    )
    where = (
        f"The failed notebook is at {display_path(kept)}{incomplete}; "
        if kept
        else "No failed notebook could be kept; "
    )
    return CompendiumError(
        f"stage {stage.name} failed in notebook {display_path(stage.path)}: {reason}\n{where}{previous}."
    )


def _keep_failed_notebook(executed: Path, failed_dir: Path) -> Path | None:
    """Move the executed notebook (only: partial tables could fill a full disk) to ``failed_dir``."""
    if not executed.is_file():
        return None
    try:
        shutil.rmtree(failed_dir, ignore_errors=True)
        failed_dir.mkdir(parents=True, exist_ok=True)
        target = failed_dir / executed.name
        os.replace(executed, target)
    except OSError:
        return None
    return target


def _remove_tmp(work_dir: Path, results_dir: Path) -> None:
    """Remove the stage's temporary folder and ``.tmp/`` itself when nothing else is in it."""
    shutil.rmtree(work_dir, ignore_errors=True)
    with_tmp = results_dir / TMP_DIR
    with contextlib.suppress(OSError):  # missing, or another stage's folder is still in it
        with_tmp.rmdir()


def _insert_parameters_used_cell(notebook, stage: Stage, values: dict, params: ParameterSet) -> None:
    """Put a visible 'Parameters used' table right after the parameters cell."""
    import nbformat

    rows = ["| parameter | value | from |", "|---|---|---|"]
    for name, value in values.items():
        origin = "runner" if name == "output_dir" else params.origins.get(name, "notebook default")
        if origin not in ("runner", "notebook default", "-p"):
            origin = display_path(origin)
        rows.append(f"| `{name}` | `{json.dumps(value)}` | {origin} |")
    cell = nbformat.v4.new_markdown_cell("### Parameters used\n\n" + "\n".join(rows))
    cell.metadata["tags"] = ["parameters-used"]
    position = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    notebook.cells.insert(position + 1, cell)


def _publish(work_dir: Path, final_dir: Path, results_dir: Path) -> None:
    """Swap the finished folder into place; move ``publish/`` files up to ``results_dir``."""
    publish = work_dir / PUBLISH_DIR
    if publish.is_dir():
        for item in sorted(publish.iterdir()):
            os.replace(item, results_dir / item.name)
        publish.rmdir()
    old = results_dir / TMP_DIR / f"{final_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final_dir.exists():
        final_dir.rename(old)
    try:
        work_dir.rename(final_dir)
    except OSError:
        if old.exists():
            old.rename(final_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
