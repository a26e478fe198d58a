"""Stage 04, Mendelian randomization and triangulation: the published MR studies (estimates,
design, reported sensitivity analyses, STROBE-MR appraisal), an optional user SNP table run through
the MR engine, the MR, observational and animal evidence side by side, and the answer to the
review's risk question by rules R1-R7 (:func:`compendium.evidence.triangulation.conclusion`).

With no MR, observational or animal rows (a review of trials only) the stage writes its tables
empty with their header and a note, and no answer (the report says so)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from compendium.analysis.inputs import LEFT_OUT_NOTE, leave_out_tables
from compendium.errors import CompendiumError
from compendium.evidence.published_mr import (
    APPRAISAL_COLUMNS,
    UserMR,
    analyse_user_table,
    combine,
    design_table,
    published_estimates,
    sensitivity_table,
    strobe_mr_appraisal,
)
from compendium.evidence.triangulation import (
    MR,
    PRECLINICAL_COUNT_COLUMNS,
    ROW_COLUMNS,
    TRIANGULATION_COLUMNS,
    conclusion,
    evidence_rows,
    preclinical_counts,
    triangulation_table,
)
from compendium.plots.mr import leave_one_out_plot, mr_funnel_plot, scatter_plot
from compendium.plots.mr_published import published_mr_forest, published_mr_forest_alt
from compendium.plots.triangulation import triangulation_alt, triangulation_plot
from compendium.results_io import read_table, save_figure
from compendium.review import Review
from compendium.shared import ci_label
from compendium.stages import StageResult, account

STAGE = "04_mendelian_randomization"
INGEST = "01_ingest"
INPUTS = ("studies", "mr_studies", "mr_estimates", "observational", "preclinical")


def run(
    review: Review,
    raw_dir: str | Path,
    results_dir: str | Path,
    output_dir: str | Path,
    *,
    snp_table: str | None = None,
    seed: int = 314159265,
    n_bootstrap: int = 10000,
    exclude_studies: list[str] | None = None,
) -> StageResult:
    """Stage 04 (module docstring). ``exclude_studies``: study ids left out of the MR summary and
    the triangulation, as in stage 03 (the notes and ``tables/left_out.json`` say which, with the
    rows left out; unknown ids are refused by name)."""
    result = StageResult()
    tables = {name: read_table(results_dir, INGEST, name) for name in INPUTS}
    if exclude_studies:
        tables, left_out = leave_out_tables(tables, exclude_studies)
        result.notes += [f"{LEFT_OUT_NOTE}: {line}" for line in left_out]
        result.record(
            output_dir,
            "left_out",
            {"exclude_studies": list(exclude_studies), "studies_left_out_by_the_reviewer": "; ".join(left_out)},
        )
    nouns = {"intervention": review.exposure, "condition": review.condition}  # the risk question's words
    question = review.question_for_role("risk")
    exposure_labels = review.exposure_labels  # the declared display labels of the exposure categories
    estimates = published_estimates(
        tables["mr_estimates"],
        tables["studies"],
        condition=review.condition,
        exposure_order=review.exposure_category_ids,
    )
    design = design_table(tables["mr_studies"], tables["studies"], estimates)
    result.accounting.append(account(STAGE, "mr_estimates", len(tables["mr_estimates"]), len(estimates), 0))
    intercepts = None
    if snp_table is not None:
        user = _user_table(snp_table, seed, n_bootstrap, result, output_dir, review.condition)
        estimates, design, intercepts = (
            combine(estimates, user.estimates),
            combine(design, user.design),
            user.intercepts,
        )

    result.table(output_dir, "mr_estimates", estimates)
    mr_title = f"Published MR estimates: {review.exposure} and {review.condition}"
    if len(estimates):
        save_figure(
            published_mr_forest(estimates, condition=review.condition, title=mr_title, exposure_labels=exposure_labels),
            output_dir,
            "mr_published_forest",
            title=mr_title,
            alt=published_mr_forest_alt(estimates, **nouns, exposure_labels=exposure_labels),
        )
        result.figures.append("mr_published_forest")
    else:
        result.notes.append("MR: no Mendelian randomization estimates in the data (mr_estimates.csv has no rows)")
    result.table(output_dir, "mr_design", design)
    result.table(output_dir, "mr_sensitivity", sensitivity_table(estimates, design, intercepts))
    appraisal = result.table(
        output_dir,
        "mr_appraisal",
        strobe_mr_appraisal(design, estimates) if len(design) else pd.DataFrame(columns=APPRAISAL_COLUMNS),
    )

    rows = (
        evidence_rows(
            estimates,
            tables["observational"],
            tables["preclinical"],
            tables["studies"],
            intervention=review.exposure,
            exposure_labels=exposure_labels,
        )
        if len(estimates) or len(tables["observational"]) or len(tables["preclinical"])
        else pd.DataFrame(columns=ROW_COLUMNS)
    )
    triangulation = (
        triangulation_table(rows, **nouns, stream_labels=review.stream_labels_of("label"))
        if len(rows)
        else pd.DataFrame(columns=TRIANGULATION_COLUMNS)
    )
    mouse_counts = (
        preclinical_counts(tables["preclinical"])
        if len(tables["preclinical"])
        else pd.DataFrame(columns=PRECLINICAL_COUNT_COLUMNS)
    )
    result.table(output_dir, "triangulation", triangulation)
    result.table(output_dir, "triangulation_rows", rows)
    result.table(output_dir, "preclinical_counts", mouse_counts)
    if len(triangulation):
        save_figure(
            triangulation_plot(
                rows,
                triangulation,
                mouse_counts,
                question=question.text if question else "",
                **nouns,
                stream_labels=review.stream_labels_of("short"),
            ),
            output_dir,
            "triangulation",
            title="Triangulation: MR, observational and animal evidence",
            alt=triangulation_alt(triangulation, mouse_counts),
        )
        result.figures.append("triangulation")
    else:
        result.notes.append("triangulation: no MR, observational or animal evidence in the data")

    if question is None:
        result.notes.append("no declared question has an observational, MR or animal stream: stage 04 writes no answer")
    elif triangulation.empty or (triangulation["stream"] == MR).sum() == 0:
        result.notes.append(
            f"no answer to '{question.text}': the rules need at least one primary Mendelian randomization study"
        )
    else:
        result.record(output_dir, "conclusion", conclusion(triangulation, rows, appraisal, question, **nouns))
    return result.finish(output_dir)


def _user_table(
    snp_table: str, seed: int, n_bootstrap: int, result: StageResult, output_dir: str | Path, condition: str
) -> UserMR:
    """Run the MR engine on a user-supplied harmonised SNP table, with its figures (not published evidence)."""
    frame = pd.read_csv(snp_table)
    user = analyse_user_table(frame, condition=condition, source=str(snp_table), seed=seed, n_bootstrap=n_bootstrap)
    result.objects["user_results"] = user.results
    exposure_label, outcome_label = "exposure (user-supplied)", "outcome (log odds)"
    ivw = user.results.ivw
    if ivw is None:  # the figures' descriptions quote the IVW estimate
        raise CompendiumError(f"{snp_table}: no IVW estimate ({user.results.notes.get('ivw', 'not estimated')})")
    save_figure(
        scatter_plot(frame, user.results, exposure_label=exposure_label, outcome_label=outcome_label),
        output_dir,
        "user_mr_scatter",
        title="User-supplied SNP table: MR scatter plot",
        alt=f"Scatter plot of SNP-outcome against SNP-exposure effects for {user.results.n_snps} SNPs of the "
        f"user-supplied table, with method lines; IVW slope {ivw.estimate:.3g} "
        f"({ci_label(user.results.settings.level)} {ivw.ci_low:.3g} to "
        f"{ivw.ci_high:.3g}). Not published evidence.",
    )
    save_figure(
        mr_funnel_plot(frame, user.results, exposure_label=exposure_label, outcome_label=outcome_label),
        output_dir,
        "user_mr_funnel",
        title="User-supplied SNP table: MR funnel plot",
        alt=f"Funnel plot of the per-SNP Wald ratios of the user-supplied table against their precision, with "
        f"the IVW ({ivw.estimate:.3g}) and MR-Egger estimates. Not published evidence.",
    )
    result.figures += ["user_mr_scatter", "user_mr_funnel"]
    if user.leave_one_out is not None:
        loo = user.leave_one_out
        save_figure(
            leave_one_out_plot(loo, user.results, exposure_label=exposure_label, outcome_label=outcome_label),
            output_dir,
            "user_mr_leave_one_out",
            title="User-supplied SNP table: leave-one-out analysis",
            alt=f"IVW estimate with each of the {len(loo)} SNPs left out in turn; estimates range from "
            f"{loo['estimate'].min():.3g} to {loo['estimate'].max():.3g} (all SNPs: {ivw.estimate:.3g}). "
            "Not published evidence.",
        )
        result.table(output_dir, "user_mr_leave_one_out", loo)
        result.figures.append("user_mr_leave_one_out")
    plt.close("all")
    return user
