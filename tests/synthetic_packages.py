"""SYNTHETIC data packages for pipeline tests (test fixtures, NOT evidence: every number is invented).

:func:`write_package` writes a compendium-shaped folder (``review.yaml`` + ``data/raw/``) with every
resource of the real ``datapackage.yaml`` (header only unless rows are given), so the stages run on
exactly the shapes a new review has: an RCT-only review, or a review with no studies yet.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from compendium.paths import RAW_DIR

SOURCE = {
    "source_id": "synthetic_src",
    "citation": "SYNTHETIC test fixture, not a publication",
    "year": 2020,
    "url": "https://example.org/synthetic",
    "source_type": "other",
    "notes": "synthetic test fixture",
}

RCT_ONLY_REVIEW = """\
# SYNTHETIC review declaration (test fixture)
title: "Synthetic self-management review (test fixture)"
description: "A synthetic RCT-only review used by the pipeline tests; not evidence."
intervention: {noun: education}
comparator: {noun: usual care}
questions:
  - {id: treatment, text: "Does education reduce days off work (synthetic)?", streams: [rct]}
intervention_types: [group, individual]
outcomes:
  - {id: days_off, label: "days off work", unit: days, higher_is_better: false}
  - {id: symptom_score, label: "symptom score", unit: points, higher_is_better: true, range: [0, 10]}
  - {id: admission, label: "hospital admission", unit: "", higher_is_better: false}
time_windows: []
subgroup: intervention_type
"""


def _fields() -> dict[str, tuple[str, list[str]]]:
    descriptor = yaml.safe_load((RAW_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    return {r["name"]: (r["path"], [f["name"] for f in r["schema"]["fields"]]) for r in descriptor["resources"]}


def write_package(root: Path, review_yaml: str, rows: dict[str, list[dict]]) -> Path:
    """Write ``root/review.yaml`` and ``root/data/raw`` (every resource; ``rows`` per resource name);
    returns the raw folder."""
    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (root / "review.yaml").write_text(review_yaml, encoding="utf-8")
    shutil.copy(RAW_DIR / "datapackage.yaml", raw / "datapackage.yaml")
    for name, (path, columns) in _fields().items():
        with (raw / path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows.get(name, []):
                writer.writerow({c: row.get(c, "") for c in columns})
    return raw


def _trial(study_id: str, kind: str, n: int, year: int) -> dict[str, list[dict]]:
    return {
        "studies": [
            {
                "study_id": study_id,
                "label": f"Synthetic {study_id} {year}",
                "year": year,
                "question": "treatment",
                "stream": "rct",
                "design": "parallel RCT (synthetic)",
                "source_id": "synthetic_src",
            }
        ],
        "trials": [
            {
                "study_id": study_id,
                "randomised": "true",
                "intervention_type": kind,
                "intervention": "education (synthetic)",
                "comparator_type": "usual_care",
                "comparator": "usual care",
                "duration_weeks": 12,
                "n_randomised_total": 2 * n,
                "source_id": "synthetic_src",
                "locator": "synthetic",
            }
        ],
        "arms": [
            {
                "study_id": study_id,
                "arm": arm,
                "role": role,
                "description": "synthetic",
                "n_randomised": n,
                "source_id": "synthetic_src",
                "locator": "synthetic",
            }
            for arm, role in (("edu", "intervention"), ("uc", "control"))
        ],
    }


def _arm_values(
    study_id: str, outcome: str, timepoint: object, values: tuple[tuple[int, float, float], ...]
) -> list[dict]:
    return [
        {
            "study_id": study_id,
            "arm": arm,
            "outcome": outcome,
            "outcome_measure": f"{outcome} (synthetic)",
            "higher_is_better": "false" if outcome == "days_off" else "true",
            "timepoint_weeks": timepoint,
            "value_type": "final",
            "n": n,
            "mean": mean,
            "sd": sd,
            "source_id": "synthetic_src",
            "locator": "synthetic",
        }
        for arm, (n, mean, sd) in zip(("edu", "uc"), values)
    ]


def rct_only_rows(n: int = 40) -> dict[str, list[dict]]:
    """Three synthetic trials of ``n`` per arm: days off work at 12 weeks (fewer with education in
    every trial); trial s1 also reports a between-group symptom-score MD without a time point."""
    rows: dict[str, list[dict]] = {"sources": [SOURCE]}
    for i, (study_id, kind) in enumerate((("s1", "group"), ("s2", "individual"), ("s3", "group"))):
        for name, items in _trial(study_id, kind, n, 2010 + i).items():
            rows.setdefault(name, []).extend(items)
    effects = {"s1": (5.0, 8.0), "s2": (4.5, 7.8), "s3": (5.2, 8.1)}
    rows["continuous_outcomes"] = [
        row
        for study_id, (edu, uc) in effects.items()
        for row in _arm_values(study_id, "days_off", 12, ((n, edu, 3.0), (n, uc, 3.2)))
    ]
    rows["rct_effects"] = [
        {
            "study_id": "s1",
            "outcome": "symptom_score",
            "outcome_measure": "symptom score (synthetic)",
            "comparison": "education vs usual care",
            "measure": "MD",
            "estimate": 1.0,
            "ci_low": 0.3,
            "ci_high": 1.7,
            "ci_level": 95,
            "n_intervention": n,
            "n_control": n,
            "source_id": "synthetic_src",
            "locator": "synthetic",
        }
    ]
    rows["conclusions"] = [
        {
            "study_id": s,
            "question": "treatment",
            "conclusion": "benefit",
            "summary": "synthetic",
            "source_id": "synthetic_src",
            "locator": "synthetic",
        }
        for s in effects
    ]
    return rows


EMPTY_REVIEW = """\
# SYNTHETIC empty review declaration (test fixture)
title: "A new review (test fixture)"
intervention: {noun: the intervention}
comparator: {noun: control}
questions:
  - {id: treatment, text: "Does the intervention help (synthetic)?", streams: [rct]}
outcomes:
  - {id: primary_outcome, label: "primary outcome"}
"""


def dichotomous_rows(
    events: tuple[tuple[int, int, int, int], ...] = ((4, 40, 10, 40), (6, 50, 12, 50)),
) -> dict[str, list[dict]]:
    """Synthetic trials d1, d2 with events/total per arm (intervention, then control) of 'admission'."""
    rows: dict[str, list[dict]] = {"sources": [SOURCE]}
    for i, (a, n1, c, n2) in enumerate(events):
        study_id = f"d{i + 1}"
        for name, items in _trial(study_id, "group", n1, 2015 + i).items():
            rows.setdefault(name, []).extend(items)
        rows.setdefault("dichotomous_outcomes", []).extend(
            {
                "study_id": study_id,
                "arm": arm,
                "outcome": "admission",
                "outcome_measure": "hospital admission (synthetic)",
                "timepoint_weeks": 26 if i == 0 else "",
                "events": e,
                "total": t,
                "source_id": "synthetic_src",
                "locator": "synthetic",
            }
            for arm, e, t in (("edu", a, n1), ("uc", c, n2))
        )
    return rows
