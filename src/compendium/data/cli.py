"""``compendium validate [DIR]``: check a data folder against its datapackage.yaml."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate a data folder against its datapackage.yaml",
        description="Check every table of DIR (default data/raw) against datapackage.yaml: types, ranges, "
        "vocabularies, unique ids, cross-file references, provenance, cross-column rules, finite numbers, "
        "positive ratio estimates, http(s) source addresses, identifier forms (DOI, PMID, PMCID, registration), "
        "canonical source addresses (the identifier's link, never an IP address) and arm-level values inside "
        "their instrument's range (from review.yaml). Every problem is listed with its file, row, column, what "
        "was expected and the value found; exit code 2 if any. Warnings (a published source without any "
        "identifier, a registry record without its registration number) go to stderr and do not fail.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR")
    parser.add_argument(
        "--review",
        metavar="YAML",
        help="review declaration whose vocabularies, ranges, subgroup and questions the data are checked against "
        "(default: the nearest review.yaml in DIR or above it, else this compendium's own, with a note)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the problems as a JSON list (empty when valid) on stdout"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import json
    import sys

    from compendium import paths
    from compendium.data.plausibility import outcome_ranges
    from compendium.data.validate import ValidationFailed, package_warnings, read_descriptor, validate_package
    from compendium.errors import CompendiumError
    from compendium.review import find_review, load_review, review_for

    args.directory = args.directory or str(paths.RAW_DIR)
    if args.review:
        review = load_review(args.review)
    else:
        review = review_for(args.directory)
        if find_review(args.directory) is None:
            print(
                f"note: {args.directory} has no review.yaml in it or above it; checked against {review.source} "
                "(give the right one with --review)",
                file=sys.stderr,
            )
    problems = validate_package(args.directory, ranges=outcome_ranges(review), review=review)
    if not problems:
        for warning in package_warnings(args.directory, review):
            print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps([problem.to_dict() for problem in problems], indent=2, ensure_ascii=False))
        if problems:
            raise CompendiumError(f"{len(problems)} problem(s) in {args.directory} (listed as JSON on stdout)")
        return 0
    if problems:
        raise ValidationFailed(problems)
    resources = read_descriptor(args.directory, review)["resources"]
    print(f"{args.directory}: valid ({len(resources)} tables)")
    return 0
