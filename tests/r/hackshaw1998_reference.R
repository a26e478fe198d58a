# Pins metafor's results for the worked example examples/hackshaw1998 (a risk question) in
# tests/reference/metafor/hackshaw1998.json.
#
# Usage (from the repository root):  Rscript tests/r/hackshaw1998_reference.R
# Needs R >= 4.2 with metafor 3.8, metadat 1.2-0 and jsonlite; CI never runs this script, it only
# reads the JSON, which records the versions, the data set's citation and its input columns.
#
# What stage 03 does with observational risk estimates, rebuilt here independently of our code
# (src/compendium/analysis/risk.py and pooling.py are the Python side):
#   yi = log(OR), vi = ((log(upper) - log(lower)) / (2 * qnorm(0.975)))^2 from the printed OR and
#   95% CI (generic inverse variance; Cochrane Handbook 6.3.2; the same rule as the Examples of
#   metadat's help page ?dat.hackshaw1998), then
#   rma(REML, test = "knha") for the primary analysis, rma(DL, test = "z") for the "older-review"
#   sensitivity variant, and regtest() on the primary model (Egger's test, used by GRADE).
# The data set's own yi/vi columns are NOT used: they are recomputed from or, or.lb, or.ub.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

out_path <- file.path("tests", "reference", "metafor", "hackshaw1998.json")
# Tight convergence so that the REML values are the estimator's exact values (metafor's default
# threshold 1e-5 leaves relative errors of up to ~1e-4 in tau2).
tight <- list(threshold = 1e-11, maxiter = 10000)
num <- function(x) if (is.null(x)) NA else unname(as.vector(x))

hs <- dat.hackshaw1998
yi <- log(hs$or)
vi <- ((log(hs$or.ub) - log(hs$or.lb)) / (2 * qnorm(0.975)))^2

fit <- function(method, test) {
  res <- rma(yi, vi, method = method, test = test, control = tight)
  pr <- predict(res)
  list(
    method = res$method, test = res$test, k = res$k,
    beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub),
    pi.lb = num(pr$pi.lb), pi.ub = num(pr$pi.ub),
    tau2 = num(res$tau2), I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp),
    exp = list(estimate = exp(num(res$beta)), ci.lb = exp(num(res$ci.lb)), ci.ub = exp(num(res$ci.ub)),
               pi.lb = exp(num(pr$pi.lb)), pi.ub = exp(num(pr$pi.ub)))
  )
}

primary <- rma(yi, vi, method = "REML", test = "knha", control = tight)
egger <- regtest(primary)

obj <- list(
  dataset = "dat.hackshaw1998",
  citation = "Hackshaw AK, Law MR, Wald NJ (1997). The accumulated evidence on lung cancer and environmental tobacco smoke. BMJ 315:980-988, doi:10.1136/bmj.315.7114.980 (metadat dat.hackshaw1998)",
  inputs = as.list(hs[, c("study", "author", "year", "country", "design", "cases", "or", "or.lb", "or.ub")]),
  effects = list(yi = yi, vi = vi, rule = "yi = log(or); vi = ((log(or.ub) - log(or.lb)) / (2 * qnorm(0.975)))^2"),
  models = list(REML_knha = fit("REML", "knha"), DL_z = fit("DL", "z")),
  regtest = list(model = "rma(REML, knha) with sei as moderator (regtest default)",
                 zval = num(egger$zval), pval = num(egger$pval), dfs = num(egger$dfs)),
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")), script = "tests/r/hackshaw1998_reference.R"),
  control = "rma(..., control = list(threshold = 1e-11, maxiter = 10000)); rows are the 37 rows of the data set, in order"
)
write_json(obj, out_path, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
message("wrote ", out_path)
