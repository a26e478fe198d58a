"""The review declaration: everything specific to one review, read from ``review.yaml``.

The pipeline's code is generic; the question, the words used in labels, the outcome vocabulary,
the time windows, the subgroup variable, the effect measures and the report's prose come from the
declaration. :func:`load_review` reads it (through :func:`compendium.yaml_io.read_yaml`) and checks
every field, naming the field in the message (``review.yaml, field 'outcomes[3].range': expected
..., got ...``).

Fields (``*`` = required)
-------------------------
``title``\\*                 report title
``description``             one paragraph under the title
``intervention.noun``\\*     word for the intervention in labels ("exercise")
``comparator.noun``\\*       word for the comparator in labels ("control")
``condition.noun``          the condition of the risk question in labels ("ALS": "physical activity increases ALS risk")
``exposure.noun``           word for the exposure of the risk question in labels ("physical activity": what the
                            observational and MR studies measured); default: ``intervention.noun``
``questions``\\*             list of ``{id, text, streams}``; ``id`` is the question's role, ``treatment``
                            (answered from trials by stage 03) or ``risk`` (answered by triangulation in
                            stage 04), and the value of ``studies.question``; ``streams`` are
                            ``studies.stream`` values; optional ``asks``: ``benefit`` | ``harm`` | ``effect``
                            (what the answer looks for; default ``benefit`` when an outcome declares
                            ``higher_is_better``, else ``effect``); optional ``population`` and ``setting``
                            (the header of the question's Summary of findings table; "not stated" without)
``evidence_searched``       date of the last search for evidence (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); the
                            plain language summary says "not stated" without it
``intervention_types``      vocabulary of ``trials.intervention_type`` (filled into the data package)
``exposure_categories``     vocabulary of the exposure classes of the risk streams (``observational`` and
                            ``mr_estimates.exposure_category``), in display order; empty: any text. An entry
                            is an id or ``{id, label, words}``: ``label`` is the category's display label
                            (default: the id in words), ``words`` are words that name the category in a
                            published review's subgroup text (``review_results.subgroup``), besides the id in
                            words; a subgroup is matched to the first category, in declared order, one of
                            whose words starts a word of the text ("athlete" finds "athletes")
``indirect_exposures``      list of ``{category, reason}``: exposure categories that measure the exposure only
                            indirectly; GRADE rates a risk analysis that includes one down for indirectness
                            (one level), with the declared ``reason`` as the explanation
``overlapping_populations`` list of ``{population, studies}``: reports (``studies.study_id``, at least two) whose
                            study populations overlap; at most one of them (most cases, then most recent)
                            enters a risk analysis. A listed study that is not in ``studies.csv`` stops
                            stage 03 with an error naming the field
``stream_labels``           ``{stream: {label, short, text}}`` (stream one of
                            :data:`compendium.vocabulary.STREAM_ORDER`): the stream's label in tables
                            (``label``), on figure axes (``short``) and in running text (``text``); each
                            replaces the generic default (:mod:`compendium.vocabulary`)
``risk_outcomes``           vocabulary of the outcomes of the observational risk-of-bias judgements
                            (``observational_rob.outcome``); empty: any text
``outcomes``\\*              list of ``{id, label, unit, higher_is_better, surrogate, surrogate_note, safety, range,
                            compared_with}``: the outcome vocabulary (filled into every outcome column of the
                            data package); ``higher_is_better`` may be omitted (direction given per data row);
                            ``safety: true`` marks the adverse-event outcome of the safety sentence;
                            ``range: [low, high]`` only where the outcome is one instrument;
                            ``compared_with``: our outcome ids that answer a published review's result on this
                            outcome, in order of preference (default: the outcome itself); the id
                            ``condition_risk`` (:data:`compendium.vocabulary.CONDITION_RISK`) is the outcome of
                            the risk question's pooled analyses and review results; ``importance``:
                            ``critical`` | ``important`` (critical outcomes first in Summary of findings);
                            ``assumed_risk``: the comparator risk (0-1, event outcomes) or mean of the absolute
                            effects (default: the median of the included studies' control groups); ``mid``: the
                            minimal important difference on the pooled measure's scale (GRADE imprecision);
                            ``comparison``: the id of its comparison (needed when more than one is declared);
                            ``pooling``: ``{method, measure, model}``, the outcome's own pooling settings as
                            RevMan 5 states them (``method`` MH | IV | Peto, ``measure`` RR | OR | RD | PETO_OR |
                            MD | SMD, ``model`` fixed | random; random effects are DerSimonian-Laird's). Stage 03
                            pools the outcome so unless ``tau2_method`` or ``test`` is given explicitly
                            (:class:`Pooling`); ``compendium init --from`` writes them from the review file
``comparisons``             list of ``{id, label, intervention: {noun}, comparator: {noun}}``: the review's
                            comparisons (a Cochrane review has several under one question); each outcome names
                            its comparison (``outcomes[].comparison``), and the Summary of findings has one
                            table per comparison. Omitted: one comparison, of ``intervention`` with
                            ``comparator`` (id :data:`SINGLE_COMPARISON`); ``label`` defaults to
                            "<intervention> versus <comparator>"
``time_windows``            list of ``{label, upper_weeks}`` (inclusive upper bound; the last may omit it:
                            open); ``[]`` or omitted: no windows, every time point pooled together
``subgroup``                subgroup variable of the trial analyses (a ``trials`` column) or empty
``continuous_measure``      ``auto`` (MD on one instrument, else SMD) | ``MD`` | ``SMD``
``dichotomous_measure``     ``RR`` | ``OR`` | ``RD``, or a list of them (``[RR, OR, RD]``): each is pooled and
                            shown; the first drives the answer and the Summary of findings. Trials with no
                            events (or only events) in both arms are not estimable for RR or OR, but are for RD
``stages``                  the stage notebooks to run, in order
``rob_summary_outcomes``    outcomes, in order of preference, of the one-result-per-trial risk-of-bias
                            figures (default: every outcome, in declared order)
``report``                  ``notice``, ``guidance_notice``, ``limitations`` (list of sentences),
                            ``guidance_topics`` (list of ``{id, title}`` for ``data/raw/guidance.csv``)
``schema_version``          the version of the engine's schemas the folder was written for
                            (:data:`compendium.schemas.SCHEMA_VERSION`; omitted: 1, a folder made by
                            compendium 0.1.0); ``compendium upgrade`` moves it to the running engine's
``engine``                  the engine version the folder is pinned to (written by ``compendium init``)
``authors``                 who made the compendium (``CITATION.cff``): list of ``{name}`` (a person's or a
                            group's), optionally with ``orcid`` and ``affiliation``
``repository``              optional URL of the compendium's repository (``CITATION.cff``)

Examples
--------
>>> from compendium.review import parse_review
>>> review = parse_review({"title": "T", "intervention": {"noun": "education"}, "comparator": {"noun": "usual care"},
...                        "questions": [{"id": "treatment", "text": "Does it work?", "streams": ["rct"]}],
...                        "outcomes": [{"id": "days_off", "label": "days off work", "unit": "days",
...                                      "higher_is_better": False}]})
>>> review.vs
'education vs usual care'
>>> review.time_windows
()
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from compendium.errors import CompendiumError
from compendium.vocabulary import STREAM_LABELS, STREAM_ORDER, STREAM_SHORT_LABELS, STREAM_TEXTS
from compendium.yaml_io import read_yaml

REVIEW_FILE = "review.yaml"
#: the question roles the stages answer: ``treatment`` from trials (stage 03), ``risk`` by triangulation (stage 04)
QUESTION_ROLES = ("treatment", "risk")
#: what a question asks about: a benefit of the intervention, a harm of it, or its effect either way
QUESTION_ASKS = ("benefit", "harm", "effect")
#: GRADE importance of an outcome (critical outcomes come first in a Summary of findings table)
OUTCOME_IMPORTANCE = ("critical", "important")
_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
CONTINUOUS_MEASURES = ("auto", "MD", "SMD")
DICHOTOMOUS_MEASURES = ("RR", "OR", "RD")
DEFAULT_STAGES = (
    "01_ingest",
    "02_risk_of_bias",
    "03_meta_analysis",
    "04_mendelian_randomization",
    "05_consensus_report",
)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: the id of the one comparison of a review that declares no ``comparisons``
SINGLE_COMPARISON = "main"
#: RevMan 5's pooling methods, the measures each pools, and its models (``outcomes[].pooling``)
POOLING_METHOD_MEASURES = {
    "MH": ("RR", "OR", "RD"),
    "Peto": ("PETO_OR",),
    "IV": ("RR", "OR", "RD", "MD", "SMD"),
}
POOLING_MODELS = ("fixed", "random")
_STAGE = re.compile(r"^[0-9]{2}_[a-z0-9_]+$")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    streams: tuple[str, ...]
    asks: str = "effect"  # one of QUESTION_ASKS; parse_review fills the default from the outcomes
    population: str = ""
    setting: str = ""


@dataclass(frozen=True)
class Pooling:
    """An outcome's declared pooling settings, as RevMan 5 states them for its analysis.

    ``method``: ``MH`` (Mantel-Haenszel), ``IV`` (inverse variance) or ``Peto``; ``measure``: ``RR``,
    ``OR``, ``RD``, ``PETO_OR``, ``MD`` or ``SMD``; ``model``: ``fixed`` or ``random`` (random effects:
    DerSimonian and Laird's tau2, heterogeneity about the fixed-effect estimate of the method, z-based
    intervals: :mod:`compendium.meta.revman`).
    """

    method: str
    measure: str
    model: str

    @property
    def random(self) -> bool:
        return self.model == "random"

    @property
    def events_measure(self) -> str:
        """The measure of the outcome's events the pooling answers in (a Peto odds ratio is an ``OR``)."""
        return "OR" if self.measure == "PETO_OR" else self.measure

    @property
    def tau2_method(self) -> str | None:
        """RevMan 5's tau2 estimator: DL for random effects, none for a fixed effect."""
        return "DL" if self.random else None

    def describe(self) -> str:
        """'MH, OR, random effects (DerSimonian-Laird), z test'."""
        names = {"MH": "Mantel-Haenszel", "IV": "inverse variance", "Peto": "Peto"}
        model = "random effects (DerSimonian-Laird)" if self.random else "fixed effect"
        measure = "odds ratio" if self.measure == "PETO_OR" else self.measure
        return f"{names[self.method]} {measure}, {model}, z-based interval"


@dataclass(frozen=True)
class Comparison:
    """One comparison of the review: its id, label and the nouns of its two sides."""

    id: str
    label: str
    intervention: str
    comparator: str


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    unit: str = ""
    higher_is_better: bool | None = None
    surrogate: bool = False
    surrogate_note: str = ""
    safety: bool = False
    range: tuple[float, float] | None = None
    compared_with: tuple[str, ...] = ()
    importance: str = ""  # one of OUTCOME_IMPORTANCE, or "" when not declared
    assumed_risk: float | None = None  # comparator risk (0-1) for events, comparator mean otherwise
    mid: float | None = None  # minimal important difference, on the scale of the pooled measure
    comparison: str = SINGLE_COMPARISON  # the id of the outcome's comparison
    pooling: Pooling | None = None  # declared pooling settings (RevMan's), None: the stage's parameters


@dataclass(frozen=True)
class TimeWindow:
    label: str
    upper_weeks: float  # inclusive; math.inf for the open last window


@dataclass(frozen=True)
class Author:
    """An author of the compendium (``CITATION.cff``): a person's or a group's ``name``."""

    name: str
    orcid: str = ""
    affiliation: str = ""


@dataclass(frozen=True)
class GuidanceTopic:
    id: str
    title: str


@dataclass(frozen=True)
class ExposureCategory:
    id: str
    label: str  # display label
    #: lower-case words that name it in a published review's subgroup text (the last: the id in words)
    words: tuple[str, ...]


@dataclass(frozen=True)
class IndirectExposure:
    category: str
    reason: str


@dataclass(frozen=True)
class OverlappingPopulation:
    population: str
    studies: tuple[str, ...]


@dataclass(frozen=True)
class StreamLabel:
    stream: str
    label: str  # in tables ("Preclinical: animal models")
    short: str  # on figure axes ("Animal models")
    text: str  # in running text ("animal studies")


def default_stream_label(stream: str) -> StreamLabel:
    """The generic labels of an evidence stream (:mod:`compendium.vocabulary`; the id in words for
    a stream it does not know)."""
    words = stream.replace("_", " ")
    return StreamLabel(
        stream,
        STREAM_LABELS.get(stream, words.capitalize()),
        STREAM_SHORT_LABELS.get(stream, words.capitalize()),
        STREAM_TEXTS.get(stream, words),
    )


@dataclass(frozen=True)
class ReportText:
    notice: str = ""
    guidance_notice: str = ""
    limitations: tuple[str, ...] = ()
    guidance_topics: tuple[GuidanceTopic, ...] = ()


@dataclass(frozen=True)
class Review:
    """A validated review declaration (module docstring lists the fields)."""

    title: str
    description: str
    intervention: str
    comparator: str
    condition: str
    exposure: str
    questions: tuple[Question, ...]
    intervention_types: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    time_windows: tuple[TimeWindow, ...]
    subgroup: str | None
    continuous_measure: str
    dichotomous_measures: tuple[str, ...]
    stages: tuple[str, ...]
    report: ReportText
    rob_summary_outcomes: tuple[str, ...] = ()
    exposure_categories: tuple[ExposureCategory, ...] = ()
    risk_outcomes: tuple[str, ...] = ()
    indirect_exposures: tuple[IndirectExposure, ...] = ()
    overlapping_populations: tuple[OverlappingPopulation, ...] = ()
    stream_labels: tuple[StreamLabel, ...] = ()  # the declared ones; see :meth:`stream_label`
    evidence_searched: str = ""  # date of the last search for evidence (YYYY, YYYY-MM or YYYY-MM-DD), "" if not stated
    authors: tuple[Author, ...] = ()
    repository: str = ""
    source: str = REVIEW_FILE
    schema_version: int = 1
    engine: str = ""
    declared_comparisons: tuple[Comparison, ...] = ()  # as declared; see :attr:`comparisons`

    @property
    def dichotomous_measure(self) -> str:
        """The first declared dichotomous measure: the one of the answer and the Summary of findings."""
        return self.dichotomous_measures[0]

    def dichotomous_measure_for(self, outcome_id: str) -> str:
        """The measure of an outcome's events that answers: its declared pooling's (a Peto OR is an OR)
        when that is a dichotomous measure, else the review's first declared one."""
        outcome = self.outcome(outcome_id)
        pooling = outcome.pooling if outcome else None
        if pooling is not None and pooling.events_measure in DICHOTOMOUS_MEASURES:
            return pooling.events_measure
        return self.dichotomous_measure

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """The declared comparisons, or the review's one comparison (id :data:`SINGLE_COMPARISON`)."""
        if self.declared_comparisons:
            return self.declared_comparisons
        label = f"{self.intervention} versus {self.comparator}"
        return (Comparison(SINGLE_COMPARISON, label[:1].upper() + label[1:], self.intervention, self.comparator),)

    def comparison_of(self, outcome_id: str) -> Comparison:
        """The comparison an outcome belongs to (the first one for an id that is not a declared outcome)."""
        outcome = self.outcome(outcome_id)
        for comparison in self.comparisons:
            if outcome is not None and comparison.id == outcome.comparison:
                return comparison
        return self.comparisons[0]

    def declared_pooling(self) -> dict[str, Pooling]:
        """Outcome id -> its declared pooling settings (only the outcomes that declare them)."""
        return {o.id: o.pooling for o in self.outcomes if o.pooling is not None}

    @property
    def vs(self) -> str:
        """``"exercise vs control"``."""
        return f"{self.intervention} vs {self.comparator}"

    @property
    def question_texts(self) -> dict[str, str]:
        """question id -> text, in declared order."""
        return {q.id: q.text for q in self.questions}

    @property
    def outcome_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.outcomes)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    @property
    def outcome_labels(self) -> dict[str, str]:
        """outcome id -> its declared label, in declared order."""
        return {o.id: o.label for o in self.outcomes}

    def outcome_label(self, outcome_id: str) -> str:
        found = self.outcome(outcome_id)
        return found.label if found else str(outcome_id).replace("_", " ")

    def compared_codes(self, outcome_id: str) -> tuple[str, ...]:
        """Our outcome ids that answer a published review's result on ``outcome_id`` (its
        ``compared_with``, else the outcome itself)."""
        found = self.outcome(outcome_id)
        return found.compared_with if found and found.compared_with else (str(outcome_id),)

    @property
    def surrogates(self) -> dict[str, str]:
        """surrogate outcome code -> its note (GRADE indirectness)."""
        return {o.id: o.surrogate_note for o in self.outcomes if o.surrogate}

    def question_for_role(self, role: str) -> Question | None:
        """The declared question with id ``role`` (``treatment`` or ``risk``), None when the review does not ask it."""
        return next((q for q in self.questions if q.id == role), None)

    @property
    def mids(self) -> dict[str, float]:
        """outcome code -> its declared minimal important difference (GRADE imprecision)."""
        return {o.id: o.mid for o in self.outcomes if o.mid is not None}

    @property
    def safety_outcomes(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.outcomes if o.safety)

    def has_stage(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def exposure_category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.exposure_categories)

    @property
    def exposure_labels(self) -> dict[str, str]:
        """exposure category -> display label, in declared order."""
        return {c.id: c.label for c in self.exposure_categories}

    @property
    def exposure_words(self) -> dict[str, tuple[str, ...]]:
        """exposure category -> the words that name it in a published review's subgroup text, in declared order."""
        return {c.id: c.words for c in self.exposure_categories}

    @property
    def indirect_exposure_reasons(self) -> dict[str, str]:
        """indirect exposure category -> the reason (GRADE indirectness)."""
        return {i.category: i.reason for i in self.indirect_exposures}

    @property
    def population_groups(self) -> dict[str, tuple[str, ...]]:
        """overlapping population -> its reports' study ids."""
        return {p.population: p.studies for p in self.overlapping_populations}

    def stream_label(self, stream: str) -> StreamLabel:
        """The labels of an evidence stream: the declared ones, else the generic defaults of
        :mod:`compendium.vocabulary` (the id in words for a stream it does not know)."""
        declared = next((s for s in self.stream_labels if s.stream == stream), None)
        return declared or default_stream_label(stream)

    def stream_labels_of(self, kind: Literal["label", "short", "text"]) -> dict[str, str]:
        """stream -> its ``label``, ``short`` or ``text`` (:meth:`stream_label`), every known stream in
        :data:`compendium.vocabulary.STREAM_ORDER`."""
        return {stream: getattr(self.stream_label(stream), kind) for stream in STREAM_ORDER}


# --- validation -----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, field: str, expected: str, got: object) -> CompendiumError:
        return CompendiumError(f"{self.source}, field {field!r}: expected {expected}, got {got!r}")

    def text(self, value: object, field: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(field, "a non-empty text" if required else "a text", value)
        return value.strip()

    def identifier(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(field, "an identifier of lower-case letters, digits and '_' starting with a letter", value)
        return value

    def mapping(self, value: object, field: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(field, "a mapping (key: value)", value)
        return value

    def sequence(self, value: object, field: str, *, required: bool = False) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.fail(field, "a non-empty list" if required else "a list", value)
        return value

    def flag(self, value: object, field: str, default: bool | None) -> bool | None:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(field, "true or false", value)
        return value

    def number(self, value: object, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            raise self.fail(field, "a finite number", value)
        return float(value)

    def choice(self, value: object, field: str, options: tuple[str, ...], default: str) -> str:
        if value is None:
            return default
        if value not in options:
            raise self.fail(field, "one of " + ", ".join(options), value)
        return str(value)

    def stream(self, value: object, field: str) -> str:
        """An evidence stream of :data:`compendium.vocabulary.STREAM_ORDER` (the values of ``studies.stream``)."""
        if not isinstance(value, str) or value not in STREAM_ORDER:
            raise self.fail(field, "an evidence stream, one of " + ", ".join(STREAM_ORDER), value)
        return value

    def unique(self, ids: list[str], field: str, key: str | None = "id") -> None:
        """Refuse a value of ``key`` (ids, labels; None: the items themselves) used twice in a list."""
        seen = set()
        where, noun = ("", "a value") if key is None else (f".{key}", f"{'an' if key == 'id' else 'a'} {key}")
        for i, item in enumerate(ids):
            if item in seen:
                raise self.fail(f"{field}[{i}]{where}", f"{noun} not used before in the list", item)
            seen.add(item)

    def given(self, mapping: dict, key: str, default: object) -> object:
        """``mapping[key]``, or ``default`` when the key is absent or null. A value that is given is
        returned as it is (an empty string or list included), so the caller's type check refuses a
        wrong type instead of replacing it silently with the default."""
        value = mapping.get(key)
        return default if value is None else value

    def optional_text(self, mapping: dict, key: str, field: str) -> str:
        """An optional text: "" when absent or null; when given, a non-empty text (an empty string
        given for it is refused: it would drop the text silently)."""
        return "" if mapping.get(key) is None else self.text(mapping[key], field)

    def keys(self, mapping: dict, allowed: tuple[str, ...], field: str) -> None:
        for key in mapping:
            if key not in allowed:
                raise self.fail(
                    f"{field}.{key}" if field else str(key), "one of the known keys " + ", ".join(allowed), key
                )


REVIEW_KEYS = (
    "authors",
    "repository",
    "title",
    "description",
    "intervention",
    "comparator",
    "condition",
    "exposure",
    "questions",
    "intervention_types",
    "outcomes",
    "time_windows",
    "subgroup",
    "continuous_measure",
    "dichotomous_measure",
    "stages",
    "report",
    "rob_summary_outcomes",
    "exposure_categories",
    "risk_outcomes",
    "indirect_exposures",
    "overlapping_populations",
    "stream_labels",
    "schema_version",
    "engine",
    "evidence_searched",
    "comparisons",
)
COMPARISON_KEYS = ("id", "label", "intervention", "comparator")
POOLING_KEYS = ("method", "measure", "model")
QUESTION_KEYS = ("id", "text", "streams", "asks", "population", "setting")
OUTCOME_KEYS = (
    "id",
    "label",
    "unit",
    "higher_is_better",
    "surrogate",
    "surrogate_note",
    "safety",
    "range",
    "compared_with",
    "importance",
    "assumed_risk",
    "mid",
    "comparison",
    "pooling",
)
REPORT_KEYS = ("notice", "guidance_notice", "limitations", "guidance_topics")


def _outcome(c: _Checker, raw: object, field: str) -> Outcome:
    item = c.mapping(raw, field)
    c.keys(item, OUTCOME_KEYS, field)
    value_range = None
    if item.get("range") is not None:
        bounds = item["range"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise c.fail(f"{field}.range", "[low, high], two numbers", bounds)
        low, high = (c.number(b, f"{field}.range") for b in bounds)
        if not low < high:
            raise c.fail(f"{field}.range", "low < high", bounds)
        value_range = (low, high)
    assumed_risk = None if item.get("assumed_risk") is None else c.number(item["assumed_risk"], f"{field}.assumed_risk")
    if assumed_risk is not None and item.get("unit") == "participants" and not 0 < assumed_risk < 1:
        raise c.fail(
            f"{field}.assumed_risk", "a risk between 0 and 1 for an outcome counted in participants", assumed_risk
        )
    mid = None if item.get("mid") is None else c.number(item["mid"], f"{field}.mid")
    if mid is not None and mid <= 0:
        raise c.fail(f"{field}.mid", "a positive number (the size of the smallest important difference)", mid)
    return Outcome(
        id=c.identifier(item.get("id"), f"{field}.id"),
        label=c.text(item.get("label"), f"{field}.label"),
        unit=c.text(item.get("unit"), f"{field}.unit", required=False),
        higher_is_better=c.flag(item.get("higher_is_better"), f"{field}.higher_is_better", None),
        surrogate=bool(c.flag(item.get("surrogate"), f"{field}.surrogate", False)),
        surrogate_note=c.text(item.get("surrogate_note"), f"{field}.surrogate_note", required=False),
        safety=bool(c.flag(item.get("safety"), f"{field}.safety", False)),
        range=value_range,
        compared_with=tuple(
            c.identifier(code, f"{field}.compared_with[{j}]")
            for j, code in enumerate(c.sequence(item.get("compared_with"), f"{field}.compared_with"))
        ),
        importance=c.choice(item.get("importance"), f"{field}.importance", OUTCOME_IMPORTANCE, ""),
        assumed_risk=assumed_risk,
        mid=mid,
        comparison=c.identifier(item["comparison"], f"{field}.comparison")
        if item.get("comparison") is not None
        else "",
        pooling=_pooling(c, item["pooling"], f"{field}.pooling") if item.get("pooling") is not None else None,
    )


def _pooling(c: _Checker, raw: object, field: str) -> Pooling:
    item = c.mapping(raw, field)
    c.keys(item, POOLING_KEYS, field)
    method = c.choice(item.get("method"), f"{field}.method", tuple(POOLING_METHOD_MEASURES), "")
    if not method:
        raise c.fail(f"{field}.method", "one of " + ", ".join(POOLING_METHOD_MEASURES), None)
    measures = POOLING_METHOD_MEASURES[method]
    measure = c.choice(item.get("measure"), f"{field}.measure", measures, "")
    if not measure:
        raise c.fail(f"{field}.measure", f"a measure {method} pools: " + ", ".join(measures), None)
    model = c.choice(item.get("model"), f"{field}.model", POOLING_MODELS, "")
    if not model:
        raise c.fail(f"{field}.model", "one of " + ", ".join(POOLING_MODELS), None)
    if method == "Peto" and model == "random":
        raise c.fail(f"{field}.model", "fixed: RevMan pools Peto odds ratios with a fixed effect only", model)
    return Pooling(method, measure, model)


def _comparisons(c: _Checker, raw: object, nouns: dict[str, str]) -> tuple[Comparison, ...]:
    comparisons = []
    for i, entry in enumerate(c.sequence(raw, "comparisons")):
        field = f"comparisons[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, COMPARISON_KEYS, field)
        sides = {}
        for side in ("intervention", "comparator"):
            words = c.mapping(c.given(item, side, {"noun": nouns[side]}), f"{field}.{side}")
            c.keys(words, ("noun",), f"{field}.{side}")
            sides[side] = c.text(words.get("noun"), f"{field}.{side}.noun")
        label = c.text(item.get("label"), f"{field}.label", required=False) or (
            f"{sides['intervention']} versus {sides['comparator']}"
        )
        comparisons.append(
            Comparison(c.identifier(item.get("id"), f"{field}.id"), label, sides["intervention"], sides["comparator"])
        )
    c.unique([x.id for x in comparisons], "comparisons")
    c.unique([x.label for x in comparisons], "comparisons", "label")
    return tuple(comparisons)


def _assign_comparisons(c: _Checker, outcomes: list[Outcome], comparisons: tuple[Comparison, ...]) -> list[Outcome]:
    """Each outcome's comparison: the one it names (a declared id), the only one, or an error naming the field."""
    ids = [x.id for x in comparisons] or [SINGLE_COMPARISON]
    out = []
    for i, outcome in enumerate(outcomes):
        if not outcome.comparison:
            if len(ids) > 1:
                raise c.fail(f"outcomes[{i}].comparison", "the id of one of the declared comparisons", None)
            outcome = replace(outcome, comparison=ids[0])
        elif outcome.comparison not in ids:
            raise c.fail(
                f"outcomes[{i}].comparison", "one of the declared comparisons: " + ", ".join(ids), outcome.comparison
            )
        out.append(outcome)
    return out


def _exposure_categories(c: _Checker, raw: object) -> tuple[ExposureCategory, ...]:
    categories = []
    for i, entry in enumerate(c.sequence(raw, "exposure_categories")):
        field = f"exposure_categories[{i}]"
        item = {"id": entry} if isinstance(entry, str) else c.mapping(entry, field)
        c.keys(item, ("id", "label", "words"), field)
        category = c.identifier(item.get("id"), f"{field}.id" if isinstance(entry, dict) else field)
        in_words = category.replace("_", " ")
        label = c.text(item["label"], f"{field}.label") if "label" in item else in_words.capitalize()
        declared = [
            c.text(word, f"{field}.words[{j}]").lower()
            for j, word in enumerate(c.sequence(item.get("words"), f"{field}.words"))
        ]
        categories.append(ExposureCategory(category, label, tuple(dict.fromkeys([*declared, in_words]))))
    c.unique([e.id for e in categories], "exposure_categories")
    return tuple(categories)


def _indirect_exposures(c: _Checker, raw: object, categories: tuple[str, ...]) -> tuple[IndirectExposure, ...]:
    indirect: list[IndirectExposure] = []
    for i, entry in enumerate(c.sequence(raw, "indirect_exposures")):
        field = f"indirect_exposures[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, ("category", "reason"), field)
        category = c.identifier(item.get("category"), f"{field}.category")
        if categories and category not in categories:
            raise c.fail(f"{field}.category", "a category declared under exposure_categories", category)
        if category in (e.category for e in indirect):
            raise c.fail(f"{field}.category", "a category not listed before", category)
        indirect.append(IndirectExposure(category, c.text(item.get("reason"), f"{field}.reason")))
    return tuple(indirect)


def _overlapping_populations(c: _Checker, raw: object) -> tuple[OverlappingPopulation, ...]:
    populations: list[OverlappingPopulation] = []
    for i, entry in enumerate(c.sequence(raw, "overlapping_populations")):
        field = f"overlapping_populations[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, ("population", "studies"), field)
        name = c.text(item.get("population"), f"{field}.population")
        if name in (p.population for p in populations):
            raise c.fail(f"{field}.population", "a population not listed before", name)
        listed = c.sequence(item.get("studies"), f"{field}.studies", required=True)
        if len(listed) < 2:
            raise c.fail(f"{field}.studies", "at least two study ids (reports that overlap)", listed)
        studies: list[str] = []
        for j, study in enumerate(listed):
            study_field = f"{field}.studies[{j}]"
            study_id = c.text(study, study_field)
            if study_id in studies or any(study_id in p.studies for p in populations):
                raise c.fail(study_field, "a study id in one population only, listed once", study_id)
            studies.append(study_id)
        populations.append(OverlappingPopulation(name, tuple(studies)))
    return tuple(populations)


def _dichotomous_measures(c: _Checker, raw: object) -> tuple[str, ...]:
    """``dichotomous_measure``: one measure or a non-empty list of different ones (default RR)."""
    if not isinstance(raw, list):
        return (c.choice(raw, "dichotomous_measure", DICHOTOMOUS_MEASURES, "RR"),)
    if not raw or None in raw:
        raise c.fail("dichotomous_measure", "a measure or a non-empty list of measures", raw)
    measures = tuple(c.choice(m, f"dichotomous_measure[{i}]", DICHOTOMOUS_MEASURES, "RR") for i, m in enumerate(raw))
    c.unique(list(measures), "dichotomous_measure", None)
    return measures


def _stream_labels(c: _Checker, raw: object) -> tuple[StreamLabel, ...]:
    labels = []
    for stream, entry in c.mapping({} if raw is None else raw, "stream_labels").items():
        field = f"stream_labels.{stream}"
        c.stream(stream, field)
        item = c.mapping(entry, field)
        c.keys(item, ("label", "short", "text"), field)
        default = default_stream_label(stream)
        labels.append(
            StreamLabel(
                stream,
                *(
                    c.text(item[kind], f"{field}.{kind}") if kind in item else getattr(default, kind)
                    for kind in ("label", "short", "text")
                ),
            )
        )
    return tuple(labels)


def _windows(c: _Checker, raw: object) -> tuple[TimeWindow, ...]:
    windows: list[TimeWindow] = []
    items = c.sequence(raw, "time_windows")
    for i, entry in enumerate(items):
        field = f"time_windows[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, ("label", "upper_weeks"), field)
        last = i == len(items) - 1
        if item.get("upper_weeks") is None and not last:
            raise c.fail(f"{field}.upper_weeks", "an upper bound in weeks (only the last window may be open)", None)
        upper = math.inf if item.get("upper_weeks") is None else c.number(item["upper_weeks"], f"{field}.upper_weeks")
        if upper <= 0:
            raise c.fail(f"{field}.upper_weeks", "a number of weeks above 0", item["upper_weeks"])
        if windows and upper <= windows[-1].upper_weeks:
            raise c.fail(
                f"{field}.upper_weeks",
                f"a bound above the previous window's {windows[-1].upper_weeks:g}",
                item["upper_weeks"],
            )
        windows.append(TimeWindow(c.text(item.get("label"), f"{field}.label"), upper))
    c.unique([w.label for w in windows], "time_windows", "label")
    if windows and math.isfinite(windows[-1].upper_weeks):
        windows.append(TimeWindow(f"over {windows[-1].upper_weeks:g} weeks", math.inf))
    return tuple(windows)


def _date(c: _Checker, value: object, field: str) -> str:
    """A declared date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` text ("" when absent); YAML dates accepted."""
    if value is None:
        return ""
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not _DATE.match(text):
        raise c.fail(field, "a date as YYYY, YYYY-MM or YYYY-MM-DD", value)
    return text


def parse_review(data: object, source: str = REVIEW_FILE) -> Review:
    """A :class:`Review` from the parsed YAML of a declaration; CompendiumError naming the field otherwise."""
    c = _Checker(source)
    if not isinstance(data, dict):
        raise CompendiumError(f"{source}: expected a mapping of the review's fields, got {type(data).__name__}")
    c.keys(data, REVIEW_KEYS, "")
    nouns = {}
    condition = c.mapping(c.given(data, "condition", {"noun": "the outcome"}), "condition")
    c.keys(condition, ("noun",), "condition")
    exposure = c.mapping(c.given(data, "exposure", {}), "exposure")
    c.keys(exposure, ("noun",), "exposure")
    for side in ("intervention", "comparator"):
        item = c.mapping(data.get(side), side)
        c.keys(item, ("noun",), side)
        nouns[side] = c.text(item.get("noun"), f"{side}.noun")
    questions = []
    for i, entry in enumerate(c.sequence(data.get("questions"), "questions", required=True)):
        field = f"questions[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, QUESTION_KEYS, field)
        streams = tuple(
            c.stream(s, f"{field}.streams[{j}]")
            for j, s in enumerate(c.sequence(item.get("streams"), f"{field}.streams"))
        )
        c.unique(list(streams), f"{field}.streams", None)
        question_id = c.choice(item.get("id"), f"{field}.id", QUESTION_ROLES, "")
        if not question_id:
            raise c.fail(f"{field}.id", "one of " + ", ".join(QUESTION_ROLES), None)
        questions.append(
            Question(
                question_id,
                c.text(item.get("text"), f"{field}.text"),
                streams,
                asks=c.choice(item.get("asks"), f"{field}.asks", QUESTION_ASKS, ""),
                population=c.text(item.get("population"), f"{field}.population", required=False),
                setting=c.text(item.get("setting"), f"{field}.setting", required=False),
            )
        )
    c.unique([q.id for q in questions], "questions")
    c.unique([q.text for q in questions], "questions", "text")
    outcomes = [
        _outcome(c, entry, f"outcomes[{i}]")
        for i, entry in enumerate(c.sequence(data.get("outcomes"), "outcomes", required=True))
    ]
    # a question that does not say what it asks asks about benefit when the outcomes say which side is better
    default_asks = "benefit" if any(o.higher_is_better is not None for o in outcomes) else "effect"
    questions = [q if q.asks else replace(q, asks=default_asks) for q in questions]
    c.unique([o.id for o in outcomes], "outcomes")
    c.unique([o.label for o in outcomes], "outcomes", "label")
    comparisons = _comparisons(c, data.get("comparisons"), nouns)
    outcomes = _assign_comparisons(c, outcomes, comparisons)
    declared = {o.id for o in outcomes}
    for i, outcome in enumerate(outcomes):
        for j, code in enumerate(outcome.compared_with):
            if code not in declared:
                raise c.fail(f"outcomes[{i}].compared_with[{j}]", "an outcome id declared under outcomes", code)
    types = tuple(
        c.identifier(t, f"intervention_types[{i}]")
        for i, t in enumerate(c.sequence(data.get("intervention_types"), "intervention_types"))
    )
    exposures = _exposure_categories(c, data.get("exposure_categories"))
    risk_outcomes = tuple(
        c.identifier(t, f"risk_outcomes[{i}]")
        for i, t in enumerate(c.sequence(data.get("risk_outcomes"), "risk_outcomes"))
    )
    subgroup = data.get("subgroup")
    if subgroup is not None:
        subgroup = c.identifier(subgroup, "subgroup")
    stages = tuple(c.sequence(c.given(data, "stages", list(DEFAULT_STAGES)), "stages", required=True))
    for i, stage in enumerate(stages):
        if not isinstance(stage, str) or not _STAGE.match(stage):
            raise c.fail(f"stages[{i}]", "a stage notebook name such as 03_meta_analysis", stage)
    if len(set(stages)) != len(stages):
        raise c.fail("stages", "each stage listed once", list(stages))
    report_raw = c.mapping(c.given(data, "report", {}), "report")
    c.keys(report_raw, REPORT_KEYS, "report")
    topics = []
    for i, entry in enumerate(c.sequence(report_raw.get("guidance_topics"), "report.guidance_topics")):
        field = f"report.guidance_topics[{i}]"
        item = c.mapping(entry, field)
        c.keys(item, ("id", "title"), field)
        topics.append(
            GuidanceTopic(c.identifier(item.get("id"), f"{field}.id"), c.text(item.get("title"), f"{field}.title"))
        )
    c.unique([t.id for t in topics], "report.guidance_topics")
    c.unique([t.title for t in topics], "report.guidance_topics", "title")
    report = ReportText(
        notice=c.optional_text(report_raw, "notice", "report.notice"),
        guidance_notice=c.optional_text(report_raw, "guidance_notice", "report.guidance_notice"),
        limitations=tuple(
            c.text(s, f"report.limitations[{i}]")
            for i, s in enumerate(c.sequence(report_raw.get("limitations"), "report.limitations"))
        ),
        guidance_topics=tuple(topics),
    )
    summary = tuple(
        c.identifier(o, f"rob_summary_outcomes[{i}]")
        for i, o in enumerate(c.sequence(data.get("rob_summary_outcomes"), "rob_summary_outcomes"))
    )
    for i, code in enumerate(summary):
        if code not in declared:
            raise c.fail(f"rob_summary_outcomes[{i}]", "an outcome id declared under outcomes", code)
    return Review(
        title=c.text(data.get("title"), "title"),
        description=c.text(data.get("description"), "description", required=False),
        intervention=nouns["intervention"],
        comparator=nouns["comparator"],
        condition=c.text(condition.get("noun"), "condition.noun"),
        exposure=c.text(exposure["noun"], "exposure.noun") if "noun" in exposure else nouns["intervention"],
        questions=tuple(questions),
        intervention_types=types,
        exposure_categories=exposures,
        risk_outcomes=risk_outcomes,
        indirect_exposures=_indirect_exposures(c, data.get("indirect_exposures"), tuple(e.id for e in exposures)),
        overlapping_populations=_overlapping_populations(c, data.get("overlapping_populations")),
        stream_labels=_stream_labels(c, data.get("stream_labels")),
        outcomes=tuple(outcomes),
        time_windows=_windows(c, data.get("time_windows")),
        subgroup=subgroup,
        continuous_measure=c.choice(data.get("continuous_measure"), "continuous_measure", CONTINUOUS_MEASURES, "auto"),
        dichotomous_measures=_dichotomous_measures(c, data.get("dichotomous_measure")),
        stages=stages,
        report=report,
        rob_summary_outcomes=summary or tuple(o.id for o in outcomes),
        evidence_searched=_date(c, data.get("evidence_searched"), "evidence_searched"),
        authors=_authors(c, data.get("authors")),
        repository=c.text(data.get("repository"), "repository", required=False),
        source=source,
        schema_version=_schema_version(c, data.get("schema_version")),
        engine=c.text(data.get("engine"), "engine", required=False),
        declared_comparisons=comparisons,
    )


def _schema_version(c: _Checker, raw: object) -> int:
    """The declaration's ``schema_version``: 1 when omitted; a version newer than the running engine's
    is an error naming both."""
    from compendium import __version__
    from compendium.schemas import FIRST_SCHEMA_VERSION, SCHEMA_VERSION

    if raw is None:
        return FIRST_SCHEMA_VERSION
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < FIRST_SCHEMA_VERSION:
        raise c.fail("schema_version", f"an integer from {FIRST_SCHEMA_VERSION} to {SCHEMA_VERSION}", raw)
    if raw > SCHEMA_VERSION:
        raise c.fail(
            "schema_version",
            f"at most {SCHEMA_VERSION}, the schema of the running engine (compendium {__version__}); "
            "this review was written for a newer engine: install it (the review folder's make report does)",
            raw,
        )
    return raw


def _authors(c: _Checker, value: object) -> tuple[Author, ...]:
    authors = []
    for i, entry in enumerate(c.sequence(value, "authors")):
        where = f"authors[{i}]"
        entry = c.mapping(entry, where)
        c.keys(entry, ("name", "orcid", "affiliation"), where)
        authors.append(
            Author(
                name=c.text(entry.get("name"), f"{where}.name"),
                orcid=c.text(entry.get("orcid"), f"{where}.orcid", required=False),
                affiliation=c.text(entry.get("affiliation"), f"{where}.affiliation", required=False),
            )
        )
    return tuple(authors)


def load_review(path: str | Path = REVIEW_FILE) -> Review:
    """Read and validate a review declaration (``review.yaml``)."""
    path = Path(path)
    if not path.exists():
        raise CompendiumError(f"{path}: review declaration not found (every compendium has a review.yaml at its root)")
    return parse_review(read_yaml(path), source=str(path))


def find_review(start: str | Path) -> Path | None:
    """The ``review.yaml`` of the compendium that holds ``start`` (a data folder): the nearest one
    in ``start`` or its parents, None when there is none. A ``review.yaml`` that is not a file (a
    directory) is found too, so that reading it says what is wrong instead of using another one."""
    from compendium.paths import find_root

    root = find_root(start)
    return root / REVIEW_FILE if root else None


def review_for(raw_dir: str | Path) -> Review:
    """The declaration that governs a data package folder (:func:`compendium.paths.governing_review`):
    the nearest ``review.yaml`` in it or above it, else the project's; CompendiumError when there is none."""
    from compendium.paths import governing_review

    return load_review(governing_review(raw_dir))


#: data-package field property naming the declaration's vocabulary that fills the field's enum
VOCABULARY_PROPERTY = "vocabulary"


def fill_vocabularies(descriptor: dict, review: Review) -> dict:
    """Set ``constraints.enum`` of every field marked ``vocabulary: outcomes``, ``intervention_types``,
    ``questions``, ``exposure_categories`` or ``risk_outcomes`` in a data-package descriptor from the
    declaration (in place; returned for chaining). An unknown vocabulary name is a CompendiumError;
    an empty vocabulary leaves the field free text."""
    vocabularies = {
        "outcomes": list(review.outcome_ids),
        "intervention_types": list(review.intervention_types),
        "questions": [q.id for q in review.questions],
        "exposure_categories": list(review.exposure_category_ids),
        "risk_outcomes": list(review.risk_outcomes),
    }
    for resource in descriptor.get("resources") or []:
        for field in (resource.get("schema") or {}).get("fields") or []:
            name = field.pop(VOCABULARY_PROPERTY, None) if isinstance(field, dict) else None
            if name is None:
                continue
            if name not in vocabularies:
                raise CompendiumError(
                    f"datapackage.yaml, resource {resource.get('name')!r}, field {field.get('name')!r}: "
                    f"expected vocabulary one of {', '.join(vocabularies)}, got {name!r}"
                )
            if vocabularies[name]:
                field.setdefault("constraints", {})["enum"] = vocabularies[name]
    return descriptor
