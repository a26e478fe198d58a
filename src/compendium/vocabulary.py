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

from collections.abc import Mapping

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

#: the streams of the risk question's triangulation (stage 04), in display order
TRIANGULATION_STREAMS: tuple[str, ...] = (
    MR_PRIMARY,
    MR_META_ANALYSIS,
    OBSERVATIONAL_ATHLETES,
    OBSERVATIONAL_GENERAL,
    PRECLINICAL,
)

# --- directions of an effect -----------------------------------------------------------------------
# (the rules that give a result its direction: :mod:`compendium.evidence.direction`)
HARM = "harm"
BENEFIT = "benefit"
NULL = "null"
BOTH = "both"
NONE = "none"
#: directions in display order
DIRECTIONS: tuple[str, ...] = (HARM, NULL, BENEFIT, BOTH, NONE)
#: ``preclinical.direction`` (data package vocabulary) -> direction code
PRECLINICAL_DIRECTIONS: dict[str, str] = {"benefit": BENEFIT, "no_effect": NULL, "harm": HARM, "mixed": BOTH}


def direction_texts(condition: str) -> dict[str, dict[str, str]]:
    """Direction -> display text, for human evidence (risk of ``condition``, the review's
    ``condition.noun``) and for mouse experiments (disease course).

    Parameters
    ----------
    condition : str
        The review's condition noun.

    Returns
    -------
    dict
        ``{"human": {direction: text}, "mouse": {direction: text}}``.

    Examples
    --------
    >>> direction_texts("gout")["human"][HARM]
    'higher gout risk'
    """
    return {
        "human": {
            HARM: f"higher {condition} risk",
            BENEFIT: f"lower {condition} risk",
            NULL: "no clear association",
            BOTH: "both directions",
            NONE: "not estimable",
        },
        "mouse": {
            HARM: "harm (earlier onset or shorter survival)",
            BENEFIT: "benefit (later onset or longer survival)",
            NULL: "no clear effect",
            BOTH: "both directions",
            NONE: "not estimable",
        },
    }


# --- published Mendelian randomization studies -----------------------------------------------------
# (the MR summary's rules: :mod:`compendium.evidence.published_mr`)
#: roles of a result in the MR summary (``mr_estimates.role`` of stage 04)
MR_ROLE_PRIMARY, MR_ROLE_META_ANALYSIS, MR_ROLE_USER_SUPPLIED = "primary", "meta_analysis", "user_supplied"
#: roles in the MR summary in display order, with their labels
MR_ROLE_LABELS: dict[str, str] = {
    MR_ROLE_PRIMARY: "Primary MR studies",
    MR_ROLE_META_ANALYSIS: "MR meta-analysis (reuses the primary studies; shown separately, never pooled with them)",
    MR_ROLE_USER_SUPPLIED: "User-supplied SNP table (computed here; not published evidence)",
}
#: method codes (``mr_estimates`` vocabulary plus the engine's simple median) and labels
PUBLISHED_MR_METHOD_LABELS: dict[str, str] = {
    "ivw_random": "IVW (random effects)",
    "ivw": "IVW",
    "ivw_fixed": "IVW (fixed effect)",
    "meta_analysis": "Meta-analysis of MR estimates",
    "mr_egger": "MR-Egger",
    "weighted_median": "Weighted median",
    "simple_median": "Simple median",
    "weighted_mode": "Weighted mode",
    "mr_presso": "MR-PRESSO",
    "not_reported": "Method not reported",
}
#: value of no effect for each measure of an MR result
MR_NULL_VALUES: dict[str, float] = {"OR": 1.0, "beta": 0.0}


def exposure_label(category: str, labels: Mapping[str, str] | None = None) -> str:
    """The display label of an exposure category: its entry in ``labels`` (the review's declared
    labels, :attr:`compendium.review.Review.exposure_labels`), else the code in words.

    Parameters
    ----------
    category : str
        An exposure category code.
    labels : mapping, optional
        The review's labels of exposure categories.

    Returns
    -------
    str

    Examples
    --------
    >>> exposure_label("mvpa", {"mvpa": "Moderate-to-vigorous activity"}), exposure_label("coffee_intake")
    ('Moderate-to-vigorous activity', 'Coffee intake')
    """
    return (labels or {}).get(str(category), str(category).replace("_", " ").capitalize())


# --- preclinical studies ---------------------------------------------------------------------------
#: ``preclinical.sex`` codes in the order tables and figures show them
MOUSE_SEX_ORDER: tuple[str, ...] = ("female", "male", "both", "not_reported")
