"""``compendium meta``: meta-analysis of a CSV file from the command line (metafor's argument names).

    compendium meta FILE.csv (--yi COL (--vi COL | --sei COL)
                              | --measure SMD|MD|ROM --m1i C --sd1i C --n1i C --m2i C --sd2i C --n2i C
                              | --measure OR|RR|RD --ai C --bi C --ci C --di C)
                             [--method M] [--test z|knha|adhoc] [--level 95] [--mods COL ...]
                             [--slab COL] [--leave1out] [--egger] [--trimfill] [--json]
"""

from __future__ import annotations

import argparse
import json

from compendium.meta.settings import DEFAULTS, MEASURES, METHODS, TESTS

ARM_COLUMNS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
TABLE_COLUMNS = ("ai", "bi", "ci", "di")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``compendium meta``."""
    parser = subparsers.add_parser(
        "meta", help="meta-analysis of a CSV file (metafor-compatible)",
        description="Fit an equal-, random- or mixed-effects meta-analysis as metafor's rma().")
    parser.add_argument("file", metavar="FILE.csv", help="one row per study")
    parser.add_argument("--yi", help="column of effect sizes")
    parser.add_argument("--vi", help="column of sampling variances")
    parser.add_argument("--sei", help="column of standard errors")
    parser.add_argument("--measure", choices=MEASURES, help="compute effect sizes from arm-level data")
    for name in ARM_COLUMNS + TABLE_COLUMNS:
        parser.add_argument(f"--{name}", metavar="C", help=f"column for {name}")
    parser.add_argument("--method", choices=METHODS, default=DEFAULTS.method, help="tau2 estimator (default %(default)s)")
    parser.add_argument("--test", choices=TESTS, default=DEFAULTS.test, help="z or knha (HKSJ); default %(default)s")
    parser.add_argument("--level", type=float, default=DEFAULTS.level, help="confidence level in percent")
    parser.add_argument("--mods", nargs="+", metavar="COL", help="moderator columns (meta-regression)")
    parser.add_argument("--slab", metavar="COL", help="study label column")
    parser.add_argument("--leave1out", action="store_true", help="leave-one-out analysis")
    parser.add_argument("--egger", action="store_true", help="Egger's regression test")
    parser.add_argument("--trimfill", action="store_true", help="trim-and-fill (L0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def _effect_data(args: argparse.Namespace, source: str):
    from compendium.csv_input import read_input_csv
    from compendium.effects import escalc
    from compendium.errors import CompendiumError

    data = read_input_csv(args.file, expected="a header and one row per study")
    if args.measure is None:
        if args.yi is None or (args.vi is None) == (args.sei is None):
            raise CompendiumError("give --yi with exactly one of --vi or --sei, or --measure with its columns")
        return data, args.yi, args.vi, args.sei
    if args.yi or args.vi or args.sei:
        raise CompendiumError("give either --yi/--vi/--sei or --measure, not both")
    needed = ARM_COLUMNS if args.measure in ("MD", "SMD", "ROM") else TABLE_COLUMNS
    missing = [f"--{n}" for n in needed if getattr(args, n) is None]
    if missing:
        raise CompendiumError(f"--measure {args.measure} needs {' '.join(missing)}")
    data = escalc(args.measure, data, source=source, **{n: getattr(args, n) for n in needed})
    return data, "yi", "vi", None


def main(args: argparse.Namespace) -> int:
    """Run the meta-analysis and print JSON (``--json``) or a metafor-style summary."""
    from compendium.meta.diagnostics import leave_one_out
    from compendium.meta.model import clean_json, rma
    from compendium.meta.small_study import egger_test, trim_and_fill

    source = str(args.file)
    data, yi, vi, sei = _effect_data(args, source)
    notes = []
    if "zero_cell_corrected" in data and data["zero_cell_corrected"].any():
        notes.append(f"{int(data['zero_cell_corrected'].sum())} studies with a zero cell: 1/2 added to all their cells.")
    res = rma(yi, vi, sei=sei, data=data, mods=args.mods, slab=args.slab, method=args.method,
              test=args.test, level=args.level, notes=notes, source=source)
    out = res.to_dict()
    extra = []
    if args.leave1out:
        loo = leave_one_out(res)
        out["leave1out"] = clean_json(loo[["omitted", "estimate", "se", "tau2", "i2"]].to_dict(orient="records"))
        extra.append("Leave-one-out:\n" + loo.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if args.egger:
        egger = egger_test(res)
        out["egger"] = {key: egger.to_dict()[key] for key in ("z", "pval")}
        extra.append(f"Egger's regression test (sei as moderator): stat = {egger.stat:.4f}, p = {egger.pval:.4f}")
    if args.trimfill:
        tf = trim_and_fill(res)
        out["trimfill"] = tf.to_dict()
        extra.append(f"Trim-and-fill (L0): {tf.k0} studies filled on the {tf.side}; "
                     f"estimate {tf.estimate:.4f} (SE {tf.se:.4f})")
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=False))
    else:
        print(str(res) + "".join(f"\n{block}\n" for block in extra), end="")
    return 0
