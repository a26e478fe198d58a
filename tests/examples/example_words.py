"""The words of the repository's own review (ALS, exercise, SOD1 mice, mouse studies), which no shipped example's
declaration, data or report may use: an example that says them has leaked the ALS review."""

from __future__ import annotations

import re

ALS_REVIEW_WORDS = re.compile(r"\bALS\b|amyotrophic|exercis|SOD1|\bmice\b|\bmouse\b", re.IGNORECASE)
