"""Summary of findings helpers (compendium.report.sof) on small synthetic tables (SYNTHETIC fixtures)."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.analysis.treatment import with_arm_roles
from compendium.report.sof import control_risk


def test_control_risk_reads_the_arm_role_not_the_arm_name():
    """Arms are named freely (placebo, lidocaine): the comparator risk is the median over studies of
    the risk in the arms whose role is control (here 2/10 and 4/10: median 0.3)."""
    events = pd.DataFrame(
        {
            "study_id": ["s1", "s1", "s2", "s2"],
            "arm": ["placebo", "drug", "usual", "drug"],
            "outcome": ["death"] * 4,
            "events": [2, 5, 4, 6],
            "total": [10, 10, 10, 10],
        }
    )
    arms = pd.DataFrame(
        {
            "study_id": ["s1", "s1", "s2", "s2"],
            "arm": ["placebo", "drug", "usual", "drug"],
            "role": ["control", "intervention", "control", "intervention"],
        }
    )
    assert control_risk(events, "death", ["s1", "s2"]) is None  # no arm is named 'control' and no role is known
    assert control_risk(with_arm_roles(events, arms), "death", ["s1", "s2"]) == pytest.approx(0.3)


def test_the_comparator_mean_of_a_mean_difference_is_the_median_of_the_control_groups():
    """Cochrane Handbook 14.1.5: without a declared assumed value the comparator mean is the median of
    the included studies' control-group means (here 10, 14 and a study without arm-level means)."""
    from compendium.report.sof import control_mean

    effects = pd.DataFrame({"analysis_id": ["a", "a", "a", "b"], "control_mean": [10.0, 14.0, float("nan"), 99.0]})
    assert control_mean(effects, "a") == 12.0
    assert control_mean(effects, "c") is None
    assert control_mean(effects.drop(columns="control_mean"), "a") is None
