"""Cochrane reviews in, RevMan 5's results re-computed: readers and re-analysis (``compendium cochrane``).

* :func:`read_review` reads a RevMan 5 file (``.rm5``), a Cochrane data package (zip or folder)
  or a one-row-per-study CSV with metafor's column names into a :class:`Review`
  (:mod:`compendium.cochrane.model`);
* :func:`compendium.cochrane.reanalyse.reanalyse` pools every analysis and subgroup with the
  review's own settings (:mod:`compendium.meta.revman`) and compares with the stored results.
"""

from __future__ import annotations

from compendium.cochrane.model import Analysis, Group, Review, StudyRow
from compendium.cochrane.readers import read_review

__all__ = ["Analysis", "Group", "Review", "StudyRow", "read_review"]
