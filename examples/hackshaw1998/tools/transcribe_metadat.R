# Transcribes metadat's dat.hackshaw1998 into the example's data package (data/raw/*.csv).
#
# Usage (from the repository root):  Rscript examples/hackshaw1998/tools/transcribe_metadat.R
# Needs R with metadat 1.2-0 and yaml. Run once to write the CSVs; re-run to check provenance
# (the output must not change: `git diff examples/hackshaw1998/data/raw` stays empty).
#
# Every number in the CSVs is a cell of dat.hackshaw1998 copied as is: the odds ratio and its 95%
# confidence limits as printed (columns or, or.lb, or.ub), the number of lung cancer cases and the
# publication year. The data set's yi and vi (back-calculated from the printed numbers) are not
# copied: stage 03 derives them from the printed odds ratio and CI itself. Nothing else is in the
# data set (no numbers of controls or cohort sizes, no adjustment sets), so those cells stay empty.
# Column order comes from data/raw/datapackage.yaml; tables without data are written with their
# header only.

suppressPackageStartupMessages({
  library(metadat)
  library(yaml)
})

stopifnot(as.character(packageVersion("metadat")) == "1.2.0")
raw_dir <- file.path("examples", "hackshaw1998", "data", "raw")
# R's yaml reads a bare n or y as a boolean (YAML 1.1); the column `n` must stay a name, as in PyYAML
keep_letter <- function(letter, value) function(x) if (x %in% c(letter, toupper(letter))) x else value
descriptor <- yaml::read_yaml(file.path(raw_dir, "datapackage.yaml"),
                              handlers = list("bool#no" = keep_letter("n", FALSE), "bool#yes" = keep_letter("y", TRUE)))

hs <- dat.hackshaw1998
stopifnot(nrow(hs) == 37, all(hs$design %in% c("cohort", "case-control")))

# The help page names the papers the data come from; check that they are the ones cited below.
rd_source <- paste(unlist(tools::Rd_db("metadat")[["dat.hackshaw1998.Rd"]]), collapse = "")
stopifnot(grepl("10.1136/bmj.315.7114.980", rd_source, fixed = TRUE),
          grepl("10.1177/096228029800700203", rd_source, fixed = TRUE),
          grepl("lower bound of 95% CI", rd_source, fixed = TRUE))

DATASET <- "metadat_hackshaw1998"
REVIEW <- "hackshaw1997_bmj"
REVIEW_SMMR <- "hackshaw1998_smmr"
rows <- seq_len(nrow(hs))
row_ref <- function(i) sprintf("dat.hackshaw1998 row %d (%s %d)", i, hs$author[i], hs$year[i])
slug <- function(author, year) paste0(gsub("[^a-z0-9]+", "_", tolower(author)), year)

study_id <- slug(hs$author, hs$year)
stopifnot(!anyDuplicated(study_id))
cohort <- hs$design == "cohort"
design_words <- ifelse(cohort, "cohort study", "case-control study")

sources <- data.frame(
  source_id = c(DATASET, REVIEW, REVIEW_SMMR),
  citation = c(
    "White T, Noble D, Senior A, Hamilton W, Viechtbauer W. metadat: Meta-Analysis Datasets. R package version 1.2-0 (2022); data set dat.hackshaw1998",
    "Hackshaw AK, Law MR, Wald NJ. The accumulated evidence on lung cancer and environmental tobacco smoke. BMJ 1997;315(7114):980-988",
    "Hackshaw AK. Lung cancer and passive smoking. Statistical Methods in Medical Research 1998;7(2):119-136"
  ),
  year = c(2022L, 1997L, 1998L),
  doi = c(NA, "10.1136/bmj.315.7114.980", "10.1177/096228029800700203"),
  pmid = NA,
  pmcid = NA,
  registration = NA,
  identifier_source = c(NA, "metadat help page of dat.hackshaw1998", "metadat help page of dat.hackshaw1998"),
  url = c("https://CRAN.R-project.org/package=metadat", "https://doi.org/10.1136/bmj.315.7114.980",
          "https://doi.org/10.1177/096228029800700203"),
  read_at = NA,
  read_date = NA,
  source_type = c("repository_record", "secondary_review", "secondary_review"),
  notes = c(
    "The data frame and its help page were read in the installed package (metadat 1.2-0) with R; rows are numbered 1-37 as in the data frame. Every number of this example was read here.",
    "The meta-analysis named first as the source by metadat's help page; not read by us, its numbers reach this example only through metadat (the help page does not say in which table of the paper they are printed). DOI as printed by the help page.",
    "Named as a second source by metadat's help page (the same meta-analysis described for a statistical readership); not read by us. DOI as printed by the help page."
  ),
  stringsAsFactors = FALSE
)

studies <- data.frame(
  study_id = study_id,
  label = paste(hs$author, hs$year),
  year = hs$year,
  question = "risk",
  stream = "observational_general",
  design = paste0(design_words, " (included in Hackshaw et al. 1997)"),
  source_id = DATASET,
  notes = paste0("Country: ", hs$country, " (dat.hackshaw1998 column country). The study report was not read."),
  stringsAsFactors = FALSE
)

observational <- data.frame(
  study_id = study_id,
  estimate_label = "spouse smoked vs spouse did not smoke (as compiled by Hackshaw et al. 1997)",
  population_type = "general_population",
  population = paste0("Lifelong non-smoking women, ", hs$country),
  design = ifelse(cohort, "cohort", "case_control"),
  exposure_category = "spouse_smoking",
  exposure = "Spouse smoked (exposure to environmental tobacco smoke from the spouse; definition of each study not given in the data set)",
  comparison = "Lifelong non-smoking women whose spouse did not smoke",
  measure = "OR",
  estimate = hs$or, ci_low = hs$or.lb, ci_high = hs$or.ub, ci_level = 95,
  p_value = NA, p_relation = NA,
  cases = hs$cases,
  controls = NA, expected_cases = NA, n = NA,
  sex = "female",
  adjusted_for = NA,
  secondary_source = TRUE,
  verified_as_printed = NA,
  source_id = DATASET,
  locator = paste0(row_ref(rows), ", columns or, or.lb, or.ub, cases"),
  notes = paste0(
    "Odds ratio and 95% CI as given by the data set (", design_words, "; the data set calls every estimate an odds ",
    "ratio and does not say whether it was adjusted). Numbers of controls or of women followed are not in the data set."
  ),
  stringsAsFactors = FALSE
)

# --- writing: columns in the descriptor's order, empty cells for missing, quotes only when needed
cell <- function(x) {
  out <- if (is.logical(x)) ifelse(x, "true", "false") else as.character(x)
  out[is.na(x)] <- ""
  needs_quotes <- grepl("[,\"\n]", out)
  out[needs_quotes] <- paste0("\"", gsub("\"", "\"\"", out[needs_quotes]), "\"")
  out
}
write_resource <- function(resource, table) {
  columns <- vapply(resource$schema$fields, function(f) f$name, "")
  path <- file.path(raw_dir, resource$path)
  lines <- paste(columns, collapse = ",")
  if (!is.null(table)) {
    stopifnot(setequal(columns, names(table)))
    lines <- c(lines, do.call(paste, c(lapply(columns, function(col) cell(table[[col]])), sep = ",")))
  }
  writeLines(lines, path, useBytes = TRUE)
  message("wrote ", path, " (", if (is.null(table)) 0 else nrow(table), " rows)")
}

tables <- list(sources = sources, studies = studies, observational = observational)
for (resource in descriptor$resources) write_resource(resource, tables[[resource$name]])
