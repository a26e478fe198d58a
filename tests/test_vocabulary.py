"""The shared vocabulary and helpers: one value per fact, and the helpers that replaced copies."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compendium import vocabulary
from compendium.bias import grade
from compendium.bias.vocabulary import DEFAULT_PALETTE, NOT_ASSESSED, PALETTES, ROBINS_E_JUDGEMENTS, SYMBOLS
from compendium.errors import CompendiumError
from compendium.evidence import consensus, reported, triangulation
from compendium.shared import clean_json, finite_or_none, labels_of, slug, study_labels

#: synthetic studies table (test fixture)
STUDIES = pd.DataFrame({"study_id": ["s1", "s2"], "label": ["Alpha 2001 ", "Beta 2002"]})


def test_one_ratio_measure_set_for_every_user() -> None:
    assert {"RR", "OR", "HR", "IRR", "ROM", "SMR", "SIR", "PMR"} == vocabulary.RATIO_MEASURES
    assert reported.RATIO_MEASURES is vocabulary.RATIO_MEASURES
    assert grade.RATIO_MEASURES is vocabulary.RATIO_MEASURES
    assert not vocabulary.RATIO_MEASURES & vocabulary.CONTINUOUS_MEASURES
    assert [vocabulary.null_value(m) for m in ("ROM", "IRR", "MD", None)] == [1.0, 1.0, 0.0, 0.0]


def test_not_assessed_is_one_label() -> None:
    assert consensus.NOT_ASSESSED is NOT_ASSESSED == "Not assessed"


def test_every_stream_has_its_three_labels_and_stages_are_the_notebooks() -> None:
    labels = (vocabulary.STREAM_LABELS, vocabulary.STREAM_SHORT_LABELS, vocabulary.STREAM_TEXTS)
    assert all(set(vocabulary.STREAM_ORDER) == set(kind) for kind in labels)
    assert set(triangulation.STREAMS) <= set(vocabulary.STREAM_ORDER)  # every triangulated stream has its labels
    notebooks = sorted(path.stem for path in (Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks == list(vocabulary.STAGES)


def test_palettes_cover_every_judgement_with_a_symbol() -> None:
    assert DEFAULT_PALETTE in PALETTES
    for colours in PALETTES.values():
        assert set(ROBINS_E_JUDGEMENTS) <= set(colours) and set(colours) == set(SYMBOLS)


def test_study_labels_and_missing_ids() -> None:
    assert study_labels(STUDIES) == {"s1": "Alpha 2001", "s2": "Beta 2002"}
    assert labels_of(STUDIES, pd.Series(["s2", "s1"]), source="test") == ["Beta 2002", "Alpha 2001"]
    with pytest.raises(CompendiumError, match="test: study_id s3, s4 not found in studies"):
        labels_of(STUDIES, ["s1", "s4", "s3"], source="test")


def test_clean_json_turns_missing_values_into_null() -> None:
    values = {"k": np.int64(3), "flag": np.bool_(True), "tau2": np.float64("nan"), "ci": (1.0, math.inf), "note": pd.NA}
    cleaned = clean_json(values)
    assert cleaned == {"k": 3, "flag": True, "tau2": None, "ci": [1.0, None], "note": None}
    assert json.dumps(cleaned) == '{"k": 3, "flag": true, "tau2": null, "ci": [1.0, null], "note": null}'
    assert finite_or_none(-math.inf) is None and finite_or_none(np.float32(0.5)) == 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ALSFRS-R (0-4 months)", "alsfrs_r_0_4_months"), ("  Per 10 MET-h/week ", "per_10_met_h_week"), ("--", "")],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_every_vocabulary_name_is_defined_once() -> None:
    # a name assigned twice silently replaces the first fact (a stage name and a role once shared one)
    import ast
    from collections import Counter

    names: Counter[str] = Counter()
    for node in ast.parse(Path(vocabulary.__file__).read_text(encoding="utf-8")).body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            names.update(
                t.id for t in (target.elts if isinstance(target, ast.Tuple) else [target]) if isinstance(t, ast.Name)
            )
    assert [name for name, count in names.items() if count > 1] == []
