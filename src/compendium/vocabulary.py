"""Words and codes shared by the stages, the engines and the report, defined once.

Risk-of-bias and GRADE words and the judgement palette live in :mod:`compendium.bias.vocabulary`;
this module holds what every area uses: stage names, effect measures, evidence streams and the
order in which mouse sexes are shown. It imports nothing from the package, so any module may
import it.

Examples
--------
>>> from compendium.vocabulary import RATIO_MEASURES, null_value
>>> "OR" in RATIO_MEASURES, null_value("OR"), null_value("MD")
(True, 1.0, 0.0)
"""

from __future__ import annotations

# --- stages ----------------------------------------------------------------------------------------
INGEST = "01_ingest"
RISK_OF_BIAS = "02_risk_of_bias"
META_ANALYSIS = "03_meta_analysis"
MENDELIAN_RANDOMIZATION = "04_mendelian_randomization"
CONSENSUS_REPORT = "05_consensus_report"
#: the stage notebooks in the order they run
STAGES: tuple[str, ...] = (INGEST, RISK_OF_BIAS, META_ANALYSIS, MENDELIAN_RANDOMIZATION, CONSENSUS_REPORT)

# --- effect measures -------------------------------------------------------------------------------
#: measures on the ratio scale: analysed as logarithms, shown back-transformed, no effect at 1.
#: RR, OR (risk and odds ratios), HR (hazard ratio), IRR (incidence rate ratio), ROM (ratio of
#: means), SMR / SIR / PMR (standardised mortality / incidence ratio, proportionate mortality ratio)
RATIO_MEASURES: frozenset[str] = frozenset({"RR", "OR", "HR", "IRR", "ROM", "SMR", "SIR", "PMR"})
#: measures of a continuous outcome on the difference scale (mean and standardised mean difference)
CONTINUOUS_MEASURES: frozenset[str] = frozenset({"MD", "SMD"})


def null_value(measure: str | None) -> float:
    """The no-effect value of ``measure``: 1 for a ratio measure, 0 for a difference.

    Parameters
    ----------
    measure : str or None
        An effect-measure code such as ``"OR"`` or ``"MD"``; ``None`` counts as a difference.

    Returns
    -------
    float

    Examples
    --------
    >>> null_value("HR"), null_value("SMD")
    (1.0, 0.0)
    """
    return 1.0 if measure in RATIO_MEASURES else 0.0


# --- questions -------------------------------------------------------------------------------------
RISK = "risk"
TREATMENT = "treatment"
#: outcome code of the risk question's results: the pooled observational analyses (stage 03) and
#: the published reviews' risk results (``review_results.outcome``); the review declares it under
#: ``outcomes`` with its own label (the ALS review: "ALS risk")
CONDITION_RISK = "condition_risk"
#: colour of each question in figures (Okabe-Ito blue and orange, colour-blind safe)
QUESTION_COLOURS: dict[str, str] = {RISK: "#0072B2", TREATMENT: "#E69F00"}

# --- evidence streams ------------------------------------------------------------------------------
RCT = "rct"
NON_RANDOMISED = "non_randomised"
REVIEW = "review"
OBSERVATIONAL_ATHLETES = "observational_athletes"
OBSERVATIONAL_GENERAL = "observational_general"
MR_PRIMARY = "mendelian_randomization"
MR_META_ANALYSIS = "mr_meta_analysis"
PRECLINICAL = "preclinical"
#: the evidence streams (``studies.stream``) in the order they are shown everywhere
STREAM_ORDER: tuple[str, ...] = (
    RCT,
    NON_RANDOMISED,
    REVIEW,
    OBSERVATIONAL_ATHLETES,
    OBSERVATIONAL_GENERAL,
    MR_PRIMARY,
    MR_META_ANALYSIS,
    PRECLINICAL,
)
# generic default labels of the streams; a review replaces any of them in ``review.yaml``
# (``stream_labels``; :meth:`compendium.review.Review.stream_label`)
#: a stream as a table label (the triangulation table's ``stream_label``)
STREAM_LABELS: dict[str, str] = {
    RCT: "Randomised trials",
    NON_RANDOMISED: "Non-randomised intervention studies",
    REVIEW: "Published reviews",
    OBSERVATIONAL_ATHLETES: "Observational: athletes",
    OBSERVATIONAL_GENERAL: "Observational: general population",
    MR_PRIMARY: "Mendelian randomization (primary studies)",
    MR_META_ANALYSIS: "MR meta-analysis (reuses the primary MR studies; not counted separately)",
    PRECLINICAL: "Preclinical: animal models",
}
#: a stream as an axis label of a figure (short; line breaks where a label would be too wide)
STREAM_SHORT_LABELS: dict[str, str] = {
    RCT: "Randomised trials",
    NON_RANDOMISED: "Non-randomised\nintervention studies",
    REVIEW: "Reviews",
    OBSERVATIONAL_ATHLETES: "Observational:\nathletes",
    OBSERVATIONAL_GENERAL: "Observational:\ngeneral population",
    MR_PRIMARY: "MR, primary studies",
    MR_META_ANALYSIS: "MR meta-analysis\n(reuses primary studies)",
    PRECLINICAL: "Animal models",
}
#: a stream in running text ("... from randomised trials")
STREAM_TEXTS: dict[str, str] = {
    RCT: "randomised trials",
    NON_RANDOMISED: "non-randomised intervention studies",
    REVIEW: "published reviews",
    OBSERVATIONAL_ATHLETES: "observational studies of athletes",
    OBSERVATIONAL_GENERAL: "observational studies of the general population",
    MR_PRIMARY: "Mendelian randomization studies",
    MR_META_ANALYSIS: "meta-analyses of MR studies",
    PRECLINICAL: "animal studies",
}

# --- preclinical studies ---------------------------------------------------------------------------
#: ``preclinical.sex`` codes in the order tables and figures show them
MOUSE_SEX_ORDER: tuple[str, ...] = ("female", "male", "both", "not_reported")
