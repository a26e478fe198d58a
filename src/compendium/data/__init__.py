"""The evidence data package: validation (:mod:`.validate`), typed loading (:mod:`.load`)
and the stage-01 summaries of what evidence exists (:mod:`.summary`)."""

from compendium.data.load import load_tables
from compendium.data.validate import Problem, ValidationFailed, check_package, validate_package

__all__ = ["load_tables", "Problem", "ValidationFailed", "check_package", "validate_package"]
