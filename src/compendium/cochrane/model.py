"""What a Cochrane review file holds, as read by :mod:`compendium.cochrane.readers`.

Names of the quantities follow ``compendium meta --json``: ``estimate, ci_low, ci_high, tau2, q,
df, q_pval, i2, z, pval`` (ratio measures on their natural scale, as RevMan prints them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the pooled quantities RevMan stores for an analysis or subgroup, in the order they are reported
RESULT_KEYS = ("estimate", "ci_low", "ci_high", "tau2", "q", "df", "q_pval", "i2", "z", "pval")
#: the quantities of a test for subgroup differences
SUBGROUP_TEST_KEYS = ("q", "df", "pval", "i2")
#: the quantities RevMan stores for each study of an analysis
STUDY_KEYS = ("estimate", "ci_low", "ci_high", "weight")
#: data types of an analysis (RevMan 5 outcome elements); "other" data are listed but never pooled
DATA_TYPES = ("dichotomous", "continuous", "generic_iv", "oe", "other")

Stored = dict[str, float | None]


@dataclass(frozen=True)
class StudyRow:
    """One study's data in one analysis (or subgroup).

    ``values`` holds what the file gives, with these names: ``events_1, total_1, events_2,
    total_2`` (dichotomous), ``mean_1, sd_1, total_1, mean_2, sd_2, total_2`` (continuous),
    ``yi, sei`` (generic inverse variance, on the analysis scale: log for ratios), ``oe, v`` (O-E);
    none for "other" data (text RevMan does not pool); a data package's arm-level row may also hold
    ``contrast_yi, contrast_sei`` (its GIV mean and SE), which are listed, not pooled.
    """

    study_id: str
    study: str
    values: dict[str, float | None]
    estimable: bool = True
    footnotes: tuple[str, ...] = ()
    line: int | None = None
    #: the file's own result for the study: estimate, ci_low, ci_high (natural scale), weight (percent)
    stored: Stored = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """A subgroup of an analysis (``number`` and ``name`` None for an analysis without subgroups)."""

    number: int | None
    name: str | None
    rows: tuple[StudyRow, ...]
    stored: Stored
    #: rows of the subgroup the file keeps out of its pooling, with the reason (``{"study", "reason"}``)
    left_out: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Analysis:
    """One RevMan analysis (an outcome of a comparison) with its settings and stored results."""

    comparison: int
    outcome: int
    name: str
    comparison_name: str
    data_type: str
    pooling: str
    measure: str
    random: bool
    ci_study: float
    ci_total: float
    swap_events: bool
    rows: tuple[StudyRow, ...]
    stored: Stored
    subgroups: tuple[Group, ...] = ()
    subgroup_test_stored: Stored | None = None
    #: the file's choice of pooled results: all (True), or none or subtotals only (False: RevMan 5
    #: ``TOTALS="NO"`` or ``"SUB"``, data package ``Overall estimates`` false); the engine pools anyway
    totals: bool = True
    analysis_id: str = ""
    log_scale: bool = False
    #: settings of the file the engine does not re-compute (said beside every result of the analysis)
    caveat: str = ""
    group_labels: tuple[str, str] = ("Experimental", "Control")
    #: rows the file keeps out of the whole analysis's pooling, with the reason (``{"study", "reason"}``)
    left_out: tuple[dict[str, str], ...] = ()


#: RevMan 5's RESULT codes of a risk-of-bias item -> the words its risk-of-bias tables print (Cochrane
#: Handbook 5.1, chapter 8, Table 8.5.d: "Yes" means low risk of bias); shown, never stored in their place
RM5_ROB1_RESULTS = {"YES": "Low risk", "NO": "High risk", "UNKNOWN": "Unclear risk"}


@dataclass(frozen=True)
class RiskOfBiasEntry:
    """One Cochrane RoB 1 judgement of a review file, as given (never converted to RoB 2).

    ``judgement`` is the file's own: RevMan 5's code (``YES``, ``NO``, ``UNKNOWN``) or a data
    package's words ("Low risk", "Not applicable"); :attr:`shown` is how RevMan prints it.
    """

    study_id: str
    study: str
    domain: str
    judgement: str
    support: str = ""
    #: for a domain judged per group of outcomes, the group's name as the file gives it (empty: study level)
    group: str = ""
    #: where in the file (without the file's name): RevMan 5's element, a data package's file, line and column
    locator: str = ""

    @property
    def shown(self) -> str:
        """The judgement in the words of RevMan's risk-of-bias tables."""
        return RM5_ROB1_RESULTS.get(self.judgement, self.judgement)


@dataclass(frozen=True)
class Review:
    """A review's title, DOI, studies (id -> name) and analyses; ``source_format`` says how it was stored."""

    title: str
    doi: str
    source: str
    source_format: str
    analyses: tuple[Analysis, ...]
    studies: dict[str, str] = field(default_factory=dict)
    study_years: dict[str, str] = field(default_factory=dict)
    revman_version: str = ""
    #: when the file was last modified, as it says (RevMan 5: MODIFIED; data package: the zip entry's date)
    modified: str = ""
    #: the file's Cochrane RoB 1 judgements, as given
    risk_of_bias: tuple[RiskOfBiasEntry, ...] = ()
    #: malformed risk-of-bias entries of the file, left out of ``risk_of_bias``: one message each, naming the
    #: file and the element or line (they never stop a re-analysis; the importer lists them)
    risk_of_bias_problems: tuple[str, ...] = ()
