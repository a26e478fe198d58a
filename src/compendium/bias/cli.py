"""``compendium rob2 FILE.csv [--json]``: RoB 2 judgements for an answers table.

Reads the wide format, one row per result (``study``, optional ``outcome``, answers ``q1_1`` ..
``q5_3``, optional ``<target>_override`` / ``<target>_override_reason`` columns), or the long
format the project stores (one row per answer: ``study, outcome, question, answer,
justification, source_id, locator``); see :mod:`compendium.bias.rob2`. Overrides of the long
format live in their own file (``rob2_overrides.csv``) and are applied by stage 02, not here.
With ``--json`` prints a list of ``{study, outcome, d1, d2, d3, d4, d5, overall}`` holding the
final judgements (Low, Some concerns, High; ``outcome`` null without an outcome column); without
it, a readable table. Bad input exits with code 2 and a message naming file, row and column.
"""

from __future__ import annotations

import argparse
import json

JSON_KEYS = ("study", "outcome", "d1", "d2", "d3", "d4", "d5", "overall")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``rob2`` sub-command."""
    parser = subparsers.add_parser(
        "rob2",
        help="RoB 2 domain and overall judgements from signalling answers",
        description="Apply the RoB 2 (22 Aug 2019) decision algorithms to a CSV of signalling answers.",
    )
    parser.add_argument(
        "file",
        metavar="FILE.csv",
        help="answers table: wide (one row per result) or long (one row per answer, as data/raw/rob2_answers.csv)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Print the judgements; return 0 (errors propagate as CompendiumError)."""
    import pandas as pd

    from compendium.bias.rob2 import assess_file

    table = assess_file(args.file)
    records = [
        {
            "study": row["study"],
            "outcome": None if pd.isna(row["outcome"]) else row["outcome"],
            **{key: row[f"{key}_final"] for key in JSON_KEYS[2:]},
        }
        for row in table.to_dict(orient="records")
    ]
    if args.json:
        print(json.dumps(records, indent=2, sort_keys=False))
        return 0
    header = list(JSON_KEYS)
    cells = [[("" if r[k] is None else str(r[k])) for k in header] for r in records]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(header)]
    for line in [header, [("-" * w) for w in widths], *cells]:
        print("  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip())
    return 0
