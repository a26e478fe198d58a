"""Every word and colour of the risk-of-bias and GRADE engine, defined once.

Signalling answers follow RoB 2 (Higgins JPT, Savović J, Page MJ, Sterne JAC. Revised Cochrane
risk-of-bias tool for randomized trials (RoB 2), full guidance, 22 August 2019, section 1.2):
Y (yes), PY (probably yes), PN (probably no), N (no), NI (no information). ``NA`` marks a
question the tool does not ask given earlier answers; an empty cell means the same.

Judgements use robvis's spelling (McGuinness LA, Higgins JPT. Res Synth Methods 2021;12:55-61) so
that exported files can be redrawn there without translation.
"""

from __future__ import annotations

# --- signalling answers -------------------------------------------------------------------------
YES = "Y"
PROBABLY_YES = "PY"
PROBABLY_NO = "PN"
NO = "N"
NO_INFORMATION_ANSWER = "NI"
NOT_APPLICABLE = "NA"

#: answers a reviewer can give to a question the tool asks, in the tool's order
ANSWERS: tuple[str, ...] = (YES, PROBABLY_YES, PROBABLY_NO, NO, NO_INFORMATION_ANSWER)
#: answers without "No information" (the tool's options for question 3.2)
ANSWERS_WITHOUT_NI: tuple[str, ...] = (YES, PROBABLY_YES, PROBABLY_NO, NO)
ANSWER_LABELS: dict[str, str] = {
    YES: "Yes",
    PROBABLY_YES: "Probably yes",
    PROBABLY_NO: "Probably no",
    NO: "No",
    NO_INFORMATION_ANSWER: "No information",
    NOT_APPLICABLE: "Not applicable (question not asked)",
}
#: answer groups used by the decision algorithms
Y_PY: frozenset[str] = frozenset({YES, PROBABLY_YES})
N_PN: frozenset[str] = frozenset({NO, PROBABLY_NO})
Y_PY_NI: frozenset[str] = Y_PY | {NO_INFORMATION_ANSWER}
N_PN_NI: frozenset[str] = N_PN | {NO_INFORMATION_ANSWER}

# --- domain and overall judgements ---------------------------------------------------------------
LOW = "Low"
SOME_CONCERNS = "Some concerns"
HIGH = "High"
VERY_HIGH = "Very high"
NO_INFORMATION = "No information"
#: the judgement of a study or result that no risk-of-bias tool assessed (not a judgement a tool reaches)
NOT_ASSESSED = "Not assessed"

#: RoB 2 judgements, least to most severe
ROB2_JUDGEMENTS: tuple[str, ...] = (LOW, SOME_CONCERNS, HIGH)
#: ROBINS-E judgements, least to most severe (Higgins JPT et al. Environ Int 2024;186:108602)
ROBINS_E_JUDGEMENTS: tuple[str, ...] = (LOW, SOME_CONCERNS, HIGH, VERY_HIGH)
#: severity rank used to pick the worst domain (No information is not ranked)
SEVERITY: dict[str, int] = {LOW: 0, SOME_CONCERNS: 1, HIGH: 2, VERY_HIGH: 3}

# --- Cochrane RoB 1 (Higgins JPT, Altman DG, Sterne JAC. Chapter 8: Assessing risk of bias in included
# studies. Cochrane Handbook for Systematic Reviews of Interventions 5.1.0, 2011) -------------------
#: the tool's own judgements, as stored in ``rob1_judgements.csv`` and ``rob1_summary.csv``
ROB1_LOW = "low"
ROB1_UNCLEAR = "unclear"
ROB1_HIGH = "high"
ROB1_NOT_APPLICABLE = "not applicable"
#: RoB 1 judgements, least to most severe ("not applicable" is no judgement of risk)
ROB1_JUDGEMENTS: tuple[str, ...] = (ROB1_LOW, ROB1_UNCLEAR, ROB1_HIGH)
#: how a RoB 1 table prints each judgement (Handbook 5.1, Table 8.5.d; RevMan 5's risk-of-bias tables)
ROB1_LABELS: dict[str, str] = {
    ROB1_LOW: "Low risk",
    ROB1_UNCLEAR: "Unclear risk",
    ROB1_HIGH: "High risk",
    ROB1_NOT_APPLICABLE: "Not applicable",
}
#: overall judgements at low risk, and at high risk, whichever tool reached them (GRADE's shares)
LOW_RISK: tuple[str, ...] = (LOW, ROB1_LABELS[ROB1_LOW])
HIGH_RISK: tuple[str, ...] = (HIGH, VERY_HIGH, ROB1_LABELS[ROB1_HIGH])

# --- tools and their domains ---------------------------------------------------------------------
ROB2 = "ROB2"
ROBINS_E = "ROBINS-E"
#: robvis-style short domain keys and their names, per tool
TOOL_DOMAINS: dict[str, dict[str, str]] = {
    ROB2: {
        "D1": "Randomisation process",
        "D2": "Deviations from intended interventions",
        "D3": "Missing outcome data",
        "D4": "Measurement of the outcome",
        "D5": "Selection of the reported result",
    },
    ROBINS_E: {
        "D1": "Confounding",
        "D2": "Measurement of the exposure",
        "D3": "Selection of participants into the study (or into the analysis)",
        "D4": "Post-exposure interventions",
        "D5": "Missing data",
        "D6": "Measurement of the outcome",
        "D7": "Selection of the reported result",
    },
}
#: judgements each tool can reach; robvis files may also say "No information"
TOOL_JUDGEMENTS: dict[str, tuple[str, ...]] = {ROB2: ROB2_JUDGEMENTS, ROBINS_E: ROBINS_E_JUDGEMENTS}

# --- plotting ------------------------------------------------------------------------------------
#: palettes for judgements. "cochrane" uses the colours of robvis's default Cochrane-style palette
#: (green / yellow / red / dark red / blue) so figures match robvis output; "colourblind" is the
#: ColorBrewer YlOrBr sequential scheme (colour-blind safe, ordered light to dark) with grey for
#: no information. Judgements are also told apart by symbol, never by colour alone.
PALETTES: dict[str, dict[str, str]] = {
    "cochrane": {
        LOW: "#02C100",
        SOME_CONCERNS: "#E2DF07",
        HIGH: "#BF0000",
        VERY_HIGH: "#820000",
        NO_INFORMATION: "#4EA1F7",
    },
    "colourblind": {
        LOW: "#FFF7BC",
        SOME_CONCERNS: "#FEC44F",
        HIGH: "#D95F0E",
        VERY_HIGH: "#662506",
        NO_INFORMATION: "#BDBDBD",
    },
}
DEFAULT_PALETTE = "cochrane"
#: symbol drawn inside each traffic light
SYMBOLS: dict[str, str] = {LOW: "+", SOME_CONCERNS: "-", HIGH: "x", VERY_HIGH: "!", NO_INFORMATION: "?"}

# --- GRADE ---------------------------------------------------------------------------------------
#: certainty levels by numeric level (GRADE handbook section 5; Balshem H et al. J Clin Epidemiol
#: 2011;64:401-406), with the conventional circle symbols
CERTAINTY_LEVELS: dict[int, str] = {4: "High", 3: "Moderate", 2: "Low", 1: "Very low"}
CERTAINTY_SYMBOLS: dict[int, str] = {4: "⊕⊕⊕⊕", 3: "⊕⊕⊕◯", 2: "⊕⊕◯◯", 1: "⊕◯◯◯"}
#: concern levels for each GRADE downgrade domain, by number of levels rated down
CONCERN_LEVELS: dict[int, str] = {0: "not serious", 1: "serious", 2: "very serious"}
#: status of a downgrade domain that could not be assessed (too few studies, missing input)
DOMAIN_NOT_ASSESSED = "not assessed"
