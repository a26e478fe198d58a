"""Every result class of the engines has ``to_frame()``, ``to_dict()`` and a readable ``__str__``
(CONTRIBUTING.md, "Conventions"). The instances are fitted on the pinned reference data the engine
tests use (dat.bcg from metafor; the lipid table of the MendelianRandomization vignette) and on the
SYNTHETIC inputs of tests/test_grade.py; only the shape of the views is checked here."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import numpy as np
import pandas as pd
import pytest

from compendium.bias.grade import GradeResult, grade_outcome
from compendium.meta import rma
from compendium.meta.model import MetaResult
from compendium.meta.regression import SubgroupResult, subgroup_analysis
from compendium.meta.revman import RevManResult, rma_mh
from compendium.meta.small_study import EggerResult, RankResult, TrimFillResult, ranktest, regtest, trimfill
from compendium.mr.analysis import mr_analysis
from compendium.mr.estimators import wald_ratio
from compendium.mr.results import (
    EstimateResult,
    Heterogeneity,
    IVWResult,
    MedianResult,
    ModeResult,
    MREggerResult,
    MRResults,
    SteigerResult,
    WaldResult,
)
from compendium.mr.sensitivity import steiger_directionality
from metafor_ref import arr, load
from mr_reference import LIPID_COLUMNS, lipids
from test_grade import CLEAN

#: the engines' result classes (a frozen dataclass named ``...Result(s)`` in these modules must be here)
RESULT_CLASSES = (
    MetaResult,
    SubgroupResult,
    RevManResult,
    EggerResult,
    RankResult,
    TrimFillResult,
    EstimateResult,
    WaldResult,
    IVWResult,
    MREggerResult,
    MedianResult,
    ModeResult,
    Heterogeneity,
    SteigerResult,
    MRResults,
    GradeResult,
)
ENGINE_MODULES = (
    "compendium.meta.model",
    "compendium.meta.regression",
    "compendium.meta.revman",
    "compendium.meta.small_study",
    "compendium.mr.results",
    "compendium.bias.grade",
    "compendium.cochrane.model",
    "compendium.cochrane.reanalyse",
)


def _instances() -> list[object]:
    bcg = load("dat.bcg")
    fit = rma(arr(bcg["yi"]), arr(bcg["vi"]))
    frame = pd.DataFrame({"yi": arr(bcg["yi"]), "vi": arr(bcg["vi"]), "alloc": bcg["inputs"]["alloc"]})
    # SYNTHETIC 2x2 counts (three trials)
    counts = [np.array(v, dtype=float) for v in ([4, 6, 3], [96, 94, 97], [8, 9, 7], [92, 91, 93])]
    mr = mr_analysis(lipids(), *LIPID_COLUMNS, n_bootstrap=100)
    bx, bxse, by, byse = (float(lipids()[column].iloc[0]) for column in LIPID_COLUMNS)
    # SYNTHETIC summary statistics (as tests/test_mr_sensitivity.py)
    snps = pd.DataFrame(
        {
            "beta_exposure": [0.10, 0.08, -0.12],
            "se_exposure": [0.01, 0.01, 0.01],
            "beta_outcome": [0.010, 0.006, -0.011],
            "se_outcome": [0.005, 0.005, 0.005],
        }
    )
    return [
        fit,
        subgroup_analysis(frame, "alloc"),
        rma_mh(*counts, "OR"),
        regtest(fit),
        ranktest(fit),
        trimfill(fit),
        wald_ratio(bx, bxse, by, byse),
        mr.ivw,
        mr.egger,
        mr.weighted_median,
        mr.weighted_mode,
        mr.heterogeneity,
        steiger_directionality(snps, n_exposure=10_000, n_outcome=50_000),
        mr,
        grade_outcome(CLEAN),
    ]


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda cls: cls.__name__)
def test_result_class_has_the_three_views(cls: type) -> None:
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    for name in ("to_frame", "to_dict"):
        assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name}"
    assert cls.__str__ is not object.__str__


def test_every_result_class_is_listed() -> None:
    found = {
        cls
        for module in map(importlib.import_module, ENGINE_MODULES)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and dataclasses.is_dataclass(cls)
        and cls.__name__.endswith(("Result", "Results"))
    }
    assert found <= set(RESULT_CLASSES)


def test_views_of_fitted_results() -> None:
    instances = _instances()
    assert {type(result) for result in instances} >= set(RESULT_CLASSES) - {EstimateResult}
    for result in instances:
        name = type(result).__name__
        frame = result.to_frame()  # type: ignore[attr-defined]
        assert isinstance(frame, pd.DataFrame) and len(frame) >= 1, name
        assert isinstance(result.to_dict(), dict), name  # type: ignore[attr-defined]
        text = str(result)
        assert text.strip() and not text.startswith(f"{name}("), name
