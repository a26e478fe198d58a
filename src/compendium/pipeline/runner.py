"""Run the stage notebooks in order with papermill, atomically, one run at a time.

Each stage ``NN_name`` runs from the repository root with its parameters injected and
``output_dir`` pointing at a temporary folder ``<results_dir>/.tmp/NN_name``. Only when every
cell succeeded does that folder replace ``<results_dir>/NN_name`` (and files the stage put in
``output_dir/publish/`` are moved up into ``<results_dir>``). Around that:

* before anything runs, every parameter is checked (:mod:`.parameters`, :mod:`.choices`) and the
  outputs of the earlier stages a stage reads are checked against the current inputs
  (:mod:`.fingerprint`): stale or missing ones stop the run, naming the stage to re-run;
* the stages of the review are its declared ones plus the earlier stages they need; outputs of a
  stage that is no longer declared are removed (an old report never stays as if it were current);
* ``if_stale`` runs only the stages whose outputs are not current (what ``make report`` does
  through :func:`plan`, which lists them as Make rules, one line per stale stage saying why);
* the executed notebook shows the stage's final folder, not the temporary one it was built in;
* a failing cell, a dead kernel or an operating-system error (read-only folder, full disk) stops
  the run with the stage, the notebook and the reason; the failed notebook is kept in
  ``<results_dir>/.failed/NN_name/`` when it can be written, the previous good outputs stay
  untouched (with a note that the last attempt failed) and ``.tmp/`` is always removed;
* the whole run holds the lock of the results folder (:mod:`.lock`).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import re
import shlex
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import compendium
from compendium.errors import CompendiumError
from compendium.paths import PARAMS_PATH, display_path, governing_review, project_root
from compendium.paths import notebooks_dir as notebooks_dir_of
from compendium.pipeline.fingerprint import (
    PUBLISH_DIR,
    mark_failed_attempt,
    output_path,
    outputs_read,
    read_fingerprint,
    refuse_stale,
    stage_inputs,
    stale_reason,
    write_fingerprint,
)
from compendium.pipeline.graph import (
    READS_ONLY_TABLES,
    declared_stage_names,
    make_plan,
    upstream_of,
    with_required,
)
from compendium.pipeline.lock import results_lock
from compendium.pipeline.parameters import ParameterSet, notebook_parameters, resolve_parameters
from compendium.pipeline.scratch import RUNNER_TMP_DIR

STAGE_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
TMP_DIR = RUNNER_TMP_DIR  # the folder a stage is built in (one place: compendium.pipeline.scratch)
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
    """The stages of this review: the ``stages:`` list of ``review.yaml`` when it has one (with
    the earlier stages they need, listed or not: stage 03 never reads stage-01 tables built from
    other data), else all."""
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
    wanted = with_required(names, list(by_name))
    return [s for s in stages if s.name in wanted]


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
    if_stale: bool = False,
) -> list[StageRun]:
    """Check all parameters and inputs, then run the selected stages in order.

    ``defaults_file`` (the committed ``params.yaml``) is read first, then ``param_files`` in
    order, then ``overrides`` (``name=value``); later sources win. With ``if_stale``, a stage
    whose outputs are current (:func:`compendium.pipeline.fingerprint.stale_reason`) is not run.
    Returns one :class:`StageRun` per executed stage.
    """
    setup = _setup(only, param_files, overrides, notebooks_dir, defaults_file, review_file, log)
    with _holding(setup.results_dirs, log):
        remove_undeclared_outputs(setup, log)
        runs = []
        for stage in setup.selected:
            _checked_upstream(stage, setup.by_name, setup.names, setup.params, review_file)
            inputs = expected_inputs(stage, setup.names, setup.params, review_file)
            folder = _results_dir(setup.params.for_stage(stage.parameters)) / stage.name
            if if_stale and stale_reason(folder, inputs) is None:
                log(f"[compendium] {stage.name} is current (the inputs it reads are unchanged): not re-run")
                continue
            runs.append(run_stage(stage, setup.params, inputs, log=log))
        record_run(setup, param_files, defaults_file, review_file)
        return runs


def record_run(
    setup: _Setup,
    param_files: list[str | Path] | None,
    defaults_file: str | Path | None,
    review_file: str | Path | None,
) -> None:
    """(Re)write the run record of every results folder (:mod:`compendium.pipeline.crate`) from the
    stage records on disk, when it changed."""
    from compendium.pipeline.crate import build_crate, write_crate

    files = [Path(f) for f in ([defaults_file] if defaults_file else []) + list(param_files or [])]
    values: dict[str, object] = {}
    for stage in setup.stages:
        values |= {k: v for k, v in setup.params.for_stage(stage.parameters).items() if k != "output_dir"}
    for results_dir in {_results_dir(setup.params.for_stage(s.parameters)) for s in setup.stages}:
        if not results_dir.is_dir():
            continue
        raw_dir = project_root() / str(values.get("raw_dir", "data/raw"))
        stages = [(s.name, s.path) for s in setup.stages]
        declaration = Path(review_file) if review_file else governing_review(raw_dir)
        write_crate(results_dir, build_crate(results_dir, stages, values, files, declaration, raw_dir))


@dataclass(frozen=True)
class _Setup:
    """The stages of a run and its checked parameters."""

    stages: list[Stage]
    selected: list[Stage]
    params: ParameterSet
    notebooks: list[Stage]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    @property
    def by_name(self) -> dict[str, Stage]:
        return {s.name: s for s in self.stages}

    @property
    def results_dirs(self) -> list[Path]:
        return sorted({_results_dir(self.params.for_stage(s.parameters)) for s in self.selected})


def _setup(
    only: list[str] | None,
    param_files: list[str | Path] | None,
    overrides: list[str] | None,
    notebooks_dir: str | Path | None,
    defaults_file: str | Path | None,
    review_file: str | Path | None,
    log: Callable[[str], None],
) -> _Setup:
    """Find the stages, select them and check every parameter (nothing runs before this succeeds).
    ``notebooks_dir`` defaults to the review's stage notebooks (:func:`compendium.paths.notebooks_dir`),
    a relative ``defaults_file`` is read from the review's root."""
    root = project_root()
    if defaults_file and not Path(defaults_file).is_absolute():
        defaults_file = root / defaults_file
    notebooks = discover_stages(notebooks_dir or notebooks_dir_of(root))
    stages = pipeline_stages(notebooks, review_file)
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
    return _Setup(stages, selected, params, notebooks)


def remove_undeclared_outputs(setup: _Setup, log: Callable[[str], None]) -> None:
    """Remove the outputs of stages that have a notebook but are not stages of this review (dropped
    from ``stages:``), with the files they published: no report or table outlives its declaration."""
    declared = set(setup.names)
    for stage in setup.notebooks:
        if stage.name in declared:
            continue
        for results_dir in {_results_dir(setup.params.for_stage(s.parameters)) for s in setup.stages}:
            folder = results_dir / stage.name
            if not folder.is_dir():
                continue
            record = read_fingerprint(folder) or {}
            published = [
                output_path(folder, name) for name in record.get("outputs", {}) if name.startswith(f"{PUBLISH_DIR}/")
            ]
            for path in published:
                path.unlink(missing_ok=True)
            shutil.rmtree(folder)
            shown = ", ".join(display_path(p) for p in [folder, *published])
            log(f"[compendium] removed {shown}: stage {stage.name} is not in the review's stages")


def plan(
    param_files: list[str | Path] | None = None,
    notebooks_dir: str | Path | None = None,
    defaults_file: str | Path | None = PARAMS_PATH,
    review_file: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> str:
    """Make rules for the stages whose outputs are not current, and for the stages that read them.

    A stage is stale when :func:`compendium.pipeline.fingerprint.stale_reason` gives a reason (one
    line each is logged: a one-off ``compendium run -p ...``, an edited data file whatever its
    modification time, a deleted table or report). Stages after a stale one are listed too and run
    with ``--if-stale``, so they re-run only if what they read actually changed. Empty when every
    stage is current. Parameters are checked first; outputs of undeclared stages are removed.
    """
    setup = _setup(None, param_files, None, notebooks_dir, defaults_file, review_file, log)
    with _holding(setup.results_dirs, log):
        remove_undeclared_outputs(setup, log)
    to_run: list[str] = []
    for stage in setup.stages:
        reads = upstream_of(stage.name, setup.names).all
        if any(name in to_run for name in reads):
            to_run.append(stage.name)
            continue
        folder = _results_dir(setup.params.for_stage(stage.parameters)) / stage.name
        reason = stale_reason(folder, expected_inputs(stage, setup.names, setup.params, review_file))
        if reason is not None:
            log(f"[compendium] {stage.name} is not current ({reason}): re-running it")
            to_run.append(stage.name)
    if not to_run:
        with _holding(setup.results_dirs, log):
            record_run(setup, param_files, defaults_file, review_file)
        return ""
    # each parameter file quoted for the shell, with Make's `$` doubled
    files = [f"--params {shlex.quote(str(f))}".replace("$", "$$") for f in param_files or []]
    return make_plan(to_run, setup.names, " ".join(["$(BIN)/compendium run --if-stale", *files, "--only"]))


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
    """The inputs ``stage``'s outputs would record if it ran now (the content of the upstream
    outputs it reads as recorded on disk: :func:`compendium.pipeline.fingerprint.outputs_read`)."""
    values = params.for_stage(stage.parameters)
    results_dir = _results_dir(values)
    upstream = {}
    for name in upstream_of(stage.name, names).all:
        record = read_fingerprint(results_dir / name)
        upstream[name] = outputs_read(record, stage.name in READS_ONLY_TABLES) if record else None
    return stage_inputs(stage.path, values, upstream, Path(review_file) if review_file else None)


def _checked_upstream(
    stage: Stage, by_name: dict[str, Stage], names: list[str], params: ParameterSet, review_file: str | Path | None
) -> None:
    """Check the outputs of every earlier stage ``stage`` reads (and theirs, recursively).

    Missing required outputs and outputs that are not current raise :class:`CompendiumError`.
    """
    results_dir = _results_dir(params.for_stage(stage.parameters))
    graph = upstream_of(stage.name, names)
    for name in graph.all:
        folder = results_dir / name
        if not folder.is_dir():
            if name in graph.required:
                raise CompendiumError(
                    f"stage {stage.name} needs the outputs of stage {name}, and "
                    f"{display_path(folder)} does not exist; run it first: compendium run --only {name[:2]} "
                    "(or make report)"
                )
            continue
        upstream_stage = by_name[name]
        if upstream_stage.problem:
            raise CompendiumError(upstream_stage.problem)
        _checked_upstream(upstream_stage, by_name, names, params, review_file)
        expected = expected_inputs(upstream_stage, names, params, review_file)
        refuse_stale(name, folder, expected, reader=stage.name)


def run_stage(
    stage: Stage,
    params: ParameterSet,
    inputs: dict[str, object],
    log: Callable[[str], None] = print,
) -> StageRun:
    """Execute one stage into a temporary folder and move it into place on success.

    ``inputs`` are what its outputs are built from (:func:`expected_inputs`), recorded in its fingerprint.
    """
    import nbformat
    import papermill

    started = time.perf_counter()
    start_time = _now()
    values = params.for_stage(stage.parameters)
    results_dir = _results_dir(values)
    final_dir = results_dir / stage.name
    work_dir = results_dir / TMP_DIR / stage.name
    executed = work_dir / f"{stage.name}.ipynb"
    try:
        shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True)
        values["output_dir"] = os.path.relpath(work_dir, project_root())
        notebook = nbformat.read(stage.path, as_version=4)
        _insert_parameters_used_cell(
            notebook, stage, {**values, "output_dir": os.path.relpath(final_dir, project_root())}, params
        )
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
        _show_final_paths(executed, {input_path: stage.path, work_dir: final_dir})
        run = {"start_time": start_time, "end_time": _now(), "engine_version": compendium.__version__}
        fingerprint = write_fingerprint(work_dir, stage.name, inputs, run)
        _publish(work_dir, final_dir, results_dir)
    except OSError as error:
        raise _stage_failed(stage, final_dir, executed, inputs, _os_reason(error)) from None
    finally:
        _remove_tmp(work_dir, results_dir)
    log(f"[compendium] {stage.name} done -> {display_path(final_dir)}")
    return StageRun(stage.name, final_dir / executed.name, fingerprint, time.perf_counter() - started)


def _now() -> str:
    """The current time, ISO 8601 with the time zone, to the second (the run record's times)."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


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

    from compendium.shared import markdown_text

    rows = ["| parameter | value | from |", "|---|---|---|"]
    for name, value in values.items():
        origin = "runner" if name == "output_dir" else params.origins.get(name, "notebook default")
        if origin not in ("runner", "notebook default", "-p"):
            origin = display_path(origin)
        # escaped, not in a code span: a value with a backtick or a pipe must not break the table
        rows.append(f"| {markdown_text(name)} | {markdown_text(json.dumps(value))} | {markdown_text(origin)} |")
    cell = nbformat.v4.new_markdown_cell("### Parameters used\n\n" + "\n".join(rows))
    cell.metadata["tags"] = ["parameters-used"]
    position = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    notebook.cells.insert(position + 1, cell)


def _show_final_paths(executed: Path, final: dict[Path, Path]) -> None:
    """Write the final paths where the executed notebook shows the temporary ones (``final``:
    temporary -> final): the injected ``output_dir``, printed paths and papermill's input path
    name the stage's folder in ``reports/`` and its notebook, so a reader can follow every path."""
    text = executed.read_text(encoding="utf-8")
    for built, kept in final.items():
        root = project_root()
        for old, new in ((os.path.relpath(built, root), os.path.relpath(kept, root)), (str(built), str(kept))):
            text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    executed.write_text(text, encoding="utf-8")


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
