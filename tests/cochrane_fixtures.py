"""TEST FIXTURES (not evidence): small RevMan 5 files, Cochrane data packages and CSVs written by code.

Data and reference values, each with its source:

* Fleiss 1993 aspirin trials (7 trials, deaths / randomised): Fleiss JL (1993). The statistical
  basis of meta-analysis. Stat Methods Med Res 2:121-145; RevMan 5.0.23's stored results for them
  (MH odds ratio, fixed effect) as printed in the example review ``Fleiss1993.rm5`` shipped with R's
  meta package (Schwarzer), quoted here as numbers.
* BCG vaccine trials (13 trials): Colditz GA et al. (1994). JAMA 271:698-702 (metadat ``dat.bcg``);
  stored results = metafor 3.8's ``rma.mh`` per allocation subgroup and the test for subgroup
  differences, from ``tests/reference/revman/metafor.json`` (``tests/r/revman_reference.R``).
* Beta blockers (dat.yusuf1985, table 6): Yusuf S et al. (1985). Prog Cardiovasc Dis 27:335-371;
  tables with zero cells, no stored results.
* :func:`synthetic_review`: SYNTHETIC counts drawn with a seed, for the benchmark only.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

REFERENCE = json.loads((Path(__file__).parent / "reference" / "revman" / "metafor.json").read_text())

#: Fleiss (1993): study, deaths aspirin, n aspirin, deaths control, n control
FLEISS_ASPIRIN = [
    ("MRC-1", 49, 615, 67, 624),
    ("CDP", 44, 758, 64, 771),
    ("MRC-2", 102, 832, 126, 850),
    ("GASP", 32, 317, 38, 309),
    ("PARIS", 85, 810, 52, 406),
    ("AMIS", 246, 2267, 219, 2257),
    ("ISIS-2", 1570, 8587, 1720, 8600),
]
#: the trials' years, as the study list of the RevMan example review Fleiss1993.rm5 (R package meta) gives them
FLEISS_YEARS = {"MRC-1": 1974, "CDP": 1976, "MRC-2": 1979, "GASP": 1979, "PARIS": 1980, "AMIS": 1980, "ISIS-2": 1988}
#: RevMan 5.0.23's stored results for FLEISS_ASPIRIN (MH OR, fixed effect, 95% CI)
FLEISS_STORED = {
    "EFFECT_SIZE": "0.8968655609130709",
    "CI_START": "0.8405144008917793",
    "CI_END": "0.9569947088336491",
    "TAU2": "0.0",
    "CHI2": "9.946055983220074",
    "DF": "6",
    "P_CHI2": "0.1269422521561745",
    "I2": "39.67458045558399",
    "Z": "3.287633061337987",
    "P_Z": "0.0010103343130005407",
}


def _result_attributes(fit: dict[str, float], k: int, *, ratio: bool = True) -> dict[str, str]:
    """RevMan-style stored attributes from one of metafor's pinned fits (ratios on the natural scale)."""
    scale = math.exp if ratio else float
    return {
        "EFFECT_SIZE": repr(scale(fit["beta"])),
        "CI_START": repr(scale(fit["ci.lb"])),
        "CI_END": repr(scale(fit["ci.ub"])),
        "TAU2": repr(fit["tau2"]),
        "CHI2": repr(fit["QE"]),
        "DF": str(k - 1),
        "P_CHI2": repr(fit["QEp"]),
        "I2": repr(fit["I2"]),
        "Z": repr(abs(fit["zval"])),
        "P_Z": repr(fit["pval"]),
    }


def _outcome(parent: ET.Element, tag: str, no: int, name: str, **attrs: str) -> ET.Element:
    # generic inverse-variance and O-E outcomes name their measure in words, in a child element
    words = attrs.pop("MEASURE_WORDS", None)
    element = ET.SubElement(parent, tag, {"NO": str(no), "ID": f"CMP-001.{no:02d}", **attrs})
    ET.SubElement(element, "NAME").text = name
    if words:
        ET.SubElement(element, "EFFECT_MEASURE").text = words
    return element


def _dich_row(parent: ET.Element, study: str, a: int, n1: int, c: int, n2: int) -> None:
    ET.SubElement(
        parent,
        "DICH_DATA",
        {"STUDY_ID": f"STD-{study}", "EVENTS_1": str(a), "TOTAL_1": str(n1), "EVENTS_2": str(c), "TOTAL_2": str(n2)},
    )


def fixture_rm5(path: Path) -> Path:
    """A RevMan 5 file (FIXTURE): Fleiss's aspirin trials, BCG by allocation (subgroups), beta blockers (zero cells)."""
    root = ET.Element(
        "COCHRANE_REVIEW",
        {
            "TYPE": "INTERVENTION",
            "DOI": "10.0000/FIXTURE",
            "REVMAN_VERSION": "5",
            "MODIFIED": "2020-01-01 00:00:00 +0000",
        },
    )
    ET.SubElement(ET.SubElement(root, "COVER_SHEET"), "TITLE").text = "Fixture review (test data, not evidence)"
    studies = ET.SubElement(ET.SubElement(root, "STUDIES_AND_REFERENCES"), "STUDIES")
    bcg = REFERENCE["bcg"]["input"]
    yus = REFERENCE["yusuf"]["input"]
    names = [s[0] for s in FLEISS_ASPIRIN] + [f"BCG-{i + 1}" for i in range(13)] + [f"BB-{i + 1}" for i in range(21)]
    for name in names:
        ET.SubElement(studies, "STUDY", {"ID": f"STD-{name}", "NAME": name.replace("-", " "), "YEAR": "1990"})
    comparison = ET.SubElement(ET.SubElement(root, "ANALYSES_AND_DATA"), "COMPARISON", {"NO": "1", "ID": "CMP-001"})
    ET.SubElement(comparison, "NAME").text = "Fixture comparison"
    common = {"CI_STUDY": "95", "CI_TOTAL": "95", "RANDOM": "NO", "SWAP_EVENTS": "NO", "TOTALS": "YES"}
    first = _outcome(
        comparison,
        "DICH_OUTCOME",
        1,
        "Deaths",
        METHOD="MH",
        EFFECT_MEASURE="OR",
        SUBGROUPS="NO",
        **common,
        **FLEISS_STORED,
    )
    for row in FLEISS_ASPIRIN:
        _dich_row(first, *row)
    overall = _result_attributes(REFERENCE["bcg"]["fits"]["mh_OR"], 13)
    test = REFERENCE["bcg"]["subgroup_test"]
    second = _outcome(
        comparison,
        "DICH_OUTCOME",
        2,
        "Tuberculosis by allocation",
        METHOD="MH",
        EFFECT_MEASURE="OR",
        SUBGROUPS="YES",
        SUBGROUP_TEST="YES",
        Q=repr(test["QE"]),
        P_Q=repr(test["QEp"]),
        I2_Q=repr(test["I2"]),
        **common,
        **overall,
    )
    for number, group in enumerate(test["groups"], start=1):
        members = [i for i, a in enumerate(bcg["alloc"]) if a == group]
        sub = ET.SubElement(
            second,
            "DICH_SUBGROUP",
            {"NO": str(number), **_result_attributes(REFERENCE["bcg"]["subgroups"][group], len(members))},
        )
        ET.SubElement(sub, "NAME").text = group
        for i in members:
            a, b, c, d = (int(bcg[key][i]) for key in ("ai", "bi", "ci", "di"))
            _dich_row(sub, f"BCG-{i + 1}", a, a + b, c, c + d)
    third = _outcome(comparison, "DICH_OUTCOME", 3, "Deaths (zero cells)", METHOD="MH", EFFECT_MEASURE="RR", **common)
    for i in range(len(yus["ai"])):
        a, b, c, d = (int(yus[key][i]) for key in ("ai", "bi", "ci", "di"))
        _dich_row(third, f"BB-{i + 1}", a, a + b, c, c + d)
    _more_outcomes(comparison, studies)
    ET.ElementTree(root).write(path, encoding="ISO-8859-1", xml_declaration=True)
    return path


def _more_outcomes(comparison: ET.Element, studies: ET.Element) -> None:
    """Analyses 1.4-1.7: MD with random effects (dat.normand1999), generic inverse variance, O-E and
    Peto on dat.bcg; stored results from metafor 3.8 (tests/reference/revman/metafor.json)."""
    common = {"CI_STUDY": "95", "CI_TOTAL": "95", "SWAP_EVENTS": "NO", "TOTALS": "YES", "SUBGROUPS": "NO"}
    normand = REFERENCE["normand"]
    k = len(normand["input"]["m1i"])
    md = _outcome(
        comparison, "CONT_OUTCOME", 4, "Length of stay", METHOD="IV", EFFECT_MEASURE="MD", RANDOM="YES", **common,
        **_result_attributes(normand["fits"]["DL"], k, ratio=False),
    )  # fmt: skip
    for i in range(k):
        ET.SubElement(studies, "STUDY", {"ID": f"STD-LOS-{i + 1}", "NAME": f"LOS {i + 1}", "YEAR": "1995"})
        values = {key: repr(float(normand["input"][key][i])) for key in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
        ET.SubElement(
            md,
            "CONT_DATA",
            {"STUDY_ID": f"STD-LOS-{i + 1}", "MEAN_1": values["m1i"], "SD_1": values["sd1i"], "TOTAL_1": values["n1i"],
             "MEAN_2": values["m2i"], "SD_2": values["sd2i"], "TOTAL_2": values["n2i"]},
        )  # fmt: skip
    bcg = REFERENCE["bcg"]
    a, b, c, d = (np.asarray(bcg["input"][key], dtype=float) for key in ("ai", "bi", "ci", "di"))
    n1, n2 = a + b, c + d
    yi = np.log(a / n1) - np.log(c / n2)
    sei = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    giv = _outcome(
        comparison, "IV_OUTCOME", 5, "Tuberculosis (log risk ratios)", METHOD="IV", MEASURE_WORDS="Risk Ratio",
        LOG_DATA="YES", RANDOM="YES", **common, **_result_attributes(bcg["fits"]["iv_DL_RR"], 13),
    )  # fmt: skip
    for i in range(13):
        ET.SubElement(
            giv,
            "IV_DATA",
            {"STUDY_ID": f"STD-BCG-{i + 1}", "EFFECT_SIZE": repr(math.exp(float(yi[i]))),
             "LOG_EFFECT_SIZE": repr(float(yi[i]) / math.log(10)), "SE": repr(float(sei[i]))},
        )  # fmt: skip
    n = n1 + n2
    oe = a - n1 * (a + c) / n
    v = n1 * n2 * (a + c) * (b + d) / (n**2 * (n - 1))
    ipd = _outcome(
        comparison, "IPD_OUTCOME", 6, "Tuberculosis (O - E)", MEASURE_WORDS="Peto Odds Ratio",
        **common, **_result_attributes(bcg["fits"]["peto"], 13),
    )  # fmt: skip
    for i in range(13):
        ET.SubElement(
            ipd, "IPD_DATA", {"STUDY_ID": f"STD-BCG-{i + 1}", "O_E": repr(float(oe[i])), "VAR": repr(float(v[i]))}
        )
    peto = _outcome(
        comparison, "DICH_OUTCOME", 7, "Tuberculosis (Peto)", METHOD="PETO", EFFECT_MEASURE="PETO_OR", RANDOM="NO",
        **common, **_result_attributes(bcg["fits"]["peto"], 13),
    )  # fmt: skip
    for i in range(13):
        _dich_row(peto, f"BCG-{i + 1}", int(a[i]), int(n1[i]), int(c[i]), int(n2[i]))


def synthetic_review(path: Path, analyses: int = 21, studies: int = 12, seed: int = 20) -> Path:
    """A SYNTHETIC RevMan 5 file with ``analyses`` analyses (random counts, for the benchmark only)."""
    rng = np.random.default_rng(seed)
    root = ET.Element("COCHRANE_REVIEW", {"TYPE": "INTERVENTION"})
    ET.SubElement(ET.SubElement(root, "COVER_SHEET"), "TITLE").text = "Synthetic review (benchmark data)"
    comparison = ET.SubElement(ET.SubElement(root, "ANALYSES_AND_DATA"), "COMPARISON", {"NO": "1"})
    for number in range(1, analyses + 1):
        measure = ("RR", "OR", "RD")[number % 3]
        outcome = _outcome(
            comparison, "DICH_OUTCOME", number, f"Outcome {number}", METHOD="MH", EFFECT_MEASURE=measure,
            RANDOM="YES" if number % 2 else "NO", SUBGROUPS="YES",
        )  # fmt: skip
        for group in (1, 2):
            sub = ET.SubElement(outcome, "DICH_SUBGROUP", {"NO": str(group)})
            ET.SubElement(sub, "NAME").text = f"Subgroup {group}"
            for s in range(studies // 2):
                n1, n2 = (int(x) for x in rng.integers(20, 400, 2))
                a, c = int(rng.binomial(n1, 0.1)), int(rng.binomial(n2, 0.15))
                _dich_row(sub, f"S{group}-{s}", a, n1, c, n2)
    ET.ElementTree(root).write(path, encoding="ISO-8859-1", xml_declaration=True)
    return path


def _csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


OVERALL_COLUMNS = [
    "Analysis group", "Analysis number", "Analysis name", "Analysis group name", "Data type", "Log-scale data",
    "Statistical method", "Effect measure", "Analysis model", "Swap event and non-event", "Study CI", "Estimate CI",
    "Mean", "CI start", "CI end", "Heterogeneity Tau²", "Heterogeneity Chi²", "Heterogeneity df", "Heterogeneity P",
    "Heterogeneity I²", "Effect Z", "Effect P", "Subgroup Chi²", "Subgroup df", "Subgroup P", "Subgroup I²", "ID",
    "Heterogeneity estimator",
]  # fmt: skip
RESULT_COLUMNS = OVERALL_COLUMNS[12:22]
ROW_COLUMNS = [
    "Analysis group", "Analysis number", "Analysis name", "Subgroup", "Study", "Study year", "Experimental cases",
    "Experimental N", "Control cases", "Control N", "Experimental mean", "Experimental SD", "Control mean",
    "Control SD", "Footnotes",
]  # fmt: skip
SUBGROUP_COLUMNS = ["Analysis group", "Analysis number", "Subgroup", "Subgroup number", *RESULT_COLUMNS]


def _rounded(attributes: dict[str, str]) -> list[object]:
    """RevMan-style stored attributes as a data package's result cells (6 decimals)."""
    keys = ("EFFECT_SIZE", "CI_START", "CI_END", "TAU2", "CHI2", "DF", "P_CHI2", "I2", "Z", "P_Z")
    return [round(float(attributes[key]), 6) for key in keys]


def fixture_data_package(path: Path) -> Path:
    """A Cochrane data package (FIXTURE, zip) with results rounded to 6 decimals: Fleiss's aspirin trials
    (RevMan's results), BCG by allocation (subgroups; metafor's results) and an MD analysis whose file
    names a tau^2 estimator (REML) the engine does not re-compute (metafor's DL results stored)."""
    settings = ["Fixture comparison", "Dichotomous", "true", "MH", "Odds Ratio", "Fixed effect", "false", "95%", "95%"]
    bcg = REFERENCE["bcg"]
    test = bcg["subgroup_test"]
    normand = REFERENCE["normand"]
    k = len(normand["input"]["m1i"])
    overall = [
        [1, 1, "Deaths", *settings, *_rounded(FLEISS_STORED), "", "", "", "", "analysis:1", ""],
        [1, 2, "Tuberculosis by allocation", *settings, *_rounded(_result_attributes(bcg["fits"]["mh_OR"], 13)),
         round(test["QE"], 6), test["df"], round(test["QEp"], 6), round(test["I2"], 6), "analysis:2", ""],
        [1, 3, "Length of stay", "Fixture comparison", "Continuous", "false", "IV", "Mean Difference",
         "Random effects", "false", "95%", "95%",
         *_rounded(_result_attributes(normand["fits"]["DL"], k, ratio=False)), "", "", "", "", "analysis:3", "REML"],
    ]  # fmt: skip
    empty = [""] * 4
    rows = [[1, 1, "Deaths", "", study, 1990, a, n1, c, n2, *empty, ""] for study, a, n1, c, n2 in FLEISS_ASPIRIN]
    subgroups = []
    for number, group in enumerate(test["groups"], start=1):
        members = [i for i, g in enumerate(bcg["input"]["alloc"]) if g == group]
        stored = _result_attributes(bcg["subgroups"][group], len(members))
        subgroups.append([1, 2, group, number, *_rounded(stored)])
        for i in members:
            a, b, c, d = (int(bcg["input"][key][i]) for key in ("ai", "bi", "ci", "di"))
            rows.append(
                [1, 2, "Tuberculosis by allocation", group, f"BCG {i + 1}", 1990, a, a + b, c, c + d, *empty, ""]
            )
    for i in range(k):
        x = {key: normand["input"][key][i] for key in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
        rows.append([1, 3, "Length of stay", "", f"LOS {i + 1}", 1995, "", x["n1i"], "", x["n2i"], x["m1i"], x["sd1i"],
                     x["m2i"], x["sd2i"], "Fixture row"])  # fmt: skip
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "fixture-analysis-data/fixture-overall-estimates-and-settings.csv", _csv_bytes(OVERALL_COLUMNS, overall)
        )
        archive.writestr("fixture-analysis-data/fixture-data-rows.csv", _csv_bytes(ROW_COLUMNS, rows))
        archive.writestr(
            "fixture-analysis-data/fixture-subgroup-estimates.csv", _csv_bytes(SUBGROUP_COLUMNS, subgroups)
        )
    return path


def fixture_csv(path: Path) -> Path:
    """A one-row-per-study CSV (FIXTURE): Fleiss's aspirin trials with metafor's column names."""
    path.write_text(
        "study,year,ai,n1i,ci,n2i\n"
        + "".join(f"{s},{FLEISS_YEARS[s]},{a},{n1},{c},{n2}\n" for s, a, n1, c, n2 in FLEISS_ASPIRIN)
    )
    return path


def fixture_newer_data_package(folder: Path) -> Path:
    """A data package folder (FIXTURE) with a newer export's columns ("CI/PI level", "Heterogeneity
    estimator", "CI method", "Effect T", data type "Contrast level"): dat.bcg's log risk ratios pooled
    by inverse variance with DerSimonian-Laird random effects; metafor's results stored, 6 decimals."""
    bcg = REFERENCE["bcg"]
    a, b, c, d = (np.asarray(bcg["input"][key], dtype=float) for key in ("ai", "bi", "ci", "di"))
    yi = np.log(a / (a + b)) - np.log(c / (c + d))
    sei = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    columns = [
        "Analysis group", "Analysis number", "Analysis name", "Data type", "Log-scale data", "Statistical method",
        "Effect measure", "Analysis model", "Heterogeneity estimator", "CI method", "CI/PI level",
        "Swap event and non-event", *RESULT_COLUMNS[:9], "Effect T", "Effect P", "ID",
    ]  # fmt: skip
    stored = _rounded(_result_attributes(bcg["fits"]["iv_DL_RR"], 13))
    overall = [
        [1, 1, "Tuberculosis", "Contrast level", "true", "IV", "Risk Ratio", "Random effect", "DerSimonian and Laird",
         "Wald-type", "95%", "false", *stored[:9], "", stored[9], "analysis:1"],
    ]  # fmt: skip
    rows = [[1, 1, "Tuberculosis", "", f"BCG {i + 1}", 1990, float(yi[i]), float(sei[i])] for i in range(13)]
    target = folder / "fixture-analysis-data"
    target.mkdir(parents=True)
    (target / "fixture-overall-estimates-and-settings.csv").write_bytes(_csv_bytes(columns, overall))
    (target / "fixture-data-rows.csv").write_bytes(
        _csv_bytes(
            [
                "Analysis group",
                "Analysis number",
                "Analysis name",
                "Subgroup",
                "Study",
                "Study year",
                "GIV Mean",
                "GIV SE",
            ],
            rows,
        )
    )
    (target / "fixture-subgroup-estimates.csv").write_bytes(_csv_bytes(SUBGROUP_COLUMNS, []))
    return folder
