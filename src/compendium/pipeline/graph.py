"""Which stages run, and which earlier stages' outputs each one reads (the pipeline's DAG).

The stages that run are the ``stages:`` list of ``review.yaml`` at the repository root when
that file declares one (with the earlier stages they need, listed or not), else every
``notebooks/NN_name.ipynb``. What each stage reads from
earlier stages is declared in :data:`STAGE_READS` (checked against the stage code: stage 02 and
04 read only stage 01's tables, stage 03 reads stage 01 and, when present, stage 02's risk-of-bias
judgements, stage 05 reads whatever of 01-04 exists). A stage missing from the table is taken to
read every earlier stage when present, the safe assumption.

The same graph drives ``compendium run`` (order, stale-output checks) and ``make report``
(``compendium run --make-plan`` writes Make rules for the stages that are not current, so
``make -j`` runs stage 02 and 04 side by side).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compendium.errors import CompendiumError

#: stage -> (stages whose outputs it needs, stages whose outputs it reads when they exist)
STAGE_READS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "01_ingest": ((), ()),
    "02_risk_of_bias": (("01_ingest",), ()),
    "03_meta_analysis": (("01_ingest",), ("02_risk_of_bias",)),
    "04_mendelian_randomization": (("01_ingest",), ()),
    "05_consensus_report": ((), ("01_ingest", "02_risk_of_bias", "03_meta_analysis", "04_mendelian_randomization")),
}

#: stages that read only the ``tables/`` of earlier stages (the others, such as the report, also read
#: their figures): a figure's colours change what the report shows, not what stage 03 pools
READS_ONLY_TABLES: frozenset[str] = frozenset({"02_risk_of_bias", "03_meta_analysis", "04_mendelian_randomization"})


@dataclass(frozen=True)
class Upstream:
    """What ``stage`` reads from earlier stages, restricted to the stages that exist."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


def upstream_of(stage: str, stage_names: list[str]) -> Upstream:
    """The earlier stages ``stage`` reads, among ``stage_names`` (in pipeline order).

    Examples
    --------
    >>> upstream_of("03_meta_analysis", ["01_ingest", "02_risk_of_bias", "03_meta_analysis"])
    Upstream(required=('01_ingest',), optional=('02_risk_of_bias',))
    >>> upstream_of("02_new_stage", ["01_ingest", "02_new_stage"])
    Upstream(required=(), optional=('01_ingest',))
    """
    earlier = stage_names[: stage_names.index(stage)] if stage in stage_names else list(stage_names)
    if stage not in STAGE_READS:
        return Upstream(required=(), optional=tuple(earlier))
    required, optional = STAGE_READS[stage]
    return Upstream(
        required=tuple(s for s in required if s in earlier), optional=tuple(s for s in optional if s in earlier)
    )


def declared_stage_names(review_file: str | Path | None = None) -> list[str] | None:
    """The ``stages:`` list of the review declaration (the project's ``review.yaml`` by default), or
    None when there is no file or no list."""
    from compendium.paths import REVIEW_FILE, project_root
    from compendium.yaml_io import read_yaml

    review_file = Path(review_file) if review_file else project_root() / REVIEW_FILE
    if not review_file.exists():
        return None
    review = read_yaml(review_file)
    stages = review.get("stages") if isinstance(review, dict) else None
    if stages is None:
        return None
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages) or not stages:
        raise CompendiumError(f"{review_file}: 'stages' must be a non-empty list of stage names such as 01_ingest")
    return stages


def with_required(declared: list[str], stage_names: list[str]) -> list[str]:
    """``declared`` plus every earlier stage they need (recursively), in the order of ``stage_names``.

    Examples
    --------
    >>> names = ["01_ingest", "02_risk_of_bias", "03_meta_analysis", "05_consensus_report"]
    >>> with_required(["03_meta_analysis", "05_consensus_report"], names)
    ['01_ingest', '03_meta_analysis', '05_consensus_report']
    """
    wanted = set(declared)
    for name in reversed(stage_names):
        if name in wanted:
            wanted.update(upstream_of(name, stage_names).required)
    return [name for name in stage_names if name in wanted]


def make_plan(to_run: list[str], stage_names: list[str], command: str) -> str:
    """Make rules that run the stages ``to_run`` (prerequisites from the DAG, so ``make -j`` runs
    independent stages side by side); ``command`` runs one stage, given its name after it.

    Examples
    --------
    >>> names = ["01_ingest", "02_risk_of_bias", "03_meta_analysis", "05_consensus_report"]
    >>> make_plan(["03_meta_analysis", "05_consensus_report"], names, "run --only").splitlines()[2:5]
    ['all: 03_meta_analysis 05_consensus_report', '03_meta_analysis:', '05_consensus_report: 03_meta_analysis']
    """
    lines = [
        "# generated by `compendium run --make-plan`: the stages whose outputs are not current",
        f".PHONY: all {' '.join(to_run)}".rstrip(),
        f"all: {' '.join(to_run)}".rstrip(),
    ]
    for stage in to_run:
        needs = [s for s in upstream_of(stage, stage_names).all if s in to_run]
        lines += [f"{stage}: {' '.join(needs)}".rstrip(), f"\t@{command} {stage}"]
    return "\n".join(lines) + "\n"
