"""``compendium meta``: meta-analysis of a CSV file from the command line (metafor's argument names).

    compendium meta FILE.csv (--yi COL (--vi COL | --sei COL)
                              | --measure SMD|MD|ROM --m1i C --sd1i C --n1i C --m2i C --sd2i C --n2i C
                              | --measure OR|RR|RD --ai C (--bi C | --n1i C) --ci C (--di C | --n2i C))
                             [--method M] [--test z|knha|adhoc] [--level 95] [--mods COL ...]
                             [--slab COL] [--na-action omit|fail] [--leave1out] [--egger]
                             [--trimfill] [--json]

Start-up matters here (a whole ``compendium meta`` run at k = 1000 should take a fraction of
R + metafor's, at k = 10^6 at most twice the time of reading the file with pandas): this module
imports only the argument vocabulary; ``main`` imports numpy through the engine (which needs no
scipy), and pandas only for large files (its CSV parser is the fastest there) or for
``--measure``. Small files are read with the standard library's csv module. Both readers give the
same cells: text, with an empty cell meaning missing.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from compendium.meta.settings import DEFAULTS, MEASURES, METHODS, NA_ACTIONS, TESTS

if TYPE_CHECKING:
    import numpy as np

ARM_COLUMNS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
TABLE_COLUMNS = ("ai", "bi", "ci", "di")
#: files larger than this are parsed by pandas (faster per row, but 0.4 s to import)
PANDAS_FROM_BYTES = 4_000_000


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``compendium meta``."""
    parser = subparsers.add_parser(
        "meta",
        help="meta-analysis of a CSV file (metafor-compatible)",
        description="Fit an equal-, random- or mixed-effects meta-analysis as metafor's rma().",
    )
    parser.add_argument("file", metavar="FILE.csv", help="one row per study")
    parser.add_argument("--yi", help="column of effect sizes")
    parser.add_argument("--vi", help="column of sampling variances")
    parser.add_argument("--sei", help="column of standard errors")
    parser.add_argument("--measure", choices=MEASURES, help="compute effect sizes from arm-level data")
    for name in ARM_COLUMNS + TABLE_COLUMNS:
        parser.add_argument(f"--{name}", metavar="C", help=f"column for {name}")
    parser.add_argument(
        "--method", choices=METHODS, default=DEFAULTS.method, help="tau2 estimator (default %(default)s)"
    )
    parser.add_argument("--test", choices=TESTS, default=DEFAULTS.test, help="z or knha (HKSJ); default %(default)s")
    parser.add_argument(
        "--level",
        type=float,
        default=DEFAULTS.level,
        help="confidence level, read as metafor does: 95, 0.95 and 0.05 all mean 95%% (default %(default)g)",
    )
    parser.add_argument("--mods", nargs="+", metavar="COL", help="moderator columns (meta-regression)")
    parser.add_argument("--slab", metavar="COL", help="study label column")
    parser.add_argument(
        "--na-action",
        choices=NA_ACTIONS,
        default="omit",
        help="rows with a missing value: omit them with a warning listing them (default, as metafor's na.omit) or fail",
    )
    parser.add_argument("--leave1out", action="store_true", help="leave-one-out analysis")
    parser.add_argument("--egger", action="store_true", help="Egger's regression test")
    parser.add_argument("--trimfill", action="store_true", help="trim-and-fill (L0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def read_columns(path: str, columns: list[str]) -> Mapping[str, list[str] | np.ndarray]:
    """The named columns of a CSV file as text cells ("" for an empty cell).

    Errors (no file, empty file, not CSV, missing or duplicated column) name the file.
    """
    import csv

    from compendium.errors import CompendiumError

    file = Path(path)
    if not file.is_file():
        from compendium.csv_input import kind_of_non_file  # imports pandas: only on this error path

        raise CompendiumError(f"{path}: {kind_of_non_file(file)}")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CompendiumError(f"{path}: empty file; expected a header and one row per study")
            if len(set(header)) < len(header):
                from compendium.csv_input import _check_header  # imports pandas: only on this error path

                _check_header(file, header)  # the message of every command: the name and both positions
            missing = [c for c in columns if c not in header]
            if missing:
                raise CompendiumError(f"{path}: missing column {missing[0]!r} (columns: {', '.join(header)})")
            if file.stat().st_size > PANDAS_FROM_BYTES:
                return _read_with_pandas(file, columns, every_column=len(columns) == len(header))
            positions = [header.index(c) for c in columns]
            cells: dict[str, list[str]] = {c: [] for c in columns}
            for row in reader:
                if not row:
                    continue  # a blank line is no study (pandas skips it too)
                for c, j in zip(columns, positions):
                    cells[c].append(row[j].strip() if j < len(row) else "")
            return cells
    except (UnicodeDecodeError, csv.Error) as error:
        raise CompendiumError(f"{path}: not a readable CSV file ({error})") from None


def _read_with_pandas(file: Path, columns: list[str], every_column: bool) -> dict[str, np.ndarray]:
    """Large files: pandas' C parser; numeric columns come back as float arrays (same values).

    ``usecols`` is passed only when the file has other columns too: it doubles the parse time
    (0.086 s against 0.040 s for two columns at k = 10^6, pandas 3.1).
    """
    import pandas as pd

    frame = pd.read_csv(
        file,
        usecols=None if every_column else columns,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
        skip_blank_lines=True,
    )
    return {c: frame[c].to_numpy() for c in columns}


def _effect_data(args: argparse.Namespace, source: str) -> tuple[object, str, str | None, str | None, list[str]]:
    from compendium.errors import CompendiumError

    if args.measure is None:
        if args.yi is None or (args.vi is None) == (args.sei is None):
            raise CompendiumError("give --yi with exactly one of --vi or --sei, or --measure with its columns")
        wanted = [c for c in (args.yi, args.vi, args.sei, args.slab) if c] + list(args.mods or [])
        return read_columns(source, list(dict.fromkeys(wanted))), args.yi, args.vi, args.sei, []
    if args.yi or args.vi or args.sei:
        raise CompendiumError("give either --yi/--vi/--sei or --measure, not both")
    needed: tuple[str, ...] = ARM_COLUMNS if args.measure in ("MD", "SMD", "ROM") else TABLE_COLUMNS
    if needed == TABLE_COLUMNS:  # as metafor's escalc: group sizes n1i, n2i may replace bi, di
        needed = tuple(
            n if getattr(args, n) is not None or size is None or getattr(args, size) is None else size
            for n, size in zip(TABLE_COLUMNS, (None, "n1i", None, "n2i"))
        )
    missing = [f"--{n}" for n in needed if getattr(args, n) is None]
    if missing:
        sizes = " (--n1i and --n2i may replace --bi and --di)" if {"--bi", "--di"} & set(missing) else ""
        raise CompendiumError(f"--measure {args.measure} needs {' '.join(missing)}{sizes}")
    import pandas as pd

    from compendium.meta.effects import escalc

    inputs = {n: getattr(args, n) for n in needed}
    wanted = list(dict.fromkeys(list(inputs.values()) + ([args.slab] if args.slab else []) + list(args.mods or [])))
    cells = read_columns(source, wanted)
    import numpy as np

    from compendium.meta.model import omit_missing

    frame = pd.DataFrame(
        {c: pd.Series([None if _is_missing(x) else x for x in values], dtype=object) for c, values in cells.items()}
    )
    # rows with a missing input are named by that input's column (not by the computed yi)
    flags = {c: np.where(frame[c].isna().to_numpy(), np.nan, 0.0) for c in dict.fromkeys(inputs.values())}
    labels = [str(x) for x in frame[args.slab]] if args.slab else None
    keep, notes = omit_missing(flags, args.na_action, source, labels)
    data = escalc(args.measure, frame, source=source, **inputs)[keep].reset_index(drop=True)
    if "zero_cell_corrected" in data and data["zero_cell_corrected"].any():
        notes.append(
            f"{int(data['zero_cell_corrected'].sum())} studies with a zero cell: 1/2 added to all their cells."
        )
    return data, "yi", "vi", None, notes


def _is_missing(value: object) -> bool:
    """An empty cell (small files) or NaN (large files read by pandas)."""
    return value is None or value == "" or (isinstance(value, float) and value != value)


def main(args: argparse.Namespace) -> int:
    """Run the meta-analysis and print JSON (``--json``) or a metafor-style summary."""
    import sys

    from compendium.errors import CompendiumError
    from compendium.meta.model import clean_json, rma

    source = str(args.file)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, yi, vi, sei, notes = _effect_data(args, source)
        res = rma(
            yi,
            vi,
            sei=sei,
            data=data,
            mods=args.mods,
            slab=args.slab,
            method=args.method,
            test=args.test,
            level=args.level,
            na_action=args.na_action,
            notes=notes,
            source=source,
        )
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    out = res.to_dict()
    extra = []
    if args.leave1out:
        from compendium.meta.diagnostics import leave1out

        loo = leave1out(res)
        out["leave1out"] = clean_json(loo[["omitted", "estimate", "se", "tau2", "i2"]].to_dict(orient="records"))
        extra.append("Leave-one-out:\n" + loo.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if args.egger:
        from compendium.meta.small_study import regtest

        try:
            egger = regtest(res)
            out["egger"] = {key: egger.to_dict()[key] for key in ("z", "pval")}
            extra.append(f"Egger's regression test (sei as moderator): stat = {egger.stat:.4f}, p = {egger.pval:.4f}")
        except CompendiumError as error:
            out["egger"] = {"z": None, "pval": None, "note": str(error)}
            extra.append(f"Egger's regression test: not computed: {error}")
    if args.trimfill:
        from compendium.meta.small_study import trimfill

        try:
            tf = trimfill(res)
            out["trimfill"] = tf.to_dict()
            extra.append(
                f"Trim-and-fill (L0): {tf.k0} studies filled on the {tf.side}; "
                f"estimate {tf.estimate:.4f} (SE {tf.se:.4f})"
            )
        except CompendiumError as error:
            out["trimfill"] = {"k0": None, "side": None, "estimate": None, "se": None, "note": str(error)}
            extra.append(f"Trim-and-fill: not computed: {error}")
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=False))
    else:
        print(str(res) + "".join(f"\n{block}\n" for block in extra), end="")
    return 0
