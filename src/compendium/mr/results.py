"""Frozen result objects of the MR engine: one per method, plus :class:`MRResults` for a full run.

``MRResults.to_dict()`` is the JSON contract of ``compendium mr --json``; ``to_frame()`` has one
row per method with columns :data:`FRAME_COLUMNS`. ``NaN`` becomes ``None`` (JSON ``null``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from compendium.mr.defaults import WEAK_F, MRDefaults
from compendium.result_views import ResultViews
from compendium.shared import finite_or_none

#: methods of a full run, in reporting order, with their readable labels
METHOD_LABELS: dict[str, str] = {
    "ivw": "IVW (multiplicative random effects)",
    "ivw_fixed": "IVW (fixed effect)",
    "egger": "MR-Egger",
    "weighted_median": "Weighted median",
    "simple_median": "Simple median",
    "weighted_mode": "Weighted mode",
}

#: columns of ``MRResults.to_frame()`` and of the per-SNP tables in ``compendium.mr.sensitivity``
FRAME_COLUMNS = ["method", "estimate", "se", "ci_low", "ci_high", "pval", "n_snps"]


#: the fields of every estimate, in the order of ``EstimateResult.to_dict()``
RESULT_FIELDS = ("estimate", "se", "ci_low", "ci_high", "pval")


@dataclass(frozen=True)
class EstimateResult(ResultViews):
    """A causal estimate with its standard error, confidence interval and p-value."""

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pval: float
    n_snps: int

    def to_dict(self) -> dict[str, float | None]:
        """``{estimate, se, ci_low, ci_high, pval}`` with ``NaN`` as ``None``."""
        return {name: finite_or_none(getattr(self, name)) for name in RESULT_FIELDS}


@dataclass(frozen=True)
class WaldResult(EstimateResult):
    """Wald ratio ``by / bx`` of one SNP; ``se_order`` says which delta-method term was used."""

    se_order: str


@dataclass(frozen=True)
class IVWResult(EstimateResult):
    """IVW estimate; ``residual_se`` is ``sqrt(Q / (k - 1))``, ``model`` "random" or "fixed"."""

    model: str
    residual_se: float
    q: float
    q_df: int
    q_pval: float


@dataclass(frozen=True)
class MREggerResult(EstimateResult):
    """MR-Egger slope (the causal estimate) and intercept (directional pleiotropy)."""

    intercept: float
    intercept_se: float
    intercept_ci_low: float
    intercept_ci_high: float
    intercept_pval: float
    residual_se: float
    q: float
    q_df: int
    q_pval: float
    i2gx: float
    distribution: str

    def to_dict(self) -> dict[str, float | None]:
        """The slope's fields plus ``intercept``, ``intercept_se``, ``intercept_pval``."""
        out = super().to_dict()
        out.update(
            intercept=finite_or_none(self.intercept),
            intercept_se=finite_or_none(self.intercept_se),
            intercept_pval=finite_or_none(self.intercept_pval),
        )
        return out


@dataclass(frozen=True)
class MedianResult(EstimateResult):
    """Simple or weighted median; the SE is the SD of a seeded parametric bootstrap."""

    weights: str
    n_bootstrap: int
    seed: int


@dataclass(frozen=True)
class ModeResult(EstimateResult):
    """Weighted mode; the SE is the scaled MAD of a seeded parametric bootstrap."""

    se_order: str
    phi: float
    bandwidth: float
    n_bootstrap: int
    seed: int


@dataclass(frozen=True)
class Heterogeneity(ResultViews):
    """Cochran's Q about the IVW fit, Rücker's Q' about the MR-Egger fit, and I2GX."""

    q_ivw: float
    q_ivw_df: int
    q_ivw_pval: float
    q_egger: float
    q_egger_df: int
    q_egger_pval: float
    i2gx: float

    def to_dict(self) -> dict[str, float | None]:
        """``{q_ivw, q_ivw_pval, q_egger, q_egger_pval, i2gx}`` (the CLI contract)."""
        names = ("q_ivw", "q_ivw_pval", "q_egger", "q_egger_pval", "i2gx")
        return {name: finite_or_none(getattr(self, name)) for name in names}


@dataclass(frozen=True)
class SteigerResult(ResultViews):
    """MR Steiger directionality: is ``r2_exposure`` larger than ``r2_outcome``?"""

    r2_exposure: float
    r2_outcome: float
    z: float
    pval: float
    correct_direction: bool
    r2_method: str

    def to_dict(self) -> dict[str, float | bool | str | None]:
        """All fields as plain Python values."""
        return {
            "r2_exposure": finite_or_none(self.r2_exposure),
            "r2_outcome": finite_or_none(self.r2_outcome),
            "z": finite_or_none(self.z),
            "pval": finite_or_none(self.pval),
            "correct_direction": bool(self.correct_direction),
            "r2_method": self.r2_method,
        }


def _format_p(pval: float) -> str:
    if not math.isfinite(pval):
        return "NA"
    return "<.0001" if pval < 1e-4 else f"{pval:.4f}"


def _p_phrase(pval: float) -> str:
    """``p < .0001`` or ``p = 0.0123`` for running text."""
    text = _format_p(pval)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def _format_number(value: float, width: int = 9) -> str:
    return f"{value:{width}.3f}" if math.isfinite(value) else f"{'NA':>{width}}"


@dataclass(frozen=True)
class MRResults:
    """All estimates of one MR analysis; a method is ``None`` when there were too few SNPs."""

    n_snps: int
    ivw: IVWResult | None
    ivw_fixed: IVWResult | None
    egger: MREggerResult | None
    weighted_median: MedianResult | None
    simple_median: MedianResult | None
    weighted_mode: ModeResult | None
    heterogeneity: Heterogeneity
    f_mean: float
    settings: MRDefaults
    notes: dict[str, str] = field(default_factory=dict)
    #: SNPs whose F statistic is below :data:`~compendium.mr.defaults.WEAK_F` (weak instruments)
    weak_snps: tuple[str, ...] = ()

    @property
    def instrument_note(self) -> str:
        """What the F statistics say about instrument strength: "" when every SNP has F >= 10, else
        the count of weak instruments (F < 10, named) and, when the mean F is below 10 too, that the
        instruments are weak as a set."""
        if not self.weak_snps:
            return ""
        named = ", ".join(self.weak_snps[:5]) + (", ..." if len(self.weak_snps) > 5 else "")
        note = f"{len(self.weak_snps)} of {self.n_snps} SNPs are weak instruments (F < {WEAK_F:g}: {named})"
        if not self.f_mean >= WEAK_F:
            note += (
                f"; mean F = {self.f_mean:.3g} is below {WEAK_F:g}: the instruments are weak, so the estimates "
                "are biased by weak instruments (towards the null in two-sample MR without sample overlap, "
                "towards the observational association with overlap) and should not be read as causal"
            )
        return note

    def method(self, name: str) -> EstimateResult | None:
        """The result of method ``name`` (a key of :data:`METHOD_LABELS`)."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, object]:
        """The ``compendium mr --json`` object: methods, heterogeneity, ``f_mean`` and ``notes``."""
        out: dict[str, object] = {"n_snps": int(self.n_snps)}
        for name in METHOD_LABELS:
            result = self.method(name)
            out[name] = None if result is None else result.to_dict()
        out["heterogeneity"] = self.heterogeneity.to_dict()
        out["f_mean"] = finite_or_none(self.f_mean)
        out["n_weak_instruments"] = len(self.weak_snps)
        out["weak_snps"] = list(self.weak_snps)
        out["instrument_note"] = self.instrument_note
        out["notes"] = dict(self.notes)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per method (:data:`FRAME_COLUMNS`); methods that could not run have ``NaN``."""
        rows = []
        for name in METHOD_LABELS:
            result = self.method(name)
            if result is None:
                rows.append({"method": name, "n_snps": self.n_snps})
            else:
                rows.append({column: getattr(result, column) for column in FRAME_COLUMNS})
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def __str__(self) -> str:
        level = f"{self.settings.level:g}"
        lines = [
            f"Mendelian randomization: {self.n_snps} SNPs, mean F = {_format_number(self.f_mean, 0)}, "
            f"{len(self.weak_snps)} with F < {WEAK_F:g}",
            *([f"Weak instruments: {self.instrument_note}"] if self.weak_snps else []),
            "",
            f"{'method':<37}{'estimate':>9}{'se':>9}{f'ci.lb({level}%)':>12}{'ci.ub':>9}{'pval':>9}",
        ]
        for name, label in METHOD_LABELS.items():
            result = self.method(name)
            if result is None:
                lines.append(f"{label:<37}{'not estimated: ' + self.notes.get(name, '')}")
                continue
            lines.append(
                f"{label:<37}{_format_number(result.estimate)}{_format_number(result.se)}"
                f"{_format_number(result.ci_low, 12)}{_format_number(result.ci_high)}{_format_p(result.pval):>9}"
            )
        unreliable = [name for name in METHOD_LABELS if self.method(name) is not None and name in self.notes]
        lines += [f"Note ({METHOD_LABELS[name]}): {self.notes[name]}" for name in unreliable]
        het = self.heterogeneity
        lines.append("")
        lines.append(
            f"Heterogeneity: Q (IVW) = {_format_number(het.q_ivw, 0)} "
            f"(df = {het.q_ivw_df}, {_p_phrase(het.q_ivw_pval)}); "
            f"Q' (Egger) = {_format_number(het.q_egger, 0)} (df = {het.q_egger_df}, {_p_phrase(het.q_egger_pval)}); "
            f"I2GX = {_format_number(het.i2gx, 0)}"
        )
        if self.egger is not None:
            lines.append(
                f"MR-Egger intercept: {self.egger.intercept:.4f} (SE {self.egger.intercept_se:.4f}, "
                f"{_p_phrase(self.egger.intercept_pval)})"
            )
        if self.ivw is not None:
            lines.append(f"IVW residual standard error: {self.ivw.residual_se:.3f}")
        lines.append(
            f"Settings: {self.settings.n_bootstrap} bootstrap draws, seed {self.settings.seed}, "
            f"median weights {self.settings.median_weights}-order, Egger {self.settings.egger_distribution} "
            f"distribution, mode SEs {self.settings.mode_se}-order (phi = {self.settings.mode_phi:g})"
        )
        return "\n".join(lines)
