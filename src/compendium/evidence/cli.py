"""``compendium check-reported [DIR]``: flag rows whose printed statistics disagree."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-reported",
        help="flag rows whose printed estimate, CI, p, Z or totals disagree",
        description="Recompute what each row's printed numbers imply (CI, SE, p, Z, totals) and list the rows "
        "where they disagree beyond rounding. Flags are findings, not errors: the exit code is 0 whenever "
        "the check ran, and flagged rows (e.g. published typos kept as printed) are never corrected.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR", help="data folder (default data/raw)")
    parser.add_argument(
        "--review",
        metavar="YAML",
        help="review declaration with the outcomes' ranges "
        "(default: review.yaml next to DIR's parent folder, e.g. ./review.yaml for data/raw, if it exists)",
    )
    parser.add_argument("--json", action="store_true", help="print the flags as JSON")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import json

    from compendium import paths
    from compendium.data.plausibility import outcome_ranges
    from compendium.evidence.reported import check_reported
    from compendium.review import load_review

    args.directory = args.directory or str(paths.RAW_DIR)
    flags = check_reported(args.directory, ranges=outcome_ranges(load_review(args.review)) if args.review else None)
    if args.json:
        from compendium.shared import clean_json

        print(json.dumps(clean_json(flags.to_dict(orient="records")), indent=2, sort_keys=False))
        return 0
    for flag in flags.itertuples(index=False):
        print(f"{flag.file} row {flag.row} ({flag.study_id}): {flag.reason} [{flag.field}]: {flag.details}")
    files = flags["file"].nunique()
    print(f"{len(flags)} flag(s) in {files} file(s); flags are findings to read, not errors")
    return 0
