"""robvis exchange files and the risk-of-bias figures.

File layout as robvis's example data (McGuinness & Higgins, Res Synth Methods 2021;12:55-61):
Study, D1..D5, Overall, Weight. All assessments are synthetic fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from compendium.bias import observational, rob2, robvis
from compendium.bias.vocabulary import PALETTES
from compendium.errors import CompendiumError
from compendium.plots import rob as rob_plots

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def assessments() -> pd.DataFrame:
    return rob2.assess_file(FIXTURES / "rob2_synthetic_answers.csv")


def test_round_trip(assessments: pd.DataFrame, tmp_path: Path) -> None:
    frame = robvis.to_robvis(
        assessments, weights={"synthetic-low": 40.0, "synthetic-mixed": 35.5, "synthetic-override": 24.5}
    )
    assert list(frame.columns) == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall", "Weight"]
    path = robvis.write_robvis(frame, tmp_path / "rob2_robvis.csv")
    back = robvis.read_robvis(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "Study,D1,D2,D3,D4,D5,Overall,Weight"
    assert robvis.write_robvis(frame, tmp_path / "again.csv").read_bytes() == path.read_bytes()


def test_robins_e_round_trip(tmp_path: Path) -> None:
    judgements = dict.fromkeys(observational.DOMAINS, "Low") | {"d1": "Very high"}
    table = pd.DataFrame(
        [
            {
                "study": "s",
                "outcome": "o",
                "design": "cohort",
                **judgements,
                **{f"{d}_justification": "synthetic" for d in observational.DOMAINS},
            }
        ]
    )
    frame = robvis.to_robvis(observational.assess_observational(table), tool="ROBINS-E")
    back = robvis.read_robvis(robvis.write_robvis(frame, tmp_path / "e.csv"), tool="ROBINS-E")
    assert list(back.columns) == robvis.robvis_columns("ROBINS-E")
    assert (back.loc[0, "D1"], back.loc[0, "Overall"], back.loc[0, "Weight"]) == ("Very high", "Very high", 1.0)


def test_several_outcomes_need_outcome_choice(assessments: pd.DataFrame) -> None:
    doubled = pd.concat([assessments, assessments.assign(outcome="other")])
    with pytest.raises(CompendiumError, match="several results"):
        robvis.to_robvis(doubled)
    assert len(robvis.to_robvis(doubled, outcome="other")) == 3
    with pytest.raises(CompendiumError, match="no weight for study"):
        robvis.to_robvis(assessments, weights={"synthetic-low": 1.0})


def test_reader_rejects_bad_vocabulary_and_weight(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Study,D1,D2,D3,D4,D5,Overall,Weight\na,Low,Low,Unclear,Low,Low,Low,1\n", encoding="utf-8")
    with pytest.raises(
        CompendiumError, match=r"row 1 \(line 2\), study 'a', column 'D3': 'Unclear' is not a robvis judgement"
    ):
        robvis.read_robvis(path)
    path.write_text("Study,D1,D2,D3,D4,D5,Overall,Weight\na,Low,Low,Low,Low,Low,Very high,1\n", encoding="utf-8")
    with pytest.raises(CompendiumError, match="'Very high' is not a robvis judgement"):
        robvis.read_robvis(path)  # not a RoB 2 word
    path.write_text("Study,D1,D2,D3,D4,D5,Overall,Weight\na,Low,Low,Low,Low,Low,Low,-1\n", encoding="utf-8")
    with pytest.raises(CompendiumError, match="column 'Weight'"):
        robvis.read_robvis(path)
    path.write_text("Study,D1,D2,D3,D4,D5,Overall\na,Low,No information,Low,Low,Low,Low\n", encoding="utf-8")
    assert robvis.read_robvis(path).loc[0, "Weight"] == 1.0


@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_plots_return_titled_figures_with_legends(assessments: pd.DataFrame, palette: str) -> None:
    frame = robvis.to_robvis(assessments)
    for figure in (
        rob_plots.traffic_light_plot(frame, palette=palette),
        rob_plots.summary_plot(frame, palette=palette),
        rob_plots.summary_plot(frame, palette=palette, weighted=False),
    ):
        assert isinstance(figure, Figure)
        assert figure.get_suptitle()
        axes = figure.axes[0]
        assert axes.get_legend() is not None and axes.get_xlabel() and axes.get_ylabel()


def test_summary_plot_shares_follow_weights(assessments: pd.DataFrame) -> None:
    frame = robvis.to_robvis(
        assessments, weights={"synthetic-low": 3.0, "synthetic-mixed": 1.0, "synthetic-override": 0.0}
    )
    figure = rob_plots.summary_plot(frame)
    widths = [round(p.get_width(), 6) for p in figure.axes[0].patches]
    assert 75.0 in widths and 25.0 in widths  # D1: 75% Low, 25% Some concerns
    assert figure.axes[0].get_xlabel() == "Share of total meta-analysis weight (%)"
    relabelled = rob_plots.summary_plot(frame, weight_label="participants randomised")
    assert relabelled.axes[0].get_xlabel() == "Share of total participants randomised (%)"


def test_unknown_palette_is_an_error(assessments: pd.DataFrame) -> None:
    with pytest.raises(CompendiumError, match="palette 'rainbow'"):
        rob_plots.traffic_light_plot(robvis.to_robvis(assessments), palette="rainbow")
