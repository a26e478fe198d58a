# Pins the inputs and metafor's pooled risk ratio of dat.hine1989 (metadat 1.2-0) in
# tests/reference/metafor/hine1989.json, for the harm review test fixture (tests/test_harm_review.py).
#
# Usage (from the repository root):  Rscript tests/r/hine1989_reference.R
# Needs R >= 4.2 with metafor 3.8, metadat 1.2-0 and jsonlite; CI never runs this script, it only
# reads the JSON.
#
# dat.hine1989: deaths in six randomised trials of prophylactic intravenous lidocaine after acute
# myocardial infarction (Hine LK, Laird N, Hewitt P, Chalmers TC. Meta-analytic evidence against
# prophylactic use of lidocaine in acute myocardial infarction. Arch Intern Med 1989;149:2694-2698;
# metadat took the numbers from Table I of Normand SL, Stat Med 1999;18:321-359).
# Pinned: the data frame's columns as they are, and the RR, OR and RD (escalc's default zero-cell
# rule) pooled by rma(REML, Knapp-Hartung): a review may declare dichotomous_measure: [RR, OR, RD].

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

stopifnot(as.character(packageVersion("metadat")) == "1.2.0")
dat <- dat.hine1989
tight <- list(threshold = 1e-11, maxiter = 10000)
pooled <- function(measure) {
  es <- escalc(measure = measure, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat)
  res <- rma(yi, vi, data = es, method = "REML", test = "knha", control = tight)
  pr <- predict(res, transf = if (measure == "RD") identity else exp)
  list(
    k = res$k, estimate = unname(pr$pred), ci_low = unname(pr$ci.lb), ci_high = unname(pr$ci.ub),
    pval = res$pval, tau2 = res$tau2, I2 = res$I2
  )
}
out <- list(
  versions = list(
    R = R.version.string,
    metafor = as.character(packageVersion("metafor")),
    metadat = as.character(packageVersion("metadat")),
    script = "tests/r/hine1989_reference.R"
  ),
  citation = paste(
    "Hine LK, Laird N, Hewitt P, Chalmers TC. Meta-analytic evidence against prophylactic use of",
    "lidocaine in acute myocardial infarction. Arch Intern Med 1989;149(12):2694-2698.",
    "doi:10.1001/archinte.1989.00390120056011; via metadat 1.2-0, dat.hine1989 (from Normand 1999, Table I)"
  ),
  inputs = list(
    study = dat$study, source = dat$source, n1i = dat$n1i, n2i = dat$n2i, ai = dat$ai, ci = dat$ci
  ),
  rr_reml_knha = pooled("RR"),
  or_reml_knha = pooled("OR"),
  rd_reml_knha = pooled("RD")
)
write_json(out, file.path("tests", "reference", "metafor", "hine1989.json"),
           auto_unbox = TRUE, digits = NA, pretty = TRUE)
