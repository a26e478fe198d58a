"""Figures, one module per kind of figure.

One style for every plot function: figures are built object-oriented (``matplotlib.figure.Figure``,
never pyplot's global state, so importing a plot module changes nothing and nothing needs
closing); a single-panel plot takes an optional ``ax=`` to draw into the caller's axes; every
function returns the ``Figure``, with a title and axis labels with units, and leaves saving to
``results_io.save_figure`` (which records the title and alt text). Colours come from the
vocabularies (:mod:`compendium.vocabulary`, :data:`compendium.bias.vocabulary.PALETTES`);
confidence quantiles come from the result's ``level``. Multi-panel figures
(:mod:`~compendium.plots.mr_published`, :mod:`~compendium.plots.triangulation`) make their own
figure.
"""
