"""Research compendium engine: a meta-analytic review built from its declaration and data package.

Sub-packages, one concept each:

* ``compendium.data``      load and validate ``data/raw`` (Frictionless Data Package)
* ``compendium.meta``      meta-analysis engine (metafor-compatible), with the effect sizes and SD
  conversions (``compendium.meta.effects``, re-exported as ``compendium.effects``)
* ``compendium.bias``      risk of bias (RoB 2, observational) and GRADE
* ``compendium.mr``        Mendelian randomization engine
* ``compendium.evidence``  consensus meter, triangulation, reported-statistics check
* ``compendium.plots``     figures
* ``compendium.report``    HTML report rendering
* ``compendium.pipeline``  papermill runner
"""

import sys

#: the engine's version (the one place it is written; pyproject.toml reads it)
__version__ = "0.2.0"


def skip_iri_grammar() -> None:
    """Keep jsonschema from importing ``rfc3987-syntax`` in this process.

    jsonschema imports that package, when installed (JupyterLab's ``jupyter-events`` requires it),
    only to offer the "iri" string format, and the package builds its grammar at import: 1-3 s of
    every stage command (papermill -> nbformat -> jsonschema) and of stage 01's validation
    (frictionless -> jsonschema). Neither nbformat nor frictionless checks string formats, so
    nothing here uses it. Call before the first import of jsonschema; later calls change nothing.
    """
    # None in sys.modules makes `import` raise ImportError, as the import system documents (typeshed omits None)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
