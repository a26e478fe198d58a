# Pinned metafor values where the ML/REML likelihood has a local maximum at tau2 = 0 and the score
# is negative there: the mean differences of dat.gibson2002 (metadat; days off work, Gibson et al.
# 2002, Cochrane CD001117). metafor's Fisher scoring finds REML tau2 = 9.68 (interior) and, for ML,
# an interior root whose likelihood is below the one at 0, so it sets tau2 = 0 with the warning
# "Fisher scoring algorithm may have gotten stuck at a local maximum".
#
# Usage (from the repository root):  Rscript tests/r/metafor_local_maximum.R
# Output: tests/reference/metafor/local_maximum_gibson_md.json

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

dat <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.gibson2002)
dat <- dat[!is.na(dat$yi), ]
out <- list(
  source = "metafor 3.8-1, escalc('MD') on dat.gibson2002 (13 trials with means and SDs)",
  yi = as.numeric(dat$yi), vi = as.numeric(dat$vi), models = list()
)
for (method in c("REML", "ML")) {
  res <- suppressWarnings(rma(yi, vi, data = dat, method = method, control = list(threshold = 1e-12, maxiter = 10000)))
  out$models[[method]] <- list(beta = as.numeric(res$beta), se = res$se, tau2 = res$tau2)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path("tests", "reference", "metafor", "local_maximum_gibson_md.json"))
