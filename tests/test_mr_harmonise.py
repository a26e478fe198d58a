"""Allele harmonisation of SYNTHETIC exposure/outcome tables built by hand for each rule."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.mr.harmonise import DROPPED_COLUMNS, HARMONISED_COLUMNS, harmonise

COLUMNS = ["snp", "effect_allele", "other_allele", "eaf", "beta", "se"]

# SYNTHETIC exposure table: one SNP per harmonisation rule
EXPOSURE = pd.DataFrame(
    [
        ["rs_same", "A", "G", 0.30, 0.10, 0.01],
        ["rs_swap", "A", "G", 0.30, 0.10, 0.01],
        ["rs_strand", "A", "G", 0.30, 0.10, 0.01],
        ["rs_strand_swap", "A", "C", 0.30, 0.10, 0.01],
        ["rs_pal_same", "A", "T", 0.20, 0.10, 0.01],
        ["rs_pal_flip", "A", "T", 0.20, 0.10, 0.01],
        ["rs_pal_mid", "C", "G", 0.45, 0.10, 0.01],
        ["rs_pal_noeaf", "C", "G", 0.20, 0.10, 0.01],
        ["rs_mismatch", "A", "G", 0.30, 0.10, 0.01],
        ["rs_missing", "A", "G", 0.30, 0.10, 0.01],
        ["rs_indel", "I", "D", 0.30, 0.10, 0.01],
    ],
    columns=COLUMNS,
)

# SYNTHETIC outcome table (beta 0.05 for the exposure's effect allele unless coded otherwise)
OUTCOME = pd.DataFrame(
    [
        ["rs_same", "A", "G", 0.31, 0.05, 0.02],
        ["rs_swap", "G", "A", 0.69, -0.05, 0.02],  # swapped: beta and eaf refer to G
        ["rs_strand", "T", "C", 0.31, 0.05, 0.02],  # reverse strand, same allele
        ["rs_strand_swap", "G", "T", 0.69, -0.05, 0.02],  # reverse strand and swapped
        ["rs_pal_same", "A", "T", 0.22, 0.05, 0.02],  # frequencies agree: same strand
        ["rs_pal_flip", "A", "T", 0.78, -0.05, 0.02],  # A here is the exposure's T (other strand)
        ["rs_pal_mid", "C", "G", 0.47, 0.05, 0.02],  # eaf within 0.08 of 0.5: ambiguous
        ["rs_pal_noeaf", "C", "G", None, 0.05, 0.02],  # frequency missing
        ["rs_mismatch", "A", "C", 0.30, 0.05, 0.02],  # different alleles
        ["rs_indel", "I", "D", 0.30, 0.05, 0.02],
    ],
    columns=COLUMNS,
)


@pytest.fixture(scope="module")
def result():
    return harmonise(EXPOSURE, OUTCOME)


def test_kept_snps_are_aligned_to_the_exposure_allele(result):
    data = result.data.set_index("snp")
    assert list(result.data.columns) == HARMONISED_COLUMNS
    kept = ["rs_same", "rs_swap", "rs_strand", "rs_strand_swap", "rs_pal_same", "rs_pal_flip"]
    assert list(result.data.snp) == kept
    # every kept SNP ends up with outcome beta +0.05 for the exposure's effect allele
    assert data.beta_outcome.tolist() == pytest.approx([0.05] * 6)
    non_palindromic = ["rs_same", "rs_swap", "rs_strand", "rs_strand_swap"]
    assert data.loc[non_palindromic, "eaf_outcome"].tolist() == pytest.approx([0.31] * 4)
    assert data.loc["rs_pal_flip", "eaf_outcome"] == pytest.approx(0.22)
    assert data.action.to_dict() == {
        "rs_same": "aligned",
        "rs_swap": "swapped",
        "rs_strand": "strand flipped",
        "rs_strand_swap": "strand flipped and swapped",
        "rs_pal_same": "palindromic, aligned by eaf",
        "rs_pal_flip": "palindromic, strand inferred from eaf",
    }


def test_every_dropped_snp_has_a_reason(result):
    assert list(result.dropped.columns) == DROPPED_COLUMNS
    reasons = dict(zip(result.dropped.snp, result.dropped.reason))
    assert set(reasons) == {"rs_pal_mid", "rs_pal_noeaf", "rs_mismatch", "rs_missing", "rs_indel"}
    assert "within 0.08 of 0.5" in reasons["rs_pal_mid"]
    assert "frequency is missing" in reasons["rs_pal_noeaf"]
    assert reasons["rs_mismatch"] == "alleles do not match (exposure A/G, outcome A/C)"
    assert reasons["rs_missing"] == "not in the outcome table"
    assert "not two different A/C/G/T bases" in reasons["rs_indel"]
    assert len(result.data) + len(result.dropped) == len(EXPOSURE)


def test_tolerance_is_a_parameter():
    # with tolerance 0.02 the SNP at eaf 0.45 / 0.47 is no longer ambiguous and is resolved
    data = harmonise(EXPOSURE, OUTCOME, palindromic_tolerance=0.02).data
    assert "rs_pal_mid" in set(data.snp)


def test_duplicates_are_dropped_and_reported():
    exposure = pd.concat([EXPOSURE.iloc[:2], EXPOSURE.iloc[:1]])  # SYNTHETIC duplicate
    result = harmonise(exposure, OUTCOME)
    assert list(result.data.snp) == ["rs_swap"]
    assert result.dropped.to_dict("records") == [{"snp": "rs_same", "reason": "duplicated in the exposure table"}]


def test_lower_case_alleles_and_custom_columns():
    exposure = EXPOSURE.iloc[:1].rename(columns={"beta": "b"}).assign(effect_allele="a", other_allele="g")
    outcome = OUTCOME.iloc[:1].rename(columns={"beta": "b"})
    assert harmonise(exposure, outcome, beta="b").data.action.tolist() == ["aligned"]


def test_bad_tables_raise():
    with pytest.raises(CompendiumError, match="outcome table: missing column"):
        harmonise(EXPOSURE, OUTCOME.drop(columns="se"))
    with pytest.raises(CompendiumError, match=r"exposure table, row 2 \(line 3\), column 'se'"):
        harmonise(EXPOSURE.assign(se=[0.01, -1] + [0.01] * 9), OUTCOME)
    with pytest.raises(CompendiumError, match=r"row 1 \(line 2\), column 'eaf'"):
        harmonise(EXPOSURE.assign(eaf=[1.5] + [0.3] * 10), OUTCOME)
