"""Property-based test of the stage layer (issue 11.2): ``hypothesis`` generates SYNTHETIC valid data
packages (never evidence) from the schema of ``datapackage.yaml`` and a generated ``review.yaml``:
empty streams, missing optional values, rows without a follow-up time, unusual but legal text
(unicode, commas, quotes, ``None``, ``NA``, a leading ``=``), outcome vocabularies with and
without instrument ranges, reviews with and without time windows. For every package: the validator
accepts it, every stage (``compendium.stages.*.run``, no papermill) completes, every input row is
used or listed with its reason (the ``accounting`` of ``tables/notes.json``), and text reaches the
stage-01 tables verbatim.

Bounded for CI: few examples, no deadline, derandomized (the same examples on every run).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compendium.data import check_package, load_tables
from compendium.review import load_review
from compendium.stages import consensus_report, ingest, mendelian_randomization, meta_analysis, risk_of_bias
from synthetic_packages import SOURCE, write_package

STAGES = (
    ("01_ingest", ingest),
    ("02_risk_of_bias", risk_of_bias),
    ("03_meta_analysis", meta_analysis),
    ("04_mendelian_randomization", mendelian_randomization),
    ("05_consensus_report", consensus_report),
)

#: legal text a spreadsheet or a loader might misread: missing-value words, formulas, CSV syntax, unicode
AWKWARD_TEXT = ["None", "NA", "NULL", "nan", "=1+1", "+cmd", "-x", "@SUM(A1)", "a, b", 'say "hi"', "naïve ü — 日本語"]
TEXT = st.one_of(
    st.sampled_from(AWKWARD_TEXT),
    # control characters (Cc: DEL and C1 too) are refused by validation (compendium.characters)
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_categories=["Cc"]), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool),
)
INTERVENTION_TYPES = ["group", "individual"]
TIMEPOINTS = st.sampled_from([4, 12, 26, 52.1, ""])  # "": the source gives no follow-up time


@st.composite
def reviews(draw) -> tuple[dict, dict[str, tuple[float, float] | None]]:
    """A review declaration (as a dict) with 1-3 outcomes, some with an instrument range."""
    ranges = {
        f"outcome_{i}": draw(st.sampled_from([None, (0.0, 48.0), (0.0, 100.0)])) for i in range(draw(st.integers(1, 3)))
    }
    outcomes = []
    for outcome_id, bounds in ranges.items():
        # outcome labels are unique in a declaration: the id's number keeps them apart
        label = f"{draw(TEXT)} {outcome_id[-1]}"
        outcome = {"id": outcome_id, "label": label, "unit": "points", "higher_is_better": draw(st.booleans())}
        if bounds is not None:
            outcome["range"] = list(bounds)
        outcomes.append(outcome)
    measure = draw(st.sampled_from([{}, {"dichotomous_measure": "RR"}, {"dichotomous_measure": "OR"}]))
    windows = draw(st.sampled_from([[], [{"label": "up to 26 weeks", "upper_weeks": 26}, {"label": "later"}]]))
    review = {
        "title": f"Synthetic property-test review {draw(TEXT)} (test fixture)",
        "description": "A generated synthetic review; not evidence.",
        "intervention": {"noun": "training"},
        "comparator": {"noun": "usual care"},
        "questions": [
            {"id": "treatment", "text": "Does training help (synthetic)?", "streams": ["rct", "non_randomised"]}
        ],
        "intervention_types": INTERVENTION_TYPES,
        "outcomes": outcomes,
        "time_windows": windows,
        "subgroup": "intervention_type",
        **measure,
    }
    return review, ranges


def _allowed(bounds: tuple[float, float] | None, value_type: str) -> tuple[float, float] | None:
    """Where a value may lie: the instrument's range, or plus or minus its width for a change."""
    if bounds is None or value_type != "change":
        return bounds
    return (bounds[0] - bounds[1], bounds[1] - bounds[0])


def _arm_value(draw, bounds: tuple[float, float] | None) -> dict:
    """Mean with an SD, an SE, or no spread at all (then the row must be excluded with its reason)."""
    low, high = bounds if bounds is not None else (-50.0, 50.0)
    mean = draw(st.floats(low, high, allow_nan=False)).__round__(1)
    spread = draw(st.sampled_from(["sd", "se", "none"]))
    value = {"mean": mean}
    if spread != "none":
        value[spread] = draw(st.floats(0.1, 20.0)).__round__(2)
    return value


@st.composite
def packages(draw) -> tuple[dict, dict[str, list[dict]]]:
    review, ranges = draw(reviews())
    rows: dict[str, list[dict]] = {"sources": [SOURCE]}
    for i in range(draw(st.integers(0, 4))):  # 0 trials: an empty stream
        study_id = f"s{i}"
        n = draw(st.integers(2, 200))
        randomised = draw(st.booleans())
        rows.setdefault("studies", []).append(
            {
                "study_id": study_id,
                "label": draw(TEXT),
                "year": 2000 + i,
                "question": "treatment",
                "stream": "rct" if randomised else "non_randomised",
                "design": draw(TEXT),
                "source_id": SOURCE["source_id"],
            }
        )
        rows.setdefault("trials", []).append(
            {
                "study_id": study_id,
                "randomised": str(randomised).lower(),
                "intervention_type": draw(st.sampled_from(INTERVENTION_TYPES)),
                "intervention": draw(TEXT),
                "comparator_type": draw(st.sampled_from(["usual_care", "active_intervention", "unclear"])),
                "comparator": draw(TEXT),
                "duration_weeks": draw(st.sampled_from([12, 26, ""])),
                "country": draw(st.sampled_from(["", "NA", "None"])),
                "source_id": SOURCE["source_id"],
                "locator": draw(TEXT),
                "notes": draw(st.sampled_from(["", *AWKWARD_TEXT])),
            }
        )
        arms = (("a_int", "intervention"), ("a_ctl", "control"))
        rows.setdefault("arms", []).extend(
            {
                "study_id": study_id,
                "arm": arm,
                "role": role,
                "description": draw(TEXT),
                "n_randomised": draw(st.sampled_from([n, ""])),
                "source_id": SOURCE["source_id"],
                "locator": "synthetic",
            }
            for arm, role in arms
        )
        measured = [
            (outcome_id, timepoint, draw(st.sampled_from(["final", "change", "baseline"])))
            for outcome_id in draw(st.lists(st.sampled_from(sorted(ranges)), unique=True, max_size=len(ranges)))
            for timepoint in draw(st.lists(TIMEPOINTS, min_size=1, max_size=3, unique=True))
        ]
        for outcome_id, timepoint, value_type in measured:
            for arm, _ in arms[: draw(st.integers(1, 2))]:  # sometimes only one arm is reported
                rows.setdefault("continuous_outcomes", []).append(
                    {
                        "study_id": study_id,
                        "arm": arm,
                        "outcome": outcome_id,
                        "outcome_measure": draw(TEXT),
                        "higher_is_better": "true",
                        "timepoint_weeks": timepoint,
                        "value_type": value_type,
                        "n": draw(st.sampled_from([n, ""])),
                        "source_id": SOURCE["source_id"],
                        "locator": draw(TEXT),
                        "notes": draw(st.sampled_from(["", *AWKWARD_TEXT])),
                        **_arm_value(draw, _allowed(ranges[outcome_id], value_type)),
                    }
                )
        for outcome_id in draw(st.lists(st.sampled_from(sorted(ranges)), max_size=2)):  # a repeat: two definitions
            timepoint = draw(TIMEPOINTS)
            rows.setdefault("dichotomous_outcomes", []).extend(
                {
                    "study_id": study_id,
                    "arm": arm,
                    "outcome": outcome_id,
                    "outcome_measure": draw(TEXT),
                    "timepoint_weeks": timepoint,
                    "events": draw(st.integers(0, n)),
                    "total": n,
                    "source_id": SOURCE["source_id"],
                    "locator": "synthetic",
                }
                for arm, _ in arms[: draw(st.integers(1, 2))]
            )
        if draw(st.booleans()):
            estimate = draw(st.floats(-5, 5)).__round__(2)
            rows.setdefault("rct_effects", []).append(
                {
                    "study_id": study_id,
                    "outcome": draw(st.sampled_from(sorted(ranges))),
                    "outcome_measure": draw(TEXT),
                    "timepoint_weeks": draw(TIMEPOINTS),
                    "comparison": draw(TEXT),
                    **draw(
                        st.sampled_from(
                            [
                                {
                                    "measure": "MD",
                                    "estimate": estimate,
                                    "ci_low": estimate - 1.5,
                                    "ci_high": estimate + 1.5,
                                },
                                {"measure": "SMD", "estimate": estimate / 10, "p_value": 0.04, "p_relation": "="},
                                {"direction": "no_difference"},
                            ]
                        )
                    ),
                    "ci_level": 95,
                    "source_id": SOURCE["source_id"],
                    "locator": draw(TEXT),
                }
            )
    return review, rows


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(packages())
def test_every_stage_completes_and_accounts_for_every_row(package):
    review_dict, rows = package
    root = Path(tempfile.mkdtemp(prefix="compendium-property-"))
    try:
        raw = write_package(root, yaml.safe_dump(review_dict, allow_unicode=True, sort_keys=False), rows)
        check_package(raw)  # the generator writes valid packages: the validator must agree
        tables = load_tables(raw)
        for name in ("studies", "trials", "arms", "continuous_outcomes", "dichotomous_outcomes"):
            assert len(tables[name]) == len(rows.get(name, [])), name
        review = load_review(root / "review.yaml")
        results = root / "reports"
        for name, stage in STAGES:
            result = stage.run(review, raw, results, results / name)
            recorded = json.loads((results / name / "tables" / "notes.json").read_text(encoding="utf-8"))
            assert all(record["balanced"] for record in recorded["accounting"]), (name, recorded["accounting"])
            assert recorded["accounting"] == result.accounting
        # stage 03 sees every arm-level row: used or listed in excluded_data
        notes = json.loads((results / "03_meta_analysis" / "tables" / "notes.json").read_text(encoding="utf-8"))
        sources = {record["source"]: record for record in notes["accounting"]}
        for name in ("continuous_outcomes", "dichotomous_outcomes"):
            if rows.get(name):
                assert sources[name]["rows_in"] == len(rows[name]), name
        # unusual text reaches stage 01's tables verbatim (never read as missing, never evaluated)
        studies = pd.read_csv(results / "01_ingest" / "tables" / "studies.csv", dtype=str, keep_default_na=False)
        assert studies["label"].tolist() == [s["label"] for s in rows.get("studies", [])]
        assert (results / "05_consensus_report" / "publish" / "consensus_report.html").is_file()
    finally:
        shutil.rmtree(root, ignore_errors=True)
