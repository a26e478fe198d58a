"""`compendium meta --measure RD|RR|OR` accepts group sizes (--n1i, --n2i) instead of non-events, as escalc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compendium.cli import main

# first three trials of metafor's dat.bcg (Colditz et al. 1994, JAMA 271:698): events and group sizes
ROWS = (
    "study,ai,bi,n1i,ci,di,n2i\n"
    "Aronson,4,119,123,11,128,139\nFerguson,6,300,306,29,274,303\nRosenthal,3,228,231,11,209,220\n"
)


@pytest.mark.parametrize("measure", ["RD", "RR", "OR"])
def test_group_sizes_give_the_same_fit_as_non_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], measure: str
) -> None:
    path = tmp_path / "trials.csv"
    path.write_text(ROWS)
    base = ["meta", str(path), "--measure", measure, "--ai", "ai", "--ci", "ci", "--json"]
    assert main([*base, "--bi", "bi", "--di", "di"]) == 0
    with_counts = json.loads(capsys.readouterr().out)
    assert main([*base, "--n1i", "n1i", "--n2i", "n2i"]) == 0
    with_sizes = json.loads(capsys.readouterr().out)
    assert with_sizes == with_counts


def test_missing_group_column_names_both_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "trials.csv"
    path.write_text(ROWS)
    assert main(["meta", str(path), "--measure", "RD", "--ai", "ai", "--ci", "ci", "--n2i", "n2i"]) == 2
    assert "needs --bi (--n1i and --n2i may replace --bi and --di)" in capsys.readouterr().err
