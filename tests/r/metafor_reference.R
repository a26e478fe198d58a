# Regenerates the pinned metafor reference values in tests/reference/metafor/*.json.
#
# Usage (from the repository root):  Rscript tests/r/metafor_reference.R
# Needs R >= 4.2 with metafor 3.8 and metadat; CI never runs this script, it only reads the JSON.
# Every JSON file records the R, metafor and metadat versions, the dataset's citation and its
# input columns, so the Python tests need nothing else.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "metafor")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

versions <- list(
  R = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  metadat = as.character(packageVersion("metadat")),
  script = "tests/r/metafor_reference.R"
)

methods <- c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")

# metafor's default convergence criteria (Fisher scoring threshold 1e-5, uniroot tol
# .Machine$double.eps^0.25 ~ 1.2e-4 for PM and the Q-profile CI) leave errors of up to ~2e-4
# relative in iterative results. The pinned values use tight criteria so that they are the
# estimators' exact values; "models_default_control" keeps metafor's defaults for comparison.
tight <- list(threshold = 1e-11, tol = 1e-12, maxiter = 10000)
tests <- c("z", "knha", "adhoc")

num <- function(x) if (is.null(x)) NA else unname(as.vector(x))

summarise_model <- function(res) {
  out <- list(
    method = res$method, test = res$test, k = res$k, p = res$p,
    beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), ddf = num(res$ddf),
    tau2 = num(res$tau2), se.tau2 = num(res$se.tau2), I2 = num(res$I2), H2 = num(res$H2),
    QE = num(res$QE), QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp),
    QMdf = num(res$QMdf), R2 = num(res$R2)
  )
  if (res$int.only) {
    pr <- predict(res)
    out$pi.lb <- num(pr$pi.lb)
    out$pi.ub <- num(pr$pi.ub)
  }
  if (!is.element(res$method, c("FE", "EE", "CE")) && res$k - res$p > 0) {
    ci <- confint(res, control = list(tol = 1e-12))$random
    out$tau2.ci.lb <- ci["tau^2", "ci.lb"]
    out$tau2.ci.ub <- ci["tau^2", "ci.ub"]
    out$I2.ci.lb <- ci["I^2(%)", "ci.lb"]
    out$I2.ci.ub <- ci["I^2(%)", "ci.ub"]
  }
  out
}

all_models <- function(yi, vi, mods = NULL, control = tight) {
  fits <- list()
  for (m in methods) for (t in tests) {
    res <- suppressWarnings(if (is.null(mods)) rma(yi, vi, method = m, test = t, control = control)
                            else rma(yi, vi, mods = mods, method = m, test = t, control = control))
    fits[[paste(m, t, sep = "_")]] <- summarise_model(res)
  }
  fits
}

default_models <- function(yi, vi) {
  fits <- list()
  for (m in methods) {
    res <- rma(yi, vi, method = m, test = "knha")
    fits[[m]] <- list(beta = num(res$beta), se = num(res$se), tau2 = num(res$tau2),
                      tau2.ci.lb = if (m == "FE") NA else confint(res)$random["tau^2", "ci.lb"])
  }
  fits
}

diagnostics <- function(yi, vi, method, test) {
  res <- rma(yi, vi, method = method, test = test, control = tight)
  l1o <- leave1out(res)
  cu <- cumul(res)
  inf <- influence(res)
  rt <- regtest(res)
  rt.lm <- regtest(res, model = "lm")
  rk <- suppressWarnings(ranktest(res))
  tf <- trimfill(res)
  list(
    method = method, test = test,
    leave1out = list(estimate = num(l1o$estimate), se = num(l1o$se), zval = num(if (is.null(l1o$zval)) l1o$tval else l1o$zval),
                     pval = num(l1o$pval), ci.lb = num(l1o$ci.lb), ci.ub = num(l1o$ci.ub),
                     Q = num(l1o$Q), Qp = num(l1o$Qp), tau2 = num(l1o$tau2), I2 = num(l1o$I2),
                     H2 = num(l1o$H2)),
    cumul = list(estimate = num(cu$estimate), se = num(cu$se), pval = num(cu$pval),
                 ci.lb = num(cu$ci.lb), ci.ub = num(cu$ci.ub), Q = num(cu$Q),
                 tau2 = num(cu$tau2), I2 = num(cu$I2)),
    influence = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
                     cook.d = num(inf$inf$cook.d), cov.r = num(inf$inf$cov.r),
                     tau2.del = num(inf$inf$tau2.del), QE.del = num(inf$inf$QE.del),
                     hat = num(inf$inf$hat), weight = num(inf$inf$weight),
                     dfbs = num(inf$dfbs$intrcpt)),
    regtest = list(zval = num(rt$zval), pval = num(rt$pval), ddf = num(rt$ddf),
                   est = num(rt$est), ci.lb = num(rt$ci.lb), ci.ub = num(rt$ci.ub)),
    regtest_lm = list(zval = num(rt.lm$zval), pval = num(rt.lm$pval), ddf = num(rt.lm$ddf)),
    ranktest = list(tau = num(rk$tau), pval = num(rk$pval)),
    trimfill = list(k0 = num(tf$k0), side = tf$side, beta = num(tf$beta), se = num(tf$se),
                    tau2 = num(tf$tau2), test = tf$test)
  )
}

write_reference <- function(name, obj) {
  obj$versions <- versions
  obj$control <- "iterative fits use control = list(threshold = 1e-11, tol = 1e-12, maxiter = 10000); confint uses control = list(tol = 1e-12); models_default_control uses metafor's defaults"
  path <- file.path(out_dir, paste0(name, ".json"))
  write_json(obj, path, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
  message("wrote ", path)
}

standard <- function(name, citation, inputs, yi, vi, measure, note = NULL) {
  obj <- list(dataset = name, citation = citation, measure = measure, inputs = inputs,
              yi = num(yi), vi = num(vi), models = all_models(yi, vi),
              models_default_control = default_models(yi, vi),
              diagnostics = list(REML_knha = diagnostics(yi, vi, "REML", "knha"),
                                 DL_z = diagnostics(yi, vi, "DL", "z")))
  if (!is.null(note)) obj$note <- note
  obj
}

# --- dat.bcg: BCG vaccine trials (Colditz et al. 1994, JAMA 271:698) -------------------------
bcg <- dat.bcg
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
obj <- standard("dat.bcg", "Colditz GA et al. (1994). Efficacy of BCG vaccine in the prevention of tuberculosis. JAMA 271:698-702 (metadat dat.bcg)",
                as.list(bcg[, c("trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "ablat", "alloc")]),
                dat$yi, dat$vi, "RR")
obj$escalc <- list()
for (ms in c("RR", "OR", "RD")) {
  e <- escalc(measure = ms, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
  obj$escalc[[ms]] <- list(yi = num(e$yi), vi = num(e$vi))
}
obj$metareg <- list(
  ablat = all_models(dat$yi, dat$vi, mods = cbind(ablat = bcg$ablat)),
  ablat_year = list(REML_knha = summarise_model(rma(yi, vi, mods = ~ ablat + year, data = dat, test = "knha", control = tight)),
                    REML_z = summarise_model(rma(yi, vi, mods = ~ ablat + year, data = dat, control = tight)))
)
sub <- list()
for (mt in list(c("REML", "knha"), c("DL", "z"))) {
  groups <- sort(unique(bcg$alloc))
  fits <- lapply(groups, function(g) rma(yi, vi, data = dat, subset = alloc == g, method = mt[1], test = mt[2], control = tight))
  between <- rma(sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se[1]), method = "FE")
  common <- rma(yi, vi, mods = ~ factor(alloc), data = dat, method = mt[1], test = mt[2], control = tight)
  sub[[paste(mt, collapse = "_")]] <- list(
    groups = groups, estimate = sapply(fits, function(f) f$beta[1]), se = sapply(fits, function(f) f$se[1]),
    tau2 = sapply(fits, function(f) f$tau2), Q_between = between$QE, Qp_between = between$QEp,
    QM_common = common$QM, QMp_common = common$QMp)
}
obj$subgroup <- sub
write_reference("dat.bcg", obj)

# --- dat.raudenbush1985: teacher expectancy (Raudenbush 1984, J Educ Psychol 76:85) ----------
r85 <- dat.raudenbush1985
obj <- standard("dat.raudenbush1985", "Raudenbush SW (1984). Magnitude of teacher expectancy effects on pupil IQ as a function of the credibility of expectancy induction. J Educ Psychol 76:85-97 (metadat dat.raudenbush1985)",
                as.list(r85[, c("study", "author", "year", "weeks", "yi", "vi")]), r85$yi, r85$vi, "SMD")
obj$metareg <- list(weeks = all_models(r85$yi, r85$vi, mods = cbind(weeks = pmin(r85$weeks, 3))))
obj$metareg_note <- "moderator weeks truncated at 3 (pmin(weeks, 3)), as in metafor's documentation"
write_reference("dat.raudenbush1985", obj)

# --- dat.hackshaw1998: passive smoking and lung cancer (Hackshaw et al. 1997, BMJ 315:980) ---
h98 <- dat.hackshaw1998
obj <- standard("dat.hackshaw1998", "Hackshaw AK, Law MR, Wald NJ (1997). The accumulated evidence on lung cancer and environmental tobacco smoke. BMJ 315:980-988 (metadat dat.hackshaw1998)",
                as.list(h98[, c("study", "author", "year", "or", "or.lb", "or.ub", "yi", "vi")]), h98$yi, h98$vi, "OR")
write_reference("dat.hackshaw1998", obj)

# --- dat.egger2001: intravenous magnesium (Egger, Davey Smith & Altman 2001, ch. 11) ---------
e01 <- dat.egger2001
dat <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = e01)
obj <- standard("dat.egger2001", "Egger M, Davey Smith G, Altman DG (2001). Systematic reviews in health care: meta-analysis in context. BMJ Books, ch. 11 (metadat dat.egger2001)",
                as.list(e01[, c("study", "year", "ai", "n1i", "ci", "n2i")]), dat$yi, dat$vi, "OR")
write_reference("dat.egger2001", obj)

# --- dat.collins1985b: diuretics and pre-eclampsia (Collins, Yusuf & Peto 1985, BMJ 290:17) --
# Replaces the DerSimonian-Kacker CLASP data, which metadat 1.2.0 does not contain.
c85 <- dat.collins1985b
dat <- escalc(measure = "OR", ai = pre.xti, n1i = pre.nti, ci = pre.xci, n2i = pre.nci, data = c85)
obj <- standard("dat.collins1985b", "Collins R, Yusuf S, Peto R (1985). Overview of randomised trials of diuretics in pregnancy. BMJ 290:17-23 (metadat dat.collins1985b, pre-eclampsia outcome)",
                as.list(c85[, c("id", "author", "year", "pre.nti", "pre.nci", "pre.xti", "pre.xci")]), dat$yi, dat$vi, "OR",
                note = "Substitute for the DerSimonian-Kacker (2007) CLASP example, not available in metadat 1.2.0")
write_reference("dat.collins1985b", obj)

# --- escalc-only references ------------------------------------------------------------------
n99 <- dat.normand1999
md <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n99)
smd <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n99)
write_reference("dat.normand1999", list(
  dataset = "dat.normand1999", citation = "Normand SLT (1999). Meta-analysis: formulating, evaluating, combining, and reporting. Stat Med 18:321-359 (metadat dat.normand1999)",
  inputs = as.list(n99[, c("study", "source", "n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")]),
  escalc = list(MD = list(yi = num(md$yi), vi = num(md$vi)), SMD = list(yi = num(smd$yi), vi = num(smd$vi))),
  models = list(SMD_REML_knha = summarise_model(rma(yi, vi, data = smd, test = "knha", control = tight)),
                MD_DL_z = summarise_model(rma(yi, vi, data = md, method = "DL")))))

c98 <- dat.curtis1998[1:30, ]
rom <- escalc(measure = "ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = c98)
write_reference("dat.curtis1998", list(
  dataset = "dat.curtis1998", citation = "Curtis PS, Wang X (1998). A meta-analysis of elevated CO2 effects on woody plant mass, form, and physiology. Oecologia 113:299-313 (metadat dat.curtis1998, first 30 rows)",
  inputs = as.list(c98[, c("id", "n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")]),
  escalc = list(ROM = list(yi = num(rom$yi), vi = num(rom$vi)))))

n07 <- dat.nielweise2007
esc <- list()
for (ms in c("OR", "RR", "RD")) {
  e <- escalc(measure = ms, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = n07)
  esc[[ms]] <- list(yi = num(e$yi), vi = num(e$vi))
}
dat <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = n07)
write_reference("dat.nielweise2007", list(
  dataset = "dat.nielweise2007", citation = "Niel-Weise BS, Stijnen T, van den Broek PJ (2007). Anti-infective-treated central venous catheters: a systematic review of randomized controlled trials. Intensive Care Med 33:2058-2068 (metadat dat.nielweise2007)",
  note = "zero cells (and a double-zero study, Yucel 2004): escalc default add = 1/2, to = 'only0'",
  inputs = as.list(n07[, c("study", "author", "year", "ai", "n1i", "ci", "n2i")]),
  escalc = esc,
  models = list(OR_REML_knha = summarise_model(rma(yi, vi, data = dat, test = "knha", control = tight)))))
