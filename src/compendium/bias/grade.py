"""GRADE certainty of evidence for each outcome of the Summary-of-Findings table.

Start (Balshem H et al. GRADE 3. J Clin Epidemiol 2011;64:401-406): randomised trials High (4),
observational studies Low (2). Each domain below *proposes* a number of levels by a stated rule;
the reviewer may override any proposal with a written reason (proposal and final are both kept).
Certainty = start - downgrades + upgrades, kept within Very low (1) .. High (4).

Rules (thresholds are the module constants; the operationalisation is ours, following the
cited GRADE guidance):

* **Risk of bias** (Guyatt GH et al. GRADE 4. J Clin Epidemiol 2011;64:407-415: rate down when
  most of the information comes from results at risk of bias): -2 if more than
  ``RISK_OF_BIAS_VERY_SERIOUS_SHARE`` (50%) of the meta-analysis weight comes from results at
  High (or Very high) overall risk; otherwise -1 if more than ``RISK_OF_BIAS_SERIOUS_SHARE`` (50%)
  comes from results not at Low risk (Some concerns, High, Very high, No information).
* **Inconsistency** (Guyatt GH et al. GRADE 7. J Clin Epidemiol 2011;64:1294-1302): not
  assessable with one study. With I2 >= ``INCONSISTENCY_I2_SERIOUS`` (50%) and a 95% prediction
  interval that includes no effect (or is not available), -1; -2 if also I2 >=
  ``INCONSISTENCY_I2_VERY_SERIOUS`` (75%). A prediction interval wholly on one side of no effect
  means heterogeneity in size, not direction: no downgrade.
* **Indirectness** (Guyatt GH et al. GRADE 8. J Clin Epidemiol 2011;64:1303-1310): the reviewer's
  judgement (0, 1 or 2 levels) with a reason; no rule can see population or intervention fit.
* **Imprecision** (Guyatt GH et al. GRADE 6. J Clin Epidemiol 2011;64:1283-1293): criteria are
  (i) the 95% CI includes the null value, (ii) the optimal information size (OIS) is not met,
  (iii) a single study. One criterion -1; two or more -2. The OIS is the number of participants
  of one trial adequately powered (two-sided alpha ``OIS_ALPHA`` 0.05, power ``OIS_POWER`` 0.8)
  to detect a stated effect, computed with pingouin's power functions
  (:func:`optimal_information_size`): for continuous outcomes a difference of ``mid_smd``
  standard deviations (default ``OIS_MID_SMD``, 0.2, a "small" effect in Cohen's terms); for
  binary outcomes with a stated ``control_risk``, a relative risk reduction of
  ``relative_risk_reduction`` (default ``OIS_RRR``, 25%, within GRADE 6's suggested 20-30%).
  With a declared minimal important difference ``mid`` (MD or SMD), criterion (i) becomes "the CI
  crosses ``null - mid`` or ``null + mid``" (it holds both important and unimportant effects; a CI
  that includes no effect but stays within the MID is precise about "little or no difference"),
  and for an SMD the OIS is computed for ``mid`` SDs.
  A binary or time-to-event outcome without a control risk falls back on GRADE 6's rule of thumb
  of ``OIS_EVENTS`` (300) events (events unknown counts as not met).
* **Publication bias** (Guyatt GH et al. GRADE 5. J Clin Epidemiol 2011;64:1277-1282; Sterne JAC
  et al. BMJ 2011;343:d4002): "not assessed" with fewer than ``PUBLICATION_BIAS_MIN_K`` (10)
  studies or no small-study test; -1 if the test's p < ``PUBLICATION_BIAS_PVAL`` (0.10).
* **Upgrades**, observational evidence only and only when nothing was rated down (Guyatt GH et
  al. GRADE 9. J Clin Epidemiol 2011;64:1311-1316): large effect, +1 if the ratio estimate is
  > ``LARGE_EFFECT_RATIO`` (2) or < 1/2, +2 if > ``VERY_LARGE_EFFECT_RATIO`` (5) or < 1/5;
  dose-response gradient +1 and all plausible confounding would reduce the effect +1, each the
  reviewer's judgement with a reason.

Tested rule by rule in ``tests/test_grade.py``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd

from compendium.bias.vocabulary import (
    CERTAINTY_LEVELS,
    CERTAINTY_SYMBOLS,
    CONCERN_LEVELS,
    DOMAIN_NOT_ASSESSED,
    HIGH_RISK,
    LOW_RISK,
)
from compendium.errors import CompendiumError
from compendium.result_views import ResultViews
from compendium.shared import clean_json
from compendium.vocabulary import CONTINUOUS_MEASURES, RATIO_MEASURES, null_value

RISK_OF_BIAS_SERIOUS_SHARE = 0.5
RISK_OF_BIAS_VERY_SERIOUS_SHARE = 0.5
INCONSISTENCY_I2_SERIOUS = 50.0
INCONSISTENCY_I2_VERY_SERIOUS = 75.0
OIS_ALPHA = 0.05
OIS_POWER = 0.8
OIS_MID_SMD = 0.2
OIS_RRR = 0.25
OIS_EVENTS = 300
PUBLICATION_BIAS_MIN_K = 10
PUBLICATION_BIAS_PVAL = 0.10
LARGE_EFFECT_RATIO = 2.0
VERY_LARGE_EFFECT_RATIO = 5.0
#: the rule thresholds the methods print (``methods.json`` of stage 03, the report's methods table),
#: by constant name, in this order
THRESHOLDS: dict[str, float] = {
    "RISK_OF_BIAS_SERIOUS_SHARE": RISK_OF_BIAS_SERIOUS_SHARE,
    "RISK_OF_BIAS_VERY_SERIOUS_SHARE": RISK_OF_BIAS_VERY_SERIOUS_SHARE,
    "INCONSISTENCY_I2_SERIOUS": INCONSISTENCY_I2_SERIOUS,
    "INCONSISTENCY_I2_VERY_SERIOUS": INCONSISTENCY_I2_VERY_SERIOUS,
    "OIS_MID_SMD": OIS_MID_SMD,
    "OIS_EVENTS": OIS_EVENTS,
    "PUBLICATION_BIAS_MIN_K": PUBLICATION_BIAS_MIN_K,
    "PUBLICATION_BIAS_PVAL": PUBLICATION_BIAS_PVAL,
    "LARGE_EFFECT_RATIO": LARGE_EFFECT_RATIO,
    "VERY_LARGE_EFFECT_RATIO": VERY_LARGE_EFFECT_RATIO,
}

#: starting level by design
START_LEVELS: dict[str, int] = {"rct": 4, "observational": 2}
DESIGN_LABELS: dict[str, tuple[str, str]] = {
    "rct": ("RCT", "RCTs"),
    "observational": ("observational study", "observational studies"),
}
DOWNGRADE_DOMAINS: tuple[str, ...] = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
UPGRADE_DOMAINS: tuple[str, ...] = ("large_effect", "dose_response", "opposing_confounding")
DOMAIN_LABELS: dict[str, str] = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "opposing_confounding": "Plausible confounding would reduce the effect",
}


@dataclass(frozen=True)
class GradeInput:
    """What GRADE needs to know about one outcome's pooled result.

    ``share_not_low_rob`` / ``share_high_rob``: fractions (0-1) of the meta-analysis weight from
    results not at Low / at High or Very high overall risk of bias (see :func:`rob_weight_shares`).
    ``overrides`` maps a domain name to ``(levels, reason)``; levels count down for downgrade
    domains and up for upgrade domains. ``mid_smd`` (continuous outcomes) and ``control_risk``
    with ``relative_risk_reduction`` (binary outcomes) set the effect the optimal information size
    is powered for. ``participants`` is None when no study of the result reports its participants
    (an optimal information size in participants is then taken as not met; events are still used).
    """

    outcome: str
    design: str
    k: int
    participants: int | None
    effect_measure: str
    estimate: float
    ci_low: float
    ci_high: float
    share_not_low_rob: float
    share_high_rob: float
    null_value: float | None = None
    events: int | None = None
    i2: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    indirectness: int = 0
    indirectness_reason: str = ""
    small_study_pval: float | None = None
    dose_response: bool = False
    dose_response_reason: str = ""
    opposing_confounding: bool = False
    opposing_confounding_reason: str = ""
    overrides: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    ci_level: float = 95.0
    mid_smd: float = OIS_MID_SMD
    control_risk: float | None = None
    relative_risk_reduction: float = OIS_RRR
    mid: float | None = None

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> GradeInput:
        """Build from a dict (e.g. a table row; NaN becomes None); unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise CompendiumError(
                f"GRADE input for outcome {values.get('outcome')!r}: unknown field(s) {', '.join(unknown)}"
            )
        return cls(**clean_json(dict(values)))  # type: ignore[arg-type]  # field names checked above

    @property
    def null(self) -> float:
        """The no-effect value: ``null_value`` if given, else 1 for ratio measures and 0 otherwise."""
        return self.null_value if self.null_value is not None else null_value(self.effect_measure)


@dataclass(frozen=True)
class DomainRating:
    """One GRADE domain for one outcome: the rule's proposal, the final levels and why."""

    domain: str
    direction: str  # "down" or "up"
    proposed: int
    final: int
    status: str
    explanation: str
    override_reason: str = ""


@dataclass(frozen=True)
class GradeResult(ResultViews):
    """Certainty of evidence for one outcome; ``to_dict()`` gives one Summary-of-Findings row."""

    outcome: str
    design: str
    start_level: int
    level: int
    effect: str
    participants_studies: str
    domains: tuple[DomainRating, ...]

    @property
    def certainty(self) -> str:
        return CERTAINTY_LEVELS[self.level]

    @property
    def symbols(self) -> str:
        return CERTAINTY_SYMBOLS[self.level]

    def footnotes(self) -> list[str]:
        """Lettered footnotes explaining each change of level, override and unassessed domain."""
        notes = [d for d in self.domains if d.explanation]
        return [f"{chr(ord('a') + i)}. {_footnote(d)}" for i, d in enumerate(notes)]

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "effect": self.effect,
            "participants_studies": self.participants_studies,
            "certainty": self.certainty,
            "certainty_symbols": self.symbols,
            "footnotes": " ".join(self.footnotes()),
        }

    def __str__(self) -> str:
        lines = [
            f"GRADE: {self.outcome}",
            f"  effect: {self.effect}; {self.participants_studies}",
            f"  start: {CERTAINTY_LEVELS[self.start_level]} ({self.design})",
        ]
        for d in self.domains:
            sign = "-" if d.direction == "down" else "+"
            changed = f" (proposed {sign}{d.proposed}, overridden)" if d.override_reason else ""
            levels = f"{sign}{d.final}" if d.final else "0"
            lines.append(f"  {DOMAIN_LABELS[d.domain]:<46} {levels:>2}{changed}  {d.status}")
        lines += [f"  certainty: {self.symbols} {self.certainty}", *(f"  {n}" for n in self.footnotes())]
        return "\n".join(lines)


def _footnote(d: DomainRating) -> str:
    sign = "-" if d.direction == "down" else "+"
    change = f" ({sign}{d.final})" if d.final or d.override_reason else ""
    text = f"{DOMAIN_LABELS[d.domain]}{change}: {d.explanation}"
    if d.override_reason:
        text += f" Rule proposed {sign}{d.proposed}; reviewer judged {sign}{d.final}: {d.override_reason}"
    return text


def rob_weight_shares(judgements: Sequence[str], weights: Sequence[float]) -> dict[str, float]:
    """Fractions of total weight from results not at Low risk and at High/Very high risk
    (overall RoB 2 or ROBINS-E judgements, or a Cochrane RoB 1 summary in its words: "Low risk" is low,
    "High risk" high, "Unclear risk" not low like "Some concerns"; "No information" counts as not Low)."""
    if len(judgements) != len(weights) or not judgements:
        raise CompendiumError("risk-of-bias shares: judgements and weights must be non-empty and of equal length")
    total = float(sum(weights))
    if total <= 0:
        raise CompendiumError("risk-of-bias shares: weights sum to zero")
    not_low = sum(w for j, w in zip(judgements, weights) if j not in LOW_RISK)
    high = sum(w for j, w in zip(judgements, weights) if j in HIGH_RISK)
    return {"share_not_low_rob": not_low / total, "share_high_rob": high / total}


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def rule_risk_of_bias(g: GradeInput) -> tuple[int, str]:
    """Proposed downgrade for risk of bias and its explanation (module docstring)."""
    if g.share_high_rob > RISK_OF_BIAS_VERY_SERIOUS_SHARE:
        return (
            2,
            f"{_pct(g.share_high_rob)} of the weight from results at high risk of bias "
            f"(rule: more than {_pct(RISK_OF_BIAS_VERY_SERIOUS_SHARE)}).",
        )
    if g.share_not_low_rob > RISK_OF_BIAS_SERIOUS_SHARE:
        return 1, (
            f"{_pct(g.share_not_low_rob)} of the weight from results not at low risk of bias "
            f"(rule: more than {_pct(RISK_OF_BIAS_SERIOUS_SHARE)})."
        )
    return 0, ""


def rule_inconsistency(g: GradeInput) -> tuple[int, str]:
    """Proposed downgrade for inconsistency from I2 and the prediction interval."""
    if g.k < 2:
        return 0, "Not assessable with a single study."
    if g.i2 is None:
        return 0, "Not assessed: I2 not available."
    if g.i2 < INCONSISTENCY_I2_SERIOUS:
        return 0, ""
    if g.pi_low is not None and g.pi_high is not None:
        pi_text = f"the {g.ci_level:g}% prediction interval ({_num(g.pi_low)} to {_num(g.pi_high)})"
        if not (g.pi_low <= g.null <= g.pi_high):
            return 0, f"I2 = {g.i2:.0f}%, but {pi_text} excludes no effect: heterogeneity in size, not direction."
        interval = f"{pi_text} includes no effect"
    else:
        interval = "no prediction interval available"
    levels = 2 if g.i2 >= INCONSISTENCY_I2_VERY_SERIOUS else 1
    threshold = INCONSISTENCY_I2_VERY_SERIOUS if levels == 2 else INCONSISTENCY_I2_SERIOUS
    return levels, f"I2 = {g.i2:.0f}% (rule: at least {threshold:.0f}%) and {interval}."


def rule_indirectness(g: GradeInput) -> tuple[int, str]:
    """The reviewer's indirectness judgement (0-2 levels) with its reason."""
    return g.indirectness, (g.indirectness_reason if g.indirectness else "")


@functools.lru_cache(maxsize=64)
def optimal_information_size(
    mid_smd: float | None = None,
    *,
    control_risk: float | None = None,
    relative_risk_reduction: float = OIS_RRR,
    alpha: float = OIS_ALPHA,
    power: float = OIS_POWER,
) -> int:
    """Participants (both groups) of one two-arm trial, 1:1, adequately powered for an effect.

    Give ``mid_smd`` for a continuous outcome (two-sample t-test, :func:`pingouin.power_ttest`)
    or ``control_risk`` for a binary one (chi-square test of the 2x2 table without continuity
    correction, :func:`pingouin.power_chi2`, with Cohen's effect size
    ``w = |p_c - p_i| / (2 sqrt(p (1 - p)))``, ``p`` the mean of the two risks and
    ``p_i = p_c (1 - relative_risk_reduction)``). Groups are rounded up to whole participants.

    Parameters
    ----------
    mid_smd : float, optional
        The difference to detect, in standard deviations (a standardised mean difference).
    control_risk : float, optional
        Risk of the event without the intervention, between 0 and 1 (exclusive).
    relative_risk_reduction : float
        Relative reduction of ``control_risk`` to detect (default 0.25).
    alpha : float
        Two-sided significance level (default 0.05).
    power : float
        Power, 1 - beta (default 0.8).

    Returns
    -------
    int
        The optimal information size: total participants, an even number.

    References
    ----------
    Guyatt GH et al. GRADE guidelines 6: imprecision. J Clin Epidemiol 2011;64:1283-1293.
    Cohen J. Statistical power analysis for the behavioral sciences, 2nd ed. 1988 (Table 2.4.1,
    sections 2.4 and 7.4).

    Examples
    --------
    >>> optimal_information_size(0.5)  # 64 per group (Cohen 1988, Table 2.4.1)
    128
    """
    import pingouin

    if (mid_smd is None) == (control_risk is None):
        raise CompendiumError("optimal information size: give either mid_smd (continuous) or control_risk (binary)")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise CompendiumError(f"optimal information size: alpha {alpha!r} and power {power!r} must lie between 0 and 1")
    if mid_smd is not None:
        if not mid_smd > 0:
            raise CompendiumError(
                f"optimal information size: mid_smd {mid_smd!r}; expected a positive difference in SD"
            )
        per_group = pingouin.power_ttest(d=mid_smd, power=power, alpha=alpha, contrast="two-samples")
        return 2 * math.ceil(per_group)
    assert control_risk is not None
    if not (0 < control_risk < 1 and 0 < relative_risk_reduction < 1):
        raise CompendiumError(
            f"optimal information size: control_risk {control_risk!r} and relative_risk_reduction "
            f"{relative_risk_reduction!r} must lie between 0 and 1"
        )
    treated_risk = control_risk * (1 - relative_risk_reduction)
    mean_risk = (control_risk + treated_risk) / 2
    w = (control_risk - treated_risk) / (2 * math.sqrt(mean_risk * (1 - mean_risk)))
    total = pingouin.power_chi2(dof=1, w=w, power=power, alpha=alpha)
    return 2 * math.ceil(total / 2)


def _participants_unknown(ois: int) -> str:
    return f"number of participants not available, so the optimal information size of {ois} is taken as not met"


def mid_thresholds_crossed(g: GradeInput) -> list[float] | None:
    """With a declared minimal important difference ``mid`` (outcome units for MD, SD units for SMD),
    the thresholds ``null - mid`` and ``null + mid`` that lie strictly inside the CI (the CI then
    holds both important and unimportant effects: GRADE 6, Guyatt GH et al. J Clin Epidemiol
    2011;64:1283-1293); None when no ``mid`` is declared or the measure is a ratio."""
    if g.mid is None or g.effect_measure not in CONTINUOUS_MEASURES:
        return None
    return [t for t in (g.null - g.mid, g.null + g.mid) if g.ci_low < t < g.ci_high]


def rule_imprecision(g: GradeInput) -> tuple[int, str]:
    """Proposed downgrade for imprecision: one level per criterion met, at most two."""
    reasons = []
    crossed = mid_thresholds_crossed(g)
    if crossed is not None:
        if crossed:
            reasons.append(
                f"the {g.ci_level:g}% CI ({_num(g.ci_low)} to {_num(g.ci_high)}) crosses the minimal important "
                f"difference ({' and '.join(_num(t) for t in crossed)})"
            )
    elif g.ci_low <= g.null <= g.ci_high:
        reasons.append(
            f"the {g.ci_level:g}% CI ({_num(g.ci_low)} to {_num(g.ci_high)}) includes no effect ({_num(g.null, 0)})"
        )
    if g.effect_measure in CONTINUOUS_MEASURES:
        detect = g.mid if g.effect_measure == "SMD" and g.mid is not None else g.mid_smd
        ois = optimal_information_size(detect)
        if g.participants is None:
            reasons.append(_participants_unknown(ois))
        elif g.participants < ois:
            reasons.append(
                f"{g.participants} participants, fewer than the optimal information size of {ois} "
                f"(one trial powered at {OIS_POWER:.0%} to detect {detect:g} SD, two-sided alpha {OIS_ALPHA:g})"
            )
    elif g.control_risk is not None:
        ois = optimal_information_size(control_risk=g.control_risk, relative_risk_reduction=g.relative_risk_reduction)
        if g.participants is None:
            reasons.append(_participants_unknown(ois))
        elif g.participants < ois:
            reasons.append(
                f"{g.participants} participants, fewer than the optimal information size of {ois} "
                f"(one trial powered at {OIS_POWER:.0%} to detect a {g.relative_risk_reduction:.0%} relative risk "
                f"reduction from a control risk of {g.control_risk:g}, two-sided alpha {OIS_ALPHA:g})"
            )
    elif g.events is None:
        reasons.append("number of events not available, so the optimal information size is taken as not met")
    elif g.events < OIS_EVENTS:
        reasons.append(f"{g.events} events, fewer than the optimal information size of {OIS_EVENTS}")
    if g.k == 1:
        reasons.append("a single study")
    if not reasons:
        return 0, ""
    text = "; ".join(reasons)
    return min(len(reasons), 2), text[0].upper() + text[1:] + "."


def rule_publication_bias(g: GradeInput) -> tuple[int, str]:
    """Proposed downgrade for publication bias (assessed only with at least 10 studies)."""
    if g.k < PUBLICATION_BIAS_MIN_K:
        return 0, f"Not assessed: {g.k} {'study' if g.k == 1 else 'studies'}, fewer than {PUBLICATION_BIAS_MIN_K}."
    if g.small_study_pval is None:
        return 0, "Not assessed: no small-study (funnel asymmetry) test supplied."
    if g.small_study_pval < PUBLICATION_BIAS_PVAL:
        return 1, f"Small-study test p = {g.small_study_pval:.3f} (rule: below {PUBLICATION_BIAS_PVAL:.2f})."
    return 0, ""


def rule_large_effect(g: GradeInput) -> tuple[int, str]:
    """Proposed upgrade for a large effect (ratio measures only, point estimate)."""
    if g.effect_measure not in RATIO_MEASURES or g.estimate <= 0:
        return 0, ""
    size = max(g.estimate, 1 / g.estimate)
    if size > VERY_LARGE_EFFECT_RATIO:
        return (
            2,
            f"{g.effect_measure} {_num(g.estimate)} "
            f"(rule: above {VERY_LARGE_EFFECT_RATIO:g} or below 1/{VERY_LARGE_EFFECT_RATIO:g}).",
        )
    if size > LARGE_EFFECT_RATIO:
        return (
            1,
            f"{g.effect_measure} {_num(g.estimate)} "
            f"(rule: above {LARGE_EFFECT_RATIO:g} or below 1/{LARGE_EFFECT_RATIO:g}).",
        )
    return 0, ""


def rule_dose_response(g: GradeInput) -> tuple[int, str]:
    """The reviewer's dose-response judgement (+1) with its reason."""
    return (1, g.dose_response_reason) if g.dose_response else (0, "")


def rule_opposing_confounding(g: GradeInput) -> tuple[int, str]:
    """The reviewer's judgement that all plausible confounding would reduce the effect (+1)."""
    return (1, g.opposing_confounding_reason) if g.opposing_confounding else (0, "")


RULES = {
    "risk_of_bias": rule_risk_of_bias,
    "inconsistency": rule_inconsistency,
    "indirectness": rule_indirectness,
    "imprecision": rule_imprecision,
    "publication_bias": rule_publication_bias,
    "large_effect": rule_large_effect,
    "dose_response": rule_dose_response,
    "opposing_confounding": rule_opposing_confounding,
}


def _status(domain: str, levels: int, explanation: str) -> str:
    if domain in UPGRADE_DOMAINS:
        return f"+{levels}" if levels else "none"
    if levels == 0 and explanation.startswith("Not assess"):
        return DOMAIN_NOT_ASSESSED
    if domain == "publication_bias":
        return "strongly suspected" if levels else "undetected"
    return CONCERN_LEVELS[levels]


def _validate(g: GradeInput) -> None:
    def fail(name: str, expected: str) -> CompendiumError:
        return CompendiumError(
            f"GRADE input for outcome {g.outcome!r}, field {name!r}: {getattr(g, name)!r}; expected {expected}"
        )

    if g.design not in START_LEVELS:
        raise fail("design", " or ".join(START_LEVELS))
    if g.k < 1:
        raise fail("k", "at least 1")
    if g.participants is not None and g.participants < 0:
        raise fail("participants", "a non-negative count or None (not reported)")
    if g.events is not None and (g.events < 0 or (g.participants is not None and g.events > g.participants)):
        raise fail("events", "between 0 and participants")
    if not g.ci_low <= g.estimate <= g.ci_high:
        raise fail("estimate", "between ci_low and ci_high")
    for name in ("share_not_low_rob", "share_high_rob"):
        if not 0.0 <= getattr(g, name) <= 1.0:
            raise fail(name, "a fraction between 0 and 1")
    if g.share_high_rob > g.share_not_low_rob:
        raise fail("share_high_rob", "no more than share_not_low_rob")
    if g.i2 is not None and not 0.0 <= g.i2 <= 100.0:
        raise fail("i2", "a percentage between 0 and 100")
    if not g.mid_smd > 0:
        raise fail("mid_smd", "a positive difference in standard deviations")
    if g.control_risk is not None and not 0.0 < g.control_risk < 1.0:
        raise fail("control_risk", "a risk between 0 and 1 (exclusive)")
    if not 0.0 < g.relative_risk_reduction < 1.0:
        raise fail("relative_risk_reduction", "a fraction between 0 and 1 (exclusive)")
    if g.indirectness not in (0, 1, 2):
        raise fail("indirectness", "0, 1 or 2 levels")
    for flag, reason in (
        ("indirectness", "indirectness_reason"),
        ("dose_response", "dose_response_reason"),
        ("opposing_confounding", "opposing_confounding_reason"),
    ):
        if getattr(g, flag) and not getattr(g, reason).strip():
            raise fail(reason, f"a written reason because {flag} is set")
    for domain, value in g.overrides.items():
        if domain in UPGRADE_DOMAINS and g.design != "observational":
            raise CompendiumError(
                f"GRADE input for outcome {g.outcome!r}, overrides[{domain!r}]: "
                "upgrades apply only to observational evidence"
            )
        if domain not in RULES:
            raise CompendiumError(
                f"GRADE input for outcome {g.outcome!r}, overrides: unknown domain {domain!r}; "
                f"expected one of {', '.join(RULES)}"
            )
        levels, reason = value
        if levels not in (0, 1, 2):
            raise CompendiumError(
                f"GRADE input for outcome {g.outcome!r}, overrides[{domain!r}]: {levels!r} levels; expected 0, 1 or 2"
            )
        if not str(reason).strip():
            raise CompendiumError(
                f"GRADE input for outcome {g.outcome!r}, overrides[{domain!r}]: an override needs a written reason"
            )


def effect_text(g: GradeInput, digits: int = 2) -> str:
    """e.g. ``MD -1.20 (95% CI -3.10 to 0.70)``."""
    interval = f"{g.ci_level:g}% CI {_num(g.ci_low, digits)} to {_num(g.ci_high, digits)}"
    return f"{g.effect_measure} {_num(g.estimate, digits)} ({interval})"


def grade_outcome(g: GradeInput | Mapping[str, object]) -> GradeResult:
    """Rate the certainty of evidence for one outcome (rules in the module docstring)."""
    if not isinstance(g, GradeInput):
        g = GradeInput.from_dict(g)
    _validate(g)
    ratings: list[DomainRating] = []
    for domain in DOWNGRADE_DOMAINS:
        ratings.append(_rate(g, domain, "down"))
    rated_down = sum(r.final for r in ratings)
    for domain in UPGRADE_DOMAINS:
        if g.design != "observational":
            ratings.append(DomainRating(domain, "up", 0, 0, "not applicable", ""))
            continue
        rating = _rate(g, domain, "up")
        if rated_down and rating.proposed and not rating.override_reason:
            rating = DomainRating(
                domain,
                "up",
                0,
                0,
                "none",
                f"Not credited because the evidence was rated down ({rating.explanation.rstrip('.')}).",
            )
        ratings.append(rating)
    start = START_LEVELS[g.design]
    level = start - rated_down + sum(r.final for r in ratings if r.direction == "up")
    singular, plural = DESIGN_LABELS[g.design]
    return GradeResult(
        outcome=g.outcome,
        design=g.design,
        start_level=start,
        level=min(4, max(1, level)),
        effect=effect_text(g),
        participants_studies=(
            f"{'not reported' if g.participants is None else g.participants} ({g.k} {singular if g.k == 1 else plural})"
        ),
        domains=tuple(ratings),
    )


def _rate(g: GradeInput, domain: str, direction: str) -> DomainRating:
    proposed, explanation = RULES[domain](g)
    final, reason = proposed, ""
    if domain in g.overrides:
        final, reason = g.overrides[domain][0], str(g.overrides[domain][1]).strip()
        if final == proposed:
            raise CompendiumError(
                f"GRADE input for outcome {g.outcome!r}, overrides[{domain!r}]: "
                f"equals the proposed {proposed}; remove it"
            )
        explanation = explanation or "Rule proposed no change."
    return DomainRating(domain, direction, proposed, final, _status(domain, final, explanation), explanation, reason)


def summary_of_findings(results: Sequence[GradeResult]) -> pd.DataFrame:
    """Summary-of-Findings table for stage 05: outcome, effect, participants_studies, certainty,
    certainty_symbols, footnotes (one row per outcome, in the given order)."""
    columns = ["outcome", "effect", "participants_studies", "certainty", "certainty_symbols", "footnotes"]
    return pd.DataFrame([r.to_dict() for r in results], columns=columns)


def grade_domains_table(results: Sequence[GradeResult]) -> pd.DataFrame:
    """Every domain rating of every outcome (long): outcome, domain, direction, proposed, final,
    status, explanation, override_reason."""
    rows = [{"outcome": r.outcome, **asdict(d)} for r in results for d in r.domains]
    columns = ["outcome", "domain", "direction", "proposed", "final", "status", "explanation", "override_reason"]
    return pd.DataFrame(rows, columns=columns)
