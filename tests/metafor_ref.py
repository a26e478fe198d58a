"""Loading the pinned metafor 3.8 reference values (tests/reference/metafor/*.json).

The JSON files are written by tests/r/metafor_reference.R (R 4.2.2, metafor 3.8-1, metadat
1.2.0); each records its dataset's citation, input columns and the versions used.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).parent / "reference" / "metafor"
#: datasets with full model references
MODEL_DATASETS = ("dat.bcg", "dat.raudenbush1985", "dat.hackshaw1998", "dat.egger2001", "dat.collins1985b")
#: relative tolerance for closed-form quantities (FE, DL, HE, SJ, HKSJ, PI, Q, I2, Egger)
CLOSED = 1e-6
#: relative tolerance for iteratively estimated quantities (REML, ML, PM, EB; Q-profile CI)
ITERATIVE = 1e-4
ITERATIVE_METHODS = ("REML", "ML", "PM", "EB")


@cache
def load(dataset: str) -> dict:
    """The reference JSON of ``dataset`` (e.g. "dat.bcg")."""
    return json.loads((REFERENCE_DIR / f"{dataset}.json").read_text(encoding="utf-8"))


def arr(values: object) -> np.ndarray:
    """JSON list or scalar to a float array, null to NaN."""
    if not isinstance(values, list):
        values = [values]
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def assert_close(actual: object, expected: object, rtol: float, atol: float = 1e-12, what: str = "") -> None:
    """``actual`` agrees with the metafor value ``expected`` (NaN/null must match)."""
    np.testing.assert_allclose(
        arr(list(np.atleast_1d(np.asarray(actual, dtype=float)))),
        arr(expected),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
        err_msg=what,
    )


#: (dataset, fit) pairs of the diagnostics references: REML + knha and DL + z per dataset
DIAGNOSTIC_CASES = [(d, fit) for d in MODEL_DATASETS for fit in ("REML_knha", "DL_z")]


def fit_diagnostics_case(dataset: str, key: str):
    """The model of one diagnostics case, its pinned metafor diagnostics and the tolerance to use."""
    from compendium.meta import rma

    ref = load(dataset)
    method, test = key.split("_")
    tol = ITERATIVE if method == "REML" else CLOSED
    return rma(arr(ref["yi"]), arr(ref["vi"]), method=method, test=test), ref["diagnostics"][key], tol
