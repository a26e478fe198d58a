# Pins metafor's random-effects fit with today's Cochrane defaults (REML tau^2, Knapp-Hartung interval,
# prediction interval) for stage 03's revman_sensitivity table (src/compendium/cochrane/agreement.py)
# in tests/reference/revman/sensitivity.json.
#
# Usage (from the repository root):  Rscript tests/r/revman_sensitivity_reference.R
# Needs R >= 4.2 with metafor and metadat; CI never runs this script, it only reads the JSON.
# Data: metadat's dat.bcg (Colditz et al. 1994, JAMA 271:698; no zero cells), log odds ratios.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "revman")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

dat <- escalc(measure = "OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
res <- rma(yi, vi, data = dat, method = "REML", test = "knha")
pred <- predict(res, transf = exp)
out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  script = "tests/r/revman_sensitivity_reference.R"),
  citation = "Colditz GA et al. (1994). JAMA 271:698-702 (metadat dat.bcg)",
  bcg_or_reml_knha = list(k = res$k, estimate = pred$pred, ci_low = pred$ci.lb, ci_high = pred$ci.ub,
                          pi_low = pred$pi.lb, pi_high = pred$pi.ub, tau2 = res$tau2, i2 = res$I2,
                          pval = res$pval)
)
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out_dir, "sensitivity.json"))
