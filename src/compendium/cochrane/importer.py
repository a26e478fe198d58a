"""A Cochrane review (RevMan 5 file, data package, one-row-per-study CSV) as a review folder of today's layout.

:func:`write_review` writes ``review.yaml`` and the data package ``data/raw/`` (the empty starter
package of ``compendium init``, filled with ``sources``, ``studies``, ``trials``, ``arms``,
``dichotomous_outcomes`` and ``continuous_outcomes``) so that ``compendium validate`` accepts it.
Every row carries its provenance: the review as its source (DOI when the file has one) and a
locator naming the analysis (RevMan's id and number), the study's id in the file and the row.

What today's layout cannot hold is left out and listed in the returned summary, never dropped
silently: generic inverse-variance and O-E analyses, study rows without data, studies without a
year. Analyses become outcomes (``analysis_<comparison>_<outcome>``) with RevMan's pooling settings
(``pooling``: method, measure, model), which stage 03 pools them with; comparisons become declared
``comparisons`` (``comparison_<n>``, nouns from the group labels of their first analysis) and the trials'
intervention types; a subgroup is kept in the row's ``outcome_measure``.
The file's Cochrane RoB 1 judgements are stored as given in ``rob1_judgements`` (:func:`write_rob1_judgements`;
no table when the file has none).

A RevMan 5 file or data package is also kept as given under ``data/raw/cochrane/`` (:data:`ORIGINAL_DIR`):
stage 03 re-analyses it with the file's own settings and compares with the results it stores
(``tables/revman_agreement.csv``). A CSV stores no results and is not kept.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from compendium.cochrane.model import Analysis, Review, StudyRow
from compendium.cochrane.readers import read_review
from compendium.errors import CompendiumError
from compendium.review import DICHOTOMOUS_MEASURES, POOLING_METHOD_MEASURES
from compendium.shared import slug

#: the source id of the review itself in sources.csv
REVIEW_SOURCE_ID = "cochrane_review"
#: tables this importer writes (the others keep the starter package's empty tables)
WRITTEN_TABLES = ("sources", "studies", "trials", "arms", "dichotomous_outcomes", "continuous_outcomes")
#: data types of an analysis the data package's tables hold (the others are left out, with the reason)
IMPORTED_DATA_TYPES = ("dichotomous", "continuous")
#: the folder of ``data/raw`` that keeps the imported review file (RevMan 5 file or data package) as given
ORIGINAL_DIR = "cochrane"
#: the nouns of the two sides of a comparison whose analysis has no group labels
DEFAULT_SIDES = ("intervention", "control")
#: formats that store the review's own results, so keeping the file lets stage 03 compare with them
FORMATS_WITH_RESULTS = ("RevMan 5", "Cochrane data package")


@dataclass
class ImportSummary:
    """What :func:`write_review` wrote, what it left out (with reasons) and what it imported differently
    from the file's own analysis (``notes``)."""

    target: Path
    studies: int = 0
    outcomes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    #: what was imported differently from the file's own analysis (said, not left out)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.describe(f"wrote {self.target}")

    def describe(self, head: str) -> str:
        """``head``, the counts, and one line for each thing left out."""
        written = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        lines = [f"{head}: {self.studies} studies, {self.outcomes} outcomes ({written} rows)"]
        lines += [f"  left out: {item}" for item in self.skipped]
        lines += [f"  note: {item}" for item in self.notes]
        return "\n".join(lines)


def _starter_package() -> Path:
    from compendium.scaffold import EMPTY_EXAMPLE, EXAMPLES_DIR

    return EXAMPLES_DIR / EMPTY_EXAMPLE / "data" / "raw"


def _year(text: str) -> int | None:
    match = re.search(r"(19|20)\d\d", text)
    return int(match.group(0)) if match else None


def write_review(
    source: Path,
    target: Path,
    *,
    url: str | None = None,
    year: int | None = None,
    measure: str | None = None,
) -> ImportSummary:
    """Write ``target/review.yaml`` and ``target/data/raw/`` from a Cochrane review file.

    Parameters
    ----------
    source : a RevMan 5 file, a Cochrane data package (zip or folder) or a one-row-per-study CSV
        (:func:`compendium.cochrane.read_review`)
    target : the review folder; its ``review.yaml`` and ``data/raw`` must not exist yet
    url : the http(s) address where the review file was obtained; needed when the file has no DOI
        (``sources.csv`` names an address for every source)
    year : the source's year, needed when the file records no date (a CSV); a RevMan 5 file's or data
        package's own date is used otherwise
    measure : for a one-row-per-study CSV only, its measure (see :func:`compendium.cochrane.read_review`)

    Returns
    -------
    ImportSummary
        Counts of what was written and every analysis, study or row left out with its reason.
    """
    review = read_review(source, measure=measure)
    if not review.doi and not (url and url.startswith(("http://", "https://"))):
        raise CompendiumError(
            f"{source}: the review file has no DOI; give the http(s) address where it was obtained (--url)"
        )
    source_year = _year(review.modified) or year
    if source_year is None:
        raise CompendiumError(f"{source}: the file records no date; give the source's year (--year)")
    target = Path(target)
    raw = target / "data" / "raw"
    for existing in (target / "review.yaml", raw):
        if existing.exists():
            raise CompendiumError(f"{existing}: exists; expected a folder without review.yaml and data/raw")
    summary = ImportSummary(target=target)
    where = Path(review.source).name
    ids = _study_ids(review)
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in WRITTEN_TABLES}
    tables["sources"].append(_source_row(review, url, source_year))
    outcomes: list[dict[str, object]] = []
    comparisons: dict[int, Analysis] = {}
    used: dict[str, tuple[StudyRow, Analysis]] = {}
    for analysis in review.analyses:
        label = f"analysis {analysis.comparison}.{analysis.outcome}"
        if analysis.data_type not in IMPORTED_DATA_TYPES:
            summary.skipped.append(
                f"{label} ({analysis.name}): {analysis.data_type} data have no table in today's layout"
            )
            continue
        comparisons.setdefault(analysis.comparison, analysis)
        for outcome_id, outcome_label, members in _outcome_units(analysis, summary):
            outcomes.append(_outcome_declaration(outcome_id, analysis, outcome_label))
            if "pooling" not in outcomes[-1]:
                why = (
                    "RevMan pools its non-events (swapped events), the data package holds the events as given"
                    if analysis.swap_events
                    else f"pooling settings {analysis.pooling} {analysis.measure} cannot be declared"
                )
                summary.notes.append(
                    f"{label} ({analysis.name}): {why}; stage 03 pools it with its own parameters (REML, "
                    "Knapp-Hartung), RevMan's own result is in revman_agreement"
                )
            for subgroup, row in members:
                study_id = ids.get(row.study_id)
                if study_id is None:
                    continue
                locator = (
                    f"{where}: analysis {analysis.comparison}.{analysis.outcome}"
                    + (f" ({analysis.analysis_id})" if analysis.analysis_id else "")
                    + (f", subgroup {subgroup}" if subgroup else "")
                    + f", study {row.study_id}"
                )
                measure_text = analysis.name + (f" (subgroup: {subgroup})" if subgroup else "")
                written = _outcome_rows(analysis, outcome_id, measure_text, study_id, row, locator)
                if not written:
                    summary.skipped.append(
                        f"{label}, study {row.study}: no usable data in the file (a count, mean, SD or group size "
                        "missing, an SD of 0 or a group under 2)"
                    )
                    continue
                used.setdefault(study_id, (row, analysis))
                table = "dichotomous_outcomes" if analysis.data_type == "dichotomous" else "continuous_outcomes"
                tables[table] += written
    for study_key, study_id in ids.items():
        if study_id not in used:
            continue
        row, analysis = used[study_id]
        name = review.studies.get(study_key, row.study)
        year = _year(review.study_years.get(study_key, "")) or _year(name)
        if year is None:
            summary.skipped.append(f"study {name}: no year in the file (studies.csv needs one); its rows left out")
            for table in ("dichotomous_outcomes", "continuous_outcomes"):
                tables[table] = [r for r in tables[table] if r["study_id"] != study_id]
            continue
        tables["studies"].append(_study_row(study_id, name, year, review))
        tables["trials"].append(_trial_row(study_id, analysis, where, study_key))
        for arm, label_index in (("intervention", 0), ("control", 1)):
            tables["arms"].append(
                {
                    "study_id": study_id,
                    "arm": arm,
                    "role": arm,
                    "description": analysis.group_labels[label_index] or arm,
                    "source_id": REVIEW_SOURCE_ID,
                    "locator": f"{where}: study {study_key}, group label {label_index + 1} of analysis "
                    f"{analysis.comparison}.{analysis.outcome}",
                    "notes": "Group sizes differ between analyses; see the outcome tables.",
                }
            )
    if not outcomes:
        raise CompendiumError(f"{source}: no dichotomous or continuous analysis to import")
    _copy_starter(raw)
    kept = _keep_original(Path(source), raw, review)
    if kept:
        tables["sources"][0]["notes"] = f"{tables['sources'][0]['notes']} The file is kept as data/raw/{kept}."
    for name in WRITTEN_TABLES:
        _write_table(raw / f"{name}.csv", tables[name])
        summary.rows[name] = len(tables[name])
    write_rob1_judgements(review, ids, {str(r["study_id"]) for r in tables["studies"]}, raw, summary)
    _write_declaration(target / "review.yaml", review, _distinct_labels(outcomes), comparisons)
    summary.studies = len(tables["studies"])
    summary.outcomes = len(outcomes)
    return summary


def write_rob1_judgements(
    review: Review, ids: dict[str, str], written: set[str], raw: Path, summary: ImportSummary
) -> None:
    """``raw/rob1_judgements.csv`` from the file's Cochrane RoB 1 judgements, as given (none: no file). A
    judgement of a study the data package does not hold (``written``: its study ids) and a malformed entry
    of the file are left out and listed."""
    from compendium.bias.rob1 import judgement_code
    from compendium.schemas import descriptor_path
    from compendium.yaml_io import read_yaml

    rows: list[dict[str, object]] = []
    left_out = []
    where = Path(review.source).name
    for entry in review.risk_of_bias:
        study_id = ids.get(entry.study_id)
        if study_id not in written:
            left_out.append(entry.study)
            continue
        rows.append(
            {
                "study_id": study_id,
                "domain": entry.domain,
                "group": entry.group,
                "judgement": judgement_code(entry.shown),
                "judgement_as_given": entry.judgement,
                "support": entry.support,
                "source_id": REVIEW_SOURCE_ID,
                "locator": f"{where}: {entry.locator}",
            }
        )
    for study in dict.fromkeys(left_out):
        summary.skipped.append(f"risk of bias of study {study}: the study has no row in studies.csv")
    summary.skipped += [f"risk of bias: {problem}" for problem in review.risk_of_bias_problems]
    if not rows:
        return
    resource = next(r for r in read_yaml(descriptor_path())["resources"] if r["name"] == "rob1_judgements")
    path = raw / resource["path"]
    path.write_text(",".join(f["name"] for f in resource["schema"]["fields"]) + "\n", encoding="utf-8")
    _write_table(path, rows)
    summary.rows["rob1_judgements"] = len(rows)


def _keep_original(source: Path, raw: Path, review: Review) -> str | None:
    """Copy a review file that stores its own results into ``raw/cochrane/``; its path under ``raw``."""
    if review.source_format not in FORMATS_WITH_RESULTS:
        return None
    folder = raw / ORIGINAL_DIR
    folder.mkdir()
    if source.is_dir():
        shutil.copytree(source, folder / source.name)
    else:
        shutil.copy2(source, folder / source.name)
    return f"{ORIGINAL_DIR}/{source.name}"


def original_file(raw_dir: str | Path) -> Path | None:
    """The review file an import kept in ``raw_dir/cochrane/`` (None when the review was not imported
    from a file with stored results). More than one is refused: which to compare with would be a guess."""
    folder = Path(raw_dir) / ORIGINAL_DIR
    if not folder.is_dir():
        return None
    kept = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if len(kept) > 1:
        raise CompendiumError(
            f"{folder}: holds {len(kept)} files ({', '.join(p.name for p in kept)}); expected the one review file "
            "the review was imported from"
        )
    return kept[0] if kept else None


def import_writer(
    source: str | Path, *, url: str | None = None, year: int | None = None, measure: str | None = None
) -> Callable[[Path], None]:
    """The writer ``compendium init --from FILE`` gives :func:`compendium.scaffold.init_compendium`:
    :func:`write_review` from ``source`` into the new folder, its summary printed."""
    path = Path(source).expanduser().resolve()

    def write(folder: Path) -> None:
        print(write_review(path, folder, url=url, year=year, measure=measure).describe(f"imported {path.name}"))

    return write


def _study_ids(review: Review) -> dict[str, str]:
    """The file's study ids -> unique ids of the data package (``[a-z0-9_]+``)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    keys = list(review.studies) + [row.study_id for a in review.analyses for row in a.rows]
    for key in dict.fromkeys(keys):
        base = slug(review.studies.get(key, key)) or "study"
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        out[key] = candidate
    return out


def _source_row(review: Review, url: str | None, year: int) -> dict[str, object]:
    return {
        "source_id": REVIEW_SOURCE_ID,
        "citation": review.title or Path(review.source).name,
        "year": year,
        "doi": review.doi,
        "pmid": "",
        "url": f"https://doi.org/{review.doi}" if review.doi else url,
        "source_type": "secondary_review",
        "notes": f"Imported from {Path(review.source).name} ({review.source_format}) by compendium init --from; "
        + (
            f"year: of the file's last modification ({review.modified}), not of publication."
            if review.modified
            else "year: as given when importing (the file records none)."
        ),
    }


def _study_row(study_id: str, name: str, year: int, review: Review) -> dict[str, object]:
    return {
        "study_id": study_id,
        "label": name,
        "year": year,
        "question": "treatment",
        "stream": "rct",
        "design": f"study included in the Cochrane review (design not recorded in the {review.source_format} file)",
        "source_id": REVIEW_SOURCE_ID,
        "notes": "",
    }


def _trial_row(study_id: str, analysis: Analysis, where: str, study_key: str) -> dict[str, object]:
    return {
        "study_id": study_id,
        "randomised": "true",
        "intervention_type": f"comparison_{analysis.comparison}",
        "intervention": analysis.group_labels[0] or "experimental intervention",
        "comparator_type": "unclear",
        "comparator": analysis.group_labels[1] or "control",
        "source_id": REVIEW_SOURCE_ID,
        "locator": f"{where}: study {study_key}, comparison {analysis.comparison}",
        "notes": "Randomised: included in a Cochrane intervention review; not checked in the study's reports.",
    }


def _outcome_rows(
    analysis: Analysis, outcome_id: str, measure_text: str, study_id: str, row: StudyRow, locator: str
) -> list[dict[str, object]]:
    v = row.values
    rows: list[dict[str, object]] = []
    for arm, i in (("intervention", "1"), ("control", "2")):
        common = {"study_id": study_id, "arm": arm, "outcome": outcome_id, "outcome_measure": measure_text}
        tail = {"source_id": REVIEW_SOURCE_ID, "locator": f"{locator}, group {i}"}
        if analysis.data_type == "dichotomous":
            events, total = v.get(f"events_{i}"), v.get(f"total_{i}")
            if events is None or not total:
                return []
            if analysis.swap_events:  # the reader swapped them for pooling; the table keeps the events as given
                events = total - events
            rows.append({**common, "events": int(events), "total": int(total), **tail})
        else:
            mean, sd, n = v.get(f"mean_{i}"), v.get(f"sd_{i}"), v.get(f"total_{i}")
            if mean is None or sd is None or not n or n < 2 or sd <= 0:
                return []
            rows.append(
                {
                    **common,
                    "higher_is_better": "false",
                    "value_type": "final",
                    "n": int(n),
                    "mean": mean,
                    "sd": sd,
                    **tail,
                    "notes": "RevMan files do not record whether values are final or change scores, nor the "
                    "direction of benefit: check value_type and higher_is_better.",
                }
            )
    return rows


Member = tuple[str | None, StudyRow]


def _outcome_units(analysis: Analysis, summary: ImportSummary) -> list[tuple[str, str, list[Member]]]:
    """The outcomes an analysis becomes: ``(id, label, [(subgroup name, study row), ...])``.

    One outcome (``analysis_<comparison>_<number>``) holding every subgroup's rows, as RevMan pools them
    into its total; but when the file shows subtotals only (``TOTALS="SUB"``: the subgroups are not to be
    combined) one outcome per subgroup with rows (``analysis_<comparison>_<number>_<subgroup>``), so that
    stage 03 pools what RevMan pools. An analysis without any total is pooled all the same, as the summary says.
    """
    base = f"analysis_{analysis.comparison}_{analysis.outcome}"
    name = analysis.name or base
    if analysis.totals or not analysis.subgroups:
        if not analysis.totals:
            summary.notes.append(
                f"analysis {analysis.comparison}.{analysis.outcome} ({analysis.name}): the file shows no pooled "
                "result for it; stage 03 pools it all the same (see revman_agreement)"
            )
        members = [(g.name, r) for g in analysis.subgroups for r in g.rows] or [(None, r) for r in analysis.rows]
        return [(base, name, members)]
    return [
        (
            f"{base}_{group.number if group.number is not None else i + 1}",
            f"{name}: {group.name}",
            [(group.name, r) for r in group.rows],
        )
        for i, group in enumerate(analysis.subgroups)
        if group.rows
    ]


def _outcome_declaration(outcome_id: str, analysis: Analysis, label: str) -> dict[str, object]:
    return {
        "id": outcome_id,
        "label": label,
        "unit": "participants" if analysis.data_type == "dichotomous" else "",
        "higher_is_better": False,
        "surrogate": False,
        "comparison": _comparison_id(analysis),
    } | ({"pooling": pooling} if (pooling := pooling_declaration(analysis)) else {})


def pooling_declaration(analysis: Analysis) -> dict[str, str] | None:
    """RevMan's own settings of an analysis as ``outcomes[].pooling`` (stage 03 pools the outcome with
    them), or None when the declaration cannot state them (a method or measure RevMan 5 does not pool
    that way, or an analysis of swapped events: RevMan pools the non-events, while the data package keeps
    the events as given): the outcome is then pooled with the stage's parameters. Peto is a fixed effect only."""
    measures = POOLING_METHOD_MEASURES.get(analysis.pooling or "")
    if not measures or analysis.measure not in measures or analysis.swap_events:
        return None
    random = analysis.random and analysis.pooling != "Peto"
    return {"method": analysis.pooling, "measure": analysis.measure, "model": "random" if random else "fixed"}


def _distinct_labels(outcomes: list[dict[str, object]]) -> list[dict[str, object]]:
    """Outcome declarations whose labels are unique: an analysis name the review uses more than once (the
    same outcome in several comparisons) gets RevMan's analysis number, "Pain at 3 days (analysis 2.1)".

    >>> _distinct_labels([{"id": "analysis_1_1", "label": "Pain"}, {"id": "analysis_2_1", "label": "Pain"}])
    [{'id': 'analysis_1_1', 'label': 'Pain (analysis 1.1)'}, {'id': 'analysis_2_1', 'label': 'Pain (analysis 2.1)'}]
    """
    counts = Counter(str(outcome["label"]) for outcome in outcomes)
    out = []
    for outcome in outcomes:
        label = str(outcome["label"])
        if counts[label] > 1:
            number = str(outcome["id"]).removeprefix("analysis_").replace("_", ".")
            outcome = outcome | {"label": f"{label} (analysis {number})"}
        out.append(outcome)
    return out


def _comparison_id(analysis: Analysis) -> str:
    return f"comparison_{analysis.comparison}"


def _comparison_declaration(analysis: Analysis) -> dict[str, object]:
    """A comparison of the review, named as the file names it, with the group labels of its first analysis."""
    intervention, comparator = (label or default for label, default in zip(analysis.group_labels, DEFAULT_SIDES))
    entry: dict[str, object] = {
        "id": _comparison_id(analysis),
        "intervention": {"noun": intervention},
        "comparator": {"noun": comparator},
    }
    if analysis.comparison_name:
        entry["label"] = f"{analysis.comparison}. {analysis.comparison_name}"
    return entry


def _copy_starter(raw: Path) -> None:
    raw.mkdir(parents=True)
    for file in sorted(_starter_package().iterdir()):
        if file.is_file():
            shutil.copy2(file, raw / file.name)


def _write_table(path: Path, rows: list[dict[str, object]]) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in header})


def _write_declaration(
    path: Path, review: Review, outcomes: list[dict[str, object]], comparisons: dict[int, Analysis]
) -> None:
    first = next(iter(comparisons.values()))
    # the first imported analysis of each data type sets the review's measure for that type
    dichotomous = [a.measure for a in review.analyses if a.data_type == "dichotomous"]
    continuous = [a.measure for a in review.analyses if a.data_type == "continuous"]
    declaration_title = review.title or Path(review.source).stem
    declaration = {
        "title": declaration_title,
        "description": f"Imported from the Cochrane review file {Path(review.source).name} ({review.source_format})"
        + (f", DOI {review.doi}" if review.doi else "")
        + ". Every number in data/raw comes from that file; each row's locator names its analysis and study.",
        "intervention": {"noun": first.group_labels[0] or DEFAULT_SIDES[0]},
        "comparator": {"noun": first.group_labels[1] or DEFAULT_SIDES[1]},
        "questions": [
            {
                "id": "treatment",
                "text": f"What are the effects of {first.group_labels[0] or 'the intervention'}?"
                if len(comparisons) == 1
                else f"{declaration_title}: what are the effects of the interventions compared?",
                "streams": ["rct"],
            }
        ],
        "intervention_types": [f"comparison_{n}" for n in comparisons],
        "comparisons": [_comparison_declaration(a) for a in comparisons.values()],
        "outcomes": outcomes,
        "time_windows": [],
        "continuous_measure": continuous[0] if continuous and continuous[0] in ("MD", "SMD") else "auto",
        # every measure of the review's dichotomous analyses that the stages pool, in order of first use
        "dichotomous_measure": list(dict.fromkeys(m for m in dichotomous if m in DICHOTOMOUS_MEASURES)) or "RR",
        "stages": ["01_ingest", "02_risk_of_bias", "03_meta_analysis", "05_consensus_report"],
        "report": {"notice": "This report re-analyses a published Cochrane review; it is not advice on anyone's care."},
    }
    path.write_text(
        "# Written by compendium init --from (compendium.cochrane.importer); edit freely.\n"
        + yaml.safe_dump(declaration, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
