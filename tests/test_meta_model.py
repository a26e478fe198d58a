"""rma() against metafor 3.8 (pinned values from tests/r/metafor_reference.R) and edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from compendium.errors import CompendiumError
from compendium.meta import DEFAULTS, SENSITIVITY, rma
from metafor_ref import CLOSED, ITERATIVE, ITERATIVE_METHODS, MODEL_DATASETS, REFERENCE_DIR, arr, assert_close, load

METHODS = ("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")
TESTS = ("z", "knha", "adhoc")
CASES = [(d, m, t) for d in MODEL_DATASETS for m in METHODS for t in TESTS]


def _check(res, ref: dict, method: str, what: str) -> None:
    rtol = ITERATIVE if method in ITERATIVE_METHODS else CLOSED
    atol = 1e-8 if method in ITERATIVE_METHODS else 1e-12
    # coefficients, standard errors, tests and CIs: metafor rma.uni (ref["beta"], ["se"], ...)
    assert_close([c.estimate for c in res.coefficients], ref["beta"], rtol, atol, what + " beta")
    assert_close([c.se for c in res.coefficients], ref["se"], rtol, atol, what + " se")
    assert_close([c.stat for c in res.coefficients], ref["zval"], rtol, atol, what + " zval")
    assert_close([c.pval for c in res.coefficients], ref["pval"], rtol, 1e-12, what + " pval")
    assert_close([c.ci_low for c in res.coefficients], ref["ci.lb"], rtol, atol, what + " ci.lb")
    assert_close([c.ci_high for c in res.coefficients], ref["ci.ub"], rtol, atol, what + " ci.ub")
    assert_close(res.tau2, ref["tau2"], rtol, 1e-6 if method in ITERATIVE_METHODS else 1e-12, what + " tau2")
    assert_close(res.i2, ref["I2"], rtol, 1e-5 if method in ITERATIVE_METHODS else 1e-10, what + " I2")
    assert_close(res.h2, ref["H2"], rtol, atol, what + " H2")
    # Q_E does not depend on tau2: always closed form
    assert_close(res.q, ref["QE"], CLOSED, 1e-12, what + " QE")
    assert_close(res.q_pval, ref["QEp"], CLOSED, 1e-15, what + " QEp")
    if res.has_mods:  # metafor also tests the intercept of intercept-only models; we report QM with mods
        assert_close(res.qm, ref["QM"], rtol, atol, what + " QM")
        assert_close(res.qm_pval, ref["QMp"], rtol, 1e-12, what + " QMp")
    if method in ("REML", "ML", "PM", "EB", "DL"):  # metafor's se.tau2
        assert_close(res.tau2_se, ref["se.tau2"], rtol, atol, what + " se.tau2")
    if "pi.lb" in ref:  # predict.rma
        assert_close(res.pi_low, ref["pi.lb"], rtol, atol, what + " pi.lb")
        assert_close(res.pi_high, ref["pi.ub"], rtol, atol, what + " pi.ub")
    if "tau2.ci.lb" in ref:  # confint.rma.uni, Q-profile: iterative in both programs
        assert_close(res.tau2_ci_low, ref["tau2.ci.lb"], ITERATIVE, 1e-6, what + " tau2.ci.lb")
        assert_close(res.tau2_ci_high, ref["tau2.ci.ub"], ITERATIVE, 1e-6, what + " tau2.ci.ub")
        assert_close(res.i2_ci_low, ref["I2.ci.lb"], ITERATIVE, 1e-4, what + " I2.ci.lb")
        assert_close(res.i2_ci_high, ref["I2.ci.ub"], ITERATIVE, 1e-4, what + " I2.ci.ub")


@pytest.mark.parametrize(("dataset", "method", "test"), CASES)
def test_intercept_model_matches_metafor(dataset: str, method: str, test: str) -> None:
    ref = load(dataset)
    res = rma(arr(ref["yi"]), arr(ref["vi"]), method=method, test=test)
    _check(res, ref["models"][f"{method}_{test}"], method, f"{dataset} {method} {test}")


METAREG = [("dat.bcg", "ablat", m, t) for m in METHODS for t in TESTS] + [
    ("dat.raudenbush1985", "weeks", m, t) for m in METHODS for t in TESTS
]


@pytest.mark.parametrize(("dataset", "moderator", "method", "test"), METAREG)
def test_meta_regression_matches_metafor(dataset: str, moderator: str, method: str, test: str) -> None:
    ref = load(dataset)
    mod = arr(ref["inputs"][moderator])
    if dataset == "dat.raudenbush1985":
        mod = np.minimum(mod, 3)  # as the reference: pmin(weeks, 3)
    res = rma(arr(ref["yi"]), arr(ref["vi"]), mods=mod, method=method, test=test)
    expected = ref["metareg"][moderator][f"{method}_{test}"]
    _check(res, expected, method, f"{dataset} ~ {moderator} {method} {test}")
    if method != "FE":  # metafor's R2 (pseudo-R2 from the intercept-only tau2)
        assert_close(res.r2, expected["R2"], ITERATIVE if method in ITERATIVE_METHODS else CLOSED, 1e-6)


@pytest.mark.parametrize("test", ["knha", "z"])
def test_two_moderators_match_metafor(test: str) -> None:
    ref = load("dat.bcg")
    mods = np.column_stack([arr(ref["inputs"]["ablat"]), arr(ref["inputs"]["year"])])
    res = rma(arr(ref["yi"]), arr(ref["vi"]), mods=mods, test=test)
    expected = ref["metareg"]["ablat_year"][f"REML_{test}"]
    _check(res, expected, "REML", f"bcg ~ ablat + year REML {test}")
    assert res.qm_df == ((2, 10) if test == "knha" else (2,))


def test_defaults_are_cochrane_practice() -> None:
    assert (DEFAULTS.method, DEFAULTS.test, DEFAULTS.level) == ("REML", "knha", 95.0)
    assert (SENSITIVITY.method, SENSITIVITY.test) == ("DL", "z")
    assert "REML" in DEFAULTS.describe()
    ref = load("dat.bcg")
    res = rma(arr(ref["yi"]), arr(ref["vi"]))
    assert (res.method, res.test) == ("REML", "knha")


def test_known_published_values_bcg() -> None:
    # metafor documentation / Viechtbauer (2010, J Stat Softw 36(3)) BCG example, log RR, REML z:
    # estimate -0.7145, se 0.1798, tau2 0.3132, I2 92.22%, Q(12) 152.23
    ref = load("dat.bcg")
    res = rma(arr(ref["yi"]), arr(ref["vi"]), test="z")
    assert round(res.estimate, 4) == -0.7145
    assert round(res.se, 4) == 0.1798
    assert round(res.tau2, 4) == 0.3132
    assert round(res.i2, 2) == 92.22
    assert round(res.q, 2) == 152.23


def test_to_dict_keys_and_json() -> None:
    ref = load("dat.bcg")
    res = rma(arr(ref["yi"]), arr(ref["vi"]))
    d = res.to_dict()
    for key in (
        "k",
        "method",
        "test",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "pval",
        "tau2",
        "tau2_ci_low",
        "tau2_ci_high",
        "i2",
        "h2",
        "q",
        "q_pval",
        "pi_low",
        "pi_high",
    ):
        assert key in d
    json.dumps(d)
    mres = rma(arr(ref["yi"]), arr(ref["vi"]), mods=arr(ref["inputs"]["ablat"]))
    md = mres.to_dict()
    assert [c["name"] for c in md["coefficients"]] == ["intrcpt", "mod1"]
    assert {"qm", "qm_pval"} <= md.keys()
    assert list(mres.to_frame().columns) == ["name", "estimate", "se", "stat", "pval", "ci_low", "ci_high"]


def test_str_looks_like_metafor_print() -> None:
    ref = load("dat.bcg")
    text = str(rma(arr(ref["yi"]), arr(ref["vi"]), test="z"))
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "Q(df = 12) = 152.2330, p-val < .0001" in text
    assert "-0.7145" in text
    text = str(rma(arr(ref["yi"]), arr(ref["vi"]), mods=arr(ref["inputs"]["ablat"]), test="z"))
    assert "Mixed-Effects Model" in text and "Test of Moderators" in text


def test_data_frame_interface() -> None:
    import pandas as pd

    ref = load("dat.bcg")
    frame = pd.DataFrame(
        {"y": arr(ref["yi"]), "v": arr(ref["vi"]), "lat": arr(ref["inputs"]["ablat"]), "name": ref["inputs"]["author"]}
    )
    res = rma("y", "v", data=frame, mods=["lat"], slab="name")
    assert res.coefficients[1].name == "lat"
    assert res.slab[0] == "Aronson"
    assert_close(
        rma(sei=np.sqrt(frame["v"]), yi=frame["y"]).estimate, res_plain := rma(frame["y"], frame["v"]).estimate, 1e-14
    )
    assert np.isfinite(res_plain)


# --- edge cases -------------------------------------------------------------------------------


def test_k1_no_pooling() -> None:
    res = rma([0.5], [0.1])  # metafor 3.8: tau2 0, test forced to z, estimate 0.5, se 0.3162
    assert res.k == 1 and res.test == "z" and res.tau2 == 0.0
    assert res.estimate == 0.5 and res.se == pytest.approx(np.sqrt(0.1), rel=1e-14)
    assert res.ci_low == pytest.approx(-0.1198, abs=1e-4)  # metafor print: ci.lb -0.1198
    assert any("no pooling" in n for n in res.notes)


def test_k2_is_flagged() -> None:
    res = rma([0.1, 0.9], [0.05, 0.08])
    assert res.df == 1
    assert any("k = 2" in n for n in res.notes)


def test_tau2_zero_equals_fixed_effect() -> None:
    # metafor 3.8: rma(c(.5,.3,-.2,.8), c(.1,.05,.2,.4), test="knha") gives tau2 0, estimate 0.3200,
    # se 0.1417, ci -0.1311 to 0.7711
    res = rma([0.5, 0.3, -0.2, 0.8], [0.1, 0.05, 0.2, 0.4])
    fe = rma([0.5, 0.3, -0.2, 0.8], [0.1, 0.05, 0.2, 0.4], method="FE")
    assert res.tau2 == 0.0
    assert res.estimate == pytest.approx(fe.estimate, rel=1e-12)
    assert (round(res.estimate, 4), round(res.se, 4), round(res.ci_low, 4)) == (0.32, 0.1417, -0.1311)
    assert any("equals the equal-effects" in n for n in res.notes)


def test_identical_variances() -> None:
    y = [0.1, 0.5, 0.9, 0.3]
    res = rma(y, [0.04] * 4)
    assert res.estimate == pytest.approx(np.mean(y), rel=1e-12)
    assert np.allclose(res.weights, 25.0)
    assert any("same sampling variance" in n for n in res.notes)


def test_adhoc_never_narrower_than_z() -> None:
    y, v = [0.5, 0.3, -0.2, 0.8], [0.1, 0.05, 0.2, 0.4]
    z = rma(y, v, test="z")
    adhoc = rma(y, v, test="adhoc")
    assert adhoc.ci_high - adhoc.ci_low >= z.ci_high - z.ci_low
    assert any("narrower than the z-based" in n for n in rma(y, v, test="knha").notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": [], "vi": []}, "k = 0"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.0]}, "row 2"),
        ({"yi": [0.1, None], "vi": [0.1, 0.2], "na_action": "fail"}, "row 2"),
        ({"yi": [0.1, "a"], "vi": [0.1, 0.2]}, "row 2"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.2], "method": "XX"}, "method"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.2], "test": "t"}, "test"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.2, 0.3]}, "expected 2"),
    ],
)
def test_bad_input_raises(kwargs: dict, message: str) -> None:
    with pytest.raises(CompendiumError, match=message):
        rma(**kwargs)


@pytest.mark.parametrize(("dataset", "method"), [(d, m) for d in MODEL_DATASETS for m in METHODS])
def test_matches_metafor_default_convergence(dataset: str, method: str) -> None:
    # metafor 3.8 with its default control stops Fisher scoring when tau2 changes by < 1e-5 and
    # solves PM to uniroot's tol 1.2e-4, so its printed values are only that accurate: agreement is
    # checked to 2e-5 absolute on tau2 and 1e-3 relative on estimate and se. (The pinned values
    # with tight control are matched to 1e-4 relative above.)
    ref = load(dataset)
    res = rma(arr(ref["yi"]), arr(ref["vi"]), method=method, test="knha")
    expected = ref["models_default_control"][method]
    assert_close(res.tau2, expected["tau2"], 0.0, 2e-5 if method in ("REML", "ML", "EB") else 2e-4)
    assert_close(res.estimate, expected["beta"], 1e-3, 1e-8)
    assert_close(res.se, expected["se"], 1e-3, 1e-8)


# --- confidence level (metafor's rule), missing values, numerical edge cases, API --------------


def test_level_is_read_as_metafor_reads_it() -> None:
    # metafor 3.8 .level(): >= 1 percent, (0.5, 1) proportion, (0, 0.5] alpha; all three mean 95%
    ref = load("dat.bcg")
    y, v = arr(ref["yi"]), arr(ref["vi"])
    percent = rma(y, v, level=95)
    for level in (0.95, 0.05):
        res = rma(y, v, level=level)
        assert res.level == 95.0
        assert (res.ci_low, res.ci_high, res.pi_low, res.tau2_ci_high) == (
            percent.ci_low,
            percent.ci_high,
            percent.pi_low,
            percent.tau2_ci_high,
        )
    assert rma(y, v, level=0.9).ci_low == rma(y, v, level=90).ci_low


@pytest.mark.parametrize("level", [0, 100, 150, -5, float("nan"), "high"])
def test_level_without_an_interval_is_refused(level: object) -> None:
    with pytest.raises(CompendiumError, match="level must be"):
        rma([0.1, 0.2, 0.3], [0.1, 0.1, 0.2], level=level)


def test_missing_values_are_omitted_with_a_warning_and_listed() -> None:
    y = [0.1, None, 0.3, 0.5, float("nan")]
    v = [0.1, 0.2, None, 0.1, 0.2]
    with pytest.warns(UserWarning, match="3 of 5 studies omitted"):
        res = rma(y, v, slab=["A", "B", "C", "D", "E"])
    assert res.k == 2 and res.omitted_rows == (2, 3, 5)
    assert res.slab == ("A", "D")
    note = next(n for n in res.notes if "omitted" in n)
    assert "row 2 (B): 'yi'" in note and "row 3 (C): 'vi'" in note and "na.omit" in note
    assert rma([0.1, 0.5], [0.1, 0.1]).estimate == pytest.approx(res.estimate, rel=1e-12)


def test_missing_values_fail_on_request() -> None:
    with pytest.raises(CompendiumError, match=r"row 3 \(line 4\), column 'vi'"):
        rma([0.1, 0.2, 0.3], [0.1, 0.2, None], na_action="fail")
    with pytest.raises(CompendiumError, match="na_action must be"):
        rma([0.1, 0.2], [0.1, 0.2], na_action="drop")


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([1e300, 0.2, 0.3], [0.1, 0.1, 0.2], r"row 1 \(line 2\), column 'yi': expected a value of magnitude"),
        ([0.1, 0.2, 0.3], [1e-300, 0.1, 0.2], r"row 1 \(line 2\), column 'vi': expected a sampling variance > 0"),
        ([0.1, 0.2, 0.3], [0.1, float("inf"), 0.2], r"row 2 \(line 3\), column 'vi': expected a finite number"),
    ],
)
def test_absurd_magnitudes_are_refused_not_linalg_errors(yi: list, vi: list, message: str) -> None:
    with pytest.raises(CompendiumError, match=message):
        rma(yi, vi)


def test_identical_effects_give_notes_not_errors() -> None:
    res = rma([0.3] * 50, [0.1] * 50)
    assert res.tau2 == 0.0 and res.estimate == pytest.approx(0.3)
    assert any("same effect size" in n for n in res.notes)


def test_summary_frame_repr_and_names() -> None:
    ref = load("dat.bcg")
    res = rma(arr(ref["yi"]), arr(ref["vi"]))
    frame = res.summary_frame()
    assert list(frame.columns) == [
        "k",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "pi_low",
        "pi_high",
        "tau2",
        "i2",
        "q",
        "pval",
    ]
    assert len(frame) == 1 and frame["estimate"].iloc[0] == res.estimate
    ratio = res.summary_frame(transf=np.exp)
    assert ratio["estimate"].iloc[0] == pytest.approx(np.exp(res.estimate))
    assert ratio["pi_high"].iloc[0] == pytest.approx(np.exp(res.pi_high))
    assert np.isnan(ratio["se"].iloc[0])
    assert repr(res) == str(res) and repr(res).startswith("Random-Effects Model (k = 13")
    shown: list[str] = []
    res._repr_pretty_(type("Printer", (), {"text": lambda self, t: shown.append(t)})(), False)
    assert shown == [str(res)]
    assert res.to_dict()["level"] == 95.0


def test_old_import_paths_still_work() -> None:
    from compendium.meta.diagnostics import cumulative, leave1out, leave_one_out
    from compendium.meta.small_study import egger_test, rank_test, regtest, trim_and_fill, trimfill

    assert leave_one_out is leave1out and egger_test is regtest and trim_and_fill is trimfill
    assert cumulative.__name__ == "cumul" and rank_test.__name__ == "ranktest"


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_likelihood_with_a_local_maximum_at_zero_matches_metafor(method: str) -> None:
    """dat.gibson2002's mean differences: the score is < 0 at tau2 = 0 and the likelihood has an
    interior root too; metafor (pinned by tests/r/metafor_local_maximum.R) keeps the interior REML
    maximum (tau2 = 9.68) and sets ML to 0 (its interior root has a lower likelihood than 0)."""
    pinned = json.loads((REFERENCE_DIR / "local_maximum_gibson_md.json").read_text(encoding="utf-8"))
    res = rma(pinned["yi"], pinned["vi"], method=method, test="z")
    expected = pinned["models"][method]
    np.testing.assert_allclose(
        [res.estimate, res.se, res.tau2], [expected["beta"], expected["se"], expected["tau2"]], rtol=1e-6, atol=1e-10
    )


def test_duplicate_labels_are_made_unique_as_metafor() -> None:
    # metafor 3.8: rma(c(.1,.2,.3,.4,.5), c(.01,.02,.03,.01,.02), slab = c("A","A","B","A","A.1"))
    # has slab A.1.1, A.2, B, A.3, A.1.2 (metafor:::.make.unique), and leave1out(res) estimates
    # 0.3643, 0.3147, 0.2928, 0.2575, 0.2474 under those names (REML, z)
    from compendium.meta import leave1out

    res = rma([0.1, 0.2, 0.3, 0.4, 0.5], [0.01, 0.02, 0.03, 0.01, 0.02], slab=["A", "A", "B", "A", "A.1"])
    assert list(res.slab) == ["A.1.1", "A.2", "B", "A.3", "A.1.2"]
    assert list(res.study_frame()["slab"]) == list(res.slab)
    reml = rma(
        [0.1, 0.2, 0.3, 0.4, 0.5],
        [0.01, 0.02, 0.03, 0.01, 0.02],
        slab=["A", "A", "B", "A", "A.1"],
        method="REML",
        test="z",
    )
    loo = leave1out(reml)
    assert list(loo["omitted"]) == ["A.1.1", "A.2", "B", "A.3", "A.1.2"]
    assert loo["estimate"].round(4).tolist() == [0.3643, 0.3147, 0.2928, 0.2575, 0.2474]
