# Pins metafor's results for the worked example examples/gibson2002 (and a dichotomous check on
# dat.bcg) in tests/reference/metafor/gibson2002.json and bcg_dichotomous.json.
#
# Usage (from the repository root):  Rscript tests/r/gibson2002_reference.R
# Needs R >= 4.2 with metafor 3.8, metadat 1.2-0 and jsonlite; CI never runs this script, it only
# reads the JSON. Each file records the versions, the data set's citation and its input columns
# (NA as null), so that the Python tests can re-derive the example's CSV rows from it.
#
# What is pinned, per outcome of the example (no time windows: all trials in one analysis):
#   days_off_work      escalc MD and SMD per study; rma REML + Knapp-Hartung for MD and SMD
#   any_days_off_work  escalc RR and OR per study; rma REML + Knapp-Hartung for RR and OR
# and the same fits within each intervention type (metadat column `type`). A type with a single
# study is fitted too; metafor then switches to test = "z" (recorded in `test`).

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "metafor")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

versions <- list(
  R = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  metadat = as.character(packageVersion("metadat")),
  script = "tests/r/gibson2002_reference.R"
)
# Tight convergence so that the REML values are the estimator's exact values (metafor's default
# threshold 1e-5 leaves relative errors of up to ~1e-4 in tau2).
tight <- list(threshold = 1e-11, maxiter = 10000)

num <- function(x) if (is.null(x)) NA else unname(as.vector(x))

pinned_fit <- function(yi, vi, subset = NULL) {
  keep <- !is.na(yi) & (if (is.null(subset)) TRUE else subset)
  res <- suppressWarnings(rma(yi[keep], vi[keep], method = "REML", test = "knha", control = tight))
  pr <- predict(res)
  list(
    method = res$method, test = res$test, k = res$k, rows = which(keep),
    beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), ddf = num(res$ddf),
    pi.lb = num(pr$pi.lb), pi.ub = num(pr$pi.ub),
    tau2 = num(res$tau2), I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp)
  )
}

by_group <- function(yi, vi, group) {
  fits <- list()
  for (g in sort(unique(group[!is.na(yi)]))) fits[[as.character(g)]] <- pinned_fit(yi, vi, group == g)
  fits
}

write_reference <- function(name, obj) {
  obj$versions <- versions
  obj$control <- "rma(method = 'REML', test = 'knha', control = list(threshold = 1e-11, maxiter = 10000)); rows are 1-based rows of the inputs"
  path <- file.path(out_dir, paste0(name, ".json"))
  write_json(obj, path, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
  message("wrote ", path)
}

# --- dat.gibson2002: self-management education for adults with asthma -------------------------
gib <- dat.gibson2002
escalc_cont <- function(measure) escalc(measure = measure, m1i = m1i, sd1i = sd1i, n1i = n1i,
                                        m2i = m2i, sd2i = sd2i, n2i = n2i, data = gib)
escalc_bin <- function(measure) escalc(measure = measure, ai = ai, bi = bi, ci = ci, di = di, data = gib)
effects <- list(MD = escalc_cont("MD"), SMD = escalc_cont("SMD"), RR = escalc_bin("RR"), OR = escalc_bin("OR"))
outcome_of <- c(MD = "days_off_work", SMD = "days_off_work", RR = "any_days_off_work", OR = "any_days_off_work")

obj <- list(
  dataset = "dat.gibson2002",
  citation = "Gibson PG, Powell H, Wilson A, Abramson MJ, Haywood P, Bauman A, Hensley MJ, Walters EH, Roberts JJL (2002). Self-management education and regular practitioner review for adults with asthma. Cochrane Database Syst Rev (3):CD001117, doi:10.1002/14651858.CD001117 (metadat dat.gibson2002)",
  type_codes = list("1" = "optimal_self_management", "2" = "self_monitoring_and_review",
                    "3" = "self_monitoring", "4" = "regular_review", "5" = "written_action_plan"),
  inputs = as.list(gib),
  escalc = list(), models = list(), subgroups = list()
)
for (measure in names(effects)) {
  e <- effects[[measure]]
  key <- paste(outcome_of[[measure]], measure, sep = "_")
  obj$escalc[[measure]] <- list(outcome = outcome_of[[measure]], yi = num(e$yi), vi = num(e$vi))
  obj$models[[key]] <- pinned_fit(e$yi, e$vi)
  obj$subgroups[[key]] <- by_group(e$yi, e$vi, gib$type)
}
write_reference("gibson2002", obj)

# --- dat.bcg: BCG vaccine trials, arm-level events (second check of the RR/OR path) ------------
bcg <- dat.bcg
obj <- list(
  dataset = "dat.bcg",
  citation = "Colditz GA et al. (1994). Efficacy of BCG vaccine in the prevention of tuberculosis. JAMA 271:698-702 (metadat dat.bcg)",
  inputs = as.list(bcg[, c("trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "ablat", "alloc")]),
  escalc = list(), models = list(), subgroups = list()
)
for (measure in c("RR", "OR")) {
  e <- escalc(measure = measure, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
  obj$escalc[[measure]] <- list(yi = num(e$yi), vi = num(e$vi))
  obj$models[[measure]] <- pinned_fit(e$yi, e$vi)
  obj$subgroups[[measure]] <- by_group(e$yi, e$vi, bcg$alloc)
}
write_reference("bcg_dichotomous", obj)
