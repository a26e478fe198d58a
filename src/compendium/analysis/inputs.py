"""Inputs of stage 03: the validated stage-01 tables and, when present, stage 02's judgements."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compendium.errors import CompendiumError, cell_problem
from compendium.results_io import read_table
from compendium.review import Review
from compendium.shared import study_labels
from compendium.vocabulary import INGEST, RISK_OF_BIAS

#: stage-01 tables that stage 03 reads
TABLES = (
    "studies",
    "sources",
    "trials",
    "arms",
    "continuous_outcomes",
    "dichotomous_outcomes",
    "rct_effects",
    "observational",
    "review_results",
)
#: stage-01 tables that stage 03 reads when the data package has them (the assumption ledger)
OPTIONAL_TABLES = ("assumptions", "assumptions_rejected")
#: the text used wherever risk of bias could not be looked up because stage 02 has not run
ROB_ABSENT_REASON = "stage 02 output (rob2_judgements) absent"
ROB_ABSENT = f"risk of bias not assessed: {ROB_ABSENT_REASON}"
#: how a stage's notes begin the line naming a study the reviewer left out (``exclude_studies``)
LEFT_OUT_NOTE = "left out by the reviewer (exclude_studies)"


@dataclass(frozen=True)
class StageInputs:
    """The tables stage 03 works from; ``rob2`` / ``observational_rob`` / ``rob1`` (the summaries of the Cochrane
    RoB 1 judgements an imported review file gives) are None when stage 02 has not run,
    ``ledger`` / ``rejected`` (the assumption ledger and the assumptions considered and rejected) when
    the data package has no such resource."""

    tables: dict[str, pd.DataFrame]
    rob2: pd.DataFrame | None
    observational_rob: pd.DataFrame | None
    review: Review
    ledger: pd.DataFrame | None = None
    rejected: pd.DataFrame | None = None
    rob1: pd.DataFrame | None = None

    @property
    def rob_available(self) -> bool:
        return self.rob2 is not None

    def labels(self) -> dict[str, str]:
        """study_id -> short label ('Braga 2018')."""
        return study_labels(self.tables["studies"])


def as_bool(values: pd.Series) -> pd.Series:
    """True where a cell is true (bool, 1, 'true'); missing and anything else is False."""
    return values.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0")).astype(bool)


def _check_columns(
    results_dir: str | Path, raw_dir: str | Path, review: Review, tables: dict[str, pd.DataFrame | None]
) -> None:
    """CompendiumError naming a stage-01 table that lacks a column its data-package resource declares."""
    from compendium.data.validate import read_descriptor

    for resource in read_descriptor(raw_dir, review)["resources"]:
        table = tables.get(resource["name"])
        if table is None:
            continue
        missing = [f["name"] for f in resource["schema"]["fields"] if f["name"] not in table.columns]
        if missing:
            path = Path(results_dir) / INGEST / "tables" / f"{resource['name']}.csv"
            raise CompendiumError(
                cell_problem(
                    path,
                    None,
                    missing[0],
                    f"the columns of the {resource['name']!r} resource of {Path(raw_dir) / 'datapackage.yaml'} "
                    f"(missing: {', '.join(missing)}); this table was not written by stage 01 from this data "
                    f"package: run stage 01 again (compendium run --only {INGEST[:2]})",
                )
            )


def read_optional(results_dir: str | Path, stage: str, name: str) -> pd.DataFrame | None:
    """A stage's table, or None when that stage did not write it."""
    path = Path(results_dir) / stage / "tables" / f"{name}.csv"
    return read_table(results_dir, stage, name) if path.exists() else None


def load_inputs(results_dir: str | Path, review: Review, *, raw_dir: str | Path | None = None) -> StageInputs:
    """Read the stage-01 tables (required), the assumption ledger and its rejected list (optional:
    None when the data package has none) and stage 02's ``rob2_judgements`` and
    ``observational_rob`` (optional: None when stage 02 has not been run). With ``raw_dir``, each
    stage-01 table must have the columns its resource declares in the data package there (a table
    from elsewhere is refused by name, not met as a missing column deep in the analysis)."""
    tables = {name: read_table(results_dir, INGEST, name) for name in TABLES}
    ledger, rejected = (read_optional(results_dir, INGEST, name) for name in OPTIONAL_TABLES)
    if raw_dir is not None:
        _check_columns(
            results_dir, raw_dir, review, {**tables, "assumptions": ledger, "assumptions_rejected": rejected}
        )
    return StageInputs(
        tables=tables,
        rob2=read_optional(results_dir, RISK_OF_BIAS, "rob2_judgements"),
        observational_rob=read_optional(results_dir, RISK_OF_BIAS, "observational_rob"),
        rob1=read_optional(results_dir, RISK_OF_BIAS, "rob1_summary"),
        review=review,
        ledger=ledger,
        rejected=rejected,
    )


def leave_out(inputs: StageInputs, study_ids: list[str]) -> tuple[StageInputs, list[str]]:
    """``inputs`` without the rows of the studies a reviewer left out (the ``exclude_studies``
    parameter): the tables as :func:`leave_out_tables` leaves them, and the assumption ledger
    without those studies' rows. Returns the inputs and one line per study naming the rows left out.

    Raises :class:`CompendiumError` naming every id that is not a ``study_id`` of ``studies``.
    """
    tables, lines = leave_out_tables(inputs.tables, study_ids)
    ledger = inputs.ledger
    if ledger is not None and "study_id" in ledger.columns:
        ledger = ledger[~ledger["study_id"].astype(str).isin(set(study_ids))].reset_index(drop=True)
    return dataclasses.replace(inputs, tables=tables, ledger=ledger), lines


def leave_out_tables(
    tables: dict[str, pd.DataFrame], study_ids: list[str]
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """``tables`` (stage-01 tables by name, with ``studies``) without the rows of the studies a
    reviewer left out (the ``exclude_studies`` parameter of stages 03 and 04): every table keyed by
    ``study_id`` loses them (``studies`` keeps them, for labels). Returns the tables and one line
    per study naming the rows left out (``'Braga 2018 (braga2018): 4 rows of continuous_outcomes'``).

    Raises :class:`CompendiumError` naming every id that is not a ``study_id`` of ``studies``.
    """
    known = set(tables["studies"]["study_id"].astype(str))
    unknown = [s for s in study_ids if s not in known]
    if unknown:
        raise CompendiumError(
            f"exclude_studies: {', '.join(repr(s) for s in unknown)} is not a study_id of studies.csv "
            f"(known ids include {', '.join(sorted(known)[:5])})"
        )
    left = set(study_ids)
    kept = dict(tables)
    removed: dict[str, dict[str, int]] = {s: {} for s in study_ids}
    for name, table in tables.items():
        if name == "studies" or "study_id" not in table.columns:
            continue
        out = table["study_id"].astype(str).isin(left)
        for study, count in table.loc[out, "study_id"].astype(str).value_counts().items():
            removed[str(study)][name] = int(count)
        kept[name] = table[~out].reset_index(drop=True)
    labels = study_labels(tables["studies"])
    lines = [
        f"{labels.get(s, s)} ({s}): "
        + (
            ", ".join(f"{n} row{'' if n == 1 else 's'} of {t}" for t, n in sorted(removed[s].items()))
            or "no rows in the analysed tables"
        )
        for s in study_ids
    ]
    return kept, lines
