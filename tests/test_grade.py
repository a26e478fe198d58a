"""GRADE rules, one test per rule and threshold side.

Rules and thresholds are documented in ``compendium.bias.grade`` (GRADE handbook; Guyatt GH et al.
GRADE guidelines 3-9, J Clin Epidemiol 2011;64). All inputs are synthetic test values.
"""

from __future__ import annotations

import dataclasses

import pytest

from compendium.bias import grade
from compendium.bias.grade import GradeInput, grade_outcome
from compendium.errors import CompendiumError

#: a synthetic RCT outcome that no rule downgrades: High certainty
CLEAN = GradeInput(
    outcome="synthetic outcome",
    design="rct",
    k=5,
    participants=800,
    effect_measure="MD",
    estimate=-3.0,
    ci_low=-5.0,
    ci_high=-1.0,
    share_not_low_rob=0.2,
    share_high_rob=0.0,
    i2=10.0,
    pi_low=-6.0,
    pi_high=-0.5,
)


def rating(g: GradeInput, domain: str) -> grade.DomainRating:
    return next(d for d in grade_outcome(g).domains if d.domain == domain)


def with_(**changes: object) -> GradeInput:
    return dataclasses.replace(CLEAN, **changes)


def test_clean_rct_is_high() -> None:
    result = grade_outcome(CLEAN)
    assert (result.level, result.certainty, result.symbols) == (4, "High", "⊕⊕⊕⊕")
    assert result.footnotes() == ["a. Publication bias: Not assessed: 5 studies, fewer than 10."]


def test_observational_starts_low() -> None:
    result = grade_outcome(with_(design="observational"))
    assert (result.start_level, result.certainty) == (2, "Low")


@pytest.mark.parametrize(
    ("not_low", "high", "levels"),
    [
        pytest.param(0.5, 0.0, 0, id="not_low_at_50pct__none"),
        pytest.param(0.51, 0.0, 1, id="not_low_above_50pct__minus1"),
        pytest.param(0.9, 0.5, 1, id="high_at_50pct__minus1"),
        pytest.param(0.9, 0.51, 2, id="high_above_50pct__minus2"),
    ],
)
def test_risk_of_bias_rule(not_low: float, high: float, levels: int) -> None:
    assert rating(with_(share_not_low_rob=not_low, share_high_rob=high), "risk_of_bias").final == levels


def test_rob_weight_shares() -> None:
    shares = grade.rob_weight_shares(["Low", "Some concerns", "High", "Very high"], [1.0, 1.0, 1.0, 1.0])
    assert shares == {"share_not_low_rob": 0.75, "share_high_rob": 0.5}


@pytest.mark.parametrize(
    ("changes", "levels", "status"),
    [
        pytest.param({"i2": 49.9, "pi_low": -9.0, "pi_high": 2.0}, 0, "not serious", id="i2_below_50__none"),
        pytest.param({"i2": 60.0, "pi_low": -9.0, "pi_high": 2.0}, 1, "serious", id="i2_60_pi_crosses__minus1"),
        pytest.param({"i2": 60.0, "pi_low": None, "pi_high": None}, 1, "serious", id="i2_60_no_pi__minus1"),
        pytest.param({"i2": 80.0, "pi_low": -9.0, "pi_high": 2.0}, 2, "very serious", id="i2_80_pi_crosses__minus2"),
        pytest.param(
            {"i2": 80.0, "pi_low": -9.0, "pi_high": -0.2}, 0, "not serious", id="i2_80_pi_excludes_null__none"
        ),
        pytest.param({"k": 1, "i2": None}, 0, "not assessed", id="single_study__not_assessable"),
    ],
)
def test_inconsistency_rule(changes: dict[str, object], levels: int, status: str) -> None:
    r = rating(with_(**changes), "inconsistency")
    assert (r.final, r.status) == (levels, status)


def test_indirectness_is_the_reviewers_judgement_with_reason() -> None:
    r = rating(with_(indirectness=1, indirectness_reason="mixed MND population (synthetic)"), "indirectness")
    assert (r.final, r.explanation) == (1, "mixed MND population (synthetic)")
    with pytest.raises(CompendiumError, match="field 'indirectness_reason'"):
        grade_outcome(with_(indirectness=1))


@pytest.mark.parametrize(
    ("changes", "levels"),
    [
        pytest.param({}, 0, id="narrow_ci_ois_met__none"),
        pytest.param({"participants": 788}, 0, id="continuous_at_ois_788__none"),
        pytest.param({"ci_high": 0.5}, 1, id="ci_crosses_null__minus1"),
        pytest.param({"participants": 787}, 1, id="continuous_below_ois_788__minus1"),
        pytest.param({"participants": 300, "mid_smd": 0.5}, 0, id="mid_smd_0_5__ois_128_met__none"),
        pytest.param({"ci_high": 0.5, "participants": 120}, 2, id="ci_crosses_and_small__minus2"),
        pytest.param({"k": 1, "i2": None, "pi_low": None, "pi_high": None}, 1, id="single_study__minus1"),
        pytest.param({"k": 1, "participants": 60, "ci_high": 1.0}, 2, id="three_criteria__capped_minus2"),
    ],
)
def test_imprecision_rule_continuous(changes: dict[str, object], levels: int) -> None:
    assert rating(with_(**changes), "imprecision").final == levels


@pytest.mark.parametrize(
    ("changes", "levels", "words"),
    [
        # MD -3.0 (CI -5.0 to -1.0), 800 participants: a MID of 2 lies inside the CI (-2): imprecise
        pytest.param({"mid": 2.0}, 1, "crosses the minimal important difference (-2.00)", id="ci_crosses_mid__minus1"),
        # a MID of 0.5: the whole CI is beyond -0.5, an important effect throughout: precise
        pytest.param({"mid": 0.5}, 0, "", id="ci_beyond_mid__none"),
        # CI -0.4 to 0.3 includes no effect but stays within a MID of 1: precise "little or no difference"
        pytest.param({"mid": 1.0, "estimate": -0.05, "ci_low": -0.4, "ci_high": 0.3}, 0, "", id="within_mid__none"),
        # the same CI without a MID includes no effect: -1 (GRADE 6 default)
        pytest.param({"estimate": -0.05, "ci_low": -0.4, "ci_high": 0.3}, 1, "includes no effect", id="no_mid__minus1"),
    ],
)
def test_imprecision_with_a_declared_minimal_important_difference(changes, levels, words) -> None:
    """GRADE 6 (Guyatt GH et al. J Clin Epidemiol 2011;64:1283-1293): rate down when the CI holds both
    important and unimportant effects, judged against the declared MID."""
    r = rating(with_(**changes), "imprecision")
    assert r.final == levels and words in r.explanation


def test_optimal_information_size_continuous() -> None:
    # Textbook normal approximation: n per group = 2 (z_{1-alpha/2} + z_{1-beta})^2 / d^2 =
    # 2 (1.959964 + 0.841621)^2 / 0.2^2 = 392.44 for d = 0.2; the t-test needs slightly more.
    z_sum = 1.959964 + 0.841621
    per_group = 2 * z_sum**2 / 0.2**2
    assert round(per_group, 2) == 392.44
    assert grade.optimal_information_size(0.2) == 2 * 394  # t-based 393.4 per group, rounded up
    assert 2 * per_group < grade.optimal_information_size(0.2) < 2 * (per_group + 2)
    # Cohen J. Statistical power analysis for the behavioral sciences, 2nd ed., 1988, Table 2.4.1
    # (two-sided alpha 0.05, power 0.80): 64 per group for d = 0.5 and 26 per group for d = 0.8
    assert grade.optimal_information_size(0.5) == 2 * 64
    assert grade.optimal_information_size(0.8) == 2 * 26


def test_optimal_information_size_binary() -> None:
    # Control risk 0.20, relative risk reduction 25% (risk 0.15 with the intervention): by hand,
    # N = (z_{0.975} + z_{0.80})^2 / w^2 with w = 0.05 / (2 sqrt(0.175 * 0.825)), so
    # N = 7.848879 * 4 * 0.144375 / 0.0025 = 1813.1 participants in all, 1814 as two equal groups.
    # GRADE 6 (Guyatt 2011, figure of OIS by control event rate) reads "approximately 2000" for
    # this case (as quoted by the KCE process book, section 5.5.4).
    expected = (1.959964 + 0.841621) ** 2 * 4 * 0.175 * 0.825 / 0.05**2
    assert round(expected, 1) == 1813.1
    assert grade.optimal_information_size(control_risk=0.2) == 1814
    assert grade.optimal_information_size(control_risk=0.2, relative_risk_reduction=0.25) == 1814


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({}, "either mid_smd", id="neither"),
        pytest.param({"mid_smd": 0.2, "control_risk": 0.1}, "either mid_smd", id="both"),
        pytest.param({"mid_smd": -0.2}, "positive difference", id="negative_smd"),
        pytest.param({"control_risk": 1.2}, "between 0 and 1", id="risk_above_1"),
    ],
)
def test_optimal_information_size_bad_input(arguments: dict[str, float], message: str) -> None:
    with pytest.raises(CompendiumError, match=message):
        grade.optimal_information_size(**arguments)


def test_imprecision_rule_binary_with_control_risk() -> None:
    # OIS 1814 participants for a control risk of 0.2 and a 25% relative risk reduction (above)
    base = with_(
        effect_measure="RR",
        estimate=0.7,
        ci_low=0.5,
        ci_high=0.9,
        events=None,
        control_risk=0.2,
        pi_low=None,
        pi_high=None,
    )
    assert rating(dataclasses.replace(base, participants=1814), "imprecision").final == 0
    below = rating(dataclasses.replace(base, participants=1813), "imprecision")
    assert below.final == 1 and "optimal information size of 1814" in below.explanation


@pytest.mark.parametrize(
    ("events", "ci", "levels"),
    [
        pytest.param(300, (0.5, 0.9), 0, id="ratio_300_events_ci_excludes_1__none"),
        pytest.param(299, (0.5, 0.9), 1, id="ratio_below_300_events__minus1"),
        pytest.param(None, (0.5, 0.9), 1, id="ratio_events_unknown__minus1"),
        pytest.param(500, (0.5, 1.1), 1, id="ratio_ci_includes_1__minus1"),
    ],
)
def test_imprecision_rule_ratio(events: int | None, ci: tuple[float, float], levels: int) -> None:
    g = with_(
        effect_measure="RR",
        estimate=0.7,
        ci_low=ci[0],
        ci_high=ci[1],
        events=events,
        participants=2000,
        pi_low=None,
        pi_high=None,
    )
    assert rating(g, "imprecision").final == levels


def test_participants_not_reported_keeps_the_events() -> None:
    """Case-control studies give their cases but often not their controls (e.g. the 37 studies of
    metadat's dat.hackshaw1998): events above the threshold are enough for a ratio, the
    participants are shown as not reported, and an OIS in participants is taken as not met."""
    ratio = with_(
        effect_measure="OR",
        estimate=1.24,
        ci_low=1.13,
        ci_high=1.37,
        events=3948,
        participants=None,
        pi_low=None,
        pi_high=None,
    )
    result = grade_outcome(ratio)
    assert rating(ratio, "imprecision").final == 0
    assert result.participants_studies == "not reported (5 RCTs)"
    continuous = rating(with_(participants=None), "imprecision")
    assert continuous.final == 1 and "Number of participants not available" in continuous.explanation
    with pytest.raises(CompendiumError, match="field 'events'"):
        grade_outcome(dataclasses.replace(ratio, participants=100, events=101))


@pytest.mark.parametrize(
    ("k", "pval", "levels", "status"),
    [
        pytest.param(9, 0.01, 0, "not assessed", id="k9__not_assessed"),
        pytest.param(10, None, 0, "not assessed", id="k10_no_test__not_assessed"),
        pytest.param(10, 0.05, 1, "strongly suspected", id="k10_p_below_0.10__minus1"),
        pytest.param(12, 0.10, 0, "undetected", id="k12_p_0.10__none"),
    ],
)
def test_publication_bias_rule(k: int, pval: float | None, levels: int, status: str) -> None:
    r = rating(with_(k=k, small_study_pval=pval), "publication_bias")
    assert (r.final, r.status) == (levels, status)


OBSERVATIONAL = with_(
    design="observational",
    effect_measure="OR",
    estimate=1.5,
    ci_low=1.2,
    ci_high=1.9,
    events=400,
    participants=5000,
    pi_low=None,
    pi_high=None,
)


@pytest.mark.parametrize(
    ("estimate", "levels"),
    [
        pytest.param(2.0, 0, id="or_2.0__none"),
        pytest.param(2.1, 1, id="or_above_2__plus1"),
        pytest.param(0.45, 1, id="or_below_half__plus1"),
        pytest.param(5.5, 2, id="or_above_5__plus2"),
        pytest.param(0.15, 2, id="or_below_fifth__plus2"),
    ],
)
def test_large_effect_rule(estimate: float, levels: int) -> None:
    g = dataclasses.replace(OBSERVATIONAL, estimate=estimate, ci_low=estimate * 0.8, ci_high=estimate * 1.2)
    assert rating(g, "large_effect").final == levels
    assert grade_outcome(g).level == 2 + levels


def test_large_effect_rule_applies_to_standardised_ratios() -> None:
    """SMR/SIR are ratio measures too: an SMR of 6 (CI 4.8 to 7.2) earns +2, null value 1."""
    g = dataclasses.replace(OBSERVATIONAL, effect_measure="SMR", estimate=6.0, ci_low=4.8, ci_high=7.2)
    assert g.null == 1.0
    assert rating(g, "large_effect").final == 2


def test_effect_text_states_the_confidence_level() -> None:
    g = dataclasses.replace(OBSERVATIONAL, ci_level=90.0)
    assert "90% CI" in grade_outcome(g).to_dict()["effect"]


def test_no_upgrade_for_rcts_or_when_rated_down() -> None:
    assert (
        rating(with_(effect_measure="RR", estimate=3.0, ci_low=2.5, ci_high=3.5, events=400), "large_effect").status
        == "not applicable"
    )
    downgraded = dataclasses.replace(OBSERVATIONAL, estimate=3.0, ci_low=2.5, ci_high=3.5, share_not_low_rob=0.9)
    r = rating(downgraded, "large_effect")
    assert (r.final, r.explanation.startswith("Not credited")) == (0, True)
    assert grade_outcome(downgraded).certainty == "Very low"


def test_dose_response_and_opposing_confounding_upgrades() -> None:
    g = dataclasses.replace(
        OBSERVATIONAL, dose_response=True, dose_response_reason="gradient across tertiles (synthetic)"
    )
    assert grade_outcome(g).certainty == "Moderate"
    g = dataclasses.replace(
        g, opposing_confounding=True, opposing_confounding_reason="healthy-worker bias would reduce it (synthetic)"
    )
    assert grade_outcome(g).certainty == "High"
    with pytest.raises(CompendiumError, match="dose_response_reason"):
        grade_outcome(dataclasses.replace(OBSERVATIONAL, dose_response=True))


def test_levels_are_kept_within_very_low_and_high() -> None:
    worst = with_(
        share_not_low_rob=1.0, share_high_rob=1.0, i2=90.0, pi_low=-9.0, pi_high=3.0, ci_high=1.0, participants=50
    )
    assert grade_outcome(worst).level == 1


def test_publication_bias_override_status() -> None:
    r = rating(
        with_(overrides={"publication_bias": (1, "industry-funded small trials only (synthetic)")}), "publication_bias"
    )
    assert (r.proposed, r.final, r.status) == (0, 1, "strongly suspected")


def test_override_with_reason_keeps_proposal_and_footnote() -> None:
    g = with_(ci_high=0.5, overrides={"imprecision": (2, "CI spans both important benefit and harm (synthetic)")})
    r = rating(g, "imprecision")
    assert (r.proposed, r.final) == (1, 2)
    result = grade_outcome(g)
    assert result.certainty == "Low"
    assert "Rule proposed -1; reviewer judged -2: CI spans" in result.to_dict()["footnotes"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"imprecision": (1, "")}, "needs a written reason", id="no_reason"),
        pytest.param({"imprecision": (0, "same as rule")}, "equals the proposed", id="equal_to_proposal"),
        pytest.param({"imprecisionn": (1, "x")}, "unknown domain", id="unknown_domain"),
        pytest.param({"imprecision": (3, "x")}, "expected 0, 1 or 2", id="bad_levels"),
        pytest.param({"large_effect": (1, "x")}, "only to observational", id="upgrade_for_rct"),
    ],
)
def test_bad_overrides_are_errors(overrides: dict[str, tuple[int, str]], message: str) -> None:
    with pytest.raises(CompendiumError, match=message):
        grade_outcome(with_(overrides=overrides))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"design": "cohort"}, "design", id="design"),
        pytest.param({"estimate": 2.0}, "estimate", id="estimate_outside_ci"),
        pytest.param({"share_high_rob": 0.5}, "share_high_rob", id="high_share_above_not_low"),
        pytest.param({"i2": 120.0}, "i2", id="i2_percent"),
        pytest.param({"k": 0}, "k", id="k"),
    ],
)
def test_invalid_input_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(CompendiumError, match=f"outcome 'synthetic outcome', field '{field}'"):
        grade_outcome(with_(**changes))


def test_from_dict_and_summary_of_findings_table() -> None:
    values = {f.name: getattr(CLEAN, f.name) for f in dataclasses.fields(CLEAN)}
    result = grade_outcome({**values, "ci_high": 0.5})
    table = grade.summary_of_findings([result])
    assert list(table.columns) == [
        "outcome",
        "effect",
        "participants_studies",
        "certainty",
        "certainty_symbols",
        "footnotes",
    ]
    row = table.iloc[0]
    assert row["effect"] == "MD -3.00 (95% CI -5.00 to 0.50)"
    assert row["participants_studies"] == "800 (5 RCTs)"
    assert (row["certainty"], row["certainty_symbols"]) == ("Moderate", "⊕⊕⊕◯")
    assert row["footnotes"].startswith("a. Imprecision (-1): The 95% CI (-5.00 to 0.50) includes no effect (0).")
    with pytest.raises(CompendiumError, match="unknown field"):
        grade_outcome({**values, "tau2": 0.1})
    details = grade.grade_domains_table([result])
    assert len(details) == len(grade.DOWNGRADE_DOMAINS) + len(grade.UPGRADE_DOMAINS)
    assert "certainty: ⊕⊕⊕◯ Moderate" in str(result)
