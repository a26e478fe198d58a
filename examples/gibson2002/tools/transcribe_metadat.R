# Transcribes metadat's dat.gibson2002 into the example's data package (data/raw/*.csv).
#
# Usage (from the repository root):  Rscript examples/gibson2002/tools/transcribe_metadat.R
# Needs R with metadat 1.2-0 and yaml. Run once to write the CSVs; re-run to check provenance
# (the output must not change: `git diff examples/gibson2002/data/raw` stays empty).
#
# Every number in the CSVs is a cell of dat.gibson2002 copied as is, except `total` in
# dichotomous_outcomes.csv, which is ai + bi (c + d): the data set gives the participants with
# and without days off, the data package stores events and totals. Column order comes from
# data/raw/datapackage.yaml; tables without data are written with their header only.

suppressPackageStartupMessages({
  library(metadat)
  library(yaml)
})

stopifnot(as.character(packageVersion("metadat")) == "1.2.0")
raw_dir <- file.path("examples", "gibson2002", "data", "raw")
# R's yaml reads a bare n or y as a boolean (YAML 1.1); the column `n` must stay a name, as in PyYAML
keep_letter <- function(letter, value) function(x) if (x %in% c(letter, toupper(letter))) x else value
descriptor <- yaml::read_yaml(file.path(raw_dir, "datapackage.yaml"),
                              handlers = list("bool#no" = keep_letter("n", FALSE), "bool#yes" = keep_letter("y", TRUE)))

gib <- dat.gibson2002
stopifnot(nrow(gib) == 15)

# The help page names the review the data come from; check that it is the one cited below.
rd_source <- paste(unlist(tools::Rd_db("metadat")[["dat.gibson2002.Rd"]]), collapse = "")
stopifnot(grepl("CD001117", rd_source, fixed = TRUE),
          grepl("10.1002/14651858.CD001117", rd_source, fixed = TRUE))

DATASET <- "metadat_gibson2002"
REVIEW <- "gibson2002_cochrane"
row_ref <- function(i) sprintf("dat.gibson2002 row %d (%s %d)", i, gib$author[i], gib$year[i])
slug <- function(author, year) paste0(gsub("[^a-z0-9]+", "_", tolower(author)), year)

# metadat's codes of the `type` column (help page, Details) -> intervention_type and our wording
types <- data.frame(
  code = 1:5,
  intervention_type = c("optimal_self_management", "self_monitoring_and_review", "self_monitoring",
                        "regular_review", "written_action_plan"),
  wording = c("written action plan, self-monitoring and regular medical review",
              "self-monitoring and regular medical review",
              "self-monitoring only",
              "regular medical review only",
              "written action plan only"),
  stringsAsFactors = FALSE
)
type_of <- types[match(gib$type, types$code), ]
stopifnot(!anyNA(type_of$code))

study_id <- slug(gib$author, gib$year)
stopifnot(!anyDuplicated(study_id))
has_means <- !is.na(gib$m1i)
has_events <- !is.na(gib$ai)

sources <- data.frame(
  source_id = c(DATASET, REVIEW),
  citation = c(
    "White T, Noble D, Senior A, Hamilton W, Viechtbauer W. metadat: Meta-Analysis Datasets. R package version 1.2-0 (2022); data set dat.gibson2002",
    "Gibson PG, Powell H, Wilson A, Abramson MJ, Haywood P, Bauman A, Hensley MJ, Walters EH, Roberts JJL. Self-management education and regular practitioner review for adults with asthma. Cochrane Database of Systematic Reviews 2002;(3):CD001117"
  ),
  year = c(2022L, 2002L),
  doi = c(NA, "10.1002/14651858.CD001117"),
  pmid = NA,
  pmcid = NA,
  registration = NA,
  identifier_source = c(NA, "metadat help page of dat.gibson2002"),
  url = c("https://CRAN.R-project.org/package=metadat", "https://doi.org/10.1002/14651858.CD001117"),
  read_at = NA,
  read_date = NA,
  source_type = c("repository_record", "secondary_review"),
  notes = c(
    "The data frame and its help page were read in the installed package (metadat 1.2-0) with R; rows are numbered 1-15 as in the data frame. Every number of this example was read here.",
    "The Cochrane review named as the source by metadat's help page; not read by us, its numbers reach this example only through metadat. DOI as printed by the help page."
  ),
  stringsAsFactors = FALSE
)

studies <- data.frame(
  study_id = study_id,
  label = paste(gib$author, gib$year),
  year = gib$year,
  question = "treatment",
  stream = "rct",
  design = "randomised controlled trial (included in Gibson et al. 2002)",
  source_id = DATASET,
  notes = ifelse(has_means, NA, "No means or SDs of days off in the data set; contributes the dichotomous outcome only."),
  stringsAsFactors = FALSE
)

trials <- data.frame(
  study_id = study_id,
  randomised = TRUE,
  intervention_type = type_of$intervention_type,
  intervention = paste("Self-management education with", type_of$wording),
  comparator_type = "unclear",
  comparator = "Control or comparison group (not described further by the data set)",
  duration_weeks = NA, n_randomised_total = NA, registration = NA, country = NA,
  source_id = DATASET,
  locator = paste0(row_ref(seq_len(nrow(gib))), ", column type"),
  notes = "Randomised: the Cochrane review pooled randomised controlled trials; not checked in the trial reports. Follow-up not given in the data set.",
  stringsAsFactors = FALSE
)

arm_rows <- function(role, n, column, description) data.frame(
  study_id = study_id, arm = role, role = role, description = description,
  n_randomised = NA, n_enrolled = NA, n_analysed = n,
  source_id = DATASET, locator = paste0(row_ref(seq_len(nrow(gib))), ", column ", column),
  stringsAsFactors = FALSE
)
arms <- rbind(
  arm_rows("intervention", gib$n1i, "n1i", paste("Self-management education with", type_of$wording)),
  arm_rows("control", gib$n2i, "n2i", "Control or comparison group")
)
arms$notes <- "Participants in the group as given by the data set (n1i/n2i); numbers randomised not given."
arms <- arms[order(match(arms$study_id, study_id), arms$role != "intervention"), ]

continuous_rows <- function(role, n, m, s, columns) data.frame(
  study_id = study_id, arm = role, outcome = "days_off_work",
  outcome_measure = "Days off work or school per participant (mean, SD)",
  higher_is_better = FALSE, timepoint_weeks = NA, value_type = "final",
  n = n, mean = m, sd = s,
  source_id = DATASET, locator = paste0(row_ref(seq_len(nrow(gib))), ", columns ", columns),
  notes = "Follow-up time not given in the data set.",
  stringsAsFactors = FALSE
)[has_means, ]
continuous <- rbind(
  continuous_rows("intervention", gib$n1i, gib$m1i, gib$sd1i, "n1i, m1i, sd1i"),
  continuous_rows("control", gib$n2i, gib$m2i, gib$sd2i, "n2i, m2i, sd2i")
)
continuous <- continuous[order(match(continuous$study_id, study_id), continuous$arm != "intervention"), ]

dichotomous_rows <- function(role, events, non_events, n, columns) {
  total <- events + non_events
  note <- "total = participants with + without days off (the data set gives both counts, not the total)"
  note <- ifelse(!is.na(n) & total != n,
                 paste0(note, sprintf("; differs from the group size %d given for the continuous outcome", n)), note)
  data.frame(
    study_id = study_id, arm = role, outcome = "any_days_off_work",
    outcome_measure = "Participants with one or more days off work or school",
    timepoint_weeks = NA, events = events, total = total,
    source_id = DATASET, locator = paste0(row_ref(seq_len(nrow(gib))), ", columns ", columns),
    notes = note, stringsAsFactors = FALSE
  )[has_events, ]
}
dichotomous <- rbind(
  dichotomous_rows("intervention", gib$ai, gib$bi, gib$n1i, "ai, bi"),
  dichotomous_rows("control", gib$ci, gib$di, gib$n2i, "ci, di")
)
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
    missing <- setdiff(columns, names(table))
    stopifnot(length(missing) == 0 || all(missing %in% c("se", "ci_low", "ci_high", "ci_level", "median", "q1", "q3", "min", "max", "plus_minus", "verified_as_printed")))
    for (m in missing) table[[m]] <- NA
    body <- do.call(paste, c(lapply(columns, function(col) cell(table[[col]])), sep = ","))
    lines <- c(lines, body)
  }
  writeLines(lines, path, useBytes = TRUE)
  message("wrote ", path, " (", if (is.null(table)) 0 else nrow(table), " rows)")
}

tables <- list(sources = sources, studies = studies, trials = trials, arms = arms,
               continuous_outcomes = continuous, dichotomous_outcomes = dichotomous)
for (resource in descriptor$resources) write_resource(resource, tables[[resource$name]])
