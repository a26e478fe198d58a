"""SYNTHETIC TEST FIXTURE: small, made-up results of stages 01-04 for rendering the report in
tests. Every study, number and figure here is invented and labelled "synthetic"; none of it is
evidence. One study label carries an HTML/script payload to prove the report escapes data.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from compendium.results_io import save_figure, write_json, write_table  # noqa: E402

SCRIPT_PAYLOAD = "<script>alert(1)</script>"
HTML_PAYLOAD = '<b onmouseover="alert(2)">bold</b> & <i>co</i>'

STUDIES = pd.DataFrame(
    {
        "study_id": ["synth_t1", "synth_t2", "synth_t3", "synth_o1", "synth_o2", "synth_mr1", "synth_rev1", "synth_m1"],
        "label": [
            f"Synthetic {SCRIPT_PAYLOAD} 2020",
            "Synthetic trial B 2021",
            "Synthetic trial C 2022",
            "Synthetic cohort 2019",
            "Synthetic case-control 2018",
            "Synthetic MR 2023",
            "Synthetic review 2024",
            "Synthetic mouse 2010",
        ],
        "year": [2020, 2021, 2022, 2019, 2018, 2023, 2024, 2010],
        "question": ["treatment"] * 3 + ["risk"] * 3 + ["treatment"] * 2,
        "stream": [
            "rct",
            "rct",
            "rct",
            "observational_athletes",
            "observational_general",
            "mendelian_randomization",
            "review",
            "preclinical",
        ],
        "design": ["synthetic parallel RCT"] * 3
        + [
            "synthetic cohort",
            "synthetic case-control",
            "synthetic two-sample MR",
            "synthetic review",
            "synthetic mouse experiment",
        ],
        "source_id": ["synth_src1"] * 8,
        "notes": [""] * 8,
    }
)


def _figure(title: str, xlabel: str):
    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.plot([0, 1, 2], [0.2, 0.5, 0.3], marker="o")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("synthetic value (units)")
    return fig


#: the SYNTHETIC review declaration of the fixture (written next to its raw folder)
SYNTHETIC_REVIEW_YAML = """\
title: "Synthetic review: consensus report (test fixture)"
description: "A synthetic fixture; not evidence."
intervention: {noun: exercise}
comparator: {noun: control}
condition: {noun: ALS}
questions:
  - {id: risk, text: "Synthetic risk question: does exercise cause the synthetic condition?",
     streams: [observational_athletes, observational_general, mendelian_randomization, mr_meta_analysis, preclinical]}
  - {id: treatment, text: "Synthetic treatment question: does exercise help?", streams: [rct, non_randomised, review]}
outcomes:
  - {id: function, label: "function (synthetic)", higher_is_better: true}
  - {id: adverse_events, label: "adverse events", safety: true}
report:
  notice: "This report is not medical advice. It is a synthetic test fixture."
  guidance_notice: "Not medical advice. Synthetic guidance."
  guidance_topics:
    - {id: safety, title: "Synthetic safety topic"}
"""


def make_synthetic_results(root: Path, *, with_figures: bool = True) -> tuple[Path, Path]:
    """Write synthetic ``raw`` and ``results`` folders under ``root``; return (raw_dir, results_dir)."""
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "studies.csv").write_text(STUDIES.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    (raw / "datapackage.yaml").write_text("name: synthetic-test-fixture\n", encoding="utf-8")
    (root / "review.yaml").write_text(SYNTHETIC_REVIEW_YAML, encoding="utf-8")
    results = root / "results"
    ingest, rob, meta, mr = (
        results / s for s in ("01_ingest", "02_risk_of_bias", "03_meta_analysis", "04_mendelian_randomization")
    )

    write_table(STUDIES, ingest, "studies")
    write_table(
        pd.DataFrame(
            {
                "source_id": ["synth_src1", "synth_src2", "synth_src3"],
                "citation": [
                    f"Synthetic A. {HTML_PAYLOAD}. Test fixture, 2020",
                    "Synthetic B. Abstract fixture, 2021",
                    "Synthetic C. Fixture whose only address is a bare IP address, 2022",
                ],
                "year": [2020, 2021, 2022],
                "doi": ["10.0000/synthetic", None, None],
                "pmid": [None, 12345678, None],
                "pmcid": [None, "PMC42", None],
                "registration": [None, None, "NCT00000000"],
                "url": [
                    "https://doi.org/10.0000/synthetic",
                    "https://pubmed.ncbi.nlm.nih.gov/12345678/",
                    "http://192.0.2.1/fixture",
                ],
                "read_at": ["https://example.org/synthetic", "http://192.0.2.2:8081/12345678", None],
                "source_type": ["other", "abstract", "registry"],
                "notes": ["synthetic"] * 3,
            }
        ),
        ingest,
        "sources",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": [
                    "synth_t1",
                    "synth_t2",
                    "synth_t3",
                    "synth_rev1",
                    "synth_m1",
                    "synth_o1",
                    "synth_o2",
                    "synth_mr1",
                ],
                "question": ["treatment"] * 5 + ["risk"] * 3,
                "conclusion": [
                    "benefit",
                    "benefit",
                    "no_effect",
                    "benefit",
                    "harm",
                    "increases",
                    "no_association",
                    "increases",
                ],
                "summary": ["synthetic"] * 8,
                "source_id": ["synth_src1"] * 8,
                "locator": ["synthetic"] * 8,
            }
        ),
        ingest,
        "conclusions",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_t1", "synth_t2", "synth_t3"],
                "randomised": [True, True, True],
                "intervention_type": ["aerobic", "resistance", "combined"],
                "intervention": ["synthetic"] * 3,
                "comparator_type": ["usual_care"] * 3,
                "comparator": ["synthetic"] * 3,
                "duration_weeks": [12, 24, 26.1],
                "n_randomised_total": [20, 30, 40],
            }
        ),
        ingest,
        "trials",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_o1", "synth_o2"],
                "estimate_label": ["overall"] * 2,
                "population_type": ["athletes", "general_population"],
                "population": ["synthetic men", "synthetic"],
                "design": ["cohort", "case_control"],
                "exposure_category": ["sport", "sport"],
                "exposure": ["synthetic"] * 2,
                "comparison": ["synthetic"] * 2,
                "measure": ["SMR", "OR"],
                "estimate": [2.1, 1.05],
                "ci_low": [1.2, 0.9],
                "ci_high": [3.4, 1.2],
                "sex": ["male", None],
            }
        ),
        ingest,
        "observational",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_m1"] * 3,
                "model": ["synthetic SOD1"] * 3,
                "sex": ["male", "female", "both"],
                "intensity": ["high", "moderate", "voluntary"],
                "intervention": ["synthetic"] * 3,
                "outcome": ["survival"] * 3,
                "direction": ["harm", "benefit", "no_effect"],
                "notes": ["synthetic"] * 3,
            }
        ),
        ingest,
        "preclinical",
    )
    write_table(
        pd.DataFrame({"study_id": ["synth_t1"], "outcome": ["adverse_events"], "direction": ["no_difference"]}),
        ingest,
        "rct_effects",
    )
    write_table(
        pd.DataFrame(
            {"question": ["treatment", "risk"], "stream": ["rct", "observational_general"], "studies": [3, 1]}
        ),
        ingest,
        "stream_counts",
    )
    write_table(
        pd.DataFrame({"question": ["treatment"], "step": ["synthetic trials recorded"], "studies": [3], "note": [""]}),
        ingest,
        "evidence_flow",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_t1", "synth_t2"],
                "study": ["Synthetic A", "Synthetic B"],
                "set": ["primary"] * 2,
                "alsfrs_r": ["arm-level final", ""],
            }
        ),
        ingest,
        "coverage",
    )
    write_table(
        pd.DataFrame(
            {
                "file": ["rct_effects.csv"],
                "row": [2],
                "study_id": ["synth_t2"],
                "field": ["ci_low"],
                "reason": ["synthetic: estimate outside its CI"],
                "details": [HTML_PAYLOAD],
            }
        ),
        ingest,
        "reported_checks",
    )

    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_t1", "synth_t2", "synth_t3"],
                "study": ["Synthetic A", "Synthetic B", "Synthetic C"],
                "outcome": ["function"] * 3,
                "d1": ["Low"] * 3,
                "d2": ["Some concerns"] * 3,
                "d3": ["Low"] * 3,
                "d4": ["High", "Low", "Low"],
                "d5": ["Low"] * 3,
                "overall": ["High", "Some concerns", "Low"],
            }
        ),
        rob,
        "rob2_judgements",
    )
    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_o1", "synth_o2"],
                "study": ["Synthetic cohort", "Synthetic cc"],
                **{f"d{i}": ["Some concerns", "Low"] for i in range(1, 8)},
                "overall": ["Very high", "Some concerns"],
            }
        ),
        rob,
        "observational_rob",
    )

    write_table(
        pd.DataFrame(
            {
                "analysis_id": ["synth_function", "synth_risk"],
                "question": ["treatment", "risk"],
                "outcome": ["function", "condition_risk"],
                "subgroup": ["all", "all"],
                "analysis_set": ["primary", "primary"],
                "measure": ["MD", "OR"],
                "k": [3, 2],
                "participants": [90, 500],
                "estimate": [1.23456, 1.4],
                "ci_low": [0.1, 0.9],
                "ci_high": [2.4, 2.2],
                "pi_low": [-1.0, None],
                "pi_high": [3.5, None],
                "pval": [0.041, 0.12],
                "tau2": [0.3, 0.01],
                "i2": [35.0, 10.0],
                "q": [3.1, 1.1],
                "q_pval": [0.2, 0.3],
                "method": ["REML", "REML"],
                "test": ["knha", "knha"],
                "notes": ["synthetic", "synthetic"],
            }
        ),
        meta,
        "pooled",
    )
    write_table(
        pd.DataFrame(
            {
                "analysis_id": ["synth_function", "synth_function", "synth_risk"],
                "study_id": ["synth_t1", "synth_t2", "synth_o1"],
                "study": ["Synthetic A", "Synthetic B", "Synthetic C"],
                "yi": [1.0, 0.8, 0.3],
                "vi": [0.2, 0.3, 0.1],
                "ci_low": [0.1, -0.3, -0.3],
                "ci_high": [1.9, 1.9, 0.9],
                "weight": [40.0, 30.0, 100.0],
                "rob_overall": ["High", "Low", ""],
                "source_id": ["synth_src1", "synth_src2", "synth_src3"],
            }
        ),
        meta,
        "study_effects",
    )
    write_table(
        pd.DataFrame({"study_id": ["synth_t2"], "outcome": ["fvc"], "estimate": [2.0]}), meta, "single_trial_results"
    )
    write_table(
        pd.DataFrame(
            {
                "analysis_id": ["synth_function"],
                "variant": ["DL, z"],
                "estimate": [1.2],
                "ci_low": [0.3],
                "ci_high": [2.1],
                "tau2": [0.2],
                "i2": [30.0],
                "k": [3],
            }
        ),
        meta,
        "sensitivity",
    )
    write_table(
        pd.DataFrame(
            {
                "outcome": ["function"],
                "ours": ["MD 1.23 (0.10 to 2.40)"],
                "review": ["Synthetic review 2024"],
                "theirs": ["MD 2.0 (1.0 to 3.0)"],
                "reasons": [f"synthetic: different trials {HTML_PAYLOAD}"],
            }
        ),
        meta,
        "review_comparison",
    )
    write_table(
        pd.DataFrame(
            {
                "outcome": ["function", "condition_risk"],
                "effect": ["MD 1.23 higher (0.10 to 2.40 higher)", "OR 1.4 (0.9 to 2.2)"],
                "participants_studies": ["90 (3 RCTs)", "500 (2 observational studies)"],
                "certainty": ["Low", "Very low"],
                "certainty_symbols": ["⊕⊕◯◯", "⊕◯◯◯"],
                "footnotes": ["synthetic: risk of bias; imprecision", "synthetic"],
            }
        ),
        meta,
        "summary_of_findings",
    )

    write_table(
        pd.DataFrame(
            {
                "study_id": ["synth_mr1"],
                "study": ["Synthetic MR 2023"],
                "year": [2023],
                "role": ["primary"],
                "exposure": ["synthetic activity"],
                "method": ["ivw"],
                "estimate": [1.1],
                "ci_low": [0.95],
                "ci_high": [1.3],
                "effect": ["OR 1.1 (0.95 to 1.3)"],
                "direction": ["null"],
            }
        ),
        mr,
        "mr_estimates",
    )
    write_table(
        pd.DataFrame(
            {
                "stream": ["observational", "mendelian_randomization", "preclinical"],
                "evidence": ["synthetic"] * 3,
                "direction": ["increase", "null", "harm at high intensity"],
                "strength": ["weak"] * 3,
                "main_bias": ["synthetic confounding", "synthetic pleiotropy", "synthetic indirectness"],
                "sex_differences": ["men only", "not reported", "males more affected (synthetic)"],
            }
        ),
        mr,
        "triangulation",
    )
    write_json(
        {"tau2": "REML (synthetic)", "grade": {"thresholds": {"OIS_EVENTS": 300}}, "order": ["a", "b"]}, meta, "methods"
    )
    write_table(
        pd.DataFrame(
            {
                "statement_id": ["synthetic_safety", "synthetic_unknown"],
                "topic": ["safety", "safety"],
                "status": ["limited", "unknown"],
                "statement": [
                    f"Synthetic guidance statement {HTML_PAYLOAD}.",
                    "Synthetic: the data do not answer this.",
                ],
                "evidence": ["01_ingest/studies [study_id=synth_t1]", "03_meta_analysis/pooled"],
            }
        ),
        ingest,
        "guidance",
    )
    write_json(
        {
            "question_id": "risk",
            "question": "risk",
            "answer": f"Synthetic answer {SCRIPT_PAYLOAD}: probably not causal.",
            "reasons": ["synthetic reason one", "synthetic reason two"],
        },
        mr,
        "conclusion",
    )
    write_json(
        {
            "question_id": "treatment",
            "question": "treatment",
            "answer": "Synthetic treatment answer: not established.",
            "reasons": ["synthetic treatment reason"],
            "rule": "T3",
            "safety": "synthetic safety",
        },
        meta,
        "conclusion",
    )

    if with_figures:
        for stage_dir, name, title in (
            (ingest, "studies_per_stream", "Synthetic studies per stream"),
            (rob, "rob2_traffic_light_cochrane", "Synthetic RoB 2 traffic-light plot"),
            (rob, "rob2_traffic_light_colourblind", "Synthetic RoB 2 traffic-light plot (colour-blind safe)"),
            (meta, "forest_synth_function", "Synthetic forest plot: function"),
            (meta, "funnel_all", "Synthetic funnel plot"),
            (mr, "triangulation", "Synthetic triangulation figure"),
        ):
            fig = _figure(title, "synthetic x (units)")
            save_figure(fig, stage_dir, name, title=title, alt=f"{title} (synthetic test fixture, not evidence)")
            plt.close(fig)
    notebook = {
        "cells": [],
        "metadata": {
            "papermill": {
                "parameters": {
                    "raw_dir": "data/raw",
                    "results_dir": "reports",
                    "output_dir": "reports/.tmp/03_meta_analysis",
                    "tau2_method": "REML",
                }
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (meta / "03_meta_analysis.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return raw, results
