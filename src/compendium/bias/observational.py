"""Risk of bias in observational studies of an exposure (physical activity, sport, occupation) and
ALS: the seven domains of ROBINS-E, recorded at domain level.

Tool: Higgins JPT, Morgan RL, Rooney AA, et al. A tool to assess risk of bias in non-randomized
follow-up studies of exposure effects (ROBINS-E). Environ Int 2024;186:108602 (tool version of
June 2023, riskofbias.info). Domains: D1 confounding, D2 measurement of the exposure, D3 selection
of participants into the study (or into the analysis), D4 post-exposure interventions, D5 missing
data, D6 measurement of the outcome, D7 selection of the reported result. Judgements: Low, Some
concerns, High, Very high.

**Decision.** We record the reviewer's judgement for each domain with a written justification and
its source, and we do not implement ROBINS-E's signalling-question algorithms: the published
exposure studies on exercise and ALS report too little for question-level answers to add more
than a justified domain judgement, and a hand-made checklist (e.g. a quality score) would not map
onto GRADE's risk-of-bias domain. Because no algorithm proposes the domain judgements, each domain
has one column ``dN_final`` (the reviewer's judgement) and ``dN_justification``; the **overall**
judgement is proposed by rule and stored as ``overall_proposed``, ``overall_final`` and
``overall_override_reason`` like RoB 2.

**Overall rule** (ROBINS-E, overall judgement): Low if every domain is Low (ROBINS-E words this
"Low risk of bias except for concerns about uncontrolled confounding"); otherwise the most severe
domain judgement. Judging High for several domains with Some concerns, or Very high for several
High domains, is the reviewer's call: an overall override with a reason.

**Designs.** ROBINS-E is published for follow-up (cohort) studies. Case-control studies are
assessed against the same seven domains as an adaptation (no case-control variant is published);
the ``tool_note`` column says so for every such row, so figures and the report can flag it.

**Wide format** (one row per result)::

    study, [outcome], design (cohort | case-control), d1 .. d7, d1_justification .. d7_justification,
    [overall_override, overall_override_reason]

**Long format** (curated file; one row per domain judgement; :func:`pivot_judgements`)::

    study, outcome, design, domain (d1 .. d7), judgement, justification, source_id, locator
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

from compendium.bias.tables import cell, check_unique, override, require_columns, where
from compendium.bias.vocabulary import LOW, ROBINS_E, ROBINS_E_JUDGEMENTS, SEVERITY, TOOL_DOMAINS
from compendium.errors import CompendiumError, cell_problem

DOMAINS: tuple[str, ...] = tuple(key.lower() for key in TOOL_DOMAINS[ROBINS_E])
#: study designs accepted, with the note recorded on each assessed row
DESIGNS: dict[str, str] = {
    "cohort": "ROBINS-E (follow-up studies) as published",
    "case-control": "ROBINS-E domains applied to a case-control study (adaptation; no published case-control variant)",
}
LONG_COLUMNS: tuple[str, ...] = (
    "study",
    "outcome",
    "design",
    "domain",
    "judgement",
    "justification",
    "source_id",
    "locator",
)


def overall_judgement(domain_judgements: Sequence[str]) -> str:
    """ROBINS-E overall rule: Low if all domains are Low, else the most severe domain judgement."""
    worst = max(domain_judgements, key=SEVERITY.__getitem__)
    return LOW if worst == LOW else worst


def assessment_columns() -> list[str]:
    """Column order of :func:`assess_observational` output."""
    columns = ["study", "outcome", "design", "tool_note"]
    for domain in DOMAINS:
        columns += [f"{domain}_final", f"{domain}_justification"]
    return [*columns, "overall_proposed", "overall_final", "overall_override_reason"]


def assess_result(
    raw: Mapping[Hashable, object], *, source: str = "judgements table", row: int = 1
) -> dict[str, str | None]:
    """Check one result's domain judgements and propose its overall judgement."""
    study = cell(raw.get("study"))
    if not study:
        raise CompendiumError(cell_problem(source, row, "study", "a study identifier", ""))
    design = cell(raw.get("design"))
    if design not in DESIGNS:
        raise CompendiumError(
            f"{where(source, row, study, 'design')}: {design!r} is not a design; expected one of {', '.join(DESIGNS)}"
        )
    result: dict[str, str | None] = {
        "study": study,
        "outcome": cell(raw.get("outcome")) or None,
        "design": design,
        "tool_note": DESIGNS[design],
    }
    domain_judgements = []
    for domain in DOMAINS:
        judgement = cell(raw.get(domain))
        justification = cell(raw.get(f"{domain}_justification"))
        if judgement not in ROBINS_E_JUDGEMENTS:
            raise CompendiumError(
                f"{where(source, row, study, domain)}: {judgement!r} is not a judgement; expected one of "
                f"{', '.join(ROBINS_E_JUDGEMENTS)}"
            )
        if not justification:
            raise CompendiumError(
                f"{where(source, row, study, f'{domain}_justification')}: every domain judgement needs a justification"
            )
        result |= {f"{domain}_final": judgement, f"{domain}_justification": justification}
        domain_judgements.append(judgement)
    proposed = overall_judgement(domain_judgements)
    final, reason = override(raw, "overall", proposed, ROBINS_E_JUDGEMENTS, source=source, row=row, study=study)
    return result | {"overall_proposed": proposed, "overall_final": final, "overall_override_reason": reason}


def assess_observational(table: pd.DataFrame, *, source: str = "judgements table") -> pd.DataFrame:
    """Assess every result of a wide judgements table (module docstring); one row per result,
    columns as :func:`assessment_columns`. Tested in ``tests/test_observational_rob.py``."""
    require_columns(table, ["study", "design", *DOMAINS, *(f"{d}_justification" for d in DOMAINS)], source)
    check_unique(table, ["study", "outcome"] if "outcome" in table.columns else ["study"], source)
    rows = [assess_result(record, source=source, row=i + 1) for i, record in enumerate(table.to_dict(orient="records"))]
    return pd.DataFrame(rows, columns=assessment_columns())


def pivot_judgements(long: pd.DataFrame, *, source: str = "judgements table") -> pd.DataFrame:
    """Long judgements (one row per domain, module docstring) -> wide table for
    :func:`assess_observational`. Requires ``source_id`` and ``locator`` on every row and one
    design per result; vocabulary and justifications are checked by the assessment."""
    require_columns(long, LONG_COLUMNS, source)
    check_unique(long, ["study", "outcome", "domain"], source)
    results: dict[tuple[str, str], dict[str, str]] = {}
    for position, record in enumerate(long.to_dict(orient="records")):
        row = position + 1
        study, outcome, design, domain = (cell(record[c]) for c in ("study", "outcome", "design", "domain"))
        if domain not in DOMAINS:
            raise CompendiumError(
                f"{where(source, row, study, 'domain')}: {domain!r} is not a domain; expected one of d1 .. d7"
            )
        for column in ("source_id", "locator"):
            if not cell(record[column]):
                raise CompendiumError(f"{where(source, row, study, column)}: required for every domain judgement")
        current = results.setdefault((study, outcome), {"study": study, "outcome": outcome, "design": design})
        if current["design"] != design:
            raise CompendiumError(
                f"{where(source, row, study, 'design')}: {design!r} differs from {current['design']!r} given earlier "
                "for this result"
            )
        current |= {domain: cell(record["judgement"]), f"{domain}_justification": cell(record["justification"])}
    columns = ["study", "outcome", "design", *DOMAINS, *(f"{d}_justification" for d in DOMAINS)]
    return pd.DataFrame([results[key] for key in sorted(results)], columns=columns).fillna("")
