"""TEST FIXTURES (not evidence): one review of edge cases, written as a RevMan 5 file and as a Cochrane data package.

The same analyses in both formats, each a case that real Cochrane reviews hold:

* 1.1 Mantel-Haenszel OR with subgroups: zero-cell and double-zero tables (dat.yusuf1985, table 6), the
  same study in two subgroups, a subgroup without studies, a subgroup of one double-zero study only;
  escaped study ids (``_x002d_``), an ISO-8859-1 study name, a footnote, numbers written ``1.0E-4``-style;
* 1.2 inverse-variance RR, DerSimonian-Laird, study CI 90% and total CI 99%, on the same tables;
* 1.3 Peto OR with ``RANDOM="YES"`` left in the file (RevMan pools Peto with a fixed effect only);
* 1.4 MH OR of non-events (``SWAP_EVENTS``) at 90%, subgroups without a test for subgroup differences;
* 1.5 generic inverse variance ("Hazard Ratio", ``LOG_DATA="YES"``, the estimate entered as a log) with
  one estimable study (random effects on 0 df), a row without SE and a row marked not estimable;
* 1.6 generic inverse variance ("Risk Ratio") whose rows give the ratio and its CI only;
* 1.7 mean difference, random effects, with Q <= df;
* 1.8 other data (not pooled); 1.9 an analysis without study rows; 1.10 ``TOTALS="NO"``;
* 1.11 MH RR and 1.13 inverse-variance OR (random effects) of the zero-cell tables; 1.12 O - E and variance
  with random effects (a heterogeneity p of about 1e-29);
* comparison 2 without outcomes.

Stored results: metafor 3.8, pinned in ``tests/reference/revman/edge.json`` (``tests/r/revman_edge_reference.R``)
and ``metafor.json`` (``tests/r/revman_reference.R``); data sets from metadat (Yusuf S et al. 1985, Prog
Cardiovasc Dis 27:335-371; Colditz GA et al. 1994, JAMA 271:698-702; Normand SLT 1999, Stat Med 18:321-359).
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from cochrane_fixtures import REFERENCE, _csv_bytes

EDGE = json.loads((Path(__file__).parent / "reference" / "revman" / "edge.json").read_text())
RESULTS = ("estimate", "ci_low", "ci_high", "tau2", "q", "df", "q_pval", "i2", "z", "pval")
RM5_NAMES = ("EFFECT_SIZE", "CI_START", "CI_END", "TAU2", "CHI2", "DF", "P_CHI2", "I2", "Z", "P_Z")
PACKAGE_NAMES = (
    "Mean", "CI start", "CI end", "Heterogeneity Tau²", "Heterogeneity Chi²", "Heterogeneity df",
    "Heterogeneity P", "Heterogeneity I²", "Effect Z", "Effect P",
)  # fmt: skip
#: a stored result RevMan did not compute, as it writes one: zeros, a zero-width CI, P = 0
PLACEHOLDER = "placeholder"
#: the ISO-8859-1 name of a fixture study
LATIN1_NAME = "Müller"


def _stored(fit: dict[str, float], df: int, *, ratio: bool = True) -> dict[str, float]:
    scale = math.exp if ratio else float
    return {
        "estimate": scale(fit["beta"]), "ci_low": scale(fit["ci.lb"]), "ci_high": scale(fit["ci.ub"]),
        "tau2": fit["tau2"], "q": fit["QE"], "df": df, "q_pval": fit["QEp"], "i2": fit["I2"],
        "z": abs(fit["zval"]), "pval": fit["pval"],
    }  # fmt: skip


def _java(value: float) -> str:
    """A number as RevMan 5 (Java) writes it: ``1.0E-4`` rather than Python's ``0.0001``."""
    text = repr(float(value))
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}E{int(exponent)}"


def _dich_rows(tables: list[tuple[int, int, int, int]], indices: list[int], prefix: str) -> list[dict[str, Any]]:
    rows = []
    for i in indices:
        a, b, c, d = tables[i]
        name = LATIN1_NAME if (i, prefix) == (1, "BB") else f"{prefix}-{i + 1}"
        rows.append(
            {
                "id": f"STD-{prefix}_x002d_{i + 1}",
                "name": name,
                "values": {"EVENTS_1": a, "TOTAL_1": a + b, "EVENTS_2": c, "TOTAL_2": c + d},
                "estimable": not (a == 0 and c == 0),
                "footnote": "Deaths at one year" if i == 0 else None,
            }
        )
    return rows


def edge_analyses() -> list[dict[str, Any]]:
    """The analyses of the edge-case review (see the module docstring), format-free."""
    yus = EDGE["yusuf"]
    tables = list(zip(*(yus["input"][key] for key in ("ai", "bi", "ci", "di"))))
    a_rows = [i - 1 for i in yus["subgroups"]["A"]]
    b_rows = [i - 1 for i in yus["subgroups"]["B"]]
    d_rows = [i - 1 for i in yus["subgroups"]["D"]]
    mh = yus["mh_or"]
    test = mh["test"]
    all_rows = list(range(len(tables)))
    bcg = REFERENCE["bcg"]["input"]
    bcg_tables = list(zip(*(bcg[key] for key in ("ai", "bi", "ci", "di"))))
    swapped = EDGE["bcg_swapped"]
    bcg_fits = REFERENCE["bcg"]["fits"]
    one = EDGE["bcg_one"]
    crit = 1.959963984540054  # the standard normal's 97.5% quantile, for the study CI of a GIV row
    log_rr = [math.log(a / (a + b)) - math.log(c / (c + d)) for a, b, c, d in bcg_tables]
    se_rr = [math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)) for a, b, c, d in bcg_tables]
    normand = EDGE["normand_2_5"]["input"]
    base = {"ci_study": 95, "ci_total": 95, "swap": False, "totals": "YES", "random": False, "words": None}
    return [
        base | {
            "no": 1, "name": "Deaths (zero cells, subgroups)", "type": "dichotomous", "method": "MH", "measure": "OR",
            "stored": _stored(mh["overall"], 18),
            "test": {"q": test["QE"], "df": test["df"], "pval": test["QEp"], "i2": test["I2"]},
            "subgroups": [
                {"no": 1, "name": "Early trials", "rows": _dich_rows(tables, a_rows, "BB"),
                 "stored": _stored(mh["A"], 9)},
                {"no": 2, "name": "Late trials", "rows": _dich_rows(tables, b_rows, "BB"),
                 "stored": _stored(mh["B"], 8)},
                {"no": 3, "name": "No trials", "rows": [], "stored": PLACEHOLDER},
                {"no": 4, "name": "No events", "rows": _dich_rows(tables, d_rows, "BB"), "stored": None},
            ],
        },
        base | {
            "no": 2, "name": "Deaths (inverse variance)", "type": "dichotomous", "method": "IV", "measure": "RR",
            "random": True, "ci_study": 90, "ci_total": 99, "rows": _dich_rows(tables, all_rows, "BB"),
            "stored": _stored(yus["iv_dl_rr_99"], 17),
        },
        base | {
            "no": 3, "name": "Deaths (Peto)", "type": "dichotomous", "method": "PETO", "measure": "PETO_OR",
            "random": True, "rows": _dich_rows(tables, all_rows, "BB"),
            "stored": _stored(REFERENCE["yusuf"]["fits"]["peto"], 17),
        },
        base | {
            "no": 4, "name": "Tuberculosis-free (non-events)", "type": "dichotomous", "method": "MH", "measure": "OR",
            "swap": True, "ci_study": 90, "ci_total": 90, "stored": _stored(swapped["fits"]["overall"], 12),
            "test": None,
            "subgroups": [
                {
                    "no": n, "name": group,
                    "rows": _dich_rows(bcg_tables, [i for i, g in enumerate(swapped["alloc"]) if g == group], "BCG"),
                    "stored": _stored(swapped["fits"][group], swapped["alloc"].count(group) - 1),
                }
                for n, group in enumerate(swapped["groups"], start=1)
            ],
        },
        base | {
            "no": 5, "name": "Tuberculosis (hazard ratio, one trial)", "type": "generic_iv", "method": "IV",
            "measure": "HR", "words": "Hazard Ratio", "random": True,
            "rows": [
                {"id": "STD-BCG_x002d_1", "name": "BCG-1", "estimable": True, "footnote": None,
                 "values": {"EFFECT_SIZE": one["yi"], "SE": one["sei"]},
                 "ci": (math.exp(one["yi"] - crit * one["sei"]), math.exp(one["yi"] + crit * one["sei"]))},
                {"id": "STD-BCG_x002d_2", "name": "BCG-2", "estimable": True, "footnote": None,
                 "values": {"EFFECT_SIZE": log_rr[1]}},
                {"id": "STD-BCG_x002d_3", "name": "BCG-3", "estimable": False, "footnote": None, "values": {}},
            ],
            "stored": _stored(one["fit"], 0),
        },
        base | {
            "no": 6, "name": "Tuberculosis (risk ratios entered as ratios)", "type": "generic_iv", "method": "IV",
            "measure": "RR", "words": "Risk Ratio", "ratio_rows": True,
            "rows": [
                {"id": f"STD-BCG_x002d_{i + 1}", "name": f"BCG-{i + 1}", "estimable": True, "footnote": None,
                 "values": {"EFFECT_SIZE": math.exp(y), "SE": s},
                 "ci": (math.exp(y - crit * s), math.exp(y + crit * s))}
                for i, (y, s) in enumerate(zip(log_rr, se_rr))
            ],
            "stored": _stored(bcg_fits["iv_FE_RR"], 12),
        },
        base | {
            "no": 7, "name": "Length of stay (Q below df)", "type": "continuous", "method": "IV", "measure": "MD",
            "random": True,
            "rows": [
                {"id": f"STD-LOS_x002d_{i + 1}", "name": f"LOS-{i + 1}", "estimable": True, "footnote": None,
                 "values": {"MEAN_1": normand["m1i"][i], "SD_1": normand["sd1i"][i], "TOTAL_1": normand["n1i"][i],
                            "MEAN_2": normand["m2i"][i], "SD_2": normand["sd2i"][i], "TOTAL_2": normand["n2i"][i]}}
                for i in range(2)
            ],
            "stored": _stored(EDGE["normand_2_5"]["fit"], 1, ratio=False),
        },
        base | {
            "no": 8, "name": "Adverse events (described)", "type": "other", "method": "", "measure": "OTHER",
            "rows": [
                {"id": f"STD-BCG_x002d_{i}", "name": f"BCG-{i}", "estimable": True, "footnote": None, "values": {}}
                for i in (1, 2)
            ],
            "stored": None,
        },
        base | {"no": 9, "name": "Quality of life (no data)", "type": "dichotomous", "method": "MH", "measure": "RR",
                "rows": [], "stored": PLACEHOLDER},
        base | {
            "no": 10, "name": "Deaths (no totals)", "type": "dichotomous", "method": "MH", "measure": "OR",
            "totals": "NO", "rows": _dich_rows(bcg_tables, list(range(3)), "BCG"), "stored": None,
        },
        base | {
            "no": 11, "name": "Deaths (risk ratio, zero cells)", "type": "dichotomous", "method": "MH",
            "measure": "RR", "rows": _dich_rows(tables, all_rows, "BB"), "stored": _stored(yus["mh_rr"], 17),
        },
        base | {
            "no": 12, "name": "Tuberculosis (O - E, random effects)", "type": "oe", "method": "PETO",
            "measure": "PETO_OR", "words": "Peto Odds Ratio", "random": True,
            "rows": [
                {"id": f"STD-BCG_x002d_{i + 1}", "name": f"BCG-{i + 1}", "estimable": True, "footnote": None,
                 "values": {"O_E": o, "VAR": v}}
                for i, (o, v) in enumerate(zip(EDGE["bcg_oe"]["oe"], EDGE["bcg_oe"]["v"]))
            ],
            "stored": _stored(EDGE["bcg_oe"]["fit"], 12),
        },
        base | {
            "no": 13, "name": "Deaths (inverse variance OR, zero cells)", "type": "dichotomous", "method": "IV",
            "measure": "OR", "random": True, "rows": _dich_rows(tables, all_rows, "BB"),
            "stored": _stored(REFERENCE["yusuf"]["fits"]["iv_DL_OR"], 17),
        },
    ]  # fmt: skip


RM5_TAGS = {
    "dichotomous": ("DICH_OUTCOME", "DICH_SUBGROUP", "DICH_DATA"),
    "continuous": ("CONT_OUTCOME", "CONT_SUBGROUP", "CONT_DATA"),
    "generic_iv": ("IV_OUTCOME", "IV_SUBGROUP", "IV_DATA"),
    "other": ("OTHER_OUTCOME", "OTHER_SUBGROUP", "OTHER_DATA"),
    "oe": ("IPD_OUTCOME", "IPD_SUBGROUP", "IPD_DATA"),
}


def _rm5_results(stored: dict[str, float] | str | None) -> dict[str, str]:
    if stored is None:
        return dict.fromkeys(RM5_NAMES, "")
    if stored == PLACEHOLDER:
        return dict.fromkeys(RM5_NAMES, "0.0") | {"DF": "0"}
    assert isinstance(stored, dict)
    return {name: str(stored[key]) if key == "df" else _java(stored[key]) for key, name in zip(RESULTS, RM5_NAMES)}


def _rm5_row(parent: ET.Element, tag: str, row: dict[str, Any]) -> None:
    attrs = {"STUDY_ID": row["id"], "ESTIMABLE": "YES" if row["estimable"] else "NO"}
    attrs |= {key: _java(value) if isinstance(value, float) else str(value) for key, value in row["values"].items()}
    if "ci" in row:
        attrs |= {"CI_START": _java(row["ci"][0]), "CI_END": _java(row["ci"][1])}
    if not row["estimable"]:
        attrs |= {"EFFECT_SIZE": "0.0", "LOG_EFFECT_SIZE": "-Infinity", "SE": "NaN", "WEIGHT": "0.0"}
    element = ET.SubElement(parent, tag, attrs)
    if row["footnote"]:
        ET.SubElement(element, "FOOTNOTE").text = row["footnote"]


def edge_rm5(path: Path) -> Path:
    """The edge-case review as a RevMan 5 file (FIXTURE; ISO-8859-1)."""
    root = ET.Element("COCHRANE_REVIEW", {"TYPE": "INTERVENTION", "DOI": "10.0000/EDGE", "REVMAN_VERSION": "5"})
    ET.SubElement(ET.SubElement(root, "COVER_SHEET"), "TITLE").text = "Edge-case review (test data, not evidence)"
    studies = ET.SubElement(ET.SubElement(ET.SubElement(root, "STUDIES_AND_REFERENCES"), "STUDIES"), "INCLUDED_STUDIES")
    data = ET.SubElement(root, "ANALYSES_AND_DATA")
    comparison = ET.SubElement(data, "COMPARISON", {"NO": "1", "ID": "CMP-001"})
    ET.SubElement(comparison, "NAME").text = "Edge cases"
    seen: dict[str, str] = {}
    for spec in edge_analyses():
        outcome_tag, subgroup_tag, row_tag = RM5_TAGS[spec["type"]]
        attrs = {
            "NO": str(spec["no"]), "ID": f"CMP-001.{spec['no']:02d}", "CI_STUDY": str(spec["ci_study"]),
            "CI_TOTAL": str(spec["ci_total"]), "RANDOM": "YES" if spec["random"] else "NO",
            "SWAP_EVENTS": "YES" if spec["swap"] else "NO", "TOTALS": spec["totals"],
            "SUBGROUPS": "YES" if spec.get("subgroups") else "NO",
            "SUBGROUP_TEST": "YES" if spec.get("test") else "NO",
        }  # fmt: skip
        if spec["method"]:
            attrs["METHOD"] = spec["method"]
        if spec["words"] is None and spec["type"] != "other":
            attrs["EFFECT_MEASURE"] = spec["measure"]
        if spec["type"] == "generic_iv":
            attrs["LOG_DATA"] = "YES"
        attrs |= _rm5_results(spec["stored"])
        if spec.get("test"):
            test = spec["test"]
            attrs |= {"Q": _java(test["q"]), "P_Q": _java(test["pval"]), "I2_Q": _java(test["i2"])}
        outcome = ET.SubElement(comparison, outcome_tag, attrs)
        ET.SubElement(outcome, "NAME").text = spec["name"]
        if spec["words"]:
            ET.SubElement(outcome, "EFFECT_MEASURE").text = spec["words"]
        groups = spec.get("subgroups") or [{"rows": spec["rows"], "stored": None, "no": None}]
        for group in groups:
            parent = outcome
            if group["no"] is not None:
                parent = ET.SubElement(outcome, subgroup_tag, {"NO": str(group["no"]), **_rm5_results(group["stored"])})
                ET.SubElement(parent, "NAME").text = group["name"]
            for row in group["rows"]:
                _rm5_row(parent, row_tag, row)
                seen[row["id"]] = row["name"]
    ET.SubElement(ET.SubElement(data, "COMPARISON", {"NO": "2", "ID": "CMP-002"}), "NAME").text = "No outcomes"
    for study_id, name in seen.items():
        ET.SubElement(studies, "STUDY", {"ID": study_id, "NAME": name, "YEAR": "1990"})
    ET.ElementTree(root).write(path, encoding="ISO-8859-1", xml_declaration=True)
    return path


PACKAGE_TYPES = {
    "dichotomous": "Dichotomous", "continuous": "Continuous", "generic_iv": "Contrast level", "other": "Other data",
    "oe": "O-E and variance",
}  # fmt: skip
#: the same settings in the words of different exports
PACKAGE_METHODS = {
    1: "Mantel-Haenszel", 2: "Inverse variance", 3: "Peto", 4: "MH", 5: "IV", 6: "Inverse variance", 12: "EXP_O_E_VAR",
}  # fmt: skip
PACKAGE_MODELS = {2: "Random effect", 3: "Random effects", 5: "Random-effects", 7: "Random effect"}
PACKAGE_MEASURE_WORDS = {
    "OR": "Odds Ratio", "RR": "Risk Ratio", "PETO_OR": "Peto Odds Ratio", "MD": "Mean Difference", "HR": "Hazard Ratio",
    "OTHER": "",
}  # fmt: skip
OVERALL = [
    "Analysis group", "Analysis number", "Analysis name", "Analysis group name", "Data type", "Log-scale data",
    "Statistical method", "Effect measure", "Analysis model", "Heterogeneity estimator", "Subgroup estimates",
    "Overall estimates", "Test for subgroup differences", "Swap event and non-event", "Study CI", "Estimate CI",
    *PACKAGE_NAMES, "Subgroup Chi²", "Subgroup df", "Subgroup P", "Subgroup I²", "ID",
]  # fmt: skip
ROWS = [
    "Analysis group", "Analysis number", "Analysis name", "Subgroup", "Applicability", "Study", "Study year",
    "GIV Mean", "GIV SE", "Experimental mean", "Experimental SD", "Experimental cases", "Experimental N",
    "Control mean", "Control SD", "Control cases", "Control N", "O-E", "Variance", "Weight", "Mean", "CI start",
    "CI end", "Footnotes",
]  # fmt: skip
SUBGROUPS = ["Analysis group", "Analysis number", "Subgroup", "Subgroup number", *PACKAGE_NAMES, "ID"]


def _package_results(stored: dict[str, float] | str | None) -> list[object]:
    if stored is None:
        return [""] * len(RESULTS)
    if stored == PLACEHOLDER:
        return [0] * len(RESULTS)
    assert isinstance(stored, dict)
    return [round(stored[key], 6) for key in RESULTS]


def _package_row(spec: dict[str, Any], group: str, row: dict[str, Any]) -> list[object]:
    v = row["values"]
    giv_mean: object = ""
    if "EFFECT_SIZE" in v and row["estimable"]:
        giv_mean = v["EFFECT_SIZE"] if not spec.get("ratio_rows") else math.log(v["EFFECT_SIZE"])
    cells = {
        "GIV Mean": giv_mean, "GIV SE": v.get("SE", "") if row["estimable"] else "",
        "Experimental mean": v.get("MEAN_1", ""), "Experimental SD": v.get("SD_1", ""),
        "Experimental cases": v.get("EVENTS_1", ""), "Experimental N": v.get("TOTAL_1", ""),
        "Control mean": v.get("MEAN_2", ""), "Control SD": v.get("SD_2", ""), "Control cases": v.get("EVENTS_2", ""),
        "Control N": v.get("TOTAL_2", ""), "O-E": v.get("O_E", ""), "Variance": v.get("VAR", ""),
    }  # fmt: skip
    head = [1, spec["no"], spec["name"], group, "SUBGROUP_AND_OVERALL", row["name"], 1990]
    return head + [cells[c] for c in ROWS[7:19]] + ["", "", "", "", row["footnote"] or ""]


def edge_data_package(path: Path) -> Path:
    """The edge-case review as a Cochrane data package (FIXTURE): a zip holding a zip of the CSVs, results
    rounded to 6 decimals, settings in the words of different exports."""
    overall, rows, subgroups = [], [], []
    for spec in edge_analyses():
        test = spec.get("test") or {}
        measure = PACKAGE_MEASURE_WORDS[spec["measure"]] + (" (Non-event)" if spec["swap"] else "")
        method = PACKAGE_METHODS.get(spec["no"], "" if spec["type"] == "other" else spec["method"])
        model = "" if spec["type"] == "other" else "Random effect" if spec["random"] else "Fixed effect"
        model = PACKAGE_MODELS.get(spec["no"], model)
        overall.append(
            [1, spec["no"], spec["name"], "Edge cases", PACKAGE_TYPES[spec["type"]],
             "true" if spec["measure"] in ("OR", "RR", "PETO_OR", "HR") else "false", method, measure, model,
             "DerSimonian and Laird" if spec["random"] else "", "true", "true" if spec["totals"] == "YES" else "false",
             "true" if test else "false", "true" if spec["swap"] else "false", f"{spec['ci_study']}%",
             f"{spec['ci_total']}%", *_package_results(spec["stored"]),
             *([round(test[k], 6) for k in ("q", "df", "pval", "i2")] if test else [""] * 4), f"analysis:{spec['no']}"]
        )  # fmt: skip
        for group in spec.get("subgroups") or [{"name": "", "rows": spec["rows"]}]:
            if group["name"]:
                subgroups.append([1, spec["no"], group["name"], group["no"], *_package_results(group["stored"]), ""])
            rows += [_package_row(spec, group["name"], row) for row in group["rows"]]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(
            "CD000000-analysis-data/CD000000-overall-estimates-and-settings.csv", _csv_bytes(OVERALL, overall)
        )
        archive.writestr("CD000000-analysis-data/CD000000-data-rows.csv", _csv_bytes(ROWS, rows))
        archive.writestr("CD000000-analysis-data/CD000000-subgroup-estimates.csv", _csv_bytes(SUBGROUPS, subgroups))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("CD000000/CD000000-files/CD000000-data.zip", inner.getvalue())
    return path
