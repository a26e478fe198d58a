"""The meta-analysis defaults, in one place so that reports can print them.

Defaults follow current Cochrane (RevMan) practice: REML tau2, Hartung-Knapp-Sidik-Jonkman
confidence interval (metafor ``test="knha"``), a prediction interval, a Q-profile confidence
interval for tau2 and I2 computed from tau2. ``SENSITIVITY`` (DerSimonian-Laird with z-based
intervals) reproduces older reviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: tau2 estimators (metafor's names); FE is the equal-effects ("fixed-effect") model
METHODS = ("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")
#: inference for the coefficients: z (normal), knha (Hartung-Knapp-Sidik-Jonkman, t with k - p df)
#: and adhoc (knha whose variance factor is never below 1, so never narrower than z)
TESTS = ("z", "knha", "adhoc")
#: effect measures computed by compendium.effects
MEASURES = ("MD", "SMD", "ROM", "OR", "RR", "RD")


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
