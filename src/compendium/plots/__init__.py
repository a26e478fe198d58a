"""Figures, one module per kind of figure; every plot function returns a matplotlib Figure."""
