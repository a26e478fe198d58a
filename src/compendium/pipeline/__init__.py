"""The papermill pipeline: stage discovery, parameter checks, atomic stage outputs."""

from compendium.pipeline.parameters import ParameterSet, notebook_parameters, resolve_parameters
from compendium.pipeline.runner import Stage, discover_stages, run_pipeline

__all__ = ["ParameterSet", "notebook_parameters", "resolve_parameters", "Stage", "discover_stages", "run_pipeline"]
