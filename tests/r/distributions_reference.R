# Pins R's distribution functions for the meta engine's own implementations
# (src/compendium/meta/distributions.py): two-sided t p-values and critical values, chi-square
# upper tails and quantiles, F upper tails and normal tails, on a grid from 1 to 10^7 degrees of
# freedom and from the centre far into the tails.
#
# Usage (from the repository root):  Rscript tests/r/distributions_reference.R
# Needs R >= 4.2 (base R only); CI never runs this script, it only reads the CSV files it writes.

out <- file.path("tests", "reference", "distributions")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
write <- function(frame, name) {
  path <- file.path(out, name)
  con <- file(path, "w")
  writeLines(paste(names(frame), collapse = ","), con)
  for (i in seq_len(nrow(frame))) {
    writeLines(paste(vapply(frame[i, ], function(x) sprintf("%.17g", x), ""), collapse = ","), con)
  }
  close(con)
  cat("wrote", path, "\n")
}

dfs <- c(1, 2, 3, 4, 5, 7, 10, 29, 30, 99, 100, 999, 1000, 9999, 1e5, 999998, 999999, 1e7)
stats <- c(0, 1e-10, 1e-3, 0.1, 0.5, 1, 1.5, 1.959964, 2.5, 3, 5, 10, 20, 40, 100, 1000)
levels <- c(50, 80, 90, 95, 99, 99.9, 99.99)

t_tail <- expand.grid(stat = stats, df = dfs)
t_tail$p_two_sided <- 2 * pt(-abs(t_tail$stat), t_tail$df)
write(t_tail, "t_two_sided.csv")

t_crit <- expand.grid(level = levels, df = dfs)
t_crit$critical <- qt(1 - (1 - t_crit$level / 100) / 2, t_crit$df)
write(t_crit, "t_critical.csv")

chi <- do.call(rbind, lapply(dfs, function(df) {
  q <- c(0, 1e-5, 0.01, 0.5, 1, 2, 0.5 * df, 0.9 * df, df, 1.1 * df, 1.5 * df, 3 * df, df + 10 * sqrt(2 * df))
  data.frame(q = q, df = df)
}))
chi$upper <- pchisq(chi$q, chi$df, lower.tail = FALSE)
write(chi, "chi2_upper.csv")

chi_q <- expand.grid(prob = c(1e-10, 0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999), df = dfs)
chi_q$quantile <- qchisq(chi_q$prob, chi_q$df, lower.tail = FALSE)
write(chi_q, "chi2_quantile_upper.csv")

f <- expand.grid(stat = c(0, 0.01, 0.5, 1, 2, 4, 10, 100, 1e4), df1 = c(1, 2, 3, 5, 10, 100),
                 df2 = c(1, 2, 5, 10, 30, 100, 1000, 999999))
f$upper <- pf(f$stat, f$df1, f$df2, lower.tail = FALSE)
write(f, "f_upper.csv")

z <- data.frame(stat = c(0, 1e-10, 0.5, 1, 1.959964, 3, 5, 10, 30))
z$p_two_sided <- 2 * pnorm(-abs(z$stat))
write(z, "z_two_sided.csv")

z_crit <- data.frame(level = levels)
z_crit$critical <- qnorm(1 - (1 - z_crit$level / 100) / 2)
write(z_crit, "z_critical.csv")
