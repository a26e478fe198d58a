"""GRADE informative statements: one plain-language sentence per result, its verb chosen by the
direction of the result and its hedge by the certainty of the evidence.

Wording after GRADE guidance 26 (Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26:
informative statements to communicate the findings of systematic reviews of interventions.
J Clin Epidemiol 2020;119:126-135, Table 2), in our words:

======================  ===========================================  ==============================================
certainty               the CI excludes no effect                    the CI includes no effect
======================  ===========================================  ==============================================
High                    X increases / reduces Y                      X results in little or no difference in Y
Moderate                X probably increases / reduces Y             X probably results in little or no difference in Y
Low                     X may increase / reduce Y                    X may result in little or no difference in Y
Very low                we are very uncertain whether X increases /  we are very uncertain whether X has any effect
                        reduces Y                                    on Y
======================  ===========================================  ==============================================

The direction is the side of no effect the whole confidence interval lies on (above: "increases",
below: "reduces"); it says what happens to the outcome's value, whatever the better side is. A
result oriented so that positive values favour the intervention (an SMD) is turned back with the
outcome's declared better side (:func:`oriented_direction`).
"""

from __future__ import annotations

from compendium.bias.vocabulary import CERTAINTY_LEVELS

#: the directions a result can have: its CI above no effect, below it, or including it; a result
#: oriented so that positive favours the intervention (an SMD over instruments of both directions)
#: improves or worsens the outcome
INCREASES, REDUCES, NO_DIFFERENCE = "increases", "reduces", "no_difference"
IMPROVES, WORSENS = "improves", "worsens"
_VERBS = {
    INCREASES: ("increases", "increase"),
    REDUCES: ("reduces", "reduce"),
    IMPROVES: ("improves", "improve"),
    WORSENS: ("worsens", "worsen"),
}
HIGH_TEXT, MODERATE_TEXT, LOW_TEXT, VERY_LOW_TEXT = (CERTAINTY_LEVELS[level] for level in (4, 3, 2, 1))


def direction(ci_low: float, ci_high: float, null: float) -> str:
    """:data:`INCREASES` when the CI lies above ``null``, :data:`REDUCES` when below, else :data:`NO_DIFFERENCE`."""
    if ci_low > null:
        return INCREASES
    if ci_high < null:
        return REDUCES
    return NO_DIFFERENCE


def oriented_direction(ci_low: float, ci_high: float, null: float, higher_is_better: bool | None) -> str:
    """The direction of the outcome's value for a result oriented so that positive values favour the
    intervention (an SMD pooled over instruments where lower or higher is better): the CI's side turned
    back with the outcome's declared ``higher_is_better``; "improves" / "worsens" when it is not declared.

    >>> oriented_direction(0.03, 0.36, 0.0, False)
    'reduces'
    >>> oriented_direction(0.03, 0.36, 0.0, None)
    'improves'
    """
    way = direction(ci_low, ci_high, null)
    if way == NO_DIFFERENCE or higher_is_better is True:
        return way
    if higher_is_better is False:
        return REDUCES if way == INCREASES else INCREASES
    return IMPROVES if way == INCREASES else WORSENS


def in_sentence(label: str) -> str:
    """A declared label inside a sentence: its first letter in lower case unless it starts an acronym
    or the label is written in title case (another word capitalised, as RevMan's analysis names are).

    Examples
    --------
    >>> in_sentence("Mortality"), in_sentence("ALSFRS-R total"), in_sentence("days off work")
    ('mortality', 'ALSFRS-R total', 'days off work')
    >>> in_sentence("Death after Myocardial Infarction")
    'Death after Myocardial Infarction'
    """
    title_case = any(word[:1].isupper() for word in label.split()[1:])
    return label if label[:2].isupper() or title_case else label[:1].lower() + label[1:]


def informative_statement(intervention: str, outcome: str, way: str, certainty: str) -> str:
    """The sentence of the module table for ``way`` (:func:`direction`) and ``certainty`` (a GRADE
    level label: High, Moderate, Low, Very low), starting with a capital letter, without a full stop.

    Examples
    --------
    >>> informative_statement("lidocaine", "mortality", INCREASES, "Moderate")
    'Lidocaine probably increases mortality'
    >>> informative_statement("exercise", "fatigue", NO_DIFFERENCE, "Low")
    'Exercise may result in little or no difference in fatigue'
    >>> informative_statement("aspirin", "stroke", REDUCES, "Very low")
    'We are very uncertain whether aspirin reduces stroke'
    >>> informative_statement("BCG vaccination", "Tuberculosis", REDUCES, "Low")
    'BCG vaccination may reduce tuberculosis'
    >>> informative_statement("aspirin", "Death after Myocardial Infarction", REDUCES, "High")
    'Aspirin reduces Death after Myocardial Infarction'
    """
    outcome = in_sentence(outcome)
    if way not in (*_VERBS, NO_DIFFERENCE):
        raise ValueError(f"direction must be one of {', '.join([*_VERBS, NO_DIFFERENCE])}, got {way!r}")
    if way == NO_DIFFERENCE:
        sentence = {
            HIGH_TEXT: f"{intervention} results in little or no difference in {outcome}",
            MODERATE_TEXT: f"{intervention} probably results in little or no difference in {outcome}",
            LOW_TEXT: f"{intervention} may result in little or no difference in {outcome}",
            VERY_LOW_TEXT: f"we are very uncertain whether {intervention} has any effect on {outcome}",
        }.get(certainty)
    else:
        verb, bare = _VERBS[way]
        sentence = {
            HIGH_TEXT: f"{intervention} {verb} {outcome}",
            MODERATE_TEXT: f"{intervention} probably {verb} {outcome}",
            LOW_TEXT: f"{intervention} may {bare} {outcome}",
            VERY_LOW_TEXT: f"we are very uncertain whether {intervention} {verb} {outcome}",
        }.get(certainty)
    if sentence is None:
        raise ValueError(f"certainty must be one of {', '.join(CERTAINTY_LEVELS.values())}, got {certainty!r}")
    return sentence[0].upper() + sentence[1:]
