# Pins metafor's Mantel-Haenszel, Peto and inverse-variance results for the RevMan engine
# (src/compendium/meta/revman.py) in tests/reference/revman/metafor.json.
#
# Usage (from the repository root):  Rscript tests/r/revman_reference.R
# Needs R >= 4.2 with metafor 3.8 and metadat; CI never runs this script, it only reads the JSON.
# Data: metadat's dat.bcg (Colditz et al. 1994, JAMA 271:698; no zero cells), dat.yusuf1985
# (Yusuf et al. 1985, Prog Cardiovasc Dis 27:335; table 6 without the row that has no counts; tables with one and with two zero cells) and
# dat.normand1999 (Normand 1999, Stat Med 18:321; continuous, for MD).

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "revman")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

num <- function(x) if (is.null(x)) NA else unname(as.vector(x))

fit_summary <- function(res) {
  list(beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), tau2 = num(res$tau2), QE = num(res$QE),
       QEp = num(res$QEp), I2 = num(res$I2), k = num(res$k))
}

bcg <- dat.bcg
bcg_in <- list(ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg, alloc = as.character(bcg$alloc))

# dat.yusuf1985, table 6 (beta blockers, 1-year mortality in the long-term trials of that table)
yus <- dat.yusuf1985[dat.yusuf1985$table == "6" & !is.na(dat.yusuf1985$ai), ]
yus_in <- list(ai = yus$ai, bi = yus$n1i - yus$ai, ci = yus$ci, di = yus$n2i - yus$ci)

binary_fits <- function(d, level = 95) {
  out <- list()
  for (m in c("OR", "RR", "RD")) {
    out[[paste0("mh_", m)]] <- fit_summary(rma.mh(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di, measure = m, level = level))
    es <- escalc(m, ai = d$ai, bi = d$bi, ci = d$ci, di = d$di, add = 1/2, to = "only0", drop00 = TRUE)
    out[[paste0("escalc_", m)]] <- list(yi = num(es$yi), vi = num(es$vi))
    for (method in c("FE", "DL")) {
      out[[paste0("iv_", method, "_", m)]] <- fit_summary(rma(yi, vi, data = es, method = method, level = level))
    }
  }
  out$peto <- fit_summary(rma.peto(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di, level = level))
  out
}

bcg_fits <- binary_fits(bcg_in)
bcg_fits_90 <- binary_fits(bcg_in, level = 90)

# test for subgroup differences on dat.bcg by allocation: MH OR per subgroup, then a fixed-effect
# meta-analysis of the subgroup estimates (Q between subgroups)
sub <- list()
est <- c(); se <- c()
for (g in sort(unique(bcg_in$alloc))) {
  s <- bcg_in$alloc == g
  r <- rma.mh(ai = bcg_in$ai[s], bi = bcg_in$bi[s], ci = bcg_in$ci[s], di = bcg_in$di[s], measure = "OR")
  sub[[g]] <- fit_summary(r)
  est <- c(est, r$beta); se <- c(se, r$se)
}
between <- rma(est, sei = se, method = "FE")
subgroup_test <- list(groups = sort(unique(bcg_in$alloc)), QE = num(between$QE), QEp = num(between$QEp),
                      df = length(est) - 1, I2 = max(0, 100 * (between$QE - (length(est) - 1)) / between$QE))

norm <- dat.normand1999
md <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = norm)
md_fits <- list(yi = num(md$yi), vi = num(md$vi),
                FE = fit_summary(rma(yi, vi, data = md, method = "FE")),
                DL = fit_summary(rma(yi, vi, data = md, method = "DL")))

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")), script = "tests/r/revman_reference.R"),
  bcg = list(citation = "Colditz GA et al. (1994). JAMA 271:698-702 (metadat dat.bcg)", input = bcg_in,
             fits = bcg_fits, fits_level90 = bcg_fits_90, subgroups = sub, subgroup_test = subgroup_test),
  yusuf = list(citation = "Yusuf S et al. (1985). Prog Cardiovasc Dis 27:335-371 (metadat dat.yusuf1985, table 6)",
               input = yus_in, fits = binary_fits(yus_in)),
  normand = list(citation = "Normand SLT (1999). Stat Med 18:321-359 (metadat dat.normand1999)",
                 input = list(m1i = norm$m1i, sd1i = norm$sd1i, n1i = norm$n1i, m2i = norm$m2i,
                              sd2i = norm$sd2i, n2i = norm$n2i), fits = md_fits)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out_dir, "metafor.json"))
