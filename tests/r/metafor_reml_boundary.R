# Pinned metafor values for REML where tau2 is small relative to the sampling variances and
# metafor's default Fisher scoring oscillates without converging ("Fisher scoring algorithm did
# not converge"). A step length of 1/2 (control stepadj = 0.5, metafor's documented remedy)
# makes it converge; tight criteria give the estimator's exact value.
#
# Usage (from the repository root):  Rscript tests/r/metafor_reml_boundary.R
# Input: tests/reference/metafor/reml_boundary_k{200,300}.csv, SIMULATED data (not studies),
# written by Python: random.seed(1); yi = random.gauss(0.3, 0.2) k times, then
# vi = random.uniform(0.01, 0.2) k times. Output: reml_boundary_k{200,300}.json beside them.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

dir <- file.path("tests", "reference", "metafor")
control <- list(stepadj = 0.5, threshold = 1e-12, maxiter = 10000)

for (k in c(200, 300)) {
  d <- read.csv(file.path(dir, sprintf("reml_boundary_k%d.csv", k)))
  default_fit <- try(rma(d$yi, d$vi, method = "REML", test = "knha"), silent = TRUE)
  res <- rma(d$yi, d$vi, method = "REML", test = "knha", control = control)
  l1o <- leave1out(res)
  out <- list(
    versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                    script = "tests/r/metafor_reml_boundary.R"),
    data = sprintf("SIMULATED: reml_boundary_k%d.csv (Python random.seed(1), yi ~ gauss(0.3, 0.2), vi ~ uniform(0.01, 0.2))", k),
    default_control_error = if (inherits(default_fit, "try-error")) conditionMessage(attr(default_fit, "condition")) else NA,
    control = control,
    model = list(tau2 = res$tau2, beta = as.vector(res$beta), se = res$se, ci.lb = res$ci.lb,
                 ci.ub = res$ci.ub, I2 = res$I2, QE = res$QE),
    leave1out = list(estimate = l1o$estimate, se = l1o$se, tau2 = l1o$tau2, I2 = l1o$I2)
  )
  write_json(out, file.path(dir, sprintf("reml_boundary_k%d.json", k)), auto_unbox = TRUE,
             digits = NA, pretty = TRUE, na = "null")
}
