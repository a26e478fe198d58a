"""Comparisons and declared pooling settings (issue 20, item 4): ``comparisons`` and
``outcomes[].comparison`` / ``outcomes[].pooling`` in ``review.yaml``, stage 03's pooling of an outcome with
its declared settings (RevMan 5's methods, :func:`compendium.analysis.pooling.declared_fit`) and one Summary
of findings table per comparison.

Data: small SYNTHETIC declarations and tables made here (test fixtures, not evidence); the 2x2 tables of
the pooling tests are the first four trials of the BCG data set (Colditz et al. 1994, R's metadat
``dat.bcg``, as pinned in ``tests/reference/revman/metafor.json``), pooled against
:mod:`compendium.meta.revman`, which is pinned to metafor 3.8 in ``tests/test_revman_methods.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cochrane_fixtures import REFERENCE
from compendium.analysis.pooling import Analysis, declared_fit, fit_analysis
from compendium.analysis.treatment import ARM_EVENTS, ARM_LEVEL
from compendium.errors import CompendiumError
from compendium.meta.revman import continuous_effects, rma_mh, rma_peto
from compendium.report.sof import sof_table
from compendium.review import SINGLE_COMPARISON, Pooling, parse_review


def declaration(**extra: Any) -> dict[str, Any]:
    """A minimal declaration (SYNTHETIC) with two outcomes; ``extra`` adds or replaces fields."""
    base: dict[str, Any] = {
        "title": "T",
        "intervention": {"noun": "drug"},
        "comparator": {"noun": "placebo"},
        "questions": [{"id": "treatment", "text": "Does it work?", "streams": ["rct"]}],
        "outcomes": [
            {"id": "death", "label": "Death", "unit": "participants"},
            {"id": "pain", "label": "Pain", "unit": "points", "higher_is_better": False},
        ],
    }
    return base | extra


def test_a_review_without_comparisons_is_one_comparison() -> None:
    review = parse_review(declaration())
    assert [c.id for c in review.comparisons] == [SINGLE_COMPARISON]
    assert review.comparisons[0].label == "Drug versus placebo"
    assert {o.comparison for o in review.outcomes} == {SINGLE_COMPARISON}
    assert review.comparison_of("pain").intervention == "drug"
    assert review.declared_pooling() == {}


def test_declared_comparisons_and_pooling() -> None:
    outcomes = [
        {
            "id": "death",
            "label": "Death",
            "comparison": "c1",
            "pooling": {"method": "MH", "measure": "RR", "model": "random"},
        },
        {
            "id": "pain",
            "label": "Pain",
            "comparison": "c2",
            "pooling": {"method": "IV", "measure": "SMD", "model": "fixed"},
        },
    ]
    comparisons = [
        {"id": "c1", "label": "Antibiotics versus placebo", "intervention": {"noun": "antibiotics"}},
        {"id": "c2", "intervention": {"noun": "steroids"}, "comparator": {"noun": "usual care"}},
    ]
    review = parse_review(declaration(outcomes=outcomes, comparisons=comparisons))
    first, second = review.comparisons
    assert (first.label, first.intervention, first.comparator) == (
        "Antibiotics versus placebo",
        "antibiotics",
        "placebo",
    )
    assert (second.label, second.comparator) == ("steroids versus usual care", "usual care")
    assert review.comparison_of("pain") == second
    pooling = review.declared_pooling()
    assert pooling["death"] == Pooling("MH", "RR", "random") and pooling["death"].tau2_method == "DL"
    assert pooling["pain"].tau2_method is None
    assert pooling["death"].describe() == "Mantel-Haenszel RR, random effects (DerSimonian-Laird), z-based interval"
    assert review.dichotomous_measure_for("death") == "RR"


def test_a_peto_outcome_answers_with_an_odds_ratio() -> None:
    outcomes = [
        {"id": "death", "label": "Death", "pooling": {"method": "Peto", "measure": "PETO_OR", "model": "fixed"}}
    ]
    review = parse_review(declaration(outcomes=outcomes, dichotomous_measure="RR"))
    assert review.dichotomous_measure_for("death") == "OR"


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (
            {"comparisons": [{"id": "c1"}, {"id": "c2", "intervention": {"noun": "tablets"}}]},
            "outcomes[0].comparison",
            "the id of one of the declared",
        ),
        (
            {"comparisons": [{"id": "c1"}], "outcomes": [{"id": "a", "label": "A", "comparison": "c9"}]},
            "outcomes[0].comparison",
            "one of the declared comparisons: c1",
        ),
        ({"comparisons": [{"id": "c1"}, {"id": "c1"}]}, "comparisons[1].id", "not used before"),
        ({"comparisons": [{"id": "c1", "side": "x"}]}, "comparisons[0].side", "one of the known keys"),
        (
            {"outcomes": [{"id": "a", "label": "A", "pooling": {"method": "MH", "measure": "MD", "model": "fixed"}}]},
            "outcomes[0].pooling.measure",
            "one of RR, OR, RD",
        ),
        (
            {
                "outcomes": [
                    {"id": "a", "label": "A", "pooling": {"method": "Peto", "measure": "PETO_OR", "model": "random"}}
                ]
            },
            "outcomes[0].pooling.model",
            "fixed: RevMan pools Peto odds ratios with a fixed effect only",
        ),
        (
            {"outcomes": [{"id": "a", "label": "A", "pooling": {"method": "MH", "measure": "RR"}}]},
            "outcomes[0].pooling.model",
            "one of fixed, random",
        ),
        (
            {"outcomes": [{"id": "a", "label": "A", "pooling": {"method": "REML", "measure": "RR", "model": "fixed"}}]},
            "outcomes[0].pooling.method",
            "one of MH, Peto, IV",
        ),
        ({"outcomes": [{"id": "a", "label": "A", "pooling": "MH"}]}, "outcomes[0].pooling", "expected"),
    ],
)
def test_bad_comparisons_and_pooling_name_the_field(change: dict, field: str, expected: str) -> None:
    with pytest.raises(CompendiumError) as error:
        parse_review(declaration(**change))
    message = str(error.value)
    assert f"field '{field}'" in message and expected in message, message


# --- stage 03: pooling with the declared settings ------------------------------------------------------

#: the first four BCG trials of dat.bcg (metafor 3.8's input, pinned in tests/reference/revman/metafor.json)
BCG = list(zip(*(REFERENCE["bcg"]["input"][cell][:4] for cell in ("ai", "bi", "ci", "di"))))


def events_analysis(measure: str = "RR") -> Analysis:
    """A stage-03 analysis of arm-level events (SYNTHETIC rows around the BCG counts)."""
    a, b, c, d = (np.array(x, dtype=float) for x in zip(*BCG))
    data = pd.DataFrame(
        {
            "study_id": [f"s{i}" for i in range(4)],
            "study": ["Aronson", "Ferguson", "Rosenthal", "Hart"],
            "outcome": "death",
            "m1i": a,
            "n1i": a + b,
            "m2i": c,
            "n2i": c + d,
            "yi": np.log((a / (a + b)) / (c / (c + d))),
            "vi": 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d),
            "data_source": ARM_EVENTS,
            "participants": a + b + c + d,
            "higher_is_better": False,
        }
    )
    return Analysis("treatment-death", "treatment", "death", "Death, events (RR)", "primary", measure, True, data)


@pytest.mark.parametrize("model", ["fixed", "random"])
def test_mantel_haenszel_as_declared(model: str) -> None:
    a, b, c, d = zip(*BCG)
    expected = rma_mh(a, b, c, d, "RR", random=model == "random")
    analysis, res = declared_fit(events_analysis(), Pooling("MH", "RR", model), 95.0)
    assert not isinstance(res, str)
    assert res.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert (res.ci_low, res.ci_high) == pytest.approx((expected.ci_low, expected.ci_high), rel=1e-12)
    assert (res.tau2, res.q, res.i2, res.q_pval) == pytest.approx(
        (expected.tau2, expected.q, expected.i2, expected.q_pval), rel=1e-12, abs=1e-15
    )
    assert np.asarray(res.weights) == pytest.approx(expected.weights, rel=1e-12)
    assert res.test == "z" and res.method == ("DL" if model == "random" else "FE")
    assert analysis.pooling == Pooling("MH", "RR", model)
    assert analysis.data["yi"].to_numpy() == pytest.approx(expected.yi)


def test_peto_as_declared_and_the_fit_carries_it() -> None:
    a, b, c, d = zip(*BCG)
    expected = rma_peto(a, b, c, d)
    fit = fit_analysis(
        events_analysis("OR"),
        method="REML",
        test="knha",
        level=95.0,
        subgroup=None,
        pooling=Pooling("Peto", "PETO_OR", "fixed"),
    )
    assert math.exp(fit.result.estimate) == pytest.approx(math.exp(expected.estimate), rel=1e-12)
    assert fit.analysis.measure == "OR" and fit.analysis.notes[-1].endswith(
        "Peto odds ratio, fixed effect, z-based interval"
    )


def test_revmans_smd_is_not_reoriented() -> None:
    """RevMan's SMD (Hedges' adjusted g) is the experimental group minus the control group, whatever the
    outcome's better side; the forest plot and the table show RevMan's study values."""
    data = pd.DataFrame(
        {
            "study_id": ["s1", "s2", "s3"],
            "study": ["A", "B", "C"],
            "outcome": "pain",
            "m1i": [10.0, 12.0, 9.0],
            "sd1i": [4.0, 5.0, 3.0],
            "n1i": [20.0, 30.0, 25.0],
            "m2i": [12.0, 13.0, 11.0],
            "sd2i": [4.5, 5.5, 3.5],
            "n2i": [21.0, 29.0, 24.0],
            "yi": [0.4, 0.2, 0.6],  # the stage's oriented g (sign reversed: lower is better)
            "vi": [0.1, 0.07, 0.08],
            "data_source": ARM_LEVEL,
            "participants": [41.0, 59.0, 49.0],
            "higher_is_better": False,
        }
    )
    analysis = Analysis("treatment-pain", "treatment", "pain", "Pain (SMD)", "primary", "SMD", False, data)
    declared, res = declared_fit(analysis, Pooling("IV", "SMD", "fixed"), 95.0)
    assert not isinstance(res, str)
    yi, vi = continuous_effects("SMD", data["m1i"], data["sd1i"], data["n1i"], data["m2i"], data["sd2i"], data["n2i"])
    w = 1 / vi
    assert res.estimate == pytest.approx(float(np.sum(w * yi) / np.sum(w)), rel=1e-12) and res.estimate < 0
    assert declared.data["yi"].to_numpy() == pytest.approx(yi)


def test_a_study_revman_cannot_estimate_falls_back_with_a_note() -> None:
    analysis = events_analysis()
    analysis.data.loc[0, ["m1i", "m2i"]] = 0.0  # no events in either arm: not estimable for RR
    fit = fit_analysis(
        analysis, method="REML", test="knha", level=95.0, subgroup=None, pooling=Pooling("MH", "RR", "fixed")
    )
    assert fit.result.method == "REML" and fit.analysis.pooling is None
    assert "Aronson not estimable with them; pooled with the stage's parameters instead" in fit.analysis.notes[-1]


# --- Summary of findings per comparison ----------------------------------------------------------------


def test_one_summary_of_findings_table_per_comparison() -> None:
    outcomes = [
        {"id": "death", "label": "Death", "unit": "participants", "comparison": "c1"},
        {"id": "pain", "label": "Pain", "unit": "points", "higher_is_better": False, "comparison": "c2"},
    ]
    comparisons = [
        {"id": "c1", "intervention": {"noun": "antibiotics"}},
        {"id": "c2", "intervention": {"noun": "steroids"}, "comparator": {"noun": "usual care"}},
    ]
    review = parse_review(declaration(outcomes=outcomes, comparisons=comparisons))
    sof = pd.DataFrame(
        {
            "question": ["treatment"],
            "outcome_id": ["pain"],
            "analysis_id": [""],
            "outcome": ["Pain"],
            "effect": ["MD -1.00 (95% CI -2.00 to -0.10)"],
            "measure": ["MD"],
            "certainty": ["Low"],
            "k": [1],
        }
    )
    question = review.questions[0]
    first, second = (sof_table(question, review, sof, None, None, None, comparison_of=c) for c in review.comparisons)
    assert first["anchor"] == "sof-treatment-c1" and second["anchor"] == "sof-treatment-c2"
    assert first["header"]["intervention"] == "antibiotics" and first["header"]["comparison"] == "placebo"
    assert second["header"]["intervention"] == "steroids" and second["header"]["comparison"] == "usual care"
    assert [r["outcome"] for r in first["rows"]] == ["Death"] and first["rows"][0]["certainty"] == "not measured"
    assert [r["outcome"] for r in second["rows"]] == ["Pain"]
    assert "Steroids may reduce pain" in second["rows"][0]["comment"]
    assert "(comparison steroids versus usual care)" in second["caption"]
    # a review of one comparison keeps one table, anchored by the question
    single = parse_review(declaration())
    assert (
        sof_table(single.questions[0], single, None, None, None, None, comparison_of=single.comparisons[0])["anchor"]
        == "sof-treatment"
    )


def test_what_is_asked_names_each_comparison() -> None:
    from compendium.report.build import asked

    comparisons = [
        {"id": "c1", "intervention": {"noun": "antibiotics"}},
        {"id": "c2", "intervention": {"noun": "steroids"}, "comparator": {"noun": "usual care"}},
    ]
    outcomes = [{"id": "death", "label": "Death", "comparison": "c1"}]
    review = parse_review(declaration(comparisons=comparisons, outcomes=outcomes))
    assert asked(review, review.questions[0]) == (
        "The effects, in 2 comparisons: antibiotics compared with placebo; steroids compared with usual care."
    )
    single = parse_review(declaration())
    assert asked(single, single.questions[0]) == "The benefits of drug compared with placebo."
