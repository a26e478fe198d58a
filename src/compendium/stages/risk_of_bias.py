"""Stage 02, risk of bias: RoB 2 for the randomised trial results (proposed and final judgements,
overrides, NI counts, robvis table and figures for one result per trial), the ROBINS-E domains
of the observational studies, and the Cochrane RoB 1 judgements a review file gave (an imported
review's ``rob1_judgements``), summarised per study across key domains in RoB 1's own words. With no
answers in the data the stage writes its tables empty and says so; later stages then report risk of
bias as not assessed for those studies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compendium.analysis import risk_of_bias_tables as rob_tables
from compendium.analysis.inputs import read_optional
from compendium.bias import observational, rob1, rob2
from compendium.bias.vocabulary import ROBINS_E, TOOL_DOMAINS
from compendium.plots.rob import summary_plot, traffic_light_plot
from compendium.results_io import read_table, save_figure
from compendium.review import Review
from compendium.stages import StageResult, account

STAGE = "02_risk_of_bias"
INGEST = "01_ingest"
PALETTES = ("cochrane", "colourblind")
JUDGEMENT_COLUMNS = ["study_id", "study", "outcome", "d1", "d2", "d3", "d4", "d5", "overall"]
NI_COLUMNS = ["study_id", "study", "outcome", "n_asked", "n_ni", "pct_ni", "ni_d1", "ni_d2", "ni_d3", "ni_d4", "ni_d5"]
OBSERVATIONAL_COLUMNS = ["study_id", "study", *observational.DOMAINS, "overall"]
WEIGHT_COLUMNS = ["study_id", "n_randomised", "weight", "weight_source"]
#: the first columns of rob1_summary (one column per RoB 1 domain follows)
ROB1_COLUMNS = ["study_id", "study", *rob1.SUMMARY_COLUMNS[1:]]


def _robvis_columns(tool: str) -> list[str]:
    return ["Study", *TOOL_DOMAINS[tool], "Overall", "Weight"]


def run(
    review: Review,
    raw_dir: str | Path,
    results_dir: str | Path,
    output_dir: str | Path,
    *,
    palette: str = "cochrane",
    rob1_key_domains: list[str] | None = None,
) -> StageResult:
    """Stage 02 (module docstring); ``palette`` colours the observational figure; ``rob1_key_domains``: the
    RoB 1 domains a study's summary counts, named as in ``rob1_judgements`` (None or empty: every domain judged)."""
    result = StageResult()
    read = {
        name: read_table(results_dir, INGEST, name)
        for name in ("rob2_answers", "rob2_overrides", "observational_rob", "studies", "trials", "arms")
    }
    _rob2(review, read, result, output_dir)
    _observational(read, result, output_dir, palette)
    _rob1(read_optional(results_dir, INGEST, "rob1_judgements"), read["studies"], result, output_dir, rob1_key_domains)
    return result.finish(output_dir)


def _rob1(
    judgements: pd.DataFrame | None,
    studies: pd.DataFrame,
    result: StageResult,
    output_dir: str | Path,
    key_domains: list[str] | None,
) -> None:
    """``rob1_summary``: the Cochrane RoB 1 judgements as given, one row per study, with its summary."""
    if judgements is None or judgements.empty:
        result.table(output_dir, "rob1_summary", pd.DataFrame(columns=ROB1_COLUMNS))
        result.accounting.append(account(STAGE, "rob1_judgements", 0, 0, 0))
        if key_domains:
            result.notes.append("RoB 1: rob1_key_domains is set but the review has no RoB 1 judgements; not used")
        return
    judgements = judgements.fillna({"group": ""})
    summary = rob1.summarise(judgements, key_domains or None)
    result.table(output_dir, "rob1_summary", rob_tables.rob1_summary(summary, studies))
    result.accounting.append(account(STAGE, "rob1_judgements", len(judgements), len(judgements), 0))
    keys = key_domains or list(dict.fromkeys(judgements["domain"].astype(str)))
    result.notes.append(
        f"RoB 1: the Cochrane RoB 1 judgements of the review file, as given (never converted to RoB 2), for "
        f"{len(summary)} studies; each study's summary across key domains by the Cochrane Handbook 5.1 rule "
        "(Table 8.7.a: low if every key domain is at low risk, high if one or more is at high risk, unclear "
        "otherwise; not applicable left out; a key domain without a judgement counts as unclear)"
    )
    result.notes.append(
        "RoB 1 key domains ("
        + ("parameter rob1_key_domains" if key_domains else "default: every domain the review judged")
        + "): "
        + "; ".join(keys)
    )
    if (judgements["group"].astype(str) != "").any():
        result.notes.append(
            "RoB 1: domains judged per group of outcomes are combined as the worst group's judgement for the "
            "study (the file's groups are not matched to the analyses)"
        )


def _rob2(review: Review, read: dict[str, pd.DataFrame], result: StageResult, output_dir: str | Path) -> None:
    answers, studies = read["rob2_answers"], read["studies"]
    if answers.empty:
        result.notes.append("RoB 2: no signalling answers in rob2_answers.csv; trial results are not assessed")
        result.table(output_dir, "rob2_judgements", pd.DataFrame(columns=JUDGEMENT_COLUMNS))
        result.table(output_dir, "rob_no_information", pd.DataFrame(columns=NI_COLUMNS))
        result.table(output_dir, "rob2_robvis", pd.DataFrame(columns=_robvis_columns("ROB2")))
        result.table(output_dir, "rob2_weights", pd.DataFrame(columns=WEIGHT_COLUMNS))
        result.accounting.append(account(STAGE, "rob2_answers", 0, 0, 0))
        return
    wide = rob_tables.rob2_wide(answers, read["rob2_overrides"])
    judgements = result.table(
        output_dir, "rob2_judgements", rob_tables.rob2_judgements(rob2.assess(wide, source="rob2_answers"), studies)
    )
    result.tables["overrides"] = rob_tables.overrides_shown(judgements)
    result.table(output_dir, "rob_no_information", rob_tables.no_information(rob2.count_no_information(wide), studies))
    result.accounting.append(account(STAGE, "rob2_answers", len(answers), len(answers), 0))
    function = rob_tables.one_result_per_study(judgements, review.rob_summary_outcomes)
    weights = rob_tables.trial_weights(read["arms"], read["trials"], function["study_id"].tolist())
    result.table(output_dir, "rob2_weights", weights)
    if function.empty:
        result.notes.append("RoB 2 figures: no trial has a judgement for the outcomes of rob_summary_outcomes")
        result.table(output_dir, "rob2_robvis", pd.DataFrame(columns=_robvis_columns("ROB2")))
        return
    robvis = result.table(output_dir, "rob2_robvis", rob_tables.robvis_table(function, weights))
    summary_text = rob_tables.describe_judgements(robvis)
    labels = rob_tables.study_labels(studies)
    zero_weight = [labels.get(s, s) for s in weights.loc[weights["weight"] == 0, "study_id"]]
    weight_note = f" Weighted by the number randomised; weight 0 (not reported): {', '.join(zero_weight) or 'none'}."
    outcome_names = " / ".join(
        review.outcome_label(o) for o in review.rob_summary_outcomes if o in set(function["outcome"])
    )
    for colours in PALETTES:
        figure = traffic_light_plot(robvis, palette=colours, title=f"RoB 2 by trial: {outcome_names}")
        save_figure(
            figure,
            output_dir,
            f"rob2_traffic_light_{colours}",
            title=f"RoB 2 traffic-light plot, {outcome_names} ({colours} palette)",
            alt=f"Traffic-light plot of RoB 2 judgements per trial and domain for {outcome_names}. " + summary_text,
        )
        result.figures.append(f"rob2_traffic_light_{colours}")
        if float(weights["weight"].sum()) <= 0:
            if colours == PALETTES[0]:
                result.notes.append("RoB 2 weighted summary not drawn: no trial reports its number randomised")
            continue
        figure = summary_plot(
            robvis,
            palette=colours,
            weighted=True,
            weight_label="participants randomised",
            title=f"RoB 2 summary, {outcome_names} (weighted by number randomised)",
        )
        save_figure(
            figure,
            output_dir,
            f"rob2_summary_weighted_{colours}",
            title=f"RoB 2 weighted summary, {outcome_names} ({colours} palette)",
            alt="Stacked bars of the share of randomised participants in each RoB 2 judgement, per domain and overall, "
            f"for {outcome_names}. " + summary_text + weight_note,
        )
        result.figures.append(f"rob2_summary_weighted_{colours}")


def _observational(read: dict[str, pd.DataFrame], result: StageResult, output_dir: str | Path, palette: str) -> None:
    answers = read["observational_rob"]
    if answers.empty:
        result.notes.append(
            "ROBINS-E: no domain judgements in observational_rob.csv; observational studies are not assessed"
        )
        result.table(output_dir, "observational_rob", pd.DataFrame(columns=OBSERVATIONAL_COLUMNS))
        result.accounting.append(account(STAGE, "observational_rob", 0, 0, 0))
        return
    table = result.table(
        output_dir,
        "observational_rob",
        rob_tables.observational_judgements(
            observational.assess_observational(observational.pivot_judgements(answers, source="observational_rob")),
            read["studies"],
        ),
    )
    result.accounting.append(account(STAGE, "observational_rob", len(answers), len(answers), 0))
    robvis = rob_tables.robvis_table(table, tool=ROBINS_E)
    figure = traffic_light_plot(robvis, tool=ROBINS_E, palette=palette, title="ROBINS-E domains by observational study")
    save_figure(
        figure,
        output_dir,
        "observational_traffic_light",
        title="Risk of bias in observational studies (ROBINS-E domains)",
        alt="Traffic-light plot of ROBINS-E domain judgements per observational study. "
        + rob_tables.describe_judgements(robvis, tool=ROBINS_E),
    )
    result.figures.append("observational_traffic_light")
