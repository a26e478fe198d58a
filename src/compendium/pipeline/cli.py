"""``compendium run``: execute the stage notebooks in order (what ``make report`` calls)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the stage notebooks with papermill",
        description="Run the stage notebooks (notebooks/NN_name.ipynb) in order. Parameters come from "
        "params.yaml, then --params files, then -p name=value; every name and type is checked against "
        "the notebooks' parameters cells before anything runs.",
    )
    parser.add_argument("--only", nargs="+", metavar="STAGE", help="run only these stages (number '03' or name)")
    parser.add_argument("--params", action="append", default=[], metavar="FILE", help="YAML file of parameter values (repeatable)")
    parser.add_argument("-p", dest="overrides", action="append", default=[], metavar="NAME=VALUE", help="set one parameter (value read as YAML)")
    parser.add_argument("--list", action="store_true", help="list the stages and their parameters, run nothing")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from compendium.pipeline.runner import discover_stages, run_pipeline

    if args.list:
        for stage in discover_stages():
            print(stage.name)
            for name, default in stage.parameters.items():
                print(f"    {name} = {default!r}")
        return 0
    run_pipeline(only=args.only, param_files=args.params, overrides=args.overrides)
    return 0
