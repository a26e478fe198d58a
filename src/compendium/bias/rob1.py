"""Cochrane RoB 1 judgements as a review file gives them, and the summary of a study across key domains.

RoB 1 (Higgins JPT, Altman DG, Sterne JAC. Chapter 8: Assessing risk of bias in included studies. In:
Cochrane Handbook for Systematic Reviews of Interventions 5.1.0, 2011) judges each domain of a study
(sequence generation, allocation concealment, blinding, incomplete outcome data, selective reporting,
other) as low, high or unclear risk of bias; some domains are judged per outcome or group of outcomes.
The engine never turns these into RoB 2 judgements: they are stored and summarised in the tool's own
words (:data:`compendium.bias.vocabulary.ROB1_JUDGEMENTS`).

Summary of a study across its key domains (Handbook 5.1, section 8.7, Table 8.7.a): **low** when every
key domain is at low risk, **high** when one or more is at high risk, **unclear** otherwise. "Not
applicable" is no judgement and is left out; a key domain without a judgement for the study counts as
unclear (nothing is known about it). Which domains are key is the reviewer's choice; by default every
domain the review judged.

A domain judged for several groups of outcomes takes the worst of them (high, then unclear, then low):
the file's groups name outcomes in free text, which no rule matches to the analyses.

Tested in ``tests/test_rob1.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from compendium.bias.vocabulary import (
    ROB1_HIGH,
    ROB1_JUDGEMENTS,
    ROB1_LOW,
    ROB1_NOT_APPLICABLE,
    ROB1_UNCLEAR,
)
from compendium.errors import CompendiumError

if TYPE_CHECKING:  # pandas is imported where a table is summarised: the readers (and the CLI) start without it
    import pandas as pd

#: words of review files (RevMan's tables, data packages) -> the tool's judgement
_WORDS: dict[str, str] = {
    **{f"{word}{tail}": code for word, code in (("low", ROB1_LOW), ("high", ROB1_HIGH), ("unclear", ROB1_UNCLEAR))
       for tail in ("", " risk", " risk of bias")},
    ROB1_NOT_APPLICABLE: ROB1_NOT_APPLICABLE,
    "n/a": ROB1_NOT_APPLICABLE,
}  # fmt: skip
#: the columns of :func:`summarise`'s table before the domain columns
SUMMARY_COLUMNS = ["study_id", "overall", "notes"]


def judgement_code(text: str) -> str | None:
    """The RoB 1 judgement a file's words mean ("Low risk", "High risk of bias", "Unclear", "Not
    applicable", in any case), or None for words that are not a RoB 1 judgement."""
    return _WORDS.get(" ".join(str(text).lower().split()))


def worst(judgements: Sequence[str]) -> str:
    """The most severe of RoB 1 judgements; "not applicable" only when nothing else is given."""
    judged = [j for j in judgements if j in ROB1_JUDGEMENTS]
    if not judged:
        return ROB1_NOT_APPLICABLE
    return max(judged, key=ROB1_JUDGEMENTS.index)


def study_summary(domains: Mapping[str, str], key_domains: Sequence[str]) -> str:
    """A study's RoB 1 summary across ``key_domains`` (Handbook 5.1, Table 8.7.a; module docstring).

    Parameters
    ----------
    domains : domain -> the study's judgement (``low``, ``unclear``, ``high``, ``not applicable``)
    key_domains : the domains that count; one without a judgement counts as unclear

    Returns
    -------
    ``low``, ``unclear`` or ``high``; empty when every key domain is "not applicable"
    """
    judged = [domains.get(d, ROB1_UNCLEAR) for d in key_domains]
    judged = [j for j in judged if j != ROB1_NOT_APPLICABLE]
    if not judged:
        return ""
    if ROB1_HIGH in judged:
        return ROB1_HIGH
    return ROB1_UNCLEAR if ROB1_UNCLEAR in judged else ROB1_LOW


def summarise(judgements: pd.DataFrame, key_domains: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per study: ``study_id, overall, notes``, then one column per domain (in the order the
    domains first appear) holding the study's judgement for it.

    Parameters
    ----------
    judgements : long table with columns ``study_id, domain, group, judgement`` (RoB 1 words; ``group``
        empty for a study-level domain), e.g. the ``rob1_judgements`` resource of a data package
    key_domains : the domains the summary counts (default: every domain of ``judgements``)

    Returns
    -------
    DataFrame
        ``overall`` by :func:`study_summary`; ``notes`` says which domains were judged per group (the
        worst counts), which key domains have no judgement, and when no key domain was judged.
    """
    import pandas as pd

    missing = [c for c in ("study_id", "domain", "group", "judgement") if c not in judgements.columns]
    if missing:
        raise CompendiumError(
            f"RoB 1 judgements: expected columns study_id, domain, group, judgement; missing {missing}"
        )
    allowed = (*ROB1_JUDGEMENTS, ROB1_NOT_APPLICABLE)
    bad = sorted(set(judgements["judgement"].astype(str)) - set(allowed))
    if bad:
        raise CompendiumError(
            f"RoB 1 judgements, column judgement: expected one of {', '.join(allowed)}, got {bad[0]!r}"
        )
    domains = list(dict.fromkeys(judgements["domain"].astype(str)))
    keys = list(domains if key_domains is None else key_domains)
    unknown = [d for d in keys if d not in domains]
    if unknown:
        raise CompendiumError(
            f"RoB 1 key domain {unknown[0]!r}: not a domain of the judgements; domains: {'; '.join(domains)}"
        )
    rows = []
    for study_id, own in judgements.groupby(judgements["study_id"].astype(str), sort=False):
        row: dict[str, str] = {"study_id": study_id}
        notes = []
        for domain in domains:
            entries = own[own["domain"].astype(str) == domain]
            if entries.empty:
                continue
            row[domain] = worst(entries["judgement"].astype(str).tolist())
            groups = entries["group"].fillna("").astype(str)
            if (groups != "").any():
                listed = ", ".join(f"{g or 'study level'}: {j}" for g, j in zip(groups, entries["judgement"]))
                notes.append(f"{domain} judged per group of outcomes ({listed}); the worst counts")
        unjudged = [d for d in keys if d not in row]
        if unjudged:
            notes.append(f"no judgement for key domain(s) {'; '.join(unjudged)}: counted as unclear")
        row["overall"] = study_summary({d: row[d] for d in domains if d in row}, keys)
        if not row["overall"]:
            notes.append("every key domain not applicable: no summary")
        row["notes"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *domains]).fillna("")
