"""Stage 03: analysis data sets built from the stage-01 tables, pooled with :mod:`compendium.meta`.

* :mod:`~compendium.analysis.inputs`: read the stage-01 tables and (optionally) stage 02's
  risk-of-bias judgements;
* :mod:`~compendium.analysis.windows`: the time-window rule for trial outcomes;
* :mod:`~compendium.analysis.treatment`: trial effects (arm-level and trial-reported) and which
  of them can be pooled together;
* :mod:`~compendium.analysis.risk`: observational estimates of ALS risk and their comparability;
* :mod:`~compendium.analysis.pooling`: fits, study rows, subgroups and sensitivity analyses;
* :mod:`~compendium.analysis.grading`: GRADE inputs and the Summary-of-Findings table;
* :mod:`~compendium.analysis.trial_pipeline`: effects -> analyses -> fits -> tables -> GRADE, one
  sequence run for the printed numbers and for the set with stated assumptions
  (:mod:`~compendium.analysis.assumption_set`);
* :mod:`~compendium.analysis.risk_of_bias_tables`: stage 02's joins and contract tables;
* :mod:`~compendium.analysis.reviews`: our results beside the published reviews';
* :mod:`~compendium.analysis.figures`: forest and funnel plots with alt text;
* :mod:`~compendium.analysis.methods`: every default and rule, for ``tables/methods.json``.
"""
