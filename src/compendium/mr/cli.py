"""``compendium mr FILE.csv``: the standard MR estimates of a harmonised summary-data table.

With ``--json`` prints one JSON object (the contract of ``MRResults.to_dict()``): ``n_snps``;
``ivw``, ``ivw_fixed``, ``egger``, ``weighted_median``, ``simple_median``, ``weighted_mode``
(each ``{estimate, se, ci_low, ci_high, pval}``, ``egger`` also ``intercept, intercept_se,
intercept_pval``; ``null`` when too few SNPs); ``heterogeneity``
(``{q_ivw, q_ivw_pval, q_egger, q_egger_pval, i2gx}``); ``f_mean``; ``n_weak_instruments`` and
``weak_snps`` (SNPs with F < 10) and ``instrument_note`` (what they mean; "" when none); ``notes`` (method ->
reason it is null, or why its non-finite fields could not be computed). Without ``--json``
prints a readable table. Same seed, same numbers. ``--level`` is the confidence level in percent
(as in ``compendium meta --level``); ``--bootstrap`` is at most
:data:`~compendium.mr.defaults.MAX_BOOTSTRAP`; ``--seed`` a non-negative integer.
"""

from __future__ import annotations

import argparse
import json

from compendium.mr.defaults import BX, BXSE, BY, BYSE, DEFAULTS, MAX_BOOTSTRAP, SNP


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``mr`` sub-command."""
    parser = subparsers.add_parser(
        "mr",
        help="Mendelian randomization estimates (IVW, MR-Egger, median, mode) from a CSV of SNP associations",
        description="Causal estimates (IVW, MR-Egger, weighted/simple median, weighted mode), heterogeneity "
        "and instrument strength from a CSV with one row per SNP, harmonised to the same effect allele.",
    )
    parser.add_argument("file", metavar="FILE.csv", help="one row per SNP, harmonised to the same effect allele")
    parser.add_argument("--bx", default=BX, metavar="COL", help=f"SNP-exposure effect column (default {BX})")
    parser.add_argument("--bxse", default=BXSE, metavar="COL", help=f"its standard error (default {BXSE})")
    parser.add_argument("--by", default=BY, metavar="COL", help=f"SNP-outcome effect column (default {BY})")
    parser.add_argument("--byse", default=BYSE, metavar="COL", help=f"its standard error (default {BYSE})")
    parser.add_argument(
        "--snp", default=SNP, metavar="COL", help=f"SNP label column (default {SNP}; rows are numbered without it)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, metavar="N", help=f"bootstrap seed (default {DEFAULTS.seed})"
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULTS.n_bootstrap,
        metavar="N",
        help="bootstrap replicates for the median and mode SEs "
        f"(default {DEFAULTS.n_bootstrap}, at most {MAX_BOOTSTRAP})",
    )
    parser.add_argument(
        "--level",
        type=float,
        default=DEFAULTS.level,
        metavar="PCT",
        help=f"confidence level in percent (default {DEFAULTS.level:g})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Read the table, run :func:`compendium.mr.mr_analysis` and print the results."""
    from compendium.csv_input import read_input_csv
    from compendium.mr.analysis import mr_analysis
    from compendium.mr.estimators import check_bootstrap, check_level

    check_bootstrap(args.bootstrap, args.seed, names=("--bootstrap", "--seed"))
    check_level(args.level, name="--level")
    frame = read_input_csv(args.file, expected="a header and one row per SNP")
    results = mr_analysis(
        frame,
        args.bx,
        args.bxse,
        args.by,
        args.byse,
        args.snp,
        source=args.file,
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        level=args.level,
    )
    if args.json:
        print(json.dumps(results.to_dict(), indent=2, sort_keys=False))
    else:
        print(results)
    return 0
