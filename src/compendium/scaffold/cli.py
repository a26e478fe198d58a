"""``compendium init DIR [--example NAME]``: write a new compendium for another review."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a new compendium (same layout, your review) into DIR",
        description="Write a new, self-contained compendium into DIR: the environment pins, Makefile, package, "
        "generic stage notebooks and tests, with an empty review (or a shipped example with --example). "
        "Then: cd DIR && make report && make test. Adapting it means editing review.yaml and data/raw/ only.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR", help="folder for the new compendium (new or empty)")
    parser.add_argument("--example", metavar="NAME", help="start from a shipped example review (see --list-examples)")
    parser.add_argument("--list-examples", action="store_true", help="list the shipped example reviews and exit")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from compendium.errors import CompendiumError
    from compendium.scaffold import available_examples, init_compendium

    if args.list_examples:
        print("\n".join(available_examples()))
        return 0
    if not args.directory:
        raise CompendiumError("init: expected DIR, the folder for the new compendium")
    init_compendium(args.directory, args.example)
    return 0
