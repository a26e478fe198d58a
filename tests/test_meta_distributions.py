"""The meta engine's distribution functions against R 4.2 (base R's pt, qt, pchisq, qchisq, pf,
pnorm, qnorm), pinned by tests/r/distributions_reference.R in tests/reference/distributions/.

The grid runs from 1 to 10^7 degrees of freedom and from the centre of each distribution far into
its tails (p-values down to about 1e-300). Beyond the grid, hypothesis draws 300 derandomized
argument sets per function (non-integer degrees of freedom from 0.5 to 10^5, levels from 1 to
99.999 percent) and compares them with scipy.special, an independent implementation."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.meta import distributions as dist

REFERENCE = Path(__file__).parent / "reference" / "distributions"
#: relative tolerance for tails and quantiles (R's own algorithms are accurate to about 1e-14)
TAIL_RTOL = 1e-11
QUANTILE_RTOL = 1e-11


def large_df_rtol(df: float) -> float:
    """The incomplete beta's continued fraction loses about sqrt(df) x 1e-14 near its switching
    point when df is large (measured: 4e-11 at 10^6 df, 2e-10 at 10^7); 1e-11 up to 10^4 df."""
    return max(TAIL_RTOL, 1e-13 * math.sqrt(df))


def rows(name: str) -> list[dict[str, float]]:
    with (REFERENCE / name).open(newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def assert_relative(ours: float, theirs: float, rtol: float, what: str) -> None:
    if theirs == 0.0 or ours == theirs:
        assert ours == theirs, what
        return
    assert abs(ours - theirs) <= rtol * abs(theirs), f"{what}: ours {ours!r}, R {theirs!r}"


def test_t_two_sided_matches_r() -> None:
    for row in rows("t_two_sided.csv"):
        ours = float(dist.t_pvalue(row["stat"], row["df"]))
        assert_relative(
            ours, row["p_two_sided"], large_df_rtol(row["df"]), f"t p-value at t = {row['stat']}, df = {row['df']}"
        )


def test_t_critical_matches_r() -> None:
    for row in rows("t_critical.csv"):
        ours = float(dist.t_critical(row["level"], row["df"]))
        assert_relative(
            ours, row["critical"], large_df_rtol(row["df"]), f"t critical value {row['level']}%, df = {row['df']}"
        )


def test_chi2_upper_matches_r() -> None:
    for row in rows("chi2_upper.csv"):
        ours = float(dist.chi2_upper(row["q"], row["df"]))
        assert_relative(ours, row["upper"], TAIL_RTOL, f"chi-square tail at q = {row['q']}, df = {row['df']}")


def test_chi2_quantile_matches_r() -> None:
    for row in rows("chi2_quantile_upper.csv"):
        ours = float(dist.chi2_quantile_upper(row["prob"], row["df"]))
        assert_relative(
            ours, row["quantile"], QUANTILE_RTOL, f"chi-square quantile for {row['prob']}, df = {row['df']}"
        )


def test_f_upper_matches_r() -> None:
    for row in rows("f_upper.csv"):
        ours = dist.f_upper(row["stat"], row["df1"], row["df2"])
        what = f"F tail at {row['stat']}, df = ({row['df1']}, {row['df2']})"
        assert_relative(ours, row["upper"], large_df_rtol(row["df2"]), what)


def test_normal_matches_r() -> None:
    for row in rows("z_two_sided.csv"):
        assert_relative(float(dist.z_pvalue(row["stat"])), row["p_two_sided"], TAIL_RTOL, f"z p-value at {row['stat']}")
    for row in rows("z_critical.csv"):
        assert_relative(dist.z_critical(row["level"]), row["critical"], 1e-15, f"z critical {row['level']}%")


def test_arrays_keep_their_shape_and_reuse_repeated_values() -> None:
    stat = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 1.0]])
    df = np.array([10.0, 10.0, 10.0])[:, None]
    out = dist.t_pvalue(stat, df)
    assert out.shape == (3, 2)
    assert out[0, 0] == out[1, 0] == out[2, 1] == float(dist.t_pvalue(1.0, 10.0))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: dist.t_pvalue(1.0, 0.0), "nan"),
        (lambda: dist.t_pvalue(math.nan, 5.0), "nan"),
        (lambda: dist.t_pvalue(math.inf, 5.0), 0.0),
        (lambda: dist.t_critical(95, -1.0), "nan"),
        (lambda: dist.chi2_upper(0.0, 3.0), 1.0),
        (lambda: dist.chi2_upper(math.inf, 3.0), 0.0),
        (lambda: dist.chi2_upper(1.0, math.nan), "nan"),
        (lambda: dist.chi2_upper(1e-300, 1e6), 1.0),  # x far below a: no log1p(-1)
        (lambda: dist.chi2_upper(5e-324, 49.0), 1.0),
        (lambda: dist.chi2_quantile_upper(0.0, 3.0), "nan"),
        (lambda: dist.f_upper(0.0, 2.0, 5.0), 1.0),
        (lambda: dist.f_upper(math.inf, 2.0, 5.0), 0.0),
        (lambda: dist.f_upper(1.0, 0.0, 5.0), "nan"),
    ],
)
def test_edges_of_the_domain(call, expected) -> None:  # type: ignore[no-untyped-def]
    value = float(np.asarray(call()))
    if expected == "nan":
        assert math.isnan(value)
    else:
        assert value == expected


def test_the_engine_does_not_import_scipy() -> None:
    """``compendium meta`` must not pay scipy's import (issue 12); this keeps it that way."""
    code = "import sys, compendium.meta.model, compendium.meta.cli; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- beyond the pinned grid: random arguments against scipy.special (a second, independent
# implementation: Cephes / Boost), including non-integer degrees of freedom ---------------------

DEGREES = st.floats(min_value=0.5, max_value=1e5, allow_nan=False)
PROPERTY_SETTINGS = settings(max_examples=300, derandomize=True, deadline=None)


def close_to_scipy(ours: float, theirs: float, df: float) -> bool:
    if theirs < 1e-290:  # both deep in the underflow region
        return ours < 1e-280
    return abs(ours - theirs) <= max(1e-9, 1e-12 * math.sqrt(df)) * abs(theirs)


@PROPERTY_SETTINGS
@given(stat=st.floats(min_value=0.0, max_value=60.0, allow_nan=False), df=DEGREES)
def test_t_tail_agrees_with_scipy(stat: float, df: float) -> None:
    from scipy import special

    assert close_to_scipy(float(dist.t_pvalue(stat, df)), float(2.0 * special.stdtr(df, -stat)), df)


@PROPERTY_SETTINGS
@given(level=st.floats(min_value=1.0, max_value=99.999), df=DEGREES)
def test_t_critical_agrees_with_scipy(level: float, df: float) -> None:
    from scipy import special

    theirs = float(special.stdtrit(df, 1.0 - (1.0 - level / 100.0) / 2.0))
    assert close_to_scipy(float(dist.t_critical(level, df)), theirs, df)


@PROPERTY_SETTINGS
@given(ratio=st.floats(min_value=0.0, max_value=20.0, allow_nan=False), df=DEGREES)
def test_chi2_tail_agrees_with_scipy(ratio: float, df: float) -> None:
    from scipy import special

    q = ratio * df  # from 0 to far into the upper tail, whatever df is
    assert close_to_scipy(float(dist.chi2_upper(q, df)), float(special.chdtrc(df, q)), df)


@PROPERTY_SETTINGS
@given(prob=st.floats(min_value=1e-12, max_value=1.0 - 1e-12), df=DEGREES)
def test_chi2_quantile_agrees_with_scipy(prob: float, df: float) -> None:
    from scipy import special

    assert close_to_scipy(float(dist.chi2_quantile_upper(prob, df)), float(special.chdtri(df, prob)), df)


@PROPERTY_SETTINGS
@given(
    stat=st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
    df1=st.floats(min_value=0.5, max_value=200.0),
    df2=DEGREES,
)
def test_f_tail_agrees_with_scipy(stat: float, df1: float, df2: float) -> None:
    from scipy import special

    assert close_to_scipy(dist.f_upper(stat, df1, df2), float(special.fdtrc(df1, df2, stat)), df2)
