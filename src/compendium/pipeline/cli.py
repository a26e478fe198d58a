"""``compendium run``: execute the stage notebooks in order (what ``make report`` calls)."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the stage notebooks with papermill",
        description="Run the stage notebooks (notebooks/NN_name.ipynb; the 'stages' list of review.yaml when it has "
        "one) in order. Parameters come from params.yaml, then --params files, then -p name=value; every name, type "
        "and allowed value is checked against the notebooks' parameters cells before anything runs, and so are the "
        "outputs of earlier stages (a stage refuses outputs built from other data, parameters or code).",
    )
    parser.add_argument("--only", nargs="+", metavar="STAGE", help="run only these stages (number '03' or name)")
    parser.add_argument(
        "--params", action="append", default=[], metavar="FILE", help="YAML file of parameter values (repeatable)"
    )
    parser.add_argument(
        "-p",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set one parameter (value read as YAML)",
    )
    parser.add_argument("--list", action="store_true", help="list the stages and their parameters, run nothing")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (stages run, or with --list the stages)"
    )
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="run a selected stage only when its outputs are not current (inputs, parameters, code or outputs changed)",
    )
    parser.add_argument(
        "--make-plan",
        action="store_true",
        help="print Make rules for the stages that are not current (what `make report` runs); run nothing",
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from compendium.pipeline.runner import discover_stages, pipeline_stages, plan
    from compendium.scaffold.engine import check_engine_pin

    check_engine_pin()

    if args.make_plan:
        print(plan(param_files=args.params, log=lambda message: print(message, file=sys.stderr)), end="")
        return 0
    if args.list:
        return _list(pipeline_stages(discover_stages()), as_json=args.json)

    from compendium import skip_iri_grammar

    skip_iri_grammar()  # papermill -> nbformat -> jsonschema
    from compendium.pipeline.runner import run_pipeline

    log = (lambda message: print(message, file=sys.stderr)) if args.json else print
    runs = run_pipeline(
        only=args.only, param_files=args.params, overrides=args.overrides, log=log, if_stale=args.if_stale
    )
    if args.json:
        print(json.dumps({"stages": [run.to_dict() for run in runs]}, indent=2))
    return 0


def _list(stages, as_json: bool) -> int:  # noqa: ANN001 - list[Stage]
    """Print every stage with its parameters; a stage whose notebook cannot be read shows why (exit 2)."""
    if as_json:
        print(
            json.dumps(
                {"stages": [{"stage": s.name, "parameters": s.parameters, "problem": s.problem} for s in stages]},
                indent=2,
                default=str,
            )
        )
    else:
        for stage in stages:
            print(stage.name if not stage.problem else f"{stage.name}  (cannot be read, see below)")
            for name, default in stage.parameters.items():
                print(f"    {name} = {default!r}")
    for stage in stages:
        if stage.problem:
            print(f"error: {stage.problem}", file=sys.stderr)
    return 2 if any(s.problem for s in stages) else 0
