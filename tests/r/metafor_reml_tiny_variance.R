# REML where one sampling variance is tiny (issue 24): yi, vi = (0.1, 1e-20), (0.2, 1), (0.3, 0.01),
# (0.5, 0.04). Hand-made data (a test fixture, not studies). metafor 3.8 warns "Ratio of largest to
# smallest sampling variance extremely large" and finds the interior maximum of the REML
# likelihood (tau2 ~ 0.023), whose log-likelihood is above the one at tau2 = 0. Its Q statistic is
# not pinned: with a weight of 1e20 metafor's Q (computed from the k x k matrix P) loses its digits
# (4.15 against the exact 8.01 = 0.1^2 / 1 + 0.2^2 / 0.01 + 0.4^2 / 0.04).
# Run: Rscript tests/r/metafor_reml_tiny_variance.R > tests/reference/metafor/reml_tiny_variance.json
suppressMessages(library(metafor))
yi <- c(0.1, 0.2, 0.3, 0.5)
vi <- c(1e-20, 1, 0.01, 0.04)
warned <- character(0)
res <- withCallingHandlers(
  rma(yi, vi, method = "REML", test = "z", control = list(threshold = 1e-12, maxiter = 10000)),
  warning = function(w) {
    warned <<- c(warned, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
ll_zero <- suppressWarnings(as.numeric(logLik(rma(yi, vi, method = "REML", tau2 = 0))))
cat(sprintf(
  '{"tau2": %.15g, "beta": %.15g, "se": %.15g, "logLik": %.15g, "logLik_tau2_0": %.15g, "warning": "%s", "metafor": "%s"}\n',
  res$tau2, res$beta[1], res$se, as.numeric(logLik(res)), ll_zero, warned[1], packageVersion("metafor")
))
