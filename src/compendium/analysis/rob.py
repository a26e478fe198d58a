"""Risk-of-bias judgements from stage 02, looked up per study and outcome.

Stage 03 never invents a judgement: when stage 02 has not run, every lookup is ``None`` and the
tables say "not assessed"; when it has run but a study (or a trial's outcome) has no judgement,
the lookup is ``NOT_ASSESSED``, which GRADE counts like "No information" (not Low).

A trial without a RoB 2 judgement for the outcome but with a Cochrane RoB 1 summary (stage 02's
``rob1_summary``, from the judgements of an imported review file) gets that summary in RoB 1's words
("Low risk", "Unclear risk", "High risk"; :data:`compendium.bias.vocabulary.ROB1_LABELS`), never
RoB 2's: GRADE counts "High risk" as high and "Unclear risk" as not low, like "Some concerns".
"""

from __future__ import annotations

import pandas as pd

from compendium.analysis.inputs import StageInputs
from compendium.bias.vocabulary import HIGH_RISK, NOT_ASSESSED, ROB1_LABELS

__all__ = ["HIGH_RISK", "NOT_ASSESSED", "ROB1_SHOWN", "RobLookup"]

#: the overall judgements of a study's RoB 1 summary, as stage 03 shows them
ROB1_SHOWN = frozenset(ROB1_LABELS.values())


class RobLookup:
    """Overall judgements: RoB 2 per (trial, outcome), else the trial's RoB 1 summary, and the
    observational tool per study."""

    def __init__(self, inputs: StageInputs) -> None:
        self.available = inputs.rob_available
        self._rob2: dict[tuple[str, str], str] = {}
        self._rob1: dict[str, str] = {}
        self._observational: dict[str, str] = {}
        if inputs.rob2 is not None:
            table = inputs.rob2.dropna(subset=["overall"])
            self._rob2 = {
                (str(s), str(o)): str(j) for s, o, j in zip(table["study_id"], table["outcome"], table["overall"])
            }
        if inputs.rob1 is not None:
            table = inputs.rob1.dropna(subset=["overall"])
            self._rob1 = {str(s): ROB1_LABELS[str(j)] for s, j in zip(table["study_id"], table["overall"]) if str(j)}
        if inputs.observational_rob is not None:
            table = inputs.observational_rob.dropna(subset=["overall"])
            self._observational = dict(zip(table["study_id"].astype(str), table["overall"].astype(str)))

    def judgement(self, question: str, study_id: str, outcome: str) -> str | None:
        """The overall judgement; None when stage 02 has not run; NOT_ASSESSED when it has no row."""
        if not self.available:
            return None
        if question == "risk":
            return self._observational.get(study_id, NOT_ASSESSED)
        return self._rob2.get((study_id, outcome)) or self._rob1.get(study_id, NOT_ASSESSED)

    def column(self, data: pd.DataFrame, question: str) -> list[str | None]:
        """Judgements for the rows of ``data`` (columns study_id and outcome)."""
        return [self.judgement(question, str(s), str(o)) for s, o in zip(data["study_id"], data["outcome"])]
