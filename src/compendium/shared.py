"""Small jobs that several areas do, written once: study labels, JSON-safe values, slugs, interval
labels, Markdown-safe text.

Examples
--------
>>> ci_label(90.0)
'90% CI'
>>> print(markdown_text("Liao 2022<img src=x onerror=alert(10)>"))
Liao 2022&lt;img src=x onerror=alert\\(10\\)&gt;

>>> import math
>>> clean_json({"k": 3, "tau2": math.nan, "ci": (0.1, math.inf)})
{'k': 3, 'tau2': None, 'ci': [0.1, None]}
>>> slug("ALSFRS-R (0-4 months)")
'alsfrs_r_0_4_months'
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard, overload

import numpy as np

from compendium.errors import CompendiumError

if TYPE_CHECKING:  # pandas is not imported here: `compendium meta` on a small file never needs it
    import pandas as pd


def study_labels(studies: pd.DataFrame) -> dict[str, str]:
    """``study_id`` -> short label (``"Braga 2018"``) from the ``studies`` table.

    Parameters
    ----------
    studies : pandas.DataFrame
        The ``studies`` resource, with columns ``study_id`` and ``label``.

    Returns
    -------
    dict of str to str
        Identifiers and labels as text with surrounding white space removed.
    """
    return {str(s).strip(): str(label).strip() for s, label in zip(studies["study_id"], studies["label"])}


def labels_of(studies: pd.DataFrame, ids: Iterable[str], *, source: str) -> list[str]:
    """The labels of ``ids``, in order; an id missing from ``studies`` is an error.

    Parameters
    ----------
    studies : pandas.DataFrame
        The ``studies`` resource (``study_id``, ``label``).
    ids : iterable of str
        Study identifiers to look up.
    source : str
        What refers to the studies (a table or a step), named in the error message.

    Returns
    -------
    list of str

    Raises
    ------
    CompendiumError
        When an id is not in ``studies``; the message lists every missing id.
    """
    labels = study_labels(studies)
    ids = [str(i) for i in ids]
    missing = sorted(set(ids) - set(labels))
    if missing:
        raise CompendiumError(f"{source}: study_id {', '.join(missing)} not found in studies")
    return [labels[i] for i in ids]


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or ``None`` when it is NaN or infinite (JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


@overload
def clean_json(obj: dict[str, Any]) -> dict[str, object]: ...
@overload
def clean_json(obj: object) -> object: ...
def clean_json(obj: object) -> object:
    """Plain Python types for ``json.dumps``: numpy scalars to int/float/bool, NaN and infinities
    (and pandas' missing values) to ``None``, tuples to lists, recursively through dicts and lists."""
    if isinstance(obj, dict):
        return {key: clean_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(value) for value in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return finite_or_none(float(obj))
    pandas = sys.modules.get("pandas")  # pandas' missing values exist only once pandas is loaded
    if pandas is not None and (obj is pandas.NA or obj is pandas.NaT):
        return None
    return obj


def slug(text: str) -> str:
    """File- and id-safe text: lower case, every run of other characters than a-z and 0-9 an underscore."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def is_present(value: object) -> TypeGuard[float]:
    """A reported number (not None, NaN or pandas' NA), as the numeric columns of the tables hold."""
    import pandas as pd

    # pandas-stubs type isna for scalars and arrays only; at run time it takes any object
    return value is not None and not pd.isna(value)  # type: ignore[call-overload]


def ci_label(level: float) -> str:
    """The label of a confidence interval at ``level`` percent: ``'95% CI'``, ``'90% CI'``.

    Every interval label of the pipeline comes from here, so a run with another ``level`` never
    prints "95% CI" beside a 90% interval.
    """
    return f"{float(level):g}% CI"


#: punctuation that starts Markdown markup inside a line (CommonMark lets a backslash escape it)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
#: bidirectional controls that reorder the text around them (U+202A-U+202E, U+2066-U+2069)
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown: HTML special characters as entities (a label such as
    ``<img src=x onerror=...>`` never becomes live HTML), Markdown punctuation backslash-escaped,
    bidirectional controls removed. For every label put into ``IPython.display.Markdown``."""
    plain = _BIDI_CONTROLS.sub("", str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)
