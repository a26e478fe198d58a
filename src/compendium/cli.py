"""The ``compendium`` command: one sub-command per task.

Each sub-command lives beside the code it drives, in a ``cli`` module that defines
``add_parser(subparsers)``; that function registers the sub-command and sets
``func`` to a ``main(args) -> int``. Heavy imports happen inside ``main`` so that
``compendium --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from compendium.errors import CompendiumError

#: sub-command modules, in the order ``compendium --help`` lists them
SUBCOMMAND_MODULES = [
    "compendium.pipeline.cli",
    "compendium.data.cli",
    "compendium.mr.cli",
    "compendium.bias.cli",
    "compendium.meta.cli",
    "compendium.evidence.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compendium",
        description="Exercise and ALS research compendium: run the pipeline and its analyses.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CompendiumError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
