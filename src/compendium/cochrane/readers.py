"""Readers of Cochrane review files: RevMan 5 (``.rm5``), Cochrane data packages, one-row-per-study CSV.

* **RevMan 5**: XML (usually ISO-8859-1), parsed with ``defusedxml`` (no DTDs, no entity
  expansion, no network). Dichotomous, continuous, generic inverse-variance and O-E ("IPD")
  outcomes with their subgroups, footnotes, ``ESTIMABLE`` flags, ``SWAP_EVENTS`` and the stored
  results. Diagnostic test accuracy reviews are refused.
* **Cochrane data package** (RevMan Web export): a zip (possibly holding a second zip of the
  data) or a folder, with ``*-overall-estimates-and-settings.csv``, ``*-data-rows.csv`` and
  ``*-subgroup-estimates.csv`` (UTF-8 with a byte-order mark); older and newer column sets.
* **CSV**, one row per study with metafor's column names: ``ai, bi, ci, di`` or
  ``ai, n1i, ci, n2i`` (dichotomous), ``m1i, sd1i, n1i, m2i, sd2i, n2i`` (continuous), ``yi, vi``
  or ``yi, sei`` (generic inverse variance, which needs a measure); optional ``study``,
  ``year`` and ``subgroup`` columns.

Both Cochrane formats also give the review authors' Cochrane RoB 1 judgements, read as given
(:class:`compendium.cochrane.model.RiskOfBiasEntry`, never converted to RoB 2): a RevMan 5 file's
``QUALITY_ITEMS`` (``RESULT`` YES, NO or UNKNOWN, printed by RevMan as Low, High or Unclear risk; items of
LEVEL GROUP per group of outcomes) and a data package's ``*-risk-of-bias.csv`` (``Study``, then
``Domain (judgement): <name>`` and ``Domain (support): <name>`` for each domain). A malformed judgement
is left out and named (``Review.risk_of_bias_problems``): the risk of bias never stops a re-analysis.

Every problem names the file and the line, element or column where it was found.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from compendium.bias.rob1 import judgement_code
from compendium.cochrane.model import RM5_ROB1_RESULTS, Analysis, Group, Review, RiskOfBiasEntry, Stored, StudyRow
from compendium.errors import CompendiumError, cell_problem

#: RevMan 5 outcome elements -> data type
RM5_OUTCOMES = {
    "DICH_OUTCOME": "dichotomous",
    "CONT_OUTCOME": "continuous",
    "IV_OUTCOME": "generic_iv",
    "IPD_OUTCOME": "oe",
    "OTHER_OUTCOME": "other",
}
#: RevMan 5 review types that hold no two-group analyses to re-compute -> what they are
REFUSED_TYPES = {
    "DIAGNOSTIC": "a diagnostic test accuracy review",
    "OVERVIEW": "an overview of reviews (it holds no study data)",
    "PROGNOSIS": "a prognosis review",
    "QUALITATIVE": "a qualitative evidence synthesis",
}
#: a data package's analysis files (settings and results, study rows, subgroup results), by name ending
PACKAGE_ANALYSIS_FILES = ("-overall-estimates-and-settings.csv", "-data-rows.csv", "-subgroup-estimates.csv")
#: words in a data package's analysis files that mark a review the engine cannot re-analyse
PACKAGE_REFUSALS = {"TP": "a diagnostic test accuracy review", "network": "a network meta-analysis"}
#: RevMan's METHOD attribute -> pooling (another method is read and reported as not re-computed)
POOLINGS = {"MH": "MH", "IV": "IV", "PETO": "Peto"}
#: RevMan 5's TOTALS attribute: pooled results for the whole analysis and its subgroups ("SUB":
#: subgroup totals only, "NO": none)
RM5_ALL_TOTALS = "YES"
#: stored result attributes of a RevMan 5 outcome or subgroup -> our keys
RM5_RESULTS = {
    "estimate": "EFFECT_SIZE",
    "ci_low": "CI_START",
    "ci_high": "CI_END",
    "tau2": "TAU2",
    "q": "CHI2",
    "df": "DF",
    "q_pval": "P_CHI2",
    "i2": "I2",
    "z": "Z",
    "pval": "P_Z",
}
#: data package result columns -> our keys
PACKAGE_RESULTS = {
    "estimate": "Mean",
    "ci_low": "CI start",
    "ci_high": "CI end",
    "tau2": "Heterogeneity Tau²",
    "q": "Heterogeneity Chi²",
    "df": "Heterogeneity df",
    "q_pval": "Heterogeneity P",
    "i2": "Heterogeneity I²",
    "z": "Effect Z",
    "pval": "Effect P",
}
PACKAGE_SUBGROUP_TEST = {"q": "Subgroup Chi²", "df": "Subgroup df", "pval": "Subgroup P", "i2": "Subgroup I²"}
#: data package effect-measure words -> RevMan's codes
PACKAGE_MEASURES = {
    "risk ratio": "RR",
    "odds ratio": "OR",
    "risk difference": "RD",
    "mean difference": "MD",
    "std. mean difference": "SMD",
    "standardized mean difference": "SMD",
    "standardised mean difference": "SMD",
    "peto odds ratio": "PETO_OR",
    "odds ratio (non-event)": "OR",
    "risk ratio (non-event)": "RR",
    "risk difference (non-event)": "RD",
    "peto odds ratio (non-event)": "PETO_OR",
    "hazard ratio": "HR",
}
#: the suffix of a data package's effect-measure word for an analysis of non-events (events swapped)
NON_EVENT = "(non-event)"
#: data package data-type words -> data type
PACKAGE_DATA_TYPES = {
    "dichotomous": "dichotomous",
    "continuous": "continuous",
    "generic inverse variance": "generic_iv",
    "o-e and variance": "oe",
    "contrast level": "generic_iv",
    "o-e": "oe",
    "individual patient data": "oe",
    "other data": "other",
    "other": "other",
}
#: columns of a one-row-per-study CSV, by data type (metafor's names)
CSV_LAYOUTS = {
    "dichotomous": (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i")),
    "continuous": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),),
    "generic_iv": (("yi", "vi"), ("yi", "sei")),
}
#: RevMan 5's defaults for a new analysis (pooling, measure) of a CSV without settings
CSV_DEFAULTS = {"dichotomous": ("MH", "OR"), "continuous": ("IV", "MD")}
#: measures pooled on the log scale
LOG_MEASURES = ("RR", "OR", "PETO_OR", "HR")


def _is_ratio(measure: str) -> bool:
    """A measure pooled on the log scale: RevMan's codes, or a generic inverse-variance measure named in
    words as a ratio ("Rate Ratio", "Ratio of Means")."""
    return measure in LOG_MEASURES or "ratio" in measure.lower()


def read_review(path: str | Path, *, measure: str | None = None, random: bool | None = None) -> Review:
    """Read a RevMan 5 file, a Cochrane data package (zip or folder) or a one-row-per-study CSV.

    Parameters
    ----------
    path : the file or folder
    measure : for a CSV only: the effect measure (RR, OR, RD, MD, SMD, or any name for ``yi``
        data; needed for ``yi``); default RevMan's (OR for counts, MD for means)
    random : for a CSV only: random effects (default: fixed effect, RevMan's default)

    Returns
    -------
    Review
    """
    path = Path(path)
    if not path.exists():
        raise CompendiumError(f"{path}: no such file or folder")
    if path.is_dir() or path.suffix.lower() == ".zip":
        return read_data_package(path)
    if path.suffix.lower() == ".rm5":
        return read_rm5(path)
    if path.suffix.lower() == ".csv":
        return read_study_csv(path, measure=measure, random=random)
    raise CompendiumError(
        f"{path}: expected a RevMan 5 file (.rm5), a Cochrane data package (.zip or folder) or a CSV file (.csv)"
    )


# ---------------------------------------------------------------- RevMan 5


def _number(text: str | None, where: Callable[[], str]) -> float | None:
    """A number of the file; empty, NaN and infinite values (RevMan writes ``-Infinity`` for the log of
    a result it could not compute) are missing."""
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise CompendiumError(f"{where()}: expected a number, got {text!r}") from None
    return value if math.isfinite(value) else None


def _child_text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return " ".join("".join(child.itertext()).split()) if child is not None else ""


def _parse_xml(path: Path) -> Element:
    """The root element of an XML file. A file without an encoding declaration whose bytes are not UTF-8
    is read as ISO-8859-1, RevMan 5's own encoding (files saved by other tools sometimes drop the
    declaration)."""
    data = path.read_bytes()
    try:
        try:
            return safe_xml.fromstring(data)
        except ParseError:
            head = data[:200].split(b"?>", 1)[0] if data.startswith(b"<?xml") else b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                if b"encoding" not in head:
                    text = data.decode("iso-8859-1")
                    if head:
                        text = text.split("?>", 1)[1]
                    return safe_xml.fromstring(text)
            raise
    except ParseError as error:
        line, column = error.position
        raise CompendiumError(f"{path}, line {line}, column {column + 1}: expected well-formed XML ({error})") from None
    except DefusedXmlException as error:
        raise CompendiumError(f"{path}: refused, the XML declares a DTD or entities ({error})") from None


def read_rm5(path: Path) -> Review:
    """Read a RevMan 5 file (see the module docstring)."""
    root = _parse_xml(path)
    if root.tag != "COCHRANE_REVIEW":
        raise CompendiumError(f"{path}, element {root.tag}: expected a RevMan 5 review (root element COCHRANE_REVIEW)")
    kind = root.get("TYPE", "INTERVENTION")
    if kind in REFUSED_TYPES:
        raise CompendiumError(
            f"{path}: {REFUSED_TYPES[kind]} (TYPE={kind}); only intervention reviews (two-group comparisons) "
            "can be re-analysed"
        )
    studies: dict[str, str] = {}
    years: dict[str, str] = {}
    for study in root.iterfind(".//STUDIES_AND_REFERENCES//STUDY"):
        studies[study.get("ID", "")] = study.get("NAME", study.get("ID", ""))
        years[study.get("ID", "")] = study.get("YEAR", "")
    analyses = []
    for comparison in root.iterfind("ANALYSES_AND_DATA/COMPARISON"):
        number = int(_number(comparison.get("NO"), lambda: f"{path}, element COMPARISON, attribute 'NO'") or 0)
        for outcome in comparison:
            if outcome.tag in RM5_OUTCOMES:
                analyses.append(_rm5_analysis(path, number, _child_text(comparison, "NAME"), outcome, studies))
    risk_of_bias, rob_problems = _rm5_risk_of_bias(path, root, studies)
    return Review(
        title=_child_text(root, "COVER_SHEET/TITLE"),
        doi=root.get("DOI", ""),
        source=str(path),
        source_format="RevMan 5",
        analyses=tuple(analyses),
        studies=studies,
        study_years=years,
        revman_version=root.get("REVMAN_SUB_VERSION", root.get("REVMAN_VERSION", "")),
        modified=root.get("MODIFIED", ""),
        risk_of_bias=risk_of_bias,
        risk_of_bias_problems=rob_problems,
    )


def _not_computed(stored: Stored) -> Stored:
    """RevMan writes 0 for every result it did not calculate (an analysis or subgroup without data or
    settings it cannot pool): a zero-width CI with P = 0 (or none) cannot be a computed result."""
    if stored["ci_low"] == stored["ci_high"] == stored["estimate"] and stored["pval"] in (0.0, None):
        return dict.fromkeys(stored)
    return stored


def _paragraphs(element: Element | None) -> str:
    """The text of an element whose paragraphs (``<P>``) are joined by a space, whitespace collapsed."""
    if element is None:
        return ""
    parts = [" ".join("".join(p.itertext()).split()) for p in element.iter("P")] or ["".join(element.itertext())]
    return " ".join(" ".join(parts).split())


def _rm5_risk_of_bias(
    path: Path, root: Element, studies: dict[str, str]
) -> tuple[tuple[RiskOfBiasEntry, ...], tuple[str, ...]]:
    """The RoB 1 judgements of ``QUALITY_ITEMS``: one entry per ``QUALITY_ITEM_DATA_ENTRY`` (study, and
    for an item of LEVEL GROUP the group of outcomes its ``GROUP_ID`` names in the item's
    ``QUALITY_ITEM_DATA_ENTRY_GROUP`` elements; an id the item does not name is kept as the id), and the
    malformed entries left out, each named by file and element (they never stop the re-analysis)."""
    entries, problems = [], []
    for item in root.iterfind("QUALITY_ITEMS/QUALITY_ITEM"):
        domain = _child_text(item, "NAME")
        label = f"element QUALITY_ITEM {item.get('NO', item.get('ID', '?'))} ({domain or 'no NAME'})"
        if not domain:
            problems.append(f"{path}, {label}: expected a NAME (the risk-of-bias domain); the item is left out")
            continue
        groups = {g.get("ID", ""): _child_text(g, "NAME") for g in item.iter("QUALITY_ITEM_DATA_ENTRY_GROUP")}
        for entry in item.iterfind("QUALITY_ITEM_DATA/QUALITY_ITEM_DATA_ENTRY"):
            study_id, result = entry.get("STUDY_ID", ""), entry.get("RESULT", "")
            where = f"{label}, QUALITY_ITEM_DATA_ENTRY (study {study_id or '?'})"
            if not study_id:
                problems.append(f"{path}, {where}: expected a STUDY_ID attribute; the entry is left out")
                continue
            if result not in RM5_ROB1_RESULTS:
                problems.append(
                    f"{path}, {where}, attribute 'RESULT': expected one of {', '.join(RM5_ROB1_RESULTS)}, "
                    f"got {result!r}; the entry is left out"
                )
                continue
            group_id = entry.get("GROUP_ID", "")
            group = (groups.get(group_id) or group_id) if item.get("LEVEL") == "GROUP" or group_id else ""
            entries.append(
                RiskOfBiasEntry(
                    study_id=study_id,
                    study=studies.get(study_id, study_id),
                    domain=domain,
                    judgement=result,
                    support=_paragraphs(entry.find("DESCRIPTION")),
                    group=group,
                    locator=where,
                )
            )
    return tuple(entries), tuple(problems)


def _rm5_stored(element: Element, where: Callable[[str], str]) -> Stored:
    if element.get("ESTIMABLE") == "NO":  # RevMan could not pool it: its result attributes mean nothing
        return dict.fromkeys(RM5_RESULTS)
    return _not_computed(
        {key: _number(element.get(attr), lambda attr=attr: where(attr)) for key, attr in RM5_RESULTS.items()}  # type: ignore[misc]  # default binds the loop value
    )


def _rm5_analysis(
    path: Path, comparison: int, comparison_name: str, outcome: Element, studies: dict[str, str]
) -> Analysis:
    data_type = RM5_OUTCOMES[outcome.tag]
    number = int(_number(outcome.get("NO"), lambda: f"{path}, element {outcome.tag}, attribute 'NO'") or 0)
    label = f"{path}, element {outcome.tag} (analysis {comparison}.{number})"

    def where(attr: str) -> str:
        return f"{label}, attribute {attr!r}"

    method = outcome.get("METHOD", "IV" if data_type != "oe" else "PETO")
    if data_type == "oe" and method != "IV":
        method = "PETO"  # O-E data: RevMan's "Exp[(O-E) / V]" (EXP_O_E_VAR), Peto's method
    # dichotomous and continuous outcomes carry the measure as an attribute; generic inverse-variance
    # and O-E outcomes as a child element in words ("Hazard Ratio"), or in none
    code, words = outcome.get("EFFECT_MEASURE", ""), _child_text(outcome, "EFFECT_MEASURE")
    measure = code if code and (code != "OTHER" or not words) else words
    measure = PACKAGE_MEASURES.get(measure.lower(), measure)
    if data_type == "oe" and measure in ("", "OTHER"):
        measure = "PETO_OR"
    if method == "PETO" and measure == "OR":
        measure = "PETO_OR"
    if data_type == "other":
        method, measure = "", measure or "OTHER"
    # generic inverse variance: LOG_DATA="YES" says the studies' estimates were entered on the log scale;
    # a ratio entered on its own scale ("NO") is logged here and pooled as a log (as R's meta reads it)
    entered_log = outcome.get("LOG_DATA", "YES" if _is_ratio(measure) else "NO") == "YES"
    log_entry = data_type == "generic_iv" and _is_ratio(measure) and not entered_log
    log_data = (
        (entered_log or log_entry) if data_type == "generic_iv" else (data_type == "oe" or measure in LOG_MEASURES)
    )
    swap = outcome.get("SWAP_EVENTS") == "YES"

    def rows_of(parent: Element) -> tuple[StudyRow, ...]:
        return tuple(
            _rm5_row(label, child, data_type, entered_log, log_entry, swap, studies)
            for child in parent
            if child.tag.endswith("_DATA")
        )

    groups = []
    for sub in outcome:
        if sub.tag.endswith("_SUBGROUP"):
            sub_no = int(_number(sub.get("NO"), lambda tag=sub.tag: f"{label}, element {tag}, attribute 'NO'") or 0)  # type: ignore[misc]  # default binds the loop value
            stored = _rm5_stored(sub, lambda attr, s=sub_no: f"{label}, subgroup {s}, attribute {attr!r}")  # type: ignore[misc]  # default binds the loop value
            groups.append(Group(sub_no, _child_text(sub, "NAME"), rows_of(sub), stored))
    # the analysis pools every row, in its subgroups or not; subgroups switched off (SUBGROUPS="NO")
    # that still hold rows give no subgroup results
    rows = rows_of(outcome) + tuple(row for group in groups for row in group.rows)
    if outcome.get("SUBGROUPS") != "YES":
        groups = []
    subgroup_test: Stored | None = None
    if groups and outcome.get("SUBGROUP_TEST", "YES") == "YES":
        subgroup_test = {
            "q": _number(outcome.get("Q"), lambda: where("Q")),
            "df": None,
            "pval": _number(outcome.get("P_Q"), lambda: where("P_Q")),
            "i2": _number(outcome.get("I2_Q"), lambda: where("I2_Q")),
        }
    return Analysis(
        comparison=comparison,
        outcome=number,
        name=_child_text(outcome, "NAME"),
        comparison_name=comparison_name,
        data_type=data_type,
        pooling=POOLINGS.get(method, method),
        measure=measure,
        random=outcome.get("RANDOM") == "YES",
        ci_study=_number(outcome.get("CI_STUDY"), lambda: where("CI_STUDY")) or 95.0,
        ci_total=_number(outcome.get("CI_TOTAL"), lambda: where("CI_TOTAL")) or 95.0,
        swap_events=swap,
        rows=rows,
        stored=_rm5_stored(outcome, where),
        subgroups=tuple(groups),
        subgroup_test_stored=subgroup_test,
        totals=outcome.get("TOTALS", RM5_ALL_TOTALS) == RM5_ALL_TOTALS,
        analysis_id=outcome.get("ID", f"CMP-{comparison:03d}.{number:02d}"),
        log_scale=log_data,
        group_labels=(_child_text(outcome, "GROUP_LABEL_1"), _child_text(outcome, "GROUP_LABEL_2")),
    )


RM5_ROW_VALUES = {
    "dichotomous": {"events_1": "EVENTS_1", "total_1": "TOTAL_1", "events_2": "EVENTS_2", "total_2": "TOTAL_2"},
    "continuous": {
        "mean_1": "MEAN_1",
        "sd_1": "SD_1",
        "total_1": "TOTAL_1",
        "mean_2": "MEAN_2",
        "sd_2": "SD_2",
        "total_2": "TOTAL_2",
    },
    "generic_iv": {"yi": "EFFECT_SIZE", "sei": "SE", "total_1": "TOTAL_1", "total_2": "TOTAL_2"},
    "oe": {"oe": "O_E", "v": "VAR", "total_1": "TOTAL_1", "total_2": "TOTAL_2"},
    "other": {},
}


#: a study's stored result in a RevMan 5 file (natural scale; weight in percent)
RM5_STUDY_RESULTS = {"estimate": "EFFECT_SIZE", "ci_low": "CI_START", "ci_high": "CI_END", "weight": "WEIGHT"}
#: the same in a data package's data rows
PACKAGE_STUDY_RESULTS = {"estimate": "Mean", "ci_low": "CI start", "ci_high": "CI end", "weight": "Weight"}


def _rm5_row(
    label: str,
    element: Element,
    data_type: str,
    entered_log: bool,
    log_entry: bool,
    swap: bool,
    studies: dict[str, str],
) -> StudyRow:
    study_id = element.get("STUDY_ID", "")
    where = f"{label}, element {element.tag} (study {study_id})"
    values = {
        key: _number(element.get(attr), lambda attr=attr: f"{where}, attribute {attr!r}")  # type: ignore[misc]  # default binds the loop value
        for key, attr in RM5_ROW_VALUES[data_type].items()
    }
    if data_type == "generic_iv" and entered_log:
        values["yi"] = _rm5_log_estimate(element, values["yi"], where)
    elif log_entry:
        values["yi"] = _log_of(values["yi"], f"{where}, attribute 'EFFECT_SIZE'")
    if data_type == "oe":
        values["v"] = _rm5_oe_variance(element, values["oe"], values["v"], where)
    if swap:
        _swap(values)
    footnotes = tuple(" ".join("".join(note.itertext()).split()) for note in element.iter("FOOTNOTE"))
    estimable = element.get("ESTIMABLE", "YES") != "NO"
    stored = {
        key: _number(element.get(attr), lambda attr=attr: f"{where}, attribute {attr!r}") if estimable else None  # type: ignore[misc]  # default binds the loop value
        for key, attr in RM5_STUDY_RESULTS.items()
    }
    if data_type == "generic_iv" and entered_log and stored["estimate"] is not None and values["yi"] is not None:
        stored["estimate"] = math.exp(values["yi"])  # EFFECT_SIZE may hold the entered log: the ratio it gives
    return StudyRow(
        study_id=study_id,
        study=studies.get(study_id, study_id),
        values=values,
        estimable=estimable,
        footnotes=footnotes,
        stored=stored,
    )


def _rm5_log_estimate(element: Element, value: float | None, where: str) -> float | None:
    """The natural-log estimate of a generic inverse-variance row entered on the log scale.

    ``LOG_EFFECT_SIZE`` (base-10 logarithm of the ratio) gives it when present. Otherwise
    ``EFFECT_SIZE`` is either the entered log value (as R's meta reads it) or the ratio: the stored
    study CI (``CI_START``, ``CI_END``, ratio scale) is symmetric about the log estimate and says
    which; a value <= 0 can only be a log; without a CI the entered log value is taken.
    """
    log10 = _number(element.get("LOG_EFFECT_SIZE"), lambda: f"{where}, attribute 'LOG_EFFECT_SIZE'")
    if log10 is not None:
        return log10 * math.log(10.0)
    if value is None or value <= 0:
        return value
    low = _number(element.get("CI_START"), lambda: f"{where}, attribute 'CI_START'")
    high = _number(element.get("CI_END"), lambda: f"{where}, attribute 'CI_END'")
    if low is not None and high is not None and low > 0 and high > 0:
        centre = (math.log(low) + math.log(high)) / 2
        if abs(math.log(value) - centre) < abs(value - centre):
            return math.log(value)
    return value


def _rm5_oe_variance(element: Element, oe: float | None, var: float | None, where: str) -> float | None:
    """The variance V of O - E of an O-E row. ``VAR`` holds V as entered; should a file hold the variance
    of the study's log estimate there instead (1 / V, as ``VAR`` of a dichotomous row is), the row's
    ``SE`` (of the log estimate, 1 / sqrt(V)) or, without it, its ``EFFECT_SIZE`` (exp((O - E) / V)) says so."""
    if var is None or var <= 0:
        return var
    se = _number(element.get("SE"), lambda: f"{where}, attribute 'SE'")
    if se is not None and se > 0:
        return 1.0 / var if abs(var / se**2 - 1) < abs(var * se**2 - 1) else var
    ratio = _number(element.get("EFFECT_SIZE"), lambda: f"{where}, attribute 'EFFECT_SIZE'")
    if oe is not None and ratio is not None and ratio > 0:
        return 1.0 / var if abs(oe * var - math.log(ratio)) < abs(oe / var - math.log(ratio)) else var
    return var


def _log_of(value: float | None, where: str) -> float | None:
    """The natural log of a ratio; a negative ratio is an error, a ratio of 0 (a row without data)
    is missing."""
    if value is None or value == 0:
        return None
    if value < 0:
        raise CompendiumError(f"{where}: expected a ratio > 0, got {value!r}")
    return math.log(value)


def _swap(values: dict[str, float | None]) -> None:
    """RevMan's "swap events and non-events": each arm's events become its non-events."""
    for arm in ("1", "2"):
        events, total = values.get(f"events_{arm}"), values.get(f"total_{arm}")
        if events is not None and total is not None:
            values[f"events_{arm}"] = total - events


# ---------------------------------------------------------------- Cochrane data package


def _package_files(path: Path) -> tuple[dict[str, tuple[str, bytes]], str]:
    """Every CSV of a data package (folder or zip, and zips inside them): base name -> (shown name, bytes),
    and the latest date of a file (``YYYY-MM-DD``, zip entry or file modification)."""
    found: dict[str, tuple[str, bytes]] = {}
    dates: list[str] = []

    def from_zip(name: str, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise CompendiumError(f"{name}: expected a zip archive (a Cochrane data package)") from None
        with archive:
            for info in archive.infolist():
                inner = f"{name}!{info.filename}"
                if info.filename.lower().endswith(".zip"):
                    from_zip(inner, archive.read(info))
                elif info.filename.lower().endswith(".csv"):
                    found[Path(info.filename).name] = (inner, archive.read(info))
                    dates.append("{:04d}-{:02d}-{:02d}".format(*info.date_time[:3]))

    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() == ".zip":
                from_zip(str(file), file.read_bytes())
            elif file.suffix.lower() == ".csv":
                found[file.name] = (str(file), file.read_bytes())
                dates.append(datetime.date.fromtimestamp(file.stat().st_mtime).isoformat())
    else:
        from_zip(str(path), path.read_bytes())
    return found, max(dates, default="")


def _find(
    files: dict[str, tuple[str, bytes]], suffix: str, source: Path, *, required: bool = True
) -> tuple[str, bytes] | None:
    matches = sorted(name for name in files if name.endswith(suffix))
    if not matches:
        if required:
            raise CompendiumError(f"{source}: expected a Cochrane data package with a file *{suffix}; none found")
        return None
    return files[matches[0]]


def _csv_rows(name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, optional byte-order mark) with their line numbers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CompendiumError(f"{name}: expected UTF-8 text, byte {error.start} is not") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            raise CompendiumError(f"{name}: empty file; expected a header row")
        rows = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise CompendiumError(
                    f"{name}, line {reader.line_num}: expected {len(header)} cells as in the header, got {len(record)}"
                )
            rows.append((reader.line_num, dict(zip(header, record))))
    except csv.Error as error:
        raise CompendiumError(f"{name}, line {reader.line_num}: not readable CSV ({error})") from None
    return rows


class _Cells:
    """Typed access to one row of a data package file, with messages naming file, line and column."""

    def __init__(self, name: str, line: int, row: dict[str, str]) -> None:
        self.name, self.line, self.row = name, line, row

    def where(self, column: str) -> str:
        return cell_problem(self.name, self.line - 1, column, "").removesuffix(": expected ")

    def text(self, column: str, default: str | None = None) -> str:
        if column not in self.row:
            if default is not None:
                return default
            raise CompendiumError(f"{self.name}: expected a column {column!r}; found {', '.join(self.row)}")
        return self.row[column].strip()

    def number(self, column: str) -> float | None:
        value = self.text(column, "")
        if value in ("", "#N/A") or value[0] in "<>":  # a bound such as "<0.00001" is not a value
            return None
        return _number(value.removesuffix("%"), lambda: self.where(column))

    def integer(self, column: str) -> int:
        value = self.number(column)
        if value is None or value != int(value):
            raise CompendiumError(f"{self.where(column)}: expected a whole number, got {self.text(column)!r}")
        return int(value)

    def flag(self, column: str) -> bool:
        return self.text(column, "false").lower() in ("true", "yes")


def _package_stored(cells: _Cells) -> Stored:
    return _not_computed({key: cells.number(column) for key, column in PACKAGE_RESULTS.items()})


def read_data_package(path: Path) -> Review:
    """Read a Cochrane data package (zip or folder; see the module docstring)."""
    files, modified = _package_files(path)
    overall_suffix, rows_suffix, subgroup_suffix = PACKAGE_ANALYSIS_FILES
    overall_name, overall_data = _find(files, overall_suffix, path)  # type: ignore[misc]  # required=True never returns None
    rows_name, rows_data = _find(files, rows_suffix, path)  # type: ignore[misc]  # required=True never returns None
    subgroup_file = _find(files, subgroup_suffix, path, required=False)
    info_file = _find(files, "-study-information.csv", path, required=False)
    studies: dict[str, str] = {}
    years: dict[str, str] = {}
    if info_file is not None:
        for line, row in _csv_rows(*info_file):
            name = _Cells(info_file[0], line, row).text("Study")
            studies[name] = name
            years[name] = row.get("Year", "")
    _refuse_package(path, files)
    by_analysis: dict[tuple[int, int], list[_Cells]] = {}
    for line, row in _csv_rows(rows_name, rows_data):
        cells = _Cells(rows_name, line, row)
        by_analysis.setdefault((cells.integer("Analysis group"), cells.integer("Analysis number")), []).append(cells)
    subgroup_rows: dict[tuple[int, int], list[_Cells]] = {}
    if subgroup_file is not None:
        for line, row in _csv_rows(*subgroup_file):
            cells = _Cells(subgroup_file[0], line, row)
            key = (cells.integer("Analysis group"), cells.integer("Analysis number"))
            subgroup_rows.setdefault(key, []).append(cells)
    analyses = []
    for line, row in _csv_rows(overall_name, overall_data):
        cells = _Cells(overall_name, line, row)
        key = (cells.integer("Analysis group"), cells.integer("Analysis number"))
        analyses.append(_package_analysis(cells, key, by_analysis.get(key, []), subgroup_rows.get(key, [])))
        for study in by_analysis.get(key, []):
            studies.setdefault(study.text("Study"), study.text("Study"))
            if study.text("Study year", ""):
                years.setdefault(study.text("Study"), study.text("Study year"))
    stem = path.name.removesuffix(".zip")
    rob_file = _find(files, "-risk-of-bias.csv", path, required=False)
    risk_of_bias, rob_problems = _package_risk_of_bias(*rob_file) if rob_file else ((), ())
    return Review(
        title=stem,
        doi="",
        source=str(path),
        source_format="Cochrane data package",
        analyses=tuple(analyses),
        studies=studies,
        study_years=years,
        modified=modified,
        risk_of_bias=risk_of_bias,
        risk_of_bias_problems=rob_problems,
    )


#: a column of a data package's ``*-risk-of-bias.csv``: ``Domain (judgement): <name>`` or ``Domain (support): <name>``
PACKAGE_ROB_COLUMN = re.compile(r"^Domain \((judgement|support)\):\s*(.+)$")


def _package_risk_of_bias(name: str, data: bytes) -> tuple[tuple[RiskOfBiasEntry, ...], tuple[str, ...]]:
    """The RoB 1 judgements of a data package's ``*-risk-of-bias.csv`` (column ``Study``, then pairs
    ``Domain (judgement): <domain>`` and ``Domain (support): <domain>``): one entry per non-empty
    judgement cell, and the problems, each named by file, line and column: a judgement that is not RoB 1's
    words (e.g. RoB 2's "Some concerns") is left out, an unreadable file gives no entries."""
    try:
        rows = _csv_rows(name, data)
        if rows and "Study" not in rows[0][1]:
            raise CompendiumError(f"{name}: expected a column 'Study'; found {', '.join(rows[0][1])}")
    except CompendiumError as error:
        return (), (f"{error}; the file's risk-of-bias judgements are left out",)
    if not rows:
        return (), ()
    header = [(column, PACKAGE_ROB_COLUMN.match(column.strip())) for column in rows[0][1]]
    domains = [(column, m.group(2).strip()) for column, m in header if m and m.group(1) == "judgement"]
    supports = {m.group(2).strip(): column for column, m in header if m and m.group(1) == "support"}
    entries, problems = [], []
    for line, row in rows:
        cells = _Cells(name, line, row)
        study = cells.text("Study")
        for column, domain in domains:
            given = cells.text(column)
            if not given:
                continue  # no judgement recorded for this study and domain
            if judgement_code(given) is None:
                problems.append(
                    f"{cells.where(column)}: expected a Cochrane RoB 1 judgement (Low risk, High risk, Unclear "
                    f"risk or Not applicable), got {given!r}; left out"
                )
                continue
            support = " ".join(cells.text(supports[domain]).split()) if domain in supports else ""
            where = f"{Path(name.split('!')[-1]).name}, line {line}, column {column!r}"
            entries.append(RiskOfBiasEntry(study, study, domain, given, support, locator=where))
    return tuple(entries), tuple(problems)


def _package_analysis(cells: _Cells, key: tuple[int, int], rows: list[_Cells], subgroups: list[_Cells]) -> Analysis:
    kind = cells.text("Data type").lower()
    data_type = PACKAGE_DATA_TYPES.get(kind) or _package_data_type(kind)
    if data_type is None:
        raise CompendiumError(
            f"{cells.where('Data type')}: expected one of {', '.join(PACKAGE_DATA_TYPES)}, got {kind!r}"
        )
    # a method the engine does not know is kept in words and reported as not re-computed
    method = _package_method(cells.text("Statistical method"), data_type) or cells.text("Statistical method")
    measure_word = cells.text("Effect measure").lower()
    measure = PACKAGE_MEASURES.get(measure_word, cells.text("Effect measure"))
    if method == "PETO" and measure == "OR":
        measure = "PETO_OR"
    if data_type == "other":
        method, measure = "", measure or "OTHER"
    model = cells.text("Analysis model").lower().replace("-", " ")
    model = "random effects" if model.startswith("random") else "fixed effect" if model.startswith("fixed") else model
    if data_type == "other" and model == "":
        model = "fixed effect"  # other data are not pooled: the file may name no model
    if model not in ("random effects", "fixed effect"):
        raise CompendiumError(
            f"{cells.where('Analysis model')}: expected 'Random effects' or 'Fixed effect', got {model!r}"
        )
    # newer exports (RevMan Web) name the tau^2 estimator and the CI method; only RevMan 5's
    # (DerSimonian-Laird, Wald-type CI) are re-computed, others are re-analysed with them and said so
    estimator = cells.text("Heterogeneity estimator", "")
    ci_method = cells.text("CI method", cells.text("Confidence interval method", ""))
    caveats = []
    if model == "random effects" and estimator and "dersimonian" not in estimator.lower() and estimator != "DL":
        caveats.append(f"tau^2 estimator {estimator!r} is not re-computed (DerSimonian-Laird used)")
    if model == "random effects" and ci_method and "wald" not in ci_method.lower():
        caveats.append(f"CI method {ci_method!r} is not re-computed (Wald-type used)")
    ratio_giv = data_type == "generic_iv" and _is_ratio(measure)
    log_data = measure in LOG_MEASURES or ratio_giv or (data_type == "generic_iv" and cells.flag("Log-scale data"))
    # "Odds Ratio (Non-event)": an analysis of non-events, whether or not the swap column says so
    swap = cells.flag("Swap event and non-event") or measure_word.endswith(NON_EVENT)
    label = f"analysis {key[0]}.{key[1]}"
    # generic inverse variance: "GIV Mean" is on the log scale when "Log-scale data" is true; a ratio
    # entered on its own scale is logged here (as R's meta reads it)
    log_entry = ratio_giv and not cells.flag("Log-scale data")
    study_rows = [_package_row(row, data_type, swap, log_entry) for row in rows]
    numbers = {row.text("Subgroup"): row.integer("Subgroup number") for row in subgroups}
    groups = []
    for row in rows:
        if row.text("Subgroup", "") and row.text("Subgroup") not in numbers:
            raise CompendiumError(
                f"{row.where('Subgroup')}: expected a subgroup listed in *-subgroup-estimates.csv "
                f"for {label}, got {row.text('Subgroup')!r}"
            )
    # every subgroup the file lists, also one without study rows (it has a record, with no result)
    for name in sorted(numbers, key=lambda n: numbers[n]):
        sub = next(s for s in subgroups if s.text("Subgroup") == name)
        mine = [(r, c) for r, c in zip(study_rows, rows) if c.text("Subgroup") == name]
        members = tuple(r for r, c in mine if "SUBGROUP" in _applies(c))
        left_out = tuple(_left_out(r, c) for r, c in mine if "SUBGROUP" not in _applies(c))
        groups.append(Group(numbers[name], name, members, _package_stored(sub), left_out))
    subgroup_test = None
    if groups and ("Test for subgroup differences" not in cells.row or cells.flag("Test for subgroup differences")):
        subgroup_test = {key_: cells.number(column) for key_, column in PACKAGE_SUBGROUP_TEST.items()}
    return Analysis(
        comparison=key[0],
        outcome=key[1],
        name=cells.text("Analysis name"),
        comparison_name=cells.text("Analysis group name", ""),
        data_type=data_type,
        pooling=POOLINGS.get(method, method),
        measure=measure,
        random=model == "random effects",
        # older exports: "Study CI" and "Estimate CI"; newer: one "CI/PI level"
        ci_study=cells.number("Study CI") or cells.number("CI/PI level") or 95.0,
        ci_total=cells.number("Estimate CI") or cells.number("CI/PI level") or 95.0,
        swap_events=swap,
        # a row marked for its subgroup only is left out of the overall analysis
        rows=tuple(r for r, c in zip(study_rows, rows) if "OVERALL" in _applies(c)),
        left_out=tuple(_left_out(r, c) for r, c in zip(study_rows, rows) if "OVERALL" not in _applies(c)),
        stored=_package_stored(cells),
        subgroups=tuple(groups),
        subgroup_test_stored=subgroup_test,
        totals=cells.flag("Overall estimates") if "Overall estimates" in cells.row else True,
        analysis_id=cells.text("ID", cells.text("Analysis ID", "")),
        log_scale=log_data,
        # the group labels, else the interventions the analysis names (RevMan Web fills one or the other)
        group_labels=(
            cells.text("Experimental group label", "") or cells.text("Experimental intervention", ""),
            cells.text("Control group label", "") or cells.text("Control intervention", ""),
        ),
        caveat="; ".join(caveats),
    )


def _refuse_package(path: Path, files: dict[str, tuple[str, bytes]]) -> None:
    """Refuse diagnostic test accuracy (a ``*-parameters.csv`` file, or 2x2 columns TP, FP, FN, TN) and
    network meta-analysis packages."""
    for name, (shown, data) in files.items():
        if name.endswith("-parameters.csv"):
            raise CompendiumError(
                f"{shown}: {PACKAGE_REFUSALS['TP']}; only intervention reviews with two-group comparisons "
                "can be re-analysed"
            )
        if "analysis-data" not in shown and not name.endswith(PACKAGE_ANALYSIS_FILES):
            continue  # study data (risk of bias, characteristics) hold the authors' own words
        header = data.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
        cells = [cell.strip().strip('"') for cell in header.split(",")]
        if {"TP", "FP", "FN", "TN"} <= set(cells):
            what = PACKAGE_REFUSALS["TP"]
        elif "network" in name.lower() or any("network" in cell.lower() for cell in cells):
            what = PACKAGE_REFUSALS["network"]
        else:
            continue
        raise CompendiumError(
            f"{shown}: {what}; only intervention reviews with two-group comparisons can be re-analysed"
        )


def _left_out(row: StudyRow, cells: _Cells) -> dict[str, str]:
    return {"study": row.study, "reason": f"left out here by the file (Applicability {_applies(cells)})"}


def _applies(cells: _Cells) -> str:
    """Where a data row counts (column ``Applicability``: ``SUBGROUP_AND_OVERALL`` when absent)."""
    return cells.text("Applicability", "").upper() or "SUBGROUP_AND_OVERALL"


def _package_data_type(kind: str) -> str | None:
    """A data type from words other than the usual ones (``"Dichotomous data"``, ``"O - E"``)."""
    squeezed = kind.replace(" ", "")
    for stem, data_type in (("dich", "dichotomous"), ("cont", "continuous"), ("inverse", "generic_iv")):
        if stem in squeezed:
            return data_type
    return "oe" if "o-e" in squeezed or "ipd" in squeezed else None


def _package_method(text: str, data_type: str) -> str | None:
    """RevMan's METHOD code from a data package's words (``MH``, ``M-H``, ``Mantel-Haenszel``, ``IV``, ``Peto``)."""
    squeezed = text.upper().replace("-", "").replace(" ", "")
    for code, words in (("MH", ("MH", "MANTELHAENSZEL")), ("IV", ("IV", "INVERSEVARIANCE")), ("PETO", ("PETO",))):
        if squeezed in words:
            return code
    if data_type == "oe" and "O" in squeezed and "E" in squeezed:
        return "PETO"  # "Exp[(O-E) / V]"
    return None


PACKAGE_ROW_VALUES = {
    "dichotomous": {
        "events_1": "Experimental cases",
        "total_1": "Experimental N",
        "events_2": "Control cases",
        "total_2": "Control N",
    },
    "continuous": {
        "mean_1": "Experimental mean",
        "sd_1": "Experimental SD",
        "total_1": "Experimental N",
        "mean_2": "Control mean",
        "sd_2": "Control SD",
        "total_2": "Control N",
    },
    "generic_iv": {"yi": "GIV Mean", "sei": "GIV SE", "total_1": "Experimental N", "total_2": "Control N"},
    "oe": {"oe": "O-E", "v": "Variance", "total_1": "Experimental N", "total_2": "Control N"},
    "other": {},
}


def _package_row(cells: _Cells, data_type: str, swap: bool, log_entry: bool = False) -> StudyRow:
    values = {key: cells.number(column) for key, column in PACKAGE_ROW_VALUES[data_type].items()}
    if data_type in ("dichotomous", "continuous") and (cells.number("GIV SE") or 0) > 0:
        # a study-data analysis may hold a study's contrast-level result only (RevMan's "Data source
        # eligibility"): kept, so that the row is listed with what it holds
        values |= {"contrast_yi": cells.number("GIV Mean"), "contrast_sei": cells.number("GIV SE")}
    if log_entry:
        values["yi"] = _log_of(values["yi"], cells.where("GIV Mean"))
    if swap:
        _swap(values)
    note = cells.text("Footnotes", "")
    stored = {key: cells.number(column) for key, column in PACKAGE_STUDY_RESULTS.items()}
    if stored["ci_low"] == stored["ci_high"] == stored["estimate"] and not stored["weight"]:
        stored = dict.fromkeys(PACKAGE_STUDY_RESULTS)  # RevMan writes 0 for a study it did not compute
    return StudyRow(
        study_id=cells.text("Study"),
        study=cells.text("Study"),
        values=values,
        footnotes=(note,) if note else (),
        line=cells.line,
        stored=stored,
    )


# ---------------------------------------------------------------- one row per study


def read_study_csv(path: Path, *, measure: str | None = None, random: bool | None = None) -> Review:
    """Read a one-row-per-study CSV with metafor's column names (see the module docstring)."""
    from compendium.csv_input import numeric_column, read_input_csv

    frame = read_input_csv(path, expected="a header and one row per study", dtype=str)
    columns = set(frame.columns)
    layout = None
    for data_type, options in CSV_LAYOUTS.items():
        for names in options:
            if set(names) <= columns:
                layout = (data_type, names)
                break
        if layout:
            break
    if layout is None:
        wanted = "; ".join(" | ".join(", ".join(n) for n in opts) for opts in CSV_LAYOUTS.values())
        raise CompendiumError(f"{path}: expected the columns of one of: {wanted}; found {', '.join(frame.columns)}")
    data_type, names = layout
    if data_type == "generic_iv" and measure is None:
        raise CompendiumError(
            f"{path}: columns yi and {names[1]} need a measure (e.g. --measure MD, or HR on the log scale)"
        )
    pooling, default_measure = CSV_DEFAULTS.get(data_type, ("IV", ""))
    measure = (measure or default_measure).upper()
    if data_type == "dichotomous" and measure not in ("RR", "OR", "RD", "PETO_OR"):
        raise CompendiumError(f"{path}: counts (ai, ci) can be pooled as RR, OR, RD or PETO_OR, not {measure!r}")
    if data_type == "continuous" and measure not in ("MD", "SMD"):
        raise CompendiumError(f"{path}: means and SDs can be pooled as MD or SMD, not {measure!r}")
    if measure == "PETO_OR":
        pooling = "Peto"
    numbers = {
        name: numeric_column(frame, name, file=path, minimum=0 if name != "yi" and not name.startswith("m") else None)
        for name in names
    }
    label_column = next((c for c in ("study", "study_id", "trial", "author", "slab") if c in columns), None)
    rows = []
    for i in range(len(frame)):
        v = {name: float(numbers[name][i]) for name in names}
        if data_type == "dichotomous":
            events_1, events_2 = v["ai"], v["ci"]
            total_1 = v["n1i"] if "n1i" in v else v["ai"] + v["bi"]
            total_2 = v["n2i"] if "n2i" in v else v["ci"] + v["di"]
            for column, events, total in (("n1i", events_1, total_1), ("n2i", events_2, total_2)):
                if events > total:
                    raise CompendiumError(cell_problem(path, i + 1, column, "a group size >= the events", total))
            values: dict[str, float | None] = {
                "events_1": events_1,
                "total_1": total_1,
                "events_2": events_2,
                "total_2": total_2,
            }
        elif data_type == "continuous":
            values = {
                "mean_1": v["m1i"], "sd_1": v["sd1i"], "total_1": v["n1i"],
                "mean_2": v["m2i"], "sd_2": v["sd2i"], "total_2": v["n2i"],
            }  # fmt: skip
        else:
            values = {"yi": v["yi"], "sei": v["sei"] if "sei" in v else v["vi"] ** 0.5}
        name = str(frame[label_column].iloc[i]) if label_column else f"row {i + 1}"
        rows.append(
            (str(frame["subgroup"].iloc[i]) if "subgroup" in columns else "", StudyRow(name, name, values, line=i + 2))
        )
    groups = []
    for number, name in enumerate(dict.fromkeys(s for s, _ in rows if s), start=1):
        groups.append(Group(number, name, tuple(r for s, r in rows if s == name), dict.fromkeys(PACKAGE_RESULTS)))
    analysis = Analysis(
        comparison=1,
        outcome=1,
        name=path.stem,
        comparison_name="",
        data_type=data_type,
        pooling=pooling,
        measure=measure,
        random=bool(random),
        ci_study=95.0,
        ci_total=95.0,
        swap_events=False,
        rows=tuple(r for _, r in rows),
        stored=dict.fromkeys(PACKAGE_RESULTS),
        subgroups=tuple(groups),
        subgroup_test_stored=dict.fromkeys(PACKAGE_SUBGROUP_TEST) if groups else None,
        log_scale=measure in LOG_MEASURES,
    )
    years = {r.study_id: str(frame["year"].iloc[r.line - 2]) for _, r in rows if r.line} if "year" in columns else {}
    return Review(path.stem, "", str(path), "CSV", (analysis,), {r.study_id: r.study for _, r in rows}, years)
