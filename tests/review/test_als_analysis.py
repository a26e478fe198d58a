"""Stage-03 rules on the curated ALS data (tests of this review's data; a new review replaces this folder).

Reference values cite the trial report they come from.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from compendium.analysis import grading, pooling, risk, treatment
from compendium.analysis.inputs import StageInputs
from compendium.analysis.rob import RobLookup
from compendium.data import load_tables
from compendium.paths import RAW_DIR, ROOT
from compendium.review import load_review

REVIEW = load_review(ROOT / "review.yaml")


def _effects(inputs):
    arm, arm_excluded = treatment.arm_level_effects(inputs)
    rep, rep_excluded = treatment.reported_effects(inputs)
    return pd.concat([arm, rep], ignore_index=True), pd.concat([arm_excluded, rep_excluded], ignore_index=True)


@pytest.fixture(scope="module")
def curated():
    inputs = StageInputs(tables=load_tables(RAW_DIR), rob2=None, observational_rob=None, review=REVIEW)
    effects, excluded = _effects(inputs)
    built = pooling.build_treatment_analyses(
        effects, RobLookup(inputs), include_active_comparators=True, unusable=excluded
    )
    return inputs, effects, excluded, built, risk.risk_estimates(inputs)


def test_curated_braga_md_and_lunetta_without_n(curated):
    _, effects, excluded, _, _ = curated
    braga = effects[
        (effects["study_id"] == "braga2018") & (effects["outcome"] == "alsfrs_r") & (effects["value_type"] == "final")
    ].iloc[0]
    assert braga["yi"] == pytest.approx(34.1 - 29.5)  # Braga 2018 Table 2, T2
    assert braga["vi"] == pytest.approx(7.1**2 / 24 + 7.7**2 / 24)
    lunetta = excluded[
        (excluded["study_id"] == "lunetta2016")
        & (excluded["timepoint_weeks"] == 25.7)
        & (excluded["source_table"] == "continuous_outcomes")
    ]
    assert len(lunetta) and lunetta["reason"].str.contains("n missing").all()


def test_curated_primary_analyses_hold_only_randomised_non_exercise_controlled_trials(curated):
    _, effects, _, built, _ = curated
    for analysis in built.analyses:
        if analysis.analysis_set != pooling.WITH_ACTIVE:
            assert (analysis.data["analysis_set"] == treatment.PRIMARY).all()
        assert analysis.k >= 2 and not analysis.data["study_id"].duplicated().any()
    never_primary = {"zucchi2019", "mirenayat2025", "kitano2018", "pinto1999", "vicentecampos2022"}
    assert not never_primary & set(effects.loc[effects["analysis_set"] == treatment.PRIMARY, "study_id"])


def test_curated_risk_analyses_never_double_count(curated):
    inputs, _, _, _, table = curated
    pooled = table[table["status"] == "pooled"]
    for _, rows in pooled.groupby("analysis_key"):
        assert not rows["study_id"].duplicated().any()
        groups = rows.loc[rows["population_group"] != "", "population_group"]
        assert not groups.duplicated().any()
        assert (rows["design"] != "meta_analysis").all()
    ids = set(inputs.tables["studies"]["study_id"])
    assert all(i in ids for members in REVIEW.population_groups.values() for i in members)


def test_curated_overlap_notes_are_covered_by_the_declared_populations(curated):
    inputs, *_ = curated
    labels = dict(zip(inputs.tables["studies"]["label"], inputs.tables["studies"]["study_id"]))
    notes = pd.concat(
        [inputs.tables["studies"][["study_id", "notes"]], inputs.tables["observational"][["study_id", "notes"]]]
    )
    for study_id, text in zip(notes["study_id"], notes["notes"].fillna("")):
        if re.search(r"overlap|same .*cohort", str(text), re.IGNORECASE):
            for label, other in labels.items():
                if label in str(text) and other != study_id:
                    group = risk.population_group(study_id, REVIEW.population_groups)
                    assert group and group == risk.population_group(other, REVIEW.population_groups), (study_id, other)


def test_curated_stage_tables_are_deterministic(curated):
    inputs, _, _, built, table = curated

    def run():
        analyses = built.analyses + pooling.build_risk_analyses(table, condition=REVIEW.condition)
        fits = [
            pooling.fit_analysis(a, method="REML", test="knha", level=95.0, subgroup="intervention_type")
            for a in analyses
        ]
        sof, _ = grading.grade_tables(
            fits,
            built.singles,
            RobLookup(inputs),
            REVIEW.surrogates,
            indirect_exposures=REVIEW.indirect_exposure_reasons,
        )
        return pooling.pooled_table(fits).to_csv(), sof.to_csv()

    assert run() == run()
