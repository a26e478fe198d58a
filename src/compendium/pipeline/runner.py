"""Run the stage notebooks in order with papermill, atomically.

Each stage ``NN_name`` runs from the repository root with its parameters injected and
``output_dir`` pointing at a temporary folder ``<results_dir>/.tmp/NN_name``. Only when every
cell succeeded does that folder replace ``<results_dir>/NN_name`` (and files the stage put in
``output_dir/publish/`` are moved up into ``<results_dir>``). A failing cell stops the run with
the notebook, cell number and error; the failed notebook is kept in ``<results_dir>/.failed/``
and the previous good outputs stay untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from compendium.errors import CompendiumError
from compendium.paths import NOTEBOOKS_DIR, PARAMS_FILE, ROOT, display_path
from compendium.pipeline.parameters import ParameterSet, notebook_parameters, resolve_parameters

STAGE_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
PUBLISH_DIR = "publish"


class IPCKernelManager(AsyncKernelManager):
    """Kernel reached over local IPC sockets: no TCP ports on the machine (and no warning about them)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"


@dataclass(frozen=True)
class Stage:
    """One stage notebook: ``number`` '03', ``name`` '03_meta_analysis', its path and declared parameters."""

    number: str
    name: str
    path: Path
    parameters: dict[str, object]


def discover_stages(notebooks_dir: str | Path = NOTEBOOKS_DIR) -> list[Stage]:
    """All ``NN_name.ipynb`` notebooks of ``notebooks_dir``, in order."""
    stages = []
    for path in sorted(Path(notebooks_dir).glob("*.ipynb")):
        match = STAGE_PATTERN.match(path.name)
        if match:
            stages.append(Stage(match.group(1), path.stem, path, notebook_parameters(path)))
    if not stages:
        raise CompendiumError(f"{notebooks_dir}: no stage notebooks (NN_name.ipynb) found")
    return stages


def select_stages(stages: list[Stage], only: list[str] | None) -> list[Stage]:
    """The stages named in ``only`` (by number '03' or name '03_meta_analysis'), or all of them."""
    if not only:
        return stages
    selected = [s for s in stages if s.number in only or s.name in only]
    unknown = set(only) - {s.number for s in selected} - {s.name for s in selected}
    if unknown:
        raise CompendiumError(f"unknown stage(s) {', '.join(sorted(unknown))}; stages are {', '.join(s.name for s in stages)}")
    return selected


def run_pipeline(
    only: list[str] | None = None,
    param_files: list[str | Path] | None = None,
    overrides: list[str] | None = None,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    defaults_file: str | Path | None = PARAMS_FILE,
    log=print,
) -> list[Path]:
    """Check all parameters, then run the selected stages in order; return the executed notebooks.

    ``defaults_file`` (the committed ``params.yaml``) is read first, then ``param_files`` in
    order, then ``overrides`` (``name=value``); later sources win.
    """
    stages = discover_stages(notebooks_dir)
    selected = select_stages(stages, only)
    files = ([defaults_file] if defaults_file else []) + list(param_files or [])
    params = resolve_parameters({s.name: s.parameters for s in stages}, files, list(overrides or []))
    return [run_stage(stage, params, log=log) for stage in selected]


def run_stage(stage: Stage, params: ParameterSet, log=print) -> Path:
    """Execute one stage into a temporary folder and move it into place on success."""
    import nbformat
    import papermill

    values = params.for_stage(stage.parameters)
    results_dir = ROOT / str(values.get("results_dir", "reports"))
    final_dir = results_dir / stage.name
    work_dir = results_dir / ".tmp" / stage.name
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    values["output_dir"] = os.path.relpath(work_dir, ROOT)

    notebook = nbformat.read(stage.path, as_version=4)
    _insert_parameters_used_cell(notebook, stage, values, params)
    input_path = work_dir / f"_input_{stage.name}.ipynb"
    nbformat.write(notebook, input_path)
    executed = work_dir / f"{stage.name}.ipynb"
    log(f"[compendium] running {stage.name} ...")
    try:
        papermill.execute_notebook(
            str(input_path), str(executed), parameters=values, cwd=str(ROOT),
            kernel_name="python3", progress_bar=False, log_output=False,
            kernel_manager_class="compendium.pipeline.runner.IPCKernelManager",
        )
    except papermill.PapermillExecutionError as error:
        failed = results_dir / ".failed" / stage.name
        shutil.rmtree(failed, ignore_errors=True)
        failed.parent.mkdir(parents=True, exist_ok=True)
        input_path.unlink(missing_ok=True)
        work_dir.rename(failed)
        raise CompendiumError(
            f"stage {stage.name} failed in notebook {display_path(stage.path)}, cell {error.cell_index} of the executed notebook "
            f"(execution count {error.exec_count}): {error.ename}: {error.evalue}\n"
            f"The failed notebook is at {display_path(failed / executed.name)}; "
            f"the previous outputs in {display_path(final_dir)} were left as they were."
        ) from None
    input_path.unlink()
    _publish(work_dir, final_dir, results_dir)
    log(f"[compendium] {stage.name} done -> {display_path(final_dir)}")
    return final_dir / executed.name


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
    old = results_dir / ".tmp" / f"{final_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final_dir.exists():
        final_dir.rename(old)
    work_dir.rename(final_dir)
    shutil.rmtree(old, ignore_errors=True)
