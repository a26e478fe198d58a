"""``compendium init DIR [--example NAME]``: write a thin review folder; ``compendium upgrade [DIR]``:
move a review folder to the running engine."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a new review folder (your review, pinned to this engine) into DIR",
        description="Write a thin review folder into DIR: review.yaml, data/raw/ with the tables its evidence "
        "streams use, params.yaml, a Makefile (make report, make test), the engine's wheel hash-pinned "
        "(engine.lock; the wheel is kept in the shared cache beside the folder) "
        "with the third-party pins (requirements.lock), a README, .ci/run and "
        "tests/review/ (the review's own tests). Starts from an empty review, or a shipped example with "
        "--example. Then: cd DIR && make report && make test.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR", help="folder for the new review (new or empty)")
    parser.add_argument("--example", metavar="NAME", help="start from a shipped example review (see --list-examples)")
    parser.add_argument("--list-examples", action="store_true", help="list the shipped example reviews and exit")
    parser.set_defaults(func=main)
    upgrade = subparsers.add_parser(
        "upgrade",
        help="move a review folder to this engine (declaration, data, environment pins)",
        description="Move the review folder DIR (default: the current review) to the running engine: "
        "schema_version and engine pin in review.yaml, the data tables migrated to the engine's schema, the "
        "engine wheel and pins, Makefile and .ci/run replaced; a full copy made by compendium 0.1.0 becomes "
        "a thin folder (its tests/review/ kept). Nothing changes unless every step succeeds.",
    )
    upgrade.add_argument("directory", nargs="?", metavar="DIR", help="the review folder (default: the current one)")
    upgrade.set_defaults(func=main_upgrade)


def main(args: argparse.Namespace) -> int:
    from compendium.errors import CompendiumError
    from compendium.scaffold import available_examples, init_compendium

    if args.list_examples:
        print("\n".join(available_examples()))
        return 0
    if not args.directory:
        raise CompendiumError("init: expected DIR, the folder for the new review")
    # hook for importers (a Cochrane review, a spreadsheet): init_compendium(..., write_review=writer)
    init_compendium(args.directory, args.example)
    return 0


def main_upgrade(args: argparse.Namespace) -> int:
    from compendium import paths
    from compendium.scaffold.upgrade import upgrade_folder

    upgrade_folder(args.directory or paths.project_root())
    return 0
