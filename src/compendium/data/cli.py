"""``compendium validate [DIR]``: check a data folder against its datapackage.yaml."""

from __future__ import annotations

import argparse

from compendium.paths import RAW_DIR


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate a data folder against its datapackage.yaml",
        description="Check every table of DIR (default data/raw) against datapackage.yaml: types, ranges, "
        "vocabularies, unique ids, cross-file references, provenance and cross-column rules. "
        "Every problem is listed with its file, row, column, value and rule; exit code 2 if any.",
    )
    parser.add_argument("directory", nargs="?", default=str(RAW_DIR), metavar="DIR")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from compendium.data.validate import check_package, read_descriptor

    check_package(args.directory)
    resources = read_descriptor(args.directory)["resources"]
    print(f"{args.directory}: valid ({len(resources)} tables)")
    return 0
