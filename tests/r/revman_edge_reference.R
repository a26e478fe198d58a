# Pins metafor's results for the edge cases of the Cochrane readers' fixture review
# (tests/cochrane_edge_fixtures.py) in tests/reference/revman/edge.json.
#
# Usage (from the repository root):  Rscript tests/r/revman_edge_reference.R
# Needs R >= 4.2 with metafor 3.8, metadat and jsonlite; CI never runs this script, it only reads the JSON.
#
# Data (metadat): dat.yusuf1985 table 6 (Yusuf et al. 1985, Prog Cardiovasc Dis 27:335; tables with one
# and with two zero cells), dat.bcg (Colditz et al. 1994, JAMA 271:698), dat.normand1999 (Normand 1999,
# Stat Med 18:321).
#
# RevMan 5 adds 0.5 to every cell of a table with a zero cell, for the study's own estimate and for the
# Mantel-Haenszel sums, and leaves out tables with no events in either arm (RR, OR): metafor's rma.mh on
# the tables so corrected gives RevMan's Mantel-Haenszel estimate, and its Q (about the MH estimate with
# the corrected tables' inverse-variance weights) is RevMan's.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "revman")
num <- function(x) if (is.null(x)) NA else unname(as.vector(x))
fit <- function(res) {
  list(beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), tau2 = num(res$tau2), QE = num(res$QE),
       QEp = num(res$QEp), I2 = num(res$I2), k = num(res$k))
}
between <- function(fits) {
  r <- rma(sapply(fits, `[[`, "beta"), sei = sapply(fits, `[[`, "se"), method = "FE")
  df <- length(fits) - 1
  list(QE = num(r$QE), QEp = num(r$QEp), df = df, I2 = max(0, 100 * (r$QE - df) / r$QE))
}

# zero cells: yusuf table 6; 0.5 added to each cell of a table with a zero cell, double zeros dropped
yus <- dat.yusuf1985[dat.yusuf1985$table == "6" & !is.na(dat.yusuf1985$ai), ]
a <- yus$ai; b <- yus$n1i - yus$ai; c <- yus$ci; d <- yus$n2i - yus$ci
zero <- pmin(a, b, c, d) == 0
both <- a == 0 & c == 0
corr <- function(x) ifelse(zero, x + 0.5, x)
mh_or <- function(rows) {
  rows <- rows[!both[rows]]
  fit(rma.mh(ai = corr(a)[rows], bi = corr(b)[rows], ci = corr(c)[rows], di = corr(d)[rows], measure = "OR"))
}
# subgroups of analysis 1.1: A = tables 1-10, B = tables 12-21 and table 1 again, D = table 11 (two zeros)
A <- 1:10; B <- c(12:21, 1)
mh <- list(overall = mh_or(c(A, B, 11)), A = mh_or(A), B = mh_or(B))
# analysis 1.11: Mantel-Haenszel RR on all 21 tables (the same correction)
keep <- !both
mh_rr <- fit(rma.mh(ai = corr(a)[keep], bi = corr(b)[keep], ci = corr(c)[keep], di = corr(d)[keep], measure = "RR"))
mh$test <- between(list(mh$A, mh$B))

# analysis 1.2: inverse variance RR, DerSimonian-Laird, 99% CI, on the same tables
es_rr <- escalc("RR", ai = a, bi = b, ci = c, di = d, add = 1/2, to = "only0", drop00 = TRUE)
iv_rr <- fit(rma(yi, vi, data = es_rr, method = "DL", level = 99))

# analysis 1.4: dat.bcg with events and non-events swapped, MH OR, 90% CI, subgroups by allocation
bcg <- dat.bcg
swap <- function(rows, level) fit(rma.mh(ai = bcg$tneg[rows], bi = bcg$tpos[rows], ci = bcg$cneg[rows],
                                         di = bcg$cpos[rows], measure = "OR", level = level))
groups <- sort(unique(as.character(bcg$alloc)))
swapped <- list(overall = swap(seq_len(nrow(bcg)), 90))
for (g in groups) swapped[[g]] <- swap(which(bcg$alloc == g), 90)

# analysis 1.5: one study (dat.bcg trial 1, log RR), DerSimonian-Laird: df = 0
es_bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
one <- fit(rma(es_bcg$yi[1], es_bcg$vi[1], method = "DL"))

# analysis 1.12: O - E and variance (Peto's, from dat.bcg's tables), DerSimonian-Laird on (O - E) / V, 1 / V
n1 <- as.numeric(bcg$tpos + bcg$tneg); n2 <- as.numeric(bcg$cpos + bcg$cneg); n <- n1 + n2  # doubles: the products overflow integers
oe <- bcg$tpos - n1 * (bcg$tpos + bcg$cpos) / n
v <- n1 * n2 * (bcg$tpos + bcg$cpos) * (bcg$tneg + bcg$cneg) / (n^2 * (n - 1))
oe_dl <- fit(rma(oe / v, 1 / v, method = "DL"))

# analysis 1.7: mean difference, DerSimonian-Laird, dat.normand1999 trials 2 and 5 (Q <= df)
norm <- dat.normand1999[c(2, 5), ]
md <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = norm)
md_dl <- fit(rma(yi, vi, data = md, method = "DL"))

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")), script = "tests/r/revman_edge_reference.R"),
  yusuf = list(input = list(ai = a, bi = b, ci = c, di = d), subgroups = list(A = A, B = B, D = I(11)),
               mh_or = mh, mh_rr = mh_rr, iv_dl_rr_99 = iv_rr),
  bcg_oe = list(oe = oe, v = v, fit = oe_dl),
  bcg_swapped = list(groups = groups, alloc = as.character(bcg$alloc), fits = swapped),
  bcg_one = list(yi = num(es_bcg$yi[1]), sei = sqrt(num(es_bcg$vi[1])), fit = one),
  normand_2_5 = list(input = list(m1i = norm$m1i, sd1i = norm$sd1i, n1i = norm$n1i, m2i = norm$m2i,
                                  sd2i = norm$sd2i, n2i = norm$n2i), fit = md_dl)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out_dir, "edge.json"))
