# Pins the sensitivity meta-analysis that the assumption ledger makes possible:
# ALSFRS-R final values at about 6 months, Braga 2018 (printed mean, SD, n) and Lunetta 2016 at
# T180 (printed means; '±' read as SD and n taken as n randomised, as data/raw/assumptions.csv says).
# An implementation independent of compendium.assumptions: it reads the raw CSVs and applies the
# two assumptions itself.
#
# Usage (from the repository root):  Rscript tests/r/assumption_ledger_reference.R
# Needs R >= 4.2 with metafor and jsonlite; CI never runs this script, it only reads the JSON.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

raw <- read.csv(file.path("data", "raw", "continuous_outcomes.csv"), stringsAsFactors = FALSE)
arms <- read.csv(file.path("data", "raw", "arms.csv"), stringsAsFactors = FALSE)

pick <- function(study, arm, weeks) {
  row <- raw[raw$study_id == study & raw$arm == arm & raw$outcome == "alsfrs_r" &
             raw$value_type == "final" & abs(raw$timepoint_weeks - weeks) < 1e-9, ]
  stopifnot(nrow(row) == 1)
  row
}
n_randomised <- function(study, arm) arms$n_randomised[arms$study_id == study & arms$arm == arm]

b1 <- pick("braga2018", "exercise", 26.1); b2 <- pick("braga2018", "control", 26.1)
l1 <- pick("lunetta2016", "smep", 25.7); l2 <- pick("lunetta2016", "usual_care", 25.7)

dat <- data.frame(
  study = c("braga2018", "lunetta2016"),
  m1i = c(b1$mean, l1$mean), sd1i = c(b1$sd, l1$plus_minus), n1i = c(b1$n, n_randomised("lunetta2016", "smep")),
  m2i = c(b2$mean, l2$mean), sd2i = c(b2$sd, l2$plus_minus), n2i = c(b2$n, n_randomised("lunetta2016", "usual_care"))
)
dat <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat)
res <- rma(yi, vi, data = dat, method = "REML", test = "knha",
           control = list(threshold = 1e-11, tol = 1e-12, maxiter = 10000))
pred <- predict(res)

num <- function(x) unname(as.vector(x))
out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  script = "tests/r/assumption_ledger_reference.R"),
  description = "MD (exercise minus control) in ALSFRS-R points at about 6 months; Lunetta 2016 under the ledger assumptions",
  studies = dat$study, yi = num(dat$yi), vi = num(dat$vi),
  beta = num(res$beta), se = num(res$se), ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), pval = num(res$pval),
  tau2 = num(res$tau2), I2 = num(res$I2), QE = num(res$QE), QEp = num(res$QEp),
  pi.lb = num(pred$pi.lb), pi.ub = num(pred$pi.ub), weights = num(weights(res))
)
out_dir <- file.path("tests", "reference", "assumptions")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out_dir, "als_alsfrs_r_6_months.json"))
