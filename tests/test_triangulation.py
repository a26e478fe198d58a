"""Direction rules, triangulation table, preclinical counts, conclusion rules R1-R7 and the figures.

Data: small synthetic tables built here (test fixtures, not evidence); expected values follow
from the rules in the module docstrings by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from compendium.evidence.direction import classify_estimate, classify_frame, combine_directions
from compendium.evidence.published_mr import (
    APPRAISAL_COLUMNS,
    CRITICAL_ITEMS,
    analyse_user_table,
    combine,
    published_estimates,
)
from compendium.evidence.triangulation import (
    ANSWERS,
    PRECLINICAL_COUNT_COLUMNS,
    ROW_COLUMNS,
    TRIANGULATION_COLUMNS,
    conclusion,
    evidence_rows,
    preclinical_counts,
    stream_judgement,
    study_directions,
    triangulation_table,
)
from compendium.plots.mr_published import published_mr_forest, published_mr_forest_alt
from compendium.plots.triangulation import triangulation_alt, triangulation_plot
from synthetic_review import SYNTHETIC_REVIEW
from test_mr_published import lipid_user_table, mr_estimates
from test_mr_published import studies as mr_study_rows

#: the review's nouns in these tests (SYNTHETIC words, not the ALS review's)
NOUNS = {"intervention": "coffee", "condition": "gout"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1.5, 1.1, 2.0), "ci_above"),
        ((0.5, 0.3, 0.8), "ci_below"),
        ((1.2, 1.0, 1.5), "ci_includes"),  # a bound on the null includes it
        ((1.07, None, None, 0.01, "="), "p_above"),
        ((0.9, None, None, 0.001, "<"), "p_below"),
        ((1.1, None, None, 0.05, "<"), "p_above"),
        ((1.1, None, None, 0.05, "="), "p_ns"),
        ((1.1, None, None, 0.2, ">"), "p_ns"),
        ((1.1, None, None, 0.1, "<"), "p_unclear"),
        ((None, None, None, 0.01, "=", "causal_increase"), "stated_increase"),
        ((None, None, None, None, None, "no_causal_effect"), "stated_null"),
        ((None, None, None), "no_estimate"),
    ],
)
def test_classify_estimate(args, expected):
    assert classify_estimate(*args) == expected


def test_classify_frame_uses_the_null_of_each_row():
    frame = pd.DataFrame({"estimate": [0.2, 1.2], "ci_low": [0.1, 1.1], "ci_high": [0.3, 1.3]})
    assert list(classify_frame(frame, pd.Series([0.0, 1.0]))) == ["ci_above", "ci_above"]
    assert list(classify_frame(frame)) == ["ci_below", "ci_above"]


@pytest.mark.parametrize(
    ("directions", "expected"),
    [
        (["harm", "null"], "harm"),
        (["benefit", "none"], "benefit"),
        (["harm", "benefit"], "both"),
        (["both"], "both"),
        (["null", "null"], "null"),
        (["none"], "none"),
        ([], "none"),
    ],
)
def test_combine_directions(directions, expected):
    assert combine_directions(directions) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0, 0), ("none", "insufficient")),
        ((1, 0, 0, 0), ("harm", "insufficient")),
        ((3, 0, 2, 0), ("harm", "consistent")),
        ((2, 0, 3, 0), ("harm", "weak")),  # fewer studies agree than are null
        ((1, 0, 1, 0), ("harm", "weak")),  # only one study agrees
        ((0, 2, 0, 0), ("benefit", "consistent")),
        ((2, 1, 0, 0), ("both", "inconsistent")),
        ((2, 0, 0, 1), ("both", "inconsistent")),
        ((0, 0, 2, 0), ("null", "consistent")),
    ],
)
def test_stream_judgement(counts, expected):
    assert stream_judgement(*counts) == expected


OBS_FIELDS = [
    "study_id",
    "estimate_label",
    "population_type",
    "exposure_category",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_relation",
    "sex",
    "secondary_source",
]


def studies() -> pd.DataFrame:
    extra = pd.DataFrame(
        {
            "study_id": ["ath1", "ath2", "gen1", "gen2", "gen3", "mouse1", "mouse2"],
            "label": ["Ath1", "Ath2", "Gen1", "Gen2", "Gen3", "Mouse1", "Mouse2"],
            "year": [2001, 2002, 2003, 2004, 2005, 2006, 2007],
            "stream": ["observational_athletes"] * 2 + ["observational_general"] * 3 + ["preclinical"] * 2,
            "design": ["cohort"] * 5 + ["mouse experiment"] * 2,
        }
    )
    return pd.concat([mr_study_rows(), extra], ignore_index=True)


def observational() -> pd.DataFrame:
    rows = [
        ["ath1", "overall", "athletes", "professional_sport", "SMR", 6.5, 2.1, 15.1, None, None, "male", False],
        ["ath1", "short career", "athletes", "professional_sport", "SMR", 3.5, 0.4, 12.7, None, None, "male", False],
        ["ath2", "overall", "athletes", "professional_sport", "SIR", 1.9, 1.3, 2.7, None, None, None, False],
        [
            "gen1",
            "leisure",
            "general_population",
            "leisure_time_activity",
            "OR",
            1.07,
            None,
            None,
            0.01,
            "=",
            None,
            False,
        ],
        ["gen2", "sport", "general_population", "sport", "OR", 0.5, 0.3, 0.8, None, None, None, False],
        ["gen3", "any", "general_population", "total_activity", "HR", 0.9, 0.6, 1.3, None, None, None, False],
        ["gen3", "job type", "general_population", "other", "OR", 4.0, 1.7, 10.0, None, None, None, False],
    ]
    return pd.DataFrame(rows, columns=OBS_FIELDS)


def preclinical() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["mouse1", "mouse1", "mouse2", "mouse2"],
            "sex": ["female", "male", "male", "not_reported"],
            "intensity": ["moderate", "moderate", "high", "high"],
            "outcome": ["onset", "onset", "survival", "onset"],
            "direction": ["benefit", "no_effect", "harm", "harm"],
            "secondary_source": [False, False, False, True],
        }
    )


@pytest.fixture
def evidence():
    estimates = published_estimates(mr_estimates(), mr_study_rows(), condition="gout")
    rows = evidence_rows(estimates, observational(), preclinical(), studies(), intervention="coffee")
    return estimates, rows, triangulation_table(rows, **NOUNS)


def test_evidence_rows(evidence):
    _, rows, _ = evidence
    assert list(rows.columns) == ROW_COLUMNS
    assert not rows[rows["label"].str.contains("weighted_median", na=False)]["counted"].any()
    assert not rows[rows["label"] == "job type"]["counted"].iloc[0]  # exposure 'other' is listed, not counted
    per_study = study_directions(rows).set_index("study_id")["direction"]
    assert per_study.to_dict() == {
        "a": "harm",
        "b": "harm",
        "c": "null",
        "m": "harm",
        "ath1": "harm",
        "ath2": "harm",
        "gen1": "harm",
        "gen2": "benefit",
        "gen3": "null",
        "mouse1": "benefit",
        "mouse2": "harm",
    }


def test_user_rows_never_enter_the_triangulation(evidence):
    estimates, _, _ = evidence
    user = analyse_user_table(lipid_user_table(), condition="gout", n_bootstrap=100)
    rows = evidence_rows(
        combine(estimates, user.estimates), observational(), preclinical(), studies(), intervention="coffee"
    )
    assert "user_snp_table" not in set(rows["study_id"])


def test_triangulation_table(evidence):
    _, _, table = evidence
    assert list(table.columns) == TRIANGULATION_COLUMNS
    assert list(table["stream"]) == [
        "mendelian_randomization",
        "mr_meta_analysis",
        "observational_athletes",
        "observational_general",
        "preclinical",
    ]
    t = table.set_index("stream")
    assert (t.loc["mendelian_randomization", ["direction", "strength"]] == ["higher gout risk", "consistent"]).all()
    assert t.loc["mendelian_randomization", "rows_counted"] == 3 and t.loc["mendelian_randomization", "rows"] == 5
    assert t.loc["mr_meta_analysis", "strength"] == "insufficient"
    assert (
        t.loc["observational_athletes", "rows_ci_above"] == 2
        and t.loc["observational_athletes", "rows_ci_includes"] == 1
    )
    assert (
        t.loc["observational_athletes", "estimate_min"] == 1.9
        and t.loc["observational_athletes", "estimate_max"] == 6.5
    )
    assert (t.loc["observational_general", ["direction", "strength"]] == ["both directions", "inconsistent"]).all()
    assert t.loc["observational_general", "rows_p_only"] == 1 and t.loc["observational_general", "rows"] == 4
    assert t.loc["preclinical", "direction"] == "both directions"
    assert "female: benefit 1; male: harm 1, no effect 1" in t.loc["preclinical", "sex_differences"]
    assert "No estimates for women alone" in t.loc["observational_athletes", "sex_differences"]
    assert all(t["main_bias"].str.len() > 20)
    assert "variants for coffee may act on gout" in t.loc["mendelian_randomization", "main_bias"]


def test_preclinical_counts():
    counts = preclinical_counts(preclinical())
    assert list(counts.columns) == PRECLINICAL_COUNT_COLUMNS
    assert counts.values.tolist() == [
        ["female", "moderate", "benefit", 1],
        ["male", "moderate", "no_effect", 1],
        ["male", "high", "harm", 1],
        ["not_reported", "high", "harm", 1],
    ]


def appraisal(judgement: str, study_ids=("a", "b", "c")) -> pd.DataFrame:
    rows = [[s, s, "primary", item, "?", judgement, "", ""] for s in study_ids for item in CRITICAL_ITEMS]
    return pd.DataFrame(rows, columns=APPRAISAL_COLUMNS)


def test_conclusion_r5_lists_unmet_conditions(evidence):
    _, rows, table = evidence
    answer = conclusion(table, rows, appraisal("Not reported"), SYNTHETIC_REVIEW.question_for_role("risk"), **NOUNS)
    assert set(answer) == {"question_id", "question", "answer", "rule", "reasons"}
    assert answer["question_id"] == "risk" and answer["question"] == "Synthetic risk question?"
    assert answer["rule"] == "R5" and answer["answer"] == ANSWERS["R5"].format(**NOUNS)
    assert "higher gout risk with genetically predicted coffee" in answer["answer"]
    text = " ".join(answer["reasons"])
    assert "1 of 3 primary MR studies do not point the same way (C 2022: no clear association)" in text
    assert "only 1 primary MR study(ies) give an estimate whose CI lies entirely above 1" in text
    assert "instrument_strength Not reported for 2" in text


def test_conclusion_r2_when_every_condition_holds(evidence):
    _, rows, table = evidence
    # make C point to harm with a CI, so all three MR studies agree and two have CIs above 1
    rows = rows.copy()
    is_c = rows["study_id"] == "c"
    rows.loc[is_c, ["category", "direction"]] = ["ci_above", "harm"]
    table = triangulation_table(rows, **NOUNS)
    assert conclusion(table, rows, appraisal("Yes"), **NOUNS)["rule"] == "R2"
    assert conclusion(table, rows, appraisal("Not reported"), **NOUNS)["rule"] == "R5"


def test_conclusion_r4_r7_r1(evidence):
    _, rows, _ = evidence
    mr = rows["stream"] == "mendelian_randomization"
    null_rows = rows.copy()
    null_rows.loc[mr, ["category", "direction"]] = ["ci_includes", "null"]
    assert conclusion(triangulation_table(null_rows, **NOUNS), null_rows, appraisal("Yes"), **NOUNS)["rule"] == "R4"
    both_rows = rows.copy()
    both_rows.loc[mr & (rows["study_id"] == "c"), ["category", "direction"]] = ["ci_below", "benefit"]
    assert conclusion(triangulation_table(both_rows, **NOUNS), both_rows, appraisal("Yes"), **NOUNS)["rule"] == "R7"
    thin = rows[(rows["stream"] == "mendelian_randomization") & (rows["study_id"] == "a")]
    assert conclusion(triangulation_table(thin, **NOUNS), thin, appraisal("Yes"), **NOUNS)["rule"] == "R1"


def test_figures_and_alt_text(evidence):
    estimates, rows, table = evidence
    counts = preclinical_counts(preclinical())
    figure = triangulation_plot(rows, table, counts, question="Does coffee cause gout?", **NOUNS)
    assert isinstance(figure, Figure) and len(figure.axes) == 3
    assert all(axes.get_title(loc="left") and axes.get_xlabel() for axes in figure.axes)
    assert figure.axes[2].get_title(loc="left") == "C. Animal models by sex and intensity"  # the generic label
    assert table.set_index("stream").loc["preclinical", "stream_label"] == "Preclinical: animal models"
    declared = triangulation_plot(
        rows, table, counts, question="", **NOUNS, stream_labels={"preclinical": "Rat models"}
    )  # a review's short label (review.yaml stream_labels)
    assert declared.axes[2].get_title(loc="left") == "C. Rat models by sex and intensity"
    assert "Rat models" in [label.get_text() for label in declared.axes[0].get_yticklabels()]
    relabelled = triangulation_table(rows, **NOUNS, stream_labels={"preclinical": "Preclinical: rat models"})
    assert relabelled.set_index("stream").loc["preclinical", "stream_label"] == "Preclinical: rat models"
    alt = triangulation_alt(table, counts)
    assert "Observational: athletes: 2 studies (2 harm or higher risk" in alt and "2 above 1" in alt
    forest = published_mr_forest(estimates, condition="gout", title="Published MR estimates: coffee and gout")
    assert len(forest.axes) == 2  # primary studies and the meta-analysis, in separate panels
    assert forest.axes[0].get_xscale() == "log" and forest.axes[0].get_xlabel()
    texts = [t.get_text() for t in forest.axes[0].texts]
    assert any(t.startswith("p = 0.02; stated: causal increase") for t in texts)  # a text row, not a point
    forest_alt = published_mr_forest_alt(estimates, **NOUNS)
    assert forest_alt.startswith("Forest plot of Mendelian randomization results for coffee and gout")
    assert "A 2020, Mvpa, IVW: OR 1.5 (1.1 to 2); p = 0.01" in forest_alt  # no declared label: the code in words
    labelled = published_mr_forest_alt(estimates, **NOUNS, exposure_labels={"mvpa": "Moderate-to-vigorous activity"})
    assert "A 2020, Moderate-to-vigorous activity, IVW: OR 1.5 (1.1 to 2); p = 0.01" in labelled
