"""Readable and JSON summaries of a re-analysed Cochrane review (``compendium cochrane``)."""

from __future__ import annotations

from typing import Any

from compendium.cochrane.model import Review


def review_dict(review: Review) -> dict[str, Any]:
    """The ``review`` object of ``compendium cochrane --json``."""
    return {
        "title": review.title,
        "doi": review.doi or None,
        "source": review.source,
        "format": review.source_format,
        "revman_version": review.revman_version or None,
        "studies": len(review.studies),
        "analyses": len(review.analyses),
    }


def _number(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.4g}" if abs(float(value)) < 1e-3 and value != 0 else f"{float(value):.4f}"  # type: ignore[arg-type]  # ints and floats only


def text_report(review: Review, records: list[dict[str, Any]]) -> str:
    """``compendium cochrane`` without ``--json``: one block per analysis and subgroup."""
    lines = [f"{review.title or review.source} ({review.source_format}{', DOI ' + review.doi if review.doi else ''})"]
    agreeing = sum(1 for r in records if r["agrees"] is True)
    compared = sum(1 for r in records if r["agrees"] is not None)
    lines.append(
        f"{len(review.analyses)} analyses, {len(records)} results; "
        f"{agreeing} of {compared} with stored results reproduced"
    )
    for r in records:
        head = f"{r['comparison']}.{r['outcome']}"
        head += f".{r['subgroup_number']} {r['subgroup']}" if r["subgroup_number"] is not None else f" {r['name']}"
        lines.append("")
        lines.append(head)
        settings = (
            f"{r['measure']}, {r['pooling']}, {r['model']}{' (DL)' if r['tau2_method'] else ''}, {r['level']:g}% CI"
            if r["pooling"]
            else f"{r['data_type']} data"
        )
        if r["estimate"] is None:
            lines.append(f"  {settings}: not estimable ({r['reason']})")
        else:
            lines.append(
                f"  {settings}, k = {r['k']}: {_number(r['estimate'])} "
                f"[{_number(r['ci_low'])}, {_number(r['ci_high'])}], "
                f"z = {_number(r['z'])}, p = {_number(r['pval'])}"
            )
            lines.append(
                f"  heterogeneity: tau2 = {_number(r['tau2'])}, Q = {_number(r['q'])} (df = {r['df']}, "
                f"p = {_number(r['q_pval'])}), I2 = {_number(r['i2'])}%"
            )
        test = r.get("subgroup_test")
        if test:
            lines.append(
                f"  subgroup differences: Q = {_number(test['q'])} (df = {test['df']}, p = {_number(test['pval'])}), "
                f"I2 = {_number(test['i2'])}%"
            )
        stored = r["stored"]
        if r["agrees"] is None:
            lines.append(f"  stored: none ({r['reason']})")
        else:
            lines.append(
                f"  stored: {_number(stored['estimate'])} [{_number(stored['ci_low'])}, {_number(stored['ci_high'])}]; "
                + ("reproduced" if r["agrees"] else f"NOT reproduced ({r['reason']})")
            )
            if r["agrees"] and r["reason"]:
                lines.append(f"  note: {r['reason']}")
        compared_studies = [s for s in r.get("studies", []) if s["agrees"] is not None]
        if compared_studies:
            differing = [s["study"] for s in compared_studies if not s["agrees"]]
            lines.append(
                f"  studies: {len(compared_studies) - len(differing)} of {len(compared_studies)} stored study results "
                "reproduced" + (f" (not: {', '.join(differing)})" if differing else "")
            )
        for item in r["excluded"]:
            lines.append(f"  excluded: {item['study']} ({item['reason']})")
    return "\n".join(lines)
