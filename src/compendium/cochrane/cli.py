"""``compendium cochrane``: re-analyse a Cochrane review (RevMan 5 file, data package or CSV) and compare.

    compendium cochrane FILE [--json] [--measure M] [--random]

Every analysis and subgroup is pooled with the review's own settings and compared with the
results stored in the file (``agrees``). ``--measure`` and ``--random`` apply to a one-row-per-study
CSV only (a review file carries its own settings).
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``compendium cochrane``."""
    parser = subparsers.add_parser(
        "cochrane",
        help="re-analyse a Cochrane review (RevMan 5 .rm5, data package, CSV) and compare with its stored results",
        description=(
            "Pool every analysis and subgroup of a Cochrane review with its own settings (RevMan 5's methods) "
            "and compare with the results the file stores."
        ),
    )
    parser.add_argument(
        "file", metavar="FILE", help=".rm5 file, data package (.zip or folder) or .csv (one row per study)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--measure", help="CSV only: RR, OR, RD, PETO_OR, MD, SMD (or the name of a yi measure)")
    parser.add_argument("--random", action="store_true", help="CSV only: DerSimonian-Laird random effects")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import json

    from compendium.cochrane.readers import read_review
    from compendium.cochrane.reanalyse import reanalyse
    from compendium.cochrane.report import review_dict, text_report

    review = read_review(args.file, measure=args.measure, random=args.random or None)
    records = reanalyse(review)
    if args.json:
        print(json.dumps({"review": review_dict(review), "analyses": records}, indent=2, sort_keys=False))
    else:
        print(text_report(review, records))
    return 0
