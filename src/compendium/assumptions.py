"""The assumption ledger: stated, switchable assumptions about single numbers, for sensitivity analyses.

Trials often print a number incompletely: a "±" value without saying whether it is an SD or an
SE, no n at follow-up, an exact P value instead of an SD. Reviewers then make *stated*
assumptions (Cochrane Handbook v6.4, 6.5.2) and show how much the answer depends on them in a
sensitivity analysis (10.14). Here each assumption is one row of ``data/raw/assumptions.csv``
(the *ledger*) about one cell of one table; the primary analyses never see it.

* :func:`check_ledger` refuses a ledger row that points at nothing, that supplies a number where
  one is printed (a contradiction), or whose derivation lacks its inputs; the message names the
  ledger row (``assumptions.csv, row N (line N+1), column 'c': expected ..., got ...``).
* :func:`apply_ledger` returns the sensitivity-set tables and the ``applied`` table (which
  assumption changed which cell, value before and after, how it was derived). With
  ``enabled=False`` (the ledger switch) the tables come back unchanged, byte for byte.
* Derivations are computed by code: :func:`compendium.effects.sd_from_p_value` and
  :func:`compendium.effects.sd_from_t_statistic` (Handbook 6.5.2.3).
* :func:`assumption_downgrade`: the GRADE rule for results that rest on assumptions (below).
* :func:`assumptions_by_effect`: which assumptions each trial effect rests on (forest-plot marks,
  the ``assumption_ids`` columns of stage 03's tables).

Stage 03 (:mod:`compendium.analysis.assumption_set`) runs the same effect and pooling code on the
tables :func:`apply_ledger` returns and compares the two sets
(:func:`compendium.analysis.reviews.review_agreement` compares both with the published reviews).

GRADE rule (ours, by analogy with GRADE guidance 17 for missing participant data: Guyatt GH et
al. J Clin Epidemiol 2017;87:14-22, which asks for a primary analysis, sensitivity analyses under
plausible assumptions, and rating down for risk of bias when the conclusion is not robust to
them): a pooled result in which no study depends on a ledger assumption is not rated down for
assumptions. A result whose studies do depend on one is rated down **one level for risk of
bias** unless the primary analysis (printed numbers only) exists and agrees with it in direction
and significance. It is never rated down two levels for assumptions alone: each ledger row is a
single, stated, checked assumption. Stage 03 adds these levels to the risk-of-bias domain of
:mod:`compendium.bias.grade` for the sensitivity result (that domain stays at most two levels).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, cast

import numpy as np
import pandas as pd

from compendium.errors import CompendiumError, cell_problem
from compendium.meta.effects import sd_from_p_value, sd_from_t_statistic

LEDGER_FILE = "assumptions.csv"
REJECTED_FILE = "assumptions_rejected.csv"
LEDGER_COLUMNS = [
    "assumption_id",
    "table",
    "study_id",
    "row_key",
    "column",
    "kind",
    "value",
    "derive_from",
    "justification",
    "method_source",
    "source_id",
    "locator",
]
APPLIED_COLUMNS = [
    "assumption_id",
    "table",
    "study_id",
    "row_key",
    "column",
    "kind",
    "value_before",
    "value_after",
    "derivation",
    "method_source",
]
#: key columns (besides study_id) that identify one row of each table a ledger row may target
TABLE_KEYS: dict[str, tuple[str, ...]] = {"continuous_outcomes": ("arm", "outcome", "timepoint_weeks", "value_type")}
#: columns that hold a printed dispersion; an SD or SE assumption contradicts any of them
PRINTED_DISPERSION = ("sd", "se", "ci_low", "ci_high")
#: a nominal time point may move a value by at most this many weeks (one month)
NOMINAL_TIMEPOINT_TOLERANCE_WEEKS = 4.345
#: printed values that a ledger row reads in one way (``derive_from`` of pm_is_sd and pm_is_se)
READ_VALUES = frozenset({"plus_minus"})
#: columns that are numbers in key strings (compared numerically)
NUMERIC_KEYS = frozenset({"timepoint_weeks"})


@dataclass(frozen=True)
class Kind:
    """What one kind of assumption sets and from what.

    ``column``: the target column; ``derive_from``: the fixed derivation source ("" when the row
    gives it); ``needs_value``: a printed constant is required in ``value``; ``phase``: 0 direct,
    1 derived from other (possibly assumed) cells, 2 changes a key column (applied last).
    """

    column: str
    description: str
    derive_from: str = ""
    needs_value: bool = False
    phase: int = 0


KINDS: dict[str, Kind] = {
    "pm_is_sd": Kind("sd", "the unlabelled '±' value is read as the SD", derive_from="plus_minus"),
    "pm_is_se": Kind("se", "the unlabelled '±' value is read as the SE", derive_from="plus_minus"),
    "n_analysed_is_n_randomised": Kind(
        "n", "the number analysed is taken as the number randomised to the arm", derive_from="arms.n_randomised"
    ),
    "sd_borrowed": Kind("sd", "the SD is borrowed from another row (derive_from names it)"),
    "sd_from_p_value": Kind(
        "sd",
        "a common SD from the difference in means and the exact P value of the comparison "
        "(derive_from names the rct_effects row)",
        phase=1,
    ),
    "sd_from_t_statistic": Kind(
        "sd", "a common SD from the difference in means and the printed t statistic (value)", needs_value=True, phase=1
    ),
    "timepoint_is_nominal": Kind(
        "timepoint_weeks", "the time point is taken at its nominal value (value, in weeks)", needs_value=True, phase=2
    ),
}
VALUE_KINDS = frozenset(k for k, spec in KINDS.items() if spec.column in ("sd", "se", "n"))


def _blank(value: object) -> bool:
    return (
        value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""
    )


def parse_key(text: str) -> dict[str, str]:
    """``"arm=smep; outcome=alsfrs_r"`` -> ``{"arm": "smep", "outcome": "alsfrs_r"}`` (ValueError if malformed).

    Examples
    --------
    >>> parse_key("arm=smep; timepoint_weeks=25.7")
    {'arm': 'smep', 'timepoint_weeks': '25.7'}
    """
    pairs = {}
    for part in str(text).split(";"):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value or name in pairs:
            raise ValueError(part)
        pairs[name] = value
    return pairs


def _matches(table: pd.DataFrame, study_id: str, key: Mapping[str, str]) -> pd.Index:
    mask = table["study_id"].astype(str) == study_id
    for name, wanted in key.items():
        column = table[name]
        if name in NUMERIC_KEYS:
            try:
                mask &= np.isclose(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float), float(wanted))
            except ValueError:
                return pd.Index([])
        else:
            mask &= column.astype(str) == wanted
    return table.index[np.asarray(mask, dtype=bool)]


def load_ledger(raw_dir: str | Path, name: str = LEDGER_FILE) -> pd.DataFrame:
    """Read a ledger CSV as text (empty cells missing; check_ledger reads ``value`` as a number).

    A missing file is an empty ledger. The validated, typed table is also available as
    ``load_tables(raw_dir)["assumptions"]``; both can be passed to :func:`apply_ledger`.
    """
    path = Path(raw_dir) / name
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in LEDGER_COLUMNS})
    ledger = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise CompendiumError(
            cell_problem(
                name, None, missing[0], f"a column named {missing[0]!r} (ledger columns: {', '.join(LEDGER_COLUMNS)})"
            )
        )
    return ledger


class LedgerError(CompendiumError):
    """A ledger row that cannot be applied; ``file``, ``row``, ``column``, ``expected`` and ``got``
    are the parts of the message (:func:`compendium.errors.cell_problem`), for ``compendium validate``."""

    def __init__(self, file: str, row: int | None, column: str | None, expected: str, got: object = None):
        self.file, self.row, self.column, self.expected, self.got = file, row, column, expected, got
        super().__init__(cell_problem(file, row, column, expected, got))


class _Checker:
    """Validates one ledger row after another against the tables (messages name the ledger row)."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], file: str):
        self.tables, self.file = tables, file

    def fail(self, row: int, column: str, expected: str, got: object = None) -> NoReturn:
        raise LedgerError(self.file, row, column, expected, got)

    def target(self, row: int, entry: pd.Series) -> int:
        """The index of the target row in its table, or an error naming the ledger row."""
        table_name = str(entry["table"])
        if table_name not in TABLE_KEYS:
            self.fail(row, "table", f"one of {', '.join(TABLE_KEYS)}", entry["table"])
        if table_name not in self.tables:
            self.fail(row, "table", f"a table loaded with the ledger ({', '.join(sorted(self.tables))})", table_name)
        try:
            key = parse_key(entry["row_key"])
        except ValueError:
            self.fail(row, "row_key", "'column=value' pairs separated by ';'", entry["row_key"])
        wanted = set(TABLE_KEYS[table_name])
        if set(key) != wanted:
            self.fail(row, "row_key", f"exactly the key columns {', '.join(TABLE_KEYS[table_name])}", entry["row_key"])
        hits = _matches(self.tables[table_name], str(entry["study_id"]), key)
        if len(hits) != 1:
            self.fail(
                row,
                "row_key",
                f"a key matching one row of {table_name} for study {entry['study_id']!r} "
                f"(it points at {len(hits)} rows)",
                entry["row_key"],
            )
        return int(hits[0])

    def check(self, row: int, entry: pd.Series) -> None:
        for column in (
            "assumption_id",
            "table",
            "study_id",
            "row_key",
            "column",
            "kind",
            "justification",
            "method_source",
            "source_id",
            "locator",
        ):
            if _blank(entry[column]):
                self.fail(row, column, "a value (required)", "")
        kind = str(entry["kind"])
        if kind not in KINDS:
            self.fail(row, "kind", f"one of {', '.join(KINDS)}", kind)
        spec = KINDS[kind]
        if str(entry["column"]) != spec.column:
            self.fail(row, "column", f"{spec.column!r} for kind {kind}", entry["column"])
        if spec.needs_value:
            try:
                value = float(entry["value"])
            except (TypeError, ValueError):
                value = float("nan")
            if not math.isfinite(value):
                self.fail(row, "value", f"a printed number for kind {kind}", entry["value"])
        elif not _blank(entry["value"]):
            self.fail(row, "value", f"empty for kind {kind} (the code derives the number)", entry["value"])
        if spec.derive_from and str(entry["derive_from"]) != spec.derive_from:
            self.fail(row, "derive_from", f"{spec.derive_from!r} for kind {kind}", entry["derive_from"])
        index = self.target(row, entry)
        target = self.tables[str(entry["table"])].loc[index]
        if kind in VALUE_KINDS and not _blank(target[spec.column]):
            self.fail(
                row,
                "column",
                f"a cell that is empty in the table (an assumption never replaces a printed number; "
                f"{spec.column} = {target[spec.column]} is printed)",
                entry["column"],
            )
        if spec.column in ("sd", "se"):
            printed = [c for c in PRINTED_DISPERSION if c in target.index and not _blank(target[c])]
            if printed:
                self.fail(
                    row, "kind", f"no printed dispersion in the target row (it prints {', '.join(printed)})", kind
                )
        getattr(self, f"_check_{kind}")(row, entry, target)

    def _check_pm_is_sd(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        if _blank(target.get("plus_minus")):
            self.fail(row, "row_key", "a target row with a printed '±' value (plus_minus)", entry["row_key"])

    _check_pm_is_se = _check_pm_is_sd

    def _check_n_analysed_is_n_randomised(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        arm = self._arm(row, entry, target)
        if _blank(arm["n_randomised"]):
            self.fail(row, "derive_from", f"arm {target['arm']!r} with a printed n_randomised", "")
        if not _blank(arm["n_analysed"]) and int(arm["n_analysed"]) != int(arm["n_randomised"]):
            self.fail(
                row,
                "kind",
                f"no printed n analysed that differs from n randomised (arms prints n_analysed = "
                f"{arm['n_analysed']}, n_randomised = {arm['n_randomised']})",
                entry["kind"],
            )

    def _arm(self, row: int, entry: pd.Series, target: pd.Series) -> pd.Series:
        arms = self.tables.get("arms")
        if arms is None:
            self.fail(row, "derive_from", "the arms table loaded with the ledger", entry["derive_from"])
        hit = arms[
            (arms["study_id"].astype(str) == str(target["study_id"])) & (arms["arm"].astype(str) == str(target["arm"]))
        ]
        if len(hit) != 1:
            self.fail(row, "row_key", f"an arm listed in arms for study {target['study_id']!r}", target["arm"])
        return hit.iloc[0]

    def _check_sd_borrowed(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        donor = self.donor(row, entry)
        if _blank(donor["sd"]):
            self.fail(row, "derive_from", "a row with a printed SD to borrow", entry["derive_from"])
        if str(donor["outcome"]) != str(target["outcome"]):
            self.fail(row, "derive_from", f"a row of the same outcome ({target['outcome']})", donor["outcome"])

    def donor(self, row: int, entry: pd.Series) -> pd.Series:
        try:
            key = parse_key(entry["derive_from"])
        except ValueError:
            self.fail(
                row,
                "derive_from",
                "'study_id=...; arm=...; outcome=...; timepoint_weeks=...; value_type=...'",
                entry["derive_from"],
            )
        table = self.tables["continuous_outcomes"]
        study = key.pop("study_id", None)
        if study is None or set(key) != set(TABLE_KEYS["continuous_outcomes"]):
            self.fail(
                row,
                "derive_from",
                "study_id and the key columns arm, outcome, timepoint_weeks, value_type",
                entry["derive_from"],
            )
        hits = _matches(table, study, key)
        if len(hits) != 1:
            self.fail(
                row,
                "derive_from",
                f"a key matching one continuous_outcomes row (it points at {len(hits)} rows)",
                entry["derive_from"],
            )
        return table.loc[hits[0]]

    def pair(self, row: int, entry: pd.Series, target: pd.Series) -> pd.Series:
        """The other arm of a two-arm comparison at the same outcome, time point and value type."""
        table = self.tables["continuous_outcomes"]
        same = table[
            (table["study_id"].astype(str) == str(target["study_id"]))
            & (table["outcome"].astype(str) == str(target["outcome"]))
            & np.isclose(pd.to_numeric(table["timepoint_weeks"]).to_numpy(float), float(target["timepoint_weeks"]))
            & (table["value_type"].astype(str) == str(target["value_type"]))
            & (table["arm"].astype(str) != str(target["arm"]))
        ]
        if len(same) != 1:
            self.fail(
                row,
                "row_key",
                f"a two-arm comparison (found {len(same)} other arms at this outcome and time point)",
                entry["row_key"],
            )
        return same.iloc[0]

    def _check_sd_from_p_value(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        self.pair(row, entry, target)
        effect = self.effect(row, entry, target)
        if _blank(effect["p_value"]) or str(effect.get("p_relation", "=")) != "=":
            self.fail(
                row,
                "derive_from",
                "an rct_effects row with an exact P value (p_relation '=')",
                f"p {effect.get('p_relation', '')} {effect['p_value']}",
            )

    def effect(self, row: int, entry: pd.Series, target: pd.Series) -> pd.Series:
        effects = self.tables.get("rct_effects")
        if effects is None:
            self.fail(row, "derive_from", "the rct_effects table loaded with the ledger", entry["derive_from"])
        try:
            key = parse_key(entry["derive_from"])
        except ValueError:
            self.fail(
                row, "derive_from", "'column=value' pairs of an rct_effects row of the same study", entry["derive_from"]
            )
        unknown = sorted(set(key) - set(effects.columns))
        if unknown:
            self.fail(row, "derive_from", "columns of rct_effects", ", ".join(unknown))
        hits = _matches(effects, str(target["study_id"]), key)
        if len(hits) != 1:
            self.fail(
                row,
                "derive_from",
                f"a key matching one rct_effects row of study {target['study_id']!r} (it points at {len(hits)} rows)",
                entry["derive_from"],
            )
        return effects.loc[hits[0]]

    def _check_sd_from_t_statistic(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        self.pair(row, entry, target)
        if float(entry["value"]) == 0:
            self.fail(row, "value", "a non-zero t statistic", entry["value"])

    def _check_timepoint_is_nominal(self, row: int, entry: pd.Series, target: pd.Series) -> None:
        shift = abs(float(entry["value"]) - float(target["timepoint_weeks"]))
        if shift == 0 or shift > NOMINAL_TIMEPOINT_TOLERANCE_WEEKS:
            self.fail(
                row,
                "value",
                f"a nominal time point that differs from the stored {target['timepoint_weeks']} weeks "
                f"by more than 0 and at most {NOMINAL_TIMEPOINT_TOLERANCE_WEEKS} weeks",
                entry["value"],
            )


def check_ledger(
    ledger: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    *,
    file: str = LEDGER_FILE,
    rejected: pd.DataFrame | None = None,
    rejected_file: str = REJECTED_FILE,
) -> None:
    """Raise :class:`CompendiumError` naming the first ledger row that is invalid.

    Invalid: a missing required cell; an unknown kind or a column that does not fit the kind; a
    ``row_key`` that matches no row (or several); a target cell that is printed (an assumption
    never replaces a printed number), a dispersion assumption on a row that prints an SD, SE or
    CI, an n assumption contradicted by a printed n analysed; a derivation whose inputs are
    missing (no '±' value, no exact P value, no second arm); two ledger rows on one cell; two
    readings of one printed value (``pm_is_sd`` and ``pm_is_se`` on the same '±' value); an
    assumption that ``assumptions_rejected.csv`` rejects (same study and kind, same table and time
    point where the rejection's ``target`` names them).

    Parameters
    ----------
    ledger : the ledger (:data:`LEDGER_COLUMNS`)
    tables : the evidence tables by name (``continuous_outcomes``, ``arms``, ``rct_effects``)
    file : the ledger's file name used in messages
    rejected : the assumptions considered and rejected (``assumptions_rejected.csv``), if any
    rejected_file : its file name used in messages

    Raises
    ------
    LedgerError
        naming the first ledger row that is invalid (file, row, column, expected, got)
    """
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise LedgerError(file, None, missing[0], f"a column named {missing[0]!r}")
    checker = _Checker(tables, file)
    seen_ids: set[str] = set()
    seen_cells: dict[tuple[str, int, str], int] = {}
    # one reading per printed value: a '±' value read as an SD by one row and as an SE by another
    readings: dict[tuple[str, int, str], tuple[int, str]] = {}
    for position, (_, entry) in enumerate(ledger.iterrows(), start=1):
        checker.check(position, entry)
        if str(entry["assumption_id"]) in seen_ids:
            checker.fail(position, "assumption_id", "a unique identifier", entry["assumption_id"])
        seen_ids.add(str(entry["assumption_id"]))
        index = checker.target(position, entry)
        cell = (str(entry["table"]), index, str(entry["column"]))
        if cell in seen_cells:
            checker.fail(
                position,
                "row_key",
                f"one assumption per cell (ledger row {seen_cells[cell]} sets the same cell)",
                entry["row_key"],
            )
        seen_cells[cell] = position
        source = KINDS[str(entry["kind"])].derive_from
        if source in READ_VALUES:
            reading = (str(entry["table"]), index, source)
            if reading in readings:
                first, kind = readings[reading]
                checker.fail(
                    position,
                    "kind",
                    f"one reading of the printed {source} value of the target row (ledger row {first} reads it "
                    f"with {kind}; the readings contradict each other)",
                    entry["kind"],
                )
            readings[reading] = (position, str(entry["kind"]))
    if rejected is not None:
        _check_rejected(checker, ledger, rejected, rejected_file)


def _rejected_weeks(target: str) -> set[float]:
    """The time points a rejected assumption's ``target`` names ("... at 12 weeks", "(51.4 weeks)")."""
    return {float(number) for number in re.findall(r"(\d+(?:\.\d+)?)\s*weeks?\b", target)}


def _check_rejected(checker: _Checker, ledger: pd.DataFrame, rejected: pd.DataFrame, rejected_file: str) -> None:
    """Refuse a ledger row that applies what ``assumptions_rejected.csv`` rejects: the same study and
    kind, on the same table when the rejection's ``target`` starts with a table name (``"table: ..."``),
    and at one of the time points its target names (``"12 weeks"``; none named: any time point)."""
    for position, (_, entry) in enumerate(ledger.iterrows(), start=1):
        target = checker.tables[str(entry["table"])].loc[checker.target(position, entry)]
        for number, (_, rejection) in enumerate(rejected.iterrows(), start=1):
            if str(rejection["study_id"]) != str(entry["study_id"]) or str(rejection["kind"]) != str(entry["kind"]):
                continue
            text = "" if _blank(rejection["target"]) else str(rejection["target"])
            table, sep, _ = text.partition(":")
            if sep and table.strip() in TABLE_KEYS and table.strip() != str(entry["table"]):
                continue
            weeks = _rejected_weeks(text)
            at = _number(target["timepoint_weeks"]) if "timepoint_weeks" in target.index else math.nan
            if weeks and not any(np.isclose(at, w) for w in weeks):
                continue
            checker.fail(
                position,
                "kind",
                f"an assumption not rejected in {rejected_file} (its row {number}, "
                f"{rejection['rejection_id']}, rejects {entry['kind']} for {entry['study_id']}: {text})",
                entry["kind"],
            )


def _number(value: Any) -> float:
    return float("nan") if _blank(value) else float(value)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def apply_ledger(
    tables: Mapping[str, pd.DataFrame],
    ledger: pd.DataFrame,
    *,
    enabled: bool = True,
    file: str = LEDGER_FILE,
    rejected: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The sensitivity-set tables (printed numbers plus the ledger) and the table of applied assumptions.

    Order: direct assumptions ('±' read as SD/SE, n, borrowed SD), then derivations that need
    them (SD from a P value or t statistic, using both arms' means and ns after the direct step),
    then nominal time points (they change a key column). The ledger is first checked by
    :func:`check_ledger`.

    Parameters
    ----------
    tables : evidence tables by name, as loaded by :func:`compendium.data.load.load_tables`
    ledger : the ledger (:func:`load_ledger`)
    enabled : the ledger switch; ``False`` returns the tables unchanged (same frames, byte for
        byte when written) and an empty ``applied`` table
    file : the ledger's file name used in messages
    rejected : the assumptions considered and rejected (``assumptions_rejected.csv``): a ledger row
        that applies one of them is refused (:func:`check_ledger`)

    Returns
    -------
    (tables_with_assumptions, applied): a new dict (changed tables are copies; the others are the
    same objects) and a DataFrame with :data:`APPLIED_COLUMNS`, one row per ledger row.

    Examples
    --------
    >>> same, applied = apply_ledger({"arms": pd.DataFrame()}, load_ledger("/nonexistent"), enabled=False)
    >>> list(applied.columns) == APPLIED_COLUMNS and applied.empty
    True
    """
    applied_empty = pd.DataFrame({c: pd.Series(dtype="object") for c in APPLIED_COLUMNS})
    if not enabled or ledger.empty:
        return dict(tables), applied_empty
    check_ledger(ledger, tables, file=file, rejected=rejected)
    checker = _Checker(tables, file)
    out = dict(tables)
    for name in set(ledger["table"].astype(str)):
        out[name] = tables[name].copy()
    positions = list(enumerate(ledger.to_dict("records"), start=1))
    targets = {pos: checker.target(pos, pd.Series(entry)) for pos, entry in positions}
    records: dict[int, dict] = {}
    for phase in (0, 1, 2):
        for pos, entry in positions:
            spec = KINDS[str(entry["kind"])]
            if spec.phase != phase:
                continue
            table = out[str(entry["table"])]
            index = targets[pos]
            before = table.at[index, spec.column]
            after, derivation = _derive(str(entry["kind"]), pd.Series(entry), table, index, tables, checker, pos)
            table.at[index, spec.column] = after
            records[pos] = {
                "assumption_id": entry["assumption_id"],
                "table": entry["table"],
                "study_id": entry["study_id"],
                "row_key": entry["row_key"],
                "column": spec.column,
                "kind": entry["kind"],
                "value_before": None if _blank(before) else _number(before),
                "value_after": float(after),
                "derivation": derivation,
                "method_source": entry["method_source"],
            }
    for name in TABLE_KEYS:
        if name in out and out[name].duplicated(["study_id", *TABLE_KEYS[name]]).any():
            raise CompendiumError(
                cell_problem(file, None, "value", f"nominal time points that keep the rows of {name} distinct")
            )
    applied = pd.DataFrame([records[pos] for pos, _ in positions], columns=APPLIED_COLUMNS)
    return out, applied


def _derive(
    kind: str,
    entry: pd.Series,
    table: pd.DataFrame,
    index: int,
    original: Mapping[str, pd.DataFrame],
    checker: _Checker,
    pos: int,
) -> tuple[float, str]:
    """The value a ledger row supplies and a one-line account of how it was obtained."""
    row = cast(pd.Series, table.loc[index])
    if kind in ("pm_is_sd", "pm_is_se"):
        value = float(row["plus_minus"])
        return value, f"plus_minus = {_fmt(value)} read as the {'SD' if kind == 'pm_is_sd' else 'SE'}"
    if kind == "n_analysed_is_n_randomised":
        value = int(checker._arm(pos, entry, row)["n_randomised"])
        return value, f"arms.n_randomised = {value}"
    if kind == "sd_borrowed":
        donor = checker.donor(pos, entry)
        return float(donor["sd"]), f"sd = {_fmt(float(donor['sd']))} of {donor['study_id']} ({entry['derive_from']})"
    if kind == "timepoint_is_nominal":
        return float(
            entry["value"]
        ), f"nominal time point {_fmt(float(entry['value']))} weeks (stored {_fmt(float(row['timepoint_weeks']))})"
    other = cast(pd.Series, table.loc[cast(int, checker.pair(pos, entry, row).name)])
    m1, n1, m2, n2 = (_number(x) for x in (row["mean"], row["n"], other["mean"], other["n"]))
    if not all(math.isfinite(x) for x in (m1, n1, m2, n2)):
        checker.fail(
            pos,
            "kind",
            "means and n in both arms (printed or assumed by an earlier ledger row)",
            f"means {m1}, {m2}; n {n1}, {n2}",
        )
    md = m1 - m2
    if kind == "sd_from_p_value":
        p = float(checker.effect(pos, entry, row)["p_value"])
        value = float(sd_from_p_value(np.asarray(md), np.asarray(p), np.asarray(n1), np.asarray(n2)))
        how = f"p = {p:g}, MD = {_fmt(md)}, n = {n1:g} and {n2:g}: SD = {_fmt(value)} (Handbook 6.5.2.3)"
    else:
        t = float(entry["value"])
        value = float(sd_from_t_statistic(np.asarray(md), np.asarray(t), np.asarray(n1), np.asarray(n2)))
        how = f"t = {t:g}, MD = {_fmt(md)}, n = {n1:g} and {n2:g}: SD = {_fmt(value)} (Handbook 6.5.2.3)"
    if not math.isfinite(value) or value <= 0:
        checker.fail(pos, "kind", "a derivation that gives a positive SD (the two means differ)", how)
    return value, how


def studies_with_assumptions(applied: pd.DataFrame) -> dict[str, list[str]]:
    """study_id -> the assumption_ids its numbers depend on (for forest-plot marks and footnotes)."""
    out: dict[str, list[str]] = {}
    for study, ident in zip(applied["study_id"].astype(str), applied["assumption_id"].astype(str)):
        out.setdefault(study, []).append(ident)
    return out


#: levels a pooled result is rated down (risk-of-bias domain) when it rests on ledger assumptions
ASSUMPTION_DOWNGRADE_LEVELS = 1


def assumption_downgrade(
    applied: pd.DataFrame,
    study_weights: Mapping[str, float],
    *,
    primary_agrees: bool | None,
) -> tuple[int, str]:
    """GRADE levels to rate down a pooled sensitivity result for the assumptions it rests on, with the reason.

    Rule (module docstring; after GRADE guidance 17, Guyatt GH et al. J Clin Epidemiol
    2017;87:14-22): 0 when no study of the analysis depends on a ledger assumption, or when the
    primary analysis exists and agrees in direction and significance (the conclusion is robust to
    the assumptions); otherwise :data:`ASSUMPTION_DOWNGRADE_LEVELS` (1) level for risk of bias.

    Parameters
    ----------
    applied : the ``applied`` table of :func:`apply_ledger`
    study_weights : study_id -> weight of the study in the pooled sensitivity result (any scale)
    primary_agrees : True / False when the primary result exists and agrees / disagrees; None when
        there is no primary pooled result (fewer than two studies without the ledger)

    Returns
    -------
    (levels, reason): reason is "" when levels is 0 and nothing depends on assumptions.

    Examples
    --------
    >>> applied = pd.DataFrame({"study_id": ["b"], "assumption_id": ["b_sd"]})
    >>> assumption_downgrade(applied, {"a": 1.0, "b": 1.0}, primary_agrees=None)[0]
    1
    """
    depends = studies_with_assumptions(applied)
    used = {s: ids for s, ids in depends.items() if s in study_weights}
    if not used:
        return 0, ""
    total = float(sum(study_weights.values()))
    share = sum(float(study_weights[s]) for s in used) / total if total > 0 else float("nan")
    listed = "; ".join(f"{s}: {', '.join(ids)}" for s, ids in sorted(used.items()))
    rests = f"{share:.0%} of the weight from studies whose numbers rest on stated assumptions ({listed})"
    if primary_agrees:
        return (
            0,
            f"Not rated down for assumptions: {rests}, "
            "but the result from printed numbers agrees in direction and significance.",
        )
    why = (
        "there is no pooled result from printed numbers alone"
        if primary_agrees is None
        else "the result from printed numbers differs in direction or significance"
    )
    return (
        ASSUMPTION_DOWNGRADE_LEVELS,
        f"Rated down {ASSUMPTION_DOWNGRADE_LEVELS} level (risk of bias): {rests}; {why}.",
    )


def assumptions_by_effect(applied: pd.DataFrame, effects: pd.DataFrame) -> list[list[str]]:
    """For each trial effect (a row with ``study_id, outcome, value_type, timepoint_weeks``), the
    assumption_ids of ``applied`` that changed a row it was computed from (after a nominal time
    point, the new time point); ``[]`` for an effect that rests on printed numbers only.

    Examples
    --------
    >>> applied = pd.DataFrame({"assumption_id": ["a_sd"], "study_id": ["a"], "column": ["sd"], "value_after": [5.0],
    ...     "row_key": ["arm=ex; outcome=score; timepoint_weeks=25.7; value_type=final"]})
    >>> effects = pd.DataFrame({"study_id": ["a", "a"], "outcome": ["score"] * 2, "value_type": ["final"] * 2,
    ...     "timepoint_weeks": [25.7, 51.4]})
    >>> assumptions_by_effect(applied, effects)
    [['a_sd'], []]
    """
    targets = []
    for entry in applied.to_dict("records"):
        key = parse_key(str(entry["row_key"]))
        weeks = float(entry["value_after"]) if entry["column"] == "timepoint_weeks" else float(key["timepoint_weeks"])
        targets.append((str(entry["study_id"]), key["outcome"], key["value_type"], weeks, str(entry["assumption_id"])))
    out = []
    for row in effects.to_dict("records"):
        weeks = _number(row["timepoint_weeks"])
        out.append(
            [
                ident
                for study, outcome, value_type, at, ident in targets
                if (study, outcome, value_type) == (str(row["study_id"]), str(row["outcome"]), str(row["value_type"]))
                and math.isfinite(weeks)
                and math.isclose(at, weeks, abs_tol=1e-9)
            ]
        )
    return out
