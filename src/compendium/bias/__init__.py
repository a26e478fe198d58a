"""Risk of bias and certainty of evidence: RoB 2 for trials, ROBINS-E domains for exposure
studies, GRADE for each outcome, and robvis-compatible exchange files.

Modules: :mod:`~compendium.bias.vocabulary` (answers, judgements, palettes),
:mod:`~compendium.bias.rob2`, :mod:`~compendium.bias.observational`,
:mod:`~compendium.bias.grade`, :mod:`~compendium.bias.robvis`, :mod:`~compendium.bias.cli`.
"""
