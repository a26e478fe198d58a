"""The meta-analysis defaults, in one place so that reports can print them.

Defaults follow current Cochrane (RevMan) practice: REML tau2, Hartung-Knapp-Sidik-Jonkman
confidence interval (metafor ``test="knha"``), a prediction interval, a Q-profile confidence
interval for tau2 and I2 computed from tau2. ``SENSITIVITY`` (DerSimonian-Laird with z-based
intervals) reproduces older reviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from compendium.errors import CompendiumError

#: tau2 estimators (metafor's names); FE is the equal-effects ("fixed-effect") model
METHODS = ("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")
#: inference for the coefficients: z (normal), knha (Hartung-Knapp-Sidik-Jonkman, t with k - p df)
#: and adhoc (knha whose variance factor is never below 1, so never narrower than z)
TESTS = ("z", "knha", "adhoc")
#: effect measures computed by compendium.meta.effects
MEASURES = ("MD", "SMD", "ROM", "OR", "RR", "RD")
#: what to do with studies that have a missing value: metafor's na.action "na.omit" / "na.fail"
NA_ACTIONS = ("omit", "fail")


def level_percent(level: float) -> float:
    """A confidence level as a percentage, read with metafor's rule (``metafor:::.level``).

    metafor turns ``level`` into ``alpha``: a value >= 1 is a percentage (95 -> alpha 0.05), a
    value in (0.5, 1) a proportion (0.95 -> alpha 0.05) and a value in (0, 0.5] is alpha itself
    (0.05 -> alpha 0.05). So ``95``, ``0.95`` and ``0.05`` all mean a 95% interval. Values that
    give no interval (0 -- metafor's alpha = 1 --, 100 and above, negative or non-finite) are
    refused instead of producing a degenerate interval.

    Parameters
    ----------
    level : float
        The level as a user wrote it (percent, proportion or alpha).

    Returns
    -------
    float
        The level in percent, strictly between 0 and 100.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
    36(3). The rule is metafor 3.8's internal ``.level`` function (file R/misc.func.hidden.r).

    Examples
    --------
    >>> level_percent(95), level_percent(0.95), level_percent(0.05), level_percent(90)
    (95.0, 95.0, 95.0, 90.0)
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise CompendiumError(f"level must be a number (95, 0.95 or 0.05 for a 95% interval), got {level!r}") from None
    if not (0.0 < value < 100.0):
        raise CompendiumError(
            f"level must be above 0 and below 100 (95, 0.95 or 0.05 for a 95% interval), got {level!r}"
        )
    if value >= 1.0:
        return value
    if value > 0.5:
        return 100.0 * value
    return 100.0 * (1.0 - value)


@dataclass(frozen=True)
class MetaSettings:
    """How a meta-analysis is fitted and reported."""

    method: str = "REML"
    test: str = "knha"
    level: float = 95.0
    prediction_interval: bool = True
    tau2_ci: str = "Q-profile"
    i2_definition: str = "from tau2 and the typical within-study variance (Higgins & Thompson 2002)"

    def describe(self) -> str:
        """One line for reports, e.g. ``REML tau2, knha CI (95%), ...``."""
        pi = "prediction interval" if self.prediction_interval else "no prediction interval"
        return (
            f"{self.method} tau2, {self.test} CI ({self.level:g}%), {pi}, "
            f"{self.tau2_ci} CI for tau2, I2 {self.i2_definition}"
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


DEFAULTS = MetaSettings()
SENSITIVITY = MetaSettings(method="DL", test="z")
