# Transcribes metadat's dat.bcg into the example's data package (data/raw/*.csv).
#
# Usage (from the repository root):  Rscript examples/bcg/tools/transcribe_metadat.R
# Needs R with metadat 1.2-0 and yaml. Run once to write the CSVs; re-run to check provenance
# (the output must not change: `git diff examples/bcg/data/raw` stays empty).
#
# Every number in the CSVs is a cell of dat.bcg copied as is, except `total` in
# dichotomous_outcomes.csv, which is tpos + tneg (cpos + cneg): the data set gives the TB positive
# and TB negative counts of each group, the data package stores events and totals. The absolute
# latitude (ablat) has no column in the data package; it is kept in the trials' notes.
# Column order comes from data/raw/datapackage.yaml; tables without data get their header only.

suppressPackageStartupMessages({
  library(metadat)
  library(yaml)
})

stopifnot(as.character(packageVersion("metadat")) == "1.2.0")
raw_dir <- file.path("examples", "bcg", "data", "raw")
# R's yaml reads a bare n or y as a boolean (YAML 1.1); the column `n` must stay a name, as in PyYAML
keep_letter <- function(letter, value) function(x) if (x %in% c(letter, toupper(letter))) x else value
descriptor <- yaml::read_yaml(file.path(raw_dir, "datapackage.yaml"),
                              handlers = list("bool#no" = keep_letter("n", FALSE), "bool#yes" = keep_letter("y", TRUE)))

bcg <- dat.bcg
stopifnot(nrow(bcg) == 13, all(bcg$trial == seq_len(13)))
rd_source <- paste(unlist(tools::Rd_db("metadat")[["dat.bcg.Rd"]]), collapse = "")
stopifnot(grepl("10.1001/jama.1994.03510330076038", rd_source, fixed = TRUE))

DATASET <- "metadat_bcg"
rows <- seq_len(nrow(bcg))
row_ref <- function(i) sprintf("dat.bcg row %d (trial %d, %s %d)", i, bcg$trial[i], bcg$author[i], bcg$year[i])
# first author's surname + year: "Comstock & Webster" -> comstock1969, "TPT Madras" -> tpt_madras1980
first_author <- sub(" et al$", "", sub(" & .*$", "", bcg$author))
study_id <- paste0(gsub("[^a-z0-9]+", "_", tolower(first_author)), bcg$year)
stopifnot(!anyDuplicated(study_id))
randomised <- bcg$alloc == "random"

sources <- data.frame(
  source_id = c(DATASET, "colditz1994_jama"),
  citation = c(
    "White T, Noble D, Senior A, Hamilton W, Viechtbauer W. metadat: Meta-Analysis Datasets. R package version 1.2-0 (2022); data set dat.bcg",
    "Colditz GA, Brewer TF, Berkey CS, Wilson ME, Burdick E, Fineberg HV, Mosteller F. Efficacy of BCG vaccine in the prevention of tuberculosis: meta-analysis of the published literature. JAMA 1994;271(9):698-702"
  ),
  year = c(2022L, 1994L),
  doi = c(NA, "10.1001/jama.1994.03510330076038"),
  pmid = NA,
  pmcid = NA,
  registration = NA,
  identifier_source = c(NA, "metadat help page of dat.bcg"),
  url = c("https://CRAN.R-project.org/package=metadat", "https://doi.org/10.1001/jama.1994.03510330076038"),
  read_at = NA,
  read_date = NA,
  source_type = c("repository_record", "secondary_review"),
  notes = c(
    "The data frame and its help page were read in the installed package (metadat 1.2-0) with R; rows are numbered 1-13 as in the data frame. Every number of this example was read here.",
    "The meta-analysis named as the source by metadat's help page; not read by us, its numbers reach this example only through metadat. DOI as printed by the help page."
  ),
  stringsAsFactors = FALSE
)

studies <- data.frame(
  study_id = study_id,
  label = paste(bcg$author, bcg$year),
  year = bcg$year,
  question = "treatment",
  stream = ifelse(randomised, "rct", "non_randomised"),
  design = ifelse(randomised, "randomised controlled trial",
                  paste0("controlled trial with ", bcg$alloc, " allocation")),
  source_id = DATASET,
  notes = NA,
  stringsAsFactors = FALSE
)

trials <- data.frame(
  study_id = study_id,
  randomised = randomised,
  intervention_type = "bcg_vaccine",
  intervention = "BCG vaccination",
  comparator_type = "no_intervention",
  comparator = "Not vaccinated",
  duration_weeks = NA, n_randomised_total = NA, registration = NA, country = NA,
  source_id = DATASET,
  locator = paste0(row_ref(rows), ", columns alloc, ablat"),
  notes = sprintf("Allocation as given by the data set: %s. Absolute latitude of the study location: %d degrees (column ablat; no column for it in this package).",
                  bcg$alloc, bcg$ablat),
  stringsAsFactors = FALSE
)

arm_rows <- function(role, description) data.frame(
  study_id = study_id, arm = role, role = role, description = description,
  n_randomised = NA, n_enrolled = NA, n_analysed = NA,
  source_id = DATASET, locator = paste0(row_ref(rows), ", columns ", if (role == "intervention") "tpos, tneg" else "cpos, cneg"),
  notes = "Group size not given as such by the data set; the TB positive and negative counts are in dichotomous_outcomes.",
  stringsAsFactors = FALSE
)
arms <- rbind(arm_rows("intervention", "Vaccinated group"), arm_rows("control", "Control group, not vaccinated"))
arms <- arms[order(match(arms$study_id, study_id), arms$role != "intervention"), ]

dichotomous_rows <- function(role, positive, negative, columns) data.frame(
  study_id = study_id, arm = role, outcome = "tuberculosis",
  outcome_measure = "Participants with tuberculosis (TB positive cases)",
  timepoint_weeks = NA, events = positive, total = positive + negative,
  source_id = DATASET, locator = paste0(row_ref(rows), ", columns ", columns),
  notes = "total = TB positive + TB negative (the data set gives both counts, not the total)",
  stringsAsFactors = FALSE
)
dichotomous <- rbind(dichotomous_rows("intervention", bcg$tpos, bcg$tneg, "tpos, tneg"),
                     dichotomous_rows("control", bcg$cpos, bcg$cneg, "cpos, cneg"))
dichotomous <- dichotomous[order(match(dichotomous$study_id, study_id), dichotomous$arm != "intervention"), ]

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
    stopifnot(all(columns %in% names(table)))
    lines <- c(lines, do.call(paste, c(lapply(columns, function(col) cell(table[[col]])), sep = ",")))
  }
  writeLines(lines, path, useBytes = TRUE)
  message("wrote ", path, " (", if (is.null(table)) 0 else nrow(table), " rows)")
}

tables <- list(sources = sources, studies = studies, trials = trials, arms = arms,
               dichotomous_outcomes = dichotomous)
for (resource in descriptor$resources) write_resource(resource, tables[[resource$name]])
