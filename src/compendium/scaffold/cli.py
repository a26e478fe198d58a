"""``compendium init DIR [--example NAME | --from FILE [--url URL] [--measure M]]``: write a thin review
folder (empty, an example, or imported from a Cochrane review or a spreadsheet); ``compendium upgrade [DIR]``:
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
        "tests/review/ (the review's own tests). Starts from an empty review, a shipped example with "
        "--example, or an existing review with --from (a RevMan 5 file, a Cochrane data package or a "
        "one-row-per-study CSV with metafor's column names). Then: cd DIR && make report && make test.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR", help="folder for the new review (new or empty)")
    parser.add_argument("--example", metavar="NAME", help="start from a shipped example review (see --list-examples)")
    parser.add_argument("--list-examples", action="store_true", help="list the shipped example reviews and exit")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="import a review: RevMan 5 file (.rm5), Cochrane data package (.zip or folder) or CSV (one row per study)",
    )
    parser.add_argument(
        "--url", help="with --from: the http(s) address the file was obtained from (needed when it has no DOI)"
    )
    parser.add_argument("--year", type=int, help="with --from: the source's year, when the file records no date (CSV)")
    parser.add_argument(
        "--measure", help="with --from a CSV: RR, OR, RD, PETO_OR, MD, SMD (or the name of a yi measure)"
    )
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
    if args.source is None:
        for option in ("url", "year", "measure"):
            if getattr(args, option) is not None:
                raise CompendiumError(f"init: --{option} applies only with --from FILE")
        init_compendium(args.directory, args.example)
        return 0
    if args.example:
        raise CompendiumError("init: give either --example or --from, not both")
    from compendium.cochrane.importer import import_writer

    init_compendium(
        args.directory,
        write_review=import_writer(args.source, url=args.url, year=args.year, measure=args.measure),
    )
    return 0


def main_upgrade(args: argparse.Namespace) -> int:
    from compendium import paths
    from compendium.scaffold.upgrade import upgrade_folder

    upgrade_folder(args.directory or paths.project_root())
    return 0
