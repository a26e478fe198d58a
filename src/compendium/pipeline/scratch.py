"""Where a stage notebook writes when it is not run by ``compendium run``: only the runner writes
``reports/``.

A stage notebook's default ``output_dir`` is ``scratch/NN_name`` (git-ignored, outside
``reports/``), so executing it by hand (papermill, JupyterLab's "Run All", nbclient) can never
overwrite the outputs whose fingerprints say how they were built. The runner injects a temporary
folder inside the results folder and moves it into place when every cell succeeded.
:func:`where_outputs_go` is the notebook's first output: it says which case applies, and refuses an
``output_dir`` inside the results folder that the runner did not set.
"""

from __future__ import annotations

from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import display_path, project_root

#: the git-ignored folder of notebooks executed outside the runner (relative to the repository root)
SCRATCH_DIR = "scratch"
#: the folder inside the results folder where the runner builds a stage (``compendium.pipeline.runner``)
RUNNER_TMP_DIR = ".tmp"


def final_folder(output_dir: str | Path, results_dir: str | Path) -> Path | None:
    """The stage folder in ``results_dir`` that ``output_dir`` becomes when the runner built it (its
    temporary folder ``<results_dir>/.tmp/NN_name``); None when the notebook was not run by the runner."""
    output = (project_root() / output_dir).resolve()
    results = (project_root() / results_dir).resolve()
    if not output.is_relative_to(results / RUNNER_TMP_DIR) or output == results / RUNNER_TMP_DIR:
        return None
    return results / output.relative_to(results / RUNNER_TMP_DIR).parts[0]


def where_outputs_go(output_dir: str | Path, results_dir: str | Path) -> str:
    """One sentence on where this notebook's outputs go (the notebook prints it first).

    Raises :class:`CompendiumError` when ``output_dir`` lies inside ``results_dir`` but is not the
    runner's temporary folder: a notebook run by hand must not change ``reports/``.
    """
    output = (project_root() / output_dir).resolve()
    results = (project_root() / results_dir).resolve()
    final = final_folder(output_dir, results_dir)
    if final is not None:
        return (
            f"Run by compendium run: outputs go to {display_path(final)} (built in a temporary folder and "
            "moved into place when every cell has succeeded)."
        )
    if output.is_relative_to(results):
        raise CompendiumError(
            f"output_dir {display_path(output)} is inside {display_path(results)}, which only `compendium run` "
            f"writes (so its fingerprints always say how its outputs were built); leave output_dir at its "
            f"default ({SCRATCH_DIR}/...), or run the stage with: compendium run --only {output.name[:2]} -p ..."
        )
    return (
        f"Not run by compendium run: outputs go to {display_path(output)}, a scratch folder "
        f"(git-ignored, outside {display_path(results)}); {display_path(results)} is unchanged. "
        "`compendium run` or `make report` build the report."
    )
