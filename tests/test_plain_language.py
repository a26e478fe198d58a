"""GRADE informative statements (Santesso N et al. GRADE guidelines 26. J Clin Epidemiol
2020;119:126-135, Table 2): the verb follows the direction, the hedge the certainty."""

from __future__ import annotations

import pytest

from compendium.bias.plain_language import INCREASES, NO_DIFFERENCE, REDUCES, direction, informative_statement


@pytest.mark.parametrize(
    ("low", "high", "null", "expected"),
    [
        (1.15, 2.51, 1.0, INCREASES),
        (0.2, 0.9, 1.0, REDUCES),
        (0.8, 1.2, 1.0, NO_DIFFERENCE),
        (-1.0, 0.0, 0.0, NO_DIFFERENCE),
    ],
)
def test_direction_is_the_side_of_no_effect_the_whole_interval_lies_on(low, high, null, expected):
    assert direction(low, high, null) == expected


@pytest.mark.parametrize(
    ("way", "certainty", "expected"),
    [
        (INCREASES, "High", "Lidocaine increases mortality"),
        (INCREASES, "Moderate", "Lidocaine probably increases mortality"),
        (INCREASES, "Low", "Lidocaine may increase mortality"),
        (INCREASES, "Very low", "We are very uncertain whether lidocaine increases mortality"),
        (REDUCES, "High", "Lidocaine reduces mortality"),
        (REDUCES, "Low", "Lidocaine may reduce mortality"),
        (NO_DIFFERENCE, "High", "Lidocaine results in little or no difference in mortality"),
        (NO_DIFFERENCE, "Moderate", "Lidocaine probably results in little or no difference in mortality"),
        (NO_DIFFERENCE, "Very low", "We are very uncertain whether lidocaine has any effect on mortality"),
    ],
)
def test_statement_by_certainty(way, certainty, expected):
    assert informative_statement("lidocaine", "mortality", way, certainty) == expected


def test_unknown_words_are_refused():
    with pytest.raises(ValueError, match="certainty"):
        informative_statement("x", "y", INCREASES, "Certain")
    with pytest.raises(ValueError, match="direction"):
        informative_statement("x", "y", "up", "High")


@pytest.mark.parametrize("name", ["compendium.bias.plain_language", "compendium.report.sof"])
def test_docstring_examples_run(name):
    """Doctests: the statements above and the absolute risks of a risk or odds ratio (Cochrane
    Handbook 14.1.5: control risk 0.4 with RR 0.75 gives 0.3; 0.2 with OR 2 gives 0.2*2/(1-0.2+0.4) = 1/3)."""
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(name)).failed == 0
