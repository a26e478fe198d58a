"""The assumption ledger of the ALS review (data/raw/assumptions.csv) and the set with stated
assumptions it gives in stage 03 (tests of this review's curated data; a new review replaces this folder).

Reference values cite where they come from: the pinned metafor output
tests/reference/assumptions/als_alsfrs_r_6_months.json (tests/r/assumption_ledger_reference.R,
metafor 3.8-1) and the trial reports named in the ledger rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compendium.assumptions import apply_ledger, load_ledger
from compendium.data.load import load_tables
from compendium.effects import escalc, fill_sd
from compendium.meta import rma
from compendium.paths import RAW_DIR

REFERENCE = Path(__file__).parents[1] / "reference" / "assumptions" / "als_alsfrs_r_6_months.json"


# --- the real ALS ledger --------------------------------------------------------------------


@pytest.fixture(scope="module")
def als() -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    tables = load_tables(RAW_DIR)
    ledger = load_ledger(RAW_DIR)
    out, applied = apply_ledger(tables, ledger)
    return tables, out, applied


def test_als_ledger_is_the_validated_resource(als) -> None:
    tables, _, applied = als
    assert "assumptions" in tables and "assumptions_rejected" in tables
    assert tables["assumptions"]["assumption_id"].tolist() == applied["assumption_id"].tolist()
    assert set(tables["assumptions_rejected"]["study_id"]) >= {"zucchi2019", "ren2025", "ferri2019"}
    _, typed = apply_ledger(tables, tables["assumptions"])  # the typed resource works as the ledger too
    pd.testing.assert_frame_equal(typed, applied)


def test_als_ledger_changes_only_lunetta_t180(als) -> None:
    tables, out, applied = als
    assert applied[["assumption_id", "column", "value_after"]].values.tolist() == [
        ["lunetta2016_t180_smep_sd", "sd", 6.5],
        ["lunetta2016_t180_usual_care_sd", "sd", 7.5],
        ["lunetta2016_t180_smep_n", "n", 30.0],
        ["lunetta2016_t180_usual_care_n", "n", 30.0],
    ]
    for name, table in tables.items():
        if name != "continuous_outcomes":
            assert out[name] is table
    before, after = tables["continuous_outcomes"], out["continuous_outcomes"]
    changed = ~((before == after) | (before.isna() & after.isna())).all(axis=1)
    assert after.loc[changed, ["study_id", "timepoint_weeks"]].values.tolist() == [["lunetta2016", 25.7]] * 2


def test_als_ledger_switch_off_is_byte_identical(als) -> None:
    tables, _, _ = als
    out, applied = apply_ledger(tables, load_ledger(RAW_DIR), enabled=False)
    assert applied.empty
    assert all(out[name].to_csv(index=False) == tables[name].to_csv(index=False) for name in tables)


def _arms(table: pd.DataFrame, study: str, weeks: float) -> pd.DataFrame:
    rows = table[
        (table["study_id"] == study)
        & (table["outcome"] == "alsfrs_r")
        & (table["value_type"] == "final")
        & np.isclose(table["timepoint_weeks"].astype(float), weeks)
    ]
    return rows.set_index("arm")


def test_als_lunetta_sd_reading_fits_the_printed_p_and_se_reading_does_not_fit_the_scale(als) -> None:
    # The justification of the Lunetta 2016 ledger rows, computed: with '±' as SD and 30 per arm a
    # pooled-variance t test gives the printed p = 0.0298 to within rounding of the printed values;
    # read as SEs the SDs would exceed 30 points on a 0-48 scale.
    tables, out, _ = als
    arms = _arms(out["continuous_outcomes"], "lunetta2016", 25.7)
    printed_p = float(
        tables["rct_effects"].query("study_id == 'lunetta2016' and timepoint_weeks == 25.7")["p_value"].iloc[0]
    )
    t, p = stats.ttest_ind_from_stats(
        arms.loc["smep", "mean"],
        arms.loc["smep", "sd"],
        int(arms.loc["smep", "n"]),
        arms.loc["usual_care", "mean"],
        arms.loc["usual_care", "sd"],
        int(arms.loc["usual_care", "n"]),
    )
    assert printed_p == 0.0298
    assert abs(p - printed_p) < 0.005
    assert float(np.min(arms["plus_minus"] * np.sqrt(30))) > 30


def test_als_ferri_sd_reading_rejected_by_the_printed_p(als) -> None:
    # Rejected-assumption check (assumptions_rejected.csv, ferri2019_pm_is_sd): with n 8 per arm,
    # '±' read as SD gives a p far below the printed 0.007; read as SE it is of the printed order.
    tables, _, _ = als
    rows = tables["continuous_outcomes"].query("study_id == 'ferri2019' and outcome == 'alsfrs_r'").set_index("arm")
    m1, m2, pm1, pm2 = (
        rows.loc["train", "mean"],
        rows.loc["uc", "mean"],
        rows.loc["train", "plus_minus"],
        rows.loc["uc", "plus_minus"],
    )
    _, p_sd = stats.ttest_ind_from_stats(m1, pm1, 8, m2, pm2, 8)
    _, p_se = stats.ttest_ind_from_stats(m1, pm1 * np.sqrt(8), 8, m2, pm2 * np.sqrt(8), 8)
    assert p_sd < 0.007 / 50
    assert 0.007 / 3 < p_se < 0.007 * 3


def _poolable_md(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """ALSFRS-R final values at about 6 months (5-8 months: 21.7-34.8 weeks) with mean, SD and n in
    both arms, for randomised trials with a non-exercise control: the trials that can join an MD."""
    trials = tables["trials"]
    primary = trials.loc[
        trials["randomised"].astype(bool) & (trials["comparator_type"] != "active_intervention"), "study_id"
    ]
    co = tables["continuous_outcomes"].merge(tables["arms"][["study_id", "arm", "role"]], on=["study_id", "arm"])
    co = co[
        co["study_id"].isin(primary)
        & (co["outcome"] == "alsfrs_r")
        & (co["value_type"] == "final")
        & co["timepoint_weeks"].between(21.7, 34.8)
    ].dropna(subset=["mean", "sd", "n"])
    ex = co[co["role"] == "intervention"].set_index("study_id")
    ctl = co[co["role"] == "control"].set_index("study_id")
    both = ex.index.intersection(ctl.index).sort_values()
    data = pd.DataFrame(
        {
            "study": both,
            "m1i": ex.loc[both, "mean"].to_numpy(),
            "sd1i": ex.loc[both, "sd"].to_numpy(),
            "n1i": ex.loc[both, "n"].astype(float).to_numpy(),
            "m2i": ctl.loc[both, "mean"].to_numpy(),
            "sd2i": ctl.loc[both, "sd"].to_numpy(),
            "n2i": ctl.loc[both, "n"].astype(float).to_numpy(),
        }
    )
    return escalc("MD", data, m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i", n2i="n2i")


def test_als_ledger_makes_alsfrs_r_at_6_months_poolable_and_matches_metafor(als) -> None:
    tables, out, _ = als
    assert _poolable_md(tables)["study"].tolist() == ["braga2018"]  # printed numbers only: one trial
    data = _poolable_md(out)
    assert data["study"].tolist() == ["braga2018", "lunetta2016"]
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))  # tests/r/assumption_ledger_reference.R, metafor 3.8-1
    assert data["yi"].tolist() == pytest.approx(ref["yi"], rel=1e-12)
    assert data["vi"].tolist() == pytest.approx(ref["vi"], rel=1e-12)
    res = rma(data["yi"], data["vi"], method="REML", test="knha")
    coef = res.coefficients[0]
    assert coef.estimate == pytest.approx(ref["beta"], rel=1e-6)
    assert coef.se == pytest.approx(ref["se"], rel=1e-4)
    assert (coef.ci_low, coef.ci_high) == pytest.approx((ref["ci.lb"], ref["ci.ub"]), rel=1e-4)
    assert coef.pval == pytest.approx(ref["pval"], rel=1e-4)
    assert res.tau2 == pytest.approx(ref["tau2"], abs=1e-8)
    assert list(res.weights) == pytest.approx(ref["weights"], rel=1e-6)


#: the stage-03 time windows (upper bounds in weeks, Cheng 2024's windows), repeated here so that
#: this test does not import a stage
WINDOWS = ((17.4, "0-4 months"), (34.8, "5-8 months"), (52.2, "9-12 months"), (np.inf, "over 12 months"))


def _complete_comparisons(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str, str], list[str]]:
    """(outcome, value_type, window) -> randomised non-exercise-control trials with mean, SD (printed
    or derived by fill_sd from an SE or CI) and n in both arms at one post-baseline time point."""
    trials = tables["trials"]
    primary = trials.loc[
        trials["randomised"].astype(bool) & (trials["comparator_type"] != "active_intervention"), "study_id"
    ]
    co = tables["continuous_outcomes"].merge(tables["arms"][["study_id", "arm", "role"]], on=["study_id", "arm"])
    co = co[co["study_id"].isin(primary) & (co["value_type"] != "baseline")]
    co = fill_sd(
        co.reset_index(drop=True),
        n="n",
        sd="sd",
        se="se",
        ci_low="ci_low",
        ci_high="ci_high",
        mean="mean",
        prefix="filled_",
    ).dropna(subset=["filled_mean", "filled_sd", "n"])
    out: dict[tuple[str, str, str], list[str]] = {}
    for (study, outcome, value_type, weeks), rows in co.groupby(
        ["study_id", "outcome", "value_type", "timepoint_weeks"]
    ):
        if set(rows["role"]) == {"intervention", "control"}:
            window = next(label for upper, label in WINDOWS if weeks <= upper)
            out.setdefault((outcome, value_type, window), []).append(study)
    return out


def test_als_only_alsfrs_r_at_5_8_months_becomes_poolable(als) -> None:
    tables, out, _ = als
    poolable = {key: studies for key, studies in _complete_comparisons(tables).items() if len(studies) >= 2}
    assert poolable == {}  # printed numbers only: no outcome has two trials
    poolable = {key: studies for key, studies in _complete_comparisons(out).items() if len(studies) >= 2}
    assert poolable == {("alsfrs_r", "final", "5-8 months"): ["braga2018", "lunetta2016"]}


# --- stage 03 on the curated data: the set with stated assumptions ----------------------------

ANALYSIS = "treatment-alsfrs_r-final-5_8_months"
#: tables of the set with stated assumptions (empty when the ledger is switched off)
ASSUMPTION_TABLES = {
    "pooled_with_assumptions",
    "study_effects_with_assumptions",
    "assumptions_applied",
    "assumption_comparison",
    "summary_of_findings_with_assumptions",
    "grade_domains_with_assumptions",
}


def _tables(results: Path) -> Path:
    return results / "03_meta_analysis" / "tables"


def test_als_pipeline_pools_alsfrs_r_at_5_8_months_with_the_ledger_as_metafor(pipeline_results) -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))  # metafor 3.8-1, REML + knha
    pooled = pd.read_csv(_tables(pipeline_results) / "pooled_with_assumptions.csv")
    row = pooled[(pooled["analysis_id"] == ANALYSIS) & (pooled["subgroup"] == "all")].iloc[0]
    assert (row["k"], row["measure"], row["numbers"]) == (2, "MD", "with_assumptions")
    assert row["estimate"] == pytest.approx(ref["beta"], rel=1e-6)  # MD 4.31
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref["ci.lb"], ref["ci.ub"]), rel=1e-4)  # 1.18 to 7.44
    assert row["pval"] == pytest.approx(ref["pval"], rel=1e-4)
    assert row["tau2"] == pytest.approx(ref["tau2"], abs=1e-8)
    assert row["assumption_ids"].split("; ") == load_ledger(RAW_DIR)["assumption_id"].tolist()
    assert row["assumption_weight_share"] == pytest.approx(ref["weights"][1] / 100, rel=1e-6)  # Lunetta 2016
    primary = pd.read_csv(_tables(pipeline_results) / "pooled.csv")
    assert ANALYSIS not in set(primary["analysis_id"])  # printed numbers: Braga 2018 alone
    comparison = pd.read_csv(_tables(pipeline_results) / "assumption_comparison.csv").set_index("analysis_id")
    assert "Braga 2018 MD 4.6" in comparison.loc[ANALYSIS, "notes"]
    assert comparison.loc[ANALYSIS, "grade_assumptions"].startswith("Rated down 1 level (risk of bias): 58%")
    answer = json.loads((_tables(pipeline_results) / "conclusion.json").read_text(encoding="utf-8"))
    assert answer["rule"] == "T3"  # the answer rules use printed numbers only
    assert "MD 4.31 (95% CI 1.18 to 7.44), k = 2" in answer["answer"]
    html = (pipeline_results / "consensus_report.html").read_text(encoding="utf-8")
    for ident in load_ledger(RAW_DIR)["assumption_id"]:
        assert f"<code>{ident}</code>" in html  # each ledger row beside the result that uses it
    assert 'id="table-assumption-ledger"' in html and 'id="table-assumptions-rejected"' in html
    assert "forest-assumptions-" + ANALYSIS in html


def test_als_ledger_off_leaves_every_other_stage_03_output_byte_identical(pipeline_results, tmp_path) -> None:
    from compendium.review import review_for
    from compendium.stages import meta_analysis

    off = tmp_path / "off"
    meta_analysis.run(review_for(RAW_DIR), RAW_DIR, pipeline_results, off, use_assumptions=False)
    on = pipeline_results / "03_meta_analysis"
    for path in sorted((off / "tables").glob("*.csv")):
        if path.stem in ASSUMPTION_TABLES:
            assert pd.read_csv(path).empty, path.name
        elif path.stem != "review_agreement":  # new table: its sensitivity columns are empty when off
            assert path.read_bytes() == (on / "tables" / path.name).read_bytes(), path.name
    for path in sorted((off / "figures").glob("*.png")):
        assert path.read_bytes() == (on / "figures" / path.name).read_bytes(), path.name
    assert not list((off / "figures").glob("forest-assumptions-*"))
    answer_on = json.loads((on / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    answer_off = json.loads((off / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    assert answer_on["answer"].startswith(answer_off["answer"] + " Sensitivity analysis with the stated assumptions")
    assert {k: v for k, v in answer_on.items() if k != "answer"} == {
        k: v for k, v in answer_off.items() if k != "answer"
    }


def test_als_review_agreement_has_every_ren2025_outcome(pipeline_results) -> None:
    # Ren 2025 (abstract): function, walk test and MEP p < 0.05; fatigue, MIP, FVC and PEF p > 0.05
    table = pd.read_csv(_tables(pipeline_results) / "review_agreement.csv")
    ren = table[table["review_id"] == "ren2025"].set_index("outcome")
    assert sorted(ren.index) == sorted(["function_any_scale", "walk_test", "mep", "fatigue", "mip", "fvc", "pef"])
    assert ren["review_significant"].to_dict() == {
        "fatigue": False,
        "function_any_scale": True,
        "fvc": False,
        "mep": True,
        "mip": False,
        "pef": False,
        "walk_test": True,
    }
    function = ren.loc["function_any_scale"]
    assert pd.isna(function["primary_agrees"]) and bool(function["sensitivity_agrees"])
    assert function["sensitivity_direction"] == "higher with exercise"  # the review's noun, from review.yaml
    assert "lunetta2016_t180_smep_sd" in function["reasons"]
