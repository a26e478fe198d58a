"""Reproducible research compendium: exercise and amyotrophic lateral sclerosis (ALS).

Sub-packages, one concept each:

* ``compendium.data``      load and validate ``data/raw`` (Frictionless Data Package)
* ``compendium.effects``   effect sizes and SD conversions
* ``compendium.meta``      meta-analysis engine (metafor-compatible)
* ``compendium.bias``      risk of bias (RoB 2, observational) and GRADE
* ``compendium.mr``        Mendelian randomization engine
* ``compendium.evidence``  consensus meter, triangulation, reported-statistics check
* ``compendium.plots``     figures
* ``compendium.report``    HTML report rendering
* ``compendium.pipeline``  papermill runner
"""

__version__ = "0.1.0"
