"""Evidence-level checks and summaries: the reported-statistics consistency check (``reported``)."""
